/* The DMARC author domain (RFC 9989 §5.3.1): one From field with one mailbox, in the
 * forms RFC 5322 §3.4 and RFC 6854 allow, U-labels to A-labels, and every way a From
 * field can fail to name a single domain. */
#include <facteur/dmarc.h>

#include <string.h>

static void
test_values (void)
{
  static const struct
  {
    const char *value;
    const char *domain; /* NULL: permerror */
  } cases[] = {
    { "sender@example.com", "example.com" },
    { "Sender <sender@Example.COM>", "example.com" },
    { "\"Doe, John\" <john@mail.example.com>", "mail.example.com" },
    { "John (the boss) Doe <john@example.com> (comment (nested))", "example.com" },
    { "john.doe@example.com", "example.com" },
    { "\"quoted local\"@example.com", "example.com" },
    { "=?utf-8?q?J=C3=B6rg?= <j@example.org>", "example.org" },
    { "Mr. J. Doe <j@example.org>", "example.org" }, /* obs-phrase */
    { "<sender@example.com>", "example.com" },
    { "sender@example.com,", "example.com" },    /* obs-mbox-list */
    { "Team: one@example.net;", "example.net" }, /* RFC 6854 group */
    { "Team: , one@example.net, ;", "example.net" },
    { "jörg@bücher.example", "xn--bcher-kva.example" }, /* RFC 6532 + A-label */
    { "a@EXAMPLE.com.", NULL },                         /* trailing dot */
    { "a@example.com, b@example.net", NULL },           /* two domains */
    /* Several authors of one domain are one author domain (RFC 9989 §5.3.1). */
    { "a@x.example, b@x.example", "x.example" },
    { "Alice <a@X.example>, \"Bob, Jr\" <b@x.EXAMPLE>", "x.example" },
    { "Team: a@x.example, b@x.example;", "x.example" },
    { "a@bücher.example, b@xn--bcher-kva.example", "xn--bcher-kva.example" },
    { "a@x.example, b@sub.x.example", NULL }, /* a subdomain is another domain */
    { "a@x.example, b@[192.0.2.1]", NULL },
    { "a@x.example, b@x.example, c@y.example", NULL },
    { "Team: a@example.com, b@example.net;", NULL },
    { "Team: ;", NULL },
    { "", NULL },
    { "   ", NULL },
    { "undisclosed", NULL },
    { "John Doe john@example.com", NULL },
    { "Foo Bar@example.com", NULL },
    { "<sender@example.com", NULL },
    { "<@route.example:sender@example.com>", NULL },
    { "sender@[192.0.2.1]", NULL },
    { "sender@exa_mple.com", NULL },
    { "sender@-example.com", NULL },
    { "sender@example..com", NULL },
    { "sender@", NULL },
    { "(unclosed <a@example.com>", NULL },
    { "\"unclosed <a@example.com>", NULL },
    { "a@example.com <b@example.net>", NULL },
    { "Name <a@example.com> <b@example.net>", NULL },
    { "a@example.com; b@example.net", NULL },
    { "Outer: Inner: a@example.com;;", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reason = NULL;
      g_autofree char *domain = fct_dmarc_author_domain_from_value (
          cases[i].value, strlen (cases[i].value), &reason);
      if (g_strcmp0 (domain, cases[i].domain) != 0)
        g_error ("“%s”: got %s (%s), expected %s", cases[i].value,
                 domain != NULL ? domain : "NULL", reason != NULL ? reason : "-",
                 cases[i].domain != NULL ? cases[i].domain : "NULL");
      /* A permerror always says why. */
      g_assert_true ((domain == NULL) == (reason != NULL));
    }
}

static void
test_label_limits (void)
{
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autofree char *ok = g_strdup_printf ("x@%s.example", label63);
  g_autofree char *bad = g_strdup_printf ("x@%s.example", label64);
  g_autofree char *reason = NULL;
  g_autofree char *d1 = fct_dmarc_author_domain_from_value (ok, strlen (ok), &reason);
  g_autofree char *d2 = NULL;

  g_assert_nonnull (d1);
  d2 = fct_dmarc_author_domain_from_value (bad, strlen (bad), &reason);
  g_assert_null (d2);
  g_assert_nonnull (reason);
}

/* Values a forger would try: bytes after a NUL that a C-string reader would not see, a
 * display name that spells an address, encoded words, a group then a second address,
 * bytes that are not UTF-8, invisible joiners, and a Unicode full stop (mapped to "."
 * by UTS #46, so the domain evaluated is the one shown). */
static void
test_hostile (void)
{
  static const struct
  {
    const char *value;
    gsize len;
    const char *domain; /* NULL: permerror */
  } cases[] = {
    { "a@example.com\0@evil.example", 27, NULL },
    { "a@evil.example\0, b@example.com", 30, NULL },
    { "(x\0) a@example.com", 18, NULL },
    { "\"ceo@bank.example <ceo@bank.example>\" <x@evil.example>", 0, "evil.example" },
    { "ceo@bank.example (<x@evil.example>)", 0, "bank.example" },
    { "=?utf-8?b?Y2VvQGJhbmsuZXhhbXBsZQ==?=", 0, NULL },
    { "x@=?utf-8?q?bank.example?=", 0, NULL },
    { "G: ceo@bank.example; x@evil.example", 0, NULL },
    { "x@evil.example\r\n From: ceo@bank.example", 0, NULL },
    { "x@b\xfcnk.example", 0, NULL },          /* Latin-1, not UTF-8 */
    { "x@ba\xe2\x80\x8dnk.example", 0, NULL }, /* U+200D between letters */
    { "x@bank\xe3\x80\x82"
      "example",
      0, "bank.example" }, /* U+3002 */
    { "x@BANK.Example", 0, "bank.example" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = cases[i].len != 0 ? cases[i].len : strlen (cases[i].value);
      g_autofree char *reason = NULL;
      g_autofree char *domain
          = fct_dmarc_author_domain_from_value (cases[i].value, len, &reason);
      if (g_strcmp0 (domain, cases[i].domain) != 0)
        g_error ("case %zu: got %s (%s), expected %s", i, domain != NULL ? domain : "NULL",
                 reason != NULL ? reason : "-",
                 cases[i].domain != NULL ? cases[i].domain : "NULL");
    }
}

static FctMsg *
message (const char *text)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  FctMsg *msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  return msg;
}

static void
test_fields (void)
{
  g_autoptr (FctMsg) one = message ("From: A <a@example.com>\r\nTo: b@example.org\r\n\r\n");
  g_autoptr (FctMsg) two = message ("From: a@example.com\r\nFrom: b@evil.example\r\n\r\n");
  g_autoptr (FctMsg) none = message ("To: b@example.org\r\nSubject: x\r\n\r\n");
  g_autoptr (FctMsg) folded
      = message ("From: \"A very long display name\"\r\n <a@example.com>\r\n\r\n");
  g_autofree char *reason = NULL;
  g_autofree char *d = NULL;

  d = fct_dmarc_author_domain (one, &reason);
  g_assert_cmpstr (d, ==, "example.com");
  g_assert_null (reason);
  g_clear_pointer (&d, g_free);
  d = fct_dmarc_author_domain (two, &reason);
  g_assert_null (d);
  g_assert_nonnull (strstr (reason, "2 From fields"));
  g_clear_pointer (&reason, g_free);
  d = fct_dmarc_author_domain (none, &reason);
  g_assert_null (d);
  g_assert_nonnull (strstr (reason, "no From field"));
  g_clear_pointer (&reason, g_free);
  d = fct_dmarc_author_domain (folded, &reason);
  g_assert_cmpstr (d, ==, "example.com");
  g_clear_pointer (&d, g_free);

  /* A second From in another case or with white space before the colon (RFC 5322
   * §4.5 obs-from) is still a From field. */
  g_autoptr (FctMsg) spaced
      = message ("FROM: a@example.com\r\nfrom\t: b@evil.example\r\n\r\n");
  d = fct_dmarc_author_domain (spaced, &reason);
  g_assert_null (d);
  g_assert_nonnull (strstr (reason, "2 From fields"));
}

/* A From over the field limit (header_field_max_bytes) is still the From: its value
 * is left empty by the parser, but its author domain is read, whether the padding comes
 * after the address or before it. An empty author domain made a spoof of a p=reject
 * domain a permerror, and the reject never applied. */
static void
test_over_limit (void)
{
  for (guint before = 0; before < 2; before++)
    {
      g_autoptr (GString) text = g_string_new ("From: Banque ");
      if (before)
        for (guint i = 0; i < 2000; i++)
          g_string_append (text, "\r\n (padding padding padding padding)");
      g_string_append (text, "<securite@bank.example>");
      if (!before)
        for (guint i = 0; i < 2000; i++)
          g_string_append (text, "\r\n (padding padding padding padding)");
      g_string_append (text, "\r\nTo: b@example.org\r\n\r\nbody\r\n");
      g_assert_cmpuint (text->len, >, fct_limits_default ()->header_field_max_bytes);
      g_autoptr (FctMsg) msg = message (text->str);
      g_autofree char *reason = NULL;
      g_autofree char *d = fct_dmarc_author_domain (msg, &reason);
      g_assert_cmpstr (d, ==, "bank.example");
      g_assert_null (reason);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dmarc/author/values", test_values);
  g_test_add_func ("/dmarc/author/label-limits", test_label_limits);
  g_test_add_func ("/dmarc/author/fields", test_fields);
  g_test_add_func ("/dmarc/author/hostile", test_hostile);
  g_test_add_func ("/dmarc/author/over-limit", test_over_limit);
  return g_test_run ();
}
