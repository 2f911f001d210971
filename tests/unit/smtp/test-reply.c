/* facteur — unit tests of the SMTP reply parser (RFC 5321 §4.2, RFC 3463 §2). */
#include <facteur/smtp.h>
#include <string.h>

static FctSmtpParseStatus
parse_one (const char *wire, gsize line_max, guint lines_max, FctSmtpReply **reply,
           GError **error)
{
  g_autoptr (FctSmtpReplyParser) p = fct_smtp_reply_parser_new (line_max, lines_max);
  fct_smtp_reply_parser_push (p, (const guint8 *)wire, strlen (wire));
  return fct_smtp_reply_parser_next (p, reply, error);
}

static void
test_single (void)
{
  g_autoptr (FctSmtpReply) r = NULL;
  g_assert_cmpint (parse_one ("250 2.1.5 Ok\r\n", 512, 10, &r, NULL), ==,
                   FCT_SMTP_PARSE_REPLY);
  g_assert_cmpuint (r->code, ==, 250);
  g_assert_cmpstr (r->enhanced, ==, "2.1.5");
  g_assert_cmpuint (r->lines->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r->lines, 0), ==, "2.1.5 Ok");
}

static void
test_multiline_ehlo (void)
{
  g_autoptr (FctSmtpReply) r = NULL;
  const char *wire = "250-mx.example.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
                     "250-SMTPUTF8\r\n250 8BITMIME\r\n";
  g_assert_cmpint (parse_one (wire, 512, 10, &r, NULL), ==, FCT_SMTP_PARSE_REPLY);
  g_assert_cmpuint (r->lines->len, ==, 5);
  g_assert_true (fct_smtp_reply_has_extension (r, "starttls"));
  g_assert_true (fct_smtp_reply_has_extension (r, "SMTPUTF8"));
  g_assert_false (fct_smtp_reply_has_extension (r, "SMTP"));
  /* The greeting line is not an extension. */
  g_assert_false (fct_smtp_reply_has_extension (r, "mx.example.test"));
  g_autofree char *text = fct_smtp_reply_to_string (r);
  g_assert_cmpstr (text, ==, "mx.example.test\nPIPELINING\nSTARTTLS\nSMTPUTF8\n8BITMIME");
}

static void
test_bare_code_and_lf (void)
{
  g_autoptr (FctSmtpReply) r = NULL;
  g_assert_cmpint (parse_one ("354\n", 512, 10, &r, NULL), ==, FCT_SMTP_PARSE_REPLY);
  g_assert_cmpuint (r->code, ==, 354);
  g_assert_cmpstr (r->enhanced, ==, "");
}

static void
test_enhanced_must_match_class (void)
{
  g_autoptr (FctSmtpReply) r = NULL;
  g_assert_cmpint (parse_one ("550 2.1.5 odd\r\n", 512, 10, &r, NULL), ==,
                   FCT_SMTP_PARSE_REPLY);
  g_assert_cmpstr (r->enhanced, ==, "");
  g_clear_pointer (&r, fct_smtp_reply_free);
  g_assert_cmpint (parse_one ("550 5.1.1234 odd\r\n", 512, 10, &r, NULL), ==,
                   FCT_SMTP_PARSE_REPLY);
  g_assert_cmpstr (r->enhanced, ==, "");
}

static void
test_trickled (void)
{
  g_autoptr (FctSmtpReplyParser) p = fct_smtp_reply_parser_new (512, 10);
  const char *wire = "220-first\r\n220 second\r\n";
  FctSmtpReply *r = NULL;

  for (gsize i = 0; i < strlen (wire) - 1; i++)
    {
      fct_smtp_reply_parser_push (p, (const guint8 *)wire + i, 1);
      g_assert_cmpint (fct_smtp_reply_parser_next (p, &r, NULL), ==, FCT_SMTP_PARSE_MORE);
    }
  fct_smtp_reply_parser_push (p, (const guint8 *)wire + strlen (wire) - 1, 1);
  g_assert_cmpint (fct_smtp_reply_parser_next (p, &r, NULL), ==, FCT_SMTP_PARSE_REPLY);
  g_assert_cmpuint (r->lines->len, ==, 2);
  fct_smtp_reply_free (r);
  g_assert_cmpuint (fct_smtp_reply_parser_get_pending (p), ==, 0);
}

static void
test_two_replies_in_one_push (void)
{
  g_autoptr (FctSmtpReplyParser) p = fct_smtp_reply_parser_new (512, 10);
  const char *wire = "250 a\r\n550 b\r\n";
  g_autoptr (FctSmtpReply) a = NULL;
  g_autoptr (FctSmtpReply) b = NULL;

  fct_smtp_reply_parser_push (p, (const guint8 *)wire, strlen (wire));
  g_assert_cmpint (fct_smtp_reply_parser_next (p, &a, NULL), ==, FCT_SMTP_PARSE_REPLY);
  g_assert_cmpint (fct_smtp_reply_parser_next (p, &b, NULL), ==, FCT_SMTP_PARSE_REPLY);
  g_assert_cmpuint (a->code, ==, 250);
  g_assert_cmpuint (b->code, ==, 550);
}

static void
expect_error (const char *wire, gsize line_max, guint lines_max, FctSmtpError code)
{
  g_autoptr (FctSmtpReplyParser) p = fct_smtp_reply_parser_new (line_max, lines_max);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) again = NULL;
  FctSmtpReply *r = NULL;

  fct_smtp_reply_parser_push (p, (const guint8 *)wire, strlen (wire));
  g_assert_cmpint (fct_smtp_reply_parser_next (p, &r, &error), ==, FCT_SMTP_PARSE_ERROR);
  g_assert_null (r);
  g_assert_error (error, FCT_SMTP_ERROR, (gint)code);
  /* Sticky: nothing after an error is parsed. */
  fct_smtp_reply_parser_push (p, (const guint8 *)"250 ok\r\n", 8);
  g_assert_cmpint (fct_smtp_reply_parser_next (p, &r, &again), ==, FCT_SMTP_PARSE_ERROR);
  g_assert_error (again, FCT_SMTP_ERROR, (gint)code);
}

static void
test_malformed (void)
{
  expect_error ("hello\r\n", 512, 10, FCT_SMTP_ERROR_PROTOCOL);
  expect_error ("25\r\n", 512, 10, FCT_SMTP_ERROR_PROTOCOL);
  expect_error ("150 early\r\n", 512, 10, FCT_SMTP_ERROR_PROTOCOL);
  expect_error ("260 second digit\r\n", 512, 10, FCT_SMTP_ERROR_PROTOCOL);
  expect_error ("250_x\r\n", 512, 10, FCT_SMTP_ERROR_PROTOCOL);
  expect_error ("250-a\r\n251 b\r\n", 512, 10, FCT_SMTP_ERROR_PROTOCOL);
}

static void
test_limits (void)
{
  /* A line of exactly line_max bytes (CRLF included) passes; one more fails. */
  g_autoptr (FctSmtpReply) r = NULL;
  g_assert_cmpint (parse_one ("250 12345\r\n", 11, 10, &r, NULL), ==, FCT_SMTP_PARSE_REPLY);
  expect_error ("250 123456\r\n", 11, 10, FCT_SMTP_ERROR_LIMIT);
  /* Without a line end, the buffer stops at line_max. */
  expect_error ("250 123456789", 11, 10, FCT_SMTP_ERROR_LIMIT);
  expect_error ("250-a\r\n250-b\r\n250 c\r\n", 512, 2, FCT_SMTP_ERROR_LIMIT);
}

static void
test_nul_and_8bit (void)
{
  g_autoptr (FctSmtpReplyParser) p = fct_smtp_reply_parser_new (512, 10);
  const guint8 wire[] = { '2', '5', '0', ' ', 'a', 0, 0xFF, 'b', '\r', '\n' };
  g_autoptr (FctSmtpReply) r = NULL;

  fct_smtp_reply_parser_push (p, wire, sizeof wire);
  g_assert_cmpint (fct_smtp_reply_parser_next (p, &r, NULL), ==, FCT_SMTP_PARSE_REPLY);
  const char *text = g_ptr_array_index (r->lines, 0);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpstr (text, ==,
                   "a\xEF\xBF\xBD\xEF\xBF\xBD"
                   "b");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/smtp/reply/single", test_single);
  g_test_add_func ("/smtp/reply/multiline-ehlo", test_multiline_ehlo);
  g_test_add_func ("/smtp/reply/bare-code-and-lf", test_bare_code_and_lf);
  g_test_add_func ("/smtp/reply/enhanced-must-match-class", test_enhanced_must_match_class);
  g_test_add_func ("/smtp/reply/trickled", test_trickled);
  g_test_add_func ("/smtp/reply/two-replies-in-one-push", test_two_replies_in_one_push);
  g_test_add_func ("/smtp/reply/malformed", test_malformed);
  g_test_add_func ("/smtp/reply/limits", test_limits);
  g_test_add_func ("/smtp/reply/nul-and-8bit", test_nul_and_8bit);
  return g_test_run ();
}
