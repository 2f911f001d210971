/* Unit tests of the SMTP server engine (src/lib/smtp/server.c), fed with bytes and a
 * clock, no socket: the dialogue of RFC 5321, pipelining, SIZE, SMTPUTF8, STARTTLS and
 * its command injection, dot-unstuffing, bare LF, line limits and timeouts. */
#include <facteur/smtp.h>

#include <string.h>

#define TOKEN "0123456789abcdef0123456789abcdef"
#define ADDR "test-" TOKEN "@tester.example"

typedef struct
{
  FctSmtpSession *s;
  GString *data; /* message bytes taken */
  GString *out;  /* replies written */
  GPtrArray *events;
  gint64 now;
  FctLimits limits;
} Fixture;

static FctSmtpRcptStatus
rcpt_check (const char *token, gpointer user_data)
{
  (void)user_data;
  if (g_str_equal (token, "ffffffffffffffffffffffffffffffff"))
    return FCT_SMTP_RCPT_UNKNOWN;
  if (g_str_equal (token, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"))
    return FCT_SMTP_RCPT_TEMPFAIL;
  return FCT_SMTP_RCPT_OK;
}

static void
fixture_open (Fixture *f, gboolean tls, const FctLimits *limits)
{
  if (limits != NULL)
    f->limits = *limits;
  else
    fct_limits_init (&f->limits);
  FctSmtpSessionOptions o = {
    .hostname = "mx.tester.example",
    .test_domain = "Tester.Example",
    .tls_available = tls,
    .rcpt_check = rcpt_check,
    .limits = &f->limits,
  };
  f->now = 1000;
  f->s = fct_smtp_session_new (&o, f->now);
  f->data = g_string_new (NULL);
  f->out = g_string_new (NULL);
  f->events = g_ptr_array_new ();
}

static void
fixture_close (Fixture *f)
{
  fct_smtp_session_free (f->s);
  g_string_free (f->data, TRUE);
  g_string_free (f->out, TRUE);
  g_ptr_array_unref (f->events);
}

static void
drain_output (Fixture *f)
{
  gsize len;
  const guint8 *p = fct_smtp_session_peek_output (f->s, &len);
  g_string_append_len (f->out, (const char *)p, (gssize)len);
  fct_smtp_session_consume_output (f->s, len);
}

/* Steps until the engine needs input or stops for the front end; takes data as it
 * comes. Returns the last event. */
static FctSmtpSessionEvent
run (Fixture *f)
{
  for (;;)
    {
      FctSmtpSessionEvent e = fct_smtp_session_step (f->s, f->now);
      drain_output (f);
      g_ptr_array_add (f->events, GINT_TO_POINTER (e));
      if (e == FCT_SMTP_SESSION_DATA)
        {
          g_autoptr (GBytes) b = fct_smtp_session_take_data (f->s);
          gsize n;
          const char *p = g_bytes_get_data (b, &n);
          g_string_append_len (f->data, p, (gssize)n);
          continue;
        }
      return e;
    }
}

/* Pushes text and runs; clears the output first so that the test sees only the
 * replies to this text. */
static FctSmtpSessionEvent
send (Fixture *f, const char *text)
{
  g_string_truncate (f->out, 0);
  fct_smtp_session_push (f->s, (const guint8 *)text, strlen (text));
  return run (f);
}

static void
greet (Fixture *f)
{
  g_assert_cmpint (run (f), ==, FCT_SMTP_SESSION_NEED_INPUT);
  g_assert_true (g_str_has_prefix (f->out->str, "220 mx.tester.example "));
  g_assert_cmpint (send (f, "EHLO client.example\r\n"), ==, FCT_SMTP_SESSION_NEED_INPUT);
}

static void
test_ehlo (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  greet (&f);
  g_assert_true (g_str_has_prefix (f.out->str, "250-mx.tester.example\r\n"));
  g_assert_nonnull (strstr (f.out->str, "250-PIPELINING\r\n"));
  g_assert_nonnull (strstr (f.out->str, "250-SIZE 52428800\r\n"));
  g_assert_nonnull (strstr (f.out->str, "250-8BITMIME\r\n"));
  g_assert_nonnull (strstr (f.out->str, "250-SMTPUTF8\r\n"));
  g_assert_null (strstr (f.out->str, "STARTTLS"));
  g_assert_true (g_str_has_suffix (f.out->str, "250 ENHANCEDSTATUSCODES\r\n"));
  g_assert_cmpstr (fct_smtp_session_get_envelope (f.s)->helo, ==, "client.example");
  send (&f, "STARTTLS\r\n");
  g_assert_cmpstr (f.out->str, ==, "454 4.7.0 TLS not available\r\n");
  send (&f, "HELO\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "501 5.5.4"));
  send (&f, "HELO other.example\r\n");
  g_assert_cmpstr (f.out->str, ==, "250 mx.tester.example\r\n");
  g_assert_false (fct_smtp_session_get_envelope (f.s)->esmtp);
  fixture_close (&f);
}

static void
test_message (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  greet (&f);
  send (&f, "MAIL FROM:<alice@sender.example> BODY=8BITMIME\r\n");
  g_assert_cmpstr (f.out->str, ==, "250 2.1.0 Ok\r\n");
  send (&f, "RCPT TO:<TEST-" TOKEN "@TESTER.example>\r\n");
  g_assert_cmpstr (f.out->str, ==, "250 2.1.5 Ok\r\n");
  send (&f, "DATA\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "354 "));
  /* Dot-stuffed lines lose one dot (RFC 5321 §4.5.2); a bare LF ends a line but a dot
   * before it ends nothing. */
  FctSmtpSessionEvent e = send (&f, "Subject: hi\r\n\r\n..leading dot\r\n.\nstill text\n"
                                    "end\r\n.\r\n");
  g_assert_cmpint (e, ==, FCT_SMTP_SESSION_MESSAGE);
  g_assert_cmpstr (f.data->str, ==,
                   "Subject: hi\r\n\r\n.leading dot\r\n\r\nstill text\r\nend\r\n");
  const FctSmtpEnvelope *env = fct_smtp_session_get_envelope (f.s);
  g_assert_cmpstr (env->mail_from, ==, "alice@sender.example");
  g_assert_cmpuint (env->tokens->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (env->tokens, 0), ==, TOKEN);
  g_assert_true (env->body_8bit);
  g_assert_cmpuint (env->size, ==, f.data->len);
  /* Nothing is said until the front end has stored the message. */
  g_assert_cmpstr (f.out->str, ==, "");
  g_assert_false (fct_smtp_session_wants_input (f.s));
  g_assert_cmpint (fct_smtp_session_get_deadline (f.s), ==, G_MAXINT64);
  fct_smtp_session_message_done (f.s, TRUE, "Q1", f.now);
  g_assert_cmpint (run (&f), ==, FCT_SMTP_SESSION_NEED_INPUT);
  g_assert_cmpstr (f.out->str, ==, "250 2.0.0 Ok: queued as Q1\r\n");
  g_assert_null (fct_smtp_session_get_envelope (f.s)->mail_from);
  /* The next message, refused by the store: 451 and the client retries. */
  send (&f, "MAIL FROM:<>\r\nRCPT TO:<" ADDR ">\r\nDATA\r\nx\r\n.\r\n");
  g_assert_cmpstr (fct_smtp_session_get_envelope (f.s)->mail_from, ==, "");
  fct_smtp_session_message_done (f.s, FALSE, NULL, f.now);
  send (&f, "QUIT\r\n");
  g_assert_true (g_str_has_suffix (f.out->str, "451 4.3.0 Message not stored, try again "
                                               "later\r\n221 2.0.0 Bye\r\n"));
  g_assert_cmpint (GPOINTER_TO_INT (g_ptr_array_index (f.events, f.events->len - 1)), ==,
                   FCT_SMTP_SESSION_CLOSE);
  fixture_close (&f);
}

static void
test_recipients (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  greet (&f);
  send (&f, "RCPT TO:<" ADDR ">\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "503 5.5.1"));
  send (&f, "MAIL FROM:<a@b.example>\r\n");
  static const char *const refused[] = {
    "postmaster@tester.example",                            /* not a test address */
    "test-" TOKEN "@elsewhere.example",                     /* relaying */
    "test-" TOKEN "@tester.example.evil.example",           /* suffix trick */
    "test-0123@tester.example",                             /* short token */
    "test-0123456789abcdef0123456789abcdeg@tester.example", /* not hex */
    "test-ffffffffffffffffffffffffffffffff@tester.example", /* no such test */
    "\"test-" TOKEN "\"@elsewhere.example",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *cmd = g_strdup_printf ("RCPT TO:<%s>\r\n", refused[i]);
      send (&f, cmd);
      g_assert_true (g_str_has_prefix (f.out->str, "550 5.1.1 "));
    }
  send (&f, "RCPT TO:<test-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee@tester.example>\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "451 4.3.0 "));
  send (&f, "RCPT TO:" ADDR "\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "501 5.1.3 "));
  send (&f, "RCPT TO:<" ADDR "> NOTIFY=NEVER\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "555 5.5.4 "));
  send (&f, "DATA\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "554 5.5.1 "));
  /* A source route is ignored (RFC 5321 §4.1.1.3). */
  send (&f, "RCPT TO:<@relay.example:" ADDR ">\r\nRCPT TO:<" ADDR ">\r\n");
  g_assert_cmpstr (f.out->str, ==, "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
  g_assert_cmpuint (fct_smtp_session_get_envelope (f.s)->tokens->len, ==, 1);
  fixture_close (&f);
}

static void
test_pipelining (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  g_assert_cmpint (run (&f), ==, FCT_SMTP_SESSION_NEED_INPUT);
  FctSmtpSessionEvent e = send (
      &f, "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@x.example>\r\n"
          "RCPT TO:<" ADDR ">\r\nDATA\r\nhello\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n");
  g_assert_cmpint (e, ==, FCT_SMTP_SESSION_MESSAGE);
  g_assert_cmpstr (f.data->str, ==, "hello\r\n");
  /* The replies up to DATA are out; the commands after the dot wait for the store. */
  g_assert_true (g_str_has_suffix (f.out->str, "250 2.1.0 Ok\r\n550 5.1.1 No such test "
                                               "address here; this server relays "
                                               "nothing\r\n250 2.1.5 Ok\r\n354 End data "
                                               "with <CR><LF>.<CR><LF>\r\n"));
  fct_smtp_session_message_done (f.s, TRUE, "Q2", f.now);
  g_string_truncate (f.out, 0);
  g_assert_cmpint (run (&f), ==, FCT_SMTP_SESSION_CLOSE);
  g_assert_cmpstr (f.out->str, ==,
                   "250 2.0.0 Ok: queued as Q2\r\n250 2.0.0 Ok\r\n"
                   "250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n");
  fixture_close (&f);
}

static void
test_size (void)
{
  Fixture f = { 0 };
  FctLimits limits;
  fct_limits_init (&limits);
  limits.smtp_server_message_max_bytes = 200000;
  fixture_open (&f, FALSE, &limits);
  greet (&f);
  send (&f, "MAIL FROM:<a@b.example> SIZE=200001\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "552 5.3.4 "));
  send (&f, "MAIL FROM:<a@b.example> SIZE=12x\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "501 5.5.4 "));
  send (&f, "MAIL FROM:<a@b.example> SIZE=1000 XFOO=1\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "555 5.5.4 "));
  send (&f, "MAIL FROM:<a@b.example> SIZE=1000\r\nRCPT TO:<" ADDR ">\r\nDATA\r\n");
  /* A message bigger than announced: pieces go out, then the refusal. */
  g_autofree char *line = g_strnfill (98, 'a');
  g_autofree char *crlf_line = g_strconcat (line, "\r\n", NULL);
  for (int i = 0; i < 2100; i++)
    {
      fct_smtp_session_push (f.s, (const guint8 *)crlf_line, strlen (crlf_line));
      g_assert_cmpint (run (&f), ==, FCT_SMTP_SESSION_NEED_INPUT);
    }
  g_assert_cmpuint (f.data->len, >, 0);
  g_string_truncate (f.out, 0);
  g_assert_cmpint (send (&f, ".\r\n"), ==, FCT_SMTP_SESSION_DISCARD);
  g_assert_true (g_str_has_prefix (f.out->str, "552 5.3.4 "));
  /* The session goes on: a small message passes, in more than one piece. */
  g_string_truncate (f.data, 0);
  send (&f, "MAIL FROM:<a@b.example>\r\nRCPT TO:<" ADDR ">\r\nDATA\r\n");
  for (int i = 0; i < 1500; i++)
    fct_smtp_session_push (f.s, (const guint8 *)crlf_line, strlen (crlf_line));
  g_assert_false (fct_smtp_session_wants_input (f.s));
  g_assert_cmpint (send (&f, ".\r\n"), ==, FCT_SMTP_SESSION_MESSAGE);
  g_assert_cmpuint (f.data->len, ==, 150000);
  guint pieces = 0;
  for (guint i = 0; i < f.events->len; i++)
    pieces += GPOINTER_TO_INT (g_ptr_array_index (f.events, i)) == FCT_SMTP_SESSION_DATA;
  g_assert_cmpuint (pieces, >=, 3);
  fixture_close (&f);
}

static void
test_lines (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  greet (&f);
  /* A command over the limit, sent in pieces: refused once, then the session goes on
   * with a bounded buffer. */
  g_autofree char *big = g_strnfill (1024, 'x');
  send (&f, "NOOP ");
  for (int i = 0; i < 8; i++)
    {
      send (&f, big);
      g_assert_true (fct_smtp_session_wants_input (f.s));
    }
  send (&f, "\r\nNOOP\r\n");
  g_assert_cmpstr (f.out->str, ==, "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n");
  send (&f, "MAIL FROM:<a@b.example>\r\nRCPT TO:<" ADDR ">\r\nDATA\r\n");
  g_autofree char *long_line = g_strnfill (999, 'y');
  send (&f, long_line);
  g_assert_cmpint (send (&f, "\r\n.\r\n"), ==, FCT_SMTP_SESSION_DISCARD);
  g_assert_true (g_str_has_prefix (f.out->str, "554 5.6.0 "));
  /* 998 characters and CRLF are within RFC 5322 §2.1.1. */
  send (&f, "MAIL FROM:<a@b.example>\r\nRCPT TO:<" ADDR ">\r\nDATA\r\n");
  long_line[998] = '\0';
  send (&f, long_line);
  g_assert_cmpint (send (&f, "\r\n.\r\n"), ==, FCT_SMTP_SESSION_MESSAGE);
  fixture_close (&f);
}

static void
test_nul_command (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  greet (&f);
  g_string_truncate (f.out, 0);
  fct_smtp_session_push (f.s, (const guint8 *)"NO\0OP\r\n", 7);
  run (&f);
  g_assert_cmpstr (f.out->str, ==, "500 5.5.2 NUL in command\r\n");
  fixture_close (&f);
}

static void
test_smtputf8 (void)
{
  Fixture f = { 0 };
  fixture_open (&f, FALSE, NULL);
  greet (&f);
  send (&f, "MAIL FROM:<élodie@exemple.fr>\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "553 5.6.7 "));
  send (&f, "MAIL FROM:<\xff@exemple.fr> SMTPUTF8\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "553 5.6.7 "));
  send (&f, "MAIL FROM:<élodie@exemple.fr> SMTPUTF8\r\n");
  g_assert_cmpstr (f.out->str, ==, "250 2.1.0 Ok\r\n");
  g_assert_true (fct_smtp_session_get_envelope (f.s)->smtputf8);
  send (&f, "RCPT TO:<" ADDR ">\r\nDATA\r\nSubject: café\r\n\r\nété\r\n.\r\n");
  g_assert_cmpstr (f.data->str, ==, "Subject: café\r\n\r\nété\r\n");
  fixture_close (&f);
}

static void
test_starttls (void)
{
  Fixture f = { 0 };
  fixture_open (&f, TRUE, NULL);
  greet (&f);
  g_assert_nonnull (strstr (f.out->str, "250-STARTTLS\r\n"));
  send (&f, "STARTTLS now\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "501 5.5.4 "));
  /* Commands pipelined after STARTTLS in clear text are thrown away. */
  g_assert_cmpint (send (&f, "STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n"), ==,
                   FCT_SMTP_SESSION_STARTTLS);
  g_assert_cmpstr (f.out->str, ==, "220 2.0.0 Ready to start TLS\r\n");
  g_assert_false (fct_smtp_session_wants_input (f.s));
  fct_smtp_session_tls_started (f.s, "TLSv1.3", "TLS_AES_256_GCM_SHA384", f.now);
  g_assert_cmpint (run (&f), ==, FCT_SMTP_SESSION_NEED_INPUT);
  const FctSmtpEnvelope *env = fct_smtp_session_get_envelope (f.s);
  g_assert_null (env->mail_from);
  g_assert_null (env->helo);
  g_assert_cmpstr (env->tls_version, ==, "TLSv1.3");
  g_assert_cmpstr (env->tls_cipher, ==, "TLS_AES_256_GCM_SHA384");
  send (&f, "MAIL FROM:<a@b.example>\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "503 5.5.1 "));
  send (&f, "EHLO again.example\r\n");
  g_assert_null (strstr (f.out->str, "STARTTLS"));
  send (&f, "STARTTLS\r\n");
  g_assert_true (g_str_has_prefix (f.out->str, "503 5.5.1 "));
  fixture_close (&f);
}

static void
test_timeouts (void)
{
  Fixture f = { 0 };
  FctLimits limits;
  fct_limits_init (&limits);
  limits.smtp_server_command_timeout_ms = 5000;
  limits.smtp_server_data_timeout_ms = 3000;
  fixture_open (&f, FALSE, &limits);
  g_assert_cmpint (fct_smtp_session_get_deadline (f.s), ==, 6000);
  greet (&f);
  /* One byte every second never completes a line in time. */
  const char *cmd = "NOOP and more words to trickle\r\n";
  FctSmtpSessionEvent e = FCT_SMTP_SESSION_NEED_INPUT;
  for (gsize i = 0; cmd[i] != '\0' && e != FCT_SMTP_SESSION_CLOSE; i++)
    {
      f.now += 1000;
      fct_smtp_session_push (f.s, (const guint8 *)cmd + i, 1);
      e = run (&f);
    }
  g_assert_cmpint (e, ==, FCT_SMTP_SESSION_CLOSE);
  g_assert_true (g_str_has_suffix (f.out->str, "421 4.4.2 mx.tester.example Timeout, "
                                               "closing\r\n"));
  g_assert_cmpint (f.now, ==, 6000);
  fixture_close (&f);

  /* In DATA, the shorter timeout per line; each complete line starts it again. */
  fixture_open (&f, FALSE, &limits);
  greet (&f);
  send (&f, "MAIL FROM:<a@b.example>\r\nRCPT TO:<" ADDR ">\r\nDATA\r\n");
  f.now += 2900;
  send (&f, "line\r\n");
  f.now += 2900;
  g_assert_cmpint (send (&f, "line"), ==, FCT_SMTP_SESSION_NEED_INPUT);
  f.now += 100;
  g_assert_cmpint (run (&f), ==, FCT_SMTP_SESSION_CLOSE);
  g_assert_true (g_str_has_prefix (f.out->str, "421 4.4.2 "));
  fixture_close (&f);
}

static void
test_errors (void)
{
  Fixture f = { 0 };
  FctLimits limits;
  fct_limits_init (&limits);
  limits.smtp_server_errors_max = 3;
  fixture_open (&f, FALSE, &limits);
  run (&f);
  g_assert_cmpint (
      send (&f, "MAIL FROM:<a@b.example>\r\nGET / HTTP/1.1\r\nXYZZY\r\nNOOP\r\n"), ==,
      FCT_SMTP_SESSION_CLOSE);
  g_assert_cmpstr (f.out->str, ==,
                   "503 5.5.1 Send EHLO or HELO first\r\n500 5.5.2 Command not "
                   "recognized\r\n500 5.5.2 Command not recognized\r\n421 4.7.0 "
                   "mx.tester.example Too many errors, closing\r\n");
  /* Nothing more is read once closed. */
  fct_smtp_session_push (f.s, (const guint8 *)"NOOP\r\n", 6);
  g_assert_false (fct_smtp_session_wants_input (f.s));
  fixture_close (&f);
}

static void
test_recipients_max (void)
{
  Fixture f = { 0 };
  FctLimits limits;
  fct_limits_init (&limits);
  limits.smtp_server_recipients_max = 2;
  fixture_open (&f, FALSE, &limits);
  greet (&f);
  send (&f, "MAIL FROM:<a@b.example>\r\n"
            "RCPT TO:<test-00000000000000000000000000000001@tester.example>\r\n"
            "RCPT TO:<test-00000000000000000000000000000002@tester.example>\r\n"
            "RCPT TO:<test-00000000000000000000000000000003@tester.example>\r\n");
  g_assert_true (g_str_has_suffix (f.out->str, "250 2.1.5 Ok\r\n452 4.5.3 Too many "
                                               "recipients\r\n"));
  fixture_close (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/smtp/server/ehlo", test_ehlo);
  g_test_add_func ("/smtp/server/message", test_message);
  g_test_add_func ("/smtp/server/recipients", test_recipients);
  g_test_add_func ("/smtp/server/recipients-max", test_recipients_max);
  g_test_add_func ("/smtp/server/pipelining", test_pipelining);
  g_test_add_func ("/smtp/server/size", test_size);
  g_test_add_func ("/smtp/server/lines", test_lines);
  g_test_add_func ("/smtp/server/nul", test_nul_command);
  g_test_add_func ("/smtp/server/smtputf8", test_smtputf8);
  g_test_add_func ("/smtp/server/starttls", test_starttls);
  g_test_add_func ("/smtp/server/timeouts", test_timeouts);
  g_test_add_func ("/smtp/server/errors", test_errors);
  return g_test_run ();
}
