/* facteur-extract — the child that reads one attachment for the analysis: the content on
 * standard input, the answer (include/facteur/extract.h wire format) on standard output.
 * Its parent has already limited its CPU time, address space and file writes, and kills
 * it at the deadline; it only parses. Usage: facteur-extract pdf|ooxml|ole TEXT_MAX.
 * Exit status: 0 answered, 64 usage, 70 the answer could not be written. */
#include <facteur/extract.h>

#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <unistd.h>

/* Read at most this much input: the parent sends at most FctLimits.archive_max_bytes. */
#define INPUT_MAX (256 * 1024 * 1024)

static gboolean
write_all (int fd, const guint8 *p, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        return FALSE;
      p += n;
      len -= (gsize)n;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  FctExtractKind kind;
  guint64 text_max = 0;
  g_autoptr (GByteArray) input = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();
  guint8 chunk[65536];
  ssize_t n;
  gsize len = 0;
  const guint8 *data;

  if (argc != 3 || !fct_extract_kind_from_string (argv[1], &kind)
      || !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT32, &text_max, NULL))
    return 64;
  while ((n = read (STDIN_FILENO, chunk, sizeof chunk)) > 0 && input->len < INPUT_MAX)
    g_byte_array_append (input, chunk, (guint)n);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&input));

  gsf_init ();
  xmlInitParser ();
  result->status = fct_extract_any (kind, bytes, (gsize)text_max, result, NULL)
                       ? FCT_EXTRACT_STATUS_OK
                       : FCT_EXTRACT_STATUS_UNREADABLE;
  answer = fct_extract_result_serialize (result);
  data = g_bytes_get_data (answer, &len);
  /* _exit: no library destructors (poppler's, libxml2's) run on the way out, which
     keeps the child's exit cheap and leak checkers quiet about them. */
  _exit (write_all (STDOUT_FILENO, data, len) ? 0 : 70);
}
