/* facteur command line — shared plumbing for the subcommands: common options, output
 * in text or JSON, and the mapping from errors to the exit statuses of DESIGN.md. */
#pragma once

#include <facteur/dkim.h>
#include <facteur/dmarc.h>
#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/msg.h>
#include <facteur/spf.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

/* Exit statuses (DESIGN.md), the sysexits.h values. */
typedef enum
{
  FCT_EXIT_OK = 0,
  FCT_EXIT_USAGE = 64,
  FCT_EXIT_DATAERR = 65,
  FCT_EXIT_UNAVAILABLE = 69,
  FCT_EXIT_SOFTWARE = 70,
} FctExitStatus;

/* Options every command accepts (DESIGN.md, "Command-line contract"). */
typedef struct
{
  gboolean json;
  char *lang;
  char *dns_zone;
  char *dns_server;
  FctLimits limits;
} FctCliCommon;

typedef struct
{
  const char *name;
  const char *parameter_string; /* shown after the command name in --help */
  const char *summary;          /* translated at display time */
  int (*run) (int argc, char **argv);
} FctCliCommand;

/* Adds --json, --lang, --dns-zone and --dns-server to a command's option context. */
void fct_cli_add_common_options (GOptionContext *context, FctCliCommon *common);

/* Creates and parses an option context for command; on a usage error prints the
 * message and the command's usage to stderr and returns FALSE. */
gboolean fct_cli_parse (const char *command, const char *parameter_string,
                        const char *summary, GOptionEntry *entries, FctCliCommon *common,
                        int *argc, char ***argv, char **usage_out);

/* The resolver the common options ask for: the zone file, a forwarder, or the system
 * configuration. Returns (transfer full) or NULL and error. */
FctResolver *fct_cli_make_resolver (const FctCliCommon *common, GError **error);

/* Reads the message at path (- for standard input), then makes the resolver of the
 * common options. Returns FCT_EXIT_OK with *msg and *resolver set (transfer full), or
 * prints the error and returns its exit status. */
int fct_cli_load_message (const FctCliCommon *common, const char *path, FctMsg **msg,
                          FctResolver **resolver);

/* Prints "facteur: <message>" on stderr and returns the exit status for error. */
int fct_cli_report_error (const GError *error);
/* Prints "facteur COMMAND: <message>", the usage and returns FCT_EXIT_USAGE. */
int fct_cli_usage_error (const char *command, const char *usage, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

/* Prints node as one line of JSON on stdout followed by a newline. */
void fct_cli_print_json (JsonNode *node);

/* JSON members (json.c): name then a string, or null when value is NULL. */
void fct_cli_json_add_string (JsonBuilder *b, const char *name, const char *value);
void fct_cli_json_add_int (JsonBuilder *b, const char *name, gint64 value);
void fct_cli_json_add_double (JsonBuilder *b, const char *name, double value);
void fct_cli_json_add_bool (JsonBuilder *b, const char *name, gboolean value);
/* name then an array of the strings of values (char *); empty when values is NULL. */
void fct_cli_json_add_strings (JsonBuilder *b, const char *name, const GPtrArray *values);
/* Prints the builder's finished root as fct_cli_print_json() does. */
void fct_cli_json_print_builder (JsonBuilder *b);

void fct_cli_common_clear (FctCliCommon *common);

/* SPF, DKIM and DMARC of a message as a receiving server computes them (cmd_dmarc.c),
 * for facteur dmarc and for facteur arc seal, which seals only results it computed. */
typedef struct
{
  const char *ip, *mail_from, *helo; /* the SMTP session; mail_from NULL: null sender */
  gboolean legacy;                   /* --dmarc-legacy */
  gboolean refuse_partial_body;      /* --dkim-refuse-partial-body */
  FctSpfVerdict *spf;                /* NULL when there was nothing to check */
  FctDkimVerifyResult *dkim;
  FctDmarcVerdict *dmarc;
} FctCliAuth;

/* Fills auth's verdicts; returns FCT_EXIT_OK, or prints the error and returns its exit
 * status. */
int fct_cli_auth_compute (FctResolver *resolver, const FctLimits *limits, FctMsg *msg,
                          FctCliAuth *auth);
/* The Authentication-Results value of auth, with arc=RESULT first when arc is not NULL
 * (transfer full). authserv_id NULL: "facteur". */
char *fct_cli_auth_results (const FctCliAuth *auth, const char *authserv_id,
                            const char *arc);
void fct_cli_auth_clear (FctCliAuth *auth);

/* Subcommands. */
int fct_cmd_dns (int argc, char **argv);
int fct_cmd_dkim (int argc, char **argv);
int fct_cmd_spf (int argc, char **argv);
int fct_cmd_address (int argc, char **argv);
int fct_cmd_dmarc (int argc, char **argv);
int fct_cmd_arc (int argc, char **argv);
int fct_cmd_domain (int argc, char **argv);
int fct_cmd_check (int argc, char **argv);
int fct_cmd_reports (int argc, char **argv);
int fct_cmd_milter (int argc, char **argv); /* src/milter/main.c */
int fct_cmd_serve (int argc, char **argv);  /* src/server/serve.c */

/* This machine's fully qualified name, as EHLO gives it (RFC 5321 §4.1.1.1): the host
 * name when it has a dot, else the canonical name the resolver gives for it. NULL when
 * neither is one; *host_out (transfer full) is the host name, for messages. */
char *fct_cli_machine_fqdn (char **host_out);

/* ---- batch.c: the runner of address --batch and domain --batch */

/* One input line. */
typedef struct
{
  guint64 number; /* from 1 */
  char *line;     /* the line without its end, NUL-terminated; NULL when too long */
  gsize len;
  gboolean too_long; /* over FctLimits.batch_line_max_bytes */
  char *key;         /* jobs of one key are run together (NULL: alone) */
  char *output;      /* the JSON line to print, without its newline */
  gboolean done;     /* (runner) output is final */
  gboolean resumed;  /* (runner) output comes from the state file */
} FctCliBatchJob;

typedef struct
{
  const char *path;  /* a file, or "-" for standard input */
  const char *state; /* --state FILE, or NULL */
  guint workers;
  guint group_max; /* jobs of one key per call of run */
  gsize line_max;
  /* In the reading thread, in input order. FALSE: the line is no job (blank, comment,
   * header). It may set job->output (a line needing no work) and job->key. */
  gboolean (*prepare) (FctCliBatchJob *job, gpointer data);
  /* On a worker: sets the output of each of the n jobs, which share a key. */
  void (*run) (FctCliBatchJob *const *jobs, guint n, gpointer data);
  gpointer data;
} FctCliBatch;

/* Reads the input once (so standard input works), runs the jobs on batch->workers
 * threads and prints one JSON line per job in input order, a progress bar on stderr
 * when it is a terminal. With a state file, jobs it records for the same line are not
 * run again, and each finished job is added to it. Returns the exit status. */
int fct_cli_batch_run (const FctCliBatch *batch);
