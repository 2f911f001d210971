/* facteur — facteur's bounded reader of PDF objects (pdfobj.c), shared by the listing
 * of embedded files and the text reader of ordinary PDFs (pdftext.c). Not included from
 * outside src/lib/extract. */
#pragma once

#include "extract-private.h"

typedef enum
{
  V_NULL,
  V_BOOL,
  V_NUM,
  V_STRING,
  V_NAME,
  V_ARRAY,
  V_DICT,
  V_REF,
} VKind;

typedef struct Value Value;
struct Value
{
  VKind kind;
  gint64 num;       /* V_NUM (integer part), V_BOOL, V_REF (object number) */
  double real;      /* V_NUM, with its fraction */
  GString *str;     /* V_STRING, V_NAME: decoded bytes */
  GPtrArray *items; /* V_ARRAY; V_DICT as key, value, key, value... */
};

void fct_pdf_value_free (gpointer data);

typedef Value AutoValue;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AutoValue, fct_pdf_value_free)

typedef struct
{
  const guint8 *p;
  const guint8 *end;
  guint values;
  const FctLimits *limits;
  gboolean *over; /* set when a limit stopped the parse */
} Parser;

gboolean fct_pdf_is_space (guint8 c);
gboolean fct_pdf_is_regular (guint8 c);
void fct_pdf_skip_space (Parser *ps);
gboolean fct_pdf_keyword_is (Parser *ps, const char *word);
gboolean fct_pdf_read_uint (Parser *ps, guint64 *value);
/* One value (§7.3), NULL at anything else (an operator, a keyword, bad syntax). */
Value *fct_pdf_parse_value (Parser *ps, guint depth);
const Value *fct_pdf_dict_get (const Value *dict, const char *key);
/* A text string (§7.9.2.2) as UTF-8, NUL and unpaired surrogates made U+FFFD. */
char *fct_pdf_text_string (const GString *s);
gboolean fct_pdf_name_is (const Value *v, const char *name);

/* Where an object's body lies: in the file, or in a decoded object stream. */
typedef struct
{
  const GByteArray *buffer; /* NULL: the file */
  gsize start;
  gsize end;
  gsize header;       /* in the file: where "num gen obj" starts */
  guint stream;       /* in an object stream: its object number */
  gboolean in_stream; /* its header lies inside the data of a stream of known length */
  gboolean parsed;    /* its body read as a value within the limits */
} Entry;

typedef struct
{
  const guint8 *data;
  gsize len;
  const FctLimits *limits;
  gboolean over;
  GHashTable *objects; /* object number -> Entry (owned) */
  GPtrArray *decoded;  /* decoded object streams (GByteArray, owned) */
  GArray *roots;       /* object numbers named by /Root, then typed /Catalog */
  gsize inflate_budget;
  gsize work_left;        /* bytes the value parser may still read, in all: 4 times the
                             file and the inflated bytes, where each is read once or
                             twice (indexing, then the walk) */
  GHashTable *seen_nodes; /* name-tree nodes and file specifications visited */
  guint nodes;
  /* For the text reader, which hands a document to poppler when one is set: */
  gboolean active;        /* a name /JS, /JavaScript or /Launch in some object */
  gboolean objstm_hidden; /* an object stream it could not decode */
} Reader;

/* Indexes every object of data (which must outlive the reader). */
void fct_pdf_reader_open (Reader *r, const guint8 *data, gsize len,
                          const FctLimits *limits);
void fct_pdf_reader_close (Reader *r);
/* Adds the embedded files' names to result; FALSE when a limit stopped the walk. */
gboolean fct_pdf_reader_embedded (Reader *r, FctExtractResult *result);

Value *fct_pdf_parse_at (Reader *r, const guint8 *p, const guint8 *end, gboolean strict);
/* The body of object num, parsed (transfer full), or NULL. */
Value *fct_pdf_load (Reader *r, gint64 num);
/* v itself, or the object it refers to (a few hops), in *owned. */
const Value *fct_pdf_resolve (Reader *r, const Value *v, Value **owned);
/* A stream's data, unfiltered or FlateDecode without predictor, within the inflate
 * budget; NULL for other filters. */
GByteArray *fct_pdf_decode (Reader *r, const Value *dict, const guint8 *p, gsize n);
