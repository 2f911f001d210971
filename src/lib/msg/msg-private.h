/* facteur — the message object shared by the files of src/lib/msg; never included from
 * outside this folder (DESIGN.md). */
#pragma once

#include <facteur/msg.h>

struct _FctMsg
{
  gatomicrefcount ref_count;
  /* The normalised bytes (CRLF line ends): a reference to the caller's GBytes when they
   * needed no change, otherwise a converted copy. */
  GBytes *bytes;
  const guint8 *data;
  gsize len;
  FctMsgHeader *headers; /* header_count entries, in message order */
  guint header_count;
  char *values; /* one buffer holding every unfolded value, each NUL-terminated */
  gsize body_offset;
  FctMsgFlags flags;
  char *mbox_sender; /* NULL, or the sender of a skipped "From " line */
  gsize mbox_sender_len;
  FctMsgOverLimits over;
  char *skipped_name; /* owned; over.skipped_first_name points here */
  char *too_long_name;
};

/* parse.c: calls func on every field of the header, kept or skipped. */
void fct_msg_scan_fields (const FctMsg *msg, FctMsgFieldFunc func, gpointer user_data);
