/* facteur — tests of the text the bank-details wordings are read in (bankchange.c,
 * fct_analysis_fraud_normalise): white space of every form folded to one space, none at
 * either end, the typographic apostrophe as ', and the key words' offsets carried over;
 * compared with a plain byte-by-byte reading on random texts, so that the copy eight
 * bytes at a time never changes a byte. */
#include "src/lib/analysis/analysis-private.h"

#include <string.h>

typedef struct
{
  const char *text, *expected;
} Case;

static const Case cases[] = {
  { "", "" },
  { "   \n\t ", "" },
  { " nouveau RIB ", "nouveau RIB" },
  { "nouveau\xc2\xa0\xc2\xa0RIB", "nouveau RIB" },
  { "«\xe2\x80\xafnouveau RIB\xe2\x80\xaf»", "« nouveau RIB »" },
  { "sort\xe2\x80\x89"
    "code",
    "sort code" },
  { "l\xe2\x80\x99IBAN a chang\xc3\xa9", "l'IBAN a changé" },
  { "line one\r\nline two\n\n\nthree", "line one line two three" },
  { "\xc2\xa9 2026 \xe2\x80\x94 ok", "\xc2\xa9 2026 \xe2\x80\x94 ok" },
  { "a b c d e f g h i j k l m n o p", "a b c d e f g h i j k l m n o p" },
  { "abcdefgh  ijklmnop", "abcdefgh ijklmnop" },
  /* A sequence cut by the end of the text is copied. */
  { "fin\xe2\x80", "fin\xe2\x80" },
  { "fin\xc2", "fin\xc2" },
};

/* TAP comments must be valid UTF-8: the texts are shown with their bytes escaped. */
static void
show_text (const char *text)
{
  g_autofree char *shown = g_strescape (text, NULL);

  g_test_message ("%s", shown);
}

static void
test_cases (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) text = g_string_new (cases[i].text);
      g_autoptr (GArray) at = NULL;
      g_autoptr (GString) out = fct_analysis_fraud_normalise (text, NULL, &at);
      show_text (cases[i].text);
      g_assert_cmpstr (out->str, ==, cases[i].expected);
      g_assert_cmpuint (out->len, ==, strlen (cases[i].expected));
      g_assert_cmpuint (at->len, ==, 0);
    }
}

/* The plain reading: map[i] is where byte i of text went, or -1. */
static GString *
reference (const GString *text, gssize *map)
{
  GString *out = g_string_new (NULL);
  const guchar *p = (const guchar *)text->str;
  gsize len = text->len;
  gboolean space = FALSE;

  for (gsize i = 0; i < len;)
    {
      gsize blank = g_ascii_isspace (p[i])                            ? 1
                    : i + 1 < len && p[i] == 0xc2 && p[i + 1] == 0xa0 ? 2
                    : i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x80
                            && (p[i + 2] == 0xaf || p[i + 2] == 0x89)
                        ? 3
                        : 0;
      if (blank > 0)
        {
          for (gsize k = 0; k < blank; k++)
            map[i + k] = -1;
          space = TRUE;
          i += blank;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      if (i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x80 && p[i + 2] == 0x99)
        {
          map[i] = (gssize)out->len;
          map[i + 1] = map[i + 2] = -1;
          g_string_append_c (out, '\'');
          i += 3;
          continue;
        }
      map[i] = (gssize)out->len;
      g_string_append_c (out, (char)p[i]);
      i++;
    }
  return out;
}

static const char *const pieces[] = {
  "a",
  "Z",
  "rib",
  "compte",
  "coordonnées",
  "0123456789",
  " ",
  " ",
  " ",
  "  ",
  "\n",
  "\t",
  "\r\n",
  "\v",
  "\f",
  "\x01",
  ".",
  "'",
  "\xc2\xa0",
  "\xe2\x80\xaf",
  "\xe2\x80\x89",
  "\xe2\x80\x99",
  "\xe2\x80\x94",
  "\xc2\xa9",
  "\xc3\xa9",
  "\xc2",
  "\xe2\x80",
  "\xe2",
};

static void
test_reference (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261206);

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      g_autoptr (GArray) marks = g_array_new (FALSE, FALSE, sizeof (gsize));
      g_autoptr (GArray) at = NULL;
      g_autoptr (GString) out = NULL;
      g_autoptr (GString) expected = NULL;
      g_autofree gssize *map = NULL;

      for (guint n = g_rand_int_range (rand, 0, 120); n > 0; n--)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      /* Marks at some of the ASCII letters. */
      for (gsize i = 0; i < text->len; i++)
        if (g_ascii_isalpha (text->str[i]) && g_rand_int_range (rand, 0, 4) == 0)
          g_array_append_val (marks, i);
      map = g_new (gssize, text->len + 1);
      expected = reference (text, map);
      out = fct_analysis_fraud_normalise (text, marks, &at);
      g_assert_cmpuint (out->len, ==, expected->len);
      g_assert_true (memcmp (out->str, expected->str, out->len) == 0);
      g_assert_cmpint (out->str[out->len], ==, '\0');
      g_assert_cmpuint (at->len, ==, marks->len);
      for (guint m = 0; m < marks->len; m++)
        g_assert_cmpint ((gssize)g_array_index (at, gsize, m), ==,
                         map[g_array_index (marks, gsize, m)]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/normalise/cases", test_cases);
  g_test_add_func ("/normalise/reference", test_reference);
  return g_test_run ();
}
