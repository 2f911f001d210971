/* facteur — the text of ordinary PDFs read without poppler, on facteur's bounded reader
 * of objects (pdfobj.c): a cross-reference that matches the objects (§7.5.4, §7.5.8),
 * the page tree (§7.7.3), content streams (§7.8) and their text operators (§9.4), form
 * XObjects (§8.10), and fonts whose codes map to Unicode without a font program: a
 * ToUnicode CMap (§9.10.3), Identity-H Type0 fonts (§9.7.5.2), and simple fonts with a
 * standard encoding and /Differences of known glyph names (§9.6.6). Anything else makes
 * the document "not simple" and poppler reads it: encryption, Type3 fonts, other
 * filters, rotated text, annotations with appearances, optional content, /ActualText,
 * a limit reached, and every document that names JavaScript or a /Launch action in any
 * object, so that active content is always judged by poppler's own reading. */
#include "pdfenc.h"
#include "pdfobj.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* As pdf.c: pages read at most. */
#define PAGES_MAX 2000
/* Page-tree levels and form XObjects drawn inside one another: writers nest a few. */
#define TREE_DEPTH_MAX 32
#define FORM_DEPTH_MAX 8
/* Cross-reference sections followed through /Prev: an incremental update adds one. */
#define XREF_SECTIONS_MAX 64
/* Operands of one operator (§8.2: none takes more than a few, sc/scn up to 33). */
#define OPERANDS_MAX 64
/* Graphics states saved (q) at once: poppler's limit is far above what writers use. */
#define STATE_DEPTH_MAX 256
/* Code mappings of one ToUnicode CMap (two-byte codes cannot have more), and of all
   those of a document: a font has a few hundred; ranges spanning 65,536 codes in each
   of many fonts would take memory and time the resident must not spend. */
#define CMAP_ENTRIES_MAX 65536
#define DOCUMENT_CMAP_ENTRIES_MAX (4 * CMAP_ENTRIES_MAX)
/* Form XObjects drawn per document: a page draws a few, the same one drawn a million
   times from a small content stream would cost seconds. */
#define FORMS_MAX 4096

typedef struct
{
  double a, b, c, d, e, f;
} Matrix;

static Matrix
matrix_mul (const Matrix *m, const Matrix *n)
{
  Matrix r = { m->a * n->a + m->b * n->c,        m->a * n->b + m->b * n->d,
               m->c * n->a + m->d * n->c,        m->c * n->b + m->d * n->d,
               m->e * n->a + m->f * n->c + n->e, m->e * n->b + m->f * n->d + n->f };
  return r;
}

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

static void
font_free (gpointer data)
{
  Font *f = data;

  if (f == NULL)
    return;
  g_hash_table_unref (f->unicode);
  if (f->widths != NULL)
    g_hash_table_unref (f->widths);
  if (f->differences != NULL)
    g_ptr_array_unref (f->differences);
  for (guint i = 0; i < 256; i++)
    g_free (f->text[i]);
  g_free (f);
}

typedef struct
{
  double x0, x1, y, size;
  const char *text; /* its characters: the font's, which lives as long as the reading */
  gboolean space;
} Glyph;

typedef struct
{
  Matrix ctm;
  Font *font;
  double size, tc, tw, th, tl, rise;
} State;

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

static void
refuse (Ctx *x)
{
  x->refused = TRUE;
}

static double
number (const Value *v, double fallback)
{
  return v != NULL && v->kind == V_NUM ? v->real : fallback;
}

/* A stream's dictionary and its data, decoded when unfiltered or FlateDecode. */
static GByteArray *
stream_open (Ctx *x, const Value *ref, Value **dict_out)
{
  const Entry *e;
  Parser ps;
  gboolean ignored = FALSE;
  g_autoptr (AutoValue) dict = NULL;
  g_autoptr (AutoValue) len_owned = NULL;
  const Value *length;
  const guint8 *data;
  gsize n;
  GByteArray *out;

  *dict_out = NULL;
  if (ref == NULL || ref->kind != V_REF || ref->num < 0 || ref->num > G_MAXUINT)
    return NULL;
  e = g_hash_table_lookup (x->r->objects, GUINT_TO_POINTER ((guint)ref->num));
  if (e == NULL || e->buffer != NULL)
    return NULL;
  ps = (Parser){ x->r->data + e->start, x->r->data + e->end, 0, x->r->limits, &ignored };
  dict = fct_pdf_parse_value (&ps, 0);
  if (dict == NULL || dict->kind != V_DICT)
    return NULL;
  fct_pdf_skip_space (&ps);
  if (!fct_pdf_keyword_is (&ps, "stream"))
    return NULL;
  ps.p += 6;
  if (ps.p < ps.end && *ps.p == '\r')
    ps.p++;
  if (ps.p < ps.end && *ps.p == '\n')
    ps.p++;
  data = ps.p;
  length = fct_pdf_resolve (x->r, fct_pdf_dict_get (dict, "Length"), &len_owned);
  if (length == NULL || length->kind != V_NUM || length->num < 0
      || (guint64)length->num > (guint64)(x->r->data + x->r->len - data))
    return NULL;
  n = (gsize)length->num;
  out = fct_pdf_decode (x->r, dict, data, n);
  if (out != NULL)
    *dict_out = g_steal_pointer (&dict);
  return out;
}

/* --- The cross-reference (§7.5.4, §7.5.8): every object it names must be the one the
 * reader indexed, so that poppler and this reader see the same document. */

static gboolean
xref_entry (Ctx *x, GHashTable *seen, guint64 num, int type, guint64 f2, guint64 f3)
{
  const Entry *e;

  (void)f3;
  if (num > G_MAXUINT || !g_hash_table_add (seen, GUINT_TO_POINTER ((guint)num)))
    return TRUE; /* a newer section defined it */
  if (type == 0)
    return TRUE;
  e = g_hash_table_lookup (x->r->objects, GUINT_TO_POINTER ((guint)num));
  if (e == NULL || !e->parsed)
    return FALSE;
  if (type == 1)
    return e->buffer == NULL && e->header == f2;
  if (type == 2)
    return e->buffer != NULL && e->stream == f2;
  return TRUE; /* §7.5.8.3: other types are null references */
}

/* A PNG predictor (§7.4.4.4, RFC 2083 §6) over rows of columns bytes. */
static gboolean
unpredict (GByteArray *data, guint columns)
{
  gsize row = (gsize)columns + 1;
  g_autofree guint8 *prev = g_malloc0 (columns);
  gsize out = 0;

  if (columns == 0 || data->len % row != 0)
    return FALSE;
  for (gsize at = 0; at < data->len; at += row)
    {
      guint8 filter = data->data[at];
      guint8 *cur = data->data + at + 1;

      for (guint i = 0; i < columns; i++)
        {
          guint left = i > 0 ? cur[i - 1] : 0;
          guint up = prev[i];
          guint corner = i > 0 ? prev[i - 1] : 0;

          switch (filter)
            {
            case 0:
              break;
            case 1:
              cur[i] = (guint8)(cur[i] + left);
              break;
            case 2:
              cur[i] = (guint8)(cur[i] + up);
              break;
            case 3:
              cur[i] = (guint8)(cur[i] + (left + up) / 2);
              break;
            case 4:
              {
                int p = (int)left + (int)up - (int)corner;
                int pa = abs (p - (int)left), pb = abs (p - (int)up),
                    pc = abs (p - (int)corner);
                cur[i] = (guint8)(cur[i]
                                  + (pa <= pb && pa <= pc ? left
                                     : pb <= pc           ? up
                                                          : corner));
              }
              break;
            default:
              return FALSE;
            }
        }
      memcpy (prev, cur, columns);
      memmove (data->data + out, cur, columns);
      out += columns;
    }
  g_byte_array_set_size (data, (guint)out);
  return TRUE;
}

static guint64
field (const guint8 *p, guint width, guint64 fallback)
{
  guint64 v = 0;

  if (width == 0)
    return fallback;
  for (guint i = 0; i < width; i++)
    v = v << 8 | p[i];
  return v;
}

/* A cross-reference stream: its entries checked, its dictionary the trailer. */
static Value *
xref_stream (Ctx *x, GHashTable *seen, gsize offset)
{
  Parser ps = { x->r->data + offset, x->r->data + x->r->len, 0, x->r->limits, NULL };
  gboolean ignored = FALSE;
  guint64 num, gen;
  Value ref = { V_REF, 0, 0, NULL, NULL };
  g_autoptr (AutoValue) dict = NULL;
  g_autoptr (GByteArray) data = NULL;
  const Value *w, *index, *size, *parms;
  guint widths[3];
  guint entry = 0;

  ps.over = &ignored;
  if (!fct_pdf_read_uint (&ps, &num))
    return NULL;
  fct_pdf_skip_space (&ps);
  if (!fct_pdf_read_uint (&ps, &gen))
    return NULL;
  ref.num = (gint64)num;
  {
    const Entry *e = g_hash_table_lookup (x->r->objects, GUINT_TO_POINTER ((guint)num));
    if (num > G_MAXUINT || e == NULL || e->buffer != NULL || e->header != offset)
      return NULL;
  }
  /* The stream decoded here without the predictor, undone below. */
  {
    const Entry *e = g_hash_table_lookup (x->r->objects, GUINT_TO_POINTER ((guint)num));
    Parser dp = { x->r->data + e->start, x->r->data + e->end, 0, x->r->limits, &ignored };
    g_autoptr (AutoValue) plain_dict = NULL;
    const Value *filter;
    const Value *length;

    dict = fct_pdf_parse_value (&dp, 0);
    if (dict == NULL || dict->kind != V_DICT
        || !fct_pdf_name_is (fct_pdf_dict_get (dict, "Type"), "XRef"))
      return NULL;
    fct_pdf_skip_space (&dp);
    if (!fct_pdf_keyword_is (&dp, "stream"))
      return NULL;
    dp.p += 6;
    if (dp.p < dp.end && *dp.p == '\r')
      dp.p++;
    if (dp.p < dp.end && *dp.p == '\n')
      dp.p++;
    length = fct_pdf_dict_get (dict, "Length");
    filter = fct_pdf_dict_get (dict, "Filter");
    if (length == NULL || length->kind != V_NUM || length->num < 0
        || (guint64)length->num > (guint64)(x->r->data + x->r->len - dp.p))
      return NULL;
    if (filter != NULL && !fct_pdf_name_is (filter, "FlateDecode"))
      return NULL;
    data = g_byte_array_new ();
    if (filter == NULL)
      g_byte_array_append (data, dp.p, (guint)length->num);
    else
      fct_extract_pdf_inflate (dp.p, (gsize)length->num, data, &x->r->inflate_budget);
    if (x->r->inflate_budget == 0)
      return NULL;
  }
  parms = fct_pdf_dict_get (dict, "DecodeParms");
  if (parms != NULL && parms->kind == V_DICT
      && fct_pdf_dict_get (parms, "Predictor") != NULL)
    {
      double predictor = number (fct_pdf_dict_get (parms, "Predictor"), 1);
      double columns = number (fct_pdf_dict_get (parms, "Columns"), 1);

      if (number (fct_pdf_dict_get (parms, "Colors"), 1) != 1
          || number (fct_pdf_dict_get (parms, "BitsPerComponent"), 8) != 8)
        return NULL;
      if (predictor >= 10 && predictor <= 15 && columns >= 1 && columns <= 64)
        {
          if (!unpredict (data, (guint)columns))
            return NULL;
        }
      else if (predictor != 1)
        return NULL;
    }
  w = fct_pdf_dict_get (dict, "W");
  size = fct_pdf_dict_get (dict, "Size");
  index = fct_pdf_dict_get (dict, "Index");
  if (w == NULL || w->kind != V_ARRAY || w->items->len != 3 || size == NULL
      || size->kind != V_NUM)
    return NULL;
  for (guint i = 0; i < 3; i++)
    {
      const Value *v = g_ptr_array_index (w->items, i);
      if (v->kind != V_NUM || v->num < 0 || v->num > 8)
        return NULL;
      widths[i] = (guint)v->num;
    }
  {
    guint row = widths[0] + widths[1] + widths[2];
    guint pairs = index != NULL && index->kind == V_ARRAY ? index->items->len / 2 : 1;

    if (row == 0)
      return NULL;
    for (guint k = 0; k < pairs; k++)
      {
        gint64 first = 0, count = size->num;

        if (index != NULL && index->kind == V_ARRAY)
          {
            const Value *a = g_ptr_array_index (index->items, 2 * k);
            const Value *b = g_ptr_array_index (index->items, 2 * k + 1);
            if (a->kind != V_NUM || b->kind != V_NUM || a->num < 0 || b->num < 0)
              return NULL;
            first = a->num;
            count = b->num;
          }
        for (gint64 i = 0; i < count; i++, entry++)
          {
            const guint8 *p;

            if (((gsize)entry + 1) * row > data->len || x->xref_left == 0)
              return NULL;
            p = data->data + (gsize)entry * row;
            x->xref_left--;
            if (!xref_entry (x, seen, (guint64)(first + i), (int)field (p, widths[0], 1),
                             field (p + widths[0], widths[1], 0),
                             field (p + widths[0] + widths[1], widths[2], 0)))
              return NULL;
          }
      }
  }
  (void)ref;
  return g_steal_pointer (&dict);
}

/* A cross-reference table and the trailer after it (§7.5.4, §7.5.5). */
static Value *
xref_table (Ctx *x, GHashTable *seen, gsize offset)
{
  gboolean ignored = FALSE;
  Parser ps = { x->r->data + offset, x->r->data + x->r->len, 0, x->r->limits, &ignored };

  if (!fct_pdf_keyword_is (&ps, "xref"))
    return NULL;
  ps.p += 4;
  for (;;)
    {
      guint64 first, count;

      fct_pdf_skip_space (&ps);
      if (fct_pdf_keyword_is (&ps, "trailer"))
        break;
      if (!fct_pdf_read_uint (&ps, &first))
        return NULL;
      fct_pdf_skip_space (&ps);
      if (!fct_pdf_read_uint (&ps, &count))
        return NULL;
      for (guint64 i = 0; i < count; i++)
        {
          guint64 off, gen;
          guint8 kind;

          if (x->xref_left == 0)
            return NULL;
          x->xref_left--;
          fct_pdf_skip_space (&ps);
          if (!fct_pdf_read_uint (&ps, &off))
            return NULL;
          fct_pdf_skip_space (&ps);
          if (!fct_pdf_read_uint (&ps, &gen))
            return NULL;
          fct_pdf_skip_space (&ps);
          if (ps.p >= ps.end || (*ps.p != 'n' && *ps.p != 'f'))
            return NULL;
          kind = *ps.p++;
          if (!xref_entry (x, seen, first + i, kind == 'n' ? 1 : 0, off, gen))
            return NULL;
        }
    }
  ps.p += 7;
  return fct_pdf_parse_value (&ps, 0);
}

/* The catalog's object number once every section checks out; 0 when not simple. */
static gint64
xref_check (Ctx *x)
{
  const guint8 *p = x->r->data;
  gsize n = x->r->len;
  const guint8 *start = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) sections = g_hash_table_new (NULL, NULL);
  gint64 root = 0;
  guint64 offset;
  gboolean ignored = FALSE;
  Parser ps;

  if (n < 8 || memcmp (p, "%PDF-", 5) != 0)
    return 0;
  for (gsize back = MIN (n, 1024); back >= 9; back--)
    if (memcmp (p + n - back, "startxref", 9) == 0)
      start = p + n - back;
  if (start == NULL)
    return 0;
  /* The last one: a file may hold several, the last counts (§7.5.5). */
  for (const guint8 *q = start; q != NULL;)
    {
      start = q;
      q = memmem (q + 9, (gsize)(p + n - q - 9), "startxref", 9);
    }
  ps = (Parser){ start + 9, p + n, 0, x->r->limits, &ignored };
  fct_pdf_skip_space (&ps);
  if (!fct_pdf_read_uint (&ps, &offset))
    return 0;
  for (guint k = 0; k < XREF_SECTIONS_MAX; k++)
    {
      g_autoptr (AutoValue) trailer = NULL;
      const Value *prev, *r;

      if (offset >= n || !g_hash_table_add (sections, GSIZE_TO_POINTER ((gsize)offset)))
        return 0;
      trailer = p[offset] == 'x' ? xref_table (x, seen, (gsize)offset)
                                 : xref_stream (x, seen, (gsize)offset);
      if (trailer == NULL || trailer->kind != V_DICT
          || fct_pdf_dict_get (trailer, "Encrypt") != NULL
          || fct_pdf_dict_get (trailer, "XRefStm") != NULL)
        return 0;
      r = fct_pdf_dict_get (trailer, "Root");
      if (root == 0 && r != NULL && r->kind == V_REF)
        root = r->num;
      prev = fct_pdf_dict_get (trailer, "Prev");
      if (prev == NULL)
        return root;
      if (prev->kind != V_NUM || prev->num < 0)
        return 0;
      offset = (guint64)prev->num;
    }
  return 0;
}

/* --- Tokens of content streams and CMaps (§7.8.2): an operand, or an operator. */

typedef enum
{
  TOKEN_END,
  TOKEN_OPERAND,
  TOKEN_OPERATOR,
  TOKEN_BAD,
} Token;

/* A number read into slot without an allocation: content streams are mostly numbers,
   and hold no references to look ahead for. */
static gboolean
lex_number (Parser *ps, Value *slot)
{
  const guint8 *start = ps->p;
  gboolean negative = FALSE;
  double real = 0, scale = 1;
  gboolean fraction = FALSE;

  if (*ps->p == '+' || *ps->p == '-')
    negative = *ps->p++ == '-';
  for (; ps->p < ps->end && (g_ascii_isdigit (*ps->p) || *ps->p == '.'); ps->p++)
    if (*ps->p == '.')
      fraction = TRUE;
    else if (!fraction)
      real = real * 10 + (*ps->p - '0');
    else if (scale > 1e-12)
      real += (*ps->p - '0') * (scale /= 10);
  if (ps->p == start || (ps->p < ps->end && fct_pdf_is_regular (*ps->p)))
    return FALSE;
  memset (slot, 0, sizeof *slot);
  slot->kind = V_NUM;
  slot->real = negative ? -real : real;
  slot->num = (gint64)CLAMP (slot->real, -9.2e18, 9.2e18);
  return TRUE;
}

static Token
lex (Parser *ps, Value *slot, Value **operand, const guint8 **word, gsize *len)
{
  guint8 c;

  fct_pdf_skip_space (ps);
  if (ps->p >= ps->end)
    return TOKEN_END;
  c = *ps->p;
  if (slot != NULL && (g_ascii_isdigit (c) || c == '+' || c == '-' || c == '.'))
    {
      *operand = slot;
      return lex_number (ps, slot) ? TOKEN_OPERAND : TOKEN_BAD;
    }
  if (c == '/' || c == '(' || c == '<' || c == '[' || g_ascii_isdigit (c) || c == '+'
      || c == '-' || c == '.' || fct_pdf_keyword_is (ps, "true")
      || fct_pdf_keyword_is (ps, "false") || fct_pdf_keyword_is (ps, "null"))
    {
      ps->values = 0;
      *operand = fct_pdf_parse_value (ps, 0);
      return *operand != NULL ? TOKEN_OPERAND : TOKEN_BAD;
    }
  if (!fct_pdf_is_regular (c))
    return TOKEN_BAD;
  *word = ps->p;
  while (ps->p < ps->end && fct_pdf_is_regular (*ps->p))
    ps->p++;
  *len = (gsize)(ps->p - *word);
  return TOKEN_OPERATOR;
}

static gboolean
word_is (const guint8 *word, gsize len, const char *name)
{
  return strlen (name) == len && memcmp (word, name, len) == 0;
}

/* --- Fonts (§9.6, §9.7) and their codes' Unicode (§9.10.2). */

/* A glyph name of Adobe's glyph list. Others, the list's uniXXXX form included, are not
   simple: poppler 22.12 reads nothing for uni20AC in a standard font it substitutes. */
static gboolean
glyph_unicode (const char *name, GString *out)
{
  gsize lo = 0, hi = fct_pdf_glyphs_len;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      int cmp = strcmp (name, fct_pdf_glyphs[mid].name);

      if (cmp == 0)
        {
          g_string_append_unichar (out, fct_pdf_glyphs[mid].unicode);
          return TRUE;
        }
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return FALSE;
}

/* UTF-16BE (a CMap's destination) to UTF-8; FALSE when malformed. */
static gboolean
utf16_append (const guint8 *p, gsize n, GString *out)
{
  if (n % 2 != 0)
    return FALSE;
  for (gsize i = 0; i < n; i += 2)
    {
      gunichar u = (gunichar)(p[i] << 8 | p[i + 1]);

      if (u >= 0xd800 && u < 0xdc00 && i + 3 < n)
        {
          gunichar low = (gunichar)(p[i + 2] << 8 | p[i + 3]);
          if (low < 0xdc00 || low >= 0xe000)
            return FALSE;
          u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
          i += 2;
        }
      else if (u >= 0xd800 && u < 0xe000)
        return FALSE;
      g_string_append_unichar (out, u);
    }
  return TRUE;
}

static gboolean
code_of (const Value *v, gboolean two_byte, guint *code)
{
  if (v == NULL || v->kind != V_STRING || v->str->len == 0 || v->str->len > 2)
    return FALSE;
  if (two_byte && v->str->len != 2)
    return FALSE;
  *code = v->str->len == 1 ? (guint8)v->str->str[0]
                           : (guint)((guint8)v->str->str[0] << 8 | (guint8)v->str->str[1]);
  return two_byte || *code < 256;
}

typedef struct
{
  Ctx *x;
  Font *f;
  guint entries;
} CMapRead;

static gboolean
cmap_add (CMapRead *c, guint code, const guint8 *dst, gsize n, guint offset)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree guint8 *copy = NULL;

  if (++c->entries > CMAP_ENTRIES_MAX || c->x->cmap_left == 0)
    return FALSE;
  c->x->cmap_left--;
  if (offset > 0)
    {
      guint last;

      if (n < 2)
        return FALSE;
      copy = g_memdup2 (dst, n);
      last = (guint)(copy[n - 2] << 8 | copy[n - 1]) + offset;
      if (last > 0xffff)
        return FALSE;
      copy[n - 2] = (guint8)(last >> 8);
      copy[n - 1] = (guint8)last;
      dst = copy;
    }
  /* A NUL would end the glyph's text: not simple. */
  if (!utf16_append (dst, n, s) || memchr (s->str, 0, s->len) != NULL)
    return FALSE;
  g_hash_table_replace (c->f->unicode, GUINT_TO_POINTER (code),
                        g_string_free (g_steal_pointer (&s), FALSE));
  return TRUE;
}

/* A ToUnicode CMap (§9.10.3): bfchar and bfrange blocks; codespace ranges fix the code
 * length, which must be the font's. usecmap and CID mappings are not simple. */
static gboolean
cmap_parse (Ctx *x, const GByteArray *data, Font *f)
{
  gboolean ignored = FALSE;
  /* An empty GByteArray has no data pointer: no arithmetic on it. */
  const guint8 *base = data->len > 0 ? data->data : (const guint8 *)"";
  Parser ps = { base, base + data->len, 0, x->r->limits, &ignored };
  g_autoptr (GPtrArray) ops = g_ptr_array_new_with_free_func (fct_pdf_value_free);
  CMapRead c = { x, f, 0 };

  for (;;)
    {
      Value *v = NULL;
      const guint8 *word = NULL;
      gsize len = 0;
      Token t = lex (&ps, NULL, &v, &word, &len);

      if (t == TOKEN_END)
        return TRUE;
      if (t == TOKEN_BAD)
        return FALSE;
      if (t == TOKEN_OPERAND)
        {
          if (ops->len >= 3 * 10000)
            {
              fct_pdf_value_free (v);
              return FALSE;
            }
          g_ptr_array_add (ops, v);
          continue;
        }
      if (word_is (word, len, "usecmap") || word_is (word, len, "begincidrange")
          || word_is (word, len, "begincidchar") || word_is (word, len, "beginnotdefrange"))
        return FALSE;
      if (word_is (word, len, "endcodespacerange"))
        for (guint i = 0; i + 1 < ops->len; i += 2)
          {
            const Value *lo = g_ptr_array_index (ops, i);
            /* A simple font's codes are bytes however wide the range is written
               (writers give <0000> <FFFF>); a Type0 font's, with Identity-H, two. */
            if (lo->kind != V_STRING || (f->two_byte && lo->str->len != 2))
              return FALSE;
          }
      else if (word_is (word, len, "endbfchar"))
        {
          if (ops->len % 2 != 0)
            return FALSE;
          for (guint i = 0; i < ops->len; i += 2)
            {
              const Value *dst = g_ptr_array_index (ops, i + 1);
              guint code;

              if (!code_of (g_ptr_array_index (ops, i), f->two_byte, &code)
                  || dst->kind != V_STRING
                  || !cmap_add (&c, code, (const guint8 *)dst->str->str, dst->str->len, 0))
                return FALSE;
            }
        }
      else if (word_is (word, len, "endbfrange"))
        {
          if (ops->len % 3 != 0)
            return FALSE;
          for (guint i = 0; i < ops->len; i += 3)
            {
              const Value *dst = g_ptr_array_index (ops, i + 2);
              guint lo, hi;

              if (!code_of (g_ptr_array_index (ops, i), f->two_byte, &lo)
                  || !code_of (g_ptr_array_index (ops, i + 1), f->two_byte, &hi) || hi < lo)
                return FALSE;
              for (guint code = lo; code <= hi; code++)
                {
                  if (dst->kind == V_STRING)
                    {
                      if (!cmap_add (&c, code, (const guint8 *)dst->str->str, dst->str->len,
                                     code - lo))
                        return FALSE;
                    }
                  else if (dst->kind == V_ARRAY && code - lo < dst->items->len)
                    {
                      const Value *one = g_ptr_array_index (dst->items, code - lo);
                      if (one->kind != V_STRING
                          || !cmap_add (&c, code, (const guint8 *)one->str->str,
                                        one->str->len, 0))
                        return FALSE;
                    }
                  else
                    return FALSE;
                }
            }
        }
      g_ptr_array_set_size (ops, 0);
    }
}

enum
{
  ENC_STANDARD,
  ENC_WINANSI,
  ENC_MACROMAN,
  ENC_COUNT
};

static const char *const *const encodings[ENC_COUNT]
    = { fct_pdf_standard_encoding, fct_pdf_winansi_encoding, fct_pdf_macroman_encoding };

static int
encoding_of (const Value *name)
{
  if (fct_pdf_name_is (name, "WinAnsiEncoding"))
    return ENC_WINANSI;
  if (fct_pdf_name_is (name, "MacRomanEncoding"))
    return ENC_MACROMAN;
  if (fct_pdf_name_is (name, "StandardEncoding"))
    return ENC_STANDARD;
  return -1;
}

static const FctPdfStandardFont *
standard_font (const Value *base)
{
  if (base == NULL || base->kind != V_NAME)
    return NULL;
  for (gsize i = 0; i < fct_pdf_standard_fonts_len; i++)
    if (g_str_equal (base->str->str, fct_pdf_standard_fonts[i].base_font))
      return &fct_pdf_standard_fonts[i];
  return NULL;
}

static int
standard_width (const FctPdfStandardFont *std, const char *name)
{
  gsize lo = 0, hi = std->len;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      int cmp = strcmp (name, std->widths[mid].name);

      if (cmp == 0)
        return std->widths[mid].width;
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return -1;
}

/* The standard encodings' characters and the standard fonts' widths by code, worked out
 * once per process: every invoice in Helvetica with WinAnsi would look the same names up
 * in the glyph list again. */
typedef struct
{
  const char *text[ENC_COUNT][256]; /* NULL: no character */
  guint16 width[12][ENC_COUNT][256];
} Tables;

static const Tables *
tables (void)
{
  static gsize once = 0;
  static Tables t;

  G_STATIC_ASSERT (G_N_ELEMENTS (t.width) >= 12);
  if (g_once_init_enter (&once))
    {
      g_assert (fct_pdf_standard_fonts_len <= G_N_ELEMENTS (t.width));
      for (int e = 0; e < ENC_COUNT; e++)
        for (guint code = 0; code < 256; code++)
          {
            const char *name = encodings[e][code];
            GString *s = g_string_new (NULL);

            if (name != NULL && glyph_unicode (name, s))
              t.text[e][code] = g_string_free (s, FALSE);
            else
              g_string_free (s, TRUE);
            for (gsize k = 0; k < fct_pdf_standard_fonts_len; k++)
              {
                int w
                    = name != NULL ? standard_width (&fct_pdf_standard_fonts[k], name) : -1;
                t.width[k][e][code] = (guint16)(w >= 0 ? w : 0);
              }
          }
      g_once_init_leave (&once, 1);
    }
  return &t;
}

static gboolean
font_to_unicode (Ctx *x, const Value *dict, Font *f)
{
  g_autoptr (AutoValue) sdict = NULL;
  g_autoptr (GByteArray) data = NULL;
  const Value *ref = fct_pdf_dict_get (dict, "ToUnicode");

  if (ref == NULL)
    return TRUE;
  data = stream_open (x, ref, &sdict);
  return data != NULL && cmap_parse (x, data, f);
}

/* A simple font (§9.6): Type1, its multiple-master form and TrueType. */
static gboolean
font_simple (Ctx *x, const Value *dict, Font *f)
{
  g_autoptr (AutoValue) desc_owned = NULL;
  g_autoptr (AutoValue) enc_owned = NULL;
  g_autoptr (AutoValue) widths_owned = NULL;
  const Value *desc
      = fct_pdf_resolve (x->r, fct_pdf_dict_get (dict, "FontDescriptor"), &desc_owned);
  const Value *enc
      = fct_pdf_resolve (x->r, fct_pdf_dict_get (dict, "Encoding"), &enc_owned);
  const Value *widths
      = fct_pdf_resolve (x->r, fct_pdf_dict_get (dict, "Widths"), &widths_owned);
  const FctPdfStandardFont *std = standard_font (fct_pdf_dict_get (dict, "BaseFont"));
  gboolean embedded = fct_pdf_dict_get (desc, "FontFile") != NULL
                      || fct_pdf_dict_get (desc, "FontFile2") != NULL
                      || fct_pdf_dict_get (desc, "FontFile3") != NULL;
  gboolean truetype = fct_pdf_name_is (fct_pdf_dict_get (dict, "Subtype"), "TrueType");
  gboolean symbolic = ((gint64)number (fct_pdf_dict_get (desc, "Flags"), 0) & 4) != 0;
  int base = -1;
  const Value *diffs = NULL;
  g_autoptr (AutoValue) diffs_owned = NULL;

  if (enc != NULL && enc->kind == V_NAME)
    {
      base = encoding_of (enc);
      if (base < 0)
        return FALSE;
    }
  else if (enc != NULL && enc->kind == V_DICT)
    {
      const Value *b = fct_pdf_dict_get (enc, "BaseEncoding");
      if (b != NULL && (base = encoding_of (b)) < 0)
        return FALSE;
      diffs = fct_pdf_resolve (x->r, fct_pdf_dict_get (enc, "Differences"), &diffs_owned);
    }
  else if (enc != NULL)
    return FALSE;
  /* Without a base encoding, poppler takes a standard font's own (StandardEncoding for
     the Latin ones), WinAnsi for a TrueType font, and otherwise the font program's. */
  if (base < 0 && !embedded && std != NULL)
    base = ENC_STANDARD;
  else if (base < 0 && truetype && !symbolic)
    base = ENC_WINANSI;
  f->base = base;
  if (base >= 0)
    memcpy (f->names, encodings[base], sizeof f->names);
  if (diffs != NULL)
    {
      gint64 code = -1;

      if (diffs->kind != V_ARRAY)
        return FALSE;
      for (guint i = 0; i < diffs->items->len; i++)
        {
          const Value *v = g_ptr_array_index (diffs->items, i);
          g_autoptr (GString) probe = g_string_new (NULL);

          if (v->kind == V_NUM)
            code = v->num;
          else if (fct_pdf_name_is (v, ".notdef") && code >= 0 && code < 256)
            {
              f->differs[code] = TRUE;
              f->names[code++] = NULL;
            }
          else if (v->kind == V_NAME && code >= 0 && code < 256
                   && glyph_unicode (v->str->str, probe))
            {
              char *copy = g_strdup (v->str->str);

              if (f->differences == NULL)
                f->differences = g_ptr_array_new_with_free_func (g_free);
              g_ptr_array_add (f->differences, copy);
              f->differs[code] = TRUE;
              f->names[code++] = copy;
            }
          else
            return FALSE;
        }
    }
  f->default_width = number (fct_pdf_dict_get (desc, "MissingWidth"), 0);
  for (guint code = 0; code < 256; code++)
    f->simple_w[code] = f->default_width;
  if (widths != NULL && widths->kind == V_ARRAY)
    {
      gint64 first = (gint64)number (fct_pdf_dict_get (dict, "FirstChar"), 0);

      for (guint i = 0; i < widths->items->len; i++)
        {
          const Value *w = g_ptr_array_index (widths->items, i);
          g_autoptr (AutoValue) w_owned = NULL;

          w = fct_pdf_resolve (x->r, w, &w_owned);
          if (first + i >= 0 && first + i < 256)
            f->simple_w[first + i] = number (w, f->default_width);
        }
    }
  else if (std != NULL && !embedded)
    {
      f->std = std;
      f->std_index = (gsize)(std - fct_pdf_standard_fonts);
      for (guint code = 0; code < 256; code++)
        f->simple_w[code] = -1;
    }
  else
    return FALSE;
  return font_to_unicode (x, dict, f);
}

/* A Type0 font with the Identity-H encoding (§9.7.5.2) and its CIDFont's widths. */
static gboolean
font_type0 (Ctx *x, const Value *dict, Font *f)
{
  g_autoptr (AutoValue) desc_owned = NULL;
  g_autoptr (AutoValue) cid_owned = NULL;
  g_autoptr (AutoValue) w_owned = NULL;
  const Value *descendants;
  const Value *cid;
  const Value *w;

  if (!fct_pdf_name_is (fct_pdf_dict_get (dict, "Encoding"), "Identity-H")
      || fct_pdf_dict_get (dict, "ToUnicode") == NULL)
    return FALSE;
  f->two_byte = TRUE;
  f->widths = g_hash_table_new (NULL, NULL);
  descendants
      = fct_pdf_resolve (x->r, fct_pdf_dict_get (dict, "DescendantFonts"), &desc_owned);
  if (descendants == NULL || descendants->kind != V_ARRAY || descendants->items->len != 1)
    return FALSE;
  cid = fct_pdf_resolve (x->r, g_ptr_array_index (descendants->items, 0), &cid_owned);
  if (cid == NULL || cid->kind != V_DICT)
    return FALSE;
  f->default_width = number (fct_pdf_dict_get (cid, "DW"), 1000);
  w = fct_pdf_resolve (x->r, fct_pdf_dict_get (cid, "W"), &w_owned);
  /* §9.7.4.3: "c [w1 w2 ...]" or "cfirst clast w". */
  for (guint i = 0; w != NULL && w->kind == V_ARRAY && i < w->items->len;)
    {
      const Value *a = g_ptr_array_index (w->items, i);
      const Value *b = i + 1 < w->items->len ? g_ptr_array_index (w->items, i + 1) : NULL;

      if (a->kind != V_NUM || a->num < 0 || a->num > 0xffff || b == NULL)
        return FALSE;
      if (b->kind == V_ARRAY)
        {
          for (guint k = 0; k < b->items->len && a->num + k <= 0xffff; k++)
            g_hash_table_insert (
                f->widths, GUINT_TO_POINTER ((guint)(a->num + k)),
                GINT_TO_POINTER ((int)number (g_ptr_array_index (b->items, k), 0)));
          i += 2;
        }
      else
        {
          const Value *c
              = i + 2 < w->items->len ? g_ptr_array_index (w->items, i + 2) : NULL;
          if (b->kind != V_NUM || c == NULL || c->kind != V_NUM || b->num < a->num
              || b->num - a->num > 0xffff)
            return FALSE;
          for (gint64 k = a->num; k <= b->num && k <= 0xffff; k++)
            g_hash_table_insert (f->widths, GUINT_TO_POINTER ((guint)k),
                                 GINT_TO_POINTER ((int)c->real));
          i += 3;
        }
    }
  return font_to_unicode (x, dict, f);
}

/* The font a Tf names, read once per document; NULL when it is not simple. */
static Font *
font_get (Ctx *x, const Value *resources, const Value *name)
{
  g_autoptr (AutoValue) fonts_owned = NULL;
  g_autoptr (AutoValue) dict_owned = NULL;
  const Value *fonts
      = fct_pdf_resolve (x->r, fct_pdf_dict_get (resources, "Font"), &fonts_owned);
  const Value *ref;
  const Value *dict;
  const Value *subtype;
  Font *f;
  gboolean ok = FALSE;

  if (name == NULL || name->kind != V_NAME)
    return NULL;
  ref = fct_pdf_dict_get (fonts, name->str->str);
  if (ref != NULL && ref->kind == V_REF)
    {
      f = g_hash_table_lookup (x->fonts, GINT_TO_POINTER ((gint)ref->num));
      if (f != NULL)
        return f;
    }
  dict = fct_pdf_resolve (x->r, ref, &dict_owned);
  if (dict == NULL || dict->kind != V_DICT)
    return NULL;
  f = g_new0 (Font, 1);
  f->unicode = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  subtype = fct_pdf_dict_get (dict, "Subtype");
  if (fct_pdf_name_is (subtype, "Type0"))
    ok = font_type0 (x, dict, f);
  else if (fct_pdf_name_is (subtype, "Type1") || fct_pdf_name_is (subtype, "MMType1")
           || fct_pdf_name_is (subtype, "TrueType"))
    ok = font_simple (x, dict, f);
  if (!ok)
    {
      font_free (f);
      return NULL;
    }
  if (ref != NULL && ref->kind == V_REF)
    g_hash_table_insert (x->fonts, GINT_TO_POINTER ((gint)ref->num), f);
  else
    g_ptr_array_add (x->inline_fonts, f);
  return f;
}

/* --- Content streams (§8.2, §9.4). */

/* Bytes of content interpreted per document: invoices have a few KiB a page. Past it
   poppler reads the document, in a process of its own: the resident reads about 10 MiB
   of dense text operators a second, so that 1 MiB keeps the documents queued behind one
   waiting under a tenth of a second. */
#define CONTENT_MAX (1024 * 1024)

typedef struct
{
  Ctx *x;
  const Value *resources;
  GArray *states; /* State: the saved ones (q) */
  State s;
  Matrix tm, tlm;
  guint depth;       /* form XObjects */
  guint marked;      /* marked-content sequences open (BMC, BDC) */
  guint actual_at;   /* the one with an /ActualText, 0 for none */
  guint actual_from; /* the first glyph it covers */
  char *actual;      /* its text */
} Run;

static void run_content (Ctx *x, const Value *resources, const GByteArray *data,
                         const State *start, guint depth);

static void
add_glyph (Run *run, const Matrix *trm, double w0, const char *text)
{
  Ctx *x = run->x;
  Glyph g;

  g.x0 = trm->e;
  g.x1 = trm->e + w0 * trm->a;
  g.y = trm->f;
  g.size = trm->d;
  /* Outside the crop box: poppler leaves it out (TextPage::addChar). */
  if (g.x1 < x->box[0] || g.x0 > x->box[2] || g.y + g.size < x->box[1] || g.y > x->box[3])
    return;
  g.space = (text[0] == ' ' || text[0] == '\t') ? text[1] == '\0'
                                                : g_str_equal (text, "\xc2\xa0");
  if (x->glyphs->len >= x->glyphs_max)
    return; /* more than the text cap: cut there */
  g.text = text;
  g_array_append_val (x->glyphs, g);
}

/* A simple font's code without a ToUnicode entry: its glyph name's character. */
static const char *
simple_text (Font *f, guint code)
{
  if (f->base >= 0 && !f->differs[code])
    return tables ()->text[f->base][code];
  if (!f->seen[code])
    {
      GString *s = g_string_new (NULL);

      f->seen[code] = TRUE;
      if (f->names[code] != NULL && glyph_unicode (f->names[code], s))
        f->text[code] = g_string_free (s, FALSE);
      else
        g_string_free (s, TRUE);
    }
  return f->text[code];
}

static void
show (Run *run, const Value *str)
{
  Font *f = run->s.font;
  const guint8 *p;
  gsize n;
  Matrix trm, along;

  if (f == NULL || str->kind != V_STRING)
    {
      refuse (run->x);
      return;
    }
  p = (const guint8 *)str->str->str;
  n = str->str->len;
  /* §9.4.4: the text rendering matrix, [size*scale 0 0 size 0 rise] x Tm x CTM; within
     the string only its translation moves, along the glyphs' advance. */
  {
    Matrix scale = { run->s.size * run->s.th, 0, 0, run->s.size, 0, run->s.rise };
    trm = matrix_mul (&scale, &run->tm);
    trm = matrix_mul (&trm, &run->s.ctm);
    along = matrix_mul (&run->tm, &run->s.ctm);
  }
  if (n > 0
      && (fabs (trm.b) > 1e-3 * fabs (trm.a) || fabs (trm.c) > 1e-3 * fabs (trm.d)
          || trm.a <= 0 || trm.d <= 0))
    {
      refuse (run->x); /* rotated, mirrored or empty text: poppler lays it out */
      return;
    }
  if (f->two_byte && n % 2 != 0)
    {
      refuse (run->x);
      return;
    }
  for (gsize i = 0; i < n && !run->x->refused;)
    {
      guint code = f->two_byte ? (guint)(p[i] << 8 | p[i + 1]) : p[i];
      const char *text = g_hash_table_size (f->unicode) > 0
                             ? g_hash_table_lookup (f->unicode, GUINT_TO_POINTER (code))
                             : NULL;
      double w0;
      double tx;

      i += f->two_byte ? 2 : 1;
      if (text == NULL && !f->two_byte)
        text = simple_text (f, code);
      if (text == NULL)
        {
          refuse (run->x); /* poppler would guess, or print nothing */
          return;
        }
      if (f->two_byte)
        {
          gpointer w;
          w0 = g_hash_table_lookup_extended (f->widths, GUINT_TO_POINTER (code), NULL, &w)
                   ? GPOINTER_TO_INT (w)
                   : f->default_width;
        }
      else
        {
          if (f->simple_w[code] < 0 && f->base >= 0 && !f->differs[code])
            f->simple_w[code] = tables ()->width[f->std_index][f->base][code];
          else if (f->simple_w[code] < 0)
            {
              int w = f->names[code] != NULL ? standard_width (f->std, f->names[code]) : -1;
              f->simple_w[code] = w >= 0 ? w : 0;
            }
          w0 = f->simple_w[code];
        }
      w0 /= 1000;
      add_glyph (run, &trm, w0, text);
      /* §9.4.4: the displacement, word spacing for the single-byte code 32 only. */
      tx = (w0 * run->s.size + run->s.tc + (!f->two_byte && code == 32 ? run->s.tw : 0))
           * run->s.th;
      run->tm.e += tx * run->tm.a;
      run->tm.f += tx * run->tm.b;
      trm.e += tx * along.a;
      trm.f += tx * along.b;
    }
}

static void
move_line (Run *run, double tx, double ty)
{
  Matrix t = { 1, 0, 0, 1, tx, ty };

  run->tlm = matrix_mul (&t, &run->tlm);
  run->tm = run->tlm;
}

/* Skips an inline image (§8.9.7) after BI: its dictionary up to ID, then its data up to
   an EI between white space. */
static gboolean
skip_inline_image (Parser *ps)
{
  const guint8 *id = NULL;

  for (const guint8 *q = ps->p; q + 2 <= ps->end; q++)
    if (q[0] == 'I' && q[1] == 'D' && q > ps->p && fct_pdf_is_space (q[-1])
        && (q + 2 == ps->end || fct_pdf_is_space (q[2])))
      {
        id = q + 3;
        break;
      }
  if (id == NULL)
    return FALSE;
  for (const guint8 *q = id; q + 2 <= ps->end; q++)
    if (q[0] == 'E' && q[1] == 'I' && fct_pdf_is_space (q[-1])
        && (q + 2 == ps->end || !fct_pdf_is_regular (q[2])))
      {
        ps->p = q + 2;
        return TRUE;
      }
  return FALSE;
}

/* §14.9.4: the glyphs drawn in a sequence with an /ActualText are that text, as poppler
 * prints it (TextOutputDev's ActualText): one piece over their width, nothing when
 * nothing was drawn. */
static void
actual_end (Run *run)
{
  Ctx *x = run->x;
  g_autofree char *text = g_steal_pointer (&run->actual);
  guint from = run->actual_from;
  Glyph g;

  run->actual_at = 0;
  if (from >= x->glyphs->len)
    return;
  g = g_array_index (x->glyphs, Glyph, from);
  for (guint i = from + 1; i < x->glyphs->len; i++)
    {
      const Glyph *c = &g_array_index (x->glyphs, Glyph, i);
      g.x0 = MIN (g.x0, c->x0);
      g.x1 = MAX (g.x1, c->x1);
    }
  g_array_set_size (x->glyphs, from);
  if (text[0] == '\0')
    return;
  g.space = g_str_equal (text, " ");
  g.text = text;
  g_ptr_array_add (x->texts, g_steal_pointer (&text));
  g_array_append_val (x->glyphs, g);
}

static void
do_xobject (Run *run, const Value *name)
{
  Ctx *x = run->x;
  g_autoptr (AutoValue) xobjects_owned = NULL;
  g_autoptr (AutoValue) head = NULL;
  g_autoptr (AutoValue) dict = NULL;
  g_autoptr (AutoValue) res_owned = NULL;
  g_autoptr (GByteArray) data = NULL;
  const Value *xobjects = fct_pdf_resolve (
      x->r, fct_pdf_dict_get (run->resources, "XObject"), &xobjects_owned);
  const Value *ref;
  const Value *resources;
  const Value *matrix;
  State inner = run->s;

  if (name == NULL || name->kind != V_NAME)
    return;
  ref = fct_pdf_dict_get (xobjects, name->str->str);
  if (ref == NULL || ref->kind != V_REF)
    {
      refuse (x);
      return;
    }
  head = fct_pdf_load (x->r, ref->num);
  if (fct_pdf_name_is (fct_pdf_dict_get (head, "Subtype"), "Image"))
    return; /* pictures hold no text */
  if (!fct_pdf_name_is (fct_pdf_dict_get (head, "Subtype"), "Form")
      || fct_pdf_dict_get (head, "OC") != NULL || run->depth + 1 >= FORM_DEPTH_MAX
      || x->forms_left == 0)
    {
      refuse (x);
      return;
    }
  x->forms_left--;
  data = stream_open (x, ref, &dict);
  if (data == NULL)
    {
      refuse (x);
      return;
    }
  matrix = fct_pdf_dict_get (dict, "Matrix");
  if (matrix != NULL && matrix->kind == V_ARRAY && matrix->items->len == 6)
    {
      Matrix m = { number (g_ptr_array_index (matrix->items, 0), 1),
                   number (g_ptr_array_index (matrix->items, 1), 0),
                   number (g_ptr_array_index (matrix->items, 2), 0),
                   number (g_ptr_array_index (matrix->items, 3), 1),
                   number (g_ptr_array_index (matrix->items, 4), 0),
                   number (g_ptr_array_index (matrix->items, 5), 0) };
      inner.ctm = matrix_mul (&m, &run->s.ctm);
    }
  /* §7.8.3: a form without resources uses its page's. */
  resources = fct_pdf_resolve (x->r, fct_pdf_dict_get (dict, "Resources"), &res_owned);
  run_content (x, resources != NULL ? resources : run->resources, data, &inner,
               run->depth + 1);
}

static const Value *
operand (GPtrArray *ops, guint from_end)
{
  return ops->len >= from_end ? g_ptr_array_index (ops, ops->len - from_end) : NULL;
}

static double
num_op (GPtrArray *ops, guint from_end)
{
  return number (operand (ops, from_end), 0);
}

static void
operator(Run *run, const guint8 *w, gsize len, GPtrArray *ops)
{
  Ctx *x = run->x;

  if (word_is (w, len, "BT"))
    {
      run->tm = (Matrix){ 1, 0, 0, 1, 0, 0 };
      run->tlm = run->tm;
    }
  else if (word_is (w, len, "Tf"))
    {
      run->s.font = font_get (x, run->resources, operand (ops, 2));
      run->s.size = num_op (ops, 1);
      if (run->s.font == NULL)
        refuse (x);
    }
  else if (word_is (w, len, "Td"))
    move_line (run, num_op (ops, 2), num_op (ops, 1));
  else if (word_is (w, len, "TD"))
    {
      run->s.tl = -num_op (ops, 1);
      move_line (run, num_op (ops, 2), num_op (ops, 1));
    }
  else if (word_is (w, len, "Tm") && ops->len >= 6)
    {
      run->tm = (Matrix){ num_op (ops, 6), num_op (ops, 5), num_op (ops, 4),
                          num_op (ops, 3), num_op (ops, 2), num_op (ops, 1) };
      run->tlm = run->tm;
    }
  else if (word_is (w, len, "T*"))
    move_line (run, 0, -run->s.tl);
  else if (word_is (w, len, "Tc"))
    run->s.tc = num_op (ops, 1);
  else if (word_is (w, len, "Tw"))
    run->s.tw = num_op (ops, 1);
  else if (word_is (w, len, "Tz"))
    run->s.th = num_op (ops, 1) / 100;
  else if (word_is (w, len, "TL"))
    run->s.tl = num_op (ops, 1);
  else if (word_is (w, len, "Ts"))
    run->s.rise = num_op (ops, 1);
  else if (word_is (w, len, "Tr"))
    {
      /* Invisible text (OCR layers, 3 and 7): poppler's handling is its own. */
      double mode = num_op (ops, 1);
      if (mode == 3 || mode == 7)
        refuse (x);
    }
  else if (word_is (w, len, "Tj") && operand (ops, 1) != NULL)
    show (run, operand (ops, 1));
  else if (word_is (w, len, "'") && operand (ops, 1) != NULL)
    {
      move_line (run, 0, -run->s.tl);
      show (run, operand (ops, 1));
    }
  else if (word_is (w, len, "\"") && ops->len >= 3)
    {
      run->s.tw = num_op (ops, 3);
      run->s.tc = num_op (ops, 2);
      move_line (run, 0, -run->s.tl);
      show (run, operand (ops, 1));
    }
  else if (word_is (w, len, "TJ") && operand (ops, 1) != NULL)
    {
      const Value *a = operand (ops, 1);

      if (a->kind != V_ARRAY)
        {
          refuse (x);
          return;
        }
      for (guint i = 0; i < a->items->len && !x->refused; i++)
        {
          const Value *item = g_ptr_array_index (a->items, i);

          if (item->kind == V_NUM)
            {
              double tx = -item->real / 1000 * run->s.size * run->s.th;
              run->tm.e += tx * run->tm.a;
              run->tm.f += tx * run->tm.b;
            }
          else
            show (run, item);
        }
    }
  else if (word_is (w, len, "q"))
    {
      if (run->states->len >= STATE_DEPTH_MAX)
        refuse (x);
      else
        g_array_append_val (run->states, run->s);
    }
  else if (word_is (w, len, "Q"))
    {
      if (run->states->len > 0)
        {
          run->s = g_array_index (run->states, State, run->states->len - 1);
          g_array_set_size (run->states, run->states->len - 1);
        }
    }
  else if (word_is (w, len, "cm") && ops->len >= 6)
    {
      Matrix m = { num_op (ops, 6), num_op (ops, 5), num_op (ops, 4),
                   num_op (ops, 3), num_op (ops, 2), num_op (ops, 1) };
      run->s.ctm = matrix_mul (&m, &run->s.ctm);
    }
  else if (word_is (w, len, "Do"))
    do_xobject (run, operand (ops, 1));
  else if (word_is (w, len, "BMC"))
    run->marked++;
  else if (word_is (w, len, "EMC"))
    {
      if (run->actual != NULL && run->marked == run->actual_at)
        actual_end (run);
      if (run->marked > 0)
        run->marked--;
    }
  else if (word_is (w, len, "BDC"))
    {
      const Value *props = operand (ops, 1);
      const Value *actual = fct_pdf_dict_get (props, "ActualText");

      run->marked++;
      if (actual != NULL)
        {
          if (actual->kind != V_STRING || run->actual != NULL)
            refuse (x);
          else
            {
              run->actual = fct_pdf_text_string (actual->str);
              run->actual_at = run->marked;
              run->actual_from = x->glyphs->len;
            }
        }
      if (props != NULL && props->kind == V_NAME && operand (ops, 2) != NULL
          && fct_pdf_name_is (operand (ops, 2), "OC"))
        refuse (x);
    }
  else if (word_is (w, len, "gs"))
    {
      g_autoptr (AutoValue) states_owned = NULL;
      g_autoptr (AutoValue) state_owned = NULL;
      const Value *states = fct_pdf_resolve (
          x->r, fct_pdf_dict_get (run->resources, "ExtGState"), &states_owned);
      const Value *name = operand (ops, 1);
      const Value *state
          = name != NULL && name->kind == V_NAME ? fct_pdf_resolve (
                x->r, fct_pdf_dict_get (states, name->str->str), &state_owned)
                                                 : NULL;
      if (fct_pdf_dict_get (state, "Font") != NULL)
        refuse (x);
    }
}

static void
clear_operands (GPtrArray *ops, Value *numbers)
{
  for (guint i = 0; i < ops->len; i++)
    {
      Value *v = g_ptr_array_index (ops, i);
      if (v < numbers || v >= numbers + OPERANDS_MAX)
        fct_pdf_value_free (v);
    }
  g_ptr_array_set_size (ops, 0);
}

static void
run_content (Ctx *x, const Value *resources, const GByteArray *data, const State *start,
             guint depth)
{
  gboolean ignored = FALSE;
  const guint8 *base = data->len > 0 ? data->data : (const guint8 *)"";
  Parser ps = { base, base + data->len, 0, x->r->limits, &ignored };
  g_autoptr (GPtrArray) ops = g_ptr_array_new ();
  Value numbers[OPERANDS_MAX];
  g_autoptr (GArray) states = g_array_new (FALSE, FALSE, sizeof (State));
  Run run
      = { x, resources, states, *start, { 1, 0, 0, 1, 0, 0 }, { 1, 0, 0, 1, 0, 0 }, depth,
          0, 0,         0,      NULL };

  if (data->len > x->content_left)
    {
      refuse (x);
      return;
    }
  x->content_left -= data->len;
  while (!x->refused)
    {
      Value *v = NULL;
      const guint8 *word = NULL;
      gsize len = 0;
      Token t;

      if (ops->len >= OPERANDS_MAX)
        {
          refuse (x);
          break;
        }
      t = lex (&ps, &numbers[ops->len], &v, &word, &len);
      if (t == TOKEN_END)
        break;
      if (t == TOKEN_BAD || ignored)
        {
          refuse (x);
          break;
        }
      if (t == TOKEN_OPERAND)
        {
          g_ptr_array_add (ops, v);
          continue;
        }
      if (word_is (word, len, "BI"))
        {
          if (!skip_inline_image (&ps))
            refuse (x);
        }
      else
        operator(&run, word, len, ops);
      clear_operands (ops, numbers);
    }
  clear_operands (ops, numbers);
  /* A sequence left open: poppler's reading of it is its own. */
  if (run.actual != NULL)
    {
      g_free (run.actual);
      refuse (x);
    }
}

/* --- Pages (§7.7.3) and their text laid out in lines. */

/* Glyphs shown one after the other on one baseline, left to right: a string, mostly. */
typedef struct
{
  guint first, count;
  double y, x0, size;
} Span;

static int
span_by_line (gconstpointer a, gconstpointer b)
{
  const Span *g = a, *h = b;

  return g->y > h->y ? -1 : g->y < h->y;
}

static int
span_by_x (gconstpointer a, gconstpointer b, gpointer unused)
{
  (void)unused;
  const Span *g = a, *h = b;

  return g->x0 < h->x0 ? -1 : g->x0 > h->x0;
}

static int
glyph_by_x (gconstpointer a, gconstpointer b)
{
  const Glyph *g = *(Glyph *const *)a, *h = *(Glyph *const *)b;

  return g->x0 < h->x0 ? -1 : g->x0 > h->x0;
}

/* One line's glyphs, left to right: a space where a space glyph was or where the gap
 * between two glyphs is over a tenth of the font size, poppler's minWordBreakSpace
 * (TextOutputDev.cc); a glyph drawn twice at one place (a faked bold) once. */
static void
emit_line (GPtrArray *line, GString *out)
{
  const Glyph *prev = NULL;
  gboolean pending = FALSE;

  for (guint k = 1; k < line->len; k++)
    if (((Glyph *)g_ptr_array_index (line, k))->x0
        < ((Glyph *)g_ptr_array_index (line, k - 1))->x0)
      {
        g_ptr_array_sort (line, glyph_by_x); /* stable: a merge sort */
        break;
      }
  for (guint k = 0; k < line->len; k++)
    {
      const Glyph *c = g_ptr_array_index (line, k);
      const char *text = c->text;

      if (c->space)
        {
          pending = prev != NULL;
          continue;
        }
      if (prev != NULL && fabs (c->x0 - prev->x0) < 0.1 * c->size
          && strcmp (text, prev->text) == 0)
        continue;
      if (prev != NULL && (pending || c->x0 - prev->x1 > 0.1 * MIN (c->size, prev->size)))
        g_string_append_c (out, ' ');
      g_string_append (out, text);
      prev = c;
      pending = FALSE;
    }
  if (prev != NULL)
    g_string_append_c (out, '\n');
}

/* Lines from top to bottom: spans whose baselines are within half a font size of the
 * line's first one. */
static void
layout (Ctx *x, GString *out)
{
  GArray *g = x->glyphs;
  g_autoptr (GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr (GPtrArray) line = g_ptr_array_new ();
  guint i = 0;

  for (guint k = 0; k < g->len; k++)
    {
      const Glyph *c = &g_array_index (g, Glyph, k);
      Span *last = spans->len > 0 ? &g_array_index (spans, Span, spans->len - 1) : NULL;
      const Glyph *before = k > 0 ? c - 1 : NULL;

      if (last != NULL && before->y == c->y && c->x0 >= before->x0)
        last->count++;
      else
        {
          Span s = { k, 1, c->y, c->x0, c->size };
          g_array_append_val (spans, s);
        }
    }
  /* g_array_sort is a stable merge sort: spans of a line keep their order. */
  g_array_sort (spans, span_by_line);
  while (i < spans->len)
    {
      const Span *first = &g_array_index (spans, Span, i);
      guint end = i + 1;

      while (end < spans->len
             && first->y - g_array_index (spans, Span, end).y
                    < 0.5 * MIN (first->size, g_array_index (spans, Span, end).size))
        end++;
      if (end - i > 1)
        g_qsort_with_data (&g_array_index (spans, Span, i), (gint)(end - i), sizeof (Span),
                           span_by_x, NULL);
      g_ptr_array_set_size (line, 0);
      for (guint k = i; k < end; k++)
        {
          const Span *s = &g_array_index (spans, Span, k);
          for (guint m = 0; m < s->count; m++)
            g_ptr_array_add (line, &g_array_index (g, Glyph, s->first + m));
        }
      emit_line (line, out);
      i = end;
    }
}

static void
box_of (const Value *v, double box[4])
{
  if (v == NULL || v->kind != V_ARRAY || v->items->len != 4)
    return;
  for (guint i = 0; i < 4; i++)
    box[i] = number (g_ptr_array_index (v->items, i), box[i]);
  if (box[0] > box[2])
    {
      double t = box[0];
      box[0] = box[2];
      box[2] = t;
    }
  if (box[1] > box[3])
    {
      double t = box[1];
      box[1] = box[3];
      box[3] = t;
    }
}

typedef struct
{
  const Value *resources;
  const Value *media;
  const Value *crop;
  const Value *rotate;
} Inherited;

static void
read_page (Ctx *x, const Value *page, const Inherited *in, GString *text)
{
  g_autoptr (AutoValue) annots_owned = NULL;
  g_autoptr (AutoValue) contents_owned = NULL;
  const Value *annots
      = fct_pdf_resolve (x->r, fct_pdf_dict_get (page, "Annots"), &annots_owned);
  const Value *contents = fct_pdf_dict_get (page, "Contents");
  g_autoptr (GString) page_text = g_string_new (NULL);
  State start = { { 1, 0, 0, 1, 0, 0 }, NULL, 0, 0, 0, 1, 0, 0 };
  gint64 rotate = (gint64)number (in->rotate, 0);

  /* A turned page, or its geometry by reference (which box_of does not follow): poppler
     lays it out. */
  if (rotate % 360 != 0 || (in->rotate != NULL && in->rotate->kind != V_NUM)
      || (in->media != NULL && in->media->kind != V_ARRAY)
      || (in->crop != NULL && in->crop->kind != V_ARRAY))
    {
      refuse (x);
      return;
    }
  /* Annotations other than links without appearance draw text of their own (form
     fields, comments), which poppler prints with the page. */
  for (guint i = 0; annots != NULL && annots->kind == V_ARRAY && i < annots->items->len;
       i++)
    {
      g_autoptr (AutoValue) owned = NULL;
      const Value *a = fct_pdf_resolve (x->r, g_ptr_array_index (annots->items, i), &owned);

      if (!fct_pdf_name_is (fct_pdf_dict_get (a, "Subtype"), "Link")
          || fct_pdf_dict_get (a, "AP") != NULL)
        {
          refuse (x);
          return;
        }
    }
  if (annots != NULL && annots->kind != V_ARRAY)
    {
      refuse (x);
      return;
    }
  x->box[0] = 0, x->box[1] = 0, x->box[2] = 612, x->box[3] = 792;
  box_of (in->media, x->box);
  box_of (in->crop, x->box);
  g_array_set_size (x->glyphs, 0);
  /* §7.7.3.3: one stream, or an array of streams read as one. */
  if (contents != NULL && contents->kind == V_REF)
    {
      g_autoptr (AutoValue) head = fct_pdf_load (x->r, contents->num);
      if (head != NULL && head->kind == V_ARRAY)
        contents = contents_owned = g_steal_pointer (&head);
    }
  if (contents != NULL)
    {
      g_autoptr (GByteArray) all = g_byte_array_new ();
      guint count = contents->kind == V_ARRAY ? contents->items->len : 1;

      for (guint i = 0; i < count && !x->refused; i++)
        {
          const Value *ref = contents->kind == V_ARRAY
                                 ? g_ptr_array_index (contents->items, i)
                                 : contents;
          g_autoptr (AutoValue) dict = NULL;
          g_autoptr (GByteArray) data = stream_open (x, ref, &dict);

          if (data == NULL)
            refuse (x);
          else
            {
              if (data->len > 0)
                g_byte_array_append (all, data->data, data->len);
              g_byte_array_append (all, (const guint8 *)"\n", 1);
            }
        }
      if (!x->refused)
        run_content (x, in->resources, all, &start, 0);
    }
  if (x->refused)
    return;
  layout (x, page_text);
  g_string_append_len (text, page_text->str, (gssize)page_text->len);
  g_string_append_c (text, '\n');
}

static void
walk_pages (Ctx *x, const Value *node, Inherited in, guint depth, guint *pages,
            gsize text_max, GString *text)
{
  g_autoptr (AutoValue) kids_owned = NULL;
  g_autoptr (AutoValue) res_owned = NULL;
  const Value *kids;
  const Value *v;

  if (depth >= TREE_DEPTH_MAX || node == NULL || node->kind != V_DICT)
    {
      refuse (x);
      return;
    }
  if ((v = fct_pdf_dict_get (node, "Resources")) != NULL)
    in.resources = fct_pdf_resolve (x->r, v, &res_owned);
  if ((v = fct_pdf_dict_get (node, "MediaBox")) != NULL)
    in.media = v;
  if ((v = fct_pdf_dict_get (node, "CropBox")) != NULL)
    in.crop = v;
  if ((v = fct_pdf_dict_get (node, "Rotate")) != NULL)
    in.rotate = v;
  if (fct_pdf_name_is (fct_pdf_dict_get (node, "Type"), "Page"))
    {
      if (*pages >= PAGES_MAX)
        return;
      (*pages)++;
      /* As pdf.c: pages are read while the text is within its cap. */
      if (text->len <= text_max)
        read_page (x, node, &in, text);
      return;
    }
  kids = fct_pdf_resolve (x->r, fct_pdf_dict_get (node, "Kids"), &kids_owned);
  if (kids == NULL || kids->kind != V_ARRAY)
    {
      refuse (x);
      return;
    }
  for (guint i = 0; i < kids->items->len && !x->refused && *pages < PAGES_MAX; i++)
    {
      const Value *kid = g_ptr_array_index (kids->items, i);
      g_autoptr (AutoValue) owned = NULL;

      if (kid->kind != V_REF
          || !g_hash_table_add (x->r->seen_nodes,
                                GINT_TO_POINTER ((gint)-1 - (gint)kid->num)))
        {
          refuse (x); /* a page twice, or a cycle */
          return;
        }
      walk_pages (x, fct_pdf_resolve (x->r, kid, &owned), in, depth + 1, pages, text_max,
                  text);
    }
}

gboolean
fct_extract_pdf_simple (GBytes *bytes, gsize text_max, FctExtractResult *result)
{
  /* The helper is told only the text cap; its structural limits are the defaults. */
  const FctLimits *limits = fct_limits_default ();
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  Reader r;
  Ctx x = { 0 };
  g_autoptr (FctExtractResult) mine = fct_extract_result_new ();
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (AutoValue) catalog = NULL;
  g_autoptr (AutoValue) pages_owned = NULL;
  const Value *pages;
  Inherited in = { NULL, NULL, NULL, NULL };
  guint count = 0;
  gint64 root;

  g_return_val_if_fail (bytes != NULL && result != NULL, FALSE);
  if (data == NULL || len == 0)
    return FALSE;
  fct_pdf_reader_open (&r, data, len, limits);
  x.r = &r;
  x.fonts = g_hash_table_new_full (NULL, NULL, NULL, font_free);
  x.inline_fonts = g_ptr_array_new_with_free_func (font_free);
  x.glyphs = g_array_new (FALSE, FALSE, sizeof (Glyph));
  x.texts = g_ptr_array_new_with_free_func (g_free);
  x.glyphs_max = text_max + 1;
  x.content_left = CONTENT_MAX;
  x.cmap_left = DOCUMENT_CMAP_ENTRIES_MAX;
  x.forms_left = FORMS_MAX;
  x.xref_left = limits->extract_pdf_objects_max;
  /* Every object of the document was read while indexing: one that names JavaScript or
     a program to launch, or that the reader could not see, goes to poppler. */
  x.refused = r.over || r.active || r.objstm_hidden;
  root = x.refused ? 0 : xref_check (&x);
  catalog = root > 0 ? fct_pdf_load (&r, root) : NULL;
  if (catalog == NULL || catalog->kind != V_DICT
      || fct_pdf_dict_get (catalog, "OCProperties") != NULL)
    refuse (&x);
  pages = x.refused
              ? NULL
              : fct_pdf_resolve (&r, fct_pdf_dict_get (catalog, "Pages"), &pages_owned);
  if (!x.refused)
    walk_pages (&x, pages, in, 0, &count, text_max, text);
  if (!x.refused && (!fct_pdf_reader_embedded (&r, mine) || r.over))
    refuse (&x);
  g_hash_table_unref (x.fonts);
  g_ptr_array_unref (x.inline_fonts);
  g_array_unref (x.glyphs);
  g_ptr_array_unref (x.texts);
  fct_pdf_reader_close (&r);
  if (x.refused)
    return FALSE;
  /* The flags poppler's path sets without poppler: names in object streams. */
  fct_extract_pdf_scan_object_streams (data, len, limits, mine);
  result->flags |= mine->flags;
  for (guint i = 0; i < mine->embedded->len; i++)
    fct_extract_embedded_add (result, g_ptr_array_index (mine->embedded, i));
  fct_extract_text_set (result, text, text_max);
  return TRUE;
}
