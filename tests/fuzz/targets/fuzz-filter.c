/* libFuzzer target for what the milter hands the library (src/lib/filter): the input is
 * a sequence of milter events — the MAIL FROM argument, header fields (name and value as
 * the MTA sends them, bare LF folding included), end of header, body chunks split anywhere
 * — collected with small limits so that the partial paths run; then the check, the decision
 * (with prefix, banner and quarantine all on), the edits applied, and the signer's message
 * decoders on the raw input. A plain message (no event byte first) is fed field by
 * field, as Postfix would. Checks that the decision is well formed: a reply for
 * refusals, edits whose values cannot start a new header line. */
#include <facteur/filter.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char zone[] = "example.com. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
                           "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n";

static FctResolver *
resolver_get (void)
{
  static FctResolver *resolver;
  static FctLimits limits;

  if (resolver == NULL)
    {
      fct_limits_init (&limits);
      limits.dns_timeout_ms = 10;
      resolver
          = fct_resolver_new_zone_data (zone, strlen (zone), "fuzz.zone", &limits, NULL);
    }
  return resolver;
}

/* Events: 'H' name NUL value NUL, 'E', 'B' len(1 byte) bytes. */
static void
feed_events (FctFilterMessage *m, const uint8_t *data, size_t size)
{
  size_t i = 1;
  gboolean eoh = FALSE;

  while (i < size)
    {
      uint8_t op = data[i++];
      if (op == 'H' && !eoh)
        {
          const uint8_t *name = data + i;
          const uint8_t *z1 = memchr (name, 0, size - i);
          if (z1 == NULL)
            return;
          const uint8_t *value = z1 + 1;
          const uint8_t *z2 = memchr (value, 0, size - (size_t)(value - data));
          if (z2 == NULL)
            return;
          fct_filter_message_header (m, (const char *)name, (const char *)value);
          i = (size_t)(z2 + 1 - data);
        }
      else if (op == 'E' && !eoh)
        {
          fct_filter_message_eoh (m);
          eoh = TRUE;
        }
      else if (op == 'B')
        {
          if (!eoh)
            {
              fct_filter_message_eoh (m);
              eoh = TRUE;
            }
          size_t n = i < size ? data[i++] : 0;
          n = MIN (n, size - i);
          fct_filter_message_body (m, data + i, n);
          i += n;
        }
    }
  if (!eoh)
    fct_filter_message_eoh (m);
}

/* A plain message: its header fields one by one, then the body in chunks of 13. */
static void
feed_message (FctFilterMessage *m, const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);

  if (msg == NULL)
    return;
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      g_autofree char *name = g_strndup ((const char *)h->name.ptr, h->name.len);
      g_autofree char *value = g_strndup ((const char *)h->value_raw.ptr, h->value_raw.len);
      fct_filter_message_header (m, name, value);
    }
  fct_filter_message_eoh (m);
  FctSlice body = fct_msg_get_body (msg);
  for (gsize off = 0; off < body.len; off += 13)
    fct_filter_message_body (m, body.ptr + off, MIN (13, body.len - off));
}

static void
check_edits (const FctFilterDecision *d)
{
  for (guint i = 0; i < d->edits->len; i++)
    {
      const FctFilterEdit *e = g_ptr_array_index (d->edits, i);
      g_assert (e->name != NULL && e->name[0] != '\0');
      if (e->value == NULL)
        continue;
      /* Every line break of a value is folding: a header line cannot be injected. */
      for (const char *p = strchr (e->value, '\n'); p != NULL; p = strchr (p + 1, '\n'))
        g_assert (p[1] == ' ' || p[1] == '\t');
      g_assert (strchr (e->value, '\r') == NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static FctLimits limits;
  static const char *const none[] = { NULL };
  static const char *const protect[] = { "example.com", NULL };
  FctFilterSignRequest req;
  FctFilterSignReply reply;
  guint32 generation;

  fct_limits_init (&limits);
  limits.header_fields_max = 50;
  FctFilterMessageOptions o
      = { .authserv_id = "mx.example.com", .scan_max_bytes = 4096, .limits = &limits };
  g_autoptr (FctFilterMessage) m = fct_filter_message_new (&o);

  (void)fct_filter_sign_request_decode (data, size, &req);
  (void)fct_filter_sign_reply_decode (data, size, &reply);
  fct_filter_key_table_free (fct_filter_key_list_decode (data, size, &generation));
  g_free (fct_filter_authres_authserv_id ((const char *)data, size));
  {
    g_autofree char *argument = g_strndup ((const char *)data, MIN (size, 1024));
    g_free (fct_filter_envelope_sender (argument));
  }

  if (size > 0 && data[0] == 0)
    feed_events (m, data, size);
  else
    feed_message (m, data, size);

  g_autoptr (FctMsg) msg = fct_filter_message_to_msg (m, NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (GError) error = NULL;
  if (msg != NULL)
    {
      FctCheckOptions co = { .ip = "192.0.2.1",
                             .helo = "mail.example.com",
                             .authserv_id = "mx.example.com",
                             .protected_domains = protect,
                             .dnsbl_zones = none,
                             .uribl_zones = none,
                             .now = 1800000000,
                             .limits = &limits };
      report = fct_check (msg, resolver_get (), &co, &error);
    }
  else
    error = g_error_new_literal (FCT_FILTER_ERROR, FCT_FILTER_ERROR_MESSAGE, "no message");

  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  policy.on_clean = policy.on_suspicious = policy.on_dangerous
      = FCT_FILTER_ACTION_PREFIX | FCT_FILTER_ACTION_BANNER | FCT_FILTER_ACTION_QUARANTINE;
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, error, &policy);
  check_edits (d);
  if (d->disposition != FCT_FILTER_DISPOSITION_ACCEPT)
    {
      g_assert (d->reply_code != NULL && d->reply_xcode != NULL && d->reply_text != NULL);
      g_assert (strpbrk (d->reply_text, "%\r\n") == NULL);
    }
  g_autoptr (GBytes) out = fct_filter_decision_apply (m, d);
  if (out != NULL)
    {
      g_autoptr (FctMsg) again = fct_msg_new_from_bytes (out, NULL, NULL);
      (void)again;
    }
  return 0;
}
