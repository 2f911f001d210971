/* Authentication-Results (RFC 8601): writing values for spf, dkim, dmarc and arc, quoting
 * and header.b shortening, and parsing the examples of RFC 8601 Appendix B with their
 * comments, versions and "none", errors and limits, and a round trip. */
#include <facteur/authres.h>

#include <string.h>

static FctAuthres *
parse_ok (const char *value)
{
  g_autoptr (GError) error = NULL;
  FctAuthres *ar = fct_authres_parse (value, strlen (value), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ar);
  return ar;
}

static void
test_build (void)
{
  g_autoptr (FctAuthres) ar = fct_authres_new ("mx.example.org");
  g_autofree char *text = NULL;

  fct_authres_add_spf (ar, "pass", "sender@example.com", "mail.example.com");
  fct_authres_add_dkim (ar, "pass", "example.com", "sel1",
                        "dGhpcyBpcyBh\r\n\tIHNpZ25hdHVyZQ==");
  fct_authres_add_dmarc (ar, "pass", "example.com", "reject", "none");
  fct_authres_add_arc (ar, "none", "192.0.2.1");
  text = fct_authres_to_string (ar, FALSE);
  g_assert_cmpstr (text, ==,
                   "mx.example.org; spf=pass smtp.mailfrom=sender@example.com "
                   "smtp.helo=mail.example.com; dkim=pass header.d=example.com "
                   "header.s=sel1 header.b=dGhpcyBp; dmarc=pass (p=reject dis=none) "
                   "header.from=example.com policy.dmarc=none; arc=none "
                   "smtp.remote-ip=192.0.2.1");
}

static void
test_build_none_and_fold (void)
{
  g_autoptr (FctAuthres) ar = fct_authres_new ("mx.example.org");
  g_autofree char *none = fct_authres_to_string (ar, FALSE);
  g_autofree char *folded = NULL;

  g_assert_cmpstr (none, ==, "mx.example.org; none");
  fct_authres_add_spf (ar, "none", NULL, "helo.example");
  fct_authres_add_spf (ar, "fail", "<>", NULL);
  folded = fct_authres_to_string (ar, TRUE);
  g_assert_cmpstr (folded, ==,
                   "mx.example.org;\r\n\tspf=none smtp.helo=helo.example;\r\n\tspf=fail");
}

/* RFC 6008 §4: 8 characters, or as many as tell two signatures apart. */
static void
test_header_b_unique (void)
{
  g_autoptr (FctAuthres) ar = fct_authres_new ("mx.example.org");
  g_autofree char *text = NULL;

  fct_authres_add_dkim (ar, "pass", "a.example", NULL, "ABCDEFGHIJKL1xyz");
  fct_authres_add_dkim (ar, "fail", "b.example", NULL, "ABCDEFGHIJKL2xyz");
  fct_authres_add_dkim (ar, "pass", "c.example", NULL, "short");
  text = fct_authres_to_string (ar, FALSE);
  g_assert_nonnull (strstr (text, "header.b=ABCDEFGHIJKL1;"));
  g_assert_nonnull (strstr (text, "header.b=ABCDEFGHIJKL2;"));
  g_assert_nonnull (strstr (text, "header.b=short"));
}

/* Hostile values are quoted and cannot break the header. */
static void
test_quoting (void)
{
  g_autoptr (FctAuthres) ar = fct_authres_new ("mx example");
  g_autoptr (FctAuthres) back = NULL;
  g_autofree char *text = NULL;
  FctAuthresResult *r;

  r = fct_authres_add_spf (ar, "fail", "a b@example.com", "evil\r\nX-Injected: yes");
  fct_authres_result_set_reason (r, "bad \"quote\" \\ here");
  fct_authres_result_set_comment (r, "paren ) inside");
  fct_authres_add_dkim (ar, "pass", "example.com", NULL, "ab/cd+ef=gh");
  text = fct_authres_to_string (ar, FALSE);
  g_assert_null (strchr (text, '\r'));
  g_assert_null (strchr (text, '\n'));
  g_assert_nonnull (strstr (text, "\"mx example\";"));
  g_assert_nonnull (strstr (text, "smtp.helo=\"evil??X-Injected: yes\""));
  g_assert_nonnull (strstr (text, "header.b=\"ab/cd+ef\""));

  back = parse_ok (text);
  g_assert_cmpstr (back->authserv_id, ==, "mx example");
  r = g_ptr_array_index (back->results, 0);
  g_assert_cmpstr (r->reason, ==, "bad \"quote\" \\ here");
  g_assert_cmpstr (r->comment, ==, "paren \\) inside");
  g_assert_cmpstr (fct_authres_result_get_property (r, "smtp", "mailfrom"), ==,
                   "a b@example.com");
}

/* RFC 8601 Appendix B.2 - B.6. */
static void
test_parse_appendix_b (void)
{
  g_autoptr (FctAuthres) b2 = parse_ok ("example.org 1; none");
  g_assert_cmpstr (b2->authserv_id, ==, "example.org");
  g_assert_cmpuint (b2->version, ==, 1);
  g_assert_cmpuint (b2->results->len, ==, 0);

  g_autoptr (FctAuthres) b3 = parse_ok ("example.com; spf=pass smtp.mailfrom=example.net");
  FctAuthresResult *r = g_ptr_array_index (b3->results, 0);
  g_assert_cmpstr (r->method, ==, "spf");
  g_assert_cmpstr (r->result, ==, "pass");
  g_assert_cmpstr (fct_authres_result_get_property (r, "smtp", "mailfrom"), ==,
                   "example.net");

  g_autoptr (FctAuthres) b4 = parse_ok (
      "example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
      "          spf=pass smtp.mailfrom=example.net");
  g_assert_cmpuint (b4->results->len, ==, 2);
  r = g_ptr_array_index (b4->results, 0);
  g_assert_cmpstr (r->comment, ==, "cram-md5");
  g_assert_cmpstr (fct_authres_result_get_property (r, "smtp", "auth"), ==,
                   "sender@example.net");

  g_autoptr (FctAuthres) b6
      = parse_ok ("mail-router.example.net;\r\n     dkim=pass (good signature) "
                  "header.d=newyork.example.com\r\n           header.b=oINEO8hg;\r\n"
                  "     dkim=fail (bad signature) header.d=mail-router.example.net\r\n"
                  "           header.b=EToRSuvU");
  r = g_ptr_array_index (b6->results, 1);
  g_assert_cmpstr (r->result, ==, "fail");
  g_assert_cmpstr (r->comment, ==, "bad signature");
  g_assert_cmpstr (fct_authres_result_get_property (r, "header", "b"), ==, "EToRSuvU");

  g_autoptr (FctAuthres) iprev = parse_ok ("example.com; iprev=pass\r\n"
                                           "            policy.iprev=192.0.2.200");
  r = g_ptr_array_index (iprev->results, 0);
  g_assert_cmpstr (fct_authres_result_get_property (r, "policy", "iprev"), ==,
                   "192.0.2.200");

  /* Unquoted IPv6, as python-authres and others write it. */
  g_autoptr (FctAuthres) v6
      = parse_ok ("mail.bmsi.com; iprev=pass "
                  "policy.iprev=2001:748:100:40::2:2 (mout0.freenet.de)");
  r = g_ptr_array_index (v6->results, 0);
  g_assert_cmpstr (fct_authres_result_get_property (r, "policy", "iprev"), ==,
                   "2001:748:100:40::2:2");
}

/* RFC 8601 Appendix B.7: comments everywhere CFWS may go, and a method version. */
static void
test_parse_comments_everywhere (void)
{
  g_autoptr (FctAuthres) ar
      = parse_ok ("foo.example.net (foobar) 1 (baz);\r\n"
                  "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
                  "      policy (A dot can go here) . (like that) expired\r\n"
                  "      (this surprised me) = (as I wasn't expecting it) 1362471462");
  FctAuthresResult *r = g_ptr_array_index (ar->results, 0);

  g_assert_cmpstr (ar->authserv_id, ==, "foo.example.net");
  g_assert_cmpuint (ar->version, ==, 1);
  g_assert_cmpstr (r->method, ==, "dkim");
  g_assert_cmpuint (r->method_version, ==, 1);
  g_assert_cmpstr (r->result, ==, "fail");
  g_assert_cmpstr (fct_authres_result_get_property (r, "policy", "expired"), ==,
                   "1362471462");
}

static void
test_parse_reason_and_quotes (void)
{
  g_autoptr (FctAuthres) ar
      = parse_ok ("\"mx (quoted)\"; dkim=fail reason=\"signature \\\"expired\\\"\" "
                  "header.i=@example.com "
                  "header.b=ab/cd+e=; spf=softfail smtp.mailfrom=\"a b\"@example.com");
  FctAuthresResult *r = g_ptr_array_index (ar->results, 0);

  g_assert_cmpstr (ar->authserv_id, ==, "mx (quoted)");
  g_assert_cmpstr (r->reason, ==, "signature \"expired\"");
  g_assert_cmpstr (fct_authres_result_get_property (r, "header", "i"), ==, "@example.com");
  g_assert_cmpstr (fct_authres_result_get_property (r, "header", "b"), ==, "ab/cd+e=");
  r = g_ptr_array_index (ar->results, 1);
  g_assert_cmpstr (fct_authres_result_get_property (r, "smtp", "mailfrom"), ==,
                   "a b@example.com");
}

static void
test_parse_errors (void)
{
  static const char *const bad[] = {
    "",
    "   ",
    "example.com",                   /* neither none nor a result */
    "example.com spf=pass",          /* no ";" */
    "example.com; spf",              /* no "=" */
    "example.com; spf=",             /* no result */
    "example.com; spf=pass smtp",    /* property without "." */
    "example.com; spf=pass smtp.=x", /* no property name */
    "example.com; spf=pass smtp.mailfrom",
    "example.com; spf=pass smtp.mailfrom=",
    "example.com; spf=pass (unclosed",
    "example.com; spf=pass )",
    "example.com; spf=pass;",      /* empty resinfo */
    "example.com; -spf=pass",      /* not a Keyword */
    "example.com; none; spf=pass", /* none is alone */
    "example.com; dkim/x=pass",
    "example.com 99999999999; none",
    "example.com; spf=pass reason=\"unterminated",
    "example.com; spf=pass smtp.mailfrom=a\x01",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FctAuthres) ar = fct_authres_parse (bad[i], strlen (bad[i]), NULL, &error);
      if (ar != NULL)
        g_error ("“%s” parsed", bad[i]);
      g_assert_error (error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_SYNTAX);
    }
}

static void
test_limits (void)
{
  FctLimits limits;
  GString *value = g_string_new ("mx.example.org");
  GString *props = g_string_new ("mx.example.org; dkim=pass");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctAuthres) at = NULL;
  g_autoptr (FctAuthres) over = NULL;

  fct_limits_init (&limits);
  limits.authres_items_max = 4;
  for (guint i = 0; i < 4; i++)
    g_string_append (value, "; spf=pass");
  at = fct_authres_parse (value->str, value->len, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (at->results->len, ==, 4);
  g_string_append (value, "; spf=pass");
  over = fct_authres_parse (value->str, value->len, &limits, &error);
  g_assert_null (over);
  g_assert_error (error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_LIMIT);
  g_clear_error (&error);

  for (guint i = 0; i < 5; i++)
    g_string_append (props, " header.d=example.com");
  g_assert_null (fct_authres_parse (props->str, props->len, &limits, &error));
  g_assert_error (error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_LIMIT);
  g_string_free (value, TRUE);
  g_string_free (props, TRUE);
}

/* Deeply nested comments cost no stack. */
static void
test_deep_comments (void)
{
  GString *value = g_string_new ("mx.example.org; spf=pass ");
  g_autoptr (FctAuthres) ar = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (value, '(');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (value, ')');
  ar = fct_authres_parse (value->str, value->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ar->results->len, ==, 1);
  g_string_free (value, TRUE);
}

static void
test_round_trip (void)
{
  static const char *const values[] = {
    "mx.example.org; spf=pass smtp.mailfrom=sender@example.com smtp.helo=mail.example.com",
    "mx.example.org 1; dkim/1=fail (bad) reason=\"body hash\" header.d=example.com",
    "mx.example.org; none",
    "\"odd id\"; arc=pass smtp.remote-ip=\"2001:db8::1\"",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr (FctAuthres) ar = parse_ok (values[i]);
      g_autofree char *text = fct_authres_to_string (ar, FALSE);
      g_assert_cmpstr (text, ==, values[i]);
    }
}

/* Found by fuzz-authres: a quoted local part with "?" parsed as ?ed@___23 was written
 * bare, and "?" (a tspecial) then stopped the reader. */
static void
test_round_trip_tspecial_local_part (void)
{
  g_autoptr (FctAuthres) ar = parse_ok ("som;\ri=7 he.b=\"\\?ed\"@___23");
  g_autofree char *text = fct_authres_to_string (ar, FALSE);
  g_autoptr (FctAuthres) back = parse_ok (text);
  const FctAuthresResult *a = g_ptr_array_index (ar->results, 0);
  const FctAuthresResult *b = g_ptr_array_index (back->results, 0);
  const FctAuthresProperty *pa = g_ptr_array_index (a->properties, 0);
  const FctAuthresProperty *pb = g_ptr_array_index (b->properties, 0);
  g_assert_cmpstr (pa->value, ==, "?ed@___23");
  g_assert_cmpstr (pb->value, ==, pa->value);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/authres/build", test_build);
  g_test_add_func ("/authres/build-none-and-fold", test_build_none_and_fold);
  g_test_add_func ("/authres/header-b-unique", test_header_b_unique);
  g_test_add_func ("/authres/quoting", test_quoting);
  g_test_add_func ("/authres/parse/appendix-b", test_parse_appendix_b);
  g_test_add_func ("/authres/parse/comments-everywhere", test_parse_comments_everywhere);
  g_test_add_func ("/authres/parse/reason-and-quotes", test_parse_reason_and_quotes);
  g_test_add_func ("/authres/parse/errors", test_parse_errors);
  g_test_add_func ("/authres/parse/limits", test_limits);
  g_test_add_func ("/authres/parse/deep-comments", test_deep_comments);
  g_test_add_func ("/authres/round-trip", test_round_trip);
  g_test_add_func ("/authres/round-trip/tspecial-local-part",
                   test_round_trip_tspecial_local_part);
  return g_test_run ();
}
