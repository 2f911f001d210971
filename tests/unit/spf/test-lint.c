/* Unit tests for fct_spf_lint on records shaped like the large providers' published ones
 * (nested includes, IPv6 ranges), over the lookup limit with a flattened suggestion, and
 * with void lookups, loops and syntax errors. DNS comes from zone text. */
#include <facteur/spf.h>

/* Shapes of Google Workspace, Microsoft 365, SendGrid, Mailchimp, Zendesk and Salesforce
 * records, under example names and documentation addresses. */
static const char zone[]
    = "$TTL 300\n"
      /* Google-like: one include, three nested netblock records. */
      "_spf.g.example. TXT \"v=spf1 include:_netblocks.g.example "
      "include:_netblocks2.g.example include:_netblocks3.g.example ~all\"\n"
      "_netblocks.g.example. TXT \"v=spf1 ip4:192.0.2.0/24 "
      "ip4:198.51.100.0/24 ~all\"\n"
      "_netblocks2.g.example. TXT \"v=spf1 ip6:2001:db8:4860::/48 "
      "ip6:2001:db8:4000::/36 ~all\"\n"
      "_netblocks3.g.example. TXT \"v=spf1 ip4:203.0.113.0/25 ~all\"\n"
      "google-shape.test. TXT \"v=spf1 include:_spf.g.example ~all\"\n"
      /* Microsoft-like: include of two more includes with IPv6. */
      "spf.outlook.example. TXT \"v=spf1 include:spfa.outlook.example "
      "include:spfb.outlook.example -all\"\n"
      "spfa.outlook.example. TXT \"v=spf1 ip4:192.0.2.128/25 "
      "ip6:2001:db8:a000::/40 -all\"\n"
      "spfb.outlook.example. TXT \"v=spf1 ip4:198.51.100.128/25 "
      "ip6:2001:db8:b000::/40 -all\"\n"
      "microsoft-shape.test. TXT \"v=spf1 include:spf.outlook.example -all\"\n"
      /* Single-level ESPs. */
      "sendgrid.example. TXT \"v=spf1 ip4:203.0.113.128/25 -all\"\n"
      "servers.mcsv.example. TXT \"v=spf1 ip4:192.0.2.64/26 "
      "ip4:192.0.2.192/27 -all\"\n"
      "mail.zendesk.example. TXT \"v=spf1 ip4:198.51.100.64/27 -all\"\n"
      "_spf.salesforce.example. TXT \"v=spf1 ip4:198.51.100.32/27 "
      "exists:%{i}._spf.salesforce.example -all\"\n"
      /* A company that added every vendor: 12 lookups. */
      "busy.test. TXT \"v=spf1 mx a include:_spf.g.example "
      "include:spf.outlook.example include:sendgrid.example \" "
      "\"include:servers.mcsv.example include:mail.zendesk.example -all\"\n"
      "busy.test. MX 10 mx1.busy.test.\n"
      "busy.test. A 192.0.2.10\n"
      "mx1.busy.test. A 192.0.2.25\n"
      "mx1.busy.test. AAAA 2001:db8::25\n"
      /* Names that do not exist. */
      "voids.test. TXT \"v=spf1 a:gone1.voids.test a:gone2.voids.test "
      "mx:gone3.voids.test include:nothing.voids.test -all\"\n"
      "nothing.voids.test. TXT \"some other text\"\n"
      "loop1.test. TXT \"v=spf1 include:loop2.test -all\"\n"
      "loop2.test. TXT \"v=spf1 include:loop1.test -all\"\n"
      "syntax.test. TXT \"v=spf1 ip4:192.0.2.1 ip4:192.0.2.300 -all\"\n"
      "lax.test. TXT \"v=spf1 ptr +all\"\n"
      "two.test. TXT \"v=spf1 -all\"\n"
      "two.test. TXT \"v=spf1 ~all\"\n"
      "none.test. TXT \"google-site-verification=abc\"\n"
      "redirected.test. TXT \"v=spf1 redirect=_spf.g.example\"\n"
      "neutral.test. TXT \"v=spf1 mx ?include:sendgrid.example "
      "include:_spf.g.example include:spf.outlook.example \" "
      "\"include:mail.zendesk.example include:servers.mcsv.example -all\"\n"
      "neutral.test. MX 10 mx1.busy.test.\n"
      "dup.test. TXT \"v=spf1 include:sendgrid.example "
      "include:sendgrid.example -all\"\n";

static FctResolver *
make_resolver (void)
{
  g_autoptr (GError) error = NULL;
  FctResolver *r = fct_resolver_new_zone_data (zone, sizeof zone - 1, "lint", NULL, &error);
  g_assert_no_error (error);
  return r;
}

static FctSpfLintReport *
lint (const char *domain)
{
  g_autoptr (FctResolver) r = make_resolver ();
  g_autoptr (GError) error = NULL;
  FctSpfLintReport *report = fct_spf_lint (r, NULL, domain, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static const FctSpfLintFinding *
find (const FctSpfLintReport *report, const char *id)
{
  for (guint k = 0; k < report->findings->len; k++)
    {
      const FctSpfLintFinding *f = g_ptr_array_index (report->findings, k);
      if (g_str_equal (f->id, id))
        return f;
    }
  return NULL;
}

/* The finding id, which must be there. */
static const FctSpfLintFinding *
expect (const FctSpfLintReport *report, const char *id)
{
  const FctSpfLintFinding *f = find (report, id);
  if (f == NULL)
    g_error ("no %s finding", id);
  return f;
}

static guint
count (const FctSpfLintReport *report, const char *id)
{
  guint n = 0;
  for (guint k = 0; k < report->findings->len; k++)
    n += g_str_equal (((FctSpfLintFinding *)g_ptr_array_index (report->findings, k))->id,
                      id);
  return n;
}

static void
test_google_shape (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("google-shape.test");
  g_assert_cmpstr (r->record, ==, "v=spf1 include:_spf.g.example ~all");
  /* include + 3 nested includes. */
  g_assert_cmpuint (r->dns_lookups, ==, 4);
  g_assert_cmpuint (r->void_lookups, ==, 0);
  g_assert_cmpuint (r->nodes->len, ==, 5);
  const FctSpfLintNode *n = g_ptr_array_index (r->nodes, 2);
  g_assert_cmpstr (n->domain, ==, "_netblocks.g.example");
  g_assert_cmpuint (n->depth, ==, 2);
  g_assert_cmpstr (n->via, ==, "include");
  g_assert_cmpuint (r->findings->len, ==, 0);
  g_assert_null (r->flattened);
}

static void
test_microsoft_shape (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("microsoft-shape.test");
  g_assert_cmpuint (r->dns_lookups, ==, 3);
  g_assert_cmpuint (r->nodes->len, ==, 4);
  g_assert_cmpuint (r->findings->len, ==, 0);
}

static void
test_over_limit_flattened (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("busy.test");
  /* mx, a, include x5, and 3 + 2 nested includes. */
  g_assert_cmpuint (r->dns_lookups, ==, 12);
  const FctSpfLintFinding *f = expect (r, "spf.too-many-lookups");
  g_assert_cmpint (f->severity, ==, FCT_SPF_LINT_ERROR);
  g_assert_nonnull (r->flattened);
  /* Every network of the tree, the a and mx addresses, and the original all. */
  static const char *expected[] = {
    "ip4:192.0.2.25",         "ip6:2001:db8::25",      "ip4:192.0.2.10",
    "ip4:192.0.2.0/24",       "ip4:198.51.100.0/24",   "ip6:2001:db8:4860::/48",
    "ip6:2001:db8:4000::/36", "ip4:203.0.113.0/25",    "ip4:192.0.2.128/25",
    "ip6:2001:db8:a000::/40", "ip4:198.51.100.128/25", "ip6:2001:db8:b000::/40",
    "ip4:203.0.113.128/25",   "ip4:192.0.2.64/26",     "ip4:192.0.2.192/27",
    "ip4:198.51.100.64/27",
  };
  for (gsize k = 0; k < G_N_ELEMENTS (expected); k++)
    if (strstr (r->flattened, expected[k]) == NULL)
      g_error ("%s missing from %s", expected[k], r->flattened);
  g_assert_true (g_str_has_prefix (r->flattened, "\"v=spf1 "));
  g_assert_true (g_str_has_suffix (r->flattened, " -all\""));
  /* Quoted strings of at most 255 bytes each. */
  g_auto (GStrv) parts = g_strsplit (r->flattened, "\" \"", -1);
  g_assert_cmpuint (g_strv_length (parts), >=, 2);
  for (guint k = 0; parts[k] != NULL; k++)
    g_assert_cmpuint (strlen (parts[k]), <=, 256);
  /* The suggestion parses as a record once the strings are joined. */
  g_autoptr (GString) joined = g_string_new (NULL);
  for (guint k = 0; parts[k] != NULL; k++)
    g_string_append (joined, parts[k]);
  g_autofree char *text = g_strndup (joined->str + 1, joined->len - 2);
  g_autoptr (FctSpfRecord) rec
      = fct_spf_record_parse (text, strlen (text), NULL, NULL, NULL);
  g_assert_nonnull (rec);
  g_assert_cmpuint (rec->dns_terms, ==, 0);
}

static void
test_neutral_include_kept (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("neutral.test");
  g_assert_cmpuint (r->dns_lookups, ==, 11);
  g_assert_nonnull (r->flattened);
  /* A ?include matches without passing: kept as written, its ranges not flattened. */
  g_assert_nonnull (strstr (r->flattened, "?include:sendgrid.example"));
  g_assert_null (strstr (r->flattened, "ip4:203.0.113.128/25"));
  g_assert_nonnull (strstr (r->flattened, "ip4:192.0.2.25"));
}

static void
test_exists_not_flattenable (void)
{
  g_autoptr (FctResolver) res = make_resolver ();
  FctLimits limits;
  fct_limits_init (&limits);
  limits.spf_dns_mechanisms_max = 1;
  g_autoptr (FctSpfLintReport) r
      = fct_spf_lint (res, &limits, "_spf.salesforce.example", NULL);
  /* One exists: within a limit of 1, nothing to flatten. */
  g_assert_cmpuint (r->dns_lookups, ==, 1);
  g_assert_null (find (r, "spf.too-many-lookups"));
}

static void
test_void_lookups (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("voids.test");
  g_assert_cmpuint (count (r, "spf.void-lookup"), ==, 3);
  g_assert_nonnull (find (r, "spf.include-missing"));
  g_assert_cmpuint (r->void_lookups, ==, 3);
  g_assert_nonnull (find (r, "spf.too-many-void-lookups"));
  const FctSpfLintFinding *f = expect (r, "spf.void-lookup");
  /* The offset points at "a:gone1.voids.test". */
  g_assert_cmpint (f->offset, ==, 7);
}

static void
test_loop (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("loop1.test");
  g_assert_nonnull (find (r, "spf.include-loop"));
}

static void
test_syntax_position (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("syntax.test");
  const FctSpfLintFinding *f = expect (r, "spf.syntax");
  g_assert_cmpint (f->offset, ==, 25);
}

static void
test_permissive_and_ptr (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("lax.test");
  g_assert_nonnull (find (r, "spf.ptr"));
  g_assert_cmpint (expect (r, "spf.pass-all")->severity, ==, FCT_SPF_LINT_ERROR);
}

static void
test_multiple_and_none (void)
{
  g_autoptr (FctSpfLintReport) two = lint ("two.test");
  g_assert_nonnull (find (two, "spf.multiple-records"));
  g_autoptr (FctSpfLintReport) none = lint ("none.test");
  g_assert_nonnull (find (none, "spf.no-record"));
  g_assert_null (none->record);
}

static void
test_redirect_and_duplicate (void)
{
  g_autoptr (FctSpfLintReport) r = lint ("redirected.test");
  /* redirect + the Google-shaped tree. */
  g_assert_cmpuint (r->dns_lookups, ==, 4);
  g_assert_cmpstr (r->record, ==, "v=spf1 redirect=_spf.g.example");
  g_assert_null (find (r, "spf.no-all"));

  g_autoptr (FctSpfLintReport) d = lint ("dup.test");
  g_assert_nonnull (find (d, "spf.duplicate-include"));
  g_assert_cmpuint (d->dns_lookups, ==, 2);
}

static void
test_not_a_domain (void)
{
  g_autoptr (FctResolver) r = make_resolver ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSpfLintReport) report = fct_spf_lint (r, NULL, "localhost", &error);
  g_assert_null (report);
  g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spf/lint/google-shape", test_google_shape);
  g_test_add_func ("/spf/lint/microsoft-shape", test_microsoft_shape);
  g_test_add_func ("/spf/lint/over-limit-flattened", test_over_limit_flattened);
  g_test_add_func ("/spf/lint/neutral-include-kept", test_neutral_include_kept);
  g_test_add_func ("/spf/lint/exists-within-limit", test_exists_not_flattenable);
  g_test_add_func ("/spf/lint/void-lookups", test_void_lookups);
  g_test_add_func ("/spf/lint/include-loop", test_loop);
  g_test_add_func ("/spf/lint/syntax-position", test_syntax_position);
  g_test_add_func ("/spf/lint/pass-all-and-ptr", test_permissive_and_ptr);
  g_test_add_func ("/spf/lint/multiple-and-none", test_multiple_and_none);
  g_test_add_func ("/spf/lint/redirect-and-duplicate", test_redirect_and_duplicate);
  g_test_add_func ("/spf/lint/not-a-domain", test_not_a_domain);
  return g_test_run ();
}
