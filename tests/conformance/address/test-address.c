/* facteur — address syntax conformance: every case of Dominic Sayers' is_email corpora
 * (tests.xml 3.05 and the older tests-original.xml 3.04, categories from meta.xml) and of
 * the isemail JavaScript corpus (skeggse-isemail/tests.json) is one named test asserting
 * the expected category and diagnosis. Data is read from FCT_CONFORMANCE_DIR, never
 * copied.
 *
 * DNS. is_email's diagnoses for an otherwise valid address depend on DNS (ISEMAIL_
 * DNSWARN_*, and RFC5321_TLD for a bare top-level domain without MX). The XML sets were
 * written against the live DNS of 2010-2016; here every such case is answered from
 * isemail-world.zone beside this file, which gives MX records to the domains the corpus
 * treats as existing, an address record without MX to test.com (the corpus' own comment
 * on test 167), and holds NONE of the domains of the ISEMAIL_DNSWARN cases, so those
 * get their DNS warning from a real NXDOMAIN, not from a skipped check. The JSON corpus
 * was produced without DNS (its harness disables the check), so it is run without DNS. */
#include <facteur/verify.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  char *name;
  char *address; /* may hold NUL bytes: see len */
  gsize len;
  char *category; /* ISEMAIL_* category, or NULL for the JSON corpus */
  char *diagnosis;
  gboolean dns;
  gboolean legacy; /* tests-original.xml (3.04), written before meta.xml 3.05 */
} Case;

static FctResolver *world;
/* meta.xml: diagnosis -> category (ISEMAIL_* names). */
static GHashTable *meta_category;

static void
case_free (gpointer data)
{
  Case *c = data;
  g_free (c->name);
  g_free (c->address);
  g_free (c->category);
  g_free (c->diagnosis);
  g_free (c);
}

static const char *
category_isemail (FctVerifyCategory category)
{
  switch (category)
    {
    case FCT_VERIFY_CATEGORY_VALID:
      return "ISEMAIL_VALID_CATEGORY";
    case FCT_VERIFY_CATEGORY_DNSWARN:
      return "ISEMAIL_DNSWARN";
    case FCT_VERIFY_CATEGORY_RFC5321:
      return "ISEMAIL_RFC5321";
    case FCT_VERIFY_CATEGORY_CFWS:
      return "ISEMAIL_CFWS";
    case FCT_VERIFY_CATEGORY_DEPRECATED:
      return "ISEMAIL_DEPREC";
    case FCT_VERIFY_CATEGORY_RFC5322:
      return "ISEMAIL_RFC5322";
    case FCT_VERIFY_CATEGORY_ERROR:
      return "ISEMAIL_ERR";
    }
  return "?";
}

/* The JSON corpus names diagnoses in camelCase; its prefix gives the category. */
static const struct
{
  const char *json;
  FctVerifyDiag diag;
} json_names[] = {
  { "valid", FCT_VERIFY_DIAG_VALID },
  { "rfc5321TLD", FCT_VERIFY_DIAG_RFC5321_TLD },
  { "rfc5321TLDNumeric", FCT_VERIFY_DIAG_RFC5321_TLD_NUMERIC },
  { "rfc5321QuotedString", FCT_VERIFY_DIAG_RFC5321_QUOTED_STRING },
  { "rfc5321AddressLiteral", FCT_VERIFY_DIAG_RFC5321_ADDRESS_LITERAL },
  { "deprecatedIPv6", FCT_VERIFY_DIAG_RFC5321_IPV6_DEPRECATED },
  { "cfwsComment", FCT_VERIFY_DIAG_CFWS_COMMENT },
  { "cfwsFWS", FCT_VERIFY_DIAG_CFWS_FWS },
  { "deprecatedLocalPart", FCT_VERIFY_DIAG_DEPREC_LOCAL_PART },
  { "deprecatedFWS", FCT_VERIFY_DIAG_DEPREC_FWS },
  { "deprecatedQTEXT", FCT_VERIFY_DIAG_DEPREC_QTEXT },
  { "deprecatedQP", FCT_VERIFY_DIAG_DEPREC_QP },
  { "deprecatedComment", FCT_VERIFY_DIAG_DEPREC_COMMENT },
  { "deprecatedCTEXT", FCT_VERIFY_DIAG_DEPREC_CTEXT },
  { "deprecatedCFWSNearAt", FCT_VERIFY_DIAG_DEPREC_CFWS_NEAR_AT },
  { "rfc5322Domain", FCT_VERIFY_DIAG_RFC5322_DOMAIN },
  { "rfc5322TooLong", FCT_VERIFY_DIAG_RFC5322_TOO_LONG },
  { "rfc5322LocalTooLong", FCT_VERIFY_DIAG_RFC5322_LOCAL_TOO_LONG },
  { "rfc5322DomainTooLong", FCT_VERIFY_DIAG_RFC5322_DOMAIN_TOO_LONG },
  { "rfc5322LabelTooLong", FCT_VERIFY_DIAG_RFC5322_LABEL_TOO_LONG },
  { "rfc5322DomainLiteral", FCT_VERIFY_DIAG_RFC5322_DOMAIN_LITERAL },
  { "rfc5322DomainLiteralOBSDText", FCT_VERIFY_DIAG_RFC5322_DOMLIT_OBSDTEXT },
  { "rfc5322IPv6GroupCount", FCT_VERIFY_DIAG_RFC5322_IPV6_GROUP_COUNT },
  { "rfc5322IPv62x2xColon", FCT_VERIFY_DIAG_RFC5322_IPV6_2X2X_COLON },
  { "rfc5322IPv6BadCharacter", FCT_VERIFY_DIAG_RFC5322_IPV6_BAD_CHAR },
  { "rfc5322IPv6MaxGroups", FCT_VERIFY_DIAG_RFC5322_IPV6_MAX_GROUPS },
  { "rfc5322IPv6ColonStart", FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_START },
  { "rfc5322IPv6ColonEnd", FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_END },
  { "errExpectingDTEXT", FCT_VERIFY_DIAG_ERR_EXPECTING_DTEXT },
  { "errNoLocalPart", FCT_VERIFY_DIAG_ERR_NO_LOCAL_PART },
  { "errNoDomain", FCT_VERIFY_DIAG_ERR_NO_DOMAIN },
  { "errConsecutiveDots", FCT_VERIFY_DIAG_ERR_CONSECUTIVE_DOTS },
  { "errATEXTAfterCFWS", FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_CFWS },
  { "errATEXTAfterQS", FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_QS },
  { "errATEXTAfterDomainLiteral", FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_DOMLIT },
  { "errExpectingQPair", FCT_VERIFY_DIAG_ERR_EXPECTING_QPAIR },
  { "errExpectingATEXT", FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT },
  { "errExpectingQTEXT", FCT_VERIFY_DIAG_ERR_EXPECTING_QTEXT },
  { "errExpectingCTEXT", FCT_VERIFY_DIAG_ERR_EXPECTING_CTEXT },
  { "errBackslashEnd", FCT_VERIFY_DIAG_ERR_BACKSLASH_END },
  { "errDotStart", FCT_VERIFY_DIAG_ERR_DOT_START },
  { "errDotEnd", FCT_VERIFY_DIAG_ERR_DOT_END },
  { "errDomainHyphenStart", FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_START },
  { "errDomainHyphenEnd", FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_END },
  { "errUnclosedQuotedString", FCT_VERIFY_DIAG_ERR_UNCLOSED_QUOTED_STRING },
  { "errUnclosedComment", FCT_VERIFY_DIAG_ERR_UNCLOSED_COMMENT },
  { "errUnclosedDomainLiteral", FCT_VERIFY_DIAG_ERR_UNCLOSED_DOMAIN_LITERAL },
  { "errFWSCRLFx2", FCT_VERIFY_DIAG_ERR_FWS_CRLF_X2 },
  { "errFWSCRLFEnd", FCT_VERIFY_DIAG_ERR_FWS_CRLF_END },
  { "errCRNoLF", FCT_VERIFY_DIAG_ERR_CR_NO_LF },
  { "errDotAfterDomainLiteral", FCT_VERIFY_DIAG_ERR_DOT_AFTER_DOMAIN_LITERAL },
  { "errMalformedUnicode", FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8 },
};

static gboolean
answer_has_records (FctResolver *resolver, const char *name, FctDnsType type)
{
  g_autoptr (FctDnsAnswer) answer = fct_resolver_query (resolver, name, type);
  return fct_dns_answer_has_records (answer);
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (FctVerifySyntax) s = fct_verify_syntax_parse (c->address, c->len);

  if (c->dns && s->domain_ascii != NULL)
    {
      gboolean mx = answer_has_records (world, s->domain_ascii, FCT_DNS_TYPE_MX);
      gboolean a = answer_has_records (world, s->domain_ascii, FCT_DNS_TYPE_A)
                   || answer_has_records (world, s->domain_ascii, FCT_DNS_TYPE_AAAA);
      fct_verify_syntax_apply_dns (s, mx, a);
    }

  if (c->category != NULL)
    {
      /* The category is meta.xml's for the expected diagnosis. The case's own
       * <category> must agree with meta.xml, except that tests-original.xml (3.04)
       * predates 3.05's move of RFC5321_IPV6DEPRECATED to the deprecated class. */
      const char *expected = g_hash_table_lookup (meta_category, c->diagnosis);
      g_assert_nonnull (expected);
      if (!c->legacy || !g_str_equal (c->diagnosis, "ISEMAIL_RFC5321_IPV6DEPRECATED"))
        g_assert_cmpstr (c->category, ==, expected);
      g_assert_cmpstr (category_isemail (s->category), ==, expected);
      g_assert_cmpstr (fct_verify_diag_to_isemail (s->diagnosis), ==, c->diagnosis);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (json_names); i++)
    if (g_str_equal (json_names[i].json, c->diagnosis))
      {
        g_assert_cmpstr (fct_verify_diag_to_string (s->diagnosis), ==,
                         fct_verify_diag_to_string (json_names[i].diag));
        return;
      }
  g_test_fail_printf ("unknown diagnosis name %s in the corpus", c->diagnosis);
}

/* tests.xml writes ASCII control characters as U+2400 + n (its header, note 1). */
static char *
unpicture (const char *text, gsize *len_out)
{
  GString *out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      if (u >= 0x2400 && u <= 0x241F)
        g_string_append_c (out, (char)(u - 0x2400));
      else
        g_string_append_unichar (out, u);
    }
  *len_out = out->len;
  return g_string_free (out, FALSE);
}

typedef struct
{
  GPtrArray *cases;
  GString *text;
  const char *element; /* the child of <test> being read */
  const char *prefix;  /* test path prefix */
  char *id, *address, *category, *diagnosis;
} XmlState;

static void
xml_start (GMarkupParseContext *context, const char *name, const char **attr_names,
           const char **attr_values, gpointer user_data, GError **error)
{
  XmlState *st = user_data;
  (void)context;
  (void)error;

  if (g_str_equal (name, "test"))
    {
      for (gsize i = 0; attr_names[i] != NULL; i++)
        if (g_str_equal (attr_names[i], "id"))
          st->id = g_strdup (attr_values[i]);
      g_clear_pointer (&st->address, g_free);
      st->address = g_strdup ("");
    }
  else if (g_str_equal (name, "address") || g_str_equal (name, "category")
           || g_str_equal (name, "diagnosis"))
    {
      st->element = g_intern_string (name);
      g_string_truncate (st->text, 0);
    }
}

static void
xml_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data,
          GError **error)
{
  XmlState *st = user_data;
  (void)context;
  (void)error;
  if (st->element != NULL)
    g_string_append_len (st->text, text, (gssize)len);
}

static void
xml_end (GMarkupParseContext *context, const char *name, gpointer user_data, GError **error)
{
  XmlState *st = user_data;
  (void)context;
  (void)error;

  if (st->element != NULL && g_str_equal (name, st->element))
    {
      char **slot = g_str_equal (name, "address")    ? &st->address
                    : g_str_equal (name, "category") ? &st->category
                                                     : &st->diagnosis;
      g_free (*slot);
      *slot = g_strdup (st->text->str);
      st->element = NULL;
    }
  else if (g_str_equal (name, "test"))
    {
      Case *c = g_new0 (Case, 1);
      c->name = g_strdup_printf ("%s/%s", st->prefix, st->id);
      c->address = unpicture (st->address, &c->len);
      c->category = g_steal_pointer (&st->category);
      c->diagnosis = g_steal_pointer (&st->diagnosis);
      c->dns = TRUE;
      c->legacy = strstr (st->prefix, "original") != NULL;
      g_ptr_array_add (st->cases, c);
      g_clear_pointer (&st->id, g_free);
      g_clear_pointer (&st->address, g_free);
    }
}

static void
load_xml (const char *path, const char *prefix, GPtrArray *cases)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  XmlState st = { .cases = cases, .text = g_string_new (NULL), .prefix = prefix };

  if (!g_file_get_contents (path, &text, &len, &error))
    g_error ("%s", error->message);
  g_autoptr (GMarkupParseContext) context
      = g_markup_parse_context_new (&parser, 0, &st, NULL);
  if (!g_markup_parse_context_parse (context, text, (gssize)len, &error)
      || !g_markup_parse_context_end_parse (context, &error))
    g_error ("%s: %s", path, error->message);
  g_string_free (st.text, TRUE);
  g_free (st.id);
  g_free (st.address);
  g_free (st.category);
  g_free (st.diagnosis);
}

typedef struct
{
  gboolean in_diagnoses;
  gboolean in_category;
  char *item;
  GString *text;
} MetaState;

static void
meta_start (GMarkupParseContext *context, const char *name, const char **attr_names,
            const char **attr_values, gpointer user_data, GError **error)
{
  MetaState *st = user_data;
  (void)context;
  (void)error;
  if (g_str_equal (name, "Diagnoses"))
    st->in_diagnoses = TRUE;
  else if (st->in_diagnoses && g_str_equal (name, "item"))
    for (gsize i = 0; attr_names[i] != NULL; i++)
      if (g_str_equal (attr_names[i], "id"))
        {
          g_free (st->item);
          st->item = g_strdup (attr_values[i]);
        }
  if (st->in_diagnoses && g_str_equal (name, "category"))
    {
      st->in_category = TRUE;
      g_string_truncate (st->text, 0);
    }
}

static void
meta_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data,
           GError **error)
{
  MetaState *st = user_data;
  (void)context;
  (void)error;
  if (st->in_category)
    g_string_append_len (st->text, text, (gssize)len);
}

static void
meta_end (GMarkupParseContext *context, const char *name, gpointer user_data,
          GError **error)
{
  MetaState *st = user_data;
  (void)context;
  (void)error;
  if (g_str_equal (name, "Diagnoses"))
    st->in_diagnoses = FALSE;
  else if (st->in_category && g_str_equal (name, "category") && st->item != NULL)
    {
      g_hash_table_insert (meta_category, g_strdup (st->item), g_strdup (st->text->str));
      st->in_category = FALSE;
    }
}

static void
load_meta (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  GMarkupParser parser = { meta_start, meta_end, meta_text, NULL, NULL };
  MetaState st = { .text = g_string_new (NULL) };

  if (!g_file_get_contents (path, &text, &len, &error))
    g_error ("%s", error->message);
  g_autoptr (GMarkupParseContext) context
      = g_markup_parse_context_new (&parser, 0, &st, NULL);
  if (!g_markup_parse_context_parse (context, text, (gssize)len, &error)
      || !g_markup_parse_context_end_parse (context, &error))
    g_error ("%s: %s", path, error->message);
  g_string_free (st.text, TRUE);
  g_free (st.item);
}

/* json-glib cannot return a string holding U+0000 (it is NUL-terminated) nor a lone
 * UTF-16 surrogate (it is not UTF-8), and the corpus has both: a NUL inside quotes,
 * and surrogates that isemail must call malformed. Before parsing, such escapes are
 * rewritten to private-use markers (U+E000 for NUL; U+E001 followed by the four hex
 * digits for a surrogate), and after it the markers become the bytes an address would
 * carry: 0x00, and the surrogate encoded in three bytes, which no UTF-8 decoder may
 * accept (RFC 3629 §3). */
static guint
hex4 (const char *p)
{
  guint v = 0;
  for (int k = 0; k < 4; k++)
    {
      if (!g_ascii_isxdigit (p[k]))
        return G_MAXUINT;
      v = v * 16 + (guint)g_ascii_xdigit_value (p[k]);
    }
  return v;
}

static char *
protect_escapes (const char *json)
{
  GString *out = g_string_new (NULL);
  gsize n = strlen (json);

  for (gsize i = 0; i < n; i++)
    {
      guint v;
      if (json[i] != '\\' || i + 1 >= n)
        {
          g_string_append_c (out, json[i]);
          continue;
        }
      if (json[i + 1] != 'u' || i + 6 > n || (v = hex4 (json + i + 2)) == G_MAXUINT)
        {
          g_string_append_len (out, json + i, 2);
          i++;
          continue;
        }
      gboolean high = v >= 0xD800 && v <= 0xDBFF;
      gboolean paired = high && i + 12 <= n && json[i + 6] == '\\' && json[i + 7] == 'u'
                        && hex4 (json + i + 8) >= 0xDC00 && hex4 (json + i + 8) <= 0xDFFF;
      if (v == 0)
        g_string_append (out, "\\ue000");
      else if (v >= 0xD800 && v <= 0xDFFF && !paired)
        g_string_append_printf (out, "\\ue001%04x", v);
      else if (paired)
        {
          g_string_append_len (out, json + i, 12);
          i += 6;
        }
      else
        g_string_append_len (out, json + i, 6);
      i += 5;
    }
  return g_string_free (out, FALSE);
}

static char *
unprotect (const char *s, gsize *len_out)
{
  GString *out = g_string_new (NULL);

  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      guint v;
      if (u == 0xE000)
        g_string_append_c (out, '\0');
      else if (u == 0xE001 && strlen (p) >= 7 && (v = hex4 (p + 3)) != G_MAXUINT)
        {
          g_string_append_c (out, (char)(0xE0 | (v >> 12)));
          g_string_append_c (out, (char)(0x80 | ((v >> 6) & 0x3F)));
          g_string_append_c (out, (char)(0x80 | (v & 0x3F)));
          p += 4; /* the four hex digits (ASCII); next_char skips the marker */
        }
      else
        g_string_append_unichar (out, u);
    }
  *len_out = out->len;
  return g_string_free (out, FALSE);
}

static void
load_json (const char *path, GPtrArray *cases)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  g_autofree char *safe = protect_escapes (text);
  if (!json_parser_load_from_data (parser, safe, -1, &error))
    g_error ("%s: %s", path, error->message);
  JsonArray *array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonArray *pair = json_array_get_array_element (array, i);
      Case *c = g_new0 (Case, 1);
      c->name = g_strdup_printf ("/address/skeggse/tests.json/%u", i);
      c->address = unprotect (json_array_get_string_element (pair, 0), &c->len);
      c->diagnosis = g_strdup (json_array_get_string_element (pair, 1));
      c->dns = FALSE;
      g_ptr_array_add (cases, c);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (case_free);
  g_autoptr (GError) error = NULL;
  const char *dir = g_getenv ("FCT_CONFORMANCE_DIR");

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions (); /* every case reports, not just the first failure */
  if (dir == NULL)
    g_error ("FCT_CONFORMANCE_DIR is not set (meson test sets it to tests/data)");
  g_autofree char *xml = g_build_filename (dir, "email-address", "tests.xml", NULL);
  g_autofree char *meta = g_build_filename (dir, "email-address", "meta.xml", NULL);
  g_autofree char *original
      = g_build_filename (dir, "email-address", "tests-original.xml", NULL);
  g_autofree char *json
      = g_build_filename (dir, "email-address", "skeggse-isemail", "tests.json", NULL);
  g_autofree char *zone = g_test_build_filename (G_TEST_DIST, "conformance", "address",
                                                 "isemail-world.zone", NULL);

  world = fct_resolver_new_zone_file (zone, NULL, &error);
  if (world == NULL)
    g_error ("%s", error->message);
  meta_category = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  load_meta (meta);
  /* meta.xml 3.05 lists 52 diagnoses, ISEMAIL_VALID to ISEMAIL_ERR_CR_NO_LF. */
  g_assert_cmpuint (g_hash_table_size (meta_category), ==, 52);
  load_xml (xml, "/address/isemail/tests.xml", cases);
  load_xml (original, "/address/isemail/tests-original.xml", cases);
  load_json (json, cases);
  /* Counts from SOURCE.md: a corpus read short must fail, not shrink the suite. */
  g_assert_cmpuint (cases->len, ==, 164 + 279 + 210);
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_test_add_data_func (c->name, c, run_case);
    }
  int status = g_test_run ();
  fct_resolver_unref (world);
  g_hash_table_unref (meta_category);
  return status;
}
