/* facteur — the sending services of data/reports/senders.tsv (compiled in), matched on a
 * source's reverse name, SPF domain or DKIM domain by suffix. */
#include "reports-private.h"

#include "fct-reports-data.h"
#include <gio/gio.h>
#include <string.h>

typedef struct
{
  char *suffix, *provider, *include;
} Row;

static GPtrArray *
table (void)
{
  static GPtrArray *rows;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      GPtrArray *t = g_ptr_array_new ();
      /* Through the resource's own getter: a static library drops an object nothing
       * refers to, and with it the constructor that would register it. */
      g_autoptr (GBytes) bytes = g_resource_lookup_data (
          fct_reports_data_get_resource (), "/org/facteur/reports/senders.tsv",
          G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_autofree char *text = bytes != NULL ? g_strndup (g_bytes_get_data (bytes, NULL),
                                                         g_bytes_get_size (bytes))
                                            : g_strdup ("");
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

      for (char **l = lines; *l != NULL; l++)
        {
          g_auto (GStrv) f = NULL;
          Row *row;
          if (**l == '#' || **l == '\0')
            continue;
          f = g_strsplit (*l, "\t", -1);
          if (g_strv_length (f) < 3)
            continue;
          row = g_new0 (Row, 1);
          row->suffix = g_strdup (f[0]);
          row->provider = g_strdup (f[1]);
          row->include = g_strdup (f[2]);
          g_ptr_array_add (t, row);
        }
      rows = t;
      g_once_init_leave (&done, 1);
    }
  return rows;
}

static const Row *
match (const char *name)
{
  GPtrArray *rows = table ();

  if (name == NULL)
    return NULL;
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = g_ptr_array_index (rows, i);
      if (g_ascii_strcasecmp (name, row->suffix) == 0
          || fct_reports_domain_under (name, row->suffix))
        return row;
    }
  return NULL;
}

gboolean
fct_reports_provider_lookup (const char *reverse_name, const char *spf_domain,
                             const char *dkim_domain, const char **provider,
                             const char **spf_include)
{
  const Row *row = match (reverse_name);

  if (row == NULL)
    row = match (spf_domain);
  if (row == NULL)
    row = match (dkim_domain);
  if (row == NULL)
    return FALSE;
  if (provider != NULL)
    *provider = row->provider;
  if (spf_include != NULL)
    *spf_include = row->include;
  return TRUE;
}
