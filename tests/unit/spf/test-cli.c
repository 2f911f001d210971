/* `facteur spf` as a user runs it: the JSON fields of DESIGN.md, the path in the human
 * output, --lint, and the exit statuses (64 for a bad address or missing options).
 * Usage: test-spf-cli PATH/TO/facteur [GTest options] */
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

static const char *facteur;
static char *zone_path;

static const char zone[]
    = "$TTL 300\n"
      "example.test. TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.example.test -all\"\n"
      "_spf.example.test. TXT \"v=spf1 a:out.example.test ~all\"\n"
      "out.example.test. A 198.51.100.7\n"
      "mail.example.test. TXT \"v=spf1 a -all\"\n"
      "mail.example.test. A 203.0.113.5\n";

typedef struct
{
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

static Run
run (const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = g_get_environ ();
  Run r = { 0 };
  va_list args;

  g_ptr_array_add (argv, (char *)facteur);
  g_ptr_array_add (argv, "spf");
  g_ptr_array_add (argv, "--dns-zone");
  g_ptr_array_add (argv, zone_path);
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *)a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  env = g_environ_setenv (env, "LANGUAGE", "en", TRUE);
  int wait_status = 0;
  g_spawn_sync (NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &r.out,
                &r.err, &wait_status, &error);
  g_assert_no_error (error);
  r.status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return r;
}

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  JsonNode *root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static void
test_json (void)
{
  Run r = run ("--ip", "198.51.100.7", "--mail-from", "user@example.test", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o = parse_object (r.out, parser);
  g_assert_cmpstr (json_object_get_string_member (o, "result"), ==, "pass");
  g_assert_cmpstr (json_object_get_string_member (o, "mechanism"), ==,
                   "include:_spf.example.test");
  g_assert_cmpint (json_object_get_int_member (o, "dns_lookups"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "void_lookups"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "domain"), ==, "example.test");
  g_assert_nonnull (json_object_get_string_member (o, "explanation"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "trace")), >=,
                    4);
  run_clear (&r);
}

static void
test_human_path_and_helo (void)
{
  Run r = run ("--ip", "198.51.100.7", "--mail-from", "user@example.test", "--helo",
               "mail.example.test", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "SPF (MAIL FROM): pass (example.test)"));
  g_assert_nonnull (strstr (r.out, "a:out.example.test matched: pass"));
  /* §2.3: the HELO identity is reported too. */
  g_assert_nonnull (strstr (r.out, "SPF (HELO): fail (mail.example.test)"));
  run_clear (&r);
}

static void
test_bad_ip (void)
{
  Run r = run ("--ip", "192.0.2.300", "--mail-from", "user@example.test", NULL);
  g_assert_cmpint (r.status, ==, 64);
  g_assert_nonnull (strstr (r.err, "“192.0.2.300” is not an IPv4 or IPv6 address"));
  run_clear (&r);
}

static void
test_missing_options (void)
{
  Run r = run ("--mail-from", "user@example.test", NULL);
  g_assert_cmpint (r.status, ==, 64);
  run_clear (&r);
  Run s = run ("--ip", "192.0.2.1", NULL);
  g_assert_cmpint (s.status, ==, 64);
  run_clear (&s);
}

static void
test_lint (void)
{
  Run r = run ("--lint", "example.test", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o = parse_object (r.out, parser);
  g_assert_cmpint (json_object_get_int_member (o, "dns_lookups"), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "tree")), ==,
                    2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "findings")),
                    ==, 0);
  run_clear (&r);
  Run bad = run ("--lint", "localhost", NULL);
  g_assert_cmpint (bad.status, ==, 64);
  run_clear (&bad);
}

int
main (int argc, char **argv)
{
  if (argc < 2 || argv[1][0] == '-')
    {
      g_printerr ("usage: test-spf-cli PATH/TO/facteur [GTest options]\n");
      return 2;
    }
  facteur = argv[1];
  argv[1] = argv[0];
  argc--;
  argv++;
  g_test_init (&argc, &argv, NULL);

  g_autoptr (GError) error = NULL;
  int fd = g_file_open_tmp ("spf-cli-XXXXXX.zone", &zone_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (zone_path, zone, -1, NULL));
  close (fd);

  g_test_add_func ("/spf/cli/json", test_json);
  g_test_add_func ("/spf/cli/human-path-and-helo", test_human_path_and_helo);
  g_test_add_func ("/spf/cli/bad-ip-is-64", test_bad_ip);
  g_test_add_func ("/spf/cli/missing-options-are-64", test_missing_options);
  g_test_add_func ("/spf/cli/lint", test_lint);
  int status = g_test_run ();
  g_unlink (zone_path);
  g_free (zone_path);
  return status;
}
