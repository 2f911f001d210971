/* facteur — tests of the word prefilter of the caseless wordings (wordfilter.c): a rule
 * is met only when each of its groups has a word that starts a word of the text, in any
 * ASCII case; a text that caseless UTF-8 matching could read otherwise (long s, Kelvin
 * sign) meets every strict rule, so that the prefilter never hides a match. The loose
 * rules (bankchange.c's: a word starts after any byte that is no ASCII letter or digit),
 * the spaced words (scam.c's foreign words), the marks and the long runs that the one
 * scan a message also gives, and the scan compared with a plain reading of each rule on
 * random texts. */
#include "src/lib/analysis/analysis-private.h"

#include <string.h>

static const char *const account_words[] = {
  "account|mailbox&suspended|locked",
  "unusual&sign|log",
  NULL,
};
static const char *const fee_words[] = {
  "percent|%&fund|sum",
  "défunt|dÉfunt|defunt",
  NULL,
};

typedef struct
{
  const char *text;
  gboolean account, fee;
} Case;

static const Case cases[] = {
  { "Your account has been suspended.", TRUE, FALSE },
  { "YOUR ACCOUNT HAS BEEN LOCKED", TRUE, FALSE },
  { "Unusual sign-in to your mailbox", TRUE, FALSE },
  /* One group only: the expression could not match. */
  { "Your account statement is ready.", FALSE, FALSE },
  { "Your order has been suspended.", FALSE, FALSE },
  /* A word inside another word is not at a \b. */
  { "Our accountant unlocked the file.", FALSE, FALSE },
  { "Notre discount ne sera pas suspendu", FALSE, FALSE },
  /* "%" needs no word start; "sum" starts "summer", which the expression can match. */
  { "20% of the summer collection", FALSE, TRUE },
  { "30 percent of the fund", FALSE, TRUE },
  { "Le DÉFUNT avait laissé", FALSE, TRUE },
  { "Le défunt avait laissé", FALSE, TRUE },
  /* A word cut by the end of the text. */
  { "unusual lo", FALSE, FALSE },
  /* After a UTF-8 letter or punctuation a word may start at a \b. */
  { "«account» «locked»", TRUE, FALSE },
  /* U+017F and U+212A match "s" and "k" caselessly: every rule may match. */
  { "Your account has been \xc5\xbfuspended.", TRUE, TRUE },
  { "Your account is loc\xe2\x84\xaa"
    "ed.",
    TRUE, TRUE },
  { "", FALSE, FALSE },
};

/* TAP comments must be valid UTF-8: the texts are shown with their bytes escaped. */
static void
show_text (const char *text)
{
  g_autofree char *shown = g_strescape (text, NULL);

  g_test_message ("%s", shown);
}

static void
test_rules (void)
{
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  guint account = fct_word_filter_add (filter, account_words);
  guint fee = fct_word_filter_add (filter, fee_words);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 met = fct_word_filter_scan (filter, cases[i].text, strlen (cases[i].text));
      show_text (cases[i].text);
      g_assert_cmpint (!!(met & (G_GUINT64_CONSTANT (1) << account)), ==, cases[i].account);
      g_assert_cmpint (!!(met & (G_GUINT64_CONSTANT (1) << fee)), ==, cases[i].fee);
    }
}

/* The scan reads only len bytes: a word beyond them is not seen. */
static void
test_length (void)
{
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  guint account = fct_word_filter_add (filter, account_words);
  const char text[] = "account suspended";

  g_assert_cmpuint (fct_word_filter_scan (filter, text, strlen (text)) >> account & 1, ==,
                    1);
  g_assert_cmpuint (fct_word_filter_scan (filter, text, strlen (text) - 1) >> account & 1,
                    ==, 0);
}

typedef struct
{
  const char *text;
  gboolean loose;
} LooseCase;

/* bankchange.c's triggers: the word after a guillemet, a no-break space, an apostrophe
 * or an underscore starts there, in any ASCII case; accented capitals as written. */
static const LooseCase loose_cases[] = {
  { "notre «nouveau RIB»", TRUE },
  { "notre \xc2\xab\xe2\x80\xafNOUVEAU RIB", TRUE },
  { "notre\xc2\xa0nouveau RIB", TRUE },
  { "l\xe2\x80\x99\xc3\x89volution", TRUE },
  { "L'\xc3\x89VOLUTION", TRUE },
  { "l'\xc3\xa9volution", FALSE }, /* "évolu" is not among the words */
  { "compte_nouveau", TRUE },
  { "renouveau", FALSE },
  { "2026nouveau", FALSE },
  /* A word that ends the text, and one cut by its end. */
  { "notre nouve", TRUE },
  { "notre nouv", FALSE },
  /* The long s matches "s" only for the patterns that the strict rules stand for. */
  { "\xc5\xbf nothing", FALSE },
};

static void
test_loose (void)
{
  static const char *const words[] = { "nouve|\xc3\x89volu", NULL };
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  guint loose = fct_word_filter_add_rule (filter, FCT_WORD_START_LOOSE, words);
  guint strict = fct_word_filter_add (filter, words);

  for (gsize i = 0; i < G_N_ELEMENTS (loose_cases); i++)
    {
      const char *text = loose_cases[i].text;
      guint64 met = fct_word_filter_scan (filter, text, strlen (text));
      show_text (text);
      g_assert_cmpint (!!(met & (G_GUINT64_CONSTANT (1) << loose)), ==,
                       loose_cases[i].loose);
    }
  /* After "_" the strict rule (the patterns' \b) sees no word start. */
  g_assert_cmpuint (fct_word_filter_scan (filter, "x_nouveau", 9) >> strict & 1, ==, 0);
  g_assert_cmpuint (fct_word_filter_scan (filter, "x_nouveau", 9) >> loose & 1, ==, 1);
  /* The long s meets the strict rule, not the loose one. */
  g_assert_cmpuint (fct_word_filter_scan (filter, "\xc5\xbf", 2) >> strict & 1, ==, 1);
  g_assert_cmpuint (fct_word_filter_scan (filter, "\xc5\xbf", 2) >> loose & 1, ==, 0);
}

/* scam.c's foreign words: exactly as written, between two spaces. */
static void
test_spaced (void)
{
  static const char *const words[] = { "und|Sie|voc\xc3\xaa|em", NULL };
  static const struct
  {
    const char *text;
    gboolean met;
  } spaced[] = {
    { "Brot und Wein", TRUE },
    { "Bitte Sie ", TRUE },
    { "obrigado voc\xc3\xaa sabe", TRUE },
    { "tudo em dia", TRUE },
    { "Brot Und Wein", FALSE },
    { "bitte sie ", FALSE },
    { "und Wein", FALSE },
    { "Brot und", FALSE },
    { "Brot\nund Wein", FALSE },
    { "Brot und\nWein", FALSE },
    { "Brot  und  Wein", TRUE },
    { "le\xc5\xbf und-", FALSE },
  };
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  guint rule = fct_word_filter_add_rule (filter, FCT_WORD_START_SPACED, words);

  for (gsize i = 0; i < G_N_ELEMENTS (spaced); i++)
    {
      show_text (spaced[i].text);
      g_assert_cmpuint (
          fct_word_filter_scan (filter, spaced[i].text, strlen (spaced[i].text)) >> rule
              & 1,
          ==, spaced[i].met);
    }
}

/* Where the marked words start: every start once, in order, at a loose start. */
static void
test_marks (void)
{
  static const char *const words[] = { "account", NULL };
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  const char text[] = "IBAN: rib;Bank_bank bankruptcy «iban» xiban ACCOUNT accountant "
                      "\xe2\x80\x99rib\xc2\xa0sort code rib";
  static const gsize expected[] = { 0, 6, 10, 15, 20, 33, 46, 54, 68, 73, 83 };
  g_auto (FctWordScan) scan = { 0 };

  fct_word_filter_add (filter, words);
  fct_word_filter_add_marks (filter, "iban|rib|bank|account|sort");
  fct_word_filter_scan_full (filter, text, strlen (text), &scan);
  g_assert_nonnull (scan.marks);
  g_assert_cmpuint (scan.marks->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < scan.marks->len; i++)
    g_assert_cmpuint (g_array_index (scan.marks, gsize, i), ==, expected[i]);
  /* A filter without marks gives none. */
  {
    g_autoptr (FctWordFilter) plain = fct_word_filter_new ();
    g_auto (FctWordScan) none = { 0 };
    fct_word_filter_add (plain, words);
    fct_word_filter_scan_full (plain, text, strlen (text), &none);
    g_assert_null (none.marks);
    g_assert_cmpuint (none.met, ==, 1);
  }
}

static gboolean
long_run (const FctWordScan *scan, guchar c)
{
  return (scan->long_runs[c / 64] >> (c % 64) & 1) != 0;
}

/* The runs of letters and digits long enough for a bitcoin address, by first byte. */
static void
test_long_runs (void)
{
  static const char *const words[] = { "x", NULL };
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  const char *text = "pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now, 3J98t1WpEZ73CNmQviecrnyiW"
                     " x_bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq 2short "
                     "a1234567890123456789012345";

  g_auto (FctWordScan) scan = { 0 };
  fct_word_filter_add (filter, words);
  fct_word_filter_scan_full (filter, text, strlen (text), &scan);
  g_assert_true (long_run (&scan, '1'));
  g_assert_false (long_run (&scan, '3')); /* 25 letters and digits */
  g_assert_true (long_run (&scan, 'b'));  /* "_" ends a run of letters and digits */
  g_assert_true (long_run (&scan, 'a'));
  g_assert_false (long_run (&scan, '2'));
  g_assert_false (long_run (&scan, 'p'));
}

/* The reference readings of the rules, one byte position after the other. */
static gboolean
ref_word_at (const char *text, gsize len, gsize p, const char *word, gboolean exact)
{
  gsize n = strlen (word);

  if (len - p < n)
    return FALSE;
  for (gsize j = 0; j < n; j++)
    if ((exact ? text[p + j] : g_ascii_tolower (text[p + j])) != word[j])
      return FALSE;
  return TRUE;
}

static gboolean
ref_present (const char *text, gsize len, const char *word, FctWordStart start)
{
  for (gsize p = 0; p < len; p++)
    {
      guchar before = p > 0 ? (guchar)text[p - 1] : ' ';
      gboolean word_before = g_ascii_isalnum (before) || before == '_';
      switch (start)
        {
        case FCT_WORD_START_STRICT:
          if ((!word_before || !(g_ascii_isalnum (word[0]) || word[0] == '_'))
              && ref_word_at (text, len, p, word, FALSE))
            return TRUE;
          break;
        case FCT_WORD_START_LOOSE:
          if (!g_ascii_isalnum (before) && ref_word_at (text, len, p, word, FALSE))
            return TRUE;
          break;
        case FCT_WORD_START_SPACED:
          if (p > 0 && before == ' ' && ref_word_at (text, len, p, word, TRUE)
              && p + strlen (word) < len && text[p + strlen (word)] == ' ')
            return TRUE;
          break;
        }
    }
  return FALSE;
}

static const char *const pieces[] = {
  "nouveau",
  "NOUVEAU",
  "Nouve",
  "account",
  "ACCOUNT",
  "rib",
  "Rib",
  "iban",
  "our",
  "your",
  "my",
  "cc",
  "%",
  "fund",
  "und",
  "Und",
  "Sie",
  "sie",
  "\xc3\xa9volu",
  "\xc3\x89VOLU",
  "e",
  "a",
  "1",
  "3",
  "bc1",
  "7",
  "x",
  " ",
  " ",
  " ",
  "  ",
  "_",
  "'",
  "-",
  ".",
  "\n",
  "\xc2\xab",
  "\xc2\xbb",
  "\xc2\xa0",
  "\xe2\x80\xaf",
  "\xe2\x80\x99",
  "\xc5\xbf",
  "\xe2\x84\xaa",
  "\xc3",
  "aaaaaaaaaaaaa",
  "1111111111111",
};
static const char *const vocabulary[] = {
  "nouve", "account", "rib",          "iban",         "our", "my", "cc",      "%",   "fund",
  "und",   "Sie",     "\xc3\xa9volu", "\xc3\x89volu", "e",   "a1", "nouveau", "sum",
};

/* The scan agrees with the reference on random texts of the pieces above, for random
 * rules of each kind, marks and long runs included. */
static void
test_reference (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261206);

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
      FctWordStart starts[6];
      const char *words[6][2];
      guint rules[6];
      g_autoptr (GString) text = g_string_new (NULL);
      g_auto (FctWordScan) scan = { 0 };
      gsize len;

      for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
        {
          /* One word a rule; words of one group for a rule of each kind. */
          const char *list[] = { NULL, NULL };
          starts[r] = (FctWordStart)g_rand_int_range (rand, 0, 3);
          do
            words[r][0] = vocabulary[g_rand_int_range (rand, 0, G_N_ELEMENTS (vocabulary))];
          while (starts[r] == FCT_WORD_START_SPACED && words[r][0][0] == '%');
          words[r][1] = NULL;
          list[0] = words[r][0];
          rules[r] = fct_word_filter_add_rule (filter, starts[r], list);
        }
      fct_word_filter_add_marks (filter, "rib|account|nouve");
      for (guint n = g_rand_int_range (rand, 0, 40); n > 0; n--)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      len = text->len;
      fct_word_filter_scan_full (filter, text->str, len, &scan);
      show_text (text->str);
      for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
        {
          gboolean expected = ref_present (text->str, len, words[r][0], starts[r]);
          if (starts[r] == FCT_WORD_START_STRICT
              && (strstr (text->str, "\xc5\xbf") != NULL
                  || strstr (text->str, "\xe2\x84\xaa") != NULL))
            expected = TRUE;
          g_test_message ("rule %u: %s (%d)", r, words[r][0], starts[r]);
          g_assert_cmpint (!!(scan.met >> rules[r] & 1), ==, expected);
        }
      {
        guint m = 0;
        for (gsize p = 0; p < len; p++)
          if ((p == 0 || !g_ascii_isalnum (text->str[p - 1]))
              && (ref_word_at (text->str, len, p, "rib", FALSE)
                  || ref_word_at (text->str, len, p, "account", FALSE)
                  || ref_word_at (text->str, len, p, "nouve", FALSE)))
            {
              g_assert_cmpuint (m, <, scan.marks->len);
              g_assert_cmpuint (g_array_index (scan.marks, gsize, m), ==, p);
              m++;
            }
        g_assert_cmpuint (m, ==, scan.marks->len);
      }
      for (guint c = 0; c < 256; c++)
        {
          gboolean expected = FALSE;
          for (gsize p = 0; p < len && !expected; p++)
            if ((guchar)text->str[p] == c
                && (p == 0 || !g_ascii_isalnum (text->str[p - 1])))
              {
                gsize q = p;
                while (q < len && g_ascii_isalnum (text->str[q]))
                  q++;
                expected = q - p >= FCT_WORD_LONG_RUN;
              }
          g_assert_cmpint (long_run (&scan, (guchar)c), ==, expected);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wordfilter/rules", test_rules);
  g_test_add_func ("/wordfilter/length", test_length);
  g_test_add_func ("/wordfilter/loose", test_loose);
  g_test_add_func ("/wordfilter/spaced", test_spaced);
  g_test_add_func ("/wordfilter/marks", test_marks);
  g_test_add_func ("/wordfilter/long-runs", test_long_runs);
  g_test_add_func ("/wordfilter/reference", test_reference);
  return g_test_run ();
}
