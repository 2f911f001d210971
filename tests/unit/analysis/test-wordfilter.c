/* facteur — tests of the word prefilter of the caseless wordings (wordfilter.c): a rule
 * is met only when each of its groups has a word that starts a word of the text, in any
 * ASCII case; a text that caseless UTF-8 matching could read otherwise (long s, Kelvin
 * sign) meets every rule, so that the prefilter never hides a match. */
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

static void
test_rules (void)
{
  g_autoptr (FctWordFilter) filter = fct_word_filter_new ();
  guint account = fct_word_filter_add (filter, account_words);
  guint fee = fct_word_filter_add (filter, fee_words);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 met = fct_word_filter_scan (filter, cases[i].text, strlen (cases[i].text));
      g_test_message ("%s", cases[i].text);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wordfilter/rules", test_rules);
  g_test_add_func ("/wordfilter/length", test_length);
  return g_test_run ();
}
