/* facteur — the message object: reference counting, accessors, and header field lookup
 * by name, top-down or bottom-up as DKIM selects fields (RFC 6376 §5.4.2). Parsing is in
 * parse.c, file reading in read.c. */
#include "msg-private.h"

G_DEFINE_QUARK (fct - msg - error - quark, fct_msg_error)

FctMsg *
fct_msg_ref (FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_atomic_ref_count_inc (&msg->ref_count);
  return msg;
}

void
fct_msg_unref (FctMsg *msg)
{
  if (msg == NULL || !g_atomic_ref_count_dec (&msg->ref_count))
    return;
  g_bytes_unref (msg->bytes);
  g_free (msg->headers);
  g_free (msg->values);
  g_free (msg->mbox_sender);
  g_free (msg->past_name);
  g_free (msg->too_long_name);
  g_free (msg);
}

GBytes *
fct_msg_get_bytes (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->bytes;
}

guint
fct_msg_get_header_count (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->header_count;
}

const FctMsgHeader *
fct_msg_get_header (const FctMsg *msg, guint index)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (index < msg->header_count, NULL);
  return &msg->headers[index];
}

typedef struct
{
  FctSlice wanted;
  guint n;
} Count;

static void
count_field (FctSlice raw, FctSlice name, gpointer data)
{
  Count *c = data;
  (void)raw;
  if (fct_slice_equal_ascii_nocase (name, c->wanted))
    c->n++;
}

guint
fct_msg_count_headers (const FctMsg *msg, const char *name)
{
  g_return_val_if_fail (msg != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  Count c = { fct_slice_from_str (name), 0 };
  int i = fct_msg_kept_name_index (c.wanted);
  if (i >= 0)
    return msg->name_counts[i];
  fct_msg_foreach_field (msg, count_field, &c);
  return c.n;
}

void
fct_msg_foreach_field (const FctMsg *msg, FctMsgFieldFunc func, gpointer user_data)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (func != NULL);

  /* Only a message over the limit pays for a second walk over its header. */
  if (msg->over.skipped > 0)
    {
      fct_msg_scan_fields (msg, func, user_data);
      return;
    }
  for (guint i = 0; i < msg->header_count; i++)
    func (msg->headers[i].raw, msg->headers[i].name, user_data);
}

const FctMsgOverLimits *
fct_msg_get_over_limits (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return &msg->over;
}

const FctMsgHeader *
fct_msg_find_header (const FctMsg *msg, const char *name, guint nth)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  FctSlice wanted = fct_slice_from_str (name);
  for (guint i = 0; i < msg->header_count; i++)
    if (fct_slice_equal_ascii_nocase (msg->headers[i].name, wanted) && nth-- == 0)
      return &msg->headers[i];
  return NULL;
}

const FctMsgHeader *
fct_msg_find_header_from_bottom (const FctMsg *msg, const char *name, guint nth)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  FctSlice wanted = fct_slice_from_str (name);
  for (guint i = msg->header_count; i > 0; i--)
    if (fct_slice_equal_ascii_nocase (msg->headers[i - 1].name, wanted) && nth-- == 0)
      return &msg->headers[i - 1];
  return NULL;
}

FctSlice
fct_msg_get_body (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, FCT_SLICE_EMPTY);
  return fct_slice_new (msg->data + msg->body_offset, msg->len - msg->body_offset);
}

gsize
fct_msg_get_body_offset (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->body_offset;
}

FctMsgFlags
fct_msg_get_flags (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, FCT_MSG_FLAG_NONE);
  return msg->flags;
}

FctSlice
fct_msg_get_mbox_sender (const FctMsg *msg)
{
  g_return_val_if_fail (msg != NULL, FCT_SLICE_EMPTY);
  if (msg->mbox_sender == NULL)
    return FCT_SLICE_EMPTY;
  return fct_slice_new (msg->mbox_sender, msg->mbox_sender_len);
}
