/* libFuzzer target for the raw message parser (src/lib/msg): parses the input with the
 * default limits and with tight ones, then walks every field (kept, and all of them with
 * fct_msg_foreach_field) and the body checking that each slice lies inside the message
 * bytes, that offsets increase and that what the limits left out is counted. */
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

typedef struct
{
  const guint8 *base;
  gsize len;
  gsize next;
  guint fields;
} Walk;

static void
walk_field (FctSlice raw, FctSlice name, gpointer data)
{
  Walk *w = data;
  g_assert (slice_inside (raw, w->base, w->len));
  g_assert ((gsize)(raw.ptr - w->base) >= w->next);
  g_assert (name.ptr == raw.ptr && name.len > 0 && name.len < raw.len);
  w->next = (gsize)(raw.ptr - w->base) + raw.len;
  w->fields++;
}

static void
msg_check (const FctMsg *msg)
{
  gsize len = 0;
  const guint8 *base = g_bytes_get_data (fct_msg_get_bytes (msg), &len);
  guint count = fct_msg_get_header_count (msg);
  gsize next = 0; /* the least offset the next field may have */
  const FctMsgOverLimits *over = fct_msg_get_over_limits (msg);

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
      if (h->raw.len > over->field_max_bytes)
        g_assert (h->value_len == 0);
      g_assert (h->value[h->value_len] == '\0');
      g_assert (h->value_len == 0 || !is_wsp ((guint8)h->value[0]));
      /* Every line break inside a field is a fold: CRLF then WSP. */
      for (gsize k = 0; k < h->raw.len; k++)
        if (h->raw.ptr[k] == '\n')
          g_assert (k > 0 && h->raw.ptr[k - 1] == '\r' && k + 1 < h->raw.len
                    && is_wsp (h->raw.ptr[k + 1]));
      next = h->offset + h->raw.len;

      /* Lookups by this name agree with each other; the count also has the fields
       * skipped past the limit. */
      g_autofree char *name = g_strndup ((const char *)h->name.ptr, h->name.len);
      guint same = fct_msg_count_headers (msg, name);
      guint kept = 0;
      while (fct_msg_find_header (msg, name, kept) != NULL)
        kept++;
      g_assert (kept > 0 && same >= kept);
      g_assert (fct_msg_find_header (msg, name, kept - 1)
                == fct_msg_find_header_from_bottom (msg, name, 0));
      if (over->skipped == 0)
        g_assert (same == kept);
    }

  /* Every field is walked once, kept or skipped, in message order. */
  Walk walk = { .base = base, .len = len };
  fct_msg_foreach_field (msg, walk_field, &walk);
  g_assert (walk.fields == over->fields);
  g_assert (over->fields == count + over->skipped);
  g_assert ((over->past_first_name != NULL) == (over->fields > over->fields_max));
  g_assert (!!(fct_msg_get_flags (msg) & FCT_MSG_FLAG_TOO_MANY_FIELDS)
            == (over->fields > over->fields_max));
  g_assert ((over->too_long_first_name != NULL) == (over->too_long > 0));

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
      /* The header limits only leave out: the header ends at the same place, has the
       * same fields, and what is within the limits parses the same. */
      g_assert (msg != NULL);
      g_assert (fct_msg_get_body_offset (small) == fct_msg_get_body_offset (msg));
      g_assert (fct_msg_get_over_limits (small)->fields
                == fct_msg_get_over_limits (msg)->fields);
      if (!(fct_msg_get_flags (small)
            & (FCT_MSG_FLAG_TOO_MANY_FIELDS | FCT_MSG_FLAG_FIELD_TOO_LONG)))
        g_assert (fct_msg_get_header_count (small) == fct_msg_get_header_count (msg));
    }
  else
    g_assert (error != NULL && error->domain == FCT_MSG_ERROR && error->message[0] != '\0');
  return 0;
}
