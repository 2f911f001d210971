/* facteur — the MIME structure of a message (RFC 2045-2049), parsed by GMime: its leaf
 * parts, their text decoded to UTF-8, the links of HTML parts (tokenized as browsers
 * do, WHATWG HTML §13.2.5) and of plain text, and the attachments. Hostile structure is
 * recorded as anomalies; limits (FctLimits.mime_*) stop the walk, they never stop the
 * parse. */
#pragma once

#include <facteur/limits.h>
#include <facteur/msg.h>

G_BEGIN_DECLS

#define FCT_MIME_ERROR (fct_mime_error_quark ())
GQuark fct_mime_error_quark (void);

typedef enum
{
  FCT_MIME_ERROR_PARSE, /* GMime could not build any message from the bytes */
} FctMimeError;

/* What was wrong with the structure. None stops the parse; analysis turns them into
 * the finding mime-broken (or ignores those that are only limits). */
typedef enum
{
  FCT_MIME_ANOMALY_NONE = 0,
  FCT_MIME_ANOMALY_NO_BOUNDARY = 1 << 0,        /* a multipart without a boundary
                                                   parameter (RFC 2046 §5.1.1) */
  FCT_MIME_ANOMALY_BOUNDARY_NOT_FOUND = 1 << 1, /* a multipart whose boundary never
                                                   appears: no part at all */
  FCT_MIME_ANOMALY_TRUNCATED = 1 << 2,          /* a multipart without its close
                                                   delimiter ("--boundary--") */
  FCT_MIME_ANOMALY_BAD_ENCODING = 1 << 3,       /* unknown Content-Transfer-Encoding, or
                                                   base64 with bytes outside the
                                                   alphabet (RFC 2045 §6.8) */
  FCT_MIME_ANOMALY_BAD_CHARSET = 1 << 4,        /* an unknown charset, or text that does
                                                   not convert (replaced with U+FFFD) */
  FCT_MIME_ANOMALY_DEPTH_LIMIT = 1 << 5,        /* deeper than mime_depth_max: the
                                                   deeper parts are not listed */
  FCT_MIME_ANOMALY_PARTS_LIMIT = 1 << 6,        /* more than mime_parts_max leaves:
                                                   the rest are not listed */
  FCT_MIME_ANOMALY_LINKS_LIMIT = 1 << 7,        /* more than mime_links_max links: the
                                                   rest are not listed */
  FCT_MIME_ANOMALY_TEXT_LIMIT = 1 << 8,         /* a text part over mime_text_max_bytes
                                                   decoded: the rest is not read */
  FCT_MIME_ANOMALY_NOT_MIME = 1 << 9,           /* Content-Type multipart without
                                                   MIME-Version (accepted anyway) */
} FctMimeAnomalies;

typedef enum
{
  FCT_MIME_PART_TEXT,       /* text/plain body (not an attachment) */
  FCT_MIME_PART_HTML,       /* text/html body (not an attachment) */
  FCT_MIME_PART_ATTACHMENT, /* anything with a file name or disposition attachment,
                               and every non-text leaf (images, applications, ...) */
} FctMimePartKind;

typedef struct
{
  FctMimePartKind kind;
  /* "type/subtype", lower case, as declared ("text/plain" when none: RFC 2045 §5.2). */
  const char *content_type;
  /* The file name (Content-Disposition filename, else Content-Type name; RFC 2231
   * and RFC 2047 decoded to UTF-8), or NULL. */
  const char *filename;
  /* The declared charset, lower case, or NULL. */
  const char *charset;
  /* The Content-Disposition is "inline" (or absent) rather than "attachment". */
  gboolean inline_disposition;
  /* Content-ID, for cid: images, or NULL. */
  const char *content_id;
  /* Nesting depth: 0 for a message that is a single part. */
  guint depth;
  /* Size of the content as it is in the message (still transfer-encoded). */
  gsize encoded_size;
} FctMimePart;

typedef enum
{
  FCT_MIME_LINK_HTML_ANCHOR, /* <a href> or <area href> */
  FCT_MIME_LINK_HTML_FORM,   /* <form action> */
  FCT_MIME_LINK_TEXT,        /* a URL written in plain text */
} FctMimeLinkSource;

typedef struct
{
  FctMimeLinkSource source;
  /* The target, UTF-8: character references decoded (the whole WHATWG table),
   * surrounding spaces removed, and a relative URL resolved against the part's first
   * <base href> when it has one (HTML §4.2.3); otherwise as written. */
  const char *href;
  /* The visible text of the anchor, spaces collapsed ("" for an image-only anchor;
   * the URL itself for a plain-text link). Text that CSS hides (display:none,
   * visibility:hidden, font-size:0, opacity:0, white on white) is not part of it. */
  const char *text;
  /* The index of the part it was found in. */
  guint part;
  /* The alt text of the images of an anchor that shows no text (an image button),
   * spaces collapsed, or "". */
  const char *image_alt;
  /* A form with a field for a secret: a password input, or an input named for a card
   * number, its security code or a PIN. FALSE for other links. */
  gboolean asks_secret;
  /* For an <area href> of an image map inside an open <a href>: that anchor's target
   * (surrounding spaces removed), which a filter and a reader hovering the link see
   * while a click on the image follows the area. NULL for other links. */
  const char *outer_href;
} FctMimeLink;

typedef struct _FctMime FctMime;

/* Parses the message's MIME structure. Text and HTML parts are decoded and HTML is
 * parsed now; attachments are decoded only when asked for. limits may be NULL (the
 * defaults). Returns (transfer full), or NULL and an FCT_MIME_ERROR. Thread-safe: GMime
 * is initialised once; two FctMime may be built in two threads at once. */
FctMime *fct_mime_new (FctMsg *msg, const FctLimits *limits,
                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_mime_free (FctMime *mime);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctMime, fct_mime_free)

FctMimeAnomalies fct_mime_get_anomalies (const FctMime *mime);
/* A short English description of the first anomaly ("multipart/mixed without a
 * boundary"), for a finding's evidence, or NULL when there is none (transfer none). */
const char *fct_mime_get_anomaly_evidence (const FctMime *mime);

/* Leaf parts in message order (multiparts are not listed; a message/rfc822 part is
 * walked into, its parts counted with one more depth). */
guint fct_mime_get_part_count (const FctMime *mime);
const FctMimePart *fct_mime_get_part (const FctMime *mime, guint index);

/* The text of a TEXT or HTML part, decoded to valid UTF-8 (transfer none; NUL-
 * terminated). For HTML, the visible text: scripts, styles, tags and text hidden by
 * CSS removed, block elements separated by line breaks. NULL for an attachment. */
const char *fct_mime_part_get_text (const FctMime *mime, guint index, gsize *len);

/* Number of <img> elements (and of other image-bearing elements: input type=image,
 * background attributes) in an HTML part; 0 otherwise. */
guint fct_mime_part_get_image_count (const FctMime *mime, guint index);

/* The decoded content of a part (transfer full), at most max_bytes of it (0: no cap
 * besides the message size); *truncated tells whether there was more. Decoding happens
 * on every call: callers keep what they need. */
GBytes *fct_mime_part_get_content (const FctMime *mime, guint index, gsize max_bytes,
                                   gboolean *truncated);

/* Links from HTML parts (anchors, areas, forms) and plain-text parts (http, https, ftp
 * and www. URLs), in message order, at most FctLimits.mime_links_max. */
guint fct_mime_get_link_count (const FctMime *mime);
const FctMimeLink *fct_mime_get_link (const FctMime *mime, guint index);

/* The message the structure was parsed from (transfer none). */
FctMsg *fct_mime_get_msg (const FctMime *mime);

G_END_DECLS
