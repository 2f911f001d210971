/* facteur — the lists shipped in data/verify (README.md there says where each comes
 * from): disposable and free-mail domains, role local parts (RFC 2142), and typos of
 * provider domains, with a one-edit "did you mean" beyond the table. */
#include "verify-private.h"

#include "fct-verify-data.h"
#include <string.h>

typedef struct
{
  GHashTable *disposable;
  GHashTable *free_mail;
  GHashTable *roles;
  GHashTable *typos;  /* typo -> correct */
  GPtrArray *targets; /* the distinct correct domains, for near-miss suggestions */
} Lists;

static void
load (GHashTable *set, GHashTable *pairs, const char *name)
{
  g_autofree char *path = g_strconcat ("/org/facteur/verify/", name, NULL);
  g_autoptr (GBytes) bytes = g_resource_lookup_data (fct_verify_data_get_resource (), path,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert (bytes != NULL); /* compiled in: absence is a build error */
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *text = g_strndup (data, len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      char *hash = strchr (lines[i], '#');
      if (hash != NULL)
        *hash = '\0';
      g_auto (GStrv) words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      if (words[0] == NULL || words[0][0] == '\0')
        continue;
      if (pairs != NULL && words[1] != NULL)
        g_hash_table_insert (pairs, g_ascii_strdown (words[0], -1),
                             g_ascii_strdown (words[1], -1));
      else if (set != NULL)
        g_hash_table_add (set, g_ascii_strdown (words[0], -1));
    }
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static const Lists *
lists_get (void)
{
  static Lists lists;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      lists.disposable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      lists.free_mail = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      lists.roles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      lists.typos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      lists.targets = g_ptr_array_new ();
      load (lists.disposable, NULL, "disposable-domains.txt");
      load (lists.free_mail, NULL, "free-mail-domains.txt");
      load (lists.roles, NULL, "role-accounts.txt");
      load (NULL, lists.typos, "typo-domains.txt");

      GHashTableIter iter;
      gpointer value;
      g_hash_table_iter_init (&iter, lists.typos);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          gboolean seen = FALSE;
          for (guint i = 0; i < lists.targets->len; i++)
            seen = seen || g_str_equal (g_ptr_array_index (lists.targets, i), value);
          if (!seen)
            g_ptr_array_add (lists.targets, value);
        }
      /* Hash order is arbitrary: sort so that a near miss always gets the same answer. */
      g_ptr_array_sort (lists.targets, compare_strings);
      g_once_init_leave (&once, 1);
    }
  return &lists;
}

/* The domain or one of its parents is in set ("x.mailinator.com" is Mailinator). */
static gboolean
in_set_or_parent (GHashTable *set, const char *domain)
{
  g_autofree char *lower = g_ascii_strdown (domain, -1);
  for (const char *d = lower; d != NULL && *d != '\0';)
    {
      if (g_hash_table_contains (set, d))
        return TRUE;
      d = strchr (d, '.');
      if (d != NULL)
        d++;
    }
  return FALSE;
}

gboolean
fct_verify_domain_is_disposable (const char *domain)
{
  g_return_val_if_fail (domain != NULL, FALSE);
  return in_set_or_parent (lists_get ()->disposable, domain);
}

gboolean
fct_verify_domain_is_free_mail (const char *domain)
{
  g_return_val_if_fail (domain != NULL, FALSE);
  g_autofree char *lower = g_ascii_strdown (domain, -1);
  return g_hash_table_contains (lists_get ()->free_mail, lower);
}

gboolean
fct_verify_local_is_role (const char *local_part)
{
  g_return_val_if_fail (local_part != NULL, FALSE);
  /* "info+news" is still info (RFC 5233 subaddress). */
  g_autofree char *lower = g_ascii_strdown (local_part, -1);
  char *plus = strchr (lower, '+');
  if (plus != NULL)
    *plus = '\0';
  return g_hash_table_contains (lists_get ()->roles, lower);
}

/* Damerau-Levenshtein distance at most one: one insertion, deletion, substitution or
 * transposition of neighbours. */
static gboolean
one_edit (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b), i = 0;

  if (la > lb + 1 || lb > la + 1 || g_str_equal (a, b))
    return FALSE;
  while (i < la && i < lb && a[i] == b[i])
    i++;
  if (la == lb)
    return g_str_equal (a + i + 1, b + i + 1)
           || (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i]
               && g_str_equal (a + i + 2, b + i + 2));
  return la > lb ? g_str_equal (a + i + 1, b + i) : g_str_equal (a + i, b + i + 1);
}

const char *
fct_verify_domain_suggest (const char *domain)
{
  g_return_val_if_fail (domain != NULL, NULL);
  const Lists *l = lists_get ();
  g_autofree char *lower = g_ascii_strdown (domain, -1);
  const char *exact = g_hash_table_lookup (l->typos, lower);

  if (exact != NULL)
    return exact;
  if (g_hash_table_contains (l->free_mail, lower))
    return NULL;
  for (guint i = 0; i < l->targets->len; i++)
    if (one_edit (lower, g_ptr_array_index (l->targets, i)))
      return g_ptr_array_index (l->targets, i);
  return NULL;
}

gboolean
fct_verify_domain_is_special_use (const char *domain)
{
  g_return_val_if_fail (domain != NULL, FALSE);
  /* RFC 6761 §6.2-6.5 (test, localhost, invalid, example and the three example
   * second-level names), RFC 7686 (onion), RFC 6762 (local: link-local multicast DNS),
   * RFC 8375 (home.arpa), RFC 9476 (alt). RFC 6761 asks applications not to treat test
   * and example names specially; an address verifier is the exception that matters:
   * the root never delegates them, so a resolver that answers for them (a test or
   * corporate one) must not make a mailing list's placeholder look deliverable. */
  static const char *const names[]
      = { "test",      "localhost", "invalid",     "example",     "onion",       "local",
          "home.arpa", "alt",       "example.com", "example.net", "example.org", NULL };
  g_autofree char *lower = g_ascii_strdown (domain, -1);
  gsize len = strlen (lower);
  if (len > 0 && lower[len - 1] == '.')
    lower[--len] = '\0';
  for (gsize i = 0; names[i] != NULL; i++)
    {
      gsize n = strlen (names[i]);
      if (len == n ? g_str_equal (lower, names[i])
                   : len > n && lower[len - n - 1] == '.'
                         && g_str_equal (lower + len - n, names[i]))
        return TRUE;
    }
  return FALSE;
}
