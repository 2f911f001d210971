/* Unit tests for the audit's record parsers: MTA-STS TXT and policy (RFC 8461 §3.1,
 * §3.2), MX pattern matching (§4.1), TLS-RPT (RFC 8460 §3) and BIMI records. Table-driven:
 * each row is an input and whether it parses (and, when it does, what it holds). */
#include <facteur/audit.h>

#include <string.h>

typedef struct
{
  const char *text;
  const char *expect; /* the id/first URI/location when valid, NULL when refused */
} Row;

static void
test_mta_sts_record (void)
{
  static const Row rows[] = {
    { "v=STSv1; id=20160831085700Z;", "20160831085700Z" },
    { "v=STSv1;id=abc", "abc" },
    { "v=STSv1; id=abc; ext=value", "abc" },
    { "v=STSv1 ; id=abc", "abc" },
    { "v=STSv1; id=01234567890123456789012345678901", "01234567890123456789012345678901" },
    { "v=STSv1; id=012345678901234567890123456789012", NULL }, /* 33 characters */
    { "v=STSv1; id=bad-id", NULL },
    { "v=STSv1; id=", NULL },
    { "v=STSv1;", NULL },
    { "v=STSv1", NULL },
    { "v=STSv1; id=a; id=b", NULL },
    { "v=STSv1; id=a; junk", NULL },
    { "v=stsv1; id=abc", NULL }, /* %s: case-sensitive */
    { "id=abc; v=STSv1", NULL },
    { "v=STSv10; id=abc", NULL },
    { "", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *reason = NULL;
      g_autoptr (FctMtaStsRecord) r
          = fct_mta_sts_record_parse (rows[i].text, strlen (rows[i].text), &reason);
      if (rows[i].expect == NULL)
        {
          g_assert_null (r);
          g_assert_nonnull (reason);
        }
      else
        {
          g_assert_nonnull (r);
          g_assert_cmpstr (r->id, ==, rows[i].expect);
        }
    }
}

static void
test_mta_sts_policy_valid (void)
{
  static const char text[] = "version: STSv1\r\n"
                             "mode: enforce\r\n"
                             "mx: mail.example.com\r\n"
                             "mx: *.Example.NET\r\n"
                             "mx: backupmx.example.com\r\n"
                             "max_age: 604800\r\n"
                             "future_key: anything goes\r\n";
  const char *reason = NULL;
  g_autoptr (FctMtaStsPolicy) p
      = fct_mta_sts_policy_parse (text, strlen (text), NULL, &reason);
  g_assert_nonnull (p);
  g_assert_cmpint (p->mode, ==, FCT_MTA_STS_MODE_ENFORCE);
  g_assert_cmpuint (p->max_age, ==, 604800);
  g_assert_cmpuint (p->mx->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (p->mx, 1), ==, "*.example.net");
  g_assert_true (fct_mta_sts_policy_matches (p, "mail.example.com"));
  g_assert_true (fct_mta_sts_policy_matches (p, "MX1.example.net."));
  g_assert_false (fct_mta_sts_policy_matches (p, "example.net"));
  g_assert_false (fct_mta_sts_policy_matches (p, "a.b.example.net"));
  g_assert_false (fct_mta_sts_policy_matches (p, "mail.example.org"));

  /* LF only, mode none without mx, no trailing newline. */
  static const char none[] = "version: STSv1\nmode: none\nmax_age: 0";
  g_autoptr (FctMtaStsPolicy) n
      = fct_mta_sts_policy_parse (none, strlen (none), NULL, &reason);
  g_assert_nonnull (n);
  g_assert_cmpint (n->mode, ==, FCT_MTA_STS_MODE_NONE);
  g_assert_cmpuint (n->mx->len, ==, 0);
}

static void
test_mta_sts_policy_invalid (void)
{
  static const char *const texts[] = {
    "mode: enforce\nmx: a.example\nmax_age: 1\n",                        /* no version */
    "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",        /* version */
    "version: STSv1\nmx: a.example\nmax_age: 1\n",                       /* no mode */
    "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",         /* mode */
    "version: STSv1\nmode: enforce\nmx: a.example\n",                    /* no max_age */
    "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", /* over a year */
    "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n", /* 11 digits */
    "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",
    "version: STSv1\nmode: enforce\nmax_age: 1\n",                  /* no mx */
    "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n", /* bad pattern */
    "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n",
    "version: STSv1\nmode: enforce\nmx: -a.example\nmax_age: 1\n",
    "version: STSv1\nmode: enforce\nmx: a.example\nmax_age 1\n",  /* no colon */
    "version: STSv1\rmode: enforce\nmx: a.example\nmax_age: 1\n", /* bare CR */
    "<html><body>Not found</body></html>",
    "",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      const char *reason = NULL;
      g_autoptr (FctMtaStsPolicy) p
          = fct_mta_sts_policy_parse (texts[i], strlen (texts[i]), NULL, &reason);
      g_assert_null (p);
      g_assert_nonnull (reason);
    }
}

static void
test_mta_sts_policy_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.mta_sts_policy_max_bytes = 64;
  g_autoptr (GString) s = g_string_new ("version: STSv1\nmode: testing\nmax_age: 1\n");
  while (s->len <= 64)
    g_string_append (s, "mx: a.example\n");
  const char *reason = NULL;
  g_autoptr (FctMtaStsPolicy) p
      = fct_mta_sts_policy_parse (s->str, s->len, &limits, &reason);
  g_assert_null (p);
  g_assert_cmpstr (reason, ==, "the policy is larger than the limit");
}

static void
test_mx_match (void)
{
  static const struct
  {
    const char *pattern, *host;
    gboolean match;
  } rows[] = {
    { "mail.example.com", "mail.example.com", TRUE },
    { "mail.example.com", "MAIL.example.com.", TRUE },
    { "mail.example.com", "mail.example.co", FALSE },
    { "*.example.com", "mx.example.com", TRUE },
    { "*.example.com", "example.com", FALSE },
    { "*.example.com", "a.mx.example.com", FALSE },
    { "*.example.com", ".example.com", FALSE },
    { "*.example.com", "mxexample.com", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_cmpint (fct_mta_sts_mx_match (rows[i].pattern, rows[i].host), ==,
                     rows[i].match);
}

static void
test_tlsrpt (void)
{
  static const Row rows[] = {
    { "v=TLSRPTv1; rua=mailto:reports@example.com", "mailto:reports@example.com" },
    { "v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt",
      "https://reporting.example.com/v1/tlsrpt" },
    { "v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.net/x;",
      "mailto:a@example.com" },
    { "v=TLSRPTv1; rua=mailto:a@example.com; ext=1", "mailto:a@example.com" },
    { "v=TLSRPTv1; rua=ftp://example.com/x", NULL },
    { "v=TLSRPTv1; rua=", NULL },
    { "v=TLSRPTv1; rua=mailto:a@example.com,", NULL },
    { "v=TLSRPTv1;", NULL },
    { "v=TLSRPTv1; rua=mailto:a@x; rua=mailto:b@x", NULL },
    { "rua=mailto:a@example.com; v=TLSRPTv1", NULL },
    { "v=TLSRPTv2; rua=mailto:a@example.com", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *reason = NULL;
      g_autoptr (FctTlsRptRecord) r
          = fct_tlsrpt_record_parse (rows[i].text, strlen (rows[i].text), &reason);
      if (rows[i].expect == NULL)
        g_assert_null (r);
      else
        {
          g_assert_nonnull (r);
          g_assert_cmpstr (g_ptr_array_index (r->rua, 0), ==, rows[i].expect);
        }
    }
  g_autoptr (FctTlsRptRecord) two
      = fct_tlsrpt_record_parse (rows[2].text, strlen (rows[2].text), NULL);
  g_assert_cmpuint (two->rua->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (two->rua, 1), ==, "https://r.example.net/x");
}

static void
test_bimi (void)
{
  static const Row rows[] = {
    { "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem",
      "https://example.com/logo.svg" },
    { "v=BIMI1; l=https://example.com/logo.svg", "https://example.com/logo.svg" },
    { "v=BIMI1; l=; a=;", "" }, /* a declination to publish */
    { "v=BIMI1; l=https://example.com/logo.svg; s=unknown",
      "https://example.com/logo.svg" },
    /* Found by fuzz-bimi: the scheme and the suffix compare without case. */
    { "v=BIMI1; l=httPs://ex.svg; a=https://eple.coc.pem", "httPs://ex.svg" },
    { "v=BIMI1; l=https://example.com/LOGO.Svg", "https://example.com/LOGO.Svg" },
    { "v=BIMI1; l=.svg", NULL },
    { "v=BIMI1; l=http://example.com/logo.svg", NULL },
    { "v=BIMI1; l=https://example.com/logo.png", NULL },
    { "v=BIMI1; l=https://example.com/logo.svg; a=http://example.com/vmc.pem", NULL },
    { "v=BIMI1; a=https://example.com/vmc.pem", NULL },
    { "v=BIMI1; l=https://a/x.svg; l=https://b/y.svg", NULL },
    { "v=BIMI2; l=https://example.com/logo.svg", NULL },
    { "l=https://example.com/logo.svg; v=BIMI1", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *reason = NULL;
      g_autoptr (FctBimiRecord) r
          = fct_bimi_record_parse (rows[i].text, strlen (rows[i].text), &reason);
      if (rows[i].expect == NULL)
        {
          g_assert_null (r);
          g_assert_nonnull (reason);
        }
      else
        {
          g_assert_nonnull (r);
          g_assert_cmpstr (r->location, ==, rows[i].expect);
        }
    }
}

/* Parsers take bytes, not strings: a NUL inside a record is data, not an end. */
static void
test_embedded_nul (void)
{
  static const char sts[] = "v=STSv1; id=ab\0cd";
  g_assert_null (fct_mta_sts_record_parse (sts, sizeof sts - 1, NULL));
  static const char policy[]
      = "version: STSv1\nmode: enforce\nmx: a\0.example\nmax_age: 1\n";
  g_assert_null (fct_mta_sts_policy_parse (policy, sizeof policy - 1, NULL, NULL));
  static const char rpt[] = "v=TLSRPTv1; rua=mailto:a@\0x";
  g_assert_null (fct_tlsrpt_record_parse (rpt, sizeof rpt - 1, NULL));
}

/* A host name or suffix of LDH labels ("*" allowed in a pattern). */
static gboolean
is_hostname (const char *s, gboolean pattern)
{
  if (s[0] == '\0' || s[0] == '.' || g_str_has_suffix (s, ".") || strstr (s, "..") != NULL)
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_'
          || (pattern && *p == '*'))
        || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* Every row of data/audit/mail-providers.tsv is complete and sourced. */
static void
test_providers_table (void)
{
  gsize n = 0;
  const FctAuditProvider *const *rows = fct_audit_providers (&n);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_assert_cmpuint (n, >=, 20);
  for (gsize i = 0; i < n; i++)
    {
      const FctAuditProvider *p = rows[i];
      g_assert_true (is_hostname (p->pattern, TRUE));
      g_assert_true (is_hostname (p->include, FALSE));
      g_assert_cmpuint (strlen (p->name), >, 0);
      g_assert_true (g_str_has_prefix (p->source, "https://"));
      g_assert_true (g_hash_table_add (seen, (gpointer)p->pattern));
    }
}

static void
test_providers_match (void)
{
  static const struct
  {
    const char *host, *include;
  } rows[] = {
    { "aspmx.l.google.com", "_spf.google.com" },
    { "ALT1.ASPMX.L.GOOGLE.COM.", "_spf.google.com" },
    { "contoso-com.mail.protection.outlook.com", "spf.protection.outlook.com" },
    { "mx1.mail.ovh.net", "mx.ovh.com" },
    { "spool.mail.gandi.net", "_mailcust.gandi.net" },
    { "mx00.ionos.fr", "_spf-eu.ionos.com" },
    { "mta-gw.infomaniak.ch", "spf.infomaniak.ch" },
    { "mx.zoho.eu", "zoho.eu" },
    { "mail.protonmail.ch", "_spf.protonmail.ch" },
    { "in1-smtp.messagingengine.com", "spf.messagingengine.com" },
    { "inbound-smtp.eu-west-1.amazonaws.com", "amazonses.com" },
    /* Look-alikes and near misses are not the provider. */
    { "aspmx.l.google.com.evil.test", NULL },
    { "notgoogle.com", NULL },
    { "ec2-192-0-2-1.compute-1.amazonaws.com", NULL },
    { "mail.example.com", NULL },
    /* Orange documents no include for customers' domains (data/audit/README.md): none is
     * invented, the fix stays "mx". */
    { "smtp-in.orange.fr", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const FctAuditProvider *p = fct_audit_provider_for_mx (rows[i].host);
      g_assert_cmpstr (p != NULL ? p->include : NULL, ==, rows[i].include);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit/mta-sts/record", test_mta_sts_record);
  g_test_add_func ("/audit/mta-sts/policy-valid", test_mta_sts_policy_valid);
  g_test_add_func ("/audit/mta-sts/policy-invalid", test_mta_sts_policy_invalid);
  g_test_add_func ("/audit/mta-sts/policy-limit", test_mta_sts_policy_limit);
  g_test_add_func ("/audit/mta-sts/mx-match", test_mx_match);
  g_test_add_func ("/audit/providers/table", test_providers_table);
  g_test_add_func ("/audit/providers/match", test_providers_match);
  g_test_add_func ("/audit/tlsrpt", test_tlsrpt);
  g_test_add_func ("/audit/bimi", test_bimi);
  g_test_add_func ("/audit/embedded-nul", test_embedded_nul);
  return g_test_run ();
}
