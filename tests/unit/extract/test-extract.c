/* facteur — tests of the attachment reader: the parsers on the documents of data/
 * (written by data/make-documents.py), their hostile files, the wire format between the
 * child and its parent, and the child process itself: every way a child can fail
 * (slow, crashing, flooding, silent, greedy, missing) must end as a status, never as a
 * hang or a crash of the caller. */
#include <facteur/extract.h>

#include <glib/gstdio.h>
#include <gsf/gsf-utils.h>
#include <signal.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define FCT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FCT_ASAN 1
#endif
#endif

#define TEXT_MAX (1024 * 1024)

static GBytes *
load (const char *file)
{
  g_autofree char *path
      = g_test_build_filename (G_TEST_DIST, "unit", "extract", "data", file, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (path, FALSE, &error);

  g_assert_no_error (error);
  return g_mapped_file_get_bytes (mapped);
}

typedef struct
{
  const char *file;
  FctExtractKind kind;
  gboolean ok;           /* the parser returns TRUE */
  FctExtractFlags flags; /* exactly these flags */
  const char *text;      /* a piece of the text, or NULL for no text */
  const char *embedded;  /* the first embedded name, or NULL for none */
} Case;

static const Case cases[] = {
  { "text.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "IBAN : FR76 3000 6000 0112 3456 7890 189",
    NULL },
  { "js-names.pdf", FCT_EXTRACT_KIND_PDF, TRUE, FCT_EXTRACT_FLAG_JAVASCRIPT, "Formulaire",
    NULL },
  { "launch.pdf", FCT_EXTRACT_KIND_PDF, TRUE, FCT_EXTRACT_FLAG_LAUNCH, "Facture", NULL },
  { "embedded.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "Facture", "setup.exe" },
  { "truncated.pdf", FCT_EXTRACT_KIND_PDF, FALSE, 0, NULL, NULL },
  { "objstm-launch.pdf", FCT_EXTRACT_KIND_PDF, TRUE, FCT_EXTRACT_FLAG_LAUNCH, "Facture",
    NULL },
  { "objstm-js.pdf", FCT_EXTRACT_KIND_PDF, TRUE, FCT_EXTRACT_FLAG_JAVASCRIPT, "Facture",
    NULL },
  { "nested-arrays.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "Nested", NULL },
  { "object-chain.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "Chain", NULL },
  /* Name trees on which poppler 22.12's poppler_document_get_attachments dereferences
     NULL (a value that refers to a string): the program beside the junk is listed. */
  { "embedded-refstr.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "Facture", "setup.exe" },
  { "embedded-kids.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "Facture", "facture.scr" },
  { "embedded-junk.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "Facture", NULL },
  /* 601 name-tree levels, past the depth limit: refused, the text still read. */
  { "embedded-deep.pdf", FCT_EXTRACT_KIND_PDF, FALSE, 0, "Facture", NULL },
  /* A Factur-X invoice whose name tree sits in a compressed object stream. */
  { "invoice-facturx.pdf", FCT_EXTRACT_KIND_PDF, TRUE, 0, "FACTURE 2026-114",
    "factur-x.xml" },
  { "text.docx", FCT_EXTRACT_KIND_OOXML, TRUE, 0, "IBAN FR76 3000 6000 0112 3456 7890 189",
    NULL },
  { "vba.docm", FCT_EXTRACT_KIND_OOXML, TRUE, FCT_EXTRACT_FLAG_VBA, "Bon de commande",
    NULL },
  { "text.odt", FCT_EXTRACT_KIND_OOXML, TRUE, 0, "Facture 2026-114\nIBAN FR76", NULL },
  { "shared.xlsx", FCT_EXTRACT_KIND_OOXML, TRUE, 0, "Fournisseur\nFR76 3000", NULL },
  /* Entities are not substituted (no "billion laughs"), depth stops at libxml2's 256. */
  { "laughs.docx", FCT_EXTRACT_KIND_OOXML, TRUE, 0, NULL, NULL },
  { "deep.docx", FCT_EXTRACT_KIND_OOXML, TRUE, 0, NULL, NULL },
  /* 256 MiB of XML: read up to 16 times the text cap, then cut. */
  { "xml-bomb.docx", FCT_EXTRACT_KIND_OOXML, TRUE, FCT_EXTRACT_FLAG_TRUNCATED, NULL, NULL },
  { "not-a-zip.docx", FCT_EXTRACT_KIND_OOXML, FALSE, 0, NULL, NULL },
  { "vba.doc", FCT_EXTRACT_KIND_OLE, TRUE, FCT_EXTRACT_FLAG_VBA, NULL, NULL },
  { "vba.xls", FCT_EXTRACT_KIND_OLE, TRUE, FCT_EXTRACT_FLAG_VBA, NULL, NULL },
  { "clean.doc", FCT_EXTRACT_KIND_OLE, TRUE, 0, NULL, NULL },
  { "encrypted.doc", FCT_EXTRACT_KIND_OLE, TRUE, FCT_EXTRACT_FLAG_ENCRYPTED, NULL, NULL },
  /* Excel 4.0 macro sheets: very hidden with the built-in Auto_Open, hidden with a
     user name "auTo_oPen2", visible alone; an invoice workbook with a hidden ordinary
     sheet, Print_Area and a named rate has none. */
  { "xlm-auto-open.xls", FCT_EXTRACT_KIND_OLE, TRUE,
    FCT_EXTRACT_FLAG_XLM | FCT_EXTRACT_FLAG_XLM_HIDDEN | FCT_EXTRACT_FLAG_AUTO_RUN, NULL,
    NULL },
  { "xlm-hidden.xls", FCT_EXTRACT_KIND_OLE, TRUE,
    FCT_EXTRACT_FLAG_XLM | FCT_EXTRACT_FLAG_XLM_HIDDEN | FCT_EXTRACT_FLAG_AUTO_RUN, NULL,
    NULL },
  { "xlm-visible.xls", FCT_EXTRACT_KIND_OLE, TRUE, FCT_EXTRACT_FLAG_XLM, NULL, NULL },
  { "invoice.xls", FCT_EXTRACT_KIND_OLE, TRUE, 0, NULL, NULL },
  { "xlm-auto-open.xlsm", FCT_EXTRACT_KIND_OOXML, TRUE,
    FCT_EXTRACT_FLAG_XLM | FCT_EXTRACT_FLAG_XLM_HIDDEN | FCT_EXTRACT_FLAG_AUTO_RUN,
    "Facture", NULL },
  { "invoice.xlsx", FCT_EXTRACT_KIND_OOXML, TRUE, 0, "Facture 2026-114\nTotal TTC", NULL },
  { "not-ole.doc", FCT_EXTRACT_KIND_OLE, FALSE, 0, NULL, NULL },
  { "truncated.doc", FCT_EXTRACT_KIND_OLE, FALSE, 0, NULL, NULL },
  /* The wrong parser for the bytes refuses them. */
  { "text.pdf", FCT_EXTRACT_KIND_OLE, FALSE, 0, NULL, NULL },
  { "vba.doc", FCT_EXTRACT_KIND_OOXML, FALSE, 0, NULL, NULL },
  { "text.docx", FCT_EXTRACT_KIND_PDF, FALSE, 0, NULL, NULL },
};

static void
check_result (const Case *c, const FctExtractResult *r)
{
  g_assert_cmpuint (r->flags, ==, c->flags);
  g_assert_true (g_utf8_validate_len (r->text, r->len, NULL));
  g_assert_cmpuint (strlen (r->text), ==, r->len);
  if (c->text != NULL)
    g_assert_nonnull (strstr (r->text, c->text));
  else
    {
      g_autofree char *stripped = g_strstrip (g_strdup (r->text));
      g_assert_cmpstr (stripped, ==, "");
    }
  if (c->embedded != NULL)
    {
      g_assert_cmpuint (r->embedded->len, >=, 1);
      g_assert_cmpstr (g_ptr_array_index (r->embedded, 0), ==, c->embedded);
    }
  else
    g_assert_cmpuint (r->embedded->len, ==, 0);
}

static void
test_parser (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (GBytes) bytes = load (c->file);
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (GError) error = NULL;
  gboolean ok;

  /* libgsf refuses a truncated compound file through a failed g_return_val_if_fail
     (a critical); facteur-extract, where it runs, sends its stderr to /dev/null. */
  if (g_str_equal (c->file, "truncated.doc"))
    g_test_expect_message ("libgsf:msole", G_LOG_LEVEL_CRITICAL, "*max_block*");
  ok = fct_extract_any (c->kind, bytes, TEXT_MAX, r, &error);
  g_test_assert_expected_messages ();

  g_assert_cmpint (ok, ==, c->ok);
  if (ok)
    g_assert_no_error (error);
  else
    g_assert_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT);
  check_result (c, r);
}

/* The same through a child process, forked by the resident helper and spawned for the
 * document: the answer crosses the wire unchanged. */
static void
test_isolated (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (GBytes) bytes = load (c->file);
  FctLimits limits;
  g_autoptr (FctExtractResult) r = NULL;
  g_autoptr (FctExtractResult) once = NULL;

  fct_limits_init (&limits);
  /* A generous deadline: these files take milliseconds; the test is not about time. */
  r = fct_extract_isolated (FCT_TEST_EXTRACT_HELPER, c->kind, bytes, &limits,
                            g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
  g_assert_cmpint (r->status, ==,
                   c->ok ? FCT_EXTRACT_STATUS_OK : FCT_EXTRACT_STATUS_UNREADABLE);
  check_result (c, r);
  once = fct_extract_isolated_spawn (FCT_TEST_EXTRACT_HELPER, c->kind, bytes, &limits,
                                     g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
  g_assert_cmpint (once->status, ==, r->status);
  check_result (c, once);
}

/* Found by fuzz-extract-ole: a block number past the file makes libgsf log a critical
 * and refuse the file. In the child that is a refusal like any other. */
static void
test_gsf_bad_block (void)
{
  g_autoptr (GBytes) bytes = load ("gsf-bad-block.doc");
  g_autoptr (FctExtractResult) r
      = fct_extract_isolated (FCT_TEST_EXTRACT_HELPER, FCT_EXTRACT_KIND_OLE, bytes, NULL,
                              g_get_monotonic_time () + 30 * G_USEC_PER_SEC);

  g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_UNREADABLE);
  g_assert_cmpuint (r->flags, ==, 0);
}

/* A resident that is gone (stopped here; killed, or its thread ended, in real life) is
 * started again by the next document. */
static void
test_resident_restart (void)
{
  g_autoptr (GBytes) bytes = load ("text.pdf");

  g_assert_false (fct_extract_resident_start ("/nonexistent/facteur-extract"));
  for (int round = 0; round < 3; round++)
    {
      g_assert_true (round == 0 || fct_extract_resident_start (FCT_TEST_EXTRACT_HELPER));
      g_autoptr (FctExtractResult) r
          = fct_extract_isolated (FCT_TEST_EXTRACT_HELPER, FCT_EXTRACT_KIND_PDF, bytes,
                                  NULL, g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
      g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_OK);
      g_assert_nonnull (strstr (r->text, "IBAN"));
      fct_extract_residents_stop ();
    }
}

/* A helper that does not speak the resident protocol (it never says hello) is used one
 * child per document instead. */
static void
test_resident_refused (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fct-extract-XXXXXX", NULL);
  g_autofree char *helper = NULL;
  g_autoptr (GBytes) input = g_bytes_new_static ("x", 1);
  g_autoptr (FctExtractResult) r = NULL;

  helper = g_build_filename (dir, "oneshot", NULL);
  g_assert_true (g_file_set_contents (helper,
                                      "#!/bin/sh\n[ \"$1\" = --serve ] && exit 64\ncat "
                                      ">/dev/null; printf 'FCTX1 0 0 0\\nold'\n",
                                      -1, NULL));
  g_assert_cmpint (g_chmod (helper, 0755), ==, 0);
  r = fct_extract_isolated (helper, FCT_EXTRACT_KIND_PDF, input, NULL,
                            g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
  g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_OK);
  g_assert_cmpstr (r->text, ==, "old");
  fct_extract_residents_stop ();
  g_unlink (helper);
  g_rmdir (dir);
}

/* Documents read from several threads at once through one resident. */
static gpointer
read_many (gpointer data)
{
  GBytes *bytes = data;

  for (int i = 0; i < 10; i++)
    {
      g_autoptr (FctExtractResult) r
          = fct_extract_isolated (FCT_TEST_EXTRACT_HELPER, FCT_EXTRACT_KIND_PDF, bytes,
                                  NULL, g_get_monotonic_time () + 60 * G_USEC_PER_SEC);
      g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_OK);
      g_assert_nonnull (strstr (r->text, "IBAN"));
    }
  return NULL;
}

static void
test_resident_threads (void)
{
  g_autoptr (GBytes) bytes = load ("text.pdf");
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", read_many, bytes);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

static char *
embedded_names (const FctExtractResult *r)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < r->embedded->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? "," : "",
                            (const char *)g_ptr_array_index (r->embedded, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The embedded files of each PDF, exactly: junk entries are skipped, not listed. */
static void
test_pdf_embedded (void)
{
  static const struct
  {
    const char *file;
    const char *names;
  } lists[] = {
    { "embedded.pdf", "setup.exe" },
    { "embedded-refstr.pdf", "setup.exe" },
    { "embedded-kids.pdf", "facture.scr" },
    { "embedded-junk.pdf", "" },
    { "embedded-swallowed.pdf", "setup.exe" },
    { "embedded-hijack.pdf", "setup.exe" },
    { "invoice-facturx.pdf", "factur-x.xml" },
    { "text.pdf", "" },
    { "nested-arrays.pdf", "" },
    { "object-chain.pdf", "" },
    { "truncated.pdf", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr (GBytes) bytes = load (lists[i].file);
      g_autoptr (FctExtractResult) r = fct_extract_result_new ();
      g_autoptr (GError) error = NULL;
      g_autofree char *names = NULL;
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (bytes, &len);

      g_assert_true (
          fct_extract_pdf_embedded (data, len, fct_limits_default (), r, &error));
      g_assert_no_error (error);
      names = embedded_names (r);
      g_assert_cmpstr (names, ==, lists[i].names);
    }
}

static void
expect_refused (const char *file, const FctLimits *limits)
{
  g_autoptr (GBytes) bytes = load (file);
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_assert_false (fct_extract_pdf_embedded (data, len, limits, r, &error));
  g_assert_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT);
}

/* Each limit of the PDF object reader, set low, stops it with an error: a list that
 * may be incomplete is never reported as complete. */
static void
test_pdf_embedded_limits (void)
{
  FctLimits limits;

  fct_limits_init (&limits);
  limits.extract_pdf_name_nodes_max = 2;
  expect_refused ("embedded-kids.pdf", &limits);
  fct_limits_init (&limits);
  limits.extract_pdf_depth_max = 1;
  expect_refused ("embedded-kids.pdf", &limits);
  fct_limits_init (&limits);
  limits.extract_pdf_objects_max = 4;
  expect_refused ("embedded-refstr.pdf", &limits);
  fct_limits_init (&limits);
  limits.extract_pdf_values_max = 6;
  expect_refused ("embedded-refstr.pdf", &limits);
  fct_limits_init (&limits);
  limits.extract_pdf_inflate_max_bytes = 16;
  expect_refused ("invoice-facturx.pdf", &limits);
  /* One big array named by every node: the cap on bytes parsed stops it. */
  expect_refused ("embedded-shared-names.pdf", fct_limits_default ());
}

static void
test_text_cap (void)
{
  g_autoptr (GBytes) bytes = load ("text.pdf");
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();

  g_assert_true (fct_extract_pdf (bytes, 10, r, NULL));
  g_assert_cmpuint (r->len, <=, 10);
  g_assert_true ((r->flags & FCT_EXTRACT_FLAG_TRUNCATED) != 0);
}

/* A content stream of 64 MiB of drawing operators: the child is stopped by its time
 * limit or finishes; either way the caller gets an answer. */
static void
test_content_bomb (void)
{
  g_autoptr (GBytes) bytes = load ("content-bomb.pdf");
  g_autoptr (FctExtractResult) r = NULL;

  r = fct_extract_isolated (FCT_TEST_EXTRACT_HELPER, FCT_EXTRACT_KIND_PDF, bytes, NULL,
                            g_get_monotonic_time () + G_USEC_PER_SEC);
  g_assert_true (r->status == FCT_EXTRACT_STATUS_TIMEOUT
                 || r->status == FCT_EXTRACT_STATUS_OK);
  g_assert_cmpuint (r->len, ==, 0);
}

static void
test_wire_roundtrip (void)
{
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (FctExtractResult) back = fct_extract_result_new ();
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GString) text = g_string_new ("IBAN FR76\nligne deux\n\xc3\xa9t\xc3\xa9");
  gsize len = 0;
  const guint8 *data;

  r->flags = FCT_EXTRACT_FLAG_VBA | FCT_EXTRACT_FLAG_TRUNCATED;
  r->status = FCT_EXTRACT_STATUS_UNREADABLE;
  g_free (r->text);
  r->len = text->len;
  r->text = g_strdup (text->str);
  g_ptr_array_add (r->embedded, g_strdup ("a\nb.exe"));
  wire = fct_extract_result_serialize (r);
  data = g_bytes_get_data (wire, &len);
  g_assert_true (fct_extract_result_parse (data, len, TEXT_MAX, back));
  g_assert_cmpuint (back->flags, ==, r->flags);
  g_assert_cmpint (back->status, ==, r->status);
  g_assert_cmpstr (back->text, ==, r->text);
  g_assert_cmpuint (back->embedded->len, ==, 1);
  /* A line break in a name cannot forge a second name or the text. */
  g_assert_cmpstr (g_ptr_array_index (back->embedded, 0), ==, "a b.exe");
}

static void
test_wire_strict (void)
{
  static const char *const bad[] = {
    "",
    "FCTX1",
    "FCTX2 0 0 0\n",
    "FCTX1 0 0 0",             /* no line end */
    "FCTX1 256 0 0\n",         /* an unknown flag */
    "FCTX1 0 2 0\n",           /* a status only the parent may give */
    "FCTX1 0 0 65\n",          /* more names than allowed */
    "FCTX1 0 0 2\nonly-one\n", /* fewer names than announced */
    "FCTX1 -1 0 0\n",
    "FCTX1 99999999999 0 0\n",
    "FCTX1  0 0 0\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (FctExtractResult) r = fct_extract_result_new ();
      g_assert_false (
          fct_extract_result_parse ((const guint8 *)bad[i], strlen (bad[i]), TEXT_MAX, r));
    }
}

static void
test_wire_text_cap (void)
{
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (FctExtractResult) r2 = fct_extract_result_new ();
  g_autoptr (FctExtractResult) r3 = fct_extract_result_new ();
  const char *answer = "FCTX1 0 0 0\n0123456789\xff";
  /* Found by fuzz-extract-wire: an invalid byte grows into U+FFFD (3 bytes) past the
     cap. A NUL is replaced too, so that strlen tells the length. */
  static const char grow[] = "FCTX1 0 0 0\n012\x94"
                             "456";
  static const char nul[] = "FCTX1 0 0 0\nab\0cd";

  g_assert_true (fct_extract_result_parse ((const guint8 *)answer, strlen (answer), 4, r));
  g_assert_cmpstr (r->text, ==, "0123");
  g_assert_true ((r->flags & FCT_EXTRACT_FLAG_TRUNCATED) != 0);
  g_assert_true (fct_extract_result_parse ((const guint8 *)grow, sizeof grow - 1, 5, r2));
  g_assert_cmpstr (r2->text, ==, "012");
  g_assert_cmpuint (r2->len, ==, 3);
  g_assert_true (fct_extract_result_parse ((const guint8 *)nul, sizeof nul - 1, 64, r3));
  g_assert_cmpstr (r3->text, ==,
                   "ab\xef\xbf\xbd"
                   "cd");
  g_assert_cmpuint (r3->len, ==, strlen (r3->text));
}

/* A stand-in helper: a shell script that misbehaves as told. */
static char *
fake_helper (const char *dir, const char *name, const char *body)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\n%s\n", body);

  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

typedef struct
{
  const char *name;
  const char *body;
  FctExtractStatus status;
} Fake;

static void
test_child_failures (void)
{
  static const Fake fakes[] = {
    /* Never answers: killed at the deadline. */
    { "sleeper", "exec sleep 60", FCT_EXTRACT_STATUS_TIMEOUT },
    /* Spins: stopped by RLIMIT_CPU or the deadline. */
    { "spinner", "while :; do :; done", FCT_EXTRACT_STATUS_TIMEOUT },
    { "segfault", "cat >/dev/null; kill -SEGV $$", FCT_EXTRACT_STATUS_CRASHED },
    { "garbage", "cat >/dev/null; echo 'not the protocol'", FCT_EXTRACT_STATUS_CRASHED },
    /* Floods: stopped at the answer's cap, never buffered whole. */
    { "flood", "cat >/dev/null; printf 'FCTX1 0 0 0\\n'; exec yes",
      FCT_EXTRACT_STATUS_CRASHED },
    /* Leaves without reading its input: the parent must not die of SIGPIPE. */
    { "quitter", "exit 0", FCT_EXTRACT_STATUS_CRASHED },
    { "failer", "cat >/dev/null; exit 3", FCT_EXTRACT_STATUS_CRASHED },
    /* Writing a file is refused (RLIMIT_FSIZE 0): the child gets SIGXFSZ. */
    { "writer", "cat >/dev/null; head -c 10 /dev/zero > \"$TMPDIR_FCT/written\"",
      FCT_EXTRACT_STATUS_CRASHED },
    /* A well-behaved one, to show the fakes are run at all. */
    { "honest", "cat >/dev/null; printf 'FCTX1 1 0 0\\nhello'", FCT_EXTRACT_STATUS_OK },
  };
  g_autofree char *dir = g_dir_make_tmp ("fct-extract-XXXXXX", NULL);
  /* 8 MiB of input: more than a socket buffer, so that the quitter's early exit hits a
     blocked write. */
  g_autofree guint8 *big = g_malloc0 (8 * 1024 * 1024);
  g_autoptr (GBytes) input = g_bytes_new_take (g_steal_pointer (&big), 8 * 1024 * 1024);
  FctLimits limits;

  g_assert_nonnull (dir);
  g_setenv ("TMPDIR_FCT", dir, TRUE);
  fct_limits_init (&limits);
  limits.extract_text_max_bytes = 4096;
  for (gsize i = 0; i < G_N_ELEMENTS (fakes); i++)
    {
      g_autofree char *helper = fake_helper (dir, fakes[i].name, fakes[i].body);
      /* The fakes that never end get the default deadline; the others a generous one,
         so that a loaded machine's slow shell does not turn their end into a timeout. */
      guint timeout_ms = fakes[i].status == FCT_EXTRACT_STATUS_TIMEOUT
                             ? limits.extract_timeout_ms
                             : 60000;
      g_autoptr (FctExtractResult) r = fct_extract_isolated_spawn (
          helper, FCT_EXTRACT_KIND_PDF, input, &limits,
          g_get_monotonic_time () + (gint64)timeout_ms * 1000);

      g_test_message ("%s: status %d", fakes[i].name, r->status);
      g_assert_cmpint (r->status, ==, fakes[i].status);
      g_assert_nonnull (r->text);
      if (fakes[i].status == FCT_EXTRACT_STATUS_OK)
        g_assert_cmpstr (r->text, ==, "hello");
      else
        g_assert_cmpuint (r->len, ==, 0);
      g_unlink (helper);
    }
  {
    g_autofree char *written = g_build_filename (dir, "written", NULL);
    gsize size = 0;
    g_autofree char *contents = NULL;
    /* The shell may create the file before the write fails; it stays empty. */
    if (g_file_get_contents (written, &contents, &size, NULL))
      g_assert_cmpuint (size, ==, 0);
    g_unlink (written);
  }
  g_rmdir (dir);
}

/* A helper that wants 1 GiB: the address-space limit stops it. AddressSanitizer needs
 * terabytes of address space, so its build runs children without that limit. */
static void
test_child_memory (void)
{
#ifdef FCT_ASAN
  g_test_skip ("no address-space limit under AddressSanitizer");
#else
  g_autofree char *dir = g_dir_make_tmp ("fct-extract-XXXXXX", NULL);
  g_autofree char *helper = NULL;
  g_autoptr (GBytes) input = g_bytes_new_static ("x", 1);
  g_autoptr (FctExtractResult) r = NULL;
  FctLimits limits;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no python3 to play the greedy child");
      return;
    }
  /* Without the limit this answers "FCTX1 ..." and the status is OK. */
  helper = fake_helper (dir, "greedy",
                        "exec /usr/bin/python3 -c 'import sys; sys.stdin.read(); "
                        "b = bytearray(1 << 30); sys.stdout.write(\"FCTX1 0 0 0\\n\")'");
  fct_limits_init (&limits);
  limits.extract_memory_max_bytes = 256 * 1024 * 1024;
  r = fct_extract_isolated_spawn (helper, FCT_EXTRACT_KIND_PDF, input, &limits,
                                  g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
  g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_CRASHED);
  g_unlink (helper);
  g_rmdir (dir);
#endif
}

static void
test_child_missing (void)
{
  g_autoptr (GBytes) input = g_bytes_new_static ("%PDF-1.4", 8);
  g_autoptr (FctExtractResult) r
      = fct_extract_isolated ("/nonexistent/facteur-extract", FCT_EXTRACT_KIND_PDF, input,
                              NULL, g_get_monotonic_time () + G_USEC_PER_SEC);

  g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_UNAVAILABLE);
}

/* A deadline already past starts nothing. */
static void
test_deadline_past (void)
{
  g_autoptr (GBytes) input = load ("text.pdf");
  g_autoptr (FctExtractResult) r = fct_extract_isolated (
      FCT_TEST_EXTRACT_HELPER, FCT_EXTRACT_KIND_PDF, input, NULL, g_get_monotonic_time ());

  g_assert_cmpint (r->status, ==, FCT_EXTRACT_STATUS_TIMEOUT);
}

static void
test_kind_names (void)
{
  FctExtractKind kind;

  for (FctExtractKind k = FCT_EXTRACT_KIND_PDF; k <= FCT_EXTRACT_KIND_OLE; k++)
    {
      g_assert_true (fct_extract_kind_from_string (fct_extract_kind_to_string (k), &kind));
      g_assert_cmpint (kind, ==, k);
    }
  g_assert_false (fct_extract_kind_from_string ("exe", &kind));
  g_assert_false (fct_extract_kind_from_string (NULL, &kind));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gsf_init ();
  /* A child's early exit must not kill the test by SIGPIPE: the default disposition is
     kept on purpose, as a milter would have it. */
  signal (SIGPIPE, SIG_DFL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *p1 = g_strdup_printf ("/extract/parser/%s/%s", cases[i].file,
                                             fct_extract_kind_to_string (cases[i].kind));
      g_autofree char *p2 = g_strdup_printf ("/extract/isolated/%s/%s", cases[i].file,
                                             fct_extract_kind_to_string (cases[i].kind));
      g_test_add_data_func (p1, &cases[i], test_parser);
      g_test_add_data_func (p2, &cases[i], test_isolated);
    }
  g_test_add_func ("/extract/text-cap", test_text_cap);
  g_test_add_func ("/extract/pdf-embedded", test_pdf_embedded);
  g_test_add_func ("/extract/pdf-embedded-limits", test_pdf_embedded_limits);
  g_test_add_func ("/extract/content-bomb", test_content_bomb);
  g_test_add_func ("/extract/wire/roundtrip", test_wire_roundtrip);
  g_test_add_func ("/extract/wire/strict", test_wire_strict);
  g_test_add_func ("/extract/wire/text-cap", test_wire_text_cap);
  g_test_add_func ("/extract/child/failures", test_child_failures);
  g_test_add_func ("/extract/gsf-bad-block", test_gsf_bad_block);
  g_test_add_func ("/extract/resident/restart", test_resident_restart);
  g_test_add_func ("/extract/resident/refused", test_resident_refused);
  g_test_add_func ("/extract/resident/threads", test_resident_threads);
  g_test_add_func ("/extract/child/memory", test_child_memory);
  g_test_add_func ("/extract/child/missing", test_child_missing);
  g_test_add_func ("/extract/child/deadline-past", test_deadline_past);
  g_test_add_func ("/extract/kind-names", test_kind_names);
  return g_test_run ();
}
