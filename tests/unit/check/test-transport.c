/* facteur check's transport findings (src/lib/check/transport.c): raised only when the
 * caller says how the message came (FctCheckOptions.tls_version), as facteur serve does:
 * clear text, TLS 1.0/1.1, and nothing for TLS 1.2/1.3 or an unknown transport. */
#include <facteur/check.h>

#include <string.h>

static const char message[] = "From: a@example.com\r\nTo: b@example.net\r\n"
                              "Subject: hello\r\nDate: Fri, 15 Jan 2027 10:00:00 +0000\r\n"
                              "Message-ID: <1@example.com>\r\n\r\nHello.\r\n";

static FctCheckReport *
check (const char *tls_version)
{
  static const char zone[] = "example.com. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n";
  static const char *const none[] = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver
      = fct_resolver_new_zone_data (zone, strlen (zone), "transport.zone", NULL, &error);
  g_autoptr (GBytes) bytes = g_bytes_new_static (message, strlen (message));
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  FctCheckOptions options = {
    .ip = "192.0.2.1",
    .mail_from = "a@example.com",
    .dnsbl_zones = none,
    .uribl_zones = none,
    .now = G_GINT64_CONSTANT (1800000000),
    .tls_version = tls_version,
  };
  FctCheckReport *report = fct_check (msg, resolver, &options, &error);
  g_assert_no_error (error);
  return report;
}

static void
test_transport (void)
{
  static const struct
  {
    const char *tls_version;
    const char *raised; /* or NULL */
  } cases[] = {
    { NULL, NULL },        /* a file: the transport is not known */
    { "", "smtp-no-tls" }, /* clear text */
    { "TLSv1", "smtp-tls-old" },
    { "TLSv1.1", "smtp-tls-old" },
    { "TLSv1.2", NULL },
    { "TLSv1.3", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FctCheckReport) r = check (cases[i].tls_version);
      gboolean no_tls = fct_findings_has (r->findings, "smtp-no-tls");
      gboolean old = fct_findings_has (r->findings, "smtp-tls-old");
      g_assert_cmpint (no_tls, ==, g_strcmp0 (cases[i].raised, "smtp-no-tls") == 0);
      g_assert_cmpint (old, ==, g_strcmp0 (cases[i].raised, "smtp-tls-old") == 0);
      if (old)
        for (guint k = 0; k < fct_findings_get_count (r->findings); k++)
          {
            const FctFinding *f = fct_findings_get (r->findings, k);
            if (g_str_equal (f->weight->id, "smtp-tls-old"))
              g_assert_cmpstr (f->evidence, ==, cases[i].tls_version);
          }
      /* The rest of the report does not change with the transport. */
      g_assert_true (fct_findings_has (r->findings, "dkim-none"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/check/transport", test_transport);
  return g_test_run ();
}
