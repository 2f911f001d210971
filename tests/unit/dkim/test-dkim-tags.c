/* Unit tests for DKIM tag lists (RFC 6376 §3.2), base64 fields and domain checks. */
#include <facteur/dkim.h>

typedef struct
{
  const char *text;
  gboolean ok;
  guint count;
} TagCase;

static void
test_tag_lists (void)
{
  static const TagCase cases[] = {
    { "v=1; a=rsa-sha256", TRUE, 2 },
    { "v=1;a=rsa-sha256;", TRUE, 2 },
    { " v = 1 ;\r\n\ta=rsa-sha256 ; ", TRUE, 2 },
    { "", TRUE, 0 },
    { ";;", TRUE, 0 },
    { "v=1; v=1", FALSE, 0 }, /* duplicate */
    { "v=1; V=1", TRUE, 2 },  /* names are case-sensitive */
    { "1v=1", FALSE, 0 },     /* name must start with a letter */
    { "v", FALSE, 0 },        /* no '=' */
    { "v 1=2", FALSE, 0 },    /* space inside a name */
    { "a_b9=x", TRUE, 1 },
    { "p=", TRUE, 1 },                  /* empty value */
    { "n=a b  c", TRUE, 1 },            /* WSP between tvals */
    { "n=caf\xc3\xa9", FALSE, 0 },      /* 8-bit is not VALCHAR */
    { "n=a\x01", FALSE, 0 },            /* control character */
    { "v=DKIM1: g=*; k=rsa", TRUE, 2 }, /* badversion.txt: one odd v= value */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
      const char *reason = NULL;
      gboolean ok
          = fct_dkim_tags_parse (fct_slice_from_str (cases[i].text), 64, tags, &reason);
      g_test_message ("case %zu: %s", i, cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpuint (tags->len, ==, cases[i].count);
      else
        g_assert_nonnull (reason);
    }
}

static void
test_tag_values (void)
{
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  const char *reason = NULL;
  const char *text = "v=1; b=ab\r\n cd ; h=from : to";

  g_assert_true (fct_dkim_tags_parse (fct_slice_from_str (text), 64, tags, &reason));
  const FctDkimTag *b = fct_dkim_tags_find (tags, "b");
  g_assert_nonnull (b);
  g_assert_true (fct_slice_equal (b->value, fct_slice_from_str ("ab\r\n cd")));
  /* The span runs from after '=' to the ';' and includes the surrounding space. */
  g_assert_true (fct_slice_equal (b->span, fct_slice_from_str ("ab\r\n cd ")));
  g_assert_true (b->span.ptr == (const guint8 *)text + 7);
  const FctDkimTag *h = fct_dkim_tags_find (tags, "h");
  g_assert_true (fct_slice_equal (h->value, fct_slice_from_str ("from : to")));
  g_assert_null (fct_dkim_tags_find (tags, "x"));
}

static void
test_tag_limit (void)
{
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  g_autoptr (GString) s = g_string_new (NULL);
  const char *reason = NULL;

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (s, "t%u=x;", i);
  g_assert_true (fct_dkim_tags_parse (fct_slice_new (s->str, s->len), 40, tags, &reason));
  g_assert_false (fct_dkim_tags_parse (fct_slice_new (s->str, s->len), 39, tags, &reason));
  g_assert_nonnull (reason);
}

static void
test_base64 (void)
{
  struct
  {
    const char *in;
    const char *out; /* NULL: invalid */
  } cases[] = {
    { "", "" },
    { "YQ==", "a" },
    { "YWI=", "ab" },
    { "YWJj", "abc" },
    { " Y W\r\n\tJj ", "abc" },
    { "YWJ", NULL }, /* missing padding */
    { "YQ=", NULL },
    { "YQ===", NULL },
    { "Y=Q=", NULL }, /* data after padding */
    { "YW!j", NULL },
    { "Y", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) b = fct_dkim_base64_decode (fct_slice_from_str (cases[i].in), 100);
      if (cases[i].out == NULL)
        g_assert_null (b);
      else
        {
          g_assert_nonnull (b);
          gsize len = 0;
          const void *data = g_bytes_get_data (b, &len);
          g_assert_cmpmem (data, len, cases[i].out, strlen (cases[i].out));
        }
    }
  /* The size bound is checked before decoding. */
  g_assert_null (fct_dkim_base64_decode (fct_slice_from_str ("YWJj"), 2));
}

static void
test_domains (void)
{
  g_assert_true (fct_dkim_domain_is_valid (fct_slice_from_str ("example.com")));
  g_assert_true (fct_dkim_domain_is_valid (fct_slice_from_str ("sel_2024.sub")));
  g_assert_false (
      fct_dkim_domain_is_valid (fct_slice_from_str ("legitimate.com(.attacker.com")));
  g_assert_false (fct_dkim_domain_is_valid (fct_slice_from_str ("")));
  g_assert_false (fct_dkim_domain_is_valid (fct_slice_from_str ("a..b")));
  g_assert_false (fct_dkim_domain_is_valid (fct_slice_from_str ("example.com.")));
  g_assert_false (fct_dkim_domain_is_valid (fct_slice_from_str ("exa mple.com")));
  g_autofree char *long_label = g_strnfill (64, 'a');
  g_assert_false (fct_dkim_domain_is_valid (fct_slice_from_str (long_label)));
  long_label[63] = '\0';
  g_assert_true (fct_dkim_domain_is_valid (fct_slice_from_str (long_label)));
}

static void
test_algorithms_and_canon (void)
{
  FctDkimCanon h, b;

  g_assert_cmpint (fct_dkim_algorithm_from_slice (fct_slice_from_str ("RSA-SHA256")), ==,
                   FCT_DKIM_ALGORITHM_RSA_SHA256);
  g_assert_cmpint (fct_dkim_algorithm_from_slice (fct_slice_from_str ("ed25519-sha256")),
                   ==, FCT_DKIM_ALGORITHM_ED25519_SHA256);
  g_assert_cmpint (fct_dkim_algorithm_from_slice (fct_slice_from_str ("rsa-sha512")), ==,
                   FCT_DKIM_ALGORITHM_UNKNOWN);
  g_assert_cmpstr (fct_dkim_algorithm_to_string (FCT_DKIM_ALGORITHM_RSA_SHA1), ==,
                   "rsa-sha1");

  g_assert_true (fct_dkim_canon_parse (fct_slice_from_str ("relaxed"), &h, &b));
  g_assert_cmpint (h, ==, FCT_DKIM_CANON_RELAXED);
  g_assert_cmpint (b, ==, FCT_DKIM_CANON_SIMPLE); /* §3.5: body defaults to simple */
  g_assert_true (fct_dkim_canon_parse (fct_slice_from_str ("simple/relaxed"), &h, &b));
  g_assert_cmpint (h, ==, FCT_DKIM_CANON_SIMPLE);
  g_assert_cmpint (b, ==, FCT_DKIM_CANON_RELAXED);
  g_assert_false (fct_dkim_canon_parse (fct_slice_from_str ("relaxed/"), &h, &b));
  g_assert_false (fct_dkim_canon_parse (fct_slice_from_str ("nofws"), &h, &b));
  g_assert_false (
      fct_dkim_canon_parse (fct_slice_from_str ("simple/simple/simple"), &h, &b));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dkim/tags/lists", test_tag_lists);
  g_test_add_func ("/dkim/tags/values", test_tag_values);
  g_test_add_func ("/dkim/tags/limit", test_tag_limit);
  g_test_add_func ("/dkim/tags/base64", test_base64);
  g_test_add_func ("/dkim/tags/domains", test_domains);
  g_test_add_func ("/dkim/tags/algorithms-and-canon", test_algorithms_and_canon);
  return g_test_run ();
}
