/* facteur — the names a message may imitate: the organisation's protected domains and
 * brands (--protect, --protect-file) and the brands most often impersonated
 * (data/analysis/brands.txt). Names are compared folded (Unicode NFKC case folding
 * with accents removed, ICU) and by their UTS #39 §4 skeletons, on the label left
 * once the public suffix is removed (libpsl). */
#include "analysis-private.h"

#include "fct-analysis-data.h"
#include <idn2.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* Labels shorter than this are too common as parts of other names to call a name that
 * contains them an imitation ("sfr", "ups", "lcl"). */
#define LABEL_MIN_BUILTIN 5
#define LABEL_MIN_PROTECTED 4

typedef struct
{
  char *name;      /* as shown in findings: "PayPal", "maison-dupont.fr" */
  char *words;     /* folded words between spaces (" la poste "), or NULL */
  char *domain;    /* the domain reported as imitated */
  char *label;     /* folded label of domain without its suffix, or NULL */
  char *skeleton;  /* UTS #39 skeleton of label, or NULL */
  GPtrArray *orgs; /* registrable domains that belong to it (char *, owned) */
  gboolean strict; /* the organisation's own: one edit away, any substring */
} Target;

/* The built-in brands, loaded once and shared read-only by every thread. */
typedef struct
{
  GPtrArray *targets;    /* Target * */
  GHashTable *owned;     /* their registrable domains */
  GHashTable *labels;    /* label -> Target *, for names inside longer ones */
  GHashTable *skeletons; /* skeleton of label -> Target *, for confusable names */
} Builtin;

struct _FctBrands
{
  GPtrArray *targets;       /* Target * of the protected names (owned) */
  GHashTable *owned;        /* registrable domains of targets (borrowed keys) */
  const GPtrArray *builtin; /* Target * of brands.txt (shared, never freed) */
  const Builtin *shared;
};

/* Every registrable domain the targets own, for one lookup per host. */
static void
index_orgs (GHashTable *set, const GPtrArray *targets)
{
  for (guint i = 0; i < targets->len; i++)
    {
      const Target *t = g_ptr_array_index (targets, i);
      for (guint j = 0; j < t->orgs->len; j++)
        g_hash_table_add (set, g_ptr_array_index (t->orgs, j));
    }
}

/* Unicode text folded for comparison (transfer full): NFKC case folding (which maps
 * mathematical and full-width letters to plain ones and drops default-ignorable code
 * points such as U+200B and U+2060), then canonical decomposition without the
 * combining marks, so that "Maïson", "MAISON" and "𝐦𝐚𝐢𝐬𝐨𝐧" fold alike. */
char *
fct_analysis_fold (const char *text)
{
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance (&status);
  const UNormalizer2 *nfd = unorm2_getNFDInstance (&status);
  int32_t len = 0, n1, n2, out = 0;
  g_autofree UChar *src = NULL;
  g_autofree UChar *folded = NULL;
  g_autofree UChar *decomposed = NULL;
  g_autofree char *utf8 = NULL;

  if (U_FAILURE (status))
    return g_utf8_casefold (text, -1);
  u_strFromUTF8Lenient (NULL, 0, &len, text, -1, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE (status))
    return g_utf8_casefold (text, -1);
  status = U_ZERO_ERROR;
  src = g_new (UChar, len + 1);
  u_strFromUTF8Lenient (src, len + 1, NULL, text, -1, &status);
  /* NFKC_Casefold expands a code unit into at most 18 (U+FDFA); NFD into at most 4
     per code point after it. */
  folded = g_new (UChar, (gsize)len * 18 + 1);
  n1 = unorm2_normalize (nfkc_cf, src, len, folded, len * 18 + 1, &status);
  decomposed = g_new (UChar, (gsize)MAX (n1, 0) * 4 + 1);
  n2 = unorm2_normalize (nfd, folded, n1, decomposed, n1 * 4 + 1, &status);
  if (U_FAILURE (status))
    return g_utf8_casefold (text, -1);
  for (int32_t i = 0; i < n2; i++)
    if (u_charType (decomposed[i]) != U_NON_SPACING_MARK)
      decomposed[out++] = decomposed[i];
  utf8 = g_new (char, (gsize)out * 3 + 1);
  u_strToUTF8 (utf8, out * 3 + 1, NULL, decomposed, out, &status);
  if (U_FAILURE (status))
    return g_utf8_casefold (text, -1);
  return g_steal_pointer (&utf8);
}

/* Folded words separated by single spaces, with a space at each end (transfer full):
 * "Caisse d'Épargne" gives " caisse d epargne ", "McAfee™ Notice" " mcafee notice ". */
static char *
fold_words (const char *text)
{
  g_autofree char *folded = NULL;
  GString *out = g_string_new (" ");
  GString *marks = NULL;

  /* NFKC spells the trade mark signs out ("Mcafee™" would fold to "mcafeetm"): they
     end a word, as "®" does. */
  if (strstr (text, "\u2122") != NULL || strstr (text, "\u2120") != NULL)
    {
      marks = g_string_new (text);
      g_string_replace (marks, "\u2122", " ", 0);
      g_string_replace (marks, "\u2120", " ", 0);
    }
  folded = fct_analysis_fold (marks != NULL ? marks->str : text);
  if (marks != NULL)
    g_string_free (marks, TRUE);

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isalnum (c))
        g_string_append_unichar (out, c);
      else if (out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  if (out->str[out->len - 1] != ' ')
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}

/* The labels of host before its public suffix, in Unicode and folded (transfer full),
 * the registrable one first; NULL for an IP address or a bare suffix. */
static GStrv
host_labels (const char *host, const char *org)
{
  g_autofree char *unicode = NULL;
  g_autofree char *folded = NULL;
  g_auto (GStrv) parts = NULL;
  const char *dot;
  gsize sub_len, n = 0;
  GStrv labels;

  if (org == NULL || (dot = strchr (org, '.')) == NULL)
    return NULL;
  /* host = subdomains "." org; org = label "." suffix. */
  sub_len = strlen (host) - strlen (org);
  {
    g_autofree char *head = g_strndup (host, sub_len + (gsize)(dot - org));
    char *u = NULL;
    /* Normalised hosts are lower-case ASCII: only A-labels need decoding and folding. */
    if (strstr (head, "xn--") == NULL)
      folded = g_steal_pointer (&head);
    else if (idn2_to_unicode_8z8z (head, &u, 0) == IDN2_OK)
      {
        unicode = g_strdup (u);
        idn2_free (u);
      }
    else
      unicode = g_strdup (head);
  }
  if (folded == NULL)
    folded = fct_analysis_fold (unicode);
  parts = g_strsplit (folded, ".", -1);
  labels = g_new0 (char *, g_strv_length (parts) + 1);
  /* The registrable label is the last one before the suffix. */
  for (gsize i = g_strv_length (parts); i > 0; i--)
    if (*parts[i - 1] != '\0')
      labels[n++] = g_strdup (parts[i - 1]);
  if (n == 0)
    {
      g_strfreev (labels);
      return NULL;
    }
  return labels;
}

/* Damerau-Levenshtein distance at most one: one substitution, insertion, deletion or
 * swap of two neighbours ("examp1e", "exmple", "exanple", "exmaple"). Linear. */
static gboolean
one_edit_apart (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b), i = 0;

  if (la > lb + 1 || lb > la + 1 || g_str_equal (a, b))
    return FALSE;
  while (i < la && i < lb && a[i] == b[i])
    i++;
  if (la == lb)
    {
      if (g_str_equal (a + i + 1, b + i + 1))
        return TRUE;
      return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i]
             && g_str_equal (a + i + 2, b + i + 2);
    }
  return la > lb ? g_str_equal (a + i + 1, b + i) : g_str_equal (a + i, b + i + 1);
}

static void
target_free (Target *t)
{
  g_free (t->name);
  g_free (t->words);
  g_free (t->domain);
  g_free (t->label);
  g_free (t->skeleton);
  g_ptr_array_unref (t->orgs);
  g_free (t);
}

/* A target for domain (A-label or U-label), its label set when long enough. */
static Target *
target_new (const char *name, const char *domain, gboolean strict)
{
  Target *t = g_new0 (Target, 1);
  g_autofree char *normal = fct_analysis_host_normalize (domain, strlen (domain));
  g_auto (GStrv) labels = NULL;
  char *org;

  t->name = g_strdup (name);
  t->strict = strict;
  t->orgs = g_ptr_array_new_with_free_func (g_free);
  t->domain = g_strdup (normal != NULL ? normal : domain);
  if (normal == NULL)
    return t;
  org = fct_analysis_org_domain (normal);
  g_ptr_array_add (t->orgs, org != NULL ? org : g_strdup (normal));
  labels = org != NULL ? host_labels (normal, org) : NULL;
  if (labels != NULL
      && g_utf8_strlen (labels[0], -1)
             >= (strict ? LABEL_MIN_PROTECTED : LABEL_MIN_BUILTIN))
    {
      t->label = g_strdup (labels[0]);
      t->skeleton = fct_analysis_skeleton (t->label);
    }
  return t;
}

static void
target_own (Target *t, const char *domain)
{
  g_autofree char *normal = fct_analysis_host_normalize (domain, strlen (domain));
  char *org;

  if (normal == NULL)
    return;
  org = fct_analysis_org_domain (normal);
  g_ptr_array_add (t->orgs, org != NULL ? org : g_strdup (normal));
}

static const Builtin *
builtin_targets (void)
{
  static gsize once = 0;
  static Builtin builtin;
  GPtrArray *targets;

  if (g_once_init_enter (&once))
    {
      g_autoptr (GBytes) bytes = g_resource_lookup_data (
          fct_analysis_data_get_resource (), "/org/facteur/analysis/brands.txt",
          G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      gsize len = 0;
      const char *data;
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      g_assert (bytes != NULL); /* compiled in: absence is a build error */
      data = g_bytes_get_data (bytes, &len);
      text = g_strndup (data, len);
      lines = g_strsplit (text, "\n", -1);
      targets = g_ptr_array_new_with_free_func ((GDestroyNotify)target_free);
      for (gsize i = 0; lines[i] != NULL; i++)
        {
          char *colon = strchr (lines[i], ':');
          g_auto (GStrv) domains = NULL;
          Target *t;

          if (lines[i][0] == '#' || colon == NULL)
            continue;
          *colon = '\0';
          domains = g_strsplit_set (g_strstrip (colon + 1), " \t", -1);
          if (domains[0] == NULL || *domains[0] == '\0')
            continue;
          t = target_new (g_strstrip (lines[i]), domains[0], FALSE);
          t->words = fold_words (t->name);
          for (gsize j = 1; domains[j] != NULL; j++)
            if (*domains[j] != '\0')
              target_own (t, domains[j]);
          g_ptr_array_add (targets, t);
        }
      builtin.targets = targets;
      builtin.owned = g_hash_table_new (g_str_hash, g_str_equal);
      index_orgs (builtin.owned, targets);
      builtin.labels = g_hash_table_new (g_str_hash, g_str_equal);
      builtin.skeletons = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < targets->len; i++)
        {
          Target *t = g_ptr_array_index (targets, i);
          if (t->label != NULL && !g_hash_table_contains (builtin.labels, t->label))
            g_hash_table_insert (builtin.labels, t->label, t);
          if (t->skeleton != NULL
              && !g_hash_table_contains (builtin.skeletons, t->skeleton))
            g_hash_table_insert (builtin.skeletons, t->skeleton, t);
        }
      g_once_init_leave (&once, 1);
    }
  return &builtin;
}

FctBrands *
fct_analysis_brands_new (const char *const *domains, const char *const *brands)
{
  FctBrands *b = g_new0 (FctBrands, 1);

  b->targets = g_ptr_array_new_with_free_func ((GDestroyNotify)target_free);
  b->shared = builtin_targets ();
  b->builtin = b->shared->targets;
  for (gsize i = 0; domains != NULL && domains[i] != NULL; i++)
    {
      Target *t = target_new (domains[i], domains[i], TRUE);

      /* The label names the organisation too: "maison-dupont" is "Maison Dupont". */
      if (t->label != NULL)
        t->words = fold_words (t->label);
      g_ptr_array_add (b->targets, t);
    }
  /* A protected brand belongs to every protected domain of the organisation. */
  for (gsize i = 0; brands != NULL && brands[i] != NULL; i++)
    {
      Target *t = g_new0 (Target, 1);

      t->name = g_strdup (brands[i]);
      t->words = fold_words (brands[i]);
      t->domain = g_strdup (domains != NULL && domains[0] != NULL ? domains[0] : brands[i]);
      t->strict = TRUE;
      t->orgs = g_ptr_array_new_with_free_func (g_free);
      for (gsize j = 0; domains != NULL && domains[j] != NULL; j++)
        target_own (t, domains[j]);
      g_ptr_array_add (b->targets, t);
    }
  b->owned = g_hash_table_new (g_str_hash, g_str_equal);
  index_orgs (b->owned, b->targets);
  return b;
}

void
fct_analysis_brands_free (FctBrands *brands)
{
  if (brands == NULL)
    return;
  g_hash_table_unref (brands->owned);
  g_ptr_array_unref (brands->targets);
  g_free (brands);
}

static gboolean
owns (const Target *t, const char *org)
{
  for (guint i = 0; i < t->orgs->len; i++)
    if (g_str_equal (g_ptr_array_index (t->orgs, i), org))
      return TRUE;
  return FALSE;
}

static const Target *
target_at (const FctBrands *b, guint i)
{
  return i < b->targets->len ? g_ptr_array_index (b->targets, i)
                             : g_ptr_array_index (b->builtin, i - b->targets->len);
}

gboolean
fct_analysis_brands_owned (const FctBrands *b, const char *org, gboolean *is_protected)
{
  if (org == NULL)
    return FALSE;
  if (g_hash_table_contains (b->owned, org))
    {
      if (is_protected != NULL)
        *is_protected = TRUE;
      return TRUE;
    }
  if (is_protected != NULL)
    *is_protected = FALSE;
  return g_hash_table_contains (b->shared->owned, org);
}

gboolean
fct_analysis_brands_same (const FctBrands *b, const char *org_a, const char *org_b)
{
  guint n = b->targets->len + b->builtin->len;

  if (org_a == NULL || org_b == NULL || !fct_analysis_brands_owned (b, org_a, NULL)
      || !fct_analysis_brands_owned (b, org_b, NULL))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      const Target *t = target_at (b, i);
      if (owns (t, org_a) && owns (t, org_b))
        return TRUE;
    }
  return FALSE;
}

/* Words that a sender's name puts around a brand to sound official ("PayPal Service",
 * "Équipe Microsoft 365", "DGFiP - Impots.gouv"), folded. A name with any other word
 * beside the brand is someone else's ("Lockergnome Apple Core", "Apple Pie Bakery"). */
static const char *const official_words[] = {
  "account",
  "accounts",
  "admin",
  "administration",
  "aide",
  "alert",
  "alerte",
  "alertes",
  "alerts",
  "and",
  "assistance",
  "bank",
  "banque",
  "billing",
  "center",
  "centre",
  "client",
  "clients",
  "colis",
  "compta",
  "comptabilite",
  "compte",
  "customer",
  "customers",
  "d",
  "de",
  "delivery",
  "department",
  "des",
  "desk",
  "document",
  "documents",
  "du",
  "email",
  "en",
  "equipe",
  "espace",
  "et",
  "express",
  "facturation",
  "for",
  "fr",
  "france",
  "help",
  "helpdesk",
  "info",
  "information",
  "informations",
  "infos",
  "it",
  "jour",
  "l",
  "la",
  "le",
  "les",
  "ligne",
  "livraison",
  "mail",
  "message",
  "messagerie",
  "mise",
  "ne",
  "no",
  "noreply",
  "notification",
  "notifications",
  "of",
  "official",
  "officiel",
  "online",
  "paiement",
  "paiements",
  "particulier",
  "particuliers",
  "pas",
  "payment",
  "payments",
  "pour",
  "repondre",
  "reply",
  "securise",
  "securite",
  "security",
  "service",
  "services",
  "sign",
  "signature",
  "suivi",
  "support",
  "team",
  "the",
  "tracking",
  "uk",
  "update",
  "us",
  "verification",
  "votre",
  "vos",
  "your",
};

static gboolean
is_official_word (const FctBrands *b, const char *word, gsize len)
{
  guint n = b->targets->len + b->builtin->len;
  g_autofree char *spaced = g_strdup_printf (" %.*s ", (int)len, word);

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (word[i]))
      goto not_a_number;
  return TRUE;
not_a_number:
  if (len == 1)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (official_words); i++)
    if (strlen (official_words[i]) == len && memcmp (official_words[i], word, len) == 0)
      return TRUE;
  /* Another brand's words: "DGFiP - Impots.gouv", "Colissimo La Poste". */
  for (guint i = 0; i < n; i++)
    {
      const Target *t = target_at (b, i);
      if (t->words != NULL && strstr (t->words, spaced) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* TRUE if the words of text, once those of the brand are taken out, are all official
 * ones. words and brand are folded, between spaces. */
static gboolean
only_official_words (const FctBrands *b, const char *words, const char *brand)
{
  const char *at = strstr (words, brand);
  gsize brand_len = strlen (brand);

  for (const char *p = words; *p != '\0';)
    {
      gsize len;

      if (p == at)
        {
          p += brand_len - 1; /* keep the space after the brand */
          continue;
        }
      if (*p == ' ')
        {
          p++;
          continue;
        }
      len = strcspn (p, " ");
      if (!is_official_word (b, p, len))
        return FALSE;
      p += len;
    }
  return TRUE;
}

/* TRUE if the subject's words start with the brand, after reply and forward marks
 * ("Re:", "TR:", "[PayPal]"). */
static gboolean
starts_with (const char *words, const char *brand)
{
  static const char *const marks[] = { " re ", " fw ", " fwd ", " tr ", " rappel " };
  gboolean skipped = TRUE;

  while (skipped)
    {
      skipped = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (marks); i++)
        if (g_str_has_prefix (words, marks[i]))
          {
            words += strlen (marks[i]) - 1;
            skipped = TRUE;
          }
    }
  return g_str_has_prefix (words, brand);
}

/* How a word looks once its borrowed letters are read as the Latin ones they imitate
 * (UTS #39 §4 confusables, letter by letter): a Cyrillic "а" inside a Latin word, a
 * "0" or "1" among letters, a capital "I" after a small letter ("Trust WaIIet").
 * Words in one script are left as they are. Sets *changed. (transfer full) */
char *
fct_analysis_deconfuse (const char *text, gboolean *changed)
{
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text;

  *changed = FALSE;
  while (*p != '\0')
    {
      const char *start = p;
      gboolean latin = FALSE, other = FALSE, odd = FALSE;
      gunichar prev = 0;

      if (!g_unichar_isalnum (g_utf8_get_char (p)))
        {
          const char *next = g_utf8_next_char (p);
          g_string_append_len (out, p, next - p);
          p = next;
          continue;
        }
      for (; *p != '\0' && g_unichar_isalnum (g_utf8_get_char (p));
           p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);
          GUnicodeScript script = g_unichar_get_script (c);
          if (script == G_UNICODE_SCRIPT_LATIN)
            latin = TRUE;
          else if (g_unichar_isalpha (c))
            other = TRUE;
          if ((c == 'I' && g_unichar_islower (prev))
              || ((c == '0' || c == '1') && g_unichar_isalpha (prev)))
            odd = TRUE;
          prev = c;
        }
      if (!(latin && other) && !odd)
        {
          g_string_append_len (out, start, p - start);
          continue;
        }
      prev = 0;
      for (const char *q = start; q < p; q = g_utf8_next_char (q))
        {
          gunichar c = g_utf8_get_char (q);
          char one[8] = { 0 };
          g_autofree char *skel = NULL;

          /* prev is the letter as read: "WaII" gives "Wall". */
          if (c == 'I' && g_unichar_islower (prev))
            g_string_append_c (out, (char)(c = 'l'));
          else if (c == '0' && g_unichar_isalpha (prev))
            g_string_append_c (out, (char)(c = 'o'));
          else if (c == '1' && g_unichar_isalpha (prev))
            g_string_append_c (out, (char)(c = 'l'));
          else if (g_unichar_get_script (c) != G_UNICODE_SCRIPT_LATIN
                   && g_unichar_isalpha (c)
                   && (g_unichar_to_utf8 (c, one),
                       (skel = fct_analysis_skeleton (one)) != NULL)
                   && strlen (skel) == 1 && g_ascii_isalpha (skel[0]))
            g_string_append_c (out, skel[0]);
          else
            g_string_append_unichar (out, c);
          prev = c;
        }
      *changed = TRUE;
    }
  return g_string_free (out, FALSE);
}

const char *
fct_analysis_brands_named (const FctBrands *b, const char *text, FctBrandsWhere where,
                           const char *org, const char **domain)
{
  g_autofree char *words = NULL;
  guint n = b->targets->len + b->builtin->len;
  const Target *named = NULL;
  gboolean changed = FALSE;
  g_autofree char *plain = NULL;

  if (text == NULL || *text == '\0')
    return NULL;
  /* "PаyPal" with a Cyrillic а names PayPal to the reader. */
  plain = fct_analysis_deconfuse (text, &changed);
  words = fold_words (plain);
  for (guint i = 0; i < n; i++)
    {
      const Target *t = target_at (b, i);
      if (t->words == NULL || strstr (words, t->words) == NULL)
        continue;
      /* The brand's own mail, under any of the names it is listed with ("paypal.com"
         protected, PayPal built in with paypal.fr). */
      if (org != NULL && owns (t, org))
        return NULL;
      if (named != NULL)
        continue;
      if (where == FCT_BRANDS_SENDER_NAME ? only_official_words (b, words, t->words)
                                          : starts_with (words, t->words))
        named = t;
    }
  /* A sender's name that spells the brand with dots or dashes between its letters
     ("Pay.Pal.", "P-a-y-P-a-l"): written so to slip past filters that look for the
     name, and read as the name by everyone else. Once: the squeezed name has none. */
  if (named == NULL && where == FCT_BRANDS_SENDER_NAME && strpbrk (plain, ".-_*") != NULL)
    {
      GString *squeezed = g_string_sized_new (strlen (plain));
      for (const char *p = plain; *p != '\0'; p++)
        if (strchr (".-_*", *p) == NULL)
          g_string_append_c (squeezed, *p);
      const char *name = fct_analysis_brands_named (b, squeezed->str, where, org, domain);
      g_string_free (squeezed, TRUE);
      return name;
    }
  if (named != NULL && domain != NULL)
    *domain = named->domain;
  return named != NULL ? named->name : NULL;
}

/* A built-in brand's label found as whole hyphen-separated parts of a longer label:
 * "paypal" in "paypal-secure", "credit-agricole" in "www-credit-agricole-fr". Every run
 * of parts is looked up once: bounded by the parts of a label of at most 63 bytes. */
static const Target *
builtin_inside (const Builtin *builtin, const char *label)
{
  g_auto (GStrv) parts = g_strsplit (label, "-", 32);
  guint n = g_strv_length (parts);
  g_autoptr (GString) run = g_string_new (NULL);

  if (n < 2)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      g_string_truncate (run, 0);
      for (guint j = i; j < n; j++)
        {
          const Target *t;
          if (j > i)
            g_string_append_c (run, '-');
          g_string_append (run, parts[j]);
          if (j - i + 1 == n) /* the whole label: not a longer name */
            break;
          if ((t = g_hash_table_lookup (builtin->labels, run->str)) != NULL)
            return t;
        }
    }
  return NULL;
}

const char *
fct_analysis_brands_imitated (const FctBrands *b, const char *host, const char *org)
{
  g_auto (GStrv) labels = NULL;
  g_autofree char *skeleton = NULL;
  const Target *t;

  if (org == NULL || fct_analysis_brands_owned (b, org, NULL))
    return NULL;
  labels = host_labels (host, org);
  if (labels == NULL)
    return NULL;
  skeleton = fct_analysis_skeleton (labels[0]);
  for (guint i = 0; i < b->targets->len; i++)
    {
      t = g_ptr_array_index (b->targets, i);
      if (t->label == NULL)
        continue;
      /* The same name under another suffix, or with accents ("maison-dupont.com",
         "maïson-dupont.fr"), one edit away, confusable, or inside any label. */
      if (g_str_equal (labels[0], t->label) || one_edit_apart (labels[0], t->label)
          || (skeleton != NULL && t->skeleton != NULL
              && g_str_equal (skeleton, t->skeleton)))
        return t->domain;
      for (guint j = 0; labels[j] != NULL; j++)
        if (strstr (labels[j], t->label) != NULL)
          return t->domain;
    }
  /* Brands own many country suffixes and names: only a confusable label, or the brand
     as whole parts of a longer one. */
  if (skeleton != NULL && (t = g_hash_table_lookup (b->shared->skeletons, skeleton)) != NULL
      && !g_str_equal (labels[0], t->label))
    return t->domain;
  for (guint j = 0; labels[j] != NULL; j++)
    {
      if ((t = builtin_inside (b->shared, labels[j])) != NULL)
        return t->domain;
      /* The brand's own domain spelt out in front of another: "paypal.com.evil.xyz"
         (labels are read from the registrable one leftwards). */
      if (j >= 2 && (t = g_hash_table_lookup (b->shared->labels, labels[j])) != NULL
          && fct_analysis_has_known_suffix (labels[j - 1]))
        return t->domain;
    }
  return NULL;
}

gboolean
fct_analysis_protect_list_parse (const char *text, gsize len, GPtrArray *domains,
                                 GPtrArray *brands, GError **error)
{
  g_autofree char *copy = NULL;
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (text != NULL && domains != NULL && brands != NULL, FALSE);
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID,
                   _ ("The protection list is not UTF-8 text"));
      return FALSE;
    }
  copy = g_strndup (text, len);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      char *hash = strchr (line, '#');
      g_autofree char *normal = NULL;

      if (hash != NULL)
        *hash = '\0';
      g_strstrip (line);
      if (*line == '\0')
        continue;
      if (g_ascii_strncasecmp (line, "brand:", 6) == 0)
        {
          char *name = g_strstrip (line + 6);
          if (*name == '\0')
            {
              g_set_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID,
                           _ ("Line %u of the protection list names no brand"), i + 1);
              return FALSE;
            }
          g_ptr_array_add (brands, g_strdup (name));
          continue;
        }
      normal = fct_analysis_host_normalize (line, strlen (line));
      if (normal == NULL || strchr (normal, '.') == NULL)
        {
          g_set_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID,
                       _ ("Line %u of the protection list, “%s”, is neither a domain nor "
                          "brand:Name"),
                       i + 1, line);
          return FALSE;
        }
      g_ptr_array_add (domains, g_strdup (line));
    }
  return TRUE;
}
