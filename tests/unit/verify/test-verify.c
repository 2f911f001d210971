/* facteur — unit tests of the address verdict: DNS from zone data, SMTP from a scripted
 * loopback server (tests/unit/smtp/fake-smtp.c). */
#include "fake-smtp.h"
#include <facteur/verify.h>
#include <string.h>

static const char zone[] = "$TTL 300\n"
                           "shop.test.        MX 10 mx.ok.fct.\n"
                           "example.com.      MX 10 mx.ok.fct.\n"
                           "ok.fct.          MX 10 mx.ok.fct.\n"
                           "mx.ok.fct.       A 127.0.0.1\n"
                           "catchall.fct.    MX 10 mx.ok.fct.\n"
                           "nullmx.fct.      MX 0 .\n"
                           "implicit.fct.    A 127.0.0.1\n"
                           "noroute.fct.     TXT \"v=spf1 -all\"\n"
                           "fallback.fct.    MX 10 dead.fallback.fct.\n"
                           "fallback.fct.    MX 20 mx.ok.fct.\n"
                           "dead.fallback.fct. A 127.0.0.2\n"
                           "noaddr.fct.      MX 10 nowhere.noaddr.fct.\n"
                           "mailinator.com.   MX 10 mx.ok.fct.\n"
                           "slow.fct.        TIMEOUT\n";

static FctResolver *resolver;

typedef struct
{
  gboolean smtputf8;
  gint later; /* RCPTs seen for later@: the first one is greylisted */
} Server;

static char *
handler (const char *command, gpointer data)
{
  Server *server = data;
  if (g_str_has_prefix (command, "EHLO"))
    return g_strdup (server->smtputf8 ? "250-mx.ok.fct\r\n250 SMTPUTF8\r\n"
                                      : "250-mx.ok.fct\r\n250 8BITMIME\r\n");
  if (g_str_has_prefix (command, "MAIL FROM:"))
    return g_strdup ("250 2.1.0 Ok\r\n");
  if (!g_str_has_prefix (command, "RCPT TO:<"))
    return g_strdup ("502 5.5.2 Error: command not recognized\r\n");

  const char *rcpt = command + strlen ("RCPT TO:<");
  if (g_str_has_suffix (rcpt, "@catchall.fct>"))
    return g_strdup ("250 2.1.5 Ok\r\n");
  if (g_str_has_prefix (rcpt, "alice@") || g_str_has_prefix (rcpt, "postmaster@")
      || g_str_has_prefix (rcpt, "josé@") || g_str_has_prefix (rcpt, "anyone@mailinator"))
    return g_strdup ("250 2.1.5 Ok\r\n");
  if (g_str_has_prefix (rcpt, "later@"))
    return g_strdup (g_atomic_int_add (&server->later, 1) == 0
                         ? "450 4.2.0 Greylisted, come back later\r\n"
                         : "250 2.1.5 Ok\r\n");
  if (g_str_has_prefix (rcpt, "busy@"))
    return g_strdup ("421 4.3.2 Service shutting down\r\n");
  if (g_str_has_prefix (rcpt, "grey@"))
    return g_strdup ("450 4.2.0 <grey@ok.fct>: Recipient address rejected: Greylisted\r\n");
  if (g_str_has_prefix (rcpt, "policy@"))
    return g_strdup ("554 5.7.1 <policy@ok.fct>: Client host rejected\r\n");
  if (g_str_has_prefix (rcpt, "maybe@"))
    return g_strdup ("252 2.1.5 Cannot VRFY user, but will accept message\r\n");
  return g_strdup ("550 5.1.1 <x>: Recipient address rejected: User unknown\r\n");
}

static FctVerifyResult *
verify_retry (const char *address, Server *server, gboolean smtp, guint retry_ms,
              FakeSmtp **fake_out)
{
  FakeSmtp *fake
      = fake_smtp_start (FAKE_NORMAL, "220 mx.ok.fct ESMTP\r\n", handler, server);
  FctLimits limits;
  FctVerifyOptions options;
  g_autoptr (GError) error = NULL;

  /* Generous: these dialogues end by themselves; a loaded machine must not turn a
     reply into a timeout (the hostile exchangers below test the short ones). */
  fct_limits_init (&limits);
  limits.smtp_connect_timeout_ms = 30000;
  limits.smtp_reply_timeout_ms = 30000;
  fct_verify_options_init (&options);
  options.smtp = smtp;
  options.smtp_port = fake_smtp_get_port (fake);
  options.helo_name = "probe.facteur.test";
  options.limits = &limits;
  options.greylist_retry_ms = retry_ms;
  FctVerifyResult *r
      = fct_verify_address (resolver, address, strlen (address), &options, &error);
  g_assert_no_error (error);
  if (fake_out != NULL)
    *fake_out = fake;
  else
    fake_smtp_stop (fake);
  return r;
}

static FctVerifyResult *
verify (const char *address, Server *server, gboolean smtp, FakeSmtp **fake_out)
{
  return verify_retry (address, server, smtp, 0, fake_out);
}

static gboolean
has_reason (const FctVerifyResult *r, const char *id)
{
  for (guint i = 0; i < r->reasons->len; i++)
    if (g_str_equal (((FctVerifyReason *)g_ptr_array_index (r->reasons, i))->id, id))
      return TRUE;
  return FALSE;
}

static Server plain = { FALSE, 0 };
static Server utf8 = { TRUE, 0 };

static void
test_deliverable (void)
{
  FakeSmtp *fake = NULL;
  g_autoptr (FctVerifyResult) r = verify ("alice@ok.fct", &plain, TRUE, &fake);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_DELIVERABLE);
  g_assert_cmpuint (r->mx->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r->mx, 0), ==, "mx.ok.fct");
  g_assert_cmpuint (r->probes->len, ==, 1);
  FctVerifyProbe *p = g_ptr_array_index (r->probes, 0);
  g_assert_cmpuint (p->rcpt_code, ==, 250);
  g_assert_cmpuint (p->random_code, ==, 550);
  /* The dialogue never reaches DATA, and says goodbye. */
  GPtrArray *commands = fake_smtp_get_commands (fake);
  g_assert_cmpstr (g_ptr_array_index (commands, 0), ==, "EHLO probe.facteur.test");
  g_assert_cmpstr (g_ptr_array_index (commands, 1), ==, "MAIL FROM:<>");
  g_assert_cmpstr (g_ptr_array_index (commands, 2), ==, "RCPT TO:<alice@ok.fct>");
  /* The catch-all test asks for an address that looks like a person's. */
  g_assert_true (
      g_regex_match_simple ("^RCPT TO:<[a-z]{6,8}\\.[a-z]{6,8}[0-9]{2}@ok\\.fct>$",
                            g_ptr_array_index (commands, 3), 0, 0));
  g_assert_cmpstr (g_ptr_array_index (commands, 4), ==, "QUIT");
  for (guint i = 0; i < commands->len; i++)
    g_assert_cmpstr (g_ptr_array_index (commands, i), !=, "DATA");
  fake_smtp_stop (fake);
}

static void
test_undeliverable (void)
{
  g_autoptr (FctVerifyResult) r = verify ("bob@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
  g_assert_true (has_reason (r, "rcpt_rejected"));
  FctVerifyProbe *p = g_ptr_array_index (r->probes, 0);
  g_assert_cmpuint (p->random_code, ==, 0); /* no catch-all test after a refusal */
}

static void
test_catch_all (void)
{
  g_autoptr (FctVerifyResult) r = verify ("whoever@catchall.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_RISKY);
  g_assert_true (r->catch_all);
}

static void
test_greylisted (void)
{
  g_autoptr (FctVerifyResult) r = verify ("grey@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_true (has_reason (r, "greylisted"));
}

static void
test_greylist_retry (void)
{
  Server server = { FALSE, 0 };
  g_autoptr (FctVerifyResult) r = verify_retry ("later@ok.fct", &server, TRUE, 10, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_DELIVERABLE);
  g_assert_cmpuint (r->probes->len, ==, 2);
  g_assert_cmpuint (((FctVerifyProbe *)g_ptr_array_index (r->probes, 0))->rcpt_code, ==,
                    450);
}

static void
test_policy_is_not_about_the_address (void)
{
  g_autoptr (FctVerifyResult) r = verify ("policy@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_true (has_reason (r, "policy_rejected"));
}

static void
test_cannot_verify (void)
{
  g_autoptr (FctVerifyResult) r = verify ("maybe@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_true (has_reason (r, "cannot_verify"));
}

static void
test_role_is_risky (void)
{
  g_autoptr (FctVerifyResult) r = verify ("postmaster@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_RISKY);
  g_assert_true (r->role);
}

static void
test_disposable_is_risky (void)
{
  g_autoptr (FctVerifyResult) r = verify ("anyone@mailinator.com", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_RISKY);
  g_assert_true (r->disposable);
}

static void
test_smtputf8 (void)
{
  g_autoptr (FctVerifyResult) without = verify ("josé@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (without->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
  g_assert_true (has_reason (without, "smtputf8_not_offered"));

  FakeSmtp *fake = NULL;
  g_autoptr (FctVerifyResult) with = verify ("josé@ok.fct", &utf8, TRUE, &fake);
  g_assert_cmpint (with->verdict, ==, FCT_VERIFY_VERDICT_DELIVERABLE);
  g_assert_true (has_reason (with, "smtputf8_required"));
  g_assert_cmpstr (g_ptr_array_index (fake_smtp_get_commands (fake), 1), ==,
                   "MAIL FROM:<> SMTPUTF8");
  fake_smtp_stop (fake);
}

static void
test_fallback_to_next_mx (void)
{
  g_autoptr (FctVerifyResult) r = verify ("alice@fallback.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_DELIVERABLE);
  g_assert_cmpuint (r->probes->len, ==, 2);
  FctVerifyProbe *dead = g_ptr_array_index (r->probes, 0);
  g_assert_cmpstr (dead->host, ==, "dead.fallback.fct");
  g_assert_nonnull (dead->error);
}

static void
test_421_is_not_an_answer (void)
{
  g_autoptr (FctVerifyResult) r = verify ("busy@ok.fct", &plain, TRUE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_true (has_reason (r, "smtp_unavailable"));
  g_assert_false (has_reason (r, "greylisted"));
}

/* Hostile exchangers end in "unknown" within the deadlines, never in a hang. */
static void
test_hostile_exchangers (void)
{
  const FakeMode modes[]
      = { FAKE_SILENT, FAKE_TRICKLE, FAKE_ENDLESS_BANNER, FAKE_HUGE_LINE };
  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      FakeSmtp *fake = fake_smtp_start (modes[i], NULL, handler, &plain);
      FctLimits limits;
      FctVerifyOptions options;
      fct_limits_init (&limits);
      limits.smtp_reply_timeout_ms = 300;
      fct_verify_options_init (&options);
      options.helo_name = "probe.facteur.test";
      options.smtp_port = fake_smtp_get_port (fake);
      options.limits = &limits;
      g_autoptr (FctVerifyResult) r
          = fct_verify_address (resolver, "alice@ok.fct", 12, &options, NULL);
      g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
      g_assert_true (has_reason (r, "smtp_unavailable"));
      fake_smtp_stop (fake);
    }
}

static void
test_domain_failures (void)
{
  g_autoptr (FctVerifyResult) nx = verify ("a@nowhere.fct", &plain, TRUE, NULL);
  g_assert_cmpint (nx->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
  g_assert_true (has_reason (nx, "domain_not_found"));

  g_autoptr (FctVerifyResult) null = verify ("a@nullmx.fct", &plain, TRUE, NULL);
  g_assert_cmpint (null->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
  g_assert_true (null->null_mx);

  g_autoptr (FctVerifyResult) none = verify ("a@noroute.fct", &plain, TRUE, NULL);
  g_assert_cmpint (none->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
  g_assert_true (has_reason (none, "no_mail_route"));

  g_autoptr (FctVerifyResult) slow = verify ("a@slow.fct", &plain, TRUE, NULL);
  g_assert_cmpint (slow->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_true (has_reason (slow, "dns_unavailable"));

  g_autoptr (FctVerifyResult) noaddr = verify ("a@noaddr.fct", &plain, TRUE, NULL);
  g_assert_cmpint (noaddr->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_true (has_reason (noaddr, "smtp_unavailable"));
}

static void
test_implicit_mx (void)
{
  g_autoptr (FctVerifyResult) r = verify ("alice@implicit.fct", &plain, TRUE, NULL);
  g_assert_true (r->implicit_mx);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_DELIVERABLE);
  g_assert_cmpint (r->syntax->diagnosis, ==, FCT_VERIFY_DIAG_DNSWARN_NO_MX_RECORD);
}

static void
test_syntax_and_suggestion (void)
{
  g_autoptr (FctVerifyResult) bad = verify ("not an address", &plain, TRUE, NULL);
  g_assert_cmpint (bad->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
  g_assert_true (has_reason (bad, "syntax_invalid"));
  g_assert_cmpuint (bad->probes->len, ==, 0);

  g_autoptr (FctVerifyResult) typo = verify ("jean@gmial.com", &plain, TRUE, NULL);
  g_assert_cmpstr (typo->suggestion, ==, "gmail.com");
  g_assert_cmpint (typo->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
}

static void
test_no_smtp (void)
{
  g_autoptr (FctVerifyResult) r = verify ("alice@ok.fct", &plain, FALSE, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNKNOWN);
  g_assert_cmpuint (r->probes->len, ==, 0);
  g_assert_true (has_reason (r, "smtp_skipped"));
}

static void
test_bad_options (void)
{
  FctVerifyOptions options;
  g_autoptr (GError) error = NULL;
  fct_verify_options_init (&options);
  options.mail_from = "a@b>\r\nDATA";
  g_autoptr (FctVerifyResult) r
      = fct_verify_address (resolver, "a@ok.fct", 8, &options, &error);
  g_assert_null (r);
  g_assert_error (error, FCT_VERIFY_ERROR, FCT_VERIFY_ERROR_INVALID);
}

/* RFC 5321 §4.1.1.1: EHLO gives the client's fully qualified name; there is no
 * default to fall back on, so a probe without one is refused before any connection. */
static void
test_helo_required (void)
{
  static const char *const bad[] = { NULL, "localhost", "vm", "a b.example", "x..y" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      FctVerifyOptions options;
      g_autoptr (GError) error = NULL;
      fct_verify_options_init (&options);
      options.helo_name = bad[i];
      g_autoptr (FctVerifyResult) r
          = fct_verify_address (resolver, "a@ok.fct", 8, &options, &error);
      g_assert_null (r);
      g_assert_error (error, FCT_VERIFY_ERROR, FCT_VERIFY_ERROR_INVALID);
    }
  /* Without SMTP no name is needed. */
  FctVerifyOptions options;
  fct_verify_options_init (&options);
  options.smtp = FALSE;
  g_autoptr (FctVerifyResult) r
      = fct_verify_address (resolver, "a@ok.fct", 8, &options, NULL);
  g_assert_nonnull (r);
}

/* Addresses of one domain share a session: one EHLO, one MAIL FROM, one RCPT each, one
 * catch-all RCPT, one QUIT; each result holds its own RCPT in its dialogue. */
static void
test_one_session_for_a_domain (void)
{
  FakeSmtp *fake
      = fake_smtp_start (FAKE_NORMAL, "220 mx.ok.fct ESMTP\r\n", handler, &plain);
  FctLimits limits;
  FctVerifyOptions options;
  g_autoptr (GError) error = NULL;
  fct_limits_init (&limits);
  fct_verify_options_init (&options);
  options.smtp_port = fake_smtp_get_port (fake);
  options.helo_name = "probe.facteur.test";
  options.limits = &limits;
  const char *addresses[]
      = { "alice@ok.fct", "bob@ok.fct", "postmaster@ok.fct", "x@nowhere.fct" };
  g_autoptr (GPtrArray) results = fct_verify_addresses (
      resolver, addresses, G_N_ELEMENTS (addresses), &options, &error);
  g_assert_no_error (error);
  GPtrArray *commands = fake_smtp_get_commands (fake);
  guint ehlo = 0, mail = 0, rcpt = 0, quit = 0;
  for (guint i = 0; i < commands->len; i++)
    {
      const char *c = g_ptr_array_index (commands, i);
      ehlo += g_str_has_prefix (c, "EHLO");
      mail += g_str_has_prefix (c, "MAIL");
      rcpt += g_str_has_prefix (c, "RCPT");
      quit += g_str_has_prefix (c, "QUIT");
    }
  g_assert_cmpuint (ehlo, ==, 1);
  g_assert_cmpuint (mail, ==, 1);
  g_assert_cmpuint (rcpt, ==, 4); /* three addresses and the catch-all test */
  g_assert_cmpuint (quit, ==, 1);
  fake_smtp_stop (fake);
  static const FctVerifyVerdict want[]
      = { FCT_VERIFY_VERDICT_DELIVERABLE, FCT_VERIFY_VERDICT_UNDELIVERABLE,
          FCT_VERIFY_VERDICT_RISKY, FCT_VERIFY_VERDICT_UNDELIVERABLE };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const FctVerifyResult *r = g_ptr_array_index (results, i);
      g_assert_cmpint (r->verdict, ==, want[i]);
    }
  const FctVerifyResult *bob = g_ptr_array_index (results, 1);
  const FctVerifyProbe *p = g_ptr_array_index (bob->probes, 0);
  guint own = 0;
  for (guint i = 0; i < p->transcript->lines->len; i++)
    {
      const char *l = g_ptr_array_index (p->transcript->lines, i);
      g_assert_null (strstr (l, "alice@"));
      own += strstr (l, "RCPT TO:<bob@ok.fct>") != NULL;
    }
  g_assert_cmpuint (own, ==, 1);
}

/* The documented defaults (docs/ADDRESS.md); the pace itself is measured by the batch
 * integration test, not here (no timing in unit tests). */
static void
test_pace_defaults (void)
{
  FctVerifyPace pace;
  fct_verify_pace_init (&pace);
  g_assert_cmpuint (pace.domain_sessions, ==, 2);
  g_assert_cmpuint (pace.domain_rate, ==, 60);
  g_assert_cmpuint (pace.host_sessions, ==, 2);
  g_assert_cmpuint (pace.host_rate, ==, 60);
  g_assert_cmpuint (pace.rcpt_per_session, ==, 20);
  g_assert_cmpuint (pace.backoff_ms, ==, 30000);
  g_assert_cmpuint (pace.backoff_max_ms, ==, 600000);
  g_autoptr (FctVerifyGate) gate = fct_verify_gate_new_full (NULL);
  g_assert_cmpuint (fct_verify_gate_get_pace (gate)->host_rate, ==, 60);
}

/* Two catch-all probes do not repeat their local part, and neither names the tool. */
static void
test_probe_local_part (void)
{
  g_autofree char *seen = NULL;
  for (guint i = 0; i < 2; i++)
    {
      FakeSmtp *fake = NULL;
      g_autoptr (FctVerifyResult) r = verify ("alice@ok.fct", &plain, TRUE, &fake);
      const char *rcpt = g_ptr_array_index (fake_smtp_get_commands (fake), 3);
      g_assert_null (strstr (rcpt, "facteur"));
      g_assert_null (strstr (rcpt, "probe"));
      g_assert_cmpstr (rcpt, !=, seen);
      g_free (seen);
      seen = g_strdup (rcpt);
      fake_smtp_stop (fake);
    }
}

/* Reserved names are undeliverable whatever DNS says: the zone gives them an MX, and no
 * server is asked. */
static void
test_special_use (void)
{
  static const char *const reserved[]
      = { "a@shop.test", "a@x.example",   "a@host.invalid",     "a@localhost",
          "a@abc.onion", "a@example.com", "a@mail.example.org", "a@printer.local" };
  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      FakeSmtp *fake = NULL;
      g_autoptr (FctVerifyResult) r = verify (reserved[i], &plain, TRUE, &fake);
      g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_UNDELIVERABLE);
      g_assert_true (has_reason (r, "special_use_domain"));
      g_assert_cmpuint (fake_smtp_get_commands (fake)->len, ==, 0);
      fake_smtp_stop (fake);
    }
  /* Names that only look alike are ordinary. */
  g_assert_false (fct_verify_domain_is_special_use ("mytest.fr"));
  g_assert_false (fct_verify_domain_is_special_use ("example.co.uk"));
  g_assert_false (fct_verify_domain_is_special_use ("notexample.com"));
  g_assert_true (fct_verify_domain_is_special_use ("EXAMPLE.NET."));
  /* Every name under a special-use name is special-use too (RFC 6761 §6, RFC 7686 §2). */
  static const char *const under[] = { "db.localhost", "a.b.invalid", "x.y.onion",
                                       "shop.test",    "www.example", "lab.example.org" };
  for (gsize i = 0; i < G_N_ELEMENTS (under); i++)
    if (!fct_verify_domain_is_special_use (under[i]))
      g_error ("%s is not special-use", under[i]);
  g_assert_false (fct_verify_domain_is_special_use ("onion.fr"));
  g_assert_false (fct_verify_domain_is_special_use ("localhost.fr"));
}

typedef struct
{
  FctVerifyOptions *options;
  gint next;
} Batch;

static void
batch_worker (gpointer data, gpointer user_data)
{
  Batch *b = user_data;
  (void)data;
  g_autoptr (FctVerifyResult) r
      = fct_verify_address (resolver, "alice@ok.fct", 12, b->options, NULL);
  g_assert_cmpint (r->verdict, ==, FCT_VERIFY_VERDICT_DELIVERABLE);
}

static void
test_gate_bounds_connections (void)
{
  FakeSmtp *fake = fake_smtp_start (FAKE_NORMAL, NULL, handler, &plain);
  g_autoptr (FctVerifyGate) gate = fct_verify_gate_new (2);
  FctVerifyOptions options;
  fct_verify_options_init (&options);
  options.helo_name = "probe.facteur.test";
  options.smtp_port = fake_smtp_get_port (fake);
  options.gate = gate;
  Batch b = { &options, 0 };

  GThreadPool *pool = g_thread_pool_new (batch_worker, &b, 8, TRUE, NULL);
  for (int i = 0; i < 24; i++)
    g_thread_pool_push (pool, GINT_TO_POINTER (i + 1), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_assert_cmpuint (fct_verify_gate_get_peak (gate), >=, 1);
  g_assert_cmpuint (fct_verify_gate_get_peak (gate), <=, 2);
  fake_smtp_stop (fake);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_test_init (&argc, &argv, NULL);
  FctLimits dns_limits;
  fct_limits_init (&dns_limits);
  dns_limits.dns_timeout_ms = 200;
  resolver = fct_resolver_new_zone_data (zone, strlen (zone), "test-verify", &dns_limits,
                                         &error);
  g_assert_no_error (error);

  g_test_add_func ("/verify/address/deliverable", test_deliverable);
  g_test_add_func ("/verify/address/undeliverable", test_undeliverable);
  g_test_add_func ("/verify/address/catch-all", test_catch_all);
  g_test_add_func ("/verify/address/greylisted", test_greylisted);
  g_test_add_func ("/verify/address/greylist-retry", test_greylist_retry);
  g_test_add_func ("/verify/address/policy", test_policy_is_not_about_the_address);
  g_test_add_func ("/verify/address/cannot-verify", test_cannot_verify);
  g_test_add_func ("/verify/address/role", test_role_is_risky);
  g_test_add_func ("/verify/address/disposable", test_disposable_is_risky);
  g_test_add_func ("/verify/address/smtputf8", test_smtputf8);
  g_test_add_func ("/verify/address/fallback", test_fallback_to_next_mx);
  g_test_add_func ("/verify/address/421", test_421_is_not_an_answer);
  g_test_add_func ("/verify/address/hostile", test_hostile_exchangers);
  g_test_add_func ("/verify/address/domain-failures", test_domain_failures);
  g_test_add_func ("/verify/address/implicit-mx", test_implicit_mx);
  g_test_add_func ("/verify/address/syntax-and-suggestion", test_syntax_and_suggestion);
  g_test_add_func ("/verify/address/no-smtp", test_no_smtp);
  g_test_add_func ("/verify/address/bad-options", test_bad_options);
  g_test_add_func ("/verify/address/helo-required", test_helo_required);
  g_test_add_func ("/verify/address/probe-local-part", test_probe_local_part);
  g_test_add_func ("/verify/address/special-use", test_special_use);
  g_test_add_func ("/verify/address/one-session", test_one_session_for_a_domain);
  g_test_add_func ("/verify/address/pace-defaults", test_pace_defaults);
  g_test_add_func ("/verify/address/gate", test_gate_bounds_connections);
  int status = g_test_run ();
  fct_resolver_unref (resolver);
  return status;
}
