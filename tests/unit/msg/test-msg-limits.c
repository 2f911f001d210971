/* Unit tests for the message limits (FctLimits: message size, header field count, field
 * size, line length), each exactly at the limit and one over, and for reading messages
 * from files and standard input. Messages are generated here: the default limits need
 * inputs too large to keep as fixtures. */
#include <facteur/msg.h>

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

static FctMsg *
parse_string (const GString *text, const FctLimits *limits, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text->str, text->len);
  return fct_msg_new_from_bytes (bytes, limits, error);
}

static void
assert_message_has (const GError *error, const char *const *words)
{
  for (; *words != NULL; words++)
    if (strstr (error->message, *words) == NULL)
      g_error ("“%s” is not in the error message “%s”", *words, error->message);
}

/* A message of exactly size bytes: one field, then a body of 78-byte lines. */
static GString *
message_of_size (gsize size)
{
  static const char head[] = "From: a@example.com\r\n\r\n";
  GString *text = g_string_sized_new (size);

  g_string_append (text, head);
  g_assert_cmpuint (size, >=, text->len);
  while (size - text->len >= 78)
    {
      g_string_append_len (text, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
                           52);
      g_string_append_len (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n", 26);
    }
  while (text->len < size)
    g_string_append_c (text, 'z');
  return text;
}

/* One field of exactly size bytes, without its final CRLF; folded in 63-byte lines. */
static void
append_field_of_size (GString *text, const char *name, gsize size, gboolean folded)
{
  gsize start = text->len;
  gsize fold_count = folded ? (size - strlen (name) - 2) / 63 : 0;

  g_string_append_printf (text, "%s:", name);
  while (text->len - start < size - fold_count * 63)
    g_string_append_c (text, 'v');
  for (gsize i = 0; i < fold_count; i++)
    {
      g_string_append (text, "\r\n ");
      for (int j = 0; j < 60; j++)
        g_string_append_c (text, 'w');
    }
  g_assert_cmpuint (text->len - start, ==, size);
}

static GString *
message_with_fields (guint count)
{
  GString *text = g_string_new (NULL);
  for (guint i = 1; i <= count; i++)
    g_string_append_printf (text, "X-Field-%u: value %u\r\n", i, i);
  g_string_append (text, "\r\nbody\r\n");
  return text;
}

static void
test_size_small_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.message_max_bytes = 200;

  g_autoptr (GString) at = message_of_size (200);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (at, &limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);

  g_autoptr (GString) over = message_of_size (201);
  g_autoptr (FctMsg) refused = parse_string (over, &limits, &error);
  g_assert_null (refused);
  g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE);
  assert_message_has (error, (const char *[]){ "201", "200", "message_max_bytes", NULL });
}

/* The size limit counts the input, before bare LFs become CRLF. */
static void
test_size_counts_input (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  g_autoptr (GString) text = g_string_new ("From: a@example.com\n\n");
  while (text->len < 100)
    g_string_append (text, "line\n");
  limits.message_max_bytes = text->len;

  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (text, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (fct_msg_get_bytes (msg)), >, text->len);
}

static void
test_size_default (void)
{
  gsize max = fct_limits_default ()->message_max_bytes;
  g_assert_cmpuint (max, ==, 64 * 1024 * 1024);

  g_autoptr (GString) text = message_of_size (max);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (text, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (fct_msg_get_bytes (msg)), ==, max);

  g_string_append_c (text, 'z');
  g_autoptr (FctMsg) refused = parse_string (text, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE);
  assert_message_has (error, (const char *[]){ "67108865", "67108864", NULL });
}

static void
test_count_default (void)
{
  guint max = fct_limits_default ()->header_fields_max;
  g_assert_cmpuint (max, ==, 1000);

  g_autoptr (GString) at = message_with_fields (max);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (at, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, max);
  g_assert_cmpstr (fct_msg_get_header (msg, max - 1)->value, ==, "value 1000");
  g_assert_false (fct_msg_get_flags (msg) & FCT_MSG_FLAG_TOO_MANY_FIELDS);
  g_assert_cmpuint (fct_msg_get_over_limits (msg)->skipped, ==, 0);
  g_assert_null (fct_msg_get_over_limits (msg)->past_first_name);

  /* One over: parsed all the same (issue 11: padding must not hide the report), the
   * field past the limit skipped and said. */
  g_autoptr (GString) over = message_with_fields (max + 1);
  g_autoptr (FctMsg) padded = parse_string (over, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_msg_get_header_count (padded), ==, max);
  g_assert_true (fct_msg_get_flags (padded) & FCT_MSG_FLAG_TOO_MANY_FIELDS);
  const FctMsgOverLimits *o = fct_msg_get_over_limits (padded);
  g_assert_cmpuint (o->fields, ==, max + 1);
  g_assert_cmpuint (o->skipped, ==, 1);
  g_assert_cmpstr (o->past_first_name, ==, "X-Field-1001");
  g_assert_cmpuint (o->past_first_line, ==, 1001);
  g_assert_cmpmem (fct_msg_get_body (padded).ptr, fct_msg_get_body (padded).len, "body\r\n",
                   6);
}

static void
test_count_custom (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 3;

  g_autoptr (GString) over = message_with_fields (4);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (over, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, 3);
  g_assert_cmpstr (fct_msg_get_over_limits (msg)->past_first_name, ==, "X-Field-4");
  g_assert_cmpuint (fct_msg_get_over_limits (msg)->past_first_line, ==, 4);
}

/* Line numbers are those of the input, the mbox "From " line included. */
static void
test_count_line_after_mbox (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 1;

  g_autoptr (GString) text = g_string_new ("From x@example.com Mon Jan  1 00:00:00 2024\n"
                                           "A: 1\nB: 2\n\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (text, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fct_msg_get_over_limits (msg)->past_first_name, ==, "B");
  g_assert_cmpuint (fct_msg_get_over_limits (msg)->past_first_line, ==, 3);
}

static void
collect_name (FctSlice raw, FctSlice name, gpointer data)
{
  g_assert_true (name.ptr == raw.ptr && name.len < raw.len);
  g_string_append_len (data, (const char *)name.ptr, (gssize)name.len);
  g_string_append_c (data, ',');
}

/* What padding must not change: the From and DKIM-Signature after it are still found,
 * a second From past the limit still counts, and DKIM and ARC still walk every field
 * in order. As an attacker writes it: junk first, the fields that matter after it. */
static void
test_count_padding_keeps_what_matters (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 4;

  g_autoptr (GString) text = g_string_new (NULL);
  for (int i = 1; i <= 6; i++)
    g_string_append_printf (text, "X-Pad-%d: junk\r\n", i);
  g_string_append (text, "DKIM-Signature: v=1; d=bank.example\r\n"
                         "From: Bank <security@bank.example>\r\n"
                         "X-Pad-7: junk\r\n"
                         "Subject: Your account\r\n"
                         "From: attacker@evil.example\r\n"
                         "\r\nbody\r\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (text, &limits, &error);
  g_assert_no_error (error);

  const FctMsgOverLimits *o = fct_msg_get_over_limits (msg);
  g_assert_cmpuint (o->fields, ==, 11);
  /* X-Pad-5, -6, -7 and the second From. */
  g_assert_cmpuint (o->skipped, ==, 4);
  g_assert_cmpstr (o->past_first_name, ==, "X-Pad-5");
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, 7);

  const FctMsgHeader *from = fct_msg_find_header (msg, "From", 0);
  g_assert_nonnull (from);
  g_assert_cmpstr (from->value, ==, "Bank <security@bank.example>");
  g_assert_cmpuint (fct_msg_count_headers (msg, "from"), ==, 2);
  g_assert_nonnull (fct_msg_find_header (msg, "DKIM-Signature", 0));
  g_assert_cmpuint (fct_msg_count_headers (msg, "DKIM-Signature"), ==, 1);
  g_assert_cmpstr (fct_msg_find_header (msg, "Subject", 0)->value, ==, "Your account");
  g_assert_null (fct_msg_find_header (msg, "X-Pad-7", 0));
  /* Counted all the same, for any name. */
  g_assert_cmpuint (fct_msg_count_headers (msg, "x-pad-7"), ==, 1);
  g_assert_cmpuint (fct_msg_count_headers (msg, "Subject"), ==, 1);
  g_assert_cmpuint (fct_msg_count_headers (msg, "Reply-To"), ==, 0);
  /* Kept fields stay in message order. */
  for (guint i = 1; i < fct_msg_get_header_count (msg); i++)
    g_assert_cmpuint (fct_msg_get_header (msg, i - 1)->offset, <,
                      fct_msg_get_header (msg, i)->offset);

  g_autoptr (GString) names = g_string_new (NULL);
  fct_msg_foreach_field (msg, collect_name, names);
  g_assert_cmpstr (names->str, ==,
                   "X-Pad-1,X-Pad-2,X-Pad-3,X-Pad-4,X-Pad-5,X-Pad-6,DKIM-Signature,From,"
                   "X-Pad-7,Subject,From,");
}

/* One field over the count whose name is kept: nothing is skipped, yet the header is
 * over its limit and says so (the verifiers do not read it whole). */
static void
test_count_over_by_a_kept_field (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 2;

  g_autoptr (GString) text
      = g_string_new ("X-1: a\r\nX-2: b\r\nMessage-ID: <1@example.org>\r\n\r\nbody\r\n");
  g_autoptr (FctMsg) msg = parse_string (text, &limits, NULL);
  const FctMsgOverLimits *o = fct_msg_get_over_limits (msg);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, 3);
  g_assert_cmpuint (o->skipped, ==, 0);
  g_assert_true (fct_msg_get_flags (msg) & FCT_MSG_FLAG_TOO_MANY_FIELDS);
  g_assert_cmpstr (o->past_first_name, ==, "Message-ID");
  g_assert_cmpuint (o->past_first_line, ==, 3);
}

/* A limit of zero fields still keeps the first: a message has at least one field. */
static void
test_count_zero_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 0;

  g_autoptr (GString) text = message_with_fields (3);
  g_autoptr (FctMsg) msg = parse_string (text, &limits, NULL);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, 1);
  g_assert_cmpstr (fct_msg_get_header (msg, 0)->value, ==, "value 1");
  g_assert_cmpuint (fct_msg_get_over_limits (msg)->skipped, ==, 2);
}

/* A second From within the limit and one past it: both count. */
static void
test_count_second_from_past_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 2;

  g_autoptr (GString) text = g_string_new ("From: a@bank.example\r\nX-1: a\r\nX-2: b\r\n"
                                           "From: b@evil.example\r\n\r\nbody\r\n");
  g_autoptr (FctMsg) msg = parse_string (text, &limits, NULL);
  g_assert_nonnull (msg);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==, 2);
  g_assert_cmpuint (fct_msg_count_headers (msg, "From"), ==, 2);
  g_assert_cmpstr (fct_msg_find_header (msg, "From", 0)->value, ==, "a@bank.example");
}

static void
check_field_size (gboolean folded)
{
  gsize max = fct_limits_default ()->header_field_max_bytes;
  g_assert_cmpuint (max, ==, 64 * 1024);

  for (gsize size = max; size <= max + 1; size++)
    {
      g_autoptr (GString) text
          = g_string_new ("From: a@example.com\r\nTo: b@example.com\r\n");
      append_field_of_size (text, "X-Big", size, folded);
      g_string_append (text, "\r\nSubject: after\r\n\r\nbody\r\n");

      g_autoptr (GError) error = NULL;
      g_autoptr (FctMsg) msg = parse_string (text, NULL, &error);
      g_assert_no_error (error);
      const FctMsgHeader *big = fct_msg_get_header (msg, 2);
      /* The raw bytes stay whole: DKIM hashes them. */
      g_assert_cmpuint (big->raw.len, ==, size);
      g_assert_cmpstr (fct_msg_get_header (msg, 3)->value, ==, "after");
      const FctMsgOverLimits *o = fct_msg_get_over_limits (msg);
      if (size == max)
        {
          g_assert_cmpuint (big->value_len, >, 60000);
          g_assert_cmpuint (o->too_long, ==, 0);
          g_assert_false (fct_msg_get_flags (msg) & FCT_MSG_FLAG_FIELD_TOO_LONG);
          /* An unfolded 64 KiB line is long, but only flagged. */
          g_assert_true (folded != !!(fct_msg_get_flags (msg) & FCT_MSG_FLAG_LONG_LINE));
        }
      else
        {
          /* Over the limit: kept with an empty value, and said. */
          g_assert_cmpuint (big->value_len, ==, 0);
          g_assert_cmpstr (big->value, ==, "");
          g_assert_true (fct_msg_get_flags (msg) & FCT_MSG_FLAG_FIELD_TOO_LONG);
          g_assert_cmpuint (o->too_long, ==, 1);
          g_assert_cmpstr (o->too_long_first_name, ==, "X-Big");
          g_assert_cmpuint (o->too_long_first_line, ==, 3);
          g_assert_cmpuint (o->too_long_first_bytes, ==, max + 1);
        }
    }
}

static void
test_field_size_default (void)
{
  check_field_size (FALSE);
}

static void
test_field_size_folded (void)
{
  check_field_size (TRUE);
}

/* A name too long to quote whole is cut. */
static void
test_field_size_long_name (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_field_max_bytes = 100;

  g_autoptr (GString) text = g_string_new (NULL);
  for (int i = 0; i < 200; i++)
    g_string_append_c (text, 'N');
  g_string_append (text, ": v\r\n\r\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_string (text, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (fct_msg_get_over_limits (msg)->too_long_first_name), <, 100);
}

static void
test_line_length (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.line_max_bytes = 10;
  static const struct
  {
    const char *text;
    gboolean long_line;
  } cases[] = {
    { "A: 4567890\r\n\r\n1234567890\r\n", FALSE },
    { "A: 45678901\r\n\r\nbody\r\n", TRUE },
    { "A: 4567890\r\n\r\n12345678901\r\n", TRUE },
    { "A: 4567890\r\n\r\n12345678901", TRUE },
    { "A: 4567890\r\n 234567890\r\n\r\n", FALSE },
    { "A: 4567890\r\n 2345678901\r\n\r\n", TRUE },
    /* A bare LF counts as a line end; a bare CR does not. */
    { "A: 4567890\n\n1234567890\n", FALSE },
    { "A: 45678\r90\r\n\r\n", TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) bytes = g_bytes_new_static (cases[i].text, strlen (cases[i].text));
      g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, &limits, NULL);
      g_assert_nonnull (msg);
      g_assert_cmpint (!!(fct_msg_get_flags (msg) & FCT_MSG_FLAG_LONG_LINE), ==,
                       cases[i].long_line);
    }
}

static char *
temp_file_with (const GString *text)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("fct-msg-XXXXXX.eml", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text->str, (gssize)text->len, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_file_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_file ("/nonexistent/message.eml", NULL, &error);
  g_assert_null (msg);
  g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_IO);
  assert_message_has (
      error, (const char *[]){ "/nonexistent/message.eml", "does not exist", NULL });
}

static void
test_file_directory (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fct-msg-XXXXXX", &error);
  g_assert_no_error (error);
  g_autoptr (FctMsg) msg = fct_msg_new_from_file (dir, NULL, &error);
  g_assert_null (msg);
  g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_IO);
  assert_message_has (error, (const char *[]){ dir, NULL });
  g_rmdir (dir);
}

static void
test_file_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.message_max_bytes = 500;

  g_autoptr (GString) at = message_of_size (500);
  g_autofree char *at_path = temp_file_with (at);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_file (at_path, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (fct_msg_get_bytes (msg)), ==, 500);

  g_autoptr (GString) over = message_of_size (501);
  g_autofree char *over_path = temp_file_with (over);
  g_autoptr (FctMsg) refused = fct_msg_new_from_file (over_path, &limits, &error);
  g_assert_null (refused);
  g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE);
  assert_message_has (error, (const char *[]){ over_path, "501", "500", NULL });
  g_unlink (at_path);
  g_unlink (over_path);
}

static void
test_file_parse_error_names_file (void)
{
  g_autoptr (GString) text = g_string_new ("not a message\r\n");
  g_autofree char *path = temp_file_with (text);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_file (path, NULL, &error);
  g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_NOT_A_MESSAGE);
  g_assert_null (msg);
  assert_message_has (error, (const char *[]){ path, "line 1", NULL });
  g_unlink (path);
}

/* Runs fct_msg_new_from_file ("-") with fd as standard input. */
static FctMsg *
parse_stdin_from (int fd, const FctLimits *limits, GError **error)
{
  int saved = dup (STDIN_FILENO);
  g_assert_cmpint (saved, >=, 0);
  g_assert_cmpint (dup2 (fd, STDIN_FILENO), ==, STDIN_FILENO);
  FctMsg *msg = fct_msg_new_from_file ("-", limits, error);
  g_assert_cmpint (dup2 (saved, STDIN_FILENO), ==, STDIN_FILENO);
  close (saved);
  return msg;
}

static void
test_stdin_file (void)
{
  g_autoptr (GString) text = message_of_size (300);
  g_autofree char *path = temp_file_with (text);
  int fd = g_open (path, O_RDONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = parse_stdin_from (fd, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (fct_msg_get_bytes (msg), NULL), 300, text->str, 300);
  close (fd);
  g_unlink (path);
}

/* A pipe has no size to check first: reading stops one byte past the limit. */
static void
test_stdin_pipe_limit (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.message_max_bytes = 300;

  for (gsize size = 300; size <= 301; size++)
    {
      g_autoptr (GString) text = message_of_size (size);
      int p[2];
      g_assert_cmpint (pipe (p), ==, 0);
      g_assert_cmpint (write (p[1], text->str, text->len), ==, (gssize)text->len);
      close (p[1]);
      g_autoptr (GError) error = NULL;
      g_autoptr (FctMsg) msg = parse_stdin_from (p[0], &limits, &error);
      close (p[0]);
      if (size == 300)
        g_assert_no_error (error);
      else
        {
          g_assert_null (msg);
          g_assert_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE);
          assert_message_has (error, (const char *[]){ "standard input", "300", NULL });
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/msg/limits/size/small-limit", test_size_small_limit);
  g_test_add_func ("/msg/limits/size/counts-input", test_size_counts_input);
  g_test_add_func ("/msg/limits/size/default", test_size_default);
  g_test_add_func ("/msg/limits/count/default", test_count_default);
  g_test_add_func ("/msg/limits/count/custom", test_count_custom);
  g_test_add_func ("/msg/limits/count/line-after-mbox", test_count_line_after_mbox);
  g_test_add_func ("/msg/limits/count/padding-keeps-what-matters",
                   test_count_padding_keeps_what_matters);
  g_test_add_func ("/msg/limits/count/over-by-a-kept-field",
                   test_count_over_by_a_kept_field);
  g_test_add_func ("/msg/limits/count/zero-limit", test_count_zero_limit);
  g_test_add_func ("/msg/limits/count/second-from-past-limit",
                   test_count_second_from_past_limit);
  g_test_add_func ("/msg/limits/field/default", test_field_size_default);
  g_test_add_func ("/msg/limits/field/folded", test_field_size_folded);
  g_test_add_func ("/msg/limits/field/long-name", test_field_size_long_name);
  g_test_add_func ("/msg/limits/line/flagged", test_line_length);
  g_test_add_func ("/msg/file/missing", test_file_missing);
  g_test_add_func ("/msg/file/directory", test_file_directory);
  g_test_add_func ("/msg/file/limit", test_file_limit);
  g_test_add_func ("/msg/file/parse-error-names-file", test_file_parse_error_names_file);
  g_test_add_func ("/msg/file/stdin", test_stdin_file);
  g_test_add_func ("/msg/file/stdin-pipe-limit", test_stdin_pipe_limit);
  return g_test_run ();
}
