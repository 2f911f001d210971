/* DMARC policy records (RFC 9989 §4.7-4.8): the version tag, every tag's values,
 * defaults, the obsolete report size, the tags RFC 9989 removed, and the length cap. */
#include <facteur/dmarc.h>

#include <string.h>

static FctDmarcRecord *
parse (const char *text)
{
  return fct_dmarc_record_parse (text, strlen (text), NULL);
}

static void
test_version (void)
{
  static const struct
  {
    const char *text;
    gboolean dmarc;
  } cases[] = {
    { "v=DMARC1", TRUE },
    { "v=DMARC1;", TRUE },
    { " v = DMARC1 ; p = reject", TRUE },
    { "V=DMARC1; p=none", TRUE },  /* ABNF tag names are case-insensitive */
    { "v=dmarc1; p=none", FALSE }, /* %s"DMARC1" is case-sensitive */
    { "v=DMARC1x; p=none", FALSE },
    { "v=DMARC2; p=none", FALSE },
    { "p=reject; v=DMARC1", FALSE }, /* v must be first */
    { "v=spf1 -all", FALSE },
    { "", FALSE },
    { "v=", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FctDmarcRecord) r = parse (cases[i].text);
      g_assert_cmpint (fct_dmarc_record_is_dmarc1 (cases[i].text, strlen (cases[i].text)),
                       ==, cases[i].dmarc);
      g_assert_cmpint (r != NULL, ==, cases[i].dmarc);
    }
}

static void
test_defaults (void)
{
  g_autoptr (FctDmarcRecord) r = parse ("v=DMARC1");
  g_assert_nonnull (r);
  g_assert_cmpint (r->p, ==, FCT_DMARC_POLICY_UNSET);
  g_assert_cmpint (r->sp, ==, FCT_DMARC_POLICY_UNSET);
  g_assert_cmpint (r->np, ==, FCT_DMARC_POLICY_UNSET);
  g_assert_cmpint (r->adkim, ==, FCT_DMARC_ALIGNMENT_RELAXED);
  g_assert_cmpint (r->aspf, ==, FCT_DMARC_ALIGNMENT_RELAXED);
  g_assert_cmpint (r->psd, ==, FCT_DMARC_PSD_UNKNOWN);
  g_assert_false (r->testing);
  g_assert_null (r->fo);
  g_assert_cmpuint (r->rua->len, ==, 0);
  g_assert_cmpint (r->pct, ==, -1);
  g_assert_cmpint (r->ri, ==, -1);
  g_assert_cmpint (r->flags, ==, FCT_DMARC_RECORD_FLAG_NONE);
}

/* RFC 9989 Appendix B.2.1 and B.2.5. */
static void
test_appendix_b2 (void)
{
  g_autoptr (FctDmarcRecord) a
      = parse ("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
  g_autoptr (FctDmarcRecord) b
      = parse ("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
               "mailto:tld-test@thirdparty.example.net; t=y");

  g_assert_cmpint (a->p, ==, FCT_DMARC_POLICY_NONE);
  g_assert_cmpuint (a->rua->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (a->rua, 0), ==, "mailto:dmarc-feedback@example.com");
  g_assert_cmpint (a->flags, ==, FCT_DMARC_RECORD_FLAG_NONE);

  g_assert_cmpint (b->p, ==, FCT_DMARC_POLICY_QUARANTINE);
  g_assert_true (b->testing);
  g_assert_cmpuint (b->rua->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (b->rua, 1), ==,
                   "mailto:tld-test@thirdparty.example.net");
  g_assert_cmpint (b->flags, ==, FCT_DMARC_RECORD_FLAG_NONE);
}

static void
test_all_tags (void)
{
  g_autoptr (FctDmarcRecord) r
      = parse ("v=DMARC1; p=Reject; sp=quarantine; np=none; adkim=s; aspf=S; psd=y; "
               "t=n; fo=1:d:s; ruf=mailto:f@example.com; rua=https://r.example.com/x");

  g_assert_cmpint (r->p, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpint (r->sp, ==, FCT_DMARC_POLICY_QUARANTINE);
  g_assert_cmpint (r->np, ==, FCT_DMARC_POLICY_NONE);
  g_assert_cmpint (r->adkim, ==, FCT_DMARC_ALIGNMENT_STRICT);
  g_assert_cmpint (r->aspf, ==, FCT_DMARC_ALIGNMENT_STRICT);
  g_assert_cmpint (r->psd, ==, FCT_DMARC_PSD_YES);
  g_assert_false (r->testing);
  g_assert_cmpstr (r->fo, ==, "1:d:s");
  g_assert_cmpstr (g_ptr_array_index (r->ruf, 0), ==, "mailto:f@example.com");
  g_assert_cmpstr (g_ptr_array_index (r->rua, 0), ==, "https://r.example.com/x");
  g_assert_cmpint (r->flags, ==, FCT_DMARC_RECORD_FLAG_NONE);

  g_autoptr (FctDmarcRecord) n = parse ("v=DMARC1; psd=n");
  g_assert_cmpint (n->psd, ==, FCT_DMARC_PSD_NO);
  g_autoptr (FctDmarcRecord) u = parse ("v=DMARC1; psd=u");
  g_assert_cmpint (u->psd, ==, FCT_DMARC_PSD_UNKNOWN);
  g_assert_cmpint (u->flags, ==, FCT_DMARC_RECORD_FLAG_NONE);
}

static void
test_bad_values (void)
{
  static const struct
  {
    const char *text;
    FctDmarcRecordFlags flag;
  } cases[] = {
    { "v=DMARC1; p=bogus", FCT_DMARC_RECORD_FLAG_BAD_P },
    { "v=DMARC1; p=none; sp=maybe", FCT_DMARC_RECORD_FLAG_BAD_SP },
    { "v=DMARC1; p=none; np=", FCT_DMARC_RECORD_FLAG_BAD_SYNTAX },
    { "v=DMARC1; p=none; np=all", FCT_DMARC_RECORD_FLAG_BAD_NP },
    { "v=DMARC1; p=none; adkim=x", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; psd=maybe", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; t=yes", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; fo=0:1", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; fo=d:d", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; fo=0:", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; fo=x", FCT_DMARC_RECORD_FLAG_BAD_VALUE },
    { "v=DMARC1; p=none; garbage", FCT_DMARC_RECORD_FLAG_BAD_SYNTAX },
    { "v=DMARC1; p=none; r2d2=x", FCT_DMARC_RECORD_FLAG_BAD_SYNTAX },
    { "v=DMARC1; p=none; p=reject", FCT_DMARC_RECORD_FLAG_DUPLICATE_TAG },
    { "v=DMARC1; p=none; v=DMARC1", FCT_DMARC_RECORD_FLAG_DUPLICATE_TAG },
    { "v=DMARC1; p=none; foo=bar", FCT_DMARC_RECORD_FLAG_UNKNOWN_TAG },
    { "v=DMARC1; p=none; rua=not a uri", FCT_DMARC_RECORD_FLAG_BAD_URI },
    { "v=DMARC1; p=none; rua=mailto:a@example.com!x", FCT_DMARC_RECORD_FLAG_BAD_URI },
    { "v=DMARC1; p=none; p2=\x01", FCT_DMARC_RECORD_FLAG_BAD_SYNTAX },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FctDmarcRecord) r = parse (cases[i].text);
      g_assert_nonnull (r);
      if ((r->flags & cases[i].flag) == 0)
        g_error ("%s: flags 0x%x lack 0x%x", cases[i].text, r->flags, cases[i].flag);
    }

  /* A bad value leaves the default in place and the first occurrence wins. */
  g_autoptr (FctDmarcRecord) dup = parse ("v=DMARC1; p=none; p=reject; adkim=x");
  g_assert_cmpint (dup->p, ==, FCT_DMARC_POLICY_NONE);
  g_assert_cmpint (dup->adkim, ==, FCT_DMARC_ALIGNMENT_RELAXED);
}

static void
test_fo_forms (void)
{
  static const char *const good[] = { "0", "1", "d", "s", "0:d", "d:0", "1:s:d", "s:d:1" };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *text = g_strdup_printf ("v=DMARC1; p=none; fo=%s", good[i]);
      g_autoptr (FctDmarcRecord) r = parse (text);
      g_assert_cmpstr (r->fo, ==, good[i]);
    }
}

static void
test_uri_list (void)
{
  g_autoptr (FctDmarcRecord) r
      = parse ("v=DMARC1; p=none; rua=mailto:a@example.com!10m , mailto:b@example.com!5,"
               "bad uri,mailto:c%2Cd@example.com");

  g_assert_cmpuint (r->rua->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (r->rua, 0), ==, "mailto:a@example.com");
  g_assert_cmpstr (g_ptr_array_index (r->rua, 1), ==, "mailto:b@example.com");
  g_assert_cmpstr (g_ptr_array_index (r->rua, 2), ==, "mailto:c%2Cd@example.com");
  g_assert_true (r->flags & FCT_DMARC_RECORD_FLAG_BAD_URI);
}

/* RFC 9989 Appendix A.6 and C: pct, rf and ri are read, flagged and kept for legacy. */
static void
test_removed_tags (void)
{
  g_autoptr (FctDmarcRecord) r = parse ("v=DMARC1; p=reject; pct=25; rf=afrf; ri=86400");
  g_assert_true (r->flags & FCT_DMARC_RECORD_FLAG_REMOVED_TAG);
  g_assert_cmpint (r->pct, ==, 25);
  g_assert_cmpstr (r->rf, ==, "afrf");
  g_assert_cmpint (r->ri, ==, 86400);

  g_autoptr (FctDmarcRecord) bad = parse ("v=DMARC1; p=reject; pct=101");
  g_assert_cmpint (bad->pct, ==, -1);
  g_assert_true (bad->flags & FCT_DMARC_RECORD_FLAG_BAD_VALUE);
  g_autoptr (FctDmarcRecord) huge = parse ("v=DMARC1; p=reject; ri=99999999999999999999");
  g_assert_cmpint (huge->ri, ==, -1);
}

/* A 10 KB record: flagged, not parsed, bounded copy. */
static void
test_too_long (void)
{
  GString *text = g_string_new ("v=DMARC1; p=reject; rua=");
  while (text->len < 10 * 1024)
    g_string_append (text, "mailto:reports@example.com,");
  g_autoptr (FctDmarcRecord) r = fct_dmarc_record_parse (text->str, text->len, NULL);
  g_assert_nonnull (r);
  g_assert_true (r->flags & FCT_DMARC_RECORD_FLAG_TOO_LONG);
  g_assert_cmpint (r->p, ==, FCT_DMARC_POLICY_UNSET);
  g_assert_cmpuint (strlen (r->text), ==, fct_limits_default ()->dmarc_record_max_bytes);
  g_string_free (text, TRUE);

  /* At the limit exactly, it is parsed. */
  FctLimits limits;
  fct_limits_init (&limits);
  limits.dmarc_record_max_bytes = 19;
  g_autoptr (FctDmarcRecord) at
      = fct_dmarc_record_parse ("v=DMARC1; p=reject", 18, &limits);
  g_assert_cmpint (at->p, ==, FCT_DMARC_POLICY_REJECT);
  limits.dmarc_record_max_bytes = 17;
  g_autoptr (FctDmarcRecord) over
      = fct_dmarc_record_parse ("v=DMARC1; p=reject", 18, &limits);
  g_assert_true (over->flags & FCT_DMARC_RECORD_FLAG_TOO_LONG);
}

/* Bytes with no NUL terminator, and embedded NULs, stay inside len. */
static void
test_not_terminated (void)
{
  static const char bytes[] = { 'v', '=', 'D', 'M', 'A', 'R', 'C', '1',  ';', 'p',
                                '=', 'n', 'o', 'n', 'e', ';', 'p', '\0', '=' };
  g_autoptr (FctDmarcRecord) r = fct_dmarc_record_parse (bytes, sizeof bytes, NULL);
  g_assert_cmpint (r->p, ==, FCT_DMARC_POLICY_NONE);
  g_assert_true (r->flags & FCT_DMARC_RECORD_FLAG_BAD_SYNTAX);
  g_autoptr (FctDmarcRecord) cut = fct_dmarc_record_parse (bytes, 7, NULL);
  g_assert_null (cut);
}

static void
test_names (void)
{
  g_assert_cmpstr (fct_dmarc_result_to_string (FCT_DMARC_RESULT_TEMPERROR), ==,
                   "temperror");
  g_assert_cmpstr (fct_dmarc_policy_to_string (FCT_DMARC_POLICY_QUARANTINE), ==,
                   "quarantine");
  g_assert_cmpstr (fct_dmarc_policy_source_to_string (FCT_DMARC_POLICY_FROM_NP), ==, "np");
  g_assert_cmpstr (fct_dmarc_auth_result_to_string (FCT_DMARC_AUTH_SOFTFAIL), ==,
                   "softfail");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dmarc/record/version", test_version);
  g_test_add_func ("/dmarc/record/defaults", test_defaults);
  g_test_add_func ("/dmarc/record/appendix-b2", test_appendix_b2);
  g_test_add_func ("/dmarc/record/all-tags", test_all_tags);
  g_test_add_func ("/dmarc/record/bad-values", test_bad_values);
  g_test_add_func ("/dmarc/record/fo-forms", test_fo_forms);
  g_test_add_func ("/dmarc/record/uri-list", test_uri_list);
  g_test_add_func ("/dmarc/record/removed-tags", test_removed_tags);
  g_test_add_func ("/dmarc/record/too-long", test_too_long);
  g_test_add_func ("/dmarc/record/not-terminated", test_not_terminated);
  g_test_add_func ("/dmarc/record/names", test_names);
  return g_test_run ();
}
