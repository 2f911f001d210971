/* Unit tests of the bounded line reader (include/facteur/lines.h): LF and CRLF ends, a
 * last line without newline, lines cut at every byte, overlong lines reported in their
 * place and never buffered whole. */
#include <facteur/lines.h>

#include <string.h>

/* Every line of input read through a reader fed chunk bytes at a time, as "line|" or
 * "<too long>|". */
static char *
read_all (const char *input, gsize line_max, gsize chunk)
{
  g_autoptr (FctLineReader) r = fct_line_reader_new (line_max);
  GString *out = g_string_new (NULL);
  gsize len = strlen (input);
  for (gsize at = 0;; at += chunk)
    {
      if (at < len)
        fct_line_reader_push (r, (const guint8 *)input + at, MIN (chunk, len - at));
      else
        fct_line_reader_finish (r);
      for (;;)
        {
          const char *line = NULL;
          gsize n = 0;
          FctLineStatus st = fct_line_reader_next (r, &line, &n);
          if (st == FCT_LINE_MORE)
            break;
          if (st == FCT_LINE_TOO_LONG)
            g_string_append (out, "<too long>|");
          else
            {
              g_assert_cmpuint (strlen (line), ==, n);
              g_string_append_printf (out, "%s|", line);
            }
        }
      /* One line's worth and one chunk at most. */
      g_assert_cmpuint (fct_line_reader_get_pending (r), <=, line_max + 2 + chunk);
      if (at >= len)
        break;
    }
  return g_string_free (out, FALSE);
}

static void
test_lines (void)
{
  static const struct
  {
    const char *input;
    gsize line_max;
    const char *want;
  } rows[] = {
    { "a\nbb\n", 10, "a|bb|" },
    { "a\r\nbb\r\n", 10, "a|bb|" },
    { "a\nlast", 10, "a|last|" },
    { "\n\nx\n", 10, "||x|" },
    { "", 10, "" },
    { "abcd\nabcde\nabcdef\nab\n", 5, "abcd|abcde|<too long>|ab|" },
    /* A CR before LF does not count; a bare CR does. */
    { "abcde\r\nabcd\re\n", 5, "abcde|<too long>|" },
    { "short\n"
      "0123456789012345678901234567890123456789\n"
      "end",
      8, "short|<too long>|end|" },
    /* An overlong last line without newline. */
    { "ok\n0123456789", 4, "ok|<too long>|" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    for (gsize chunk = 1; chunk <= 16; chunk++)
      {
        g_autofree char *got = read_all (rows[i].input, rows[i].line_max, chunk);
        if (!g_str_equal (got, rows[i].want))
          g_error ("row %zu, chunk %zu: “%s”, want “%s”", i, chunk, got, rows[i].want);
      }
}

/* A NUL inside a line is kept: the length says where the line ends. */
/* Found by fuzz-lines (UndefinedBehaviorSanitizer): asked for a line before any byte
 * came, the reader added an offset to the empty array's NULL data. */
static void
test_nothing_yet (void)
{
  g_autoptr (FctLineReader) r = fct_line_reader_new (100);
  const char *line = NULL;
  gsize len = 0;

  g_assert_cmpint (fct_line_reader_next (r, &line, &len), ==, FCT_LINE_MORE);
  fct_line_reader_finish (r);
  g_assert_cmpint (fct_line_reader_next (r, &line, &len), ==, FCT_LINE_MORE);
}

static void
test_embedded_nul (void)
{
  g_autoptr (FctLineReader) r = fct_line_reader_new (16);
  fct_line_reader_push (r, (const guint8 *)"a\0b\n", 4);
  const char *line = NULL;
  gsize n = 0;
  g_assert_cmpint (fct_line_reader_next (r, &line, &n), ==, FCT_LINE_OK);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpmem (line, n, "a\0b", 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/lines/table", test_lines);
  g_test_add_func ("/core/lines/nothing-yet", test_nothing_yet);
  g_test_add_func ("/core/lines/embedded-nul", test_embedded_nul);
  return g_test_run ();
}
