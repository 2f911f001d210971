/* facteur — store internals shared by sqlite.c and feedback.c only. */
#pragma once

#include <facteur/store.h>
#include <sqlite3.h>

/* Prepared statements kept by feedback.c. */
#define FCT_STORE_FEEDBACK_STMTS 4

/* The schema of version 4 (feedback.c), run by the migration. */
extern const char fct_store_feedback_schema[];

sqlite3 *fct_store_db (FctStore *store);
sqlite3_stmt **fct_store_feedback_stmts (FctStore *store);
/* Sets error from SQLite's last message on the store's connection; returns FALSE. */
gboolean fct_store_sql_error (FctStore *store, GError **error, const char *what);
gboolean fct_store_exec (FctStore *store, const char *sql, GError **error);
