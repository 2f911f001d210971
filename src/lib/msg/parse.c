/* facteur — parses message bytes into header fields and body: lines (RFC 5322 §2.1),
 * fields and unfolding (§2.2, §2.2.3, §3.6), obsolete WSP before the colon (§4.5). Line
 * ends (LF, or CR alone in a file with no LF) become CRLF, the wire form DKIM hashes
 * (RFC 6376 §5.3). Every stage is O(n). */
#include "msg-private.h"

#include <glib/gi18n-lib.h>

/* Longest field name quoted in an error message; names are printable ASCII. */
#define NAME_IN_ERROR_MAX 64

static inline gboolean
is_wsp (guint8 c)
{
  return c == ' ' || c == '\t';
}

/* RFC 5322 §2.2: a field name is printable US-ASCII except the colon. */
static inline gboolean
is_ftext (guint8 c)
{
  return c >= 33 && c <= 126 && c != ':';
}

/* An mbox envelope line "From SENDER DATE" (RFC 4155) may precede the message. A first
 * line "From :" is instead a From field with obsolete WSP before the colon (§4.5). On a
 * match, sets skip to the bytes to drop (the line and its LF) and sender to its first
 * word. */
static gboolean
mbox_line_match (const guint8 *in, gsize len, gsize *skip, FctSlice *sender)
{
  static const char prefix[] = "From ";
  const gsize prefix_len = sizeof prefix - 1;

  if (len < prefix_len || memcmp (in, prefix, prefix_len) != 0)
    return FALSE;

  /* Input without any LF ends its lines with CR alone (see cr_convert). */
  const guint8 *lf = memchr (in, '\n', len);
  if (lf == NULL)
    lf = memchr (in, '\r', len);
  gsize line_len = lf != NULL ? (gsize)(lf - in) : len;
  gsize i = prefix_len;
  while (i < line_len && is_wsp (in[i]))
    i++;
  if (i < line_len && in[i] == ':')
    return FALSE;

  gsize start = i;
  while (i < line_len && !is_wsp (in[i]) && in[i] != '\r')
    i++;
  *sender = fct_slice_new (in + start, i - start);
  *skip = lf != NULL ? line_len + 1 : len;
  return TRUE;
}

/* What the input's line ends and odd bytes look like, before any conversion. */
typedef struct
{
  gsize crlf;
  gsize bare_lf;
  gsize bare_cr;
  gboolean nul;
} Census;

/* One memchr pass per kind of byte rather than a switch on every byte: messages are
 * long and their line ends few. */
static void
census_take (const guint8 *in, gsize len, Census *census)
{
  const guint8 *end = in + len;

  for (const guint8 *p = in; (p = memchr (p, '\n', (gsize)(end - p))) != NULL; p++)
    {
      if (p > in && p[-1] == '\r')
        census->crlf++;
      else
        census->bare_lf++;
    }
  for (const guint8 *p = in; (p = memchr (p, '\r', (gsize)(end - p))) != NULL; p++)
    if (p + 1 == end || p[1] != '\n')
      census->bare_cr++;
  if (memchr (in, '\0', len) != NULL)
    census->nul = TRUE;
}

/* Copies in to a buffer of out_len bytes, writing a CR before every bare LF. */
static guint8 *
crlf_convert (const guint8 *in, gsize len, gsize out_len)
{
  guint8 *out = g_malloc (out_len);
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
        out[o++] = '\r';
      out[o++] = in[i];
    }
  g_assert (o == out_len);
  return out;
}

/* Copies in to a buffer of out_len bytes, writing an LF after every CR: the input's
 * only line ends are bare CRs (classic Mac OS files). */
static guint8 *
cr_convert (const guint8 *in, gsize len, gsize out_len)
{
  guint8 *out = g_malloc (out_len);
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      out[o++] = in[i];
      if (in[i] == '\r')
        out[o++] = '\n';
    }
  g_assert (o == out_len);
  return out;
}

/* Walks the header of normalised bytes (every LF follows a CR) one field at a time. */
typedef struct
{
  const guint8 *d;
  gsize len;
  gsize pos;  /* start of the next line */
  guint line; /* its line number in the input, from 1 */
  gsize line_max;
  FctMsgFlags flags;
} Scanner;

typedef enum
{
  STEP_FIELD,     /* a field was read */
  STEP_SEPARATOR, /* the empty line: the body follows */
  STEP_END,       /* end of input inside the header */
  STEP_BAD_LINE,  /* a line that is neither field nor continuation: the body starts */
  STEP_ERROR,
} Step;

typedef struct
{
  gsize start; /* first byte of the field */
  gsize name_len;
  gsize colon;
  gsize end; /* end of the field, before its final CRLF */
  guint line;
} Span;

/* Reads the line at s->pos and moves to the next; returns where its content ends. */
static gsize
scanner_line (Scanner *s)
{
  gsize start = s->pos;
  gsize i = start;

  for (; i < s->len && s->d[i] != '\n'; i++)
    if (s->d[i] >= 0x80)
      s->flags |= FCT_MSG_FLAG_8BIT_HEADER;

  gsize end = i;
  if (i < s->len)
    {
      if (i > start && s->d[i - 1] == '\r')
        end = i - 1;
      i++;
    }
  if (end - start > s->line_max)
    s->flags |= FCT_MSG_FLAG_LONG_LINE;
  s->pos = i;
  if (s->line < G_MAXUINT)
    s->line++;
  return end;
}

static Step
scanner_next (Scanner *s, gboolean first, Span *span, GError **error)
{
  const guint8 *d = s->d;
  gsize p = s->pos;

  if (p == s->len)
    return STEP_END;

  if (d[p] == '\r' && p + 1 < s->len && d[p + 1] == '\n')
    {
      if (first)
        {
          g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_NOT_A_MESSAGE,
                       _ ("Not a message: line %u is empty, so there is no header"),
                       s->line);
          return STEP_ERROR;
        }
      s->pos = p + 2;
      s->line++;
      return STEP_SEPARATOR;
    }

  /* Continuation lines are read with their field, so one can only be met here as the
   * first line, where there is no field to continue. */
  if (is_wsp (d[p]))
    {
      g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_NOT_A_MESSAGE,
                   _ ("Not a message: line %u starts with white space, a continuation with "
                      "no header field before it"),
                   s->line);
      return STEP_ERROR;
    }

  gsize i = p;
  while (i < s->len && is_ftext (d[i]))
    i++;
  gsize name_end = i;
  while (i < s->len && is_wsp (d[i]))
    i++;
  if (name_end == p || i == s->len || d[i] != ':')
    {
      if (first)
        {
          g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_NOT_A_MESSAGE,
                       _ ("Not a message: line %u is not a header field (“Name: value”)"),
                       s->line);
          return STEP_ERROR;
        }
      return STEP_BAD_LINE;
    }

  span->start = p;
  span->name_len = name_end - p;
  span->colon = i;
  span->line = s->line;
  span->end = scanner_line (s);
  while (s->pos < s->len && is_wsp (d[s->pos]))
    span->end = scanner_line (s);
  return STEP_FIELD;
}

static char *
name_for_error (const Scanner *s, const Span *span)
{
  if (span->name_len <= NAME_IN_ERROR_MAX)
    return g_strndup ((const char *)s->d + span->start, span->name_len);
  g_autofree char *head = g_strndup ((const char *)s->d + span->start, NAME_IN_ERROR_MAX);
  return g_strconcat (head, "…", NULL);
}

/* Unfolds value into out (RFC 5322 §2.2.3): inside a field every CRLF is followed by
 * WSP, so each is removed; leading WSP is dropped. Returns the length written before
 * the NUL. */
static gsize
value_unfold (FctSlice value, char *out)
{
  gsize o = 0;

  for (gsize i = 0; i < value.len; i++)
    {
      guint8 c = value.ptr[i];
      if (c == '\r' && i + 1 < value.len && value.ptr[i + 1] == '\n')
        {
          i++;
          continue;
        }
      if (o == 0 && is_wsp (c))
        continue;
      out[o++] = (char)c;
    }
  out[o] = '\0';
  return o;
}

/* Past header_fields_max, fields are skipped (padding must not hide the report, nor
 * take memory without bound), except the first of each name the library reads: the
 * originator, destination and identification fields (RFC 5322 §3.6), Return-Path, the
 * MIME fields, bulk-mail fields, and the authentication fields. A From after a thousand
 * padding fields is still the From; fct_msg_count_headers still counts a second one
 * past the limit, and DKIM and ARC walk every field (fct_msg_foreach_field). */
#define KEPT(name)                                                                         \
  {                                                                                        \
    name, sizeof name - 1                                                                  \
  }
static const struct
{
  const char *name;
  gsize len;
} kept_names[] = {
  KEPT ("From"),
  KEPT ("Sender"),
  KEPT ("Reply-To"),
  KEPT ("To"),
  KEPT ("Cc"),
  KEPT ("Subject"),
  KEPT ("Date"),
  KEPT ("Message-ID"),
  KEPT ("Return-Path"),
  KEPT ("MIME-Version"),
  KEPT ("Content-Type"),
  KEPT ("Content-Transfer-Encoding"),
  KEPT ("DKIM-Signature"),
  KEPT ("ARC-Seal"),
  KEPT ("ARC-Message-Signature"),
  KEPT ("ARC-Authentication-Results"),
  KEPT ("Authentication-Results"),
  KEPT ("List-Id"),
  KEPT ("List-Unsubscribe"),
  KEPT ("List-Unsubscribe-Post"),
  KEPT ("Precedence"),
};
#undef KEPT
G_STATIC_ASSERT (G_N_ELEMENTS (kept_names) == FCT_MSG_KEPT_NAMES);
G_STATIC_ASSERT (FCT_MSG_KEPT_NAMES <= 32); /* Keep.named has a bit for each */

/* Which fields are kept; both passes make the same decisions in the same order. */
typedef struct
{
  guint max;
  guint read;    /* fields read so far */
  guint32 named; /* bit i: a field named kept_names[i] is kept */
} Keep;

int
fct_msg_kept_name_index (FctSlice name)
{
  /* Lengths first: a padded header runs this for every one of its fields. */
  for (guint i = 0; i < G_N_ELEMENTS (kept_names); i++)
    if (kept_names[i].len == name.len
        && g_ascii_strncasecmp (kept_names[i].name, (const char *)name.ptr, name.len) == 0)
      return (int)i;
  return -1;
}

/* Decides whether the field is kept; *index is its kept_names index or -1. */
static gboolean
keep_field (Keep *k, const Scanner *s, const Span *span, int *index)
{
  /* The first field is always kept: a message has at least one (msg.h). */
  gboolean keep = k->read < MAX (k->max, 1);
  int i = fct_msg_kept_name_index (fct_slice_new (s->d + span->start, span->name_len));

  if (k->read < G_MAXUINT)
    k->read++;
  if (i >= 0)
    {
      keep = keep || !(k->named & (1u << i));
      if (keep)
        k->named |= 1u << i;
    }
  *index = i;
  return keep;
}

static gboolean
field_too_long (const Span *span, const FctLimits *limits)
{
  return span->end - span->start > limits->header_field_max_bytes;
}

/* First pass: finds where the header ends, decides which fields are kept and sizes the
 * value buffer, all before anything is allocated. A breached limit is recorded in
 * msg->over, never an error: the report must still be made. */
static gboolean
header_measure (Scanner *s, const FctLimits *limits, FctMsg *msg, gsize *values_size,
                GError **error)
{
  Span span;
  Step step;
  guint count = 0;
  gsize size = 0;
  Keep keep = { .max = limits->header_fields_max };
  FctMsgOverLimits *over = &msg->over;

  over->fields_max = limits->header_fields_max;
  over->field_max_bytes = limits->header_field_max_bytes;

  while ((step = scanner_next (s, keep.read == 0, &span, error)) == STEP_FIELD)
    {
      int index;
      if (over->fields < G_MAXUINT)
        over->fields++;
      gboolean kept = keep_field (&keep, s, &span, &index);
      if (index >= 0 && msg->name_counts[index] < G_MAXUINT)
        msg->name_counts[index]++;
      if (over->fields == limits->header_fields_max + 1)
        {
          msg->past_name = name_for_error (s, &span);
          over->past_first_line = span.line;
        }
      if (!kept)
        {
          over->skipped++;
          continue;
        }
      count++;
      if (field_too_long (&span, limits))
        {
          if (over->too_long++ == 0)
            {
              msg->too_long_name = name_for_error (s, &span);
              over->too_long_first_line = span.line;
              over->too_long_first_bytes = span.end - span.start;
            }
          /* Its value is left empty: only the NUL. */
          size += 1;
          continue;
        }
      /* The value and its NUL take no more room than the name and colon before it, so
       * the sum stays under the message length. */
      size += span.end - span.colon;
    }

  switch (step)
    {
    case STEP_SEPARATOR:
    case STEP_BAD_LINE:
      msg->body_offset = s->pos;
      if (step == STEP_BAD_LINE)
        s->flags |= FCT_MSG_FLAG_BAD_HEADER_LINE;
      break;
    case STEP_END:
      msg->body_offset = s->len;
      s->flags |= FCT_MSG_FLAG_NO_SEPARATOR;
      break;
    case STEP_ERROR:
      return FALSE;
    case STEP_FIELD:
      g_assert_not_reached ();
    }
  over->past_first_name = msg->past_name;
  over->too_long_first_name = msg->too_long_name;
  msg->header_count = count;
  *values_size = size;
  return TRUE;
}

/* Second pass over the same bytes: fills the fields header_measure kept. */
static void
header_fill (Scanner *s, FctMsg *msg, const FctLimits *limits, gsize values_size)
{
  Span span;
  gsize used = 0;
  Keep keep = { .max = limits->header_fields_max };

  msg->headers = g_new0 (FctMsgHeader, msg->header_count);
  /* Each field adds at least its NUL, so values_size > 0. */
  msg->values = g_malloc (values_size);
  for (guint n = 0; n < msg->header_count;)
    {
      Step step = scanner_next (s, keep.read == 0, &span, NULL);
      g_assert (step == STEP_FIELD);
      int index;
      if (!keep_field (&keep, s, &span, &index))
        continue;

      FctMsgHeader *h = &msg->headers[n++];
      h->offset = span.start;
      h->raw = fct_slice_new (s->d + span.start, span.end - span.start);
      h->name = fct_slice_new (s->d + span.start, span.name_len);
      h->value_raw = fct_slice_new (s->d + span.colon + 1, span.end - span.colon - 1);
      h->value = msg->values + used;
      if (field_too_long (&span, limits))
        {
          msg->values[used] = '\0';
          h->value_len = 0;
        }
      else
        h->value_len = value_unfold (h->value_raw, msg->values + used);
      used += h->value_len + 1;
    }
  g_assert (used <= values_size);
}

void
fct_msg_scan_fields (const FctMsg *msg, FctMsgFieldFunc func, gpointer user_data)
{
  Scanner s = { .d = msg->data, .len = msg->body_offset, .line = 1 };
  Span span;

  while (scanner_next (&s, s.line == 1, &span, NULL) == STEP_FIELD)
    func (fct_slice_new (s.d + span.start, span.end - span.start),
          fct_slice_new (s.d + span.start, span.name_len), user_data);
}

/* TRUE if a byte of d[0, len) has its high bit set: eight bytes at a time. */
static gboolean
any_8bit (const guint8 *d, gsize len)
{
  guint64 acc = 0;
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 w;
      memcpy (&w, d + i, sizeof w);
      acc |= w;
    }
  for (; i < len; i++)
    acc |= d[i];
  return (acc & G_GUINT64_CONSTANT (0x8080808080808080)) != 0;
}

/* Flags 8-bit bytes and long lines in the body. */
static FctMsgFlags
body_flags (const guint8 *d, gsize len, gsize offset, gsize line_max)
{
  FctMsgFlags flags = FCT_MSG_FLAG_NONE;
  gsize line_start = offset;
  const guint8 *end = d + len;

  if (offset < len && any_8bit (d + offset, len - offset))
    flags |= FCT_MSG_FLAG_8BIT_BODY;
  for (const guint8 *p = d + MIN (offset, len);
       (p = memchr (p, '\n', (gsize)(end - p))) != NULL; p++)
    {
      gsize i = (gsize)(p - d);
      gsize line_end = i > line_start && d[i - 1] == '\r' ? i - 1 : i;
      if (line_end - line_start > line_max)
        flags |= FCT_MSG_FLAG_LONG_LINE;
      line_start = i + 1;
    }
  if (len - line_start > line_max)
    flags |= FCT_MSG_FLAG_LONG_LINE;
  if (len < 2 || d[len - 2] != '\r' || d[len - 1] != '\n')
    flags |= FCT_MSG_FLAG_NO_FINAL_EOL;
  return flags;
}

FctMsg *
fct_msg_new_from_bytes (GBytes *bytes, const FctLimits *limits, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL)
    limits = fct_limits_default ();

  gsize in_len = 0;
  const guint8 *in = g_bytes_get_data (bytes, &in_len);
  if (in_len > limits->message_max_bytes)
    {
      g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE,
                   _ ("Message too large: %zu bytes, over the limit of %zu bytes "
                      "(message_max_bytes)"),
                   in_len, limits->message_max_bytes);
      return NULL;
    }
  if (in_len == 0)
    {
      g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_NOT_A_MESSAGE, "%s",
                   _ ("Not a message: the input is empty"));
      return NULL;
    }

  g_autoptr (FctMsg) msg = g_new0 (FctMsg, 1);
  g_atomic_ref_count_init (&msg->ref_count);

  gsize skip = 0;
  guint first_line = 1;
  FctSlice sender;
  if (mbox_line_match (in, in_len, &skip, &sender))
    {
      msg->flags |= FCT_MSG_FLAG_MBOX_FROM;
      msg->mbox_sender = fct_slice_dup (sender);
      msg->mbox_sender_len = sender.len;
      first_line = 2;
      if (skip == in_len)
        {
          g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_NOT_A_MESSAGE, "%s",
                       _ ("Not a message: there is nothing after the mbox “From ” line"));
          return NULL;
        }
    }
  const guint8 *rest = in + skip;
  gsize rest_len = in_len - skip;

  Census census = { 0 };
  census_take (rest, rest_len, &census);
  /* With no LF at all, every CR is a line end: read such a file as the CRLF message it
   * stands for, as LF files are. Where LFs exist, a bare CR is a stray byte, kept. */
  gboolean cr_only = census.crlf == 0 && census.bare_lf == 0 && census.bare_cr > 0;
  gsize added = cr_only ? census.bare_cr : census.bare_lf;
  if (added == 0)
    msg->bytes
        = skip == 0 ? g_bytes_ref (bytes) : g_bytes_new_from_bytes (bytes, skip, rest_len);
  else
    {
      gsize out_len;
      if (!g_size_checked_add (&out_len, rest_len, added))
        {
          g_set_error (
              error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE,
              _ ("Message too large: %zu bytes cannot be converted to CRLF line ends"),
              in_len);
          return NULL;
        }
      msg->bytes = g_bytes_new_take (cr_only ? cr_convert (rest, rest_len, out_len)
                                             : crlf_convert (rest, rest_len, out_len),
                                     out_len);
    }
  msg->data = g_bytes_get_data (msg->bytes, &msg->len);

  if (cr_only)
    msg->flags |= FCT_MSG_FLAG_CR_ONLY;
  else if (census.bare_lf > 0)
    msg->flags |= census.crlf > 0 ? FCT_MSG_FLAG_MIXED_EOL : FCT_MSG_FLAG_LF_ONLY;
  if (census.bare_cr > 0 && !cr_only)
    msg->flags |= FCT_MSG_FLAG_BARE_CR;
  if (census.nul)
    msg->flags |= FCT_MSG_FLAG_NUL;

  Scanner scanner = {
    .d = msg->data,
    .len = msg->len,
    .line = first_line,
    .line_max = limits->line_max_bytes,
  };
  gsize values_size = 0;
  if (!header_measure (&scanner, limits, msg, &values_size, error))
    return NULL;
  msg->flags |= scanner.flags;

  scanner = (Scanner){ .d = msg->data, .len = msg->len, .line = first_line, .line_max = 0 };
  header_fill (&scanner, msg, limits, values_size);
  if (msg->over.fields > limits->header_fields_max)
    msg->flags |= FCT_MSG_FLAG_TOO_MANY_FIELDS;
  if (msg->over.too_long > 0)
    msg->flags |= FCT_MSG_FLAG_FIELD_TOO_LONG;

  msg->flags |= body_flags (msg->data, msg->len, msg->body_offset, limits->line_max_bytes);
  return g_steal_pointer (&msg);
}
