/* facteur — a bounded line reader for untrusted text input (batch files, standard
 * input): push bytes as they arrive, take lines out. Never holds more than one line's
 * worth: a longer line is reported once, its bytes dropped up to the next newline. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FctLineReader FctLineReader;

typedef enum
{
  FCT_LINE_MORE,     /* no complete line: push more bytes, or finish */
  FCT_LINE_OK,       /* *line and *len are set: the line without LF or CRLF */
  FCT_LINE_TOO_LONG, /* a line over line_max bytes (its end not counted) was dropped */
} FctLineStatus;

/* line_max: the longest line kept, in bytes (limits->batch_line_max_bytes). */
FctLineReader *fct_line_reader_new (gsize line_max);
void fct_line_reader_free (FctLineReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctLineReader, fct_line_reader_free)

void fct_line_reader_push (FctLineReader *reader, const guint8 *data, gsize len);
/* The input ended: a last line without its newline is returned by the next calls. */
void fct_line_reader_finish (FctLineReader *reader);
/* The next line. *line (transfer none) is valid until the next call, NUL-terminated
 * (it may hold other NULs: use *len). */
FctLineStatus fct_line_reader_next (FctLineReader *reader, const char **line, gsize *len);
/* Bytes pushed and not yet returned as lines. */
gsize fct_line_reader_get_pending (const FctLineReader *reader);

G_END_DECLS
