/* facteur — facteur serve's tables in the store (include/facteur/store.h): the tests,
 * the messages they received, their reports and the findings counted, written once for
 * both back ends in the SQL they share (fct_store_query). What differs stays in sqlite.c
 * and pg.c: the reading of unchecked messages (each back end's partial index). */
#include "store-private.h"

#include <string.h>

#define P(...) ((const FctStoreValue[]){ __VA_ARGS__ })
#define N(...) G_N_ELEMENTS (P (__VA_ARGS__))
/* Runs a statement with its parameters, counted from the list. */
#define QUERY(store, what, sql, error, ...)                                                \
  fct_store_query (store, what, sql, P (__VA_ARGS__), N (__VA_ARGS__), error)

gboolean
fct_store_test_create (FctStore *store, const char *token, const char *client_ip,
                       gint64 now, GError **error)
{
  const FctStoreValue params[]
      = { fct_store_text (token), fct_store_int (now), fct_store_text (client_ip) };

  g_return_val_if_fail (store != NULL && token != NULL && store->backend->query != NULL,
                        FALSE);
  g_autoptr (FctStoreRows) rows = fct_store_query (
      store, "test", "INSERT INTO tests (token, created, client_ip) VALUES ($1, $2, $3)",
      params, G_N_ELEMENTS (params), error);
  return rows != NULL;
}

int
fct_store_test_exists (FctStore *store, const char *token, GError **error)
{
  const FctStoreValue param = fct_store_text (token);

  g_return_val_if_fail (store != NULL && token != NULL && store->backend->query != NULL,
                        -1);
  g_autoptr (FctStoreRows) rows = fct_store_query (
      store, "test", "SELECT 1 FROM tests WHERE token = $1", &param, 1, error);
  if (rows == NULL)
    return -1;
  return fct_store_rows_count (rows) > 0;
}

/* The first column of the first row (transfer full), or NULL: none (error unset) or a
 * failure (error set). */
static char *
text_query (FctStore *store, const char *sql, const FctStoreValue *params, guint n,
            GError **error)
{
  g_autoptr (FctStoreRows) rows = fct_store_query (store, "report", sql, params, n, error);
  if (rows == NULL || fct_store_rows_count (rows) == 0)
    return NULL;
  return g_strdup (fct_store_rows_text (rows, 0, 0));
}

char *
fct_store_report_get (FctStore *store, gint64 message_id, const char *lang, GError **error)
{
  const FctStoreValue params[]
      = { fct_store_int (message_id), fct_store_text (lang != NULL ? lang : "") };

  g_return_val_if_fail (store != NULL && store->backend->query != NULL, NULL);
  /* The asked language first, then any. */
  return text_query (store,
                     "SELECT json FROM reports WHERE message_id = $1"
                     " ORDER BY lang = $2 DESC, lang LIMIT 1",
                     params, G_N_ELEMENTS (params), error);
}

char *
fct_store_view_get (FctStore *store, gint64 message_id, GError **error)
{
  const FctStoreValue param = fct_store_int (message_id);

  g_return_val_if_fail (store != NULL && store->backend->query != NULL, NULL);
  return text_query (store, "SELECT view FROM messages WHERE id = $1", &param, 1, error);
}

GPtrArray *
fct_store_finding_counts (FctStore *store, GArray **counts, GError **error)
{
  g_return_val_if_fail (store != NULL && counts != NULL && store->backend->query != NULL,
                        NULL);
  g_autoptr (FctStoreRows) rows
      = fct_store_query (store, "findings",
                         "SELECT finding, count (*) AS n FROM message_findings"
                         " GROUP BY finding ORDER BY n DESC, finding",
                         NULL, 0, error);
  if (rows == NULL)
    return NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GArray *n = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint r = 0; r < fct_store_rows_count (rows); r++)
    {
      gint64 count = fct_store_rows_int (rows, r, 1);
      g_ptr_array_add (ids, g_strdup (fct_store_rows_text (rows, r, 0)));
      g_array_append_val (n, count);
    }
  *counts = n;
  return ids;
}

static gboolean
messages_add_locked (FctStore *store, FctStoreMessage *const *messages, guint n,
                     GError **error)
{
  for (guint i = 0; i < n; i++)
    {
      FctStoreMessage *m = messages[i];
      g_autoptr (FctStoreRows) rows = QUERY (
          store, "message",
          "INSERT INTO messages (token, received, spool, client_ip, helo, mail_from,"
          " tls_version, tls_cipher, size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
          " RETURNING id",
          error, fct_store_text (m->token), fct_store_int (m->received),
          fct_store_text (m->spool), fct_store_text (m->client_ip),
          fct_store_text (m->helo), fct_store_text (m->mail_from),
          fct_store_text (m->tls_version), fct_store_text (m->tls_cipher),
          fct_store_int (m->size));
      if (rows == NULL)
        return FALSE;
      m->id = fct_store_rows_int (rows, 0, 0);
    }
  return TRUE;
}

gboolean
fct_store_messages_add (FctStore *store, FctStoreMessage *const *messages, guint n,
                        GError **error)
{
  g_return_val_if_fail (store != NULL && (n == 0 || messages != NULL)
                            && store->backend->query != NULL,
                        FALSE);
  /* One transaction for the batch (group commit): durable at its commit when the store
   * was opened durable, which facteur serve's 250 waits for. */
  if (!fct_store_begin (store, error))
    return FALSE;
  if (!messages_add_locked (store, messages, n, error))
    {
      fct_store_rollback (store);
      return FALSE;
    }
  return fct_store_commit (store, error);
}

static gboolean
report_put_locked (FctStore *store, gint64 id, const FctStoreReport *r, GError **error)
{
  g_autoptr (FctStoreRows) updated
      = QUERY (store, "report",
               "UPDATE messages SET checked = TRUE, score = $2, threat = $3, view = $4"
               " WHERE id = $1",
               error, fct_store_int (id),
               ((FctStoreValue){ .type = FCT_STORE_DOUBLE, .d = r->score }),
               fct_store_text (r->threat), fct_store_text (r->view));
  if (updated == NULL)
    return FALSE;
  for (gsize i = 0; r->langs != NULL && r->langs[i] != NULL; i++)
    {
      g_autoptr (FctStoreRows) rows
          = QUERY (store, "report",
                   "INSERT INTO reports (message_id, lang, json) VALUES ($1, $2, $3)"
                   " ON CONFLICT (message_id, lang) DO UPDATE SET json = excluded.json",
                   error, fct_store_int (id), fct_store_text (r->langs[i]),
                   fct_store_text (r->reports[i]));
      if (rows == NULL)
        return FALSE;
    }
  for (gsize i = 0; r->findings != NULL && r->findings[i] != NULL; i++)
    {
      g_autoptr (FctStoreRows) rows
          = QUERY (store, "report",
                   "INSERT INTO message_findings (message_id, finding) VALUES ($1, $2)",
                   error, fct_store_int (id), fct_store_text (r->findings[i]));
      if (rows == NULL)
        return FALSE;
    }
  return TRUE;
}

gboolean
fct_store_report_put (FctStore *store, gint64 message_id, const FctStoreReport *report,
                      GError **error)
{
  g_return_val_if_fail (store != NULL && report != NULL && store->backend->query != NULL,
                        FALSE);
  if (!fct_store_begin (store, error))
    return FALSE;
  if (!report_put_locked (store, message_id, report, error))
    {
      fct_store_rollback (store);
      return FALSE;
    }
  return fct_store_commit (store, error);
}

static gint64
prune_locked (FctStore *store, gint64 before, GPtrArray *spools, GError **error)
{
  static const char *const deletes[] = {
    "DELETE FROM reports WHERE message_id IN (SELECT m.id FROM messages m JOIN tests t"
    " ON t.token = m.token WHERE t.created < $1)",
    "DELETE FROM message_findings WHERE message_id IN (SELECT m.id FROM messages m JOIN"
    " tests t ON t.token = m.token WHERE t.created < $1)",
    "DELETE FROM messages WHERE token IN (SELECT token FROM tests WHERE created < $1)",
  };
  const FctStoreValue when = fct_store_int (before);
  g_autoptr (FctStoreRows) files = NULL;
  g_autoptr (FctStoreRows) tests = NULL;

  /* A message sent to two tests has one file: it goes with the last of them. */
  files
      = fct_store_query (store, "prune",
                         "SELECT DISTINCT spool FROM messages m WHERE token IN"
                         " (SELECT token FROM tests WHERE created < $1)"
                         " AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.spool = m.spool"
                         "  AND o.token NOT IN (SELECT token FROM tests"
                         "  WHERE created < $1))",
                         &when, 1, error);
  if (files == NULL)
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (deletes); i++)
    {
      g_autoptr (FctStoreRows) rows
          = fct_store_query (store, "prune", deletes[i], &when, 1, error);
      if (rows == NULL)
        return -1;
    }
  tests = fct_store_query (
      store, "prune", "DELETE FROM tests WHERE created < $1 RETURNING 1", &when, 1, error);
  if (tests == NULL)
    return -1;
  for (guint i = 0; i < fct_store_rows_count (files); i++)
    g_ptr_array_add (spools, g_strdup (fct_store_rows_text (files, i, 0)));
  return fct_store_rows_count (tests);
}

gint64
fct_store_prune (FctStore *store, gint64 before, GPtrArray **spools, GError **error)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gint64 tests;

  g_return_val_if_fail (store != NULL && spools != NULL && store->backend->query != NULL,
                        -1);
  if (!fct_store_begin (store, error))
    return -1;
  tests = prune_locked (store, before, paths, error);
  if (tests < 0)
    {
      fct_store_rollback (store);
      return -1;
    }
  if (!fct_store_commit (store, error))
    return -1;
  *spools = g_steal_pointer (&paths);
  return tests;
}
