/* facteur — the text of ordinary PDFs read without poppler, on facteur's bounded reader
 * of objects (pdfobj.c): a cross-reference that matches the objects (pdfxref.c), the page
 * tree (§7.7.3), content streams (§7.8) and their text operators (§9.4), form XObjects
 * (§8.10), marked content with /ActualText (§14.9.4), and fonts whose codes map to
 * Unicode without a font program (pdffont.c). Anything else makes the document "not
 * simple" and poppler reads it: encryption, Type3 fonts, other filters, rotated or
 * invisible text, annotations with appearances, optional content, a limit reached, and
 * every document that names JavaScript or a /Launch action in any object, so that active
 * content is always judged by poppler's own reading. */
#include "pdftext.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* As pdf.c: pages read at most. */
#define PAGES_MAX 2000
/* Page-tree levels and form XObjects drawn inside one another: writers nest a few. */
#define TREE_DEPTH_MAX 32
#define FORM_DEPTH_MAX 8
/* Operands of one operator (§8.2: none takes more than a few, sc/scn up to 33). */
#define OPERANDS_MAX 64
/* Graphics states saved (q) at once: poppler's limit is far above what writers use. */
#define STATE_DEPTH_MAX 256
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
        text = fct_pdf_font_text (f, code);
      if (text == NULL)
        {
          refuse (run->x); /* poppler would guess, or print nothing */
          return;
        }
      w0 = fct_pdf_font_width (f, code) / 1000;
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
  data = fct_pdf_stream_open (x, ref, &dict);
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

  if (fct_pdf_word_is (w, len, "BT"))
    {
      run->tm = (Matrix){ 1, 0, 0, 1, 0, 0 };
      run->tlm = run->tm;
    }
  else if (fct_pdf_word_is (w, len, "Tf"))
    {
      run->s.font = fct_pdf_font_get (x, run->resources, operand (ops, 2));
      run->s.size = num_op (ops, 1);
      if (run->s.font == NULL)
        refuse (x);
    }
  else if (fct_pdf_word_is (w, len, "Td"))
    move_line (run, num_op (ops, 2), num_op (ops, 1));
  else if (fct_pdf_word_is (w, len, "TD"))
    {
      run->s.tl = -num_op (ops, 1);
      move_line (run, num_op (ops, 2), num_op (ops, 1));
    }
  else if (fct_pdf_word_is (w, len, "Tm") && ops->len >= 6)
    {
      run->tm = (Matrix){ num_op (ops, 6), num_op (ops, 5), num_op (ops, 4),
                          num_op (ops, 3), num_op (ops, 2), num_op (ops, 1) };
      run->tlm = run->tm;
    }
  else if (fct_pdf_word_is (w, len, "T*"))
    move_line (run, 0, -run->s.tl);
  else if (fct_pdf_word_is (w, len, "Tc"))
    run->s.tc = num_op (ops, 1);
  else if (fct_pdf_word_is (w, len, "Tw"))
    run->s.tw = num_op (ops, 1);
  else if (fct_pdf_word_is (w, len, "Tz"))
    run->s.th = num_op (ops, 1) / 100;
  else if (fct_pdf_word_is (w, len, "TL"))
    run->s.tl = num_op (ops, 1);
  else if (fct_pdf_word_is (w, len, "Ts"))
    run->s.rise = num_op (ops, 1);
  else if (fct_pdf_word_is (w, len, "Tr"))
    {
      /* Invisible text (OCR layers, 3 and 7): poppler's handling is its own. */
      double mode = num_op (ops, 1);
      if (mode == 3 || mode == 7)
        refuse (x);
    }
  else if (fct_pdf_word_is (w, len, "Tj") && operand (ops, 1) != NULL)
    show (run, operand (ops, 1));
  else if (fct_pdf_word_is (w, len, "'") && operand (ops, 1) != NULL)
    {
      move_line (run, 0, -run->s.tl);
      show (run, operand (ops, 1));
    }
  else if (fct_pdf_word_is (w, len, "\"") && ops->len >= 3)
    {
      run->s.tw = num_op (ops, 3);
      run->s.tc = num_op (ops, 2);
      move_line (run, 0, -run->s.tl);
      show (run, operand (ops, 1));
    }
  else if (fct_pdf_word_is (w, len, "TJ") && operand (ops, 1) != NULL)
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
  else if (fct_pdf_word_is (w, len, "q"))
    {
      if (run->states->len >= STATE_DEPTH_MAX)
        refuse (x);
      else
        g_array_append_val (run->states, run->s);
    }
  else if (fct_pdf_word_is (w, len, "Q"))
    {
      if (run->states->len > 0)
        {
          run->s = g_array_index (run->states, State, run->states->len - 1);
          g_array_set_size (run->states, run->states->len - 1);
        }
    }
  else if (fct_pdf_word_is (w, len, "cm") && ops->len >= 6)
    {
      Matrix m = { num_op (ops, 6), num_op (ops, 5), num_op (ops, 4),
                   num_op (ops, 3), num_op (ops, 2), num_op (ops, 1) };
      run->s.ctm = matrix_mul (&m, &run->s.ctm);
    }
  else if (fct_pdf_word_is (w, len, "Do"))
    do_xobject (run, operand (ops, 1));
  else if (fct_pdf_word_is (w, len, "BMC"))
    run->marked++;
  else if (fct_pdf_word_is (w, len, "EMC"))
    {
      if (run->actual != NULL && run->marked == run->actual_at)
        actual_end (run);
      if (run->marked > 0)
        run->marked--;
    }
  else if (fct_pdf_word_is (w, len, "BDC"))
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
  else if (fct_pdf_word_is (w, len, "gs"))
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
      t = fct_pdf_lex (&ps, &numbers[ops->len], &v, &word, &len);
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
      if (fct_pdf_word_is (word, len, "BI"))
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
          g_autoptr (GByteArray) data = fct_pdf_stream_open (x, ref, &dict);

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
  x.fonts = g_hash_table_new_full (NULL, NULL, NULL, fct_pdf_font_free);
  x.inline_fonts = g_ptr_array_new_with_free_func (fct_pdf_font_free);
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
  root = x.refused ? 0 : fct_pdf_xref_check (&x);
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
