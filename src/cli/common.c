/* facteur command line — common options, errors and output (see cli.h). */
#include "cli.h"

#include <facteur/error.h>
#include <facteur/msg.h>
#include <facteur/verify.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
fct_cli_add_common_options (GOptionContext *context, FctCliCommon *common)
{
  GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &common->json,
            N_ ("Print one JSON object on standard output"), NULL },
          { "lang", 0, 0, G_OPTION_ARG_STRING, &common->lang,
            N_ ("Language of the report (fr or en; default: from the locale)"), "fr|en" },
          { "dns-zone", 0, 0, G_OPTION_ARG_FILENAME, &common->dns_zone,
            N_ ("Answer every DNS query from this zone file"), N_ ("FILE") },
          { "dns-server", 0, 0, G_OPTION_ARG_STRING, &common->dns_server,
            N_ ("Send DNS queries to this server instead of the system's"), "IP[@PORT]" },
          G_OPTION_ENTRY_NULL };
  /* In the main group, so that "facteur CMD --help" shows them beside the command's. */
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* Ten minutes: far above what any document takes, short of a hung message. */
#define EXTRACT_TIMEOUT_MAX_MS 600000u

/* FACTEUR_EXTRACT_TIMEOUT_MS replaces the attachments' reading deadline (limits.h,
 * extract_timeout_ms): for a machine too slow or too loaded for the default, and for
 * test suites whose verdicts must not depend on the machine's load. */
static gboolean
extract_timeout_from_env (FctLimits *limits)
{
  const char *value = g_getenv ("FACTEUR_EXTRACT_TIMEOUT_MS");
  guint64 ms = 0;

  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (value, 10, 1, EXTRACT_TIMEOUT_MAX_MS, &ms, NULL))
    return FALSE;
  limits->extract_timeout_ms = (guint)ms;
  return TRUE;
}

gboolean
fct_cli_parse (const char *command, const char *parameter_string, const char *summary,
               GOptionEntry *entries, FctCliCommon *common, int *argc, char ***argv,
               char **usage_out)
{
  g_autofree char *prgname = g_strdup_printf ("facteur %s", command);
  g_autoptr (GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr (GError) error = NULL;

  /* GOption prints the program name before [OPTION…]: "facteur dns [OPTION…] NAME". */
  g_set_prgname (prgname);
  fct_limits_init (&common->limits);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _ (summary));
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  fct_cli_add_common_options (context, common);

  if (usage_out != NULL)
    *usage_out = g_option_context_get_help (context, TRUE, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autofree char *usage = g_option_context_get_help (context, TRUE, NULL);
      fct_cli_usage_error (command, usage, "%s", error->message);
      return FALSE;
    }
  if (common->lang != NULL && g_strcmp0 (common->lang, "fr") != 0
      && g_strcmp0 (common->lang, "en") != 0)
    {
      g_autofree char *usage = g_option_context_get_help (context, TRUE, NULL);
      fct_cli_usage_error (command, usage, _ ("--lang must be fr or en, not “%s”"),
                           common->lang);
      return FALSE;
    }
  if (common->dns_zone != NULL && common->dns_server != NULL)
    {
      g_autofree char *usage = g_option_context_get_help (context, TRUE, NULL);
      fct_cli_usage_error (command, usage, "%s",
                           _ ("--dns-zone and --dns-server cannot be used together"));
      return FALSE;
    }
  if (!extract_timeout_from_env (&common->limits))
    {
      fct_cli_usage_error (command, NULL,
                           _ ("FACTEUR_EXTRACT_TIMEOUT_MS must be a number of milliseconds "
                              "from 1 to %u, not “%s”"),
                           EXTRACT_TIMEOUT_MAX_MS, g_getenv ("FACTEUR_EXTRACT_TIMEOUT_MS"));
      return FALSE;
    }
  return TRUE;
}

FctResolver *
fct_cli_make_resolver (const FctCliCommon *common, GError **error)
{
  if (common->dns_zone != NULL)
    return fct_resolver_new_zone_file (common->dns_zone, &common->limits, error);

  FctResolverOptions options = {
    .forwarder = common->dns_server,
    .trust_anchor_file = NULL,
    .limits = &common->limits,
  };
  return fct_resolver_new_unbound (&options, error);
}

int
fct_cli_load_message (const FctCliCommon *common, const char *path, FctMsg **msg,
                      FctResolver **resolver)
{
  g_autoptr (GError) error = NULL;

  *msg = fct_msg_new_from_file (path, &common->limits, &error);
  if (*msg == NULL)
    return fct_cli_report_error (error);
  *resolver = fct_cli_make_resolver (common, &error);
  if (*resolver == NULL)
    {
      g_clear_pointer (msg, fct_msg_unref);
      return fct_cli_report_error (error);
    }
  return FCT_EXIT_OK;
}

static FctExitStatus
exit_status_for (const GError *error)
{
  if (error->domain == FCT_MSG_ERROR || error->domain == G_FILE_ERROR)
    return FCT_EXIT_DATAERR;
  if (error->domain == FCT_DNS_ERROR)
    {
      switch ((FctDnsError)error->code)
        {
        case FCT_DNS_ERROR_ZONE_SYNTAX:
        case FCT_DNS_ERROR_ZONE_IO:
          return FCT_EXIT_DATAERR;
        case FCT_DNS_ERROR_INVALID:
          return FCT_EXIT_USAGE;
        case FCT_DNS_ERROR_BACKEND:
          return FCT_EXIT_UNAVAILABLE;
        }
    }
  if (error->domain == FCT_CORE_ERROR)
    {
      switch ((FctCoreError)error->code)
        {
        case FCT_CORE_ERROR_INVALID:
          return FCT_EXIT_USAGE;
        case FCT_CORE_ERROR_IO:
        case FCT_CORE_ERROR_LIMIT:
          return FCT_EXIT_DATAERR;
        case FCT_CORE_ERROR_UNAVAILABLE:
          return FCT_EXIT_UNAVAILABLE;
        }
    }
  return FCT_EXIT_SOFTWARE;
}

int
fct_cli_report_error (const GError *error)
{
  g_printerr ("facteur: %s\n", error->message);
  return exit_status_for (error);
}

int
fct_cli_usage_error (const char *command, const char *usage, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("facteur %s: %s\n\n%s", command, message, usage != NULL ? usage : "");
  return FCT_EXIT_USAGE;
}

void
fct_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, node);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
fct_cli_common_clear (FctCliCommon *common)
{
  g_clear_pointer (&common->lang, g_free);
  g_clear_pointer (&common->dns_zone, g_free);
  g_clear_pointer (&common->dns_server, g_free);
}

/* This machine's fully qualified name, as EHLO must give it (RFC 5321 §4.1.1.1): the
 * host name when it has a dot, else the canonical name the resolver gives for it.
 * NULL when neither is a fully qualified name. (transfer full) */
char *
fct_cli_machine_fqdn (char **host_out)
{
  char host[256] = "";
  if (gethostname (host, sizeof host - 1) != 0)
    host[0] = '\0';
  *host_out = g_strdup (host);
  g_autofree char *name = NULL;
  if (strchr (host, '.') != NULL)
    name = g_strdup (host);
  else if (host[0] != '\0')
    {
      struct addrinfo hints = { .ai_flags = AI_CANONNAME };
      struct addrinfo *ai = NULL;
      if (getaddrinfo (host, NULL, &hints, &ai) == 0 && ai != NULL
          && ai->ai_canonname != NULL)
        name = g_strdup (ai->ai_canonname);
      if (ai != NULL)
        freeaddrinfo (ai);
    }
  if (name == NULL || strchr (name, '.') == NULL || !fct_verify_domain_is_ldh (name)
      || g_str_has_suffix (name, ".localdomain") || g_str_has_suffix (name, ".localhost"))
    return NULL;
  return g_ascii_strdown (name, -1);
}
