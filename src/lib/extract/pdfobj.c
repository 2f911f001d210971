/* facteur — the files embedded in a PDF, read by a small bounded reader of its objects
 * (ISO 32000-1 §7.3 syntax, §7.5.4 object headers, §7.5.7 object streams, §7.5.8 cross-
 * reference streams) instead of poppler: poppler 22.12's poppler_document_get_attachments
 * dereferences NULL on a name-tree value that refers to a string. Walks the catalog's
 * /Names /EmbeddedFiles name tree (§7.9.6, §7.11.4) with its Kids, under FctLimits. */
#include "pdfobj.h"

#include <string.h>

void
fct_pdf_value_free (gpointer data)
{
  Value *v = data;

  if (v == NULL)
    return;
  if (v->str != NULL)
    g_string_free (v->str, TRUE);
  if (v->items != NULL)
    g_ptr_array_unref (v->items);
  g_free (v);
}

gboolean
fct_pdf_is_space (guint8 c)
{
  return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static gboolean
is_delim (guint8 c)
{
  return strchr ("()<>[]{}/%", c) != NULL && c != 0;
}

gboolean
fct_pdf_is_regular (guint8 c)
{
  return !fct_pdf_is_space (c) && !is_delim (c);
}

/* White space and comments (§7.2.3). */
void
fct_pdf_skip_space (Parser *ps)
{
  while (ps->p < ps->end)
    {
      if (fct_pdf_is_space (*ps->p))
        ps->p++;
      else if (*ps->p == '%')
        {
          while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '\r')
            ps->p++;
        }
      else
        break;
    }
}

gboolean
fct_pdf_keyword_is (Parser *ps, const char *word)
{
  gsize len = strlen (word);

  return (gsize)(ps->end - ps->p) >= len && memcmp (ps->p, word, len) == 0
         && ((gsize)(ps->end - ps->p) == len || !fct_pdf_is_regular (ps->p[len]));
}

/* An unsigned integer of at most 10 digits; FALSE without consuming otherwise. */
gboolean
fct_pdf_read_uint (Parser *ps, guint64 *value)
{
  const guint8 *q = ps->p;
  guint64 v = 0;

  while (q < ps->end && g_ascii_isdigit (*q) && q - ps->p < 10)
    v = v * 10 + (guint)(*q++ - '0');
  if (q == ps->p || (q < ps->end && fct_pdf_is_regular (*q)))
    return FALSE;
  ps->p = q;
  *value = v;
  return TRUE;
}

static Value *
value_new (Parser *ps, VKind kind)
{
  Value *v;

  if (ps->values >= ps->limits->extract_pdf_values_max)
    {
      *ps->over = TRUE;
      return NULL;
    }
  ps->values++;
  v = g_new0 (Value, 1);
  v->kind = kind;
  return v;
}

/* §7.3.4.2: escapes, octal codes, line continuations, balanced parentheses. */
static Value *
parse_literal (Parser *ps)
{
  g_autoptr (AutoValue) v = value_new (ps, V_STRING);
  guint nest = 0;

  if (v == NULL)
    return NULL;
  v->str = g_string_new (NULL);
  ps->p++;
  while (ps->p < ps->end)
    {
      guint8 c = *ps->p++;

      if (c == '(')
        nest++;
      else if (c == ')')
        {
          if (nest == 0)
            return g_steal_pointer (&v);
          nest--;
        }
      else if (c == '\\' && ps->p < ps->end)
        {
          c = *ps->p++;
          switch (c)
            {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'f':
              c = '\f';
              break;
            case '\r':
              if (ps->p < ps->end && *ps->p == '\n')
                ps->p++;
              continue;
            case '\n':
              continue;
            default:
              if (c >= '0' && c <= '7')
                {
                  guint o = (guint)(c - '0');
                  for (int k = 0;
                       k < 2 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7'; k++)
                    o = o * 8 + (guint)(*ps->p++ - '0');
                  c = (guint8)o;
                }
              break;
            }
        }
      g_string_append_c (v->str, (char)c);
    }
  return NULL;
}

/* §7.3.4.3: hexadecimal digits, white space ignored, an odd last digit followed by 0. */
static Value *
parse_hex (Parser *ps)
{
  g_autoptr (AutoValue) v = value_new (ps, V_STRING);
  int high = -1;

  if (v == NULL)
    return NULL;
  v->str = g_string_new (NULL);
  ps->p++;
  while (ps->p < ps->end)
    {
      guint8 c = *ps->p++;

      if (c == '>')
        {
          if (high >= 0)
            g_string_append_c (v->str, (char)(high << 4));
          return g_steal_pointer (&v);
        }
      if (fct_pdf_is_space (c))
        continue;
      if (!g_ascii_isxdigit (c))
        return NULL;
      if (high < 0)
        high = g_ascii_xdigit_value ((char)c);
      else
        {
          g_string_append_c (v->str, (char)(high << 4 | g_ascii_xdigit_value ((char)c)));
          high = -1;
        }
    }
  return NULL;
}

/* §7.3.5: a name ends at white space or a delimiter; #xx is a byte. */
static Value *
parse_name (Parser *ps)
{
  Value *v = value_new (ps, V_NAME);

  if (v == NULL)
    return NULL;
  v->str = g_string_new (NULL);
  ps->p++;
  while (ps->p < ps->end && fct_pdf_is_regular (*ps->p))
    {
      if (*ps->p == '#' && ps->end - ps->p >= 3 && g_ascii_isxdigit (ps->p[1])
          && g_ascii_isxdigit (ps->p[2]))
        {
          g_string_append_c (v->str, (char)(g_ascii_xdigit_value ((char)ps->p[1]) << 4
                                            | g_ascii_xdigit_value ((char)ps->p[2])));
          ps->p += 3;
        }
      else
        g_string_append_c (v->str, (char)*ps->p++);
    }
  return v;
}

/* Arrays (§7.3.6) and dictionaries (§7.3.7), whose keys are names. */
static Value *
parse_container (Parser *ps, guint depth, gboolean dict)
{
  g_autoptr (AutoValue) v = NULL;
  guint8 close = dict ? '>' : ']';

  if (depth >= ps->limits->extract_pdf_depth_max)
    {
      *ps->over = TRUE;
      return NULL;
    }
  v = value_new (ps, dict ? V_DICT : V_ARRAY);
  if (v == NULL)
    return NULL;
  v->items = g_ptr_array_new_with_free_func (fct_pdf_value_free);
  ps->p += dict ? 2 : 1;
  for (;;)
    {
      Value *item;

      fct_pdf_skip_space (ps);
      if (ps->p >= ps->end)
        return NULL;
      if (*ps->p == close)
        {
          if (dict && (ps->end - ps->p < 2 || ps->p[1] != '>'))
            return NULL;
          ps->p += dict ? 2 : 1;
          return g_steal_pointer (&v);
        }
      if (dict && *ps->p != '/')
        return NULL;
      item = fct_pdf_parse_value (ps, depth + 1);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (v->items, item);
      if (dict)
        {
          fct_pdf_skip_space (ps);
          /* A key with no value before ">>" is read as null, as readers do. */
          if (ps->p < ps->end && *ps->p == '>')
            item = value_new (ps, V_NULL);
          else
            item = fct_pdf_parse_value (ps, depth + 1);
          if (item == NULL)
            return NULL;
          g_ptr_array_add (v->items, item);
        }
    }
}

/* A number (§7.3.3), or "num gen R", an indirect reference (§7.3.10). */
static Value *
parse_number (Parser *ps)
{
  const guint8 *start = ps->p;
  gboolean negative = FALSE;
  gboolean integer = TRUE;
  guint64 v = 0;
  double real = 0, scale = 1;
  Value *value;

  if (*ps->p == '+' || *ps->p == '-')
    negative = *ps->p++ == '-';
  while (ps->p < ps->end && (g_ascii_isdigit (*ps->p) || *ps->p == '.'))
    {
      if (*ps->p == '.')
        integer = FALSE;
      else if (integer)
        {
          if (v < G_MAXINT64 / 10)
            v = v * 10 + (guint)(*ps->p - '0');
          real = real * 10 + (*ps->p - '0');
        }
      else if (scale > 1e-12)
        real += (*ps->p - '0') * (scale /= 10);
      ps->p++;
    }
  if (ps->p == start || (ps->p < ps->end && fct_pdf_is_regular (*ps->p)))
    return NULL;
  if (integer && !negative && ps->p - start <= 10)
    {
      const guint8 *after = ps->p;
      guint64 gen;

      fct_pdf_skip_space (ps);
      if (fct_pdf_read_uint (ps, &gen) && gen <= 65535)
        {
          fct_pdf_skip_space (ps);
          if (fct_pdf_keyword_is (ps, "R"))
            {
              ps->p++;
              value = value_new (ps, V_REF);
              if (value != NULL)
                value->num = (gint64)v;
              return value;
            }
        }
      ps->p = after;
    }
  value = value_new (ps, V_NUM);
  if (value != NULL)
    {
      value->num = negative ? -(gint64)v : (gint64)v;
      value->real = negative ? -real : real;
    }
  return value;
}

Value *
fct_pdf_parse_value (Parser *ps, guint depth)
{
  Value *v;

  fct_pdf_skip_space (ps);
  if (ps->p >= ps->end)
    return NULL;
  switch (*ps->p)
    {
    case '/':
      return parse_name (ps);
    case '(':
      return parse_literal (ps);
    case '<':
      if (ps->end - ps->p >= 2 && ps->p[1] == '<')
        return parse_container (ps, depth, TRUE);
      return parse_hex (ps);
    case '[':
      return parse_container (ps, depth, FALSE);
    default:
      break;
    }
  if (g_ascii_isdigit (*ps->p) || *ps->p == '+' || *ps->p == '-' || *ps->p == '.')
    return parse_number (ps);
  if (fct_pdf_keyword_is (ps, "null"))
    {
      ps->p += 4;
      return value_new (ps, V_NULL);
    }
  if (fct_pdf_keyword_is (ps, "true") || fct_pdf_keyword_is (ps, "false"))
    {
      gboolean t = *ps->p == 't';

      ps->p += t ? 4 : 5;
      v = value_new (ps, V_BOOL);
      if (v != NULL)
        v->num = t;
      return v;
    }
  return NULL;
}

const Value *
fct_pdf_dict_get (const Value *dict, const char *key)
{
  if (dict == NULL || dict->kind != V_DICT)
    return NULL;
  for (guint i = 0; i + 1 < dict->items->len; i += 2)
    {
      const Value *k = g_ptr_array_index (dict->items, i);
      if (k->kind == V_NAME && strcmp (k->str->str, key) == 0)
        return g_ptr_array_index (dict->items, i + 1);
    }
  return NULL;
}

gboolean
fct_pdf_name_is (const Value *v, const char *name)
{
  return v != NULL && v->kind == V_NAME && strcmp (v->str->str, name) == 0;
}

/* Parses one value. strict: a limit reached makes the whole listing incomplete (the
 * objects that lead to the embedded files); otherwise the object is only skipped. */
Value *
fct_pdf_parse_at (Reader *r, const guint8 *p, const guint8 *end, gboolean strict)
{
  gboolean ignored = FALSE;
  Parser ps = { p, end, 0, r->limits, strict ? &r->over : &ignored };
  Value *v;

  /* An object read again and again (one array named by every node of a tree, many
     object-stream entries at one offset) must not make the reading quadratic. */
  if (r->work_left == 0)
    {
      r->over = TRUE;
      return NULL;
    }
  v = fct_pdf_parse_value (&ps, 0);
  r->work_left -= MIN ((gsize)(ps.p - p), r->work_left);
  return v;
}

/* The body of object num, parsed (transfer full), or NULL. */
Value *
fct_pdf_load (Reader *r, gint64 num)
{
  const Entry *e;
  const guint8 *base;

  if (num < 0 || num > G_MAXUINT)
    return NULL;
  e = g_hash_table_lookup (r->objects, GUINT_TO_POINTER ((guint)num));
  if (e == NULL)
    return NULL;
  base = e->buffer != NULL ? e->buffer->data : r->data;
  return fct_pdf_parse_at (r, base + e->start, base + e->end, TRUE);
}

/* v itself, or the object it refers to (a few hops), in *owned. */
const Value *
fct_pdf_resolve (Reader *r, const Value *v, Value **owned)
{
  *owned = NULL;
  for (int hops = 0; v != NULL && v->kind == V_REF && hops < 8; hops++)
    {
      Value *next = fct_pdf_load (r, v->num);
      fct_pdf_value_free (*owned);
      *owned = next;
      v = next;
    }
  return v != NULL && v->kind == V_REF ? NULL : v;
}

static Entry *
entry_set (Reader *r, guint num, const GByteArray *buffer, gsize start, gsize end,
           gboolean in_stream)
{
  const Entry *old = g_hash_table_lookup (r->objects, GUINT_TO_POINTER (num));
  Entry *e;

  /* Bytes inside a stream's data that read as an object never replace an object in the
     open: binary data cannot hijack a number. They still count when nothing else
     defines it, since a reader that follows the cross-reference table finds objects
     that a false /Length would swallow. */
  if (in_stream && old != NULL && !old->in_stream)
    return NULL;
  e = g_new0 (Entry, 1);
  e->in_stream = in_stream;

  e->buffer = buffer;
  e->start = start;
  e->end = end;
  g_hash_table_replace (r->objects, GUINT_TO_POINTER (num), e);
  return e;
}

/* The names that make an action run code (ISO 32000-1 §12.6.4.5 /Launch, §12.6.4.16
 * /JavaScript and its /JS, which renditions carry too, and the document's /JavaScript
 * name tree, §7.7.4) anywhere in a value, keys included. */
static void
scan_active (Reader *r, const Value *v, guint depth)
{
  if (v == NULL || r->active || depth > r->limits->extract_pdf_depth_max)
    return;
  if (v->kind == V_NAME)
    r->active = g_str_equal (v->str->str, "JS") || g_str_equal (v->str->str, "JavaScript")
                || g_str_equal (v->str->str, "Launch");
  else if (v->kind == V_ARRAY || v->kind == V_DICT)
    for (guint i = 0; i < v->items->len; i++)
      scan_active (r, g_ptr_array_index (v->items, i), depth + 1);
}

/* memmem for a needle of 3 bytes, faster on binary stream data: memchr skips to each
   first byte. */
static const guint8 *
find3 (const guint8 *p, gsize n, const char *needle)
{
  const guint8 *end = p + n;

  while (n >= 3)
    {
      const guint8 *q = memchr (p, needle[0], n - 2);

      if (q == NULL)
        return NULL;
      if (q[1] == (guint8)needle[1] && q[2] == (guint8)needle[2])
        return q;
      p = q + 1;
      n = (gsize)(end - p);
    }
  return NULL;
}

typedef struct
{
  guint num;
  gsize header; /* where "num gen obj" starts */
  gsize body;   /* just after "obj" */
} Candidate;

/* §7.5.4 object headers "num gen obj", found by their keyword: a damaged or rewritten
 * cross-reference table does not hide an object from a reader that repairs files. */
static GArray *
find_headers (Reader *r)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (Candidate));
  const guint8 *p = r->data;
  gsize n = r->len;
  gsize at = 0;

  while (at + 3 <= n)
    {
      const guint8 *o = find3 (p + at, n - at, "obj");
      gsize i, digits;
      guint64 num = 0, scale = 1;
      Candidate c;

      if (o == NULL)
        break;
      i = (gsize)(o - p);
      at = i + 3;
      if (at < n && fct_pdf_is_regular (p[at]))
        continue;
      while (i > 0 && fct_pdf_is_space (p[i - 1]))
        i--;
      for (digits = 0; i > 0 && g_ascii_isdigit (p[i - 1]) && digits < 5; digits++)
        i--;
      if (digits == 0 || i == 0 || !fct_pdf_is_space (p[i - 1]))
        continue;
      while (i > 0 && fct_pdf_is_space (p[i - 1]))
        i--;
      for (digits = 0; i > 0 && g_ascii_isdigit (p[i - 1]) && digits < 10; digits++)
        {
          i--;
          num += (guint64)(p[i] - '0') * scale;
          scale *= 10;
        }
      if (digits == 0 || (i > 0 && fct_pdf_is_regular (p[i - 1])) || num > G_MAXUINT)
        continue;
      if (found->len >= r->limits->extract_pdf_objects_max)
        {
          r->over = TRUE;
          break;
        }
      c.num = (guint)num;
      c.header = i;
      c.body = at;
      g_array_append_val (found, c);
    }
  return found;
}

/* Decodes a stream's data when it is not filtered or only FlateDecode (§7.4.4) without
 * a predictor, within the reader's inflate budget; NULL otherwise. */
GByteArray *
fct_pdf_decode (Reader *r, const Value *dict, const guint8 *p, gsize n)
{
  const Value *filter = fct_pdf_dict_get (dict, "Filter");
  const Value *parms = fct_pdf_dict_get (dict, "DecodeParms");
  GByteArray *out = NULL;

  if (filter != NULL && filter->kind == V_ARRAY && filter->items->len == 1)
    filter = g_ptr_array_index (filter->items, 0);
  if (parms != NULL && parms->kind == V_DICT
      && fct_pdf_dict_get (parms, "Predictor") != NULL)
    return NULL;
  if (filter == NULL)
    {
      gsize take = MIN (n, r->inflate_budget);

      out = g_byte_array_new ();
      g_byte_array_append (out, p, (guint)take);
      r->inflate_budget -= take;
      if (take < n)
        r->over = TRUE;
    }
  else if (fct_pdf_name_is (filter, "FlateDecode"))
    {
      out = g_byte_array_new ();
      fct_extract_pdf_inflate (p, n, out, &r->inflate_budget);
      if (r->inflate_budget == 0)
        r->over = TRUE;
    }
  if (out != NULL)
    r->work_left += 4 * (gsize)out->len;
  return out;
}

static gint
compare_offsets (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

  return x < y ? -1 : x > y;
}

/* The smallest offset above off in the sorted starts, or G_MAXUINT64. */
static guint64
next_offset (const GArray *starts, guint64 off)
{
  guint lo = 0, hi = starts->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (starts, guint64, mid) <= off)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < starts->len ? g_array_index (starts, guint64, lo) : G_MAXUINT64;
}

/* Indexes the objects of a compressed object stream (§7.5.7): N pairs "num offset",
 * offsets counted from /First. */
static void
index_object_stream (Reader *r, guint self, const Value *dict, const guint8 *p, gsize n)
{
  const Value *count = fct_pdf_dict_get (dict, "N");
  const Value *first = fct_pdf_dict_get (dict, "First");
  GByteArray *plain;
  Parser ps;
  gboolean ignored = FALSE;
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint64));

  /* Objects the reader cannot see may hold actions: the text reader leaves such a
     document to poppler. */
  r->objstm_hidden = TRUE;
  if (count == NULL || count->kind != V_NUM || first == NULL || first->kind != V_NUM
      || first->num < 0)
    return;
  plain = fct_pdf_decode (r, dict, p, n);
  if (plain == NULL)
    return;
  r->objstm_hidden = FALSE;
  g_ptr_array_add (r->decoded, plain);
  if ((guint64)first->num > plain->len)
    return;
  ps = (Parser){ plain->data, plain->data + first->num, 0, r->limits, &ignored };
  for (gint64 i = 0; i < count->num && pairs->len / 2 < r->limits->extract_pdf_objects_max;
       i++)
    {
      guint64 num, off;

      fct_pdf_skip_space (&ps);
      if (!fct_pdf_read_uint (&ps, &num))
        break;
      fct_pdf_skip_space (&ps);
      if (!fct_pdf_read_uint (&ps, &off))
        break;
      g_array_append_val (pairs, num);
      g_array_append_val (pairs, off);
      g_array_append_val (starts, off);
    }
  /* Each object is read up to the next one's offset, whatever the order of the pairs,
     so that an unterminated value costs its own length, not the whole stream's. */
  g_array_sort (starts, compare_offsets);
  for (guint i = 0; i < pairs->len; i += 2)
    {
      guint64 num = g_array_index (pairs, guint64, i);
      guint64 off = g_array_index (pairs, guint64, i + 1);
      guint64 next = next_offset (starts, off);
      gsize limit = plain->len - (gsize)first->num;
      gsize start, end;
      g_autoptr (AutoValue) body = NULL;
      Entry *e;

      if (off >= limit)
        continue;
      start = (gsize)first->num + (gsize)off;
      end = (gsize)first->num + (gsize)MIN (next, (guint64)limit);
      if (num > G_MAXUINT)
        continue;
      if (g_hash_table_size (r->objects) >= r->limits->extract_pdf_objects_max)
        {
          r->over = TRUE;
          break;
        }
      e = entry_set (r, (guint)num, plain, start, end, FALSE);
      body = fct_pdf_parse_at (r, plain->data + start, plain->data + end, FALSE);
      e->stream = self;
      e->parsed = body != NULL;
      scan_active (r, body, 0);
      if (fct_pdf_name_is (fct_pdf_dict_get (body, "Type"), "Catalog"))
        g_array_append_val (r->roots, num);
    }
}

/* The /Length of a stream, direct or an indirect integer located by the headers. */
static gboolean
stream_length (Reader *r, const Value *dict, GHashTable *last, const GArray *heads,
               guint64 *length)
{
  const Value *v = fct_pdf_dict_get (dict, "Length");

  if (v != NULL && v->kind == V_REF && v->num >= 0 && v->num <= G_MAXUINT)
    {
      gpointer at;
      if (g_hash_table_lookup_extended (last, GUINT_TO_POINTER ((guint)v->num), NULL, &at))
        {
          guint k = GPOINTER_TO_UINT (at);
          const Candidate *c = &g_array_index (heads, Candidate, k);
          gsize end = k + 1 < heads->len ? g_array_index (heads, Candidate, k + 1).header
                                         : r->len;
          gboolean ignored = FALSE;
          Parser ps = { r->data + c->body, r->data + end, 0, r->limits, &ignored };

          fct_pdf_skip_space (&ps);
          return fct_pdf_read_uint (&ps, length);
        }
      return FALSE;
    }
  if (v == NULL || v->kind != V_NUM || v->num < 0)
    return FALSE;
  *length = (guint64)v->num;
  return TRUE;
}

/* Every object in the file and in its object streams, later definitions replacing
 * earlier ones as incremental updates do (§7.5.6); the /Root of every trailer and
 * cross-reference stream, then every /Type /Catalog, as catalogs to walk. */
static void
index_objects (Reader *r)
{
  g_autoptr (GArray) heads = find_headers (r);
  g_autoptr (GHashTable) last = g_hash_table_new (NULL, NULL);
  g_autoptr (GArray) typed = g_array_new (FALSE, FALSE, sizeof (guint));
  gsize skip_until = 0;
  gsize at = 0;

  for (guint k = 0; k < heads->len; k++)
    g_hash_table_insert (last, GUINT_TO_POINTER (g_array_index (heads, Candidate, k).num),
                         GUINT_TO_POINTER (k));
  for (guint k = 0; k < heads->len; k++)
    {
      const Candidate *c = &g_array_index (heads, Candidate, k);
      gsize end
          = k + 1 < heads->len ? g_array_index (heads, Candidate, k + 1).header : r->len;
      gboolean ignored = FALSE;
      Parser ps = { r->data + c->body, r->data + end, 0, r->limits, &ignored };
      g_autoptr (AutoValue) body = NULL;
      const Value *type;
      Entry *entry;

      body = fct_pdf_parse_value (&ps, 0);
      entry = entry_set (r, c->num, NULL, c->body, end, c->header < skip_until);
      if (entry != NULL)
        {
          entry->header = c->header;
          entry->parsed = body != NULL;
        }
      scan_active (r, body, 0);
      if (body == NULL || body->kind != V_DICT)
        continue;
      type = fct_pdf_dict_get (body, "Type");
      if (fct_pdf_name_is (type, "Catalog"))
        g_array_append_val (typed, c->num);
      fct_pdf_skip_space (&ps);
      if (fct_pdf_keyword_is (&ps, "stream"))
        {
          gsize data_at, data_end;
          guint64 length;

          ps.p += 6;
          if (ps.p < ps.end && *ps.p == '\r')
            ps.p++;
          if (ps.p < ps.end && *ps.p == '\n')
            ps.p++;
          data_at = (gsize)(ps.p - r->data);
          if (stream_length (r, body, last, heads, &length) && length <= r->len - data_at)
            {
              data_end = data_at + (gsize)length;
              skip_until = MAX (skip_until, data_end);
            }
          else
            {
              const guint8 *e = memmem (ps.p, (gsize)(ps.end - ps.p), "endstream", 9);
              data_end = e != NULL ? (gsize)(e - r->data) : end;
            }
          if (fct_pdf_name_is (type, "ObjStm"))
            index_object_stream (r, c->num, body, r->data + data_at, data_end - data_at);
        }
      /* Cross-reference streams carry the trailer's keys (§7.5.8.2). */
      if (fct_pdf_name_is (type, "XRef"))
        {
          const Value *root = fct_pdf_dict_get (body, "Root");
          if (root != NULL && root->kind == V_REF && root->num <= G_MAXUINT)
            {
              guint num = (guint)root->num;
              g_array_append_val (r->roots, num);
            }
        }
    }
  /* Trailer dictionaries (§7.5.5), each read up to the next. */
  while (at < r->len)
    {
      const guint8 *t = memmem (r->data + at, r->len - at, "trailer", 7);
      const guint8 *next;
      g_autoptr (AutoValue) dict = NULL;
      const Value *root;

      if (t == NULL)
        break;
      at = (gsize)(t - r->data) + 7;
      next = memmem (r->data + at, r->len - at, "trailer", 7);
      dict = fct_pdf_parse_at (r, r->data + at, next != NULL ? next : r->data + r->len,
                               FALSE);
      root = fct_pdf_dict_get (dict, "Root");
      if (root != NULL && root->kind == V_REF && root->num <= G_MAXUINT)
        {
          guint num = (guint)root->num;
          g_array_append_val (r->roots, num);
        }
    }
  g_array_append_vals (r->roots, typed->data, typed->len);
}

/* A PDF text string (§7.9.2.2) as UTF-8: UTF-16BE after its byte order mark, UTF-8
 * after its mark (PDF 2.0), else PDFDocEncoding, read as Latin-1. NULs and unpaired
 * surrogates become U+FFFD so that nothing is cut off a name. */
char *
fct_pdf_text_string (const GString *s)
{
  const guint8 *p = (const guint8 *)s->str;
  GString *out = g_string_new (NULL);

  if (s->len >= 2 && p[0] == 0xfe && p[1] == 0xff)
    {
      for (gsize i = 2; i + 1 < s->len; i += 2)
        {
          gunichar u = (gunichar)(p[i] << 8 | p[i + 1]);

          if (u >= 0xd800 && u < 0xdc00 && i + 3 < s->len)
            {
              gunichar low = (gunichar)(p[i + 2] << 8 | p[i + 3]);
              if (low >= 0xdc00 && low < 0xe000)
                {
                  u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                  i += 2;
                }
            }
          if (u == 0 || (u >= 0xd800 && u < 0xe000))
            u = 0xfffd;
          g_string_append_unichar (out, u);
        }
    }
  else if (s->len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
    {
      g_autofree char *valid = g_utf8_make_valid (s->str + 3, (gssize)s->len - 3);
      g_string_append (out, valid);
    }
  else
    for (gsize i = 0; i < s->len; i++)
      g_string_append_unichar (out, p[i] == 0 ? 0xfffd : p[i]);
  return g_string_free (out, FALSE);
}

/* A file specification dictionary (§7.11.3) with an /EF entry is an embedded file
 * (§7.11.4); its name is /UF, else /F, else the name-tree key. A string file
 * specification names a file outside the PDF: nothing is embedded. */
static void
add_file (Reader *r, const Value *key, const Value *spec, FctExtractResult *result)
{
  const Value *ef = fct_pdf_dict_get (spec, "EF");
  g_autoptr (AutoValue) ef_owned = NULL;
  const char *names[] = { "UF", "F", "Unix", "DOS", "Mac" };

  ef = fct_pdf_resolve (r, ef, &ef_owned);
  if (ef == NULL || ef->kind != V_DICT
      || (fct_pdf_dict_get (ef, "F") == NULL && fct_pdf_dict_get (ef, "UF") == NULL))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const Value *v = fct_pdf_dict_get (spec, names[i]);
      g_autoptr (AutoValue) owned = NULL;

      v = fct_pdf_resolve (r, v, &owned);
      if (v != NULL && v->kind == V_STRING && v->str->len > 0)
        {
          g_autofree char *name = fct_pdf_text_string (v->str);
          fct_extract_embedded_add (result, name);
          return;
        }
    }
  if (key != NULL && key->kind == V_STRING)
    {
      g_autofree char *name = fct_pdf_text_string (key->str);
      fct_extract_embedded_add (result, name);
    }
}

/* Marks an indirect object visited; FALSE if it was. */
static gboolean
first_visit (Reader *r, const Value *ref)
{
  if (ref == NULL || ref->kind != V_REF)
    return TRUE;
  return g_hash_table_add (r->seen_nodes, GINT_TO_POINTER ((gint)ref->num));
}

/* A name-tree node (§7.9.6): /Names pairs of key and value, /Kids of further nodes.
 * Entries of the wrong type are skipped as readers skip them; a cycle is walked once. */
static void
walk_node (Reader *r, const Value *node, guint depth, FctExtractResult *result)
{
  const Value *names = fct_pdf_dict_get (node, "Names");
  const Value *kids = fct_pdf_dict_get (node, "Kids");
  g_autoptr (AutoValue) names_owned = NULL;
  g_autoptr (AutoValue) kids_owned = NULL;

  if (++r->nodes > r->limits->extract_pdf_name_nodes_max
      || depth >= r->limits->extract_pdf_depth_max)
    {
      r->over = TRUE;
      return;
    }
  names = fct_pdf_resolve (r, names, &names_owned);
  if (names != NULL && names->kind == V_ARRAY)
    for (guint i = 0; i + 1 < names->items->len && !r->over; i += 2)
      {
        const Value *value = g_ptr_array_index (names->items, i + 1);
        g_autoptr (AutoValue) owned = NULL;

        if (!first_visit (r, value))
          continue;
        value = fct_pdf_resolve (r, value, &owned);
        if (value != NULL && value->kind == V_DICT)
          add_file (r, g_ptr_array_index (names->items, i), value, result);
      }
  kids = fct_pdf_resolve (r, kids, &kids_owned);
  if (kids != NULL && kids->kind == V_ARRAY)
    for (guint i = 0; i < kids->items->len && !r->over; i++)
      {
        const Value *kid = g_ptr_array_index (kids->items, i);
        g_autoptr (AutoValue) owned = NULL;

        if (!first_visit (r, kid))
          continue;
        kid = fct_pdf_resolve (r, kid, &owned);
        if (kid != NULL && kid->kind == V_DICT)
          walk_node (r, kid, depth + 1, result);
      }
}

void
fct_pdf_reader_open (Reader *r, const guint8 *data, gsize len, const FctLimits *limits)
{
  memset (r, 0, sizeof *r);
  r->data = data;
  r->len = len;
  r->limits = limits;
  r->inflate_budget = limits->extract_pdf_inflate_max_bytes;
  r->work_left = 4 * len;
  r->objects = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  r->decoded = g_ptr_array_new_with_free_func ((GDestroyNotify)g_byte_array_unref);
  r->roots = g_array_new (FALSE, FALSE, sizeof (guint));
  r->seen_nodes = g_hash_table_new (NULL, NULL);
  index_objects (r);
}

void
fct_pdf_reader_close (Reader *r)
{
  g_hash_table_unref (r->objects);
  g_ptr_array_unref (r->decoded);
  g_array_unref (r->roots);
  g_hash_table_unref (r->seen_nodes);
}

gboolean
fct_pdf_reader_embedded (Reader *r, FctExtractResult *result)
{
  g_autoptr (GHashTable) catalogs = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < r->roots->len && !r->over; i++)
    {
      guint num = g_array_index (r->roots, guint, i);
      g_autoptr (AutoValue) catalog = NULL;
      g_autoptr (AutoValue) names_owned = NULL;
      g_autoptr (AutoValue) tree_owned = NULL;
      const Value *names;
      const Value *tree;

      if (!g_hash_table_add (catalogs, GUINT_TO_POINTER (num)))
        continue;
      catalog = fct_pdf_load (r, num);
      names = fct_pdf_resolve (r, fct_pdf_dict_get (catalog, "Names"), &names_owned);
      tree = fct_pdf_dict_get (names, "EmbeddedFiles");
      if (!first_visit (r, tree))
        continue;
      tree = fct_pdf_resolve (r, tree, &tree_owned);
      if (tree != NULL && tree->kind == V_DICT)
        walk_node (r, tree, 0, result);
    }
  return !r->over;
}

gboolean
fct_extract_pdf_embedded (const guint8 *data, gsize len, const FctLimits *limits,
                          FctExtractResult *result, GError **error)
{
  Reader r;
  gboolean ok;

  g_return_val_if_fail ((data != NULL || len == 0) && limits != NULL && result != NULL,
                        FALSE);
  fct_pdf_reader_open (&r, data, len, limits);
  ok = fct_pdf_reader_embedded (&r, result);
  fct_pdf_reader_close (&r);
  if (!ok)
    {
      g_set_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT,
                   "PDF: too large or too deeply nested to list its embedded files");
      return FALSE;
    }
  return TRUE;
}
