/* facteur — the reader of ordinary PDFs (pdftext.c), its cross-reference check
 * (pdfxref.c) and fonts (pdffont.c), on the bounded object reader (pdfobj.c). Not
 * included from outside src/lib/extract. */
#pragma once

#include "pdfenc.h"
#include "pdfobj.h"

/* Code mappings of one ToUnicode CMap (two-byte codes cannot have more), and of all
   those of a document: a font has a few hundred; ranges spanning 65,536 codes in each
   of many fonts would take memory and time the resident must not spend. */
#define CMAP_ENTRIES_MAX 65536
#define DOCUMENT_CMAP_ENTRIES_MAX (4 * CMAP_ENTRIES_MAX)
/* Cross-reference sections followed through /Prev: an incremental update adds one. */
#define XREF_SECTIONS_MAX 64

/* A font as the text reader needs it: each code's characters and width. */
typedef struct
{
  gboolean two_byte;    /* Identity-H: codes of two bytes, CID = code */
  GHashTable *unicode;  /* code -> UTF-8 (owned), from the ToUnicode CMap */
  GHashTable *widths;   /* code -> width in 1/1000 em, as GINT (two-byte fonts) */
  double default_width; /* /DW or /MissingWidth */
  /* Simple fonts: each code's glyph name (owned), and what it gives, worked out when a
     code is first shown: a document shows a few dozen of the 256. */
  const char *names[256]; /* static, or in differences */
  int base;               /* ENC_*, or -1: the encoding the names come from */
  guint8 differs[256];    /* the code's name is from /Differences */
  gsize std_index;        /* in fct_pdf_standard_fonts, with std */
  GPtrArray *differences; /* the names of /Differences (owned) */
  char *text[256];
  guint8 seen[256];
  double simple_w[256]; /* < 0: the standard font's width of the glyph, to look up */
  const FctPdfStandardFont *std;
} Font;

void fct_pdf_font_free (gpointer data);

typedef struct
{
  Reader *r;
  gboolean refused;  /* not simple: poppler reads the document */
  GHashTable *fonts; /* object number -> Font (owned) */
  GPtrArray *inline_fonts;
  GArray *glyphs;   /* of the page being read */
  GPtrArray *texts; /* replacement texts the glyphs point to (owned) */
  double box[4];    /* the page's crop box */
  gsize glyphs_max;
  gsize content_left; /* bytes of content streams still to interpret */
  guint cmap_left;    /* code mappings still to read */
  guint forms_left;   /* form XObjects still to draw */
  guint xref_left;    /* cross-reference entries still to check */
} Ctx;

/* The document is not simple: poppler reads it. */
static inline void
refuse (Ctx *x)
{
  x->refused = TRUE;
}

static inline double
number (const Value *v, double fallback)
{
  return v != NULL && v->kind == V_NUM ? v->real : fallback;
}

/* A stream's dictionary (in *dict_out) and its data, decoded when unfiltered or
 * FlateDecode; NULL otherwise. */
GByteArray *fct_pdf_stream_open (Ctx *x, const Value *ref, Value **dict_out);

/* The catalog's object number once every cross-reference section matches the indexed
 * objects; 0 when the document is not simple. */
gint64 fct_pdf_xref_check (Ctx *x);

/* Tokens of content streams and CMaps (§7.8.2): an operand (a number read into slot
 * when slot is given, else allocated), or an operator. */
typedef enum
{
  TOKEN_END,
  TOKEN_OPERAND,
  TOKEN_OPERATOR,
  TOKEN_BAD,
} Token;

Token fct_pdf_lex (Parser *ps, Value *slot, Value **operand, const guint8 **word,
                   gsize *len);
gboolean fct_pdf_word_is (const guint8 *word, gsize len, const char *name);

/* The font a Tf names in resources, read once per document; NULL when not simple. */
Font *fct_pdf_font_get (Ctx *x, const Value *resources, const Value *name);
/* A simple font's code's characters without a ToUnicode entry, NULL for none. */
const char *fct_pdf_font_text (Font *f, guint code);
/* A code's width in 1/1000 em. */
double fct_pdf_font_width (Font *f, guint code);
