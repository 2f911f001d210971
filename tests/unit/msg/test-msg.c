/* Unit tests for the raw message parser: one named case per fixture in data/ (flags,
 * field count, body or error), then the behaviours that need a closer look. */
#include <facteur/msg.h>

#define NO_ERROR (-1)
#define ANY_BODY NULL

typedef struct
{
  const char *fixture;
  int error; /* an FctMsgError, or NO_ERROR */
  FctMsgFlags flags;
  guint headers;
  const char *first_name;
  const char *body; /* the normalised body, or ANY_BODY when checked elsewhere */
  gsize body_len;   /* when body contains NUL; 0 means strlen (body) */
} FixtureCase;

static const FixtureCase fixture_cases[] = {
  { "basic_crlf.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 3, "From", "body line\r\n", 0 },
  { "basic_lf.eml", NO_ERROR, FCT_MSG_FLAG_LF_ONLY, 3, "From", "body line\r\n", 0 },
  { "mixed_eol.eml", NO_ERROR, FCT_MSG_FLAG_MIXED_EOL, 3, "From", "body line\r\n", 0 },
  /* Saved by an old Mac client: CR alone ends each line; read as CRLF. */
  { "basic_cr.eml", NO_ERROR, FCT_MSG_FLAG_CR_ONLY, 3, "From", "body line\r\n", 0 },
  { "folded_header_cr.eml", NO_ERROR, FCT_MSG_FLAG_CR_ONLY, 2, "Subject", "body\r\n", 0 },
  { "bare_cr_in_value.eml", NO_ERROR, FCT_MSG_FLAG_BARE_CR, 2, "Subject", "body\r\n", 0 },
  { "bare_cr_starts_header_line.eml", NO_ERROR,
    FCT_MSG_FLAG_BARE_CR | FCT_MSG_FLAG_BAD_HEADER_LINE, 1, "Subject",
    "\rX-Next: y\r\n\r\nbody\r\n", 0 },
  { "nul_in_value.eml", NO_ERROR, FCT_MSG_FLAG_NUL, 2, "Subject", "body\r\n", 0 },
  { "nul_in_body.eml", NO_ERROR, FCT_MSG_FLAG_NUL, 1, "From", "bo\0dy\r\n", 7 },
  { "8bit_header.eml", NO_ERROR, FCT_MSG_FLAG_8BIT_HEADER, 2, "Subject", "body\r\n", 0 },
  { "8bit_body.eml", NO_ERROR, FCT_MSG_FLAG_8BIT_BODY, 1, "From", "caf\xc3\xa9\r\n", 0 },
  { "no_body.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 2, "From", "", 0 },
  { "no_separator.eml", NO_ERROR, FCT_MSG_FLAG_NO_SEPARATOR, 2, "From", "", 0 },
  { "no_separator_no_final_eol.eml", NO_ERROR,
    FCT_MSG_FLAG_NO_SEPARATOR | FCT_MSG_FLAG_NO_FINAL_EOL, 2, "From", "", 0 },
  { "no_final_eol.eml", NO_ERROR, FCT_MSG_FLAG_NO_FINAL_EOL, 1, "From", "body", 0 },
  { "mbox_from.eml", NO_ERROR, FCT_MSG_FLAG_MBOX_FROM | FCT_MSG_FLAG_LF_ONLY, 2, "From",
    "body\r\n", 0 },
  { .fixture = "mbox_from_only.eml", .error = FCT_MSG_ERROR_NOT_A_MESSAGE },
  { "obs_from_wsp_before_colon.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 2, "From", "body\r\n",
    0 },
  { "obs_wsp_before_colon.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 2, "Subject", "body\r\n", 0 },
  { "bad_header_line.eml", NO_ERROR, FCT_MSG_FLAG_BAD_HEADER_LINE, 1, "From",
    "this is not a header\r\nSubject: x\r\n\r\nbody\r\n", 0 },
  { "bad_name_8bit.eml", NO_ERROR, FCT_MSG_FLAG_BAD_HEADER_LINE | FCT_MSG_FLAG_8BIT_BODY, 1,
    "From",
    "Subj\xc3\xa9"
    "ct: x\r\n\r\nbody\r\n",
    0 },
  { "bad_name_empty.eml", NO_ERROR, FCT_MSG_FLAG_BAD_HEADER_LINE, 1, "From",
    ": no name\r\n\r\nbody\r\n", 0 },
  { .fixture = "continuation_first.eml", .error = FCT_MSG_ERROR_NOT_A_MESSAGE },
  { .fixture = "empty.eml", .error = FCT_MSG_ERROR_NOT_A_MESSAGE },
  { .fixture = "first_line_empty.eml", .error = FCT_MSG_ERROR_NOT_A_MESSAGE },
  { .fixture = "first_line_not_field.eml", .error = FCT_MSG_ERROR_NOT_A_MESSAGE },
  { "folded_header.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 2, "Subject", "body\r\n", 0 },
  { "wsp_only_continuation.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 2, "Subject", "body\r\n", 0 },
  { "repeated_fields.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 5, "Received", "body\r\n", 0 },
  { "line_at_limit.eml", NO_ERROR, FCT_MSG_FLAG_NONE, 2, "X-Long", ANY_BODY, 0 },
  { "long_line_header.eml", NO_ERROR, FCT_MSG_FLAG_LONG_LINE, 2, "X-Long", "body\r\n", 0 },
  { "long_line_body.eml", NO_ERROR, FCT_MSG_FLAG_LONG_LINE, 1, "From", ANY_BODY, 0 },
};

static GBytes *
fixture_load (const char *name)
{
  g_autofree char *path
      = g_test_build_filename (G_TEST_DIST, "unit", "msg", "data", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static FctMsg *
fixture_parse (const char *name)
{
  g_autoptr (GBytes) bytes = fixture_load (name);
  g_autoptr (GError) error = NULL;
  FctMsg *msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

static gboolean
slice_is_str (FctSlice s, const char *str)
{
  return fct_slice_equal (s, fct_slice_from_str (str));
}

static void
test_fixture (gconstpointer data)
{
  const FixtureCase *c = data;
  g_autoptr (GBytes) bytes = fixture_load (c->fixture);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);

  if (c->error != NO_ERROR)
    {
      g_assert_error (error, FCT_MSG_ERROR, c->error);
      g_assert_null (msg);
      g_assert_cmpstr (error->message, !=, "");
      return;
    }
  g_assert_no_error (error);
  g_assert_cmphex (fct_msg_get_flags (msg), ==, c->flags);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, c->headers);
  g_assert_true (slice_is_str (fct_msg_get_header (msg, 0)->name, c->first_name));
  if (c->body != ANY_BODY)
    {
      FctSlice body = fct_msg_get_body (msg);
      gsize len = c->body_len > 0 ? c->body_len : strlen (c->body);
      g_assert_cmpmem (body.ptr, body.len, c->body, len);
    }
  /* The body ends the message bytes. */
  gsize len = g_bytes_get_size (fct_msg_get_bytes (msg));
  g_assert_cmpuint (fct_msg_get_body_offset (msg) + fct_msg_get_body (msg).len, ==, len);
}

/* RFC 5322 §2.2.3: CRLF before WSP removed; the leading WSP after the colon dropped,
 * trailing WSP kept; raw keeps every byte but the final CRLF. */
static void
test_unfold (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("folded_header.eml");
  const FctMsgHeader *h = fct_msg_get_header (msg, 0);

  g_assert_true (slice_is_str (h->raw, "Subject:\r\n a\r\n b\r\n\tc "));
  g_assert_true (slice_is_str (h->value_raw, "\r\n a\r\n b\r\n\tc "));
  g_assert_cmpstr (h->value, ==, "a b\tc ");
  g_assert_cmpuint (h->value_len, ==, 6);
  g_assert_cmpuint (h->offset, ==, 0);

  const FctMsgHeader *from = fct_msg_get_header (msg, 1);
  g_assert_cmpuint (from->offset, ==, h->raw.len + 2);
  g_assert_cmpstr (from->value, ==, "a@example.com");
}

/* A CR-only file is the CRLF message it stands for, byte for byte: the fields, their
 * unfolded values and what DKIM hashes are those of the CRLF file. */
static void
test_cr_only_is_crlf (void)
{
  static const char *const pairs[][2] = {
    { "basic_cr.eml", "basic_crlf.eml" },
    { "folded_header_cr.eml", "folded_header.eml" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autoptr (FctMsg) cr = fixture_parse (pairs[i][0]);
      g_autoptr (FctMsg) crlf = fixture_parse (pairs[i][1]);
      g_assert_true (g_bytes_equal (fct_msg_get_bytes (cr), fct_msg_get_bytes (crlf)));
      g_assert_cmpuint (fct_msg_get_header_count (cr), ==, fct_msg_get_header_count (crlf));
      for (guint n = 0; n < fct_msg_get_header_count (cr); n++)
        g_assert_cmpstr (fct_msg_get_header (cr, n)->value, ==,
                         fct_msg_get_header (crlf, n)->value);
    }
}

static void
test_unfold_wsp_only_line (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("wsp_only_continuation.eml");
  const FctMsgHeader *h = fct_msg_get_header (msg, 0);
  g_assert_true (slice_is_str (h->raw, "Subject: a\r\n \r\n b"));
  g_assert_cmpstr (h->value, ==, "a  b");
}

static void
test_obs_wsp_before_colon (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("obs_wsp_before_colon.eml");
  const FctMsgHeader *h = fct_msg_get_header (msg, 0);
  g_assert_true (slice_is_str (h->name, "Subject"));
  g_assert_true (slice_is_str (h->raw, "Subject \t: hello"));
  g_assert_cmpstr (h->value, ==, "hello");
  g_assert_true (fct_msg_find_header (msg, "subject", 0) == h);
}

/* "From :" is a From field in obsolete syntax, not an mbox envelope line. */
static void
test_obs_from_is_not_mbox (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("obs_from_wsp_before_colon.eml");
  g_assert_cmpstr (fct_msg_get_header (msg, 0)->value, ==, "a@example.com");
  g_assert_cmpuint (fct_msg_get_mbox_sender (msg).len, ==, 0);
}

static void
test_mbox_sender (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("mbox_from.eml");
  g_assert_true (slice_is_str (fct_msg_get_mbox_sender (msg), "sender@example.org"));
  /* The envelope line is not part of the message bytes. */
  GBytes *bytes = fct_msg_get_bytes (msg);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n", 41);
  g_assert_cmpuint (fct_msg_get_header (msg, 0)->offset, ==, 0);
}

static void
test_nul_value_len (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("nul_in_value.eml");
  const FctMsgHeader *h = fct_msg_get_header (msg, 0);
  g_assert_cmpuint (h->value_len, ==, 3);
  g_assert_cmpmem (h->value, h->value_len, "a\0b", 3);
  g_assert_cmpint (h->value[3], ==, '\0');
}

static void
test_bare_cr_kept (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("bare_cr_in_value.eml");
  const FctMsgHeader *h = fct_msg_get_header (msg, 0);
  g_assert_cmpstr (h->value, ==, "a\rb");
  g_assert_true (slice_is_str (h->raw, "Subject: a\rb"));
}

/* A bare LF becomes CRLF in the message's bytes; the header slices follow. */
static void
test_lf_converted (void)
{
  g_autoptr (FctMsg) lf = fixture_parse ("basic_lf.eml");
  g_autoptr (FctMsg) crlf = fixture_parse ("basic_crlf.eml");
  g_assert_true (g_bytes_equal (fct_msg_get_bytes (lf), fct_msg_get_bytes (crlf)));
  g_assert_cmpuint (fct_msg_get_header (lf, 2)->offset, ==,
                    fct_msg_get_header (crlf, 2)->offset);
  g_assert_cmpuint (fct_msg_get_body_offset (lf), ==, fct_msg_get_body_offset (crlf));
}

/* Input that is already CRLF is not copied. */
static void
test_crlf_not_copied (void)
{
  g_autoptr (GBytes) bytes = fixture_load ("basic_crlf.eml");
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  g_assert_nonnull (msg);
  g_assert_true (g_bytes_get_data (fct_msg_get_bytes (msg), NULL)
                 == g_bytes_get_data (bytes, NULL));

  g_autoptr (GBytes) mbox = g_bytes_new_static ("From x@y Mon\r\nA: b\r\n\r\n", 22);
  g_autoptr (FctMsg) skipped = fct_msg_new_from_bytes (mbox, NULL, NULL);
  g_assert_nonnull (skipped);
  g_assert_true ((const char *)g_bytes_get_data (fct_msg_get_bytes (skipped), NULL)
                 == (const char *)g_bytes_get_data (mbox, NULL) + 14);
}

/* Postfix ends the header at a line that is not a field: that line starts the body. */
static void
test_bad_header_line_starts_body (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("bad_header_line.eml");
  g_assert_cmpuint (fct_msg_get_body_offset (msg), ==, strlen ("From: a@example.com\r\n"));
  g_assert_null (fct_msg_find_header (msg, "Subject", 0));
}

static void
test_no_separator_body_offset (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("no_separator_no_final_eol.eml");
  g_assert_cmpuint (fct_msg_get_body_offset (msg), ==,
                    strlen ("From: a@example.com\r\nSubject: x"));
  g_assert_true (slice_is_str (fct_msg_get_header (msg, 1)->raw, "Subject: x"));
  g_assert_cmpstr (fct_msg_get_header (msg, 1)->value, ==, "x");
}

static void
test_find_top_down (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("repeated_fields.eml");
  g_assert_cmpuint (fct_msg_count_headers (msg, "received"), ==, 3);
  g_assert_cmpuint (fct_msg_count_headers (msg, "X-Absent"), ==, 0);
  g_assert_cmpstr (fct_msg_find_header (msg, "Received", 0)->value, ==, "from one");
  g_assert_cmpstr (fct_msg_find_header (msg, "Received", 1)->value, ==, "from two");
  g_assert_cmpstr (fct_msg_find_header (msg, "Received", 2)->value, ==, "from three");
  g_assert_null (fct_msg_find_header (msg, "Received", 3));
  g_assert_null (fct_msg_find_header (msg, "Receive", 0));
}

/* RFC 6376 §5.4.2: repeated names in h= select fields from the bottom up. */
static void
test_find_from_bottom (void)
{
  g_autoptr (FctMsg) msg = fixture_parse ("repeated_fields.eml");
  g_assert_cmpstr (fct_msg_find_header_from_bottom (msg, "RECEIVED", 0)->value, ==,
                   "from three");
  g_assert_cmpstr (fct_msg_find_header_from_bottom (msg, "received", 1)->value, ==,
                   "from two");
  g_assert_cmpstr (fct_msg_find_header_from_bottom (msg, "Received", 2)->value, ==,
                   "from one");
  g_assert_null (fct_msg_find_header_from_bottom (msg, "Received", 3));
  g_assert_true (fct_msg_find_header_from_bottom (msg, "from", 0)
                 == fct_msg_find_header (msg, "FROM", 0));
}

/* RFC 5322 §2.2: a name is printable US-ASCII (33..126) except the colon; any other
 * byte makes the line a bad header line, which starts the body. */
static void
test_name_bytes (void)
{
  static const struct
  {
    const char *line;
    gboolean field;
  } cases[] = {
    { "!~: bounds", TRUE },         { "X-#$%&'*+.^_`{|}: symbols", TRUE },
    { "X\x7fY: DEL", FALSE },       { "X\x01Y: control", FALSE },
    { "X Y: space inside", FALSE }, { "X\x80Y: 8-bit", FALSE },
    { "X-No-Colon", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text
          = g_strdup_printf ("From: a@example.com\r\n%s\r\n\r\n", cases[i].line);
      g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
      g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
      g_assert_nonnull (msg);
      g_assert_cmpuint (fct_msg_get_header_count (msg), ==, cases[i].field ? 2 : 1);
      g_assert_cmpint (!!(fct_msg_get_flags (msg) & FCT_MSG_FLAG_BAD_HEADER_LINE), ==,
                       !cases[i].field);
    }
}

static void
test_ref_unref (void)
{
  FctMsg *msg = fixture_parse ("basic_crlf.eml");
  g_assert_true (fct_msg_ref (msg) == msg);
  fct_msg_unref (msg);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, 3);
  fct_msg_unref (msg);
  fct_msg_unref (NULL);
}

static void
test_error_messages (void)
{
  static const struct
  {
    const char *fixture;
    const char *words;
  } cases[] = {
    { "empty.eml", "empty" },
    { "continuation_first.eml", "line 1" },
    { "first_line_empty.eml", "line 1" },
    { "first_line_not_field.eml", "not a header field" },
    { "mbox_from_only.eml", "From " },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) bytes = fixture_load (cases[i].fixture);
      g_autoptr (GError) error = NULL;
      g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
      g_assert_null (msg);
      g_assert_nonnull (strstr (error->message, cases[i].words));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (fixture_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/msg/fixture/", fixture_cases[i].fixture, NULL);
      g_test_add_data_func (path, &fixture_cases[i], test_fixture);
    }
  g_test_add_func ("/msg/cr-only-is-crlf", test_cr_only_is_crlf);
  g_test_add_func ("/msg/unfold/folded", test_unfold);
  g_test_add_func ("/msg/unfold/wsp-only-line", test_unfold_wsp_only_line);
  g_test_add_func ("/msg/name/obs-wsp-before-colon", test_obs_wsp_before_colon);
  g_test_add_func ("/msg/name/bytes", test_name_bytes);
  g_test_add_func ("/msg/mbox/obs-from-is-not-mbox", test_obs_from_is_not_mbox);
  g_test_add_func ("/msg/mbox/sender", test_mbox_sender);
  g_test_add_func ("/msg/bytes/nul-value-len", test_nul_value_len);
  g_test_add_func ("/msg/bytes/bare-cr-kept", test_bare_cr_kept);
  g_test_add_func ("/msg/eol/lf-converted", test_lf_converted);
  g_test_add_func ("/msg/eol/crlf-not-copied", test_crlf_not_copied);
  g_test_add_func ("/msg/body/bad-header-line-starts-body",
                   test_bad_header_line_starts_body);
  g_test_add_func ("/msg/body/no-separator-offset", test_no_separator_body_offset);
  g_test_add_func ("/msg/find/top-down", test_find_top_down);
  g_test_add_func ("/msg/find/from-bottom", test_find_from_bottom);
  g_test_add_func ("/msg/object/ref-unref", test_ref_unref);
  g_test_add_func ("/msg/error/messages", test_error_messages);
  return g_test_run ();
}
