/* facteur — the fonts of the reader of ordinary PDFs (pdftext.c): ToUnicode CMaps
 * (§9.10.3), Identity-H Type0 fonts and their widths (§9.7), simple fonts with a
 * standard encoding and /Differences of glyph names of Adobe's list (§9.6.6), the
 * standard fonts' widths (§9.6.2.2); and the tokens of CMaps and content streams. */
#include "pdftext.h"

#include <string.h>

void
fct_pdf_font_free (gpointer data)
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

/* --- Tokens of content streams and CMaps (§7.8.2): an operand, or an operator. */

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

Token
fct_pdf_lex (Parser *ps, Value *slot, Value **operand, const guint8 **word, gsize *len)
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

gboolean
fct_pdf_word_is (const guint8 *word, gsize len, const char *name)
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
      Token t = fct_pdf_lex (&ps, NULL, &v, &word, &len);

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
      if (fct_pdf_word_is (word, len, "usecmap")
          || fct_pdf_word_is (word, len, "begincidrange")
          || fct_pdf_word_is (word, len, "begincidchar")
          || fct_pdf_word_is (word, len, "beginnotdefrange"))
        return FALSE;
      if (fct_pdf_word_is (word, len, "endcodespacerange"))
        for (guint i = 0; i + 1 < ops->len; i += 2)
          {
            const Value *lo = g_ptr_array_index (ops, i);
            /* A simple font's codes are bytes however wide the range is written
               (writers give <0000> <FFFF>); a Type0 font's, with Identity-H, two. */
            if (lo->kind != V_STRING || (f->two_byte && lo->str->len != 2))
              return FALSE;
          }
      else if (fct_pdf_word_is (word, len, "endbfchar"))
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
      else if (fct_pdf_word_is (word, len, "endbfrange"))
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
  data = fct_pdf_stream_open (x, ref, &sdict);
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
Font *
fct_pdf_font_get (Ctx *x, const Value *resources, const Value *name)
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
      fct_pdf_font_free (f);
      return NULL;
    }
  if (ref != NULL && ref->kind == V_REF)
    g_hash_table_insert (x->fonts, GINT_TO_POINTER ((gint)ref->num), f);
  else
    g_ptr_array_add (x->inline_fonts, f);
  return f;
}

/* A simple font's code without a ToUnicode entry: its glyph name's character. */
const char *
fct_pdf_font_text (Font *f, guint code)
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

double
fct_pdf_font_width (Font *f, guint code)
{
  if (f->two_byte)
    {
      gpointer w;
      return g_hash_table_lookup_extended (f->widths, GUINT_TO_POINTER (code), NULL, &w)
                 ? GPOINTER_TO_INT (w)
                 : f->default_width;
    }
  if (f->simple_w[code] < 0 && f->base >= 0 && !f->differs[code])
    f->simple_w[code] = tables ()->width[f->std_index][f->base][code];
  else if (f->simple_w[code] < 0)
    {
      int w = f->names[code] != NULL ? standard_width (f->std, f->names[code]) : -1;
      f->simple_w[code] = w >= 0 ? w : 0;
    }
  return f->simple_w[code];
}
