/* facteur — unit tests of the SMTP client against a scripted loopback server,
 * including hostile peers: each must end in an error within the deadlines, never hang. */
#include "fake-smtp.h"
#include <facteur/smtp.h>
#include <unistd.h>

static FctLimits limits;

static char *
echo_handler (const char *command, gpointer data)
{
  (void)data;
  if (g_str_has_prefix (command, "EHLO"))
    return g_strdup ("250-fake.test\r\n250-SIZE 1000\r\n250 SMTPUTF8\r\n");
  return g_strdup ("250 2.0.0 ok\r\n");
}

static void
test_dialogue (void)
{
  FakeSmtp *fake = fake_smtp_start (FAKE_NORMAL, NULL, echo_handler, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect ("127.0.0.1", fake_smtp_get_port (fake), &limits, &error);
  g_assert_no_error (error);

  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (greeting->code, ==, 220);
  g_autoptr (FctSmtpReply) ehlo = fct_smtp_client_command (c, "EHLO client.test", &error);
  g_assert_no_error (error);
  g_assert_true (fct_smtp_reply_has_extension (ehlo, "SMTPUTF8"));
  g_autoptr (FctSmtpReply) bye = fct_smtp_client_command (c, "QUIT", &error);
  g_assert_cmpuint (bye->code, ==, 221);

  const FctSmtpTranscript *t = fct_smtp_client_get_transcript (c);
  g_assert_cmpstr (g_ptr_array_index (t->lines, 0), ==, "S: 220 fake.test ESMTP");
  g_assert_cmpstr (g_ptr_array_index (t->lines, 1), ==, "C: EHLO client.test");
  g_assert_cmpstr (g_ptr_array_index (t->lines, 2), ==, "S: 250-fake.test");
  fake_smtp_stop (fake);
}

static void
test_command_with_crlf_refused (void)
{
  FakeSmtp *fake = fake_smtp_start (FAKE_NORMAL, NULL, echo_handler, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect ("127.0.0.1", fake_smtp_get_port (fake), &limits, &error);
  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  g_assert_nonnull (greeting);
  g_autoptr (FctSmtpReply) r = fct_smtp_client_command (c, "RCPT TO:<a@b>\r\nDATA", &error);
  g_assert_null (r);
  g_assert_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_PROTOCOL);
  fake_smtp_stop (fake);
}

static void
test_refused (void)
{
  g_autoptr (GError) error = NULL;
  int fd;
  guint16 port = fake_smtp_closed_port (&fd);
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect ("127.0.0.1", port, &limits, &error);
  g_assert_null (c);
  g_assert_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CONNECT);
  close (fd);
}

static void
test_not_an_ip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSmtpClient) c = fct_smtp_client_connect ("mx.example", 25, &limits, &error);
  g_assert_null (c);
  g_assert_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CONNECT);
}

/* reply_timeout_ms: short for the peers that never complete a reply (the timeout is
 * what the case is about, and it fires whatever the machine's speed); the default
 * generous one for those cut by a limit, so that a loaded machine cannot turn the cut
 * into a timeout. */
static void
expect_greeting_error (FakeMode mode, FctSmtpError code, guint reply_timeout_ms)
{
  FakeSmtp *fake = fake_smtp_start (mode, NULL, echo_handler, NULL);
  g_autoptr (GError) error = NULL;
  FctLimits these = limits;
  these.smtp_reply_timeout_ms = reply_timeout_ms;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect ("127.0.0.1", fake_smtp_get_port (fake), &these, &error);
  g_assert_no_error (error);
  g_autoptr (FctSmtpReply) r = fct_smtp_client_read_reply (c, &error);
  g_assert_null (r);
  g_assert_error (error, FCT_SMTP_ERROR, (gint)code);
  fake_smtp_stop (fake);
}

static void
test_silent_server_times_out (void)
{
  expect_greeting_error (FAKE_SILENT, FCT_SMTP_ERROR_TIMEOUT, 500);
}

static void
test_trickling_server_times_out (void)
{
  /* Bytes keep coming, but the deadline covers the whole reply. */
  expect_greeting_error (FAKE_TRICKLE, FCT_SMTP_ERROR_TIMEOUT, 500);
}

static void
test_endless_banner_is_cut (void)
{
  expect_greeting_error (FAKE_ENDLESS_BANNER, FCT_SMTP_ERROR_LIMIT,
                         limits.smtp_reply_timeout_ms);
}

static void
test_huge_line_is_cut (void)
{
  expect_greeting_error (FAKE_HUGE_LINE, FCT_SMTP_ERROR_LIMIT,
                         limits.smtp_reply_timeout_ms);
}

static char *
starttls_handler (const char *command, gpointer data)
{
  (void)data;
  if (g_str_has_prefix (command, "EHLO"))
    return g_strdup ("250-fake.test\r\n250 STARTTLS\r\n");
  return g_strdup ("250 ok\r\n");
}

static void
test_starttls_injection_refused (void)
{
  FakeSmtp *fake = fake_smtp_start (FAKE_INJECT, NULL, starttls_handler, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect ("127.0.0.1", fake_smtp_get_port (fake), &limits, &error);
  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  g_assert_nonnull (greeting);
  g_autoptr (FctSmtpReply) ehlo = fct_smtp_client_command (c, "EHLO client.test", &error);
  g_assert_nonnull (ehlo);
  g_autoptr (FctSmtpReply) go = fct_smtp_client_command (c, "STARTTLS", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (go->code, ==, 220);
  g_assert_false (fct_smtp_client_start_tls (c, "fake.test", &error));
  g_assert_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_PROTOCOL);
  fake_smtp_stop (fake);
}

static void
test_starttls_handshake_failure (void)
{
  /* The server says 220 but then speaks plain SMTP, even to the TLS handshake: the
     handshake must fail at once, not wait for its deadline. */
  FakeSmtp *fake = fake_smtp_start (FAKE_PLAIN, NULL, starttls_handler, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect ("127.0.0.1", fake_smtp_get_port (fake), &limits, &error);
  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  g_assert_nonnull (greeting);
  g_assert_false (fct_smtp_client_start_tls (c, "fake.test", &error));
  g_assert_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_TLS);
  fake_smtp_stop (fake);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  fct_limits_init (&limits);
  /* Generous deadlines: a dialogue with the fake server must not time out on a loaded
     machine. The cases about timeouts set their own short one. */
  limits.smtp_connect_timeout_ms = 30000;
  limits.smtp_reply_timeout_ms = 30000;
  g_test_add_func ("/smtp/client/dialogue", test_dialogue);
  g_test_add_func ("/smtp/client/command-with-crlf-refused",
                   test_command_with_crlf_refused);
  g_test_add_func ("/smtp/client/refused", test_refused);
  g_test_add_func ("/smtp/client/not-an-ip", test_not_an_ip);
  g_test_add_func ("/smtp/client/hostile/silent", test_silent_server_times_out);
  g_test_add_func ("/smtp/client/hostile/trickle", test_trickling_server_times_out);
  g_test_add_func ("/smtp/client/hostile/endless-banner", test_endless_banner_is_cut);
  g_test_add_func ("/smtp/client/hostile/huge-line", test_huge_line_is_cut);
  g_test_add_func ("/smtp/client/starttls-injection", test_starttls_injection_refused);
  g_test_add_func ("/smtp/client/starttls-handshake-failure",
                   test_starttls_handshake_failure);
  return g_test_run ();
}
