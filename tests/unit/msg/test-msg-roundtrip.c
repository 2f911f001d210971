/* Randomised round trip: generate messages with folded fields, odd bytes and random line
 * ends, parse them, and check that the raw field slices, the separator and the body put
 * back together give exactly the normalised (CRLF) bytes, and that each unfolded value
 * is what RFC 5322 §2.2.3 says. Reproduce a failure with --seed. */
#include <facteur/msg.h>

#define MESSAGES 500

typedef struct
{
  GString *input;      /* what the parser is given */
  GString *normalised; /* the same with every line end CRLF */
  gboolean used_lf, used_crlf;
} Gen;

typedef struct
{
  GString *name;
  GString *raw;   /* normalised, without the final CRLF */
  GString *value; /* unfolded */
} Field;

static void
field_free (gpointer data)
{
  Field *f = data;
  g_string_free (f->name, TRUE);
  g_string_free (f->raw, TRUE);
  g_string_free (f->value, TRUE);
  g_free (f);
}

static void
gen_eol (Gen *g, int style)
{
  gboolean lf = style == 1 || (style == 2 && g_test_rand_bit ());
  g_string_append (g->input, lf ? "\n" : "\r\n");
  g_string_append (g->normalised, "\r\n");
  if (lf)
    g->used_lf = TRUE;
  else
    g->used_crlf = TRUE;
}

/* Random bytes for a line: anything but LF, and no CR at the end, where it would join
 * the line end. */
static void
gen_text (GString *a, GString *b, GString *c, guint len)
{
  for (guint i = 0; i < len; i++)
    {
      char ch = (char)g_test_rand_int_range (0, 256);
      if (ch == '\n' || (ch == '\r' && i + 1 == len))
        ch = 'x';
      g_string_append_c (a, ch);
      g_string_append_c (b, ch);
      if (c != NULL)
        g_string_append_c (c, ch);
    }
}

static void
gen_field (Gen *g, GPtrArray *fields, int style, gboolean final_eol)
{
  Field *f = g_new0 (Field, 1);
  f->name = g_string_new (NULL);
  f->raw = g_string_new (NULL);
  f->value = g_string_new (NULL);

  guint name_len = g_test_rand_int_range (1, 20);
  for (guint i = 0; i < name_len; i++)
    {
      char ch = (char)g_test_rand_int_range (33, 127);
      g_string_append_c (f->name, ch == ':' ? 'n' : ch);
    }
  g_string_append (f->raw, f->name->str);
  /* RFC 5322 §4.5: obsolete WSP between name and colon. */
  if (g_test_rand_int_range (0, 10) == 0)
    g_string_append (f->raw, g_test_rand_bit () ? " " : "\t ");
  g_string_append_c (f->raw, ':');

  GString *unfolded = g_string_new (NULL);
  guint folds = g_test_rand_int_range (0, 4);
  for (guint k = 0; k <= folds; k++)
    {
      if (k > 0)
        {
          const char *wsp = g_test_rand_bit () ? " " : "\t";
          g_string_append (f->raw, "\r\n");
          g_string_append (f->raw, wsp);
          g_string_append (unfolded, wsp);
        }
      else if (g_test_rand_bit ())
        {
          g_string_append_c (f->raw, ' ');
          g_string_append_c (unfolded, ' ');
        }
      gen_text (f->raw, unfolded, NULL, g_test_rand_int_range (0, 40));
    }
  gsize lead = 0;
  while (lead < unfolded->len
         && (unfolded->str[lead] == ' ' || unfolded->str[lead] == '\t'))
    lead++;
  g_string_append_len (f->value, unfolded->str + lead, (gssize)(unfolded->len - lead));
  g_string_free (unfolded, TRUE);

  /* The input gets the same bytes with each folding CRLF written in the chosen style. */
  for (gsize i = 0; i < f->raw->len; i++)
    {
      /* Content never holds LF, so every CR LF in raw is a fold. */
      if (f->raw->str[i] == '\r' && i + 1 < f->raw->len && f->raw->str[i + 1] == '\n')
        {
          gen_eol (g, style);
          i++;
          continue;
        }
      g_string_append_c (g->input, f->raw->str[i]);
      g_string_append_c (g->normalised, f->raw->str[i]);
    }
  if (final_eol)
    gen_eol (g, style);
  g_ptr_array_add (fields, f);
}

static void
check_one (guint round)
{
  Gen g = { g_string_new (NULL), g_string_new (NULL), FALSE, FALSE };
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (field_free);
  int style = g_test_rand_int_range (0, 3);
  gboolean mbox = g_test_rand_int_range (0, 10) == 0;
  int shape = g_test_rand_int_range (0, 10); /* 0: no separator, 1: no body, else body */
  gboolean final_eol = shape != 0 || g_test_rand_bit ();

  if (mbox)
    g_string_append (g.input, "From sender@example.org Thu Jan  1 00:00:00 2026\n");

  guint count = g_test_rand_int_range (1, 16);
  for (guint i = 0; i < count; i++)
    gen_field (&g, fields, style, i + 1 < count || final_eol);

  GString *body = g_string_new (NULL);
  if (shape != 0)
    gen_eol (&g, style);
  if (shape >= 2)
    {
      guint lines = g_test_rand_int_range (0, 6);
      for (guint i = 0; i < lines; i++)
        {
          gen_text (g.input, g.normalised, body, g_test_rand_int_range (0, 80));
          if (i + 1 < lines || g_test_rand_bit ())
            {
              gen_eol (&g, style);
              g_string_append (body, "\r\n");
            }
        }
    }

  /* A message (after any mbox line) with no LF at all reads its bare CRs as line ends
   * (an old Mac client's file, test-msg.c); this model keeps CR inside a line, so that
   * shape is drawn again. */
  if (memchr (g.normalised->str, '\n', g.normalised->len) == NULL
      && memchr (g.normalised->str, '\r', g.normalised->len) != NULL)
    {
      g_string_free (body, TRUE);
      g_string_free (g.input, TRUE);
      g_string_free (g.normalised, TRUE);
      check_one (round);
      return;
    }

  g_autoptr (GBytes) input = g_bytes_new (g.input->str, g.input->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (input, NULL, &error);
  g_assert_no_error (error);

  GBytes *out = fct_msg_get_bytes (msg);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), g.normalised->str,
                   g.normalised->len);

  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, count);
  g_autoptr (GString) joined = g_string_new (NULL);
  for (guint i = 0; i < count; i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      const Field *f = fields->pdata[i];
      g_assert_cmpuint (h->offset, ==, joined->len);
      g_assert_cmpmem (h->name.ptr, h->name.len, f->name->str, f->name->len);
      g_assert_cmpmem (h->raw.ptr, h->raw.len, f->raw->str, f->raw->len);
      g_assert_cmpmem (h->value, h->value_len, f->value->str, f->value->len);
      g_assert_cmpint (h->value[h->value_len], ==, '\0');
      g_string_append_len (joined, (const char *)h->raw.ptr, (gssize)h->raw.len);
      if (i + 1 < count || final_eol)
        g_string_append (joined, "\r\n");
    }
  if (shape != 0)
    g_string_append (joined, "\r\n");
  g_assert_cmpuint (fct_msg_get_body_offset (msg), ==, joined->len);
  FctSlice b = fct_msg_get_body (msg);
  g_string_append_len (joined, (const char *)b.ptr, (gssize)b.len);
  g_assert_cmpmem (joined->str, joined->len, g.normalised->str, g.normalised->len);
  g_assert_cmpmem (b.ptr, b.len, body->str, body->len);

  FctMsgFlags flags = fct_msg_get_flags (msg);
  g_assert_cmpint (!!(flags & FCT_MSG_FLAG_MBOX_FROM), ==, mbox);
  g_assert_cmpint (!!(flags & FCT_MSG_FLAG_NO_SEPARATOR), ==, shape == 0);
  g_assert_cmpint (!!(flags & FCT_MSG_FLAG_BAD_HEADER_LINE), ==, FALSE);
  /* The mbox line always ends in LF; it is not part of the message. */
  g_assert_cmpint (!!(flags & FCT_MSG_FLAG_LF_ONLY), ==, g.used_lf && !g.used_crlf);
  g_assert_cmpint (!!(flags & FCT_MSG_FLAG_MIXED_EOL), ==, g.used_lf && g.used_crlf);
  if (g_test_verbose ())
    g_test_message ("round %u: %u fields, %" G_GSIZE_FORMAT " bytes", round, count,
                    g.normalised->len);

  g_string_free (body, TRUE);
  g_string_free (g.input, TRUE);
  g_string_free (g.normalised, TRUE);
}

static void
test_roundtrip (void)
{
  for (guint i = 0; i < MESSAGES; i++)
    check_one (i);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/msg/roundtrip/random", test_roundtrip);
  return g_test_run ();
}
