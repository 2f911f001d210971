/* facteur — which words a text may hold, found in one pass: the cheap test that keeps a
 * caseless regular expression from reading a text it cannot match. PCRE2 tries such an
 * alternation of words at nearly every byte (its start-of-match optimisation gives up on
 * caseless alternations of many first letters), a few hundred instructions a byte. */
#include "analysis-private.h"

#include <string.h>

#define WORDS_MAX 128
#define WORD_BYTES 24
#define GROUPS_MAX 4
#define RULES_MAX 64
#define BUCKETS 1024

static inline guchar
lower (char c)
{
  return c >= 'A' && c <= 'Z' ? (guchar)(c + ('a' - 'A')) : (guchar)c;
}

#define BUCKET(a, b) ((((guint)(a) << 5) ^ (guint)(b)) % BUCKETS)

typedef struct
{
  guint n_groups;
  guint64 groups[GROUPS_MAX][2];
} Alternative;

struct _FctWordFilter
{
  char words[WORDS_MAX][WORD_BYTES];
  guint8 lens[WORDS_MAX];
  guint n_words;
  /* The words of one byte, by that byte, and the longer ones by their first two bytes
   * (BUCKET), as sets: most word starts of a text have no candidate at all. */
  guint64 by_byte[256][2];
  guint64 by_pair[BUCKETS][2];
  /* By byte of a text: CLASS_WORD if it continues an ASCII word (word_byte),
   * CLASS_START if a word starts with it in either ASCII case: the scan's one look-up
   * a byte. */
  guint8 classes[256];
  /* Alternative*, one array a rule (owned). */
  GArray *rules[RULES_MAX];
  guint n_rules;
};

enum
{
  CLASS_WORD = 1,
  CLASS_START = 2,
};

/* A byte that continues an ASCII word: a word that follows it does not start at a
 * \b. Any other byte (a space, punctuation, a byte of a UTF-8 sequence) might. */
static inline gboolean
word_byte (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || c == '_';
}

FctWordFilter *
fct_word_filter_new (void)
{
  FctWordFilter *f = g_new0 (FctWordFilter, 1);

  for (guint c = 0; c < 256; c++)
    f->classes[c] = word_byte ((char)c) ? CLASS_WORD : 0;
  return f;
}

void
fct_word_filter_free (FctWordFilter *f)
{
  if (f == NULL)
    return;
  for (guint i = 0; i < f->n_rules; i++)
    g_array_unref (f->rules[i]);
  g_free (f);
}

static guint
word_intern (FctWordFilter *f, const char *word, gsize len)
{
  for (guint i = 0; i < f->n_words; i++)
    if (f->lens[i] == len && memcmp (f->words[i], word, len) == 0)
      return i;
  /* The lists are constants: a breach is a programmer error. */
  g_assert (f->n_words < WORDS_MAX && len > 0 && len < WORD_BYTES);
  memcpy (f->words[f->n_words], word, len);
  f->lens[f->n_words] = (guint8)len;
  guint64 *set = len == 1 ? f->by_byte[(guchar)word[0]]
                          : f->by_pair[BUCKET ((guchar)word[0], (guchar)word[1])];
  set[f->n_words / 64] |= G_GUINT64_CONSTANT (1) << (f->n_words % 64);
  for (guint c = 0; c < 256; c++)
    if (lower ((char)c) == (guchar)word[0])
      f->classes[c] |= CLASS_START;
  return f->n_words++;
}

guint
fct_word_filter_add (FctWordFilter *f, const char *const *alternatives)
{
  GArray *rule = g_array_new (FALSE, TRUE, sizeof (Alternative));

  g_assert (f->n_rules < RULES_MAX);
  for (guint a = 0; alternatives[a] != NULL; a++)
    {
      Alternative alt = { 0 };
      for (const char *w = alternatives[a]; *w != '\0';)
        {
          gsize n = strcspn (w, "|&");
          guint i = word_intern (f, w, n);
          g_assert (alt.n_groups < GROUPS_MAX);
          alt.groups[alt.n_groups][i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
          if (w[n] == '&' || w[n] == '\0')
            alt.n_groups++;
          w += n + (w[n] != '\0' ? 1 : 0);
        }
      g_array_append_val (rule, alt);
    }
  f->rules[f->n_rules] = rule;
  return f->n_rules++;
}

/* Notes in present the words of f that start at text + i. */
static inline void
words_at (const FctWordFilter *f, const char *text, gsize len, gsize i, guint64 present[2])
{
  const guint64 *single = f->by_byte[lower (text[i])];
  const guint64 *pair
      = i + 1 < len ? f->by_pair[BUCKET (lower (text[i]), lower (text[i + 1]))] : NULL;

  for (guint half = 0; half < 2; half++)
    {
      guint64 bits = single[half] | (pair != NULL ? pair[half] : 0);
      for (bits &= ~present[half]; bits != 0; bits &= bits - 1)
        {
          guint k = half * 64 + (guint)__builtin_ctzll (bits);
          gsize j = 0;
          if (len - i < f->lens[k])
            continue;
          while (j < f->lens[k] && lower (text[i + j]) == (guchar)f->words[k][j])
            j++;
          if (j == f->lens[k])
            present[half] |= G_GUINT64_CONSTANT (1) << (k % 64);
        }
    }
}

/* TRUE if text holds the UTF-8 sequence s (2 or 3 bytes) that starts with byte s[0]. */
static gboolean
holds (const char *text, gsize len, const char *s, gsize n)
{
  const char *end = text + len;

  for (const char *p = text; (p = memchr (p, s[0], (gsize)(end - p))) != NULL; p++)
    if ((gsize)(end - p) >= n && memcmp (p, s, n) == 0)
      return TRUE;
  return FALSE;
}

guint64
fct_word_filter_scan (const FctWordFilter *f, const char *text, gsize len)
{
  guint64 present[2] = { 0, 0 }, met = 0;

  /* Caseless UTF-8 matching takes the long s U+017F for "s" and the Kelvin sign U+212A
     for "k": with either in the text, every rule may match. */
  if (holds (text, len, "\xc5\xbf", 2) || holds (text, len, "\xe2\x84\xaa", 3))
    return G_MAXUINT64;
  /* A word is tried where it starts only (a word that starts with another byte, such
     as "%", wherever that byte is). */
  for (gsize i = 0; i < len;)
    {
      guint8 c = f->classes[(guchar)text[i]];
      if ((c & CLASS_START) != 0)
        words_at (f, text, len, i, present);
      i++;
      if ((c & CLASS_WORD) != 0)
        while (i < len && (f->classes[(guchar)text[i]] & CLASS_WORD) != 0)
          i++;
    }
  for (guint r = 0; r < f->n_rules; r++)
    for (guint a = 0; a < f->rules[r]->len; a++)
      {
        const Alternative *alt = &g_array_index (f->rules[r], Alternative, a);
        guint g = 0;
        while (g < alt->n_groups
               && ((alt->groups[g][0] & present[0]) != 0
                   || (alt->groups[g][1] & present[1]) != 0))
          g++;
        if (g == alt->n_groups)
          {
            met |= G_GUINT64_CONSTANT (1) << r;
            break;
          }
      }
  return met;
}
