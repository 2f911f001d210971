/* facteur-extract — reads attachments for the analysis in processes of their own.
 *   facteur-extract pdf|ooxml|ole TEXT_MAX   one document on standard input, the answer
 *                                            (include/facteur/extract.h) on standard output
 *   facteur-extract --serve                  resident: requests on standard input (a
 *                                            socket), one forked child per document
 * Its parent has already limited its CPU time, address space and file writes, and ends
 * it at the deadline; it only parses. Exit status: 0 answered (or the parent left), 64
 * usage, 70 the answer could not be written. */
#include <facteur/extract.h>

#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  FctExtractKind kind;
  guint64 text_max = 0;
  int status;

  if (argc == 2 && g_str_equal (argv[1], "--serve"))
    {
      fct_extract_serve (STDIN_FILENO);
      _exit (0);
    }
  if (argc != 3 || !fct_extract_kind_from_string (argv[1], &kind)
      || !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT32, &text_max, NULL))
    return 64;
  gsf_init ();
  xmlInitParser ();
  status = fct_extract_serve_one (STDIN_FILENO, STDOUT_FILENO, kind, (gsize)text_max);
  /* _exit: no library destructors (poppler's, libxml2's) run on the way out, which
     keeps the child's exit cheap and leak checkers quiet about them. */
  _exit (status);
}
