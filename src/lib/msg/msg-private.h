/* facteur — the message object shared by the files of src/lib/msg; never included from
 * outside this folder (DESIGN.md). */
#pragma once

#include <facteur/msg.h>

/* parse.c: how many names have their first field kept past header_fields_max. */
#define FCT_MSG_KEPT_NAMES 21

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
  /* Fields of each name of parse.c's kept_names, skipped ones included: counted once
   * while parsing, so that counting a From does not walk a padded header again. */
  guint name_counts[FCT_MSG_KEPT_NAMES];
  char *past_name; /* owned; over.past_first_name points here */
  char *too_long_name;
};

/* parse.c: a name's index among those (case-insensitive), or -1. */
int fct_msg_kept_name_index (FctSlice name);

/* parse.c: calls func on every field of the header, kept or skipped. */
void fct_msg_scan_fields (const FctMsg *msg, FctMsgFieldFunc func, gpointer user_data);
