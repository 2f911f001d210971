/* facteur — the store's one public API (include/facteur/store.h): the location chooses
 * the back end, a PostgreSQL URI (RFC 3986 form of libpq's connection string, "Connection
 * URIs" in the PostgreSQL manual §34.1.1) or else a SQLite path; the HMAC key file, and
 * the portable statements (rows read whole) that feedback.c and serve.c use. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK (fct - store - error - quark, fct_store_error)

gboolean
fct_store_location_is_postgresql (const char *location)
{
  g_return_val_if_fail (location != NULL, FALSE);
  /* libpq accepts both schemes (PostgreSQL manual §34.1.1.2). */
  return g_ascii_strncasecmp (location, "postgresql://", 13) == 0
         || g_ascii_strncasecmp (location, "postgres://", 11) == 0;
}

FctStore *
fct_store_open (const char *location, const FctStoreOptions *options, GError **error)
{
  g_return_val_if_fail (location != NULL, NULL);
  if (fct_store_location_is_postgresql (location))
    return fct_store_pg_open (location, options, error);
  return fct_store_sqlite_open (location, options, error);
}

void
fct_store_close (FctStore *store)
{
  if (store != NULL)
    store->backend->close (store);
}

void
fct_store_mac (const guint8 key[FCT_STORE_KEY_BYTES], const char *domain, const char *value,
               guint8 out[32])
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, FCT_STORE_KEY_BYTES);
  gsize len = 32;

  g_hmac_update (hmac, (const guchar *)domain, (gssize)strlen (domain) + 1);
  g_hmac_update (hmac, (const guchar *)value, -1);
  g_hmac_get_digest (hmac, out, &len);
}

gboolean
fct_store_key_read (guint8 key[FCT_STORE_KEY_BYTES], const char *path, GError **error)
{
  struct stat st;
  ssize_t n;
  int fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: cannot read the key %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size != FCT_STORE_KEY_BYTES
      || (n = read (fd, key, FCT_STORE_KEY_BYTES)) != FCT_STORE_KEY_BYTES)
    {
      close (fd);
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: the key %s is not a file of %d bytes"), path,
                   FCT_STORE_KEY_BYTES);
      return FALSE;
    }
  /* A key others could read would let them test IBANs against the database. */
  if ((st.st_mode & 077) != 0 && st.st_uid == geteuid ())
    fchmod (fd, 0600);
  close (fd);
  return TRUE;
}

/* Creates the key file with FCT_STORE_KEY_BYTES from the kernel's random generator, mode
 * 0600. Written to a temporary file then linked into place, so that a concurrent opener
 * reads either no key or a whole one; if another process linked first, its key is used. */
gboolean
fct_store_key_create (guint8 out[FCT_STORE_KEY_BYTES], const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_build_filename (dir, ".facteur-key-XXXXXX", NULL);
  guint8 key[FCT_STORE_KEY_BYTES];
  int fd, saved;
  gboolean ok;

  if (getrandom (key, sizeof key, 0) != (ssize_t)sizeof key)
    {
      saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: no random bytes for the key: %s"), g_strerror (saved));
      return FALSE;
    }
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: cannot create the key in %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  ok = write (fd, key, sizeof key) == (ssize_t)sizeof key && fsync (fd) == 0;
  saved = errno;
  close (fd);
  if (ok && link (tmp, path) != 0)
    {
      saved = errno;
      ok = saved == EEXIST;
    }
  g_unlink (tmp);
  explicit_bzero (key, sizeof key);
  if (!ok)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: cannot create the key %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return fct_store_key_read (out, path, error);
}

void
fct_store_message_free (FctStoreMessage *m)
{
  if (m == NULL)
    return;
  g_free (m->token);
  g_free (m->spool);
  g_free (m->client_ip);
  g_free (m->helo);
  g_free (m->mail_from);
  g_free (m->tls_version);
  g_free (m->tls_cipher);
  g_free (m->threat);
  g_free (m);
}

gboolean
fct_store_iban_record (FctStore *store, const char *org_domain, const char *iban,
                       const char *message_key, gint64 now, FctStoreIbanSighting *out,
                       GError **error)
{
  g_return_val_if_fail (store != NULL && org_domain != NULL && iban != NULL, FALSE);
  return store->backend->iban_record (store, org_domain, iban, message_key, now, out,
                                      error);
}

gboolean
fct_store_iban_lookup (FctStore *store, const char *org_domain, const char *iban,
                       const char *message_key, FctStoreIbanSighting *out, GError **error)
{
  g_return_val_if_fail (store != NULL && org_domain != NULL && iban != NULL, FALSE);
  return store->backend->iban_lookup (store, org_domain, iban, message_key, out, error);
}

gint64
fct_store_iban_count (FctStore *store, const char *sender_domain, GError **error)
{
  g_return_val_if_fail (store != NULL && sender_domain != NULL, -1);
  return store->backend->iban_count (store, sender_domain, error);
}

GPtrArray *
fct_store_messages_unchecked (FctStore *store, GError **error)
{
  g_return_val_if_fail (store != NULL && store->backend->messages_unchecked != NULL, NULL);
  return store->backend->messages_unchecked (store, error);
}

GPtrArray *
fct_store_messages_recent (FctStore *store, guint limit, GError **error)
{
  g_return_val_if_fail (store != NULL && store->backend->messages_recent != NULL, NULL);
  return store->backend->messages_recent (store, limit, error);
}

FctStoreMessage *
fct_store_message_latest (FctStore *store, const char *token, GError **error)
{
  g_return_val_if_fail (
      store != NULL && token != NULL && store->backend->message_latest != NULL, NULL);
  return store->backend->message_latest (store, token, error);
}

/* ---- portable statements ---------------------------------------------------------- */

FctStoreRows *
fct_store_rows_new (guint columns)
{
  FctStoreRows *rows = g_new0 (FctStoreRows, 1);
  rows->columns = columns;
  rows->cells = g_array_new (FALSE, FALSE, sizeof (FctStoreValue));
  return rows;
}

void
fct_store_rows_add (FctStoreRows *rows, FctStoreValue value)
{
  if (value.type == FCT_STORE_TEXT)
    value.s = g_strdup (value.s);
  else if (value.type == FCT_STORE_BLOB)
    value.s = g_memdup2 (value.s, value.len);
  else
    value.s = NULL;
  g_array_append_val (rows->cells, value);
}

guint
fct_store_rows_count (const FctStoreRows *rows)
{
  return rows->columns > 0 ? rows->cells->len / rows->columns : 0;
}

static const FctStoreValue *
cell (const FctStoreRows *rows, guint r, guint c)
{
  g_return_val_if_fail (c < rows->columns && r < fct_store_rows_count (rows), NULL);
  return &g_array_index (rows->cells, FctStoreValue, r * rows->columns + c);
}

gint64
fct_store_rows_int (const FctStoreRows *rows, guint r, guint c)
{
  const FctStoreValue *v = cell (rows, r, c);
  if (v == NULL)
    return 0;
  switch (v->type)
    {
    case FCT_STORE_INT:
      return v->i;
    case FCT_STORE_DOUBLE:
      return (gint64)v->d;
    case FCT_STORE_TEXT:
      return g_ascii_strtoll (v->s, NULL, 10);
    default:
      return 0;
    }
}

double
fct_store_rows_double (const FctStoreRows *rows, guint r, guint c)
{
  const FctStoreValue *v = cell (rows, r, c);
  if (v == NULL)
    return 0;
  switch (v->type)
    {
    case FCT_STORE_INT:
      return (double)v->i;
    case FCT_STORE_DOUBLE:
      return v->d;
    case FCT_STORE_TEXT:
      return g_ascii_strtod (v->s, NULL);
    default:
      return 0;
    }
}

const char *
fct_store_rows_text (const FctStoreRows *rows, guint r, guint c)
{
  const FctStoreValue *v = cell (rows, r, c);
  return v != NULL && v->type == FCT_STORE_TEXT ? v->s : NULL;
}

const guint8 *
fct_store_rows_blob (const FctStoreRows *rows, guint r, guint c, gsize *len)
{
  const FctStoreValue *v = cell (rows, r, c);
  if (v == NULL || v->type != FCT_STORE_BLOB)
    {
      *len = 0;
      return NULL;
    }
  *len = v->len;
  return (const guint8 *)v->s;
}

void
fct_store_rows_free (FctStoreRows *rows)
{
  if (rows == NULL)
    return;
  for (guint i = 0; i < rows->cells->len; i++)
    g_free ((gpointer)g_array_index (rows->cells, FctStoreValue, i).s);
  g_array_unref (rows->cells);
  g_free (rows);
}

/* The IBAN-only store of fct_store_open_resilient has no tables of reports. */
static gboolean
has_tables (FctStore *store, GError **error)
{
  if (store->backend->query != NULL)
    return TRUE;
  g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                       _ ("store: this store keeps the IBAN history only"));
  return FALSE;
}

FctStoreRows *
fct_store_query (FctStore *store, const char *what, const char *sql,
                 const FctStoreValue *params, guint n, GError **error)
{
  if (!has_tables (store, error))
    return NULL;
  return store->backend->query (store, what, sql, params, n, error);
}

gboolean
fct_store_exec (FctStore *store, const char *sql, GError **error)
{
  return has_tables (store, error) && store->backend->exec (store, sql, error);
}

gboolean
fct_store_begin (FctStore *store, GError **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  return has_tables (store, error) && store->backend->begin (store, error);
}

gboolean
fct_store_commit (FctStore *store, GError **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  return has_tables (store, error) && store->backend->commit (store, error);
}

void
fct_store_rollback (FctStore *store)
{
  g_return_if_fail (store != NULL);
  if (store->backend->rollback != NULL)
    store->backend->rollback (store);
}

/* One name for the savepoint: a report is stored inside one, never nested. */
gboolean
fct_store_savepoint (FctStore *store, GError **error)
{
  return fct_store_exec (store, "SAVEPOINT feedback", error);
}

gboolean
fct_store_savepoint_release (FctStore *store, GError **error)
{
  return fct_store_exec (store, "RELEASE SAVEPOINT feedback", error);
}

void
fct_store_savepoint_rollback (FctStore *store)
{
  if (fct_store_exec (store, "ROLLBACK TO SAVEPOINT feedback", NULL))
    (void)fct_store_exec (store, "RELEASE SAVEPOINT feedback", NULL);
}

GPtrArray *
fct_store_message_rows (const FctStoreRows *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_store_message_free);

  for (guint r = 0; r < fct_store_rows_count (rows); r++)
    {
      FctStoreMessage *m = g_new0 (FctStoreMessage, 1);
      m->id = fct_store_rows_int (rows, r, 0);
      m->token = g_strdup (fct_store_rows_text (rows, r, 1));
      m->received = fct_store_rows_int (rows, r, 2);
      m->spool = g_strdup (fct_store_rows_text (rows, r, 3));
      m->client_ip = g_strdup (fct_store_rows_text (rows, r, 4));
      m->helo = g_strdup (fct_store_rows_text (rows, r, 5));
      m->mail_from = g_strdup (fct_store_rows_text (rows, r, 6));
      m->tls_version = g_strdup (fct_store_rows_text (rows, r, 7));
      m->tls_cipher = g_strdup (fct_store_rows_text (rows, r, 8));
      m->size = fct_store_rows_int (rows, r, 9);
      m->checked = fct_store_rows_int (rows, r, 10) != 0;
      m->score = fct_store_rows_double (rows, r, 11);
      m->threat = g_strdup (fct_store_rows_text (rows, r, 12));
      g_ptr_array_add (out, m);
    }
  return out;
}
