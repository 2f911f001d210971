/* facteur — tests of the MIME bridge: leaf classification, decoding, charsets, HTML
 * visible text and links, plain-text URLs, anomalies, and hostile structures generated
 * in memory (10,000 parts, 100 levels, a 64 MB attachment, 100,000 links). */
#include <facteur/mime.h>

#include <string.h>

static FctMime *
parse_limits (const char *text, gsize len, const FctLimits *limits)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  FctLimits big;
  g_autoptr (FctMsg) msg = NULL;
  FctMime *mime;

  fct_limits_init (&big);
  big.message_max_bytes = 128 * 1024 * 1024;
  msg = fct_msg_new_from_bytes (bytes, &big, &error);
  g_assert_no_error (error);
  mime = fct_mime_new (msg, limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mime);
  return mime;
}

static FctMime *
parse (const char *text)
{
  return parse_limits (text, strlen (text), NULL);
}

static void
test_single_text (void)
{
  g_autoptr (FctMime) mime = parse ("From: a@example.com\r\nSubject: hi\r\n\r\n"
                                    "Hello, see https://example.com/x. Bye\r\n");
  const FctMimePart *part;
  gsize len = 0;

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 1);
  part = fct_mime_get_part (mime, 0);
  g_assert_cmpint (part->kind, ==, FCT_MIME_PART_TEXT);
  g_assert_cmpstr (part->content_type, ==, "text/plain");
  g_assert_cmpuint (part->depth, ==, 0);
  g_assert_nonnull (strstr (fct_mime_part_get_text (mime, 0, &len), "Hello"));
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
  g_assert_null (fct_mime_get_anomaly_evidence (mime));
  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 1);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "https://example.com/x");
  g_assert_cmpint (fct_mime_get_link (mime, 0)->source, ==, FCT_MIME_LINK_TEXT);
}

static void
test_text_links (void)
{
  g_autoptr (FctMime) mime = parse (
      "From: a@example.com\r\n\r\n"
      "(www.example.org) <http://a.example/p?q=1> xhttp://no.example ftp://f.example, "
      "mailto:x@example.com\r\n");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 3);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "www.example.org");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->href, ==, "http://a.example/p?q=1");
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->href, ==, "ftp://f.example");
}

/* The prefix must start a word; each of its letters in either case. */
static void
test_text_links_prefixes (void)
{
  g_autoptr (FctMime) mime = parse ("From: a@example.com\r\n\r\n"
                                    "see www.example.org/a, Http://B.example and "
                                    "thewww.no.example hftp://no.example WWW.C.example "
                                    "FTP://d.example/x. wh");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 4);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "www.example.org/a");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->href, ==, "Http://B.example");
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->href, ==, "WWW.C.example");
  g_assert_cmpstr (fct_mime_get_link (mime, 3)->href, ==, "FTP://d.example/x");
}

/* The top header as mail writes it around its MIME fields: trace and address fields,
 * folded fields, a Content-Type folded over lines, in lower case, a field that only
 * ends with Content-Type, and a bare CR inside a field (one line for GMime). */
static void
test_top_header_fields (void)
{
  g_autoptr (FctMime) mime = parse (
      "Received: from mx.example (mx.example [192.0.2.1])\r\n\tby mail.example; Mon, 1 "
      "Jan 2024 00:00:00 +0000\r\n"
      "From: \"Factures\" <f@example.com>\r\nTo: a@example.org,\r\n b@example.org\r\n"
      "X-Content-Type: text/html\r\nX-Note: a\rContent-Type: text/html\r\n"
      "mime-version: 1.0\r\ncontent-type: multipart/mixed;\r\n boundary=\"b1\"\r\n"
      "Subject: =?utf-8?q?Facture_=C3=A9t=C3=A9?=\r\n\r\n"
      "--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf\xe9\r\n"
      "--b1\r\nContent-Type: application/pdf; name=f.pdf\r\n"
      "Content-Disposition: attachment\r\n\r\n%PDF-1.4\r\n--b1--\r\n");
  g_autoptr (FctMime) plain = parse ("From: a@example.com\r\nSubject: hi\r\n\r\n"
                                     "<p>not html</p>\r\n");

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 2);
  g_assert_cmpstr (fct_mime_get_part (mime, 0)->content_type, ==, "text/plain");
  g_assert_cmpstr (fct_mime_get_part (mime, 0)->charset, ==, "iso-8859-1");
  g_assert_cmpuint (fct_mime_get_part (mime, 0)->depth, ==, 1);
  g_assert_cmpstr (fct_mime_part_get_text (mime, 0, NULL), ==, "Caf\xc3\xa9");
  g_assert_cmpint (fct_mime_get_part (mime, 1)->kind, ==, FCT_MIME_PART_ATTACHMENT);
  g_assert_cmpstr (fct_mime_get_part (mime, 1)->filename, ==, "f.pdf");
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
  g_assert_cmpuint (fct_mime_get_part_count (plain), ==, 1);
  g_assert_cmpint (fct_mime_get_part (plain, 0)->kind, ==, FCT_MIME_PART_TEXT);
  g_assert_cmpuint (fct_mime_get_link_count (plain), ==, 0);
}

/* Found by fuzz-mime under UBSan: an empty text part has a decoded array without data,
 * which the UTF-8 check must not offset (tests/fuzz/corpus/mime/empty-text-part.eml). */
static void
test_empty_text_part (void)
{
  g_autoptr (FctMime) mime = parse ("From: a@example.com\r\n"
                                    "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  gsize len = 1;

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 1);
  g_assert_cmpstr (fct_mime_part_get_text (mime, 0, &len), ==, "");
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
}

/* Declared UTF-8: a long ASCII run then a NUL or a bad byte still becomes U+FFFD; valid
 * text comes through unchanged. */
static void
test_utf8_after_ascii_run (void)
{
  static const char bad[]
      = "From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\n0123456789abcdef\x00xyz\xe9!\r\n";
  static const char good[]
      = "From: a@example.com\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "\r\n0123456789abcdef\xc3\xa9t\xc3\xa9\r\n";
  g_autoptr (FctMime) mime = parse_limits (bad, sizeof bad - 1, NULL);
  g_autoptr (FctMime) valid = parse_limits (good, sizeof good - 1, NULL);
  gsize len = 0;

  g_assert_cmpstr (fct_mime_part_get_text (mime, 0, &len), ==,
                   "0123456789abcdef\xef\xbf\xbdxyz\xef\xbf\xbd!\r\n");
  g_assert_cmpuint (len, ==, strlen (fct_mime_part_get_text (mime, 0, NULL)));
  g_assert_true (fct_mime_get_anomalies (mime) & FCT_MIME_ANOMALY_BAD_CHARSET);
  g_assert_cmpstr (fct_mime_part_get_text (valid, 0, &len), ==,
                   "0123456789abcdef\xc3\xa9t\xc3\xa9\r\n");
  g_assert_cmpuint (len, ==, 23);
  g_assert_cmpuint (fct_mime_get_anomalies (valid), ==, FCT_MIME_ANOMALY_NONE);
}

static const char alternative[]
    = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Caf=E9 cr=E8me\r\n"
      "--b1\r\nContent-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "%s\r\n"
      "--b1--\r\n";

static void
test_alternative_html (void)
{
  const char *html
      = "<html><head><title>T</title><style>p{}</style></head><body>"
        "<p>Bonjour&nbsp;<a href=\" https://www.example.com/a \">Cliquez <b>ici</b></a></p>"
        "<script>var x = 1;</script>"
        "<a href=\"https://img.example.net/\"><img src=\"cid:x\" alt=\"logo\"></a>"
        "<map><area href=\"http://area.example/\" alt=\"zone\"></map>"
        "<form action=\"https://form.example/post\"></form>"
        "<table background=\"bg.png\"><tr><td>a</td><td>b</td></tr></table>"
        "</body></html>";
  g_autofree char *b64 = g_base64_encode ((const guchar *)html, strlen (html));
  g_autofree char *text = g_strdup_printf (alternative, b64);
  g_autoptr (FctMime) mime = parse (text);
  const char *visible;

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 2);
  g_assert_cmpint (fct_mime_get_part (mime, 0)->kind, ==, FCT_MIME_PART_TEXT);
  g_assert_cmpuint (fct_mime_get_part (mime, 0)->depth, ==, 1);
  g_assert_cmpstr (fct_mime_get_part (mime, 0)->charset, ==, "iso-8859-1");
  g_assert_cmpstr (fct_mime_part_get_text (mime, 0, NULL), ==, "Caf\xc3\xa9 cr\xc3\xa8me");
  g_assert_cmpint (fct_mime_get_part (mime, 1)->kind, ==, FCT_MIME_PART_HTML);

  visible = fct_mime_part_get_text (mime, 1, NULL);
  g_assert_nonnull (strstr (visible, "Bonjour\xc2\xa0"));
  g_assert_nonnull (strstr (visible, "Cliquez ici"));
  g_assert_null (strstr (visible, "var x"));
  g_assert_null (strstr (visible, "p{}"));
  g_assert_null (strstr (visible, "T\n"));
  g_assert_nonnull (strstr (visible, "a b"));
  g_assert_cmpuint (fct_mime_part_get_image_count (mime, 1), ==, 2);

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 4);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "https://www.example.com/a");
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->text, ==, "Cliquez ici");
  g_assert_cmpuint (fct_mime_get_link (mime, 0)->part, ==, 1);
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->text, ==, "");
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->href, ==, "http://area.example/");
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->text, ==, "zone");
  g_assert_cmpint (fct_mime_get_link (mime, 3)->source, ==, FCT_MIME_LINK_HTML_FORM);
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
}

/* An image map inside a link: the area keeps the anchor's target as outer_href, the map
 * beside a link does not, and the anchor itself is still reported. */
static void
test_area_inside_anchor (void)
{
  g_autoptr (FctMime) mime
      = parse ("From: a@example.com\r\nContent-Type: text/html\r\n\r\n"
               "<a href=\" https://www.bank.example/a \"><map name=m>"
               "<area href=\"http://198.51.100.7:87/st/\"></map>"
               "<img src=\"cid:x\" usemap=\"#m\"></a>"
               "<map name=n><area href=\"https://shop.example/b\"></map>"
               "<img src=\"cid:y\" usemap=\"#n\">");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 3);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "http://198.51.100.7:87/st/");
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->outer_href, ==,
                   "https://www.bank.example/a");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->href, ==, "https://www.bank.example/a");
  g_assert_null (fct_mime_get_link (mime, 1)->outer_href);
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->href, ==, "https://shop.example/b");
  g_assert_null (fct_mime_get_link (mime, 2)->outer_href);
}

static void
test_attachment (void)
{
  g_autoptr (FctMime) mime = parse (
      "From: a@example.com\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--b\r\nContent-Type: application/octet-stream; name=\"=?utf-8?q?f=C3=A9.pdf?=\"\r\n"
      "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "JVBERi0xLjQK\r\n"
      "--b--\r\n");
  const FctMimePart *part;
  g_autoptr (GBytes) content = NULL;
  g_autoptr (GBytes) head = NULL;
  gboolean truncated = TRUE;

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 2);
  part = fct_mime_get_part (mime, 1);
  g_assert_cmpint (part->kind, ==, FCT_MIME_PART_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "r\xc3\xa9sum\xc3\xa9.pdf");
  g_assert_false (part->inline_disposition);
  g_assert_null (fct_mime_part_get_text (mime, 1, NULL));
  content = fct_mime_part_get_content (mime, 1, 0, &truncated);
  g_assert_false (truncated);
  g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content),
                   "%PDF-1.4\n", 9);
  head = fct_mime_part_get_content (mime, 1, 4, &truncated);
  g_assert_true (truncated);
  g_assert_cmpuint (g_bytes_get_size (head), ==, 4);
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
}

typedef struct
{
  const char *name;
  const char *message;
  FctMimeAnomalies expected;
} AnomalyCase;

static const AnomalyCase anomaly_cases[] = {
  { "no-boundary",
    "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
    "--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n",
    FCT_MIME_ANOMALY_NO_BOUNDARY },
  { "boundary-not-found",
    "From: a@example.com\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=zzz\r\n\r\nno parts here\r\n",
    FCT_MIME_ANOMALY_BOUNDARY_NOT_FOUND },
  { "truncated",
    "From: a@example.com\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: "
    "text/plain\r\n\r\ncut",
    FCT_MIME_ANOMALY_TRUNCATED },
  { "bad-base64",
    "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8*#!$\r\n",
    FCT_MIME_ANOMALY_BAD_ENCODING },
  { "unknown-cte",
    "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
    "Content-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n",
    FCT_MIME_ANOMALY_BAD_ENCODING },
  { "bad-charset",
    "From: a@example.com\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello \xe9\r\n",
    FCT_MIME_ANOMALY_BAD_CHARSET },
  { "not-mime",
    "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n",
    FCT_MIME_ANOMALY_NOT_MIME },
  { "clean-multipart",
    "From: a@example.com\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "aGVsbG8=\r\n--b--\r\n",
    FCT_MIME_ANOMALY_NONE },
};

static void
test_anomaly (gconstpointer data)
{
  const AnomalyCase *c = data;
  g_autoptr (FctMime) mime = parse (c->message);

  if (c->expected == FCT_MIME_ANOMALY_NONE)
    {
      g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
    }
  else
    {
      g_assert_cmpuint (fct_mime_get_anomalies (mime) & c->expected, ==, c->expected);
      g_assert_nonnull (fct_mime_get_anomaly_evidence (mime));
    }
}

static void
test_undeclared_8bit (void)
{
  g_autoptr (FctMime) mime = parse ("From: a@example.com\r\n\r\nCaf\xe9\r\n");

  /* Undeclared 8-bit text is read as Windows-1252 and is not an anomaly. */
  g_assert_cmpstr (fct_mime_part_get_text (mime, 0, NULL), ==, "Caf\xc3\xa9\r\n");
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
}

/* Found by fuzz-mime: a NUL in undeclared 8-bit text went through the Windows-1252
 * conversion and cut the text short for every C string reader. */
static void
test_nul_in_text (void)
{
  static const char text[] = "From: a@example.com\r\nContent-Type: text/plain\r\n\r\n"
                             "S\x01\x00`\xc0 nouveau RIB\r\n";
  g_autoptr (FctMime) mime = parse_limits (text, sizeof text - 1, NULL);
  gsize len = 0;
  const char *decoded = fct_mime_part_get_text (mime, 0, &len);

  g_assert_true (g_utf8_validate_len (decoded, len, NULL));
  g_assert_cmpuint (strlen (decoded), ==, len);
  g_assert_nonnull (strstr (decoded, "nouveau RIB"));
}

/* A NUL inside a header field does not stop the parse. */
static void
test_nul_in_header (void)
{
  static const char text[]
      = "From: a@example.com\r\nContent-Type: text/plain; charset=utf-\x01"
        "\x00\x00\xb4\r\n\r\nBonjour\r\n";
  g_autoptr (FctMime) mime = parse_limits (text, sizeof text - 1, NULL);

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 1);
  g_assert_nonnull (strstr (fct_mime_part_get_text (mime, 0, NULL), "Bonjour"));
}

/* Found by fuzz-mime: a header ended by a line that is no field (no empty line). */
static void
test_header_ended_by_text (void)
{
  g_autoptr (FctMime) mime
      = parse ("From: a@example.com\r\nContent-Type: text/plain\r\nBonjour, voici\r\n");

  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 1);
  g_assert_nonnull (strstr (fct_mime_part_get_text (mime, 0, NULL), "Bonjour, voici"));
}

/* Found by fuzz-mime: glibc's iconv lets a 4-byte sequence above U+10FFFF through, and
 * a NUL after an invalid byte in declared UTF-8 cut the text. */
static void
test_invalid_utf8_kept_valid (void)
{
  static const char text[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                             "a\xf5\xa9\x90\x96"
                             "b\xff\x00"
                             "c nouveau RIB\r\n";
  g_autoptr (FctMime) mime = parse_limits (text, sizeof text - 1, NULL);
  gsize len = 0;
  const char *decoded = fct_mime_part_get_text (mime, 0, &len);

  g_assert_true (g_utf8_validate_len (decoded, len, NULL));
  g_assert_nonnull (strstr (decoded, "c nouveau RIB"));
  g_assert_true (fct_mime_get_anomalies (mime) & FCT_MIME_ANOMALY_BAD_CHARSET);
}

static void
test_many_parts (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
  g_autoptr (FctMime) mime = NULL;

  for (int i = 0; i < 10000; i++)
    g_string_append (s, "--b\r\nContent-Type: text/plain\r\n\r\npart\r\n");
  g_string_append (s, "--b--\r\n");
  mime = parse_limits (s->str, s->len, NULL);
  g_assert_cmpuint (fct_mime_get_part_count (mime), ==,
                    fct_limits_default ()->mime_parts_max);
  g_assert_true (fct_mime_get_anomalies (mime) & FCT_MIME_ANOMALY_PARTS_LIMIT);
  g_string_free (s, TRUE);
}

static void
test_deep_nesting (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n");
  g_autoptr (FctMime) mime = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append_printf (
        s, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i);
  g_string_append (s, "Content-Type: text/plain\r\n\r\ndeep\r\n");
  for (int i = 99; i >= 0; i--)
    g_string_append_printf (s, "--b%d--\r\n", i);
  mime = parse_limits (s->str, s->len, NULL);
  g_assert_true (fct_mime_get_anomalies (mime) & FCT_MIME_ANOMALY_DEPTH_LIMIT);
  g_string_free (s, TRUE);
}

static void
test_shallow_nesting_in_limit (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n");
  g_autoptr (FctMime) mime = NULL;

  for (int i = 0; i < 5; i++)
    g_string_append_printf (
        s, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i);
  g_string_append (s, "Content-Type: text/plain\r\n\r\ndeep\r\n");
  for (int i = 4; i >= 0; i--)
    g_string_append_printf (s, "--b%d--\r\n", i);
  mime = parse_limits (s->str, s->len, NULL);
  g_assert_cmpuint (fct_mime_get_anomalies (mime), ==, FCT_MIME_ANOMALY_NONE);
  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 1);
  g_assert_cmpuint (fct_mime_get_part (mime, 0)->depth, ==, 5);
}

static void
test_large_attachment (void)
{
  const gsize raw_size = 48 * 1024 * 1024; /* 64 MB once in base64 */
  GString *s
      = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                      "--b\r\nContent-Type: text/plain\r\n\r\nbig\r\n"
                      "--b\r\nContent-Type: application/octet-stream; name=big.bin\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n");
  const char *line
      = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n";
  gsize per_line = 51; /* bytes decoded from one 68-character line */
  g_autoptr (FctMime) mime = NULL;
  g_autoptr (GBytes) head = NULL;
  gboolean truncated = FALSE;

  for (gsize n = 0; n < raw_size; n += per_line)
    g_string_append (s, line);
  g_string_append (s, "--b--\r\n");
  mime = parse_limits (s->str, s->len, NULL);
  g_string_free (s, TRUE);
  g_assert_cmpuint (fct_mime_get_part_count (mime), ==, 2);
  g_assert_cmpuint (fct_mime_get_part (mime, 1)->encoded_size, >, 60 * 1024 * 1024);
  head = fct_mime_part_get_content (mime, 1, 16, &truncated);
  g_assert_true (truncated);
  g_assert_cmpmem (g_bytes_get_data (head, NULL), 16, "AAAAAAAAAAAAAAAA", 16);
}

static void
test_many_links (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: text/html\r\n\r\n<html><body>");
  g_autoptr (FctMime) mime = NULL;

  while (s->len < 1024 * 1024)
    g_string_append (s, "<a href=\"http://x.example/\">x</a>\r\n");
  g_string_append (s, "</body></html>\r\n");
  mime = parse_limits (s->str, s->len, NULL);
  g_string_free (s, TRUE);
  g_assert_cmpuint (fct_mime_get_link_count (mime), ==,
                    fct_limits_default ()->mime_links_max);
  g_assert_true (fct_mime_get_anomalies (mime) & FCT_MIME_ANOMALY_LINKS_LIMIT);
}

static void
test_deep_html (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: text/html\r\n\r\n");
  g_autoptr (FctMime) mime = NULL;

  /* 200,000 nested elements: linear time, no recursion. */
  for (int i = 0; i < 200000; i++)
    g_string_append (s, "<div>");
  g_string_append (s, "<a href=\"https://deep.example/\">deep</a>\r\n");
  mime = parse_limits (s->str, s->len, NULL);
  g_string_free (s, TRUE);
  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 1);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->text, ==, "deep");
}

static void
test_text_limit (void)
{
  FctLimits limits;
  GString *s = g_string_new ("From: a@example.com\r\n\r\n");
  g_autoptr (FctMime) mime = NULL;
  gsize len = 0;

  fct_limits_init (&limits);
  limits.mime_text_max_bytes = 1000;
  for (int i = 0; i < 100; i++)
    g_string_append (s, "0123456789012345678901234567890123456789\r\n");
  mime = parse_limits (s->str, s->len, &limits);
  g_string_free (s, TRUE);
  fct_mime_part_get_text (mime, 0, &len);
  g_assert_cmpuint (len, ==, 1000);
  g_assert_true (fct_mime_get_anomalies (mime) & FCT_MIME_ANOMALY_TEXT_LIMIT);
}

static void
test_garbage (void)
{
  GRand *rand = g_rand_new_with_seed (42);

  for (int round = 0; round < 50; round++)
    {
      gsize len = 64 + g_rand_int_range (rand, 0, 8192);
      g_autofree char *buf = g_malloc (len + 32);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (FctMsg) msg = NULL;
      g_autoptr (FctMime) mime = NULL;
      g_autoptr (GError) error = NULL;

      memcpy (buf, "X: y\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n", 52);
      for (gsize i = 52; i < len; i++)
        buf[i] = (char)g_rand_int_range (rand, 0, 256);
      bytes = g_bytes_new (buf, len);
      msg = fct_msg_new_from_bytes (bytes, NULL, &error);
      if (msg == NULL)
        continue;
      mime = fct_mime_new (msg, NULL, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
        {
          gsize tlen = 0;
          const char *t = fct_mime_part_get_text (mime, i, &tlen);
          if (t != NULL)
            g_assert_true (g_utf8_validate_len (t, tlen, NULL));
        }
    }
  g_rand_free (rand);
}

/* One text/html part: its visible text and links. */
static FctMime *
parse_html (const char *html)
{
  g_autofree char *text
      = g_strdup_printf ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: text/html; charset=utf-8\r\n\r\n%s\r\n",
                         html);
  return parse (text);
}

typedef struct
{
  const char *html;
  const char *visible; /* the whole visible text */
} TextCase;

/* Character references from every corner of the WHATWG table, the numeric rules of
 * §13.2.5.80, and text that CSS hides from the reader. */
static const TextCase text_cases[] = {
  { "a&nbsp;b", "a\xc2\xa0"
                "b" },
  { "&NoBreak;&ZeroWidthSpace;&zwnj;", "\xe2\x81\xa0\xe2\x80\x8b\xe2\x80\x8c" },
  { "&CounterClockwiseContourIntegral;", "\xe2\x88\xb3" },
  { "&AMP &amp; &lt;&gt;", "& & <>" },
  { "&notit; &notin;", "\xc2\xacit; \xe2\x88\x89" },
  { "&Eacute;t&eacute; &laquo;&nbsp;x&nbsp;&raquo; &hellip;",
    "\xc3\x89t\xc3\xa9 \xc2\xab\xc2\xa0x\xc2\xa0\xc2\xbb \xe2\x80\xa6" },
  { "&nosuchname; &", "&nosuchname; &" },
  { "&#x80;&#150;&#0;&#xD800;&#x110000;&#65;&#x42", "\xe2\x82\xac\xe2\x80\x93\xef\xbf\xbd"
                                                    "\xef\xbf\xbd\xef\xbf\xbd"
                                                    "AB" },
  { "&ngE;", "\xe2\x89\xa7\xcc\xb8" },
  { "shown<span style=\"display:none\">hidden</span> text", "shown text" },
  { "a<div style=\"DISPLAY : NONE !important\">b<div>c</div>d</div>e", "ae" },
  { "a<span style=\"visibility:hidden\">b</span>c", "ac" },
  { "a<span style=\"font-size:0px\">b</span>c<span style=\"font-size:0.5em\">d</span>",
    "acd" },
  { "a<span style=\"color:#FFFFFF\">b</span>c", "ac" },
  { "a<font color=\"white\">b</font>c", "ac" },
  { "<td bgcolor=\"#0072c6\"><a href=\"x\" style=\"color:#ffffff\">Pay</a></td>", "Pay" },
  { "<td style=\"background:#ffffff\"><span style=\"color:#fff\">x</span>y</td>", "y" },
  { "<div style=\"max-height:0;overflow:hidden\">pre</div>body", "body" },
  { "<p hidden>a</p><p>b</p>", "b" },
  { "<p style=\"display:none\">a<p>b", "b" },
  { "<span style=\"display:none\"/>a</span>b", "b" },
  { "<span style=\"display:none\">a</b></span>b</span>", "b" },
  { "<span style=\"color:red\"><span style=\"color:#fff\">a<span style=\"color:#000\">b"
    "</span></span></span>",
    "b" },
  /* White space folds across runs of text, references and tags. */
  { "  a \t\r\n b  &amp;  c\f", "a b & c" },
  { "word<b>bold</b> \n<i> </i>next", "wordbold next" },
  { "a&#32;&#32;b &lt;p&gt;", "a  b <p>" },
  { "<p>para</p>\n\n  <p>two</p>", "para\ntwo" },
  /* Markup that is not text: comments, CDATA, raw-text elements, bogus tags. */
  { "a<!-- b <p> c -->d<!---->e", "ade" },
  { "a<![CDATA[x]]>b<?xml y?>c", "abc" },
  { "a<script>if (x<y) b='</p>';</script>c<style>p{color:red}</style>d", "acd" },
  { "x < y & z <3", "x < y & z <3" },
  { "<span style=\"display:none\">a &lt;b&gt; c</span>d", "d" },
  { "0123456789abcdef\xc3\xa9t\xc3\xa9 0123456789abcdef",
    "0123456789abcdef\xc3\xa9t\xc3\xa9 "
    "0123456789abcdef" },
};

static void
test_html_text (gconstpointer data)
{
  const TextCase *c = data;
  g_autoptr (FctMime) mime = parse_html (c->html);
  g_autofree char *text = g_strdup (fct_mime_part_get_text (mime, 0, NULL));

  /* The line break that ends the body is white space, not text. */
  g_assert_cmpstr (g_strchomp (text), ==, c->visible);
}

static void
test_html_hidden_in_anchor (void)
{
  g_autoptr (FctMime) mime
      = parse_html ("<a href=\"https://evil.example/\">www.impots.gouv<span "
                    "style=\"display:none\">-verif</span>.fr</a>");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 1);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->text, ==, "www.impots.gouv.fr");
}

static void
test_html_base (void)
{
  g_autoptr (FctMime) mime = parse_html (
      "<a href=\"/before\">a</a><base href=\"https://evil.example/dir/\">"
      "<base href=\"https://second.example/\"><a href=\"login?x=1\">b</a>"
      "<a href=\"//other.example/p\">c</a><a href=\"https://abs.example/\">d</a>"
      "<a href=\"DATA:TEXT/HTML,x\">e</a><form action=\"post.php\"></form>");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 6);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "https://evil.example/before");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->href, ==,
                   "https://evil.example/dir/login?x=1");
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->href, ==, "https://other.example/p");
  g_assert_cmpstr (fct_mime_get_link (mime, 3)->href, ==, "https://abs.example/");
  g_assert_cmpstr (fct_mime_get_link (mime, 4)->href, ==, "DATA:TEXT/HTML,x");
  g_assert_cmpstr (fct_mime_get_link (mime, 5)->href, ==,
                   "https://evil.example/dir/post.php");
}

static void
test_html_no_base (void)
{
  g_autoptr (FctMime) mime = parse_html (
      "<base target=\"_blank\"><base href=\"not a url\"><a href=\"/x\">a</a>");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 1);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==, "/x");
}

static void
test_html_attribute_refs (void)
{
  g_autoptr (FctMime) mime
      = parse_html ("<a href=\"https://a.example/?x=1&copy=2&amp;y=3&lang=fr&not;\">a</a>"
                    "<a href=\"ht&#x09;tps://b.example/&NewLine;p\">b</a>");

  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==,
                   "https://a.example/?x=1&copy=2&y=3&lang=fr\xc2\xac");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->href, ==, "ht\ttps://b.example/\np");
}

static void
test_html_image_button (void)
{
  g_autoptr (FctMime) mime = parse_html (
      "<a href=\"https://a.example/\"><img src=\"b.png\" alt=\"Se connecter\"></a>"
      "<a href=\"https://b.example/\"><img alt=\"logo\">Voir</a>"
      "<a href=\"https://c.example/\"><span style=\"display:none\"><img "
      "alt=\"x\"></span></a>");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 3);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->text, ==, "");
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->image_alt, ==, "Se connecter");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->text, ==, "Voir");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->image_alt, ==, "");
  g_assert_cmpstr (fct_mime_get_link (mime, 2)->image_alt, ==, "");
}

/* Hidden elements nested deeper than the tracked stack, and a hundred thousand
 * unmatched end tags: still one linear pass, and the text after them is read. */
/* Unquoted attribute values end at white space or '>'; their references are read. */
static void
test_html_unquoted_attribute (void)
{
  g_autoptr (FctMime) mime
      = parse_html ("<a href=https://e.example/x?a=1&amp;b=2&copy=3 title=t>go</a> "
                    "<a href='https://f.example/'>f</a>");

  g_assert_cmpuint (fct_mime_get_link_count (mime), ==, 2);
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->href, ==,
                   "https://e.example/x?a=1&b=2&copy=3");
  g_assert_cmpstr (fct_mime_get_link (mime, 0)->text, ==, "go");
  g_assert_cmpstr (fct_mime_get_link (mime, 1)->href, ==, "https://f.example/");
}

static void
test_hostile_hidden (void)
{
  GString *s = g_string_new ("<span style=\"display:none\">");
  g_autoptr (FctMime) mime = NULL;
  const char *text;

  for (int i = 0; i < 100000; i++)
    g_string_append (s, "<div><p style=\"color:#fff\">x");
  g_string_append (s, "</span>");
  for (int i = 0; i < 100000; i++)
    g_string_append (s, "</i>");
  g_string_append (s, "tail");
  mime = parse_html (s->str);
  text = fct_mime_part_get_text (mime, 0, NULL);
  g_assert_null (strstr (text, "x"));
  g_string_free (s, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mime/single-text", test_single_text);
  g_test_add_func ("/mime/top-header-fields", test_top_header_fields);
  g_test_add_func ("/mime/text-links", test_text_links);
  g_test_add_func ("/mime/text-links-prefixes", test_text_links_prefixes);
  g_test_add_func ("/mime/alternative-html", test_alternative_html);
  g_test_add_func ("/mime/area-inside-anchor", test_area_inside_anchor);
  g_test_add_func ("/mime/attachment", test_attachment);
  for (gsize i = 0; i < G_N_ELEMENTS (text_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mime/html-text/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &text_cases[i], test_html_text);
    }
  g_test_add_func ("/mime/html-hidden-in-anchor", test_html_hidden_in_anchor);
  g_test_add_func ("/mime/html-base", test_html_base);
  g_test_add_func ("/mime/html-image-button", test_html_image_button);
  g_test_add_func ("/mime/html-no-base", test_html_no_base);
  g_test_add_func ("/mime/html-attribute-refs", test_html_attribute_refs);
  g_test_add_func ("/mime/html-unquoted-attribute", test_html_unquoted_attribute);
  g_test_add_func ("/mime/hostile/hidden", test_hostile_hidden);
  for (gsize i = 0; i < G_N_ELEMENTS (anomaly_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mime/anomaly/%s", anomaly_cases[i].name);
      g_test_add_data_func (path, &anomaly_cases[i], test_anomaly);
    }
  g_test_add_func ("/mime/undeclared-8bit", test_undeclared_8bit);
  g_test_add_func ("/mime/nul-in-text", test_nul_in_text);
  g_test_add_func ("/mime/invalid-utf8", test_invalid_utf8_kept_valid);
  g_test_add_func ("/mime/utf8-after-ascii-run", test_utf8_after_ascii_run);
  g_test_add_func ("/mime/empty-text-part", test_empty_text_part);
  g_test_add_func ("/mime/nul-in-header", test_nul_in_header);
  g_test_add_func ("/mime/header-ended-by-text", test_header_ended_by_text);
  g_test_add_func ("/mime/hostile/many-parts", test_many_parts);
  g_test_add_func ("/mime/hostile/deep-nesting", test_deep_nesting);
  g_test_add_func ("/mime/nesting-in-limit", test_shallow_nesting_in_limit);
  g_test_add_func ("/mime/hostile/large-attachment", test_large_attachment);
  g_test_add_func ("/mime/hostile/many-links", test_many_links);
  g_test_add_func ("/mime/hostile/deep-html", test_deep_html);
  g_test_add_func ("/mime/text-limit", test_text_limit);
  g_test_add_func ("/mime/hostile/garbage", test_garbage);
  return g_test_run ();
}
