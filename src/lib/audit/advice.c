/* facteur — the records the domain audit proposes, built from what is published: a DMARC
 * record edited tag by tag (RFC 9989 §4.7: every other tag kept, in its order), a clean
 * DMARC record from a broken one, the report address to name. */
#include "audit-private.h"

#include <string.h>

typedef struct
{
  char *name;  /* as written */
  char *value; /* as written, trimmed */
} Tag;

static void
tag_free (gpointer data)
{
  Tag *t = data;
  g_free (t->name);
  g_free (t->value);
  g_free (t);
}

/* The tags of a record, in order: "name=value" fields separated by ";" with white space
 * around (RFC 9989 §4.7). A field without "=" is kept as a name with a NULL value so
 * that the cleaner can drop it. Returns (transfer full). */
static GPtrArray *
tags_split (const char *text)
{
  GPtrArray *tags = g_ptr_array_new_with_free_func (tag_free);
  g_auto (GStrv) fields = g_strsplit (text, ";", -1);
  for (gsize i = 0; fields[i] != NULL; i++)
    {
      char *f = g_strstrip (fields[i]);
      if (f[0] == '\0')
        continue;
      Tag *t = g_new0 (Tag, 1);
      char *eq = strchr (f, '=');
      if (eq == NULL)
        t->name = g_strdup (f);
      else
        {
          *eq = '\0';
          t->name = g_strdup (g_strstrip (f));
          t->value = g_strdup (g_strstrip (eq + 1));
        }
      g_ptr_array_add (tags, t);
    }
  return tags;
}

static char *
tags_join (const GPtrArray *tags)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < tags->len; i++)
    {
      const Tag *t = g_ptr_array_index (tags, i);
      g_string_append_printf (s, "%s%s=%s", s->len > 0 ? "; " : "", t->name,
                              t->value != NULL ? t->value : "");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static Tag *
tag_new (const char *name, const char *value)
{
  Tag *t = g_new0 (Tag, 1);
  t->name = g_strdup (name);
  t->value = g_strdup (value);
  return t;
}

char *
fct_audit_dmarc_edit (const char *text, const FctAuditTagEdit *edits, gsize n_edits)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (GPtrArray) tags = tags_split (text);
  g_autofree gboolean *used = g_new0 (gboolean, n_edits);

  for (guint i = 0; i < tags->len;)
    {
      Tag *t = g_ptr_array_index (tags, i);
      gboolean removed = FALSE;
      for (gsize k = 0; k < n_edits; k++)
        {
          if (g_ascii_strcasecmp (t->name, edits[k].name) != 0)
            continue;
          if (used[k] || edits[k].value == NULL)
            removed = TRUE; /* removed, or a later duplicate of an edited tag */
          else
            {
              g_free (t->value);
              t->value = g_strdup (edits[k].value);
            }
          used[k] = TRUE;
        }
      if (removed)
        g_ptr_array_remove_index (tags, i);
      else
        i++;
    }
  for (gsize k = 0; k < n_edits; k++)
    {
      if (used[k] || edits[k].value == NULL)
        continue;
      /* A new p= goes right after v= where readers look for it; other new tags at the
       * end, after everything the owner wrote. */
      if (g_ascii_strcasecmp (edits[k].name, "p") == 0 && tags->len > 0)
        g_ptr_array_insert (tags, 1, tag_new (edits[k].name, edits[k].value));
      else
        g_ptr_array_add (tags, tag_new (edits[k].name, edits[k].value));
    }
  return tags_join (tags);
}

/* The record flags that mean a tag was not usable as written. */
#define DMARC_TAG_BAD                                                                      \
  (FCT_DMARC_RECORD_FLAG_BAD_P | FCT_DMARC_RECORD_FLAG_BAD_SP                              \
   | FCT_DMARC_RECORD_FLAG_BAD_NP | FCT_DMARC_RECORD_FLAG_BAD_VALUE                        \
   | FCT_DMARC_RECORD_FLAG_BAD_SYNTAX | FCT_DMARC_RECORD_FLAG_UNKNOWN_TAG                  \
   | FCT_DMARC_RECORD_FLAG_BAD_URI)

char *
fct_audit_dmarc_clean (const char *text, const FctLimits *limits)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (GPtrArray) tags = tags_split (text);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (tag_free);
  g_autoptr (GHashTable) seen
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean has_p = FALSE;

  g_ptr_array_add (out, tag_new ("v", "DMARC1"));
  for (guint i = 1; i < tags->len; i++)
    {
      const Tag *t = g_ptr_array_index (tags, i);
      if (t->value == NULL)
        continue;
      g_autofree char *key = g_ascii_strdown (t->name, -1);
      /* Each tag judged alone by the same parser the receivers' side uses: kept when
       * it parses cleanly, a URI list reduced to its valid URIs, the first of
       * duplicates kept (as the parser does). */
      g_autofree char *one = g_strdup_printf ("v=DMARC1; %s=%s", t->name, t->value);
      g_autoptr (FctDmarcRecord) r = fct_dmarc_record_parse (one, strlen (one), limits);
      if (r == NULL || g_hash_table_contains (seen, key))
        continue;
      if (g_str_equal (key, "rua") || g_str_equal (key, "ruf"))
        {
          GPtrArray *uris = g_str_equal (key, "rua") ? r->rua : r->ruf;
          if (uris == NULL || uris->len == 0)
            continue;
          g_ptr_array_add (uris, NULL);
          g_autofree char *joined = g_strjoinv (",", (char **)uris->pdata);
          g_ptr_array_remove_index (uris, uris->len - 1);
          g_ptr_array_add (out, tag_new (t->name, joined));
        }
      else if ((r->flags & (DMARC_TAG_BAD | FCT_DMARC_RECORD_FLAG_TOO_LONG)) != 0)
        continue;
      else
        g_ptr_array_add (out, tag_new (t->name, t->value));
      has_p = has_p || g_str_equal (key, "p");
      g_hash_table_add (seen, g_steal_pointer (&key));
    }
  /* A record whose p= was unusable is applied as p=none (RFC 9989 §4.8): say so. */
  if (!has_p)
    g_ptr_array_insert (out, 1, tag_new ("p", "none"));
  return tags_join (out);
}

char *
fct_audit_report_address (const Audit *a, const char *policy_domain)
{
  if (a->options.rua != NULL)
    return g_strdup (a->options.rua);
  return g_strconcat ("dmarc-reports@", policy_domain, NULL);
}
