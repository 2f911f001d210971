/* facteur filter — the signing key table (domain -> selector -> key file) and the
 * messages between the milter and the process that alone reads the keys (DESIGN.md,
 * "Processes of the daemons"): fixed layouts in network byte order, each decoded only
 * at its exact length. */
#include "filter-private.h"

#include <string.h>

#define MAGIC_REQUEST 0x46435452u /* "FCTR" */
#define MAGIC_REPLY 0x46435441u   /* "FCTA" */
#define MAGIC_KEYS 0x4643544bu    /* "FCTK" */

/* Per key in a list: type, bits, domain length, selector length, then the names. */
#define KEY_ENTRY_FIXED 8
#define NAME_MAX_LEN 253

struct _FctFilterKeyTable
{
  GPtrArray *keys; /* FctFilterKey * */
};

static void
key_free (FctFilterKey *k)
{
  g_free (k->domain);
  g_free (k->selector);
  g_free (k->path);
  g_free (k);
}

FctFilterKeyTable *
fct_filter_key_table_new (void)
{
  FctFilterKeyTable *t = g_new0 (FctFilterKeyTable, 1);
  t->keys = g_ptr_array_new_with_free_func ((GDestroyNotify)key_free);
  return t;
}

void
fct_filter_key_table_free (FctFilterKeyTable *t)
{
  if (t == NULL)
    return;
  g_ptr_array_unref (t->keys);
  g_free (t);
}

void
fct_filter_key_table_add (FctFilterKeyTable *t, const char *domain, const char *selector,
                          const char *path, FctDkimKeyType type, guint bits)
{
  FctFilterKey *k = g_new0 (FctFilterKey, 1);
  k->domain = g_ascii_strdown (domain, -1);
  k->selector = g_strdup (selector);
  k->path = g_strdup (path);
  k->type = type;
  k->bits = bits;
  g_ptr_array_add (t->keys, k);
}

guint
fct_filter_key_table_get_count (const FctFilterKeyTable *t)
{
  return t->keys->len;
}

const FctFilterKey *
fct_filter_key_table_get (const FctFilterKeyTable *t, guint index)
{
  g_return_val_if_fail (index < t->keys->len, NULL);
  return g_ptr_array_index (t->keys, index);
}

FctFilterKeyTable *
fct_filter_key_table_parse (const char *const *entries, GError **error)
{
  g_autoptr (FctFilterKeyTable) t = fct_filter_key_table_new ();

  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      g_autofree char *entry = g_strstrip (g_strdup (entries[i]));
      if (entry[0] == '\0')
        continue;
      g_auto (GStrv) parts = g_strsplit (entry, ":", 3);
      if (g_strv_length (parts) != 3
          || !fct_dkim_domain_is_valid (fct_slice_from_str (g_strstrip (parts[0])))
          || !fct_dkim_domain_is_valid (fct_slice_from_str (g_strstrip (parts[1])))
          || !g_path_is_absolute (g_strstrip (parts[2])))
        {
          g_set_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_INVALID,
                       _ ("“%s” is not a signing key entry (domain:selector:/path/to/key)"),
                       entry);
          return NULL;
        }
      fct_filter_key_table_add (t, parts[0], parts[1], parts[2], FCT_DKIM_KEY_TYPE_RSA, 0);
    }
  return g_steal_pointer (&t);
}

GArray *
fct_filter_key_table_lookup (const FctFilterKeyTable *t, const char *domain)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint));

  for (const char *d = domain; d != NULL && *d && out->len == 0;)
    {
      for (guint i = 0; i < t->keys->len; i++)
        {
          const FctFilterKey *k = g_ptr_array_index (t->keys, i);
          if (g_ascii_strcasecmp (k->domain, d) == 0)
            g_array_append_val (out, i);
        }
      d = strchr (d, '.');
      if (d != NULL)
        d++;
      /* A top-level label alone is never a signing domain. */
      if (d != NULL && strchr (d, '.') == NULL)
        break;
    }
  return out;
}

/* ---------------------------------------------------------------- wire format */

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

void
fct_filter_sign_request_encode (const FctFilterSignRequest *r,
                                guint8 out[FCT_FILTER_SIGN_REQUEST_SIZE])
{
  memset (out, 0, FCT_FILTER_SIGN_REQUEST_SIZE);
  put32 (out, MAGIC_REQUEST);
  put32 (out + 4, (guint32)r->op);
  put32 (out + 8, r->generation);
  put32 (out + 12, r->key_index);
  put32 (out + 16, (guint32)r->hash);
  put32 (out + 20, MIN (r->digest_len, FCT_FILTER_SIGN_DIGEST_MAX));
  memcpy (out + 24, r->digest, MIN (r->digest_len, FCT_FILTER_SIGN_DIGEST_MAX));
}

gboolean
fct_filter_sign_request_decode (const guint8 *data, gsize len, FctFilterSignRequest *r)
{
  if (len != FCT_FILTER_SIGN_REQUEST_SIZE || get32 (data) != MAGIC_REQUEST)
    return FALSE;
  guint32 op = get32 (data + 4), hash = get32 (data + 16), dlen = get32 (data + 20);
  if (op < FCT_FILTER_SIGN_OP_SIGN || op > FCT_FILTER_SIGN_OP_RELOAD
      || hash > FCT_DKIM_HASH_SHA256 || dlen > FCT_FILTER_SIGN_DIGEST_MAX)
    return FALSE;
  r->op = (FctFilterSignOp)op;
  r->generation = get32 (data + 8);
  r->key_index = get32 (data + 12);
  r->hash = (FctDkimHash)hash;
  r->digest_len = dlen;
  memcpy (r->digest, data + 24, FCT_FILTER_SIGN_DIGEST_MAX);
  return TRUE;
}

void
fct_filter_sign_reply_encode (const FctFilterSignReply *r,
                              guint8 out[FCT_FILTER_SIGN_REPLY_SIZE])
{
  guint32 n = r->ok ? MIN (r->signature_len, FCT_FILTER_SIGN_SIGNATURE_MAX) : 0;
  memset (out, 0, FCT_FILTER_SIGN_REPLY_SIZE);
  put32 (out, MAGIC_REPLY);
  put32 (out + 4, r->ok ? 1 : 0);
  put32 (out + 8, r->generation);
  put32 (out + 12, n);
  memcpy (out + 16, r->signature, n);
}

gboolean
fct_filter_sign_reply_decode (const guint8 *data, gsize len, FctFilterSignReply *r)
{
  if (len != FCT_FILTER_SIGN_REPLY_SIZE || get32 (data) != MAGIC_REPLY)
    return FALSE;
  guint32 ok = get32 (data + 4), n = get32 (data + 12);
  if (ok > 1 || n > FCT_FILTER_SIGN_SIGNATURE_MAX || (ok == 0 && n != 0))
    return FALSE;
  r->ok = ok == 1;
  r->generation = get32 (data + 8);
  r->signature_len = n;
  memcpy (r->signature, data + 16, FCT_FILTER_SIGN_SIGNATURE_MAX);
  return TRUE;
}

GBytes *
fct_filter_key_list_encode (const FctFilterKeyTable *t, guint32 generation)
{
  GByteArray *out = g_byte_array_new ();
  guint8 head[12];
  guint count = 0;

  put32 (head, MAGIC_KEYS);
  put32 (head + 4, generation);
  g_byte_array_append (out, head, sizeof head);
  for (guint i = 0; i < t->keys->len; i++)
    {
      const FctFilterKey *k = g_ptr_array_index (t->keys, i);
      gsize dl = strlen (k->domain), sl = strlen (k->selector);
      guint8 fixed[KEY_ENTRY_FIXED];
      if (dl > NAME_MAX_LEN || sl > NAME_MAX_LEN
          || out->len + KEY_ENTRY_FIXED + dl + sl > FCT_FILTER_KEY_LIST_MAX)
        break;
      fixed[0] = (guint8)k->type;
      fixed[1] = 0;
      fixed[2] = (guint8)(k->bits >> 8);
      fixed[3] = (guint8)k->bits;
      fixed[4] = 0;
      fixed[5] = (guint8)dl;
      fixed[6] = 0;
      fixed[7] = (guint8)sl;
      g_byte_array_append (out, fixed, sizeof fixed);
      g_byte_array_append (out, (const guint8 *)k->domain, (guint)dl);
      g_byte_array_append (out, (const guint8 *)k->selector, (guint)sl);
      count++;
    }
  put32 (out->data + 8, count);
  return g_byte_array_free_to_bytes (out);
}

FctFilterKeyTable *
fct_filter_key_list_decode (const guint8 *data, gsize len, guint32 *generation)
{
  if (len < 12 || len > FCT_FILTER_KEY_LIST_MAX || get32 (data) != MAGIC_KEYS)
    return NULL;
  guint32 count = get32 (data + 8);
  g_autoptr (FctFilterKeyTable) t = fct_filter_key_table_new ();
  gsize pos = 12;

  for (guint32 i = 0; i < count; i++)
    {
      if (len - pos < KEY_ENTRY_FIXED)
        return NULL;
      const guint8 *f = data + pos;
      gsize dl = f[5], sl = f[7];
      if (f[0] > FCT_DKIM_KEY_TYPE_ED25519 || f[1] != 0 || f[4] != 0 || f[6] != 0 || dl == 0
          || sl == 0 || len - pos - KEY_ENTRY_FIXED < dl + sl)
        return NULL;
      g_autofree char *domain = g_strndup ((const char *)f + KEY_ENTRY_FIXED, dl);
      g_autofree char *selector = g_strndup ((const char *)f + KEY_ENTRY_FIXED + dl, sl);
      if (strlen (domain) != dl || strlen (selector) != sl
          || !fct_dkim_domain_is_valid (fct_slice_from_str (domain))
          || !fct_dkim_domain_is_valid (fct_slice_from_str (selector)))
        return NULL;
      fct_filter_key_table_add (t, domain, selector, NULL, (FctDkimKeyType)f[0],
                                ((guint)f[2] << 8) | f[3]);
      pos += KEY_ENTRY_FIXED + dl + sl;
    }
  if (pos != len)
    return NULL;
  *generation = get32 (data + 4);
  return g_steal_pointer (&t);
}
