/* facteur command line — language selection, --help/--version and subcommand dispatch.
 * Each subcommand lives in its own cmd_*.c and only wires the library to the terminal. */
#include "cli.h"

#include "fct-config.h"
#include <locale.h>
#include <stdio.h>

static const FctCliCommand commands[] = {
  { "dns", N_ ("NAME TYPE"), N_ ("Query DNS as facteur sees it (debugging)"), fct_cmd_dns },
  { "dkim", N_ ("verify|sign|keygen"), N_ ("Verify or add DKIM signatures, generate keys"),
    fct_cmd_dkim },
  { "spf", N_ ("--ip IP [--mail-from]"), N_ ("Check SPF for a client, or lint a record"),
    fct_cmd_spf },
  { "address", N_ ("ADDRESS"), N_ ("Tell whether an email address exists"),
    fct_cmd_address },
  { "dmarc", N_ ("FILE --ip IP"), N_ ("Check a message's DMARC verdict"), fct_cmd_dmarc },
  { "arc", N_ ("verify|seal"), N_ ("Validate or add an ARC set (RFC 8617)"), fct_cmd_arc },
  { "domain", N_ ("DOMAIN"), N_ ("Audit a domain's mail setup"), fct_cmd_domain },
  { "check", N_ ("FILE --ip IP"), N_ ("Score a message out of 10 and explain each point"),
    fct_cmd_check },
  { "reports", N_ ("ingest|summary"),
    N_ ("Read DMARC and TLS reports; who sends mail in your name"), fct_cmd_reports },
  { "milter", N_ ("[--config FILE]"), N_ ("Filter mail in Postfix or Sendmail (milter)"),
    fct_cmd_milter },
  { "serve", N_ ("[--smtp] [--http]"),
    N_ ("Run the mail tester: SMTP inbox and web reports"), fct_cmd_serve },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _ ("Usage: facteur COMMAND [OPTION…] [ARGUMENT…]"));
  fprintf (out, "%s\n\n",
           _ ("Email deliverability and security: authentication "
              "(SPF, DKIM, DMARC, ARC), message and domain reports."));
  fprintf (out, "%s\n", _ ("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %-22s %s\n", commands[i].name, _ (commands[i].parameter_string),
             _ (commands[i].summary));
  fprintf (out, "\n%s\n", _ ("“facteur COMMAND --help” shows the options of a command."));
  fprintf (out, "%s\n",
           _ ("Exit status: 0 the command ran (whatever the verdict), 64 usage "
              "error, 65 bad input, 69 a service was unavailable, 70 internal "
              "error."));
}

/* The catalogs sit beside an uninstalled binary (build/po/<lang>/LC_MESSAGES) or
 * under the install prefix. */
static void
bind_catalogs (void)
{
  const char *override = g_getenv ("FACTEUR_LOCALEDIR");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *beside = NULL;

  if (exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (exe);
      beside = g_build_filename (dir, "po", NULL);
    }
  if (override != NULL)
    bindtextdomain (GETTEXT_PACKAGE, override);
  else if (beside != NULL && g_file_test (beside, G_FILE_TEST_IS_DIR))
    bindtextdomain (GETTEXT_PACKAGE, beside);
  else
    bindtextdomain (GETTEXT_PACKAGE, FCT_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* --lang must act before any text is printed, including --help, so it is read
 * before the options are parsed. gettext ignores LANGUAGE in the "C" locale, hence the
 * fallback to C.UTF-8. */
static void
apply_language (int argc, char **argv)
{
  const char *lang = NULL;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--lang") && i + 1 < argc)
        lang = argv[i + 1];
      else if (g_str_has_prefix (argv[i], "--lang="))
        lang = argv[i] + strlen ("--lang=");
    }
  if (lang == NULL || (!g_str_equal (lang, "fr") && !g_str_equal (lang, "en")))
    return;
  g_setenv ("LANGUAGE", lang, TRUE);
  const char *current = setlocale (LC_MESSAGES, NULL);
  if (current == NULL || g_str_equal (current, "C") || g_str_equal (current, "POSIX"))
    {
      setlocale (LC_MESSAGES, "C.UTF-8");
      setlocale (LC_CTYPE, "C.UTF-8");
    }
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* Usage lines read "facteur dns NAME TYPE", whatever path ran the binary. */
  g_set_prgname ("facteur");
  apply_language (argc, argv);
  bind_catalogs ();

  if (argc < 2)
    {
      print_usage (stderr);
      return FCT_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      print_usage (stdout);
      return FCT_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("facteur %s\n", FCT_VERSION);
      return FCT_EXIT_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, _ ("facteur: unknown command “%s”"), argv[1]);
  fputs ("\n\n", stderr);
  print_usage (stderr);
  return FCT_EXIT_USAGE;
}
