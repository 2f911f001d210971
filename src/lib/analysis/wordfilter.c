/* facteur — which words a text may hold, found in one pass: the cheap test that keeps a
 * caseless regular expression from reading a text it cannot match. PCRE2 tries such an
 * alternation of words at nearly every byte (its start-of-match optimisation gives up on
 * caseless alternations of many first letters), a few hundred instructions a byte. One
 * filter holds the words of every wording check (fct_analysis_words), so that a message
 * is read once for all of them. */
#include "analysis-private.h"

#include <string.h>

#define WORDS_MAX 384
#define SET_WORDS (WORDS_MAX / 64)
#define WORD_BYTES 24
#define GROUPS_MAX 4
#define RULES_MAX 64
/* Words of three bytes or more by a hash of their first three (key_at): most word
 * starts of a text find no candidate at all. */
#define BUCKET_BITS 12
#define BUCKETS (1u << BUCKET_BITS)

typedef struct
{
  /* The first four bytes (fewer for a shorter word) with bit 0x20 set, and the mask of
     those bytes: compared with the text's four bytes (key_at) before anything else. */
  guint32 prefix, mask;
  char bytes[WORD_BYTES];
  guint8 len;
  guint8 flags;
} Word;

enum
{
  /* Compared byte for byte, case included; else in any ASCII case. */
  WORD_EXACT = 1 << 0,
  /* Only where a space precedes it (FCT_WORD_START_SPACED). */
  WORD_SPACED = 1 << 1,
  /* Its every start is recorded (fct_word_filter_add_marks). */
  WORD_MARK = 1 << 2,
  /* Its first byte is no word byte ("%"): it starts wherever it is. */
  WORD_ANYWHERE = 1 << 3,
};

typedef struct
{
  guint n_groups;
  guint64 groups[GROUPS_MAX][SET_WORDS];
} Alternative;

typedef struct
{
  FctWordStart start;
  GArray *alternatives; /* Alternative (owned) */
} Rule;

/* By byte of a text. */
enum
{
  /* An ASCII letter or digit: it continues a word, and no word starts after it. */
  CLASS_ALNUM = 1 << 0,
  /* A word of three bytes or more starts with it, in either ASCII case. */
  CLASS_START = 1 << 1,
  /* A word of one or two bytes starts with it, in either ASCII case. */
  CLASS_SHORT = 1 << 2,
  /* A WORD_ANYWHERE word starts with it. */
  CLASS_ANYWHERE = 1 << 3,
  /* The first byte of U+017F or U+212A (fct_word_filter_scan_full). */
  CLASS_FOLDS = 1 << 4,
};

struct _FctWordFilter
{
  Word words[WORDS_MAX];
  guint n_words;
  guint8 lower[256];
  guint8 classes[256];
  /* The words of three bytes or more of bucket b: index[bucket[b] .. bucket[b + 1]),
     with their prefixes beside them so that a candidate costs one comparison. */
  guint16 bucket[BUCKETS + 1];
  guint16 index[WORDS_MAX];
  guint32 index_prefix[WORDS_MAX], index_mask[WORDS_MAX];
  /* The words of one or two bytes by their first byte (lower case), the same way. */
  guint16 short_first[256 + 1];
  guint16 short_index[WORDS_MAX];
  Rule rules[RULES_MAX];
  guint n_rules;
  gboolean has_marks;
  /* The first three bytes of a key. */
  guint32 mask3;
};

/* Four bytes of text from p, zeros past end, with bit 0x20 set: an ASCII letter in
 * lower case, the other bytes changed alike in text and words, so that a word that
 * starts at p in any ASCII case has its prefix there. */
static inline guint32
key_at (const guchar *p, const guchar *end)
{
  guint32 key;

  if (end - p >= 4)
    memcpy (&key, p, 4);
  else
    {
      guchar b[4] = { 0 };
      memcpy (b, p, (gsize)(end - p));
      memcpy (&key, b, 4);
    }
  return key | 0x20202020u;
}

static inline guint
bucket_of (const FctWordFilter *f, guint32 key)
{
  return ((key & f->mask3) * 0x9e3779b1u) >> (32 - BUCKET_BITS);
}

/* A byte that continues a word for the patterns' \b: an ASCII letter, digit or
 * underscore. Any other byte (a space, punctuation, a byte of a UTF-8 sequence) might
 * precede a word. */
static inline gboolean
word_byte (guchar c)
{
  return g_ascii_isalnum (c) || c == '_';
}

FctWordFilter *
fct_word_filter_new (void)
{
  static const guchar three[4] = { 0xff, 0xff, 0xff, 0 };
  FctWordFilter *f = g_new0 (FctWordFilter, 1);

  for (guint c = 0; c < 256; c++)
    {
      f->lower[c] = (guint8)g_ascii_tolower ((gchar)c);
      f->classes[c] = g_ascii_isalnum ((gchar)c) ? CLASS_ALNUM : 0;
    }
  f->classes[0xc5] |= CLASS_FOLDS;
  f->classes[0xe2] |= CLASS_FOLDS;
  memcpy (&f->mask3, three, 4);
  return f;
}

void
fct_word_filter_free (FctWordFilter *f)
{
  if (f == NULL)
    return;
  for (guint i = 0; i < f->n_rules; i++)
    g_array_unref (f->rules[i].alternatives);
  g_free (f);
}

/* Rebuilds the buckets and the classes from the words: done while the filter is built,
 * never while it scans. */
static void
index_words (FctWordFilter *f)
{
  guint16 count[BUCKETS + 1] = { 0 }, short_count[256 + 1] = { 0 };

  for (guint c = 0; c < 256; c++)
    f->classes[c] &= CLASS_ALNUM | CLASS_FOLDS;
  for (guint i = 0; i < f->n_words; i++)
    {
      const Word *w = &f->words[i];
      guchar first = f->lower[(guchar)w->bytes[0]];
      guint8 cls = (w->len >= 3 ? CLASS_START : CLASS_SHORT)
                   | ((w->flags & WORD_ANYWHERE) != 0 ? CLASS_ANYWHERE : 0);
      if (w->len >= 3)
        count[bucket_of (f, w->prefix) + 1]++;
      else
        short_count[first + 1]++;
      f->classes[first] |= cls;
      f->classes[(guchar)g_ascii_toupper ((gchar)first)] |= cls;
    }
  for (guint b = 0; b < BUCKETS; b++)
    count[b + 1] += count[b];
  for (guint c = 0; c < 256; c++)
    short_count[c + 1] += short_count[c];
  memcpy (f->bucket, count, sizeof f->bucket);

  memcpy (f->short_first, short_count, sizeof f->short_first);
  for (guint i = 0; i < f->n_words; i++)
    {
      const Word *w = &f->words[i];
      if (w->len >= 3)
        {
          guint slot = count[bucket_of (f, w->prefix)]++;
          f->index[slot] = (guint16)i;
          f->index_prefix[slot] = w->prefix;
          f->index_mask[slot] = w->mask;
        }
      else
        f->short_index[short_count[f->lower[(guchar)w->bytes[0]]]++] = (guint16)i;
    }
}

static guint
word_intern (FctWordFilter *f, const char *word, gsize len, guint8 flags)
{
  char bytes[WORD_BYTES];
  guint8 kind = flags & (WORD_EXACT | WORD_SPACED);

  /* The lists are constants: a breach is a programmer error. A spaced word is stored
     with the space that must follow it. */
  g_assert (len > 0 && len + 1 < WORD_BYTES);
  memcpy (bytes, word, len);
  if ((flags & WORD_SPACED) != 0)
    bytes[len++] = ' ';
  if (!word_byte ((guchar)bytes[0]))
    flags |= WORD_ANYWHERE;
  for (guint i = 0; i < f->n_words; i++)
    if (f->words[i].len == len && (f->words[i].flags & (WORD_EXACT | WORD_SPACED)) == kind
        && memcmp (f->words[i].bytes, bytes, len) == 0)
      {
        f->words[i].flags |= flags;
        return i;
      }
  g_assert (f->n_words < WORDS_MAX);
  {
    Word *w = &f->words[f->n_words];
    guchar head[4] = { 0 }, mask[4] = { 0 };
    memcpy (w->bytes, bytes, len);
    w->len = (guint8)len;
    w->flags = flags;
    /* The word as a text holds it in lower case (key_at). */
    for (gsize j = 0; j < MIN (len, 4); j++)
      {
        head[j]
            = (guchar)((flags & WORD_EXACT) != 0 ? bytes[j] : f->lower[(guchar)bytes[j]])
              | 0x20;
        mask[j] = 0xff;
      }
    memcpy (&w->prefix, head, 4);
    memcpy (&w->mask, mask, 4);
  }
  return f->n_words++;
}

guint
fct_word_filter_add_rule (FctWordFilter *f, FctWordStart start,
                          const char *const *alternatives)
{
  GArray *alts = g_array_new (FALSE, TRUE, sizeof (Alternative));
  guint8 flags = start == FCT_WORD_START_SPACED ? WORD_EXACT | WORD_SPACED : 0;

  g_assert (f->n_rules < RULES_MAX);
  for (guint a = 0; alternatives[a] != NULL; a++)
    {
      Alternative alt = { 0 };
      for (const char *w = alternatives[a]; *w != '\0';)
        {
          gsize n = strcspn (w, "|&");
          guint i = word_intern (f, w, n, flags);
          g_assert (alt.n_groups < GROUPS_MAX);
          alt.groups[alt.n_groups][i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
          if (w[n] == '&' || w[n] == '\0')
            alt.n_groups++;
          w += n + (w[n] != '\0' ? 1 : 0);
        }
      g_array_append_val (alts, alt);
    }
  f->rules[f->n_rules].start = start;
  f->rules[f->n_rules].alternatives = alts;
  index_words (f);
  return f->n_rules++;
}

guint
fct_word_filter_add (FctWordFilter *f, const char *const *alternatives)
{
  return fct_word_filter_add_rule (f, FCT_WORD_START_STRICT, alternatives);
}

void
fct_word_filter_add_marks (FctWordFilter *f, const char *words)
{
  for (const char *w = words; *w != '\0';)
    {
      gsize n = strcspn (w, "|");
      word_intern (f, w, n, WORD_MARK);
      w += n + (w[n] != '\0' ? 1 : 0);
    }
  f->has_marks = TRUE;
  index_words (f);
}

/* The words found so far: at a start where no ASCII letter or digit precedes them
 * (loose), and where no underscore does either (strict). */
typedef struct
{
  guint64 loose[SET_WORDS];
  guint64 strict[SET_WORDS];
} Found;

static inline gboolean
bit_get (const guint64 *set, guint i)
{
  return (set[i / 64] >> (i % 64) & 1) != 0;
}

static inline void
bit_set (guint64 *set, guint i)
{
  set[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
}

/* Tries word k, whose prefix is at p; loose: p is a loose word start (else it follows a
 * letter or digit, and only a WORD_ANYWHERE word may start there). */
static void
word_try (const FctWordFilter *f, guint k, const guchar *text, const guchar *end,
          const guchar *p, gboolean loose, Found *found, GArray *marks)
{
  const Word *w = &f->words[k];
  const guchar *b = (const guchar *)w->bytes;

  /* A word found at both kinds of start needs no more comparisons, unless its starts
     are wanted. */
  if ((!loose && (w->flags & WORD_ANYWHERE) == 0)
      || ((w->flags & WORD_MARK) == 0 && bit_get (found->strict, k)
          && (!loose || bit_get (found->loose, k)))
      || (gsize)(end - p) < w->len)
    return;
  if ((w->flags & WORD_EXACT) != 0)
    {
      if (((w->flags & WORD_SPACED) != 0 && (p == text || p[-1] != ' '))
          || memcmp (p, b, w->len) != 0)
        return;
    }
  else
    for (guint j = 0; j < w->len; j++)
      if (f->lower[p[j]] != b[j])
        return;
  if (loose)
    bit_set (found->loose, k);
  if (!loose || p == text || p[-1] != '_' || (w->flags & (WORD_ANYWHERE | WORD_EXACT)) != 0)
    bit_set (found->strict, k);
  if ((w->flags & WORD_MARK) != 0 && loose)
    {
      gsize at = (gsize)(p - text);
      if (marks->len == 0 || g_array_index (marks, gsize, marks->len - 1) != at)
        g_array_append_val (marks, at);
    }
}

static inline void
words_at (const FctWordFilter *f, const guchar *text, const guchar *end, const guchar *p,
          gboolean loose, Found *found, GArray *marks)
{
  guint8 cls = f->classes[*p];
  guint32 key = key_at (p, end);

  if ((cls & CLASS_START) != 0 && end - p >= 3)
    {
      guint b = bucket_of (f, key);
      for (guint k = f->bucket[b]; k < f->bucket[b + 1]; k++)
        if ((key & f->index_mask[k]) == f->index_prefix[k])
          word_try (f, f->index[k], text, end, p, loose, found, marks);
    }
  if ((cls & CLASS_SHORT) != 0)
    {
      guint c = f->lower[*p];
      for (guint k = f->short_first[c]; k < f->short_first[c + 1]; k++)
        if ((key & f->words[f->short_index[k]].mask) == f->words[f->short_index[k]].prefix)
          word_try (f, f->short_index[k], text, end, p, loose, found, marks);
    }
}

/* TRUE if U+017F (the long s) or U+212A (the Kelvin sign) starts at p: caseless UTF-8
 * matching takes them for "s" and "k". */
static inline gboolean
folds_at (const guchar *p, const guchar *end)
{
  return (end - p >= 2 && p[0] == 0xc5 && p[1] == 0xbf)
         || (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa);
}

#define BYTES8(c) (G_GUINT64_CONSTANT (0x0101010101010101) * (c))

/* Bit 7 set in each byte of x (read in memory order, little-endian) that is no ASCII
 * letter or digit: v >= a is bit 7 of v + 0x80 - a for v < 0x80. */
static inline guint64
not_alnum (guint64 x)
{
  guint64 low = x & BYTES8 (0x7f), folded = low | BYTES8 (0x20);
  guint64 letter = (folded + BYTES8 (0x80 - 'a')) & ~(folded + BYTES8 (0x7f - 'z'));
  guint64 digit = (low + BYTES8 (0x80 - '0')) & ~(low + BYTES8 (0x7f - '9'));

  return ~((letter | digit) & ~x) & BYTES8 (0x80);
}

/* The end of the run of ASCII letters and digits that goes on at q: eight bytes a step,
 * the byte that ends it found without a branch a byte. */
static inline const guchar *
run_end (const FctWordFilter *f, const guchar *q, const guchar *end)
{
  while (end - q >= 8)
    {
      guint64 x, stops;
      memcpy (&x, q, 8);
      stops = not_alnum (GUINT64_FROM_LE (x));
      if (stops != 0)
        return q + __builtin_ctzll (stops) / 8;
      q += 8;
    }
  while (q < end && (f->classes[*q] & CLASS_ALNUM) != 0)
    q++;
  return q;
}

void
fct_word_filter_scan_full (const FctWordFilter *f, const char *text, gsize len,
                           FctWordScan *scan)
{
  const guchar *t = (const guchar *)text, *end = t + len, *p = t;
  Found found = { { 0 }, { 0 } };
  guint64 strict_rules = 0;
  gboolean folds = FALSE;

  memset (scan, 0, sizeof *scan);
  scan->marks = f->has_marks ? g_array_new (FALSE, FALSE, sizeof (gsize)) : NULL;
  /* Every byte that no letter or digit precedes is a loose start; the one that ends a
     run of letters and digits may still start a WORD_ANYWHERE word. */
  while (p < end)
    {
      guint8 cls = f->classes[*p];
      if ((cls & (CLASS_START | CLASS_SHORT)) != 0)
        words_at (f, t, end, p, TRUE, &found, scan->marks);
      if ((cls & CLASS_ALNUM) != 0)
        {
          const guchar *q = run_end (f, p + 1, end);
          if (q - p >= FCT_WORD_LONG_RUN)
            scan->long_runs[*p / 64] |= G_GUINT64_CONSTANT (1) << (*p % 64);
          p = q;
          if (p == end)
            break;
          cls = f->classes[*p];
          if ((cls & CLASS_ANYWHERE) != 0)
            words_at (f, t, end, p, FALSE, &found, scan->marks);
        }
      /* Every byte that is no letter or digit comes here, as a loose start or as the
         end of a run. */
      if ((cls & CLASS_FOLDS) != 0 && folds_at (p, end))
        folds = TRUE;
      p++;
    }
  for (guint r = 0; r < f->n_rules; r++)
    {
      const Rule *rule = &f->rules[r];
      const guint64 *present
          = rule->start == FCT_WORD_START_LOOSE ? found.loose : found.strict;
      if (rule->start == FCT_WORD_START_STRICT)
        strict_rules |= G_GUINT64_CONSTANT (1) << r;
      for (guint a = 0; a < rule->alternatives->len; a++)
        {
          const Alternative *alt = &g_array_index (rule->alternatives, Alternative, a);
          guint g = 0;
          for (; g < alt->n_groups; g++)
            {
              guint64 any = 0;
              for (guint s = 0; s < SET_WORDS; s++)
                any |= alt->groups[g][s] & present[s];
              if (any == 0)
                break;
            }
          if (g == alt->n_groups)
            {
              scan->met |= G_GUINT64_CONSTANT (1) << r;
              break;
            }
        }
    }
  /* With U+017F or U+212A in the text, every strict rule may match (folds_at). */
  if (folds)
    scan->met |= strict_rules;
  scan->folds = folds;
}

void
fct_word_scan_clear (FctWordScan *scan)
{
  if (scan->marks != NULL)
    g_array_unref (scan->marks);
  scan->marks = NULL;
}

guint64
fct_word_filter_scan (const FctWordFilter *f, const char *text, gsize len)
{
  FctWordScan scan;

  fct_word_filter_scan_full (f, text, len, &scan);
  fct_word_scan_clear (&scan);
  return scan.met;
}
