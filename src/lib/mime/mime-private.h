/* facteur — MIME internals shared by mime.c (GMime walk, decoding), html.c (HTML tokenizer)
 * and links.c (URLs in plain text). Not included from outside src/lib/mime. */
#pragma once

#include <facteur/mime.h>

#include <gmime/gmime.h>

typedef struct
{
  FctMimePart pub;
  GMimePart *object; /* (owned) */
  char *text;        /* decoded UTF-8 (owned), TEXT and HTML only */
  gsize text_len;
  guint images;
} FctMimeEntry;

struct _FctMime
{
  FctMsg *msg; /* (owned) */
  GMimeMessage *message;
  FctLimits limits;
  FctMimeAnomalies anomalies;
  const char *anomaly_evidence; /* static English text */
  GPtrArray *entries;           /* FctMimeEntry* (owned) */
  GArray *links;                /* FctMimeLink */
  GStringChunk *strings;        /* every string of parts and links */
};

/* Marks an anomaly, keeping the evidence of the first one. */
void fct_mime_note (FctMime *mime, FctMimeAnomalies anomaly, const char *evidence);

/* Adds a link (strings copied); FALSE once mime_links_max is reached. */
gboolean fct_mime_link_add (FctMime *mime, FctMimeLinkSource source, const char *href,
                            gsize href_len, const char *text, gsize text_len, guint part);

/* Parses the HTML of entry index (entry->text holds the markup on entry): replaces the
 * markup with the visible text, counts images and adds links. */
void fct_mime_html_parse (FctMime *mime, guint index);

/* Adds the URLs written in a plain-text part. */
void fct_mime_text_links (FctMime *mime, guint index);
