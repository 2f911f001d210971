/* libFuzzer target for the bounded line reader (src/lib/core/lines.c): the first byte
 * picks the chunk size and the second the line limit, so input is cut at every place a
 * pipe can cut it. Checks that every line is within the limit, holds no LF, and that the
 * reader never buffers more than a line's worth plus one chunk. */
#include <facteur/lines.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  gsize chunk = (gsize)(data[0] % 64) + 1;
  gsize line_max = (gsize)(data[1] % 40) + 1;
  g_autoptr (FctLineReader) r = fct_line_reader_new (line_max);
  gsize lines = 0, newlines = 0;

  for (gsize at = 2;; at += chunk)
    {
      if (at < size)
        fct_line_reader_push (r, data + at, MIN (chunk, size - at));
      else
        fct_line_reader_finish (r);
      for (;;)
        {
          const char *line = NULL;
          gsize n = 0;
          FctLineStatus st = fct_line_reader_next (r, &line, &n);
          if (st == FCT_LINE_MORE)
            break;
          lines++;
          if (st == FCT_LINE_OK)
            {
              g_assert (n <= line_max);
              g_assert (memchr (line, '\n', n) == NULL);
              g_assert (line[n] == '\0');
            }
        }
      g_assert (fct_line_reader_get_pending (r) <= line_max + 2 + chunk);
      if (at >= size)
        break;
    }
  for (gsize i = 2; i < size; i++)
    newlines += data[i] == '\n';
  /* One line per newline, and one more when the input does not end with one. */
  g_assert (lines == newlines + (size > 2 && data[size - 1] != '\n'));
  return 0;
}
