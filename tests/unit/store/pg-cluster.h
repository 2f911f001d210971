/* facteur tests — a temporary PostgreSQL cluster: initdb in a scratch folder (owned by
 * the postgres user when the tests run as root), the server on a free loopback port and
 * a socket in that folder, stopped and removed when the test process ends, even when
 * an assertion aborts it. Settings for tests only: fsync=off, small shared_buffers. */
#pragma once

#include <glib.h>

typedef struct FctTestPg FctTestPg;

/* Starts a cluster; a missing PostgreSQL is a test failure (install-deps installs it),
 * not a skip. Aborts the test on failure. */
FctTestPg *fct_test_pg_start (void);

/* A new empty database's URI (transfer full). */
char *fct_test_pg_database (FctTestPg *pg);

/* Runs sql on the database at uri and returns the first column of the first row as an
 * integer (0 when none); aborts the test on failure. */
gint64 fct_test_pg_scalar (const char *uri, const char *sql);

/* A scratch path in the cluster's folder (transfer full), removed with it. */
char *fct_test_pg_path (FctTestPg *pg, const char *name);

/* Stops the server (immediate shutdown, as a crash or an outage) and starts it again
 * on the same port. */
void fct_test_pg_server_stop (FctTestPg *pg);
void fct_test_pg_server_start (FctTestPg *pg);

/* Stops the server and removes the folder. */
void fct_test_pg_stop (FctTestPg *pg);
