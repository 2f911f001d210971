/* libFuzzer target for the SMTP server engine (src/lib/smtp/server.c): the first byte
 * picks the chunk size and whether STARTTLS and the store succeed; the rest is what a
 * client sends, cut at every place a network can cut it, with tight limits. Checks that
 * the engine keeps its buffers bounded, hands out no more message bytes than the limit,
 * and never answers 250 to a message the front end did not store. */
#include <facteur/smtp.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  gsize chunk = (gsize)(data[0] % 32) + 1;
  gboolean store_ok = (data[0] & 0x20) != 0;
  FctLimits limits;
  fct_limits_init (&limits);
  limits.smtp_server_command_line_max = 64;
  limits.smtp_server_text_line_max = 80;
  limits.smtp_server_message_max_bytes = 4096;
  limits.smtp_server_recipients_max = 4;
  limits.smtp_server_errors_max = 50;
  FctSmtpSessionOptions options = {
    .hostname = "mx.tester.example",
    .test_domain = "tester.example",
    .local_prefix = "t-",
    .token_length = 4,
    .tls_available = (data[0] & 0x40) != 0,
    .limits = &limits,
  };
  gint64 now = 0;
  g_autoptr (FctSmtpSession) s = fct_smtp_session_new (&options, now);
  gsize message = 0, at = 1;

  for (int rounds = 0; rounds < 100000; rounds++)
    {
      FctSmtpSessionEvent e = fct_smtp_session_step (s, now);
      gsize out_len;
      (void)fct_smtp_session_peek_output (s, &out_len);
      g_assert (out_len < 65536 + 4096);
      fct_smtp_session_consume_output (s, out_len);
      if (e == FCT_SMTP_SESSION_CLOSE)
        break;
      if (e == FCT_SMTP_SESSION_DATA)
        {
          g_autoptr (GBytes) b = fct_smtp_session_take_data (s);
          message += g_bytes_get_size (b);
          g_assert (message <= limits.smtp_server_message_max_bytes);
          continue;
        }
      if (e == FCT_SMTP_SESSION_DISCARD)
        {
          message = 0;
          continue;
        }
      if (e == FCT_SMTP_SESSION_MESSAGE)
        {
          const FctSmtpEnvelope *env = fct_smtp_session_get_envelope (s);
          g_assert (env->mail_from != NULL && env->tokens->len > 0);
          g_assert (env->size == message);
          fct_smtp_session_message_done (s, store_ok, "Q", now);
          message = 0;
          continue;
        }
      if (e == FCT_SMTP_SESSION_STARTTLS)
        {
          fct_smtp_session_tls_started (s, "TLSv1.3", "TLS_AES_128_GCM_SHA256", now);
          continue;
        }
      if (at >= size)
        break;
      g_assert (fct_smtp_session_wants_input (s));
      gsize n = MIN (chunk, size - at);
      fct_smtp_session_push (s, data + at, n);
      at += n;
      now += 10;
    }
  return 0;
}
