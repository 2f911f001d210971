/* facteur — the mail providers recognised from MX hosts and the SPF include each one
 * documents (data/audit/mail-providers.tsv, compiled in; README.md there gives the
 * sources and what was left out). */
#include <facteur/audit.h>

#include "fct-audit-data.h"
#include <string.h>

typedef struct
{
  GPtrArray *rows; /* FctAuditProvider *, strings owned by strings */
  GPtrArray *strings;
} Table;

static const Table *
table_get (void)
{
  static Table table;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      table.rows = g_ptr_array_new_with_free_func (g_free);
      table.strings = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GBytes) bytes = g_resource_lookup_data (
          fct_audit_data_get_resource (), "/org/facteur/audit/mail-providers.tsv",
          G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (bytes != NULL); /* compiled in: absence is a build error */
      gsize len = 0;
      const char *data = g_bytes_get_data (bytes, &len);
      g_autofree char *text = g_strndup (data, len);
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (gsize i = 0; lines[i] != NULL; i++)
        {
          if (lines[i][0] == '#' || lines[i][0] == '\0')
            continue;
          g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
          /* A malformed row is skipped here and failed by the unit test that reads
           * every row. */
          if (g_strv_length (f) != 4)
            continue;
          FctAuditProvider *p = g_new0 (FctAuditProvider, 1);
          char **slots[] = { (char **)&p->pattern, (char **)&p->name, (char **)&p->include,
                             (char **)&p->source };
          for (gsize k = 0; k < G_N_ELEMENTS (slots); k++)
            {
              *slots[k] = g_strdup (f[k]);
              g_ptr_array_add (table.strings, *slots[k]);
            }
          g_ptr_array_add (table.rows, p);
        }
      g_once_init_leave (&once, 1);
    }
  return &table;
}

const FctAuditProvider *const *
fct_audit_providers (gsize *n_rows)
{
  const Table *t = table_get ();
  if (n_rows != NULL)
    *n_rows = t->rows->len;
  return (const FctAuditProvider *const *)t->rows->pdata;
}

const FctAuditProvider *
fct_audit_provider_for_mx (const char *host)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_autofree char *h = g_ascii_strdown (host, -1);
  gsize len = strlen (h);
  if (len > 0 && h[len - 1] == '.')
    h[len - 1] = '\0';
  const Table *t = table_get ();
  for (guint i = 0; i < t->rows->len; i++)
    {
      const FctAuditProvider *p = g_ptr_array_index (t->rows, i);
      g_autofree char *below = g_strconcat ("*.", p->pattern, NULL);
      if (g_pattern_match_simple (p->pattern, h) || g_pattern_match_simple (below, h))
        return p;
    }
  return NULL;
}
