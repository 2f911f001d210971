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
