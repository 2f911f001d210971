/* facteur — extraction internals shared by the parsers (pdf.c, ooxml.c, ole.c), the
 * wire format (result.c) and the child runner (isolate.c). Not included from outside
 * src/lib/extract. */
#pragma once

#include <facteur/extract.h>

/* Adds an embedded file name (copied, made valid UTF-8, line breaks replaced), up to
 * FCT_EXTRACT_EMBEDDED_MAX. */
void fct_extract_embedded_add (FctExtractResult *result, const char *name);

/* Sets result's text from text, cut at text_max bytes (TRUNCATED then) and made valid
 * UTF-8. */
void fct_extract_text_set (FctExtractResult *result, GString *text, gsize text_max);

/* Inflates one FlateDecode stream (zlib, ISO 32000-1 §7.4.4) into out, up to *budget
 * bytes, which it decreases (pdf.c). */
void fct_extract_pdf_inflate (const guint8 *p, gsize n, GByteArray *out, gsize *budget);

/* Sets the JavaScript and Launch flags from the names inside FlateDecode object streams
 * (§7.5.7), which a byte scan of the file does not see (pdf.c). */
void fct_extract_pdf_scan_object_streams (const guint8 *p, gsize n, const FctLimits *limits,
                                          FctExtractResult *result);

/* The resident helper's protocol (serve.c, isolate.c): on a SOCK_SEQPACKET socket pair,
 * the helper says FCT_EXTRACT_HELLO once it is ready, then receives one request per
 * document with, as SCM_RIGHTS, the socket on which the document comes and the answer
 * goes (the fct_extract_result_serialize wire format). */
#define FCT_EXTRACT_REQUEST_MAGIC 0x5a544346u /* "FCTZ" */
#define FCT_EXTRACT_HELLO "FCTZ1 ready"

typedef struct
{
  guint32 magic;
  guint32 kind;         /* FctExtractKind */
  guint64 text_max;     /* bytes of text */
  guint64 memory_bytes; /* RLIMIT_AS */
  guint32 cpu_seconds;  /* RLIMIT_CPU */
  guint32 timeout_ms;   /* wall clock until the child ends itself */
} FctExtractRequest;
