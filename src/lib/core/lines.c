/* facteur — the bounded line reader (include/facteur/lines.h). Lines end with LF; a CR
 * before it is removed. The buffer is compacted as lines are taken, and a line that
 * outgrows line_max is dropped as it arrives, so memory stays within line_max plus the
 * bytes of one push. */
#include <facteur/lines.h>

#include <string.h>

struct _FctLineReader
{
  GByteArray *buffer;
  gsize start; /* where the next line begins in buffer */
  gsize line_max;
  gboolean skipping; /* dropping the rest of an overlong line, up to its newline */
  gboolean finished; /* no more bytes will come */
};

FctLineReader *
fct_line_reader_new (gsize line_max)
{
  FctLineReader *r = g_new0 (FctLineReader, 1);
  r->buffer = g_byte_array_new ();
  r->line_max = MAX (line_max, 1);
  return r;
}

void
fct_line_reader_free (FctLineReader *reader)
{
  if (reader == NULL)
    return;
  g_byte_array_unref (reader->buffer);
  g_free (reader);
}

/* An overlong line keeps line_max + 2 bytes (one more than a line and its CR): enough
 * for next () to call it too long, in its place among the lines. */
static gsize
kept_max (const FctLineReader *r)
{
  return r->line_max + 2;
}

void
fct_line_reader_push (FctLineReader *r, const guint8 *data, gsize len)
{
  g_return_if_fail (r != NULL && (data != NULL || len == 0) && !r->finished);
  if (r->start > 0)
    {
      g_byte_array_remove_range (r->buffer, 0, (guint)r->start);
      r->start = 0;
    }
  while (len > 0)
    {
      const guint8 *nl = memchr (data, '\n', len);
      gsize take = nl != NULL ? (gsize)(nl - data) + 1 : len;
      if (r->skipping)
        {
          if (nl != NULL)
            {
              g_byte_array_append (r->buffer, (const guint8 *)"\n", 1);
              r->skipping = FALSE;
            }
        }
      else
        {
          /* The current line's length so far, after the last newline kept. */
          gsize line_start = r->buffer->len;
          while (line_start > 0 && r->buffer->data[line_start - 1] != '\n')
            line_start--;
          gsize room = kept_max (r) - MIN (r->buffer->len - line_start, kept_max (r));
          gsize body = nl != NULL ? take - 1 : take;
          if (body > room)
            {
              /* Over the limit: keep what marks it too long, drop the rest. */
              g_byte_array_append (r->buffer, data, (guint)room);
              if (nl != NULL)
                g_byte_array_append (r->buffer, (const guint8 *)"\n", 1);
              else
                r->skipping = TRUE;
            }
          else
            g_byte_array_append (r->buffer, data, (guint)take);
        }
      data += take;
      len -= take;
    }
}

void
fct_line_reader_finish (FctLineReader *r)
{
  g_return_if_fail (r != NULL);
  r->finished = TRUE;
  r->skipping = FALSE;
}

FctLineStatus
fct_line_reader_next (FctLineReader *r, const char **line, gsize *len)
{
  g_return_val_if_fail (r != NULL && line != NULL && len != NULL, FCT_LINE_MORE);
  gsize avail = r->buffer->len - r->start;
  /* An array that never held a byte has no data pointer: NULL + 0 is undefined in C. */
  guint8 *base = avail > 0 ? r->buffer->data + r->start : NULL;
  guint8 *nl = avail > 0 ? memchr (base, '\n', avail) : NULL;
  gsize n;
  if (nl != NULL)
    n = (gsize)(nl - base);
  else if (r->finished && avail > 0)
    n = avail;
  else
    return FCT_LINE_MORE;
  gsize consumed = nl != NULL ? n + 1 : n;
  if (n > 0 && base[n - 1] == '\r')
    n--;
  if (n > r->line_max)
    {
      r->start += consumed;
      return FCT_LINE_TOO_LONG;
    }
  if (nl == NULL)
    {
      /* The last line without newline: a spare byte for its NUL. */
      g_byte_array_append (r->buffer, (const guint8 *)"", 1);
      base = r->buffer->data + r->start;
      consumed++;
    }
  base[n] = '\0';
  r->start += consumed;
  *line = (const char *)base;
  *len = n;
  return FCT_LINE_OK;
}

gsize
fct_line_reader_get_pending (const FctLineReader *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->buffer->len - r->start;
}
