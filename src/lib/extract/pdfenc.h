/* facteur — the tables of the reader of ordinary PDFs (pdftext.c), generated into
 * pdfenc.c by scripts/gen-pdf-encodings.py. Not included from outside src/lib/extract. */
#pragma once

#include <glib.h>

/* The simple fonts' encodings (ISO 32000-1 Annex D): glyph names, NULL where none. */
extern const char *const fct_pdf_standard_encoding[256];
extern const char *const fct_pdf_winansi_encoding[256];
extern const char *const fct_pdf_macroman_encoding[256];

/* Adobe's glyph list: names of one character, sorted by strcmp. */
typedef struct
{
  const char *name;
  guint32 unicode;
} FctPdfGlyph;

extern const FctPdfGlyph fct_pdf_glyphs[];
extern const gsize fct_pdf_glyphs_len;

/* The widths of the standard Latin fonts (§9.6.2.2) in 1/1000 em, sorted by name. */
typedef struct
{
  const char *name;
  guint16 width;
} FctPdfWidth;

typedef struct
{
  const char *base_font;
  const FctPdfWidth *widths;
  gsize len;
} FctPdfStandardFont;

extern const FctPdfStandardFont fct_pdf_standard_fonts[];
extern const gsize fct_pdf_standard_fonts_len;
