/* Unit tests for the SPF record parser and the macro expander (RFC 7208 §4.6, §5, §7):
 * no DNS involved. */
#include <facteur/spf.h>

typedef struct
{
  const char *record;
  gboolean valid;
  gsize error_offset; /* checked when invalid */
} ParseCase;

static const ParseCase parse_cases[] = {
  { "v=spf1", TRUE, 0 },
  { "v=spf1 -all", TRUE, 0 },
  { "V=SpF1 ~ALL", TRUE, 0 },
  { "v=spf1  a   -all ", TRUE, 0 },
  { "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", TRUE, 0 },
  { "v=spf1 a/24//64 mx:mail.example.com//48 -all", TRUE, 0 },
  { "v=spf1 a:foo:bar/baz.example.com", TRUE, 0 },
  { "v=spf1 include:_spf.%{d2} exists:%{ir}.%{l1r-}.e.%{d} ~all", TRUE, 0 },
  { "v=spf1 moo.cow-far_out=man:dog/cat -all", TRUE, 0 },
  { "v=spf1 default=+", TRUE, 0 },
  { "v=spf1 a:foo.example.xn--zckzah", TRUE, 0 },
  { "v=spf1 -all moo", FALSE, 12 },
  { "v=spf1 ip4:1.2.3.4/033", FALSE, 18 },
  { "v=spf1 ip4:1.2.3.4/33", FALSE, 18 },
  { "v=spf1 ip4:1.2.3", FALSE, 11 },
  { "v=spf1 ip4:01.2.3.4", FALSE, 11 },
  { "v=spf1 ip6:::1.1.1.1//33", FALSE, 20 },
  { "v=spf1 ip6:::1/129", FALSE, 14 },
  { "v=spf1 ip6::CAFE::BABE", FALSE, 11 },
  { "v=spf1 a/24/64", FALSE, 8 },
  { "v=spf1 a//129", FALSE, 8 },
  { "v=spf1 a:museum", FALSE, 9 },
  { "v=spf1 a:abc.123", FALSE, 13 },
  { "v=spf1 a:example.-com", FALSE, 17 },
  { "v=spf1 include:ip5.example.com/24", FALSE, 27 },
  { "v=spf1 include:", FALSE, 15 },
  { "v=spf1 exists", FALSE, 13 },
  { "v=spf1 ptr/0", FALSE, 10 },
  { "v=spf1 -all.", FALSE, 8 },
  { "v=spf1 redirect:example.com", FALSE, 7 },
  { "v=spf1 redirect=", FALSE, 16 },
  { "v=spf1 exp=a.example.com exp=b.example.com", FALSE, 25 },
  { "v=spf1 1up=foo", FALSE, 7 },
  { "v=spf1 =all", FALSE, 7 },
  { "v=spf1 foo=%abc", FALSE, 11 },
  { "v=spf1 exists:%{a}.example.com", FALSE, 14 },
  { "v=spf1 exp=%{r}.example.com", FALSE, 11 },
  { "v=spf1 exists:%{d0}.example.com", FALSE, 14 },
  { "v=spf1 a:ctrl.example.com\rptr -all", FALSE, 25 },
  { "v=spf1 \x80"
    "a:example.net -all",
    FALSE, 7 },
};

static void
test_parse_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *c = &parse_cases[i];
      g_autoptr (GError) error = NULL;
      gsize offset = 99;
      g_autoptr (FctSpfRecord) r
          = fct_spf_record_parse (c->record, strlen (c->record), NULL, &offset, &error);
      if (c->valid)
        {
          g_assert_no_error (error);
          g_assert_nonnull (r);
        }
      else
        {
          if (r != NULL)
            g_error ("“%s” parsed but should not", c->record);
          g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_SYNTAX);
          if (offset != c->error_offset)
            g_error ("“%s”: error at %" G_GSIZE_FORMAT ", expected %" G_GSIZE_FORMAT,
                     c->record, offset, c->error_offset);
        }
    }
}

static void
test_parse_fields (void)
{
  static const char text[]
      = "v=spf1 -a:mail.example.com/24//64 ~mx ip4:192.0.2.0/25 include:x.example.net "
        "redirect=r.example.org exp=e.%{d}";
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSpfRecord) r
      = fct_spf_record_parse (text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->mechanisms->len, ==, 4);

  const FctSpfMechanism *a = g_ptr_array_index (r->mechanisms, 0);
  g_assert_cmpint (a->type, ==, FCT_SPF_MECHANISM_A);
  g_assert_cmpint (a->qualifier, ==, FCT_SPF_QUALIFIER_FAIL);
  g_assert_cmpstr (a->domain_spec, ==, "mail.example.com");
  g_assert_cmpuint (a->cidr4, ==, 24);
  g_assert_cmpuint (a->cidr6, ==, 64);
  g_assert_cmpstr (a->text, ==, "-a:mail.example.com/24//64");

  const FctSpfMechanism *mx = g_ptr_array_index (r->mechanisms, 1);
  g_assert_cmpint (mx->qualifier, ==, FCT_SPF_QUALIFIER_SOFTFAIL);
  g_assert_null (mx->domain_spec);
  g_assert_cmpuint (mx->cidr4, ==, 32);
  g_assert_cmpuint (mx->cidr6, ==, 128);

  const FctSpfMechanism *ip4 = g_ptr_array_index (r->mechanisms, 2);
  static const guint8 net[4] = { 192, 0, 2, 0 };
  g_assert_cmpmem (ip4->network, 4, net, 4);
  g_assert_cmpuint (ip4->cidr4, ==, 25);

  g_assert_cmpstr (r->redirect, ==, "r.example.org");
  g_assert_cmpstr (r->exp, ==, "e.%{d}");
  /* a, mx, include, redirect (§4.6.4). */
  g_assert_cmpuint (r->dns_terms, ==, 4);
}

static void
test_is_spf1 (void)
{
  g_assert_true (fct_spf_record_is_spf1 ("v=spf1", 6));
  g_assert_true (fct_spf_record_is_spf1 ("v=SPF1 mx", 9));
  g_assert_false (fct_spf_record_is_spf1 ("v=spf10", 7));
  g_assert_false (fct_spf_record_is_spf1 ("v=spf1mx", 8));
  g_assert_false (fct_spf_record_is_spf1 (" v=spf1", 7));
}

static void
test_record_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  g_autoptr (GString) big = g_string_new ("v=spf1");
  while (big->len < 10 * 1024)
    g_string_append (big, " ip4:192.0.2.1");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSpfRecord) r
      = fct_spf_record_parse (big->str, big->len, &limits, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_LIMIT);
}

static void
test_ip_parse (void)
{
  guint8 ip[16];
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (fct_spf_ip_parse ("192.0.2.1", ip, &len, NULL));
  g_assert_cmpuint (len, ==, 4);
  g_assert_true (fct_spf_ip_parse ("::FFFF:1.2.3.4", ip, &len, NULL));
  g_assert_cmpuint (len, ==, 4);
  g_assert_cmpuint (ip[0], ==, 1);
  g_assert_cmpuint (ip[3], ==, 4);
  g_assert_true (fct_spf_ip_parse ("2001:db8::1", ip, &len, NULL));
  g_assert_cmpuint (len, ==, 16);
  g_assert_false (fct_spf_ip_parse ("300.1.1.1", ip, &len, &error));
  g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_INVALID);
}

/* The context of RFC 7208 §7.4's examples. */
static FctSpfMacroContext
example_context (const guint8 *ip, gsize ip_len)
{
  return (FctSpfMacroContext){
    .sender = "strong-bad@email.example.com",
    .local_part = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .ip = ip,
    .ip_len = ip_len,
    .validated = NULL,
    .helo = "mx.example.org",
    .receiver = NULL,
    .now = 1700000000,
  };
}

typedef struct
{
  const char *spec;
  gboolean exp;
  const char *expected; /* NULL: syntax error */
} MacroCase;

static const MacroCase macro4_cases[] = {
  /* RFC 7208 §7.4. */
  { "%{s}", FALSE, "strong-bad@email.example.com" },
  { "%{o}", FALSE, "email.example.com" },
  { "%{d}", FALSE, "email.example.com" },
  { "%{d4}", FALSE, "email.example.com" },
  { "%{d3}", FALSE, "email.example.com" },
  { "%{d2}", FALSE, "example.com" },
  { "%{d1}", FALSE, "com" },
  { "%{dr}", FALSE, "com.example.email" },
  { "%{d2r}", FALSE, "example.email" },
  { "%{l}", FALSE, "strong-bad" },
  { "%{l-}", FALSE, "strong.bad" },
  { "%{lr}", FALSE, "strong-bad" },
  { "%{lr-}", FALSE, "bad.strong" },
  { "%{l1r-}", FALSE, "strong" },
  { "%{ir}.%{v}._spf.%{d2}", FALSE, "3.2.0.192.in-addr._spf.example.com" },
  { "%{lr-}.lp._spf.%{d2}", FALSE, "bad.strong.lp._spf.example.com" },
  { "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", FALSE,
    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
  { "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", FALSE,
    "3.2.0.192.in-addr.strong.lp._spf.example.com" },
  { "%{d2}.trusted-domains.example.net", FALSE, "example.com.trusted-domains.example.net" },
  { "%%%_%-", FALSE, "% %20" },
  { "%{p}", FALSE, "unknown" },
  { "%{h}", FALSE, "mx.example.org" },
  { "%{L}", FALSE, "strong-bad" },
  { "%{S}", FALSE, "strong-bad%40email.example.com" },
  { "%{c} at %{t} by %{r}", TRUE, "192.0.2.3 at 1700000000 by unknown" },
  { "%{c}", FALSE, NULL },
  { "%{x}", FALSE, NULL },
  { "%{d0}", FALSE, NULL },
  { "%", FALSE, NULL },
  { "%{d", FALSE, NULL },
  { "100%", FALSE, NULL },
  { "a b", FALSE, NULL },
  { "a b", TRUE, "a b" },
  { "\xef\xbb\xbf"
    "text",
    TRUE, NULL },
};

static void
test_macro_ip4 (void)
{
  static const guint8 ip[4] = { 192, 0, 2, 3 };
  FctSpfMacroContext ctx = example_context (ip, 4);

  for (gsize i = 0; i < G_N_ELEMENTS (macro4_cases); i++)
    {
      const MacroCase *c = &macro4_cases[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *out
          = fct_spf_macro_expand (c->spec, strlen (c->spec), &ctx, c->exp, NULL, &error);
      if (c->expected == NULL)
        {
          if (out != NULL)
            g_error ("“%s” expanded to “%s”, expected a syntax error", c->spec, out);
          g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_SYNTAX);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_cmpstr (out, ==, c->expected);
        }
    }
}

static void
test_macro_ip6 (void)
{
  guint8 ip[16];
  gsize len = 0;
  g_assert_true (fct_spf_ip_parse ("2001:db8::cb01", ip, &len, NULL));
  FctSpfMacroContext ctx = example_context (ip, len);
  g_autofree char *i
      = fct_spf_macro_expand ("%{ir}.%{v}._spf.%{d2}", 21, &ctx, FALSE, NULL, NULL);
  /* RFC 7208 §7.4, in the upper case the openspf suite expects (DNS ignores case). */
  g_assert_cmpstr (
      i, ==,
      "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf."
      "example.com");
  g_autofree char *c = fct_spf_macro_expand ("%{c}", 4, &ctx, TRUE, NULL, NULL);
  g_assert_cmpstr (c, ==, "2001:db8::cb01");
}

static void
test_macro_bomb (void)
{
  static const guint8 ip[4] = { 192, 0, 2, 3 };
  g_autofree char *long_local = g_strnfill (200, 'x');
  g_autofree char *sender = g_strconcat (long_local, "@example.com", NULL);
  FctSpfMacroContext ctx = example_context (ip, 4);
  ctx.sender = sender;
  ctx.local_part = long_local;
  g_autoptr (GString) spec = g_string_new (NULL);
  for (int k = 0; k < 100; k++)
    g_string_append (spec, "%{S}");
  g_autoptr (GError) error = NULL;
  g_autofree char *out
      = fct_spf_macro_expand (spec->str, spec->len, &ctx, FALSE, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_LIMIT);
}

static void
test_truncate (void)
{
  g_autofree char *dot = g_strdup ("example.com.");
  g_assert_cmpstr (fct_spf_domain_truncate (dot), ==, "example.com");

  g_autoptr (GString) name = g_string_new (NULL);
  for (int k = 0; k < 30; k++)
    g_string_append (name, "abcdefghi.");
  g_string_append (name, "example.com");
  char *s = g_string_free (g_steal_pointer (&name), FALSE);
  fct_spf_domain_truncate (s);
  g_assert_cmpuint (strlen (s), <=, 253);
  g_assert_true (g_str_has_suffix (s, "abcdefghi.example.com"));
  g_assert_true (g_str_has_prefix (s, "abcdefghi."));
  g_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spf/record/parse-table", test_parse_table);
  g_test_add_func ("/spf/record/fields", test_parse_fields);
  g_test_add_func ("/spf/record/is-spf1", test_is_spf1);
  g_test_add_func ("/spf/record/10k-record-is-refused", test_record_limit);
  g_test_add_func ("/spf/ip/parse", test_ip_parse);
  g_test_add_func ("/spf/macro/rfc7208-examples-ip4", test_macro_ip4);
  g_test_add_func ("/spf/macro/ip6", test_macro_ip6);
  g_test_add_func ("/spf/macro/bomb-is-capped", test_macro_bomb);
  g_test_add_func ("/spf/macro/truncate", test_truncate);
  return g_test_run ();
}
