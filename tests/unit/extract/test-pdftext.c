/* facteur — tests of the reader of ordinary PDFs without poppler (pdftext.c): documents
 * written by the test for each thing it reads (WinAnsi Helvetica, an Identity-H Type0
 * font with its ToUnicode CMap, TJ kerning, line moves, an IBAN over several strings, a
 * form XObject, /Differences), each thing it must leave to poppler (and poppler then
 * reads), active content that must reach poppler's flags, and an equivalence with
 * poppler over every PDF of the repository's test data and the documents that cairo
 * (pango-view) and gropdf (groff) write: where the reader accepts a file, its words are
 * poppler's. */
#include <facteur/extract.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#define TEXT_MAX (1024 * 1024)

/* A PDF being written: its objects, numbered from 1. */
typedef struct
{
  GPtrArray *objects; /* GString */
  GString *trailer;   /* keys added to the trailer */
} Doc;

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static Doc *
doc_new (void)
{
  Doc *d = g_new0 (Doc, 1);

  d->objects = g_ptr_array_new_with_free_func (string_free);
  d->trailer = g_string_new (NULL);
  return d;
}

static void
doc_free (Doc *d)
{
  g_ptr_array_unref (d->objects);
  g_string_free (d->trailer, TRUE);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Doc, doc_free)

/* Sets object num (from 1) to text. */
static void
doc_set (Doc *d, guint num, const char *text)
{
  while (d->objects->len < num)
    g_ptr_array_add (d->objects, g_string_new ("null"));
  g_string_assign (g_ptr_array_index (d->objects, num - 1), text);
}

/* Sets object num to a stream of data, compressed with zlib when flate. */
static void
doc_stream (Doc *d, guint num, const char *dict, const char *data, gboolean flate)
{
  g_autoptr (GString) s = g_string_new (NULL);
  gsize len = strlen (data);

  if (flate)
    {
      uLongf out = compressBound (len);
      g_autofree guint8 *z = g_malloc (out);

      g_assert_cmpint (compress (z, &out, (const guint8 *)data, len), ==, Z_OK);
      g_string_printf (s, "<< %s /Length %lu /Filter /FlateDecode >>\nstream\n", dict, out);
      g_string_append_len (s, (const char *)z, (gssize)out);
    }
  else
    {
      g_string_printf (s, "<< %s /Length %" G_GSIZE_FORMAT " >>\nstream\n", dict, len);
      g_string_append (s, data);
    }
  g_string_append (s, "\nendstream");
  doc_set (d, num, "");
  g_string_append_len (g_ptr_array_index (d->objects, num - 1), s->str, (gssize)s->len);
}

/* The file, with a cross-reference table whose offsets are off by shift. */
static GBytes *
doc_bytes_shifted (const Doc *d, gsize shift)
{
  GString *out = g_string_new ("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize xref;

  for (guint i = 0; i < d->objects->len; i++)
    {
      const GString *o = g_ptr_array_index (d->objects, i);
      gsize at = out->len;

      g_array_append_val (offsets, at);
      g_string_append_printf (out, "%u 0 obj\n", i + 1);
      g_string_append_len (out, o->str, (gssize)o->len);
      g_string_append (out, "\nendobj\n");
    }
  xref = out->len;
  g_string_append_printf (out, "xref\n0 %u\n0000000000 65535 f \n", d->objects->len + 1);
  for (guint i = 0; i < offsets->len; i++)
    g_string_append_printf (out, "%010" G_GSIZE_FORMAT " 00000 n \n",
                            g_array_index (offsets, gsize, i) + shift);
  g_string_append_printf (
      out,
      "trailer\n<< /Size %u /Root 1 0 R %s >>\nstartxref\n%" G_GSIZE_FORMAT "\n%%%%EOF\n",
      d->objects->len + 1, d->trailer->str, xref);
  return g_string_free_to_bytes (out);
}

static GBytes *
doc_bytes (const Doc *d)
{
  return doc_bytes_shifted (d, 0);
}

#define HELVETICA                                                                          \
  "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

/* A one-page document: catalog 1, pages 2, page 3 with font /F1 (object 4, font) and
 * extra resources, content 5. */
static Doc *
page_doc (const char *font, const char *resources, const char *content)
{
  Doc *d = doc_new ();
  g_autofree char *page = g_strdup_printf (
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
      "/Resources << /Font << /F1 4 0 R >> %s >> >>",
      resources);

  doc_set (d, 1, "<< /Type /Catalog /Pages 2 0 R >>");
  doc_set (d, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  doc_set (d, 3, page);
  doc_set (d, 4, font);
  doc_stream (d, 5, "", content, TRUE);
  return d;
}

static char *
words_of (const char *text)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \t\r\n\f", -1);
  GString *out = g_string_new (NULL);

  for (char **w = words; *w != NULL; w++)
    if (**w != '\0')
      g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", *w);
  return g_string_free (out, FALSE);
}

/* The reader accepts bytes and reads want (a piece of its text), and poppler reads the
 * same words. */
static void
assert_simple (GBytes *bytes, const char *want)
{
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (FctExtractResult) p = fct_extract_result_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;

  g_assert_true (fct_extract_pdf_simple (bytes, TEXT_MAX, r));
  g_assert_nonnull (strstr (r->text, want));
  g_assert_true (fct_extract_pdf_poppler (bytes, TEXT_MAX, p, &error));
  g_assert_no_error (error);
  mine = words_of (r->text);
  theirs = words_of (p->text);
  g_assert_cmpstr (mine, ==, theirs);
  g_assert_cmpuint (r->flags, ==, p->flags);
}

/* The reader leaves bytes to poppler, untouched, and the combined reader still reads
 * want (unless NULL), with at least flags and exactly poppler's. */
static void
assert_poppler (GBytes *bytes, const char *want, FctExtractFlags flags)
{
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (FctExtractResult) all = fct_extract_result_new ();
  g_autoptr (FctExtractResult) p = fct_extract_result_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (fct_extract_pdf_simple (bytes, TEXT_MAX, r));
  g_assert_cmpuint (r->flags, ==, 0);
  g_assert_cmpuint (r->len, ==, 0);
  g_assert_cmpuint (r->embedded->len, ==, 0);
  if (want == NULL)
    return;
  g_assert_true (fct_extract_pdf (bytes, TEXT_MAX, all, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (all->text, want));
  g_assert_cmpuint (all->flags & flags, ==, flags);
  g_assert_true (fct_extract_pdf_poppler (bytes, TEXT_MAX, p, NULL));
  g_assert_cmpuint (all->flags, ==, p->flags);
  g_assert_cmpstr (all->text, ==, p->text);
}

static void
test_winansi (void)
{
  g_autoptr (Doc) d
      = page_doc (HELVETICA, "",
                  "BT /F1 12 Tf 72 700 Td (Factur\\351e 1 234,00 \\200 \\(TTC\\)) Tj ET");
  g_autoptr (GBytes) b = doc_bytes (d);

  assert_simple (b, "Facturée 1 234,00 € (TTC)");
}

/* A Type0 font as cairo writes one: Identity-H codes, widths in /W, a ToUnicode CMap
 * with bfchar and both forms of bfrange. */
static void
test_type0 (void)
{
  g_autoptr (Doc) d = page_doc (
      "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+DejaVuSans /Encoding /Identity-H "
      "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
      "", "BT /F1 12 Tf 72 700 Td <0001000200030004000500060007> Tj ET");
  g_autoptr (GBytes) b = NULL;

  doc_set (d, 6,
           "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+DejaVuSans "
           "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
           "/DW 600 /W [1 [722 556] 3 7 500] >>");
  doc_stream (d, 7, "",
              "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
              "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
              "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
              "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
              "2 beginbfchar <0001> <0052> <0002> <00E9> endbfchar\n"
              "2 beginbfrange <0003> <0004> <0067> <0005> <0007> [<006C> <0065> <20AC>]\n"
              "endbfrange\nendcmap CMapName currentdict /CMap defineresource pop end end",
              TRUE);
  b = doc_bytes (d);
  assert_simple (b, "Réghle€");
}

static void
test_kerning (void)
{
  g_autoptr (Doc) d
      = page_doc (HELVETICA, "",
                  "BT /F1 12 Tf 72 700 Td [(Fac) 30 (ture) -2000 (pay) 15 (\\351e)] TJ ET");
  g_autoptr (GBytes) b = doc_bytes (d);

  assert_simple (b, "Facture payée");
}

static void
test_lines (void)
{
  g_autoptr (Doc) d
      = page_doc (HELVETICA, "",
                  "BT /F1 12 Tf 14 TL 72 700 Td (Ligne un) Tj 0 -14 Td (Ligne deux)"
                  " Tj T* (Ligne trois) Tj (Ligne quatre) ' ET");
  g_autoptr (GBytes) b = doc_bytes (d);

  assert_simple (b, "Ligne un\nLigne deux\nLigne trois\nLigne quatre\n");
}

/* Invoicing software writes an IBAN piece by piece: the scan must read it whole. */
static void
test_iban_pieces (void)
{
  g_autoptr (Doc) d = page_doc (HELVETICA, "",
                                "BT /F1 10 Tf 72 700 Td (IBAN : FR76 ) Tj (3000 6000 ) Tj "
                                "(0112 3456 ) Tj (7890 189) Tj ET");
  g_autoptr (GBytes) b = doc_bytes (d);

  assert_simple (b, "IBAN : FR76 3000 6000 0112 3456 7890 189");
}

static void
test_form (void)
{
  g_autoptr (Doc) d
      = page_doc (HELVETICA, "/XObject << /Fm1 6 0 R >>",
                  "q 1 0 0 1 0 -100 cm /Fm1 Do Q BT /F1 12 Tf 72 750 Td (Hors du "
                  "formulaire) Tj ET");
  g_autoptr (GBytes) b = NULL;

  doc_stream (d, 6,
              "/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
              "/Resources << /Font << /F1 4 0 R >> >>",
              "BT /F1 12 Tf 72 700 Td (Dans le formulaire) Tj ET", TRUE);
  b = doc_bytes (d);
  assert_simple (b, "Hors du formulaire\nDans le formulaire");
}

/* /Differences over WinAnsi, with names of the glyph list; an inline image before the
 * text is skipped. */
static void
test_differences (void)
{
  g_autoptr (Doc) d = page_doc (
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
      "/BaseEncoding /WinAnsiEncoding /Differences [1 /Eacute /Euro 65 /eacute /.notdef] "
      ">> >>",
      "",
      "q 10 0 0 10 72 600 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x01\x02\x03\x04 EI Q "
      "BT /F1 12 Tf 72 700 Td (\\001t\\351 A 5 \\002) Tj ET");
  g_autoptr (GBytes) b = doc_bytes (d);

  assert_simple (b, "Été é 5 €");
}

/* §14.9.4: cairo writes what it draws as a ligature or a cluster with its text, which
 * replaces the glyphs. */
static void
test_actual_text (void)
{
  g_autoptr (Doc) d
      = page_doc (HELVETICA, "",
                  "BT /F1 12 Tf 72 700 Td (Avant ) Tj /Span << /ActualText "
                  "(\\376\\377\\000\\305\\001\\023) >> BDC (xx) Tj EMC ( apr\\350s) Tj ET");
  g_autoptr (GBytes) b = doc_bytes (d);

  assert_simple (b, "Avant Åē après");
}

/* Each thing the reader does not do: poppler reads the document. */
static void
test_not_simple (void)
{
  struct
  {
    const char *font;
    const char *content;
    const char *want; /* what poppler reads */
  } cases[] = {
    /* A Type3 font draws glyphs with its own procedures. */
    { "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 750 750] /FontMatrix [0.001 0 0 0.001 "
      "0 0] /CharProcs << /A 6 0 R >> /Encoding << /Type /Encoding /Differences [65 /A] >> "
      "/FirstChar 65 /LastChar 65 /Widths [500] /Resources << >> >>",
      "BT /F1 12 Tf 72 700 Td (AAA) Tj ET", NULL },
    /* An encoding it has no table for. */
    { "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /MacExpertEncoding >>",
      "BT /F1 12 Tf 72 700 Td (abc) Tj ET", NULL },
    /* Glyph names outside the glyph list: poppler makes nothing of uni20AC in a font it
       does not have. */
    { "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [65 "
      "/g123] >> >>",
      "BT /F1 12 Tf 72 700 Td (Bonjour) Tj ET", "Bonjour" },
    { "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [2 "
      "/uni20AC] >> >>",
      "BT /F1 12 Tf 72 700 Td (Prix 5 \\002) Tj ET", "Prix 5" },
    /* Text turned a quarter. */
    { HELVETICA, "BT /F1 12 Tf 0 1 -1 0 300 300 Tm (Vertical) Tj ET", "Vertical" },
    /* Invisible text, the OCR layer of a scan. */
    { HELVETICA, "BT 3 Tr /F1 12 Tf 72 700 Td (Invisible) Tj ET", NULL },
    /* A replacement text that never ends. */
    { HELVETICA,
      "/Span << /ActualText (Autre) >> BDC BT /F1 12 Tf 72 700 Td (Dessin) Tj ET", NULL },
    /* A form that draws itself: poppler's recursion limit, not this reader's loop. */
    { HELVETICA, "/Fm1 Do BT /F1 12 Tf 72 700 Td (Boucle) Tj ET", NULL },
    /* A code outside the Type0 font's ToUnicode. */
    { "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts "
      "[<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry "
      "(Adobe) /Ordering (Identity) /Supplement 0 >> >>] /ToUnicode 6 0 R >>",
      "BT /F1 12 Tf 72 700 Td <00010009> Tj ET", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Doc) d
          = page_doc (cases[i].font, "/XObject << /Fm1 7 0 R >>", cases[i].content);
      g_autoptr (GBytes) b = NULL;

      if (i == 0)
        doc_stream (d, 6, "", "500 0 d0 0 0 750 750 re f", FALSE);
      else
        doc_stream (d, 6, "",
                    "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
                    "1 beginbfchar <0001> <0041> endbfchar",
                    FALSE);
      doc_stream (d, 7, "/Type /XObject /Subtype /Form /BBox [0 0 10 10] ", "/Fm1 Do",
                  FALSE);
      b = doc_bytes (d);
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      assert_poppler (b, cases[i].want, 0);
    }
}

/* The file's structure: an odd filter, a cross-reference that does not match, encryption,
 * form fields, optional content, a turned page (inherited), and no cross-reference. */
static void
test_not_simple_structure (void)
{
  const char *content = "BT /F1 12 Tf 72 700 Td (Structure) Tj ET";

  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;
    g_autofree char *hex = NULL;
    GString *h = g_string_new (NULL);

    for (const char *p = content; *p != '\0'; p++)
      g_string_append_printf (h, "%02x", (guchar)*p);
    g_string_append_c (h, '>');
    hex = g_string_free (h, FALSE);
    doc_set (d, 5, "");
    {
      g_autofree char *s = g_strdup_printf (
          "<< /Length %zu /Filter /ASCIIHexDecode >>\nstream\n%s\nendstream", strlen (hex),
          hex);
      doc_set (d, 5, s);
    }
    b = doc_bytes (d);
    assert_poppler (b, "Structure", 0);
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = doc_bytes_shifted (d, 3);

    assert_poppler (b, "Structure", 0);
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    g_string_append (d->trailer,
                     "/Encrypt << /Filter /Standard /V 1 /R 2 /O (0123456789012345"
                     "6789012345678901) /U (01234567890123456789012345678901) /P -4 >>");
    b = doc_bytes (d);
    assert_poppler (b, NULL, 0);
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    doc_set (d, 3,
             "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
             "/Resources << /Font << /F1 4 0 R >> >> /Annots [<< /Type /Annot /Subtype "
             "/Widget /FT /Tx /T (iban) /V (FR76) /Rect [72 600 300 620] >>] >>");
    b = doc_bytes (d);
    assert_poppler (b, "Structure", 0);
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    doc_set (d, 1,
             "<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [] /D << >> >> >>");
    b = doc_bytes (d);
    assert_poppler (b, "Structure", 0);
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    doc_set (d, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /Rotate 90 >>");
    b = doc_bytes (d);
    assert_poppler (b, "Structure", 0);
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) full = doc_bytes (d);
    gsize len = 0;
    const char *data = g_bytes_get_data (full, &len);
    gsize cut = len - 6;
    g_autoptr (GBytes) b = NULL;

    /* The file without its cross-reference table, which poppler rebuilds. */
    while (cut > 0 && memcmp (data + cut, "\nxref\n", 6) != 0)
      cut--;
    g_assert_cmpuint (cut, >, 0);
    {
      GString *no_xref = g_string_new_len (data, (gssize)cut + 1);

      g_string_append (no_xref, "trailer\n<< /Root 1 0 R >>\n%%EOF\n");
      b = g_string_free_to_bytes (no_xref);
    }

    assert_poppler (b, "Structure", 0);
  }
}

/* A small form drawn more times than the reader draws forms per document (FORMS_MAX,
 * 4096): a loop of its own would cost the resident seconds. */
static void
test_forms_limit (void)
{
  GString *content = g_string_new ("BT /F1 12 Tf 72 750 Td (Page) Tj ET ");
  g_autoptr (Doc) d = NULL;
  g_autoptr (GBytes) b = NULL;

  for (int i = 0; i < 5000; i++)
    g_string_append (content, "/Fm1 Do\n");
  d = page_doc (HELVETICA, "/XObject << /Fm1 6 0 R >>", content->str);
  g_string_free (content, TRUE);
  doc_stream (d, 6, "/Type /XObject /Subtype /Form /BBox [0 0 595 842] ",
              "0 0 1 rg 0 0 1 1 re f", TRUE);
  b = doc_bytes (d);
  assert_poppler (b, "Page", 0);
}

/* Active content is poppler's to judge: the reader never accepts a document that names
 * it, and the combined reader reports it. */
static void
test_active (void)
{
  const char *content = "BT /F1 12 Tf 72 700 Td (Facture) Tj ET";

  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    doc_set (d, 1,
             "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS "
             "(app.alert\\(1\\)) >> >>");
    b = doc_bytes (d);
    /* poppler 22.12's poppler_document_has_javascript does not count an /OpenAction
       script: the analysis' scan of the bytes (attachments.c) reports it. */
    assert_poppler (b, "Facture", 0);
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (b, &len);
      FctExtractPdfActive found = { FALSE, FALSE, FALSE };

      fct_extract_pdf_active (data, len, &found);
      g_assert_true (found.javascript && found.auto_action);
    }
  }
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    doc_set (d, 3,
             "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
             "/Resources << /Font << /F1 4 0 R >> >> /Annots [6 0 R] >>");
    doc_set (d, 6,
             "<< /Type /Annot /Subtype /Link /Rect [72 690 200 710] /A << /S /L#61unch /F "
             "(calc.exe) >> >>");
    b = doc_bytes (d);
    assert_poppler (b, "Facture", FCT_EXTRACT_FLAG_LAUNCH);
  }
  /* A link to a web page is ordinary. */
  {
    g_autoptr (Doc) d = page_doc (HELVETICA, "", content);
    g_autoptr (GBytes) b = NULL;

    doc_set (d, 3,
             "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
             "/Resources << /Font << /F1 4 0 R >> >> /Annots [6 0 R] >>");
    doc_set (d, 6,
             "<< /Type /Annot /Subtype /Link /Rect [72 690 200 710] /A << /S /URI /URI "
             "(https://example.com/) >> >>");
    b = doc_bytes (d);
    assert_simple (b, "Facture");
  }
}

/* --- Equivalence with poppler on real documents. */

typedef struct
{
  guint files;
  guint accepted;
  guint tables; /* of which laid out as tables */
} Tally;

static gint
compare_chars (gconstpointer a, gconstpointer b, gpointer unused)
{
  gunichar x = *(const gunichar *)a, y = *(const gunichar *)b;

  (void)unused;
  return x < y ? -1 : x > y;
}

/* The characters of a text but its white space, sorted: the same glyphs read as the same
 * characters, in whatever order. */
static char *
characters_of (const char *text)
{
  GString *out = g_string_new (NULL);
  g_autofree gunichar *chars = NULL;
  glong n = 0;

  chars = g_utf8_to_ucs4_fast (text, -1, &n);
  g_qsort_with_data (chars, (gint)n, sizeof (gunichar), compare_chars, NULL);
  for (glong i = 0; i < n; i++)
    if (!g_unichar_isspace (chars[i]))
      g_string_append_unichar (out, chars[i]);
  return g_string_free (out, FALSE);
}

/* Documents laid out as tables, where poppler's layout analysis reads a column block
 * after block and glues the cells of a row ("DescriptionQtyUnit priceAmount") while this
 * reader writes each baseline left to right, cells apart: the same characters, another
 * order. bench/check/make-corpus.py's invoice is one. */
static const char *const tables_layout[] = { "bench-invoice.pdf" };

static void
equivalent (const char *name, GBytes *bytes, Tally *t)
{
  g_autoptr (FctExtractResult) r = fct_extract_result_new ();
  g_autoptr (FctExtractResult) p = fct_extract_result_new ();
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  gboolean ok;

  t->files++;
  if (!fct_extract_pdf_simple (bytes, TEXT_MAX, r))
    return;
  t->accepted++;
  ok = fct_extract_pdf_poppler (bytes, TEXT_MAX, p, NULL);
  g_test_message ("%s: read", name);
  g_assert_true (ok);
  {
    g_autofree char *a = characters_of (r->text);
    g_autofree char *b = characters_of (p->text);
    g_assert_cmpstr (a, ==, b);
  }
  mine = words_of (r->text);
  theirs = words_of (p->text);
  for (gsize i = 0; i < G_N_ELEMENTS (tables_layout); i++)
    if (g_str_has_suffix (name, tables_layout[i]))
      {
        t->tables++;
        g_assert_cmpstr (mine, !=, theirs); /* else it belongs with the others */
        g_clear_pointer (&mine, g_free);
        break;
      }
  if (mine != NULL)
    g_assert_cmpstr (mine, ==, theirs);
  g_assert_cmpuint (r->flags, ==, p->flags);
  g_assert_cmpuint (r->embedded->len, ==, p->embedded->len);
  for (guint i = 0; i < r->embedded->len; i++)
    g_assert_cmpstr (g_ptr_array_index (r->embedded, i), ==,
                     g_ptr_array_index (p->embedded, i));
}

static void
equivalent_file (const char *path, Tally *t)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GBytes) bytes = NULL;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return;
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  equivalent (path, bytes, t);
}

/* The base64 application/pdf parts of a test message. */
static void
equivalent_message (const char *path, Tally *t)
{
  g_autofree char *data = NULL;
  const char *p;

  if (!g_file_get_contents (path, &data, NULL, NULL))
    return;
  for (p = data; (p = strstr (p, "application/pdf")) != NULL;)
    {
      const char *body = strstr (p, "\n\n");
      const char *crlf = strstr (p, "\r\n\r\n");
      const char *end;
      g_autofree char *b64 = NULL;
      g_autofree guchar *pdf = NULL;
      gsize len = 0;

      if (crlf != NULL && (body == NULL || crlf < body))
        body = crlf + 2;
      if (body == NULL)
        break;
      end = strstr (body + 2, "\n--");
      if (end == NULL)
        end = body + strlen (body);
      b64 = g_strndup (body, (gsize)(end - body));
      pdf = g_base64_decode (b64, &len);
      if (len > 5 && memcmp (pdf, "%PDF-", 5) == 0)
        {
          g_autoptr (GBytes) bytes = g_bytes_new (pdf, len);
          equivalent (path, bytes, t);
        }
      p = end;
    }
}

static void
equivalent_tree (const char *dir, const char *suffix, gboolean messages, Tally *t)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        equivalent_tree (path, suffix, messages, t);
      else if (g_str_has_suffix (name, suffix) && messages)
        equivalent_message (path, t);
      else if (g_str_has_suffix (name, suffix))
        equivalent_file (path, t);
    }
}

static void
test_equivalent_repository (void)
{
  g_autofree char *data
      = g_test_build_filename (G_TEST_DIST, "unit", "extract", "data", NULL);
  g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", NULL);
  g_autofree char *messages = g_test_build_filename (G_TEST_DIST, "data", NULL);
  Tally t = { 0, 0, 0 };

  equivalent_tree (data, ".pdf", FALSE, &t);
  equivalent_tree (corpus, ".pdf", FALSE, &t);
  equivalent_tree (messages, ".eml", TRUE, &t);
  g_test_message ("%u PDFs, %u read without poppler as poppler reads them (%u tables: the "
                  "same characters)",
                  t.files, t.accepted, t.tables);
  g_assert_cmpuint (t.tables, ==, G_N_ELEMENTS (tables_layout));
  /* text.pdf, the Factur-X invoice, the embedded-file samples, the test messages'
     invoices: a reader that accepted none would pass the loop above. */
  g_assert_cmpuint (t.accepted, >=, 10);
}

/* Runs argv and returns the file it writes, NULL when the program is missing. */
static GBytes *
generated (const char *const *argv, const char *input, const char *out)
{
  g_autofree char *program = g_find_program_in_path (argv[0]);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GBytes) stdout_bytes = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;

  if (program == NULL)
    return NULL;
  proc = g_subprocess_newv (argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE
                                | (out == NULL ? G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                               : G_SUBPROCESS_FLAGS_STDOUT_SILENCE)
                                | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error);
  g_assert_no_error (error);
  {
    g_autoptr (GBytes) in = g_bytes_new (input, strlen (input));
    g_subprocess_communicate (proc, in, NULL, &stdout_bytes, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (g_subprocess_get_successful (proc));
  if (out == NULL)
    return g_steal_pointer (&stdout_bytes);
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static const char letter[]
    = "Facture n° F-2026-0042 du 12/11/2026\n"
      "Montant dû : 1 234,56 € TTC, à régler sous trente jours.\n"
      "IBAN : FR76 3000 6000 0112 3456 7890 189 — BIC : BNPAFRPPXXX\n"
      "Nous vous remercions de votre confiance ; « Œuvre », naïve façade, déjà réglé.\n";

/* cairo (through pango-view) writes subset TrueType fonts as Identity-H Type0 fonts with
 * ToUnicode CMaps; gropdf (groff) writes Type1 fonts with custom encodings. */
static void
test_equivalent_generated (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fct-pdftext-XXXXXX", NULL);
  g_autofree char *txt = g_build_filename (dir, "letter.txt", NULL);
  g_autofree char *cairo = g_build_filename (dir, "cairo.pdf", NULL);
  g_autofree char *cairo_serif = g_build_filename (dir, "cairo-serif.pdf", NULL);
  g_autofree char *out1 = g_strconcat ("--output=", cairo, NULL);
  g_autofree char *out2 = g_strconcat ("--output=", cairo_serif, NULL);
  const char *pango[] = { "pango-view", "-q", out1, txt, NULL };
  const char *pango_serif[]
      = { "pango-view", "-q", "--font=DejaVu Serif 11", out2, txt, NULL };
  const char *groff[] = { "groff", "-Tpdf", "-k", "-ms", NULL };
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GBytes) c = NULL;
  g_autofree char *ms
      = g_strconcat (".TL\nFacture\n.PP\n", letter,
                     "Un paragraphe assez long pour que groff coupe la ligne "
                     "et la justifie en ajoutant des espaces entre les mots.\n",
                     NULL);
  Tally t = { 0, 0, 0 };

  g_assert_nonnull (dir);
  g_assert_true (g_file_set_contents (txt, letter, -1, NULL));
  a = generated (pango, "", cairo);
  b = generated (pango_serif, "", cairo_serif);
  c = generated (groff, ms, NULL);
  if (a == NULL || c == NULL)
    {
      g_test_skip ("pango-view (pango1.0-tools) or groff missing: scripts/install-deps");
      return;
    }
  equivalent ("cairo", a, &t);
  equivalent ("cairo-serif", b, &t);
  equivalent ("gropdf", c, &t);
  g_assert_cmpuint (t.accepted, ==, 3);
  {
    g_autoptr (FctExtractResult) r = fct_extract_result_new ();
    g_assert_true (fct_extract_pdf_simple (a, TEXT_MAX, r));
    g_assert_nonnull (strstr (r->text, "FR76 3000 6000 0112 3456 7890 189"));
  }
  g_unlink (txt);
  g_unlink (cairo);
  g_unlink (cairo_serif);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pdftext/winansi", test_winansi);
  g_test_add_func ("/pdftext/type0", test_type0);
  g_test_add_func ("/pdftext/kerning", test_kerning);
  g_test_add_func ("/pdftext/lines", test_lines);
  g_test_add_func ("/pdftext/iban-pieces", test_iban_pieces);
  g_test_add_func ("/pdftext/form", test_form);
  g_test_add_func ("/pdftext/differences", test_differences);
  g_test_add_func ("/pdftext/actual-text", test_actual_text);
  g_test_add_func ("/pdftext/not-simple/fonts-and-text", test_not_simple);
  g_test_add_func ("/pdftext/not-simple/structure", test_not_simple_structure);
  g_test_add_func ("/pdftext/active", test_active);
  g_test_add_func ("/pdftext/not-simple/forms-limit", test_forms_limit);
  g_test_add_func ("/pdftext/equivalent/repository", test_equivalent_repository);
  g_test_add_func ("/pdftext/equivalent/generated", test_equivalent_generated);
  return g_test_run ();
}
