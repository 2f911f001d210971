/* facteur — the cross-reference of a PDF read by the reader of ordinary PDFs (pdftext.c):
 * tables (§7.5.4) and streams (§7.5.8, their PNG predictors, §7.4.4.4) followed through
 * /Prev, each entry checked against the objects pdfobj.c indexed, so that this reader and
 * poppler see the same objects; and the streams it decodes. */
#include "pdftext.h"

#include <stdlib.h>
#include <string.h>

/* A stream's dictionary and its data, decoded when unfiltered or FlateDecode. */
GByteArray *
fct_pdf_stream_open (Ctx *x, const Value *ref, Value **dict_out)
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
gint64
fct_pdf_xref_check (Ctx *x)
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
