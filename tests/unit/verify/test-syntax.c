/* facteur — unit tests of the address syntax parser beyond the conformance corpora:
 * envelope forms, UTF-8 (RFC 6531), IDNA, NULs, DNS-dependent diagnoses. */
#include <facteur/verify.h>
#include <string.h>

static FctVerifySyntax *
parse (const char *s)
{
  return fct_verify_syntax_parse (s, strlen (s));
}

static void
test_envelope_form (void)
{
  g_autoptr (FctVerifySyntax) s = parse ("(who) John.Doe @ (where) Example.COM ");
  g_assert_cmpint (s->category, ==, FCT_VERIFY_CATEGORY_DEPRECATED);
  g_assert_cmpstr (s->local_part, ==, "John.Doe");
  g_assert_cmpstr (s->domain, ==, "Example.COM");
  g_assert_cmpstr (s->domain_ascii, ==, "example.com");
  g_assert_cmpuint (s->domain_labels, ==, 2);

  g_autoptr (FctVerifySyntax) q = parse ("\"john doe\"@example.com");
  g_assert_cmpint (q->diagnosis, ==, FCT_VERIFY_DIAG_RFC5321_QUOTED_STRING);
  g_assert_cmpstr (q->local_part, ==, "\"john doe\"");
}

static void
test_utf8_local_part_needs_smtputf8 (void)
{
  g_autoptr (FctVerifySyntax) s = parse ("josé@exemple.fr");
  g_assert_cmpint (s->diagnosis, ==, FCT_VERIFY_DIAG_VALID);
  g_assert_true (s->local_utf8);
  g_assert_false (s->domain_utf8);

  g_autoptr (FctVerifySyntax) a = parse ("jose@exemple.fr");
  g_assert_false (a->local_utf8);
}

static void
test_idn_domain (void)
{
  g_autoptr (FctVerifySyntax) s = parse ("info@bücher.example");
  g_assert_cmpint (s->diagnosis, ==, FCT_VERIFY_DIAG_VALID);
  g_assert_true (s->domain_utf8);
  g_assert_cmpstr (s->domain_ascii, ==, "xn--bcher-kva.example");
}

/* The domain is checked again after IDNA mapping (RFC 5891 §5.3-5.4, RFC 5321 §4.1.2):
 * what UTS #46 maps a U-label to is what would go on the wire. */
static void
test_idn_mapped_domain_rechecked (void)
{
  static const char *const refused[] = {
    "test@\u200B",                  /* zero-width space: maps to nothing, no domain */
    "test@example.com\uFF0E",       /* a full-width dot: a trailing dot once mapped */
    "test@exa\uFF0E\uFF0Emple.com", /* two full-width dots: an empty label */
    "test@exa\u037Emple.com",       /* GREEK QUESTION MARK is ";" after NFC */
    "test@exa\u1FEFmple.com",       /* GREEK VARIA is a backquote after NFC */
    "test@exa\u200Bmple.com",       /* an invisible character the mapping would drop */
    "test@exa\u00ADmple.com",       /* a soft hyphen, likewise */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (FctVerifySyntax) s = parse (refused[i]);
      if (s->domain_ascii != NULL)
        g_error ("%s: mapped to a usable %s", refused[i], s->domain_ascii);
    }
  /* A full-width dot between labels is an ordinary dot once mapped. */
  g_autoptr (FctVerifySyntax) ok = parse ("info@b\u00FCcher\uFF0Eexample");
  g_assert_cmpstr (ok->domain_ascii, ==, "xn--bcher-kva.example");
  g_assert_true (fct_verify_domain_is_ldh ("xn--bcher-kva.example"));
  g_assert_false (fct_verify_domain_is_ldh ("a..b"));
  g_assert_false (fct_verify_domain_is_ldh ("-a.b"));
  g_assert_false (fct_verify_domain_is_ldh ("a.b."));
  g_assert_false (fct_verify_domain_is_ldh ("a;b.c"));
}

static void
test_c1_controls_refused (void)
{
  g_autoptr (FctVerifySyntax) s = parse ("a\xC2\x85"
                                         "b@example.com");
  g_assert_cmpint (s->diagnosis, ==, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
}

static void
test_malformed_utf8 (void)
{
  g_autoptr (FctVerifySyntax) s = parse ("a\xC3(b@example.com");
  g_assert_cmpint (s->diagnosis, ==, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
  g_autoptr (FctVerifySyntax) o = parse ("a\xC0\xAF@example.com"); /* overlong "/" */
  g_assert_cmpint (o->diagnosis, ==, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
  g_assert_null (o->local_part);
}

/* The two NUL cases isemail's harness adds in code (SOURCE.md): JSON cannot hold them. */
static void
test_nul_cases (void)
{
  g_autoptr (FctVerifySyntax) d = fct_verify_syntax_parse ("test@[\0", 7);
  g_assert_cmpint (d->diagnosis, ==, FCT_VERIFY_DIAG_ERR_EXPECTING_DTEXT);
  g_autoptr (FctVerifySyntax) c = fct_verify_syntax_parse ("(\0)test@example.com", 19);
  g_assert_cmpint (c->diagnosis, ==, FCT_VERIFY_DIAG_ERR_EXPECTING_CTEXT);
}

/* Found by fuzz-address: a NUL in an obsolete quoted pair used to be cut off the
 * envelope form silently, so the form parsed differently from the address. */
static void
test_nul_in_quoted_pair (void)
{
  g_autoptr (FctVerifySyntax) s = fct_verify_syntax_parse ("\"a\\\0\"@example.com", 17);
  g_assert_cmpint (s->diagnosis, ==, FCT_VERIFY_DIAG_DEPREC_QP);
  g_assert_cmpuint (s->local_part_len, ==, 5);
  g_assert_cmpmem (s->local_part, 5, "\"a\\\0\"", 5);
  g_assert_cmpuint (s->domain_len, ==, 11);
}

static void
test_deep_comments (void)
{
  /* Nesting is counted, not stacked: deep input costs no memory. */
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '(');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, ')');
  g_string_append (s, "a@example.com");
  g_autoptr (FctVerifySyntax) r = fct_verify_syntax_parse (s->str, s->len);
  g_assert_cmpint (r->diagnosis, ==, FCT_VERIFY_DIAG_CFWS_COMMENT);
  g_string_free (s, TRUE);
}

static void
test_apply_dns (void)
{
  g_autoptr (FctVerifySyntax) a = parse ("a@example.com");
  fct_verify_syntax_apply_dns (a, FALSE, TRUE);
  g_assert_cmpint (a->diagnosis, ==, FCT_VERIFY_DIAG_DNSWARN_NO_MX_RECORD);
  g_assert_cmpint (a->category, ==, FCT_VERIFY_CATEGORY_DNSWARN);

  g_autoptr (FctVerifySyntax) b = parse ("a@example.com");
  fct_verify_syntax_apply_dns (b, FALSE, FALSE);
  g_assert_cmpint (b->diagnosis, ==, FCT_VERIFY_DIAG_DNSWARN_NO_RECORD);

  g_autoptr (FctVerifySyntax) c = parse ("a@example.com");
  fct_verify_syntax_apply_dns (c, TRUE, TRUE);
  g_assert_cmpint (c->diagnosis, ==, FCT_VERIFY_DIAG_VALID);

  g_autoptr (FctVerifySyntax) t = parse ("a@museum");
  fct_verify_syntax_apply_dns (t, FALSE, FALSE);
  g_assert_cmpint (t->diagnosis, ==, FCT_VERIFY_DIAG_RFC5321_TLD);

  /* Comments already rank above any DNS warning: DNS does not change them. */
  g_autoptr (FctVerifySyntax) k = parse ("(x)a@example.com");
  fct_verify_syntax_apply_dns (k, FALSE, FALSE);
  g_assert_cmpint (k->diagnosis, ==, FCT_VERIFY_DIAG_CFWS_COMMENT);
}

static void
test_names (void)
{
  g_assert_cmpstr (fct_verify_diag_to_string (FCT_VERIFY_DIAG_ERR_NO_DOMAIN), ==,
                   "err_no_domain");
  g_assert_cmpstr (fct_verify_diag_to_isemail (FCT_VERIFY_DIAG_RFC5321_TLD_NUMERIC), ==,
                   "ISEMAIL_RFC5321_TLDNUMERIC");
  g_assert_null (fct_verify_diag_to_string ((FctVerifyDiag)1));
  g_assert_cmpint (fct_verify_diag_get_category (FCT_VERIFY_DIAG_RFC5321_IPV6_DEPRECATED),
                   ==, FCT_VERIFY_CATEGORY_DEPRECATED);
  g_assert_cmpstr (fct_verify_category_to_string (FCT_VERIFY_CATEGORY_RFC5322), ==,
                   "rfc5322");
  g_assert_cmpstr (fct_verify_verdict_to_string (FCT_VERIFY_VERDICT_RISKY), ==, "risky");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/verify/syntax/envelope-form", test_envelope_form);
  g_test_add_func ("/verify/syntax/utf8-local-part", test_utf8_local_part_needs_smtputf8);
  g_test_add_func ("/verify/syntax/idn-domain", test_idn_domain);
  g_test_add_func ("/verify/syntax/c1-controls", test_c1_controls_refused);
  g_test_add_func ("/verify/syntax/idn-mapped-domain", test_idn_mapped_domain_rechecked);
  g_test_add_func ("/verify/syntax/malformed-utf8", test_malformed_utf8);
  g_test_add_func ("/verify/syntax/nul-cases", test_nul_cases);
  g_test_add_func ("/verify/syntax/nul-in-quoted-pair", test_nul_in_quoted_pair);
  g_test_add_func ("/verify/syntax/deep-comments", test_deep_comments);
  g_test_add_func ("/verify/syntax/apply-dns", test_apply_dns);
  g_test_add_func ("/verify/syntax/names", test_names);
  return g_test_run ();
}
