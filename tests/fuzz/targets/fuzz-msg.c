/* libFuzzer target for the raw message parser (src/lib/msg): parses the input with the
 * default limits and with tight ones, then walks every field and the body checking that
 * each slice lies inside the message bytes and that offsets increase. */
#include <facteur/msg.h>

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
slice_inside (FctSlice s, const guint8 *base, gsize len)
{
  return s.ptr >= base && s.len <= len && (gsize)(s.ptr - base) <= len - s.len;
}

static gboolean
is_wsp (guint8 c)
{
  return c == ' ' || c == '\t';
}

static void
msg_check (const FctMsg *msg)
{
  gsize len = 0;
  const guint8 *base = g_bytes_get_data (fct_msg_get_bytes (msg), &len);
  guint count = fct_msg_get_header_count (msg);
  gsize next = 0; /* the least offset the next field may have */

  g_assert (count > 0);
  for (guint i = 0; i < count; i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      g_assert (slice_inside (h->raw, base, len));
      g_assert ((gsize)(h->raw.ptr - base) == h->offset);
      g_assert (h->offset >= next);
      /* The name starts the field; the value runs from after the colon to its end. */
      g_assert (h->name.ptr == h->raw.ptr && h->name.len > 0 && h->name.len < h->raw.len);
      g_assert (h->value_raw.ptr >= h->name.ptr + h->name.len + 1);
      g_assert (h->value_raw.ptr + h->value_raw.len == h->raw.ptr + h->raw.len);
      g_assert (h->value_raw.ptr[-1] == ':');
      for (gsize k = 0; k < h->name.len; k++)
        g_assert (h->name.ptr[k] >= 33 && h->name.ptr[k] <= 126 && h->name.ptr[k] != ':');
      g_assert (h->value_len <= h->value_raw.len);
      g_assert (h->value[h->value_len] == '\0');
      g_assert (h->value_len == 0 || !is_wsp ((guint8)h->value[0]));
      /* Every line break inside a field is a fold: CRLF then WSP. */
      for (gsize k = 0; k < h->raw.len; k++)
        if (h->raw.ptr[k] == '\n')
          g_assert (k > 0 && h->raw.ptr[k - 1] == '\r' && k + 1 < h->raw.len
                    && is_wsp (h->raw.ptr[k + 1]));
      next = h->offset + h->raw.len;

      /* Lookups by this name agree with each other. */
      g_autofree char *name = g_strndup ((const char *)h->name.ptr, h->name.len);
      guint same = fct_msg_count_headers (msg, name);
      g_assert (same > 0);
      g_assert (fct_msg_find_header (msg, name, same - 1)
                == fct_msg_find_header_from_bottom (msg, name, 0));
      g_assert (fct_msg_find_header (msg, name, same) == NULL);
    }

  FctSlice body = fct_msg_get_body (msg);
  gsize body_offset = fct_msg_get_body_offset (msg);
  g_assert (slice_inside (body, base, len));
  g_assert ((gsize)(body.ptr - base) == body_offset);
  g_assert (body_offset >= next);
  g_assert (body_offset + body.len == len);
  if (fct_msg_get_flags (msg) & FCT_MSG_FLAG_NO_SEPARATOR)
    g_assert (body.len == 0);

  /* Normalised: every LF follows a CR. */
  for (gsize k = 0; k < len; k++)
    if (base[k] == '\n')
      g_assert (k > 0 && base[k - 1] == '\r');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  FctLimits tight;
  fct_limits_init (&tight);
  tight.message_max_bytes = 4096;
  tight.header_fields_max = 8;
  tight.header_field_max_bytes = 128;
  tight.line_max_bytes = 40;

  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) small = fct_msg_new_from_bytes (bytes, &tight, &error);
  if (msg != NULL)
    msg_check (msg);
  if (small != NULL)
    {
      msg_check (small);
      /* Limits only refuse: what passes them parses the same with the defaults. */
      g_assert (msg != NULL);
      g_assert (fct_msg_get_header_count (small) == fct_msg_get_header_count (msg));
      g_assert (fct_msg_get_body_offset (small) == fct_msg_get_body_offset (msg));
    }
  else
    g_assert (error != NULL && error->domain == FCT_MSG_ERROR && error->message[0] != '\0');
  return 0;
}
