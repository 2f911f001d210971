/* facteur — dangerous attachments: programs by name and by content, double extensions,
 * Office macros (ECMA-376 vbaProject.bin, MS-OVBA in OLE files), OneNote notebooks, disk
 * images, HTML pages, a declared type that the content (libmagic) contradicts, PDF
 * JavaScript and launch actions (ISO 32000-1 §12.6.4), and archives opened with
 * libarchive and walked recursively under a depth, member and size budget, every list
 * applied to their members. PDF and Office text is read in a child process
 * (src/lib/extract) and kept for the fraud checks. */
#include "analysis-private.h"

#include <facteur/extract.h>

#include <archive.h>
#include <archive_entry.h>
#include <magic.h>
#include <string.h>

/* Run on a double click on Windows or macOS (Microsoft's "Blocked attachments in
 * Outlook" list, reduced to what is still seen) and Java/Android packages. */
static const char *const executable_ext[]
    = { "exe",     "scr", "com",         "pif",       "bat", "cmd", "vbs",  "vbe",
        "js",      "jse", "wsf",         "wsh",       "hta", "cpl", "msi",  "msp",
        "jar",     "ps1", "psm1",        "lnk",       "reg", "dll", "scf",  "inf",
        "gadget",  "msc", "application", "appref-ms", "sct", "chm", "apk",  "app",
        "command", "pkg", "url",         "iqy",       "slk", "xll", "msix", "appx" };
/* Office formats that carry macros by definition (ECMA-376 Part 2 content types). */
static const char *const macro_ext[] = { "docm", "dotm", "xlsm", "xltm", "xlam", "xlsb",
                                         "pptm", "potm", "ppsm", "ppam", "sldm" };
/* Office Open XML and OpenDocument containers: their text is read, and a vbaProject.bin
 * betrays a renamed macro file. */
static const char *const ooxml_ext[]
    = { "docx", "xlsx", "pptx", "dotx", "xltx", "potx", "odt", "ods", "odp" };
/* OLE2 compound files (MS-CFB): legacy Office documents that may hold a VBA project. */
static const char *const ole_ext[] = { "doc", "dot", "xls", "xlt", "ppt", "pps", "pot" };
static const char *const html_ext[]
    = { "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg" };
static const char *const image_ext[] = { "iso", "img", "vhd", "vhdx", "dmg", "udf" };
/* OneNote notebooks ([MS-ONESTORE]): a page that shows a button over an embedded
 * script, the lure that replaced macros in 2023. */
static const char *const onenote_ext[] = { "one", "onetoc2", "onepkg" };
/* What a lure pretends to be in "facture.pdf.exe". */
static const char *const document_ext[]
    = { "pdf",  "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "odt", "jpg",
        "jpeg", "png", "gif",  "zip", "csv",  "htm", "html", "mp3", "mp4", "avi" };
static const char *const archive_ext[]
    = { "zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "txz", "tbz2", "cab", "zst" };
/* Single-file compressors: "facture.exe.gz" holds "facture.exe". */
static const char *const compressor_ext[] = { "gz", "bz2", "xz", "z", "lz", "lzma", "zst" };
/* Declared types that promise a passive document or picture, for the type check. */
static const char *const passive_ext[]
    = { "pdf", "doc", "docx", "xls",  "xlsx", "ppt", "pptx", "odt", "ods",  "rtf",
        "txt", "csv", "jpg",  "jpeg", "png",  "gif", "bmp",  "tif", "tiff", "heic" };

/* The first bytes read to tell a file's type: tar's magic is at 257, a PDF header may
 * follow up to 1,024 bytes of junk (ISO 32000-1 §7.5.2 readers accept it). */
#define HEAD_BYTES 4096

static gboolean
in_list (const char *ext, const char *const *list, gsize n)
{
  if (ext == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (ext, list[i]) == 0)
      return TRUE;
  return FALSE;
}

#define IN(ext, list) in_list ((ext), (list), G_N_ELEMENTS (list))

/* The last extension of a file name (transfer full), without trailing dots and spaces
 * that Windows ignores, or NULL; *previous gets the one before it. */
static char *
extensions (const char *name, char **previous)
{
  g_autofree char *base = NULL;
  char *dot;
  char *last;
  gsize len;

  if (previous != NULL)
    *previous = NULL;
  if (name == NULL)
    return NULL;
  base = g_strdup (strrchr (name, '/') != NULL ? strrchr (name, '/') + 1 : name);
  len = strlen (base);
  while (len > 0 && (base[len - 1] == '.' || base[len - 1] == ' '))
    base[--len] = '\0';
  if ((dot = strrchr (base, '.')) == NULL)
    return NULL;
  last = g_strdup (dot + 1);
  *dot = '\0';
  /* "facture.pdf      .exe": padding hides the real extension in narrow columns. */
  len = strlen (base);
  while (len > 0 && base[len - 1] == ' ')
    base[--len] = '\0';
  if (previous != NULL && (dot = strrchr (base, '.')) != NULL)
    *previous = g_strdup (dot + 1);
  return last;
}

typedef enum
{
  KIND_OTHER,
  KIND_EXECUTABLE,
  KIND_ZIP,
  KIND_ARCHIVE, /* any other format libarchive reads */
  KIND_PDF,
  KIND_OLE,
  KIND_ONENOTE,
  KIND_ISO,
} Kind;

/* [MS-ONESTORE] §2.3.1 file type of a .one section, and §2.6.13 the header of an
 * embedded file's data (FileDataStoreObject). */
static const guint8 onenote_guid[16] = { 0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d,
                                         0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3 };
static const guint8 onenote_file_guid[16]
    = { 0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45,
        0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac };

static gboolean
starts (const guint8 *p, gsize n, const char *magic, gsize magic_len)
{
  return n >= magic_len && memcmp (p, magic, magic_len) == 0;
}

#define STARTS(p, n, magic) starts ((p), (n), (magic), sizeof (magic) - 1)

static Kind
sniff (const guint8 *p, gsize n)
{
  static const guint8 macho[][4] = { { 0xfe, 0xed, 0xfa, 0xce },
                                     { 0xfe, 0xed, 0xfa, 0xcf },
                                     { 0xce, 0xfa, 0xed, 0xfe },
                                     { 0xcf, 0xfa, 0xed, 0xfe } };

  /* An empty member or part: GBytes gives no pointer for it, which g_strstr_len refuses. */
  if (n == 0)
    return KIND_OTHER;
  /* PE files start with the DOS header "MZ" (Microsoft PE format §"MS-DOS Stub"). */
  if (STARTS (p, n, "MZ")
      || STARTS (p, n,
                 "\x7f"
                 "ELF"))
    return KIND_EXECUTABLE;
  for (gsize i = 0; i < G_N_ELEMENTS (macho); i++)
    if (n >= 4 && memcmp (p, macho[i], 4) == 0)
      return KIND_EXECUTABLE;
  if (STARTS (p, n, "PK\x03\x04") || STARTS (p, n, "PK\x05\x06"))
    return KIND_ZIP;
  if (STARTS (p, n, "Rar!\x1a\x07") || STARTS (p, n, "7z\xbc\xaf\x27\x1c")
      || STARTS (p, n, "\x1f\x8b") || STARTS (p, n, "BZh") || STARTS (p, n, "MSCF")
      || STARTS (p, n,
                 "\xfd"
                 "7zXZ")
      || STARTS (p, n, "\x28\xb5\x2f\xfd")
      || (n >= 262 && memcmp (p + 257, "ustar", 5) == 0))
    return KIND_ARCHIVE;
  if (STARTS (p, n, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
    return KIND_OLE;
  if (n >= 16 && memcmp (p, onenote_guid, 16) == 0)
    return KIND_ONENOTE;
  /* ECMA-119 §8.4: the first volume descriptor at 32,768, "CD001" after its type. */
  if (n >= 32774 && memcmp (p + 32769, "CD001", 5) == 0)
    return KIND_ISO;
  if (g_strstr_len ((const char *)p, (gssize)MIN (n, 1024), "%PDF-") != NULL)
    return KIND_PDF;
  return KIND_OTHER;
}

/* libmagic's MIME type of the first bytes (transfer full), or NULL. One handle per
 * thread: a magic_t is not thread-safe, and loading the database costs a few ms. */
static void
magic_free (gpointer m)
{
  magic_close (m);
}

static GPrivate magic_handle = G_PRIVATE_INIT (magic_free);

static char *
magic_type (const guint8 *p, gsize n)
{
  magic_t m = g_private_get (&magic_handle);
  const char *type;

  if (m == NULL)
    {
      /* No decompression: the outer type is the one that deceives. */
      m = magic_open (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
      if (m == NULL)
        return NULL;
      if (magic_load (m, NULL) != 0)
        {
          magic_close (m);
          return NULL;
        }
      g_private_set (&magic_handle, m);
    }
  type = magic_buffer (m, p, n);
  return type != NULL ? g_strdup (type) : NULL;
}

/* What a type found by libmagic is, when it is worse than a passive document: NULL
 * for anything else. Office containers are zips and OLE files: not listed. */
static const char *
active_type (const char *type)
{
  static const struct
  {
    const char *prefix;
    const char *what;
  } active[] = {
    { "application/vnd.microsoft.portable-executable", N_ ("a Windows program") },
    { "application/x-dosexec", N_ ("a Windows program") },
    { "application/x-executable", N_ ("a program") },
    { "application/x-pie-executable", N_ ("a program") },
    { "application/x-sharedlib", N_ ("a program") },
    { "application/x-mach-binary", N_ ("a macOS program") },
    { "application/x-ms-shortcut", N_ ("a Windows shortcut") },
    { "text/x-msdos-batch", N_ ("a Windows script") },
    { "text/x-shellscript", N_ ("a shell script") },
    { "text/html", N_ ("a web page") },
    { "application/zip", N_ ("a zip archive") },
    { "application/x-rar", N_ ("a RAR archive") },
    { "application/x-7z-compressed", N_ ("a 7-Zip archive") },
    { "application/gzip", N_ ("a compressed file") },
    { "application/x-bzip2", N_ ("a compressed file") },
    { "application/x-xz", N_ ("a compressed file") },
    { "application/vnd.ms-cab-compressed", N_ ("a cabinet archive") },
    { "application/x-iso9660-image", N_ ("a disk image") },
  };

  if (type == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (active); i++)
    if (g_str_equal (type, active[i].prefix))
      return active[i].what;
  return NULL;
}

/* Whether the content starts as its extension says (the common case: no need to ask
 * libmagic, which tries every rule it knows). Office files are zips or OLE files; text
 * can only lie by being a program, which sniff() tells. */
static gboolean
looks_like (const char *ext, Kind kind, const guint8 *p, gsize n)
{
  static const struct
  {
    const char *ext;
    const char *magic;
    gsize len;
  } signatures[] = {
    { "jpg", "\xff\xd8\xff", 3 }, { "jpeg", "\xff\xd8\xff", 3 },
    { "png", "\x89PNG", 4 },      { "gif", "GIF8", 4 },
    { "bmp", "BM", 2 },           { "tif", "II*\0", 4 },
    { "tif", "MM\0*", 4 },        { "tiff", "II*\0", 4 },
    { "tiff", "MM\0*", 4 },       { "rtf", "{\\rtf", 5 },
  };

  if (kind == KIND_EXECUTABLE)
    return FALSE;
  if (g_ascii_strcasecmp (ext, "txt") == 0 || g_ascii_strcasecmp (ext, "csv") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (ext, "pdf") == 0)
    return kind == KIND_PDF;
  if (IN (ext, ooxml_ext))
    return kind == KIND_ZIP || kind == KIND_OLE; /* OLE: an encrypted OOXML file */
  if (IN (ext, ole_ext))
    return kind == KIND_OLE;
  for (gsize i = 0; i < G_N_ELEMENTS (signatures); i++)
    if (g_ascii_strcasecmp (ext, signatures[i].ext) == 0 && n >= signatures[i].len
        && memcmp (p, signatures[i].magic, signatures[i].len) == 0)
      return TRUE;
  return FALSE;
}

/* The walk over one message's attachments and what they contain, with the budgets
 * shared by all of them. */
typedef struct
{
  FctAnalysisContext *ctx;
  guint part;        /* the MIME part being walked */
  gsize budget;      /* archive member bytes still to read (archive_max_bytes) */
  guint entries;     /* archive members still to list (archive_entries_max) */
  guint extractions; /* documents still to read (extract_files_max) */
  gint64 deadline;   /* of the text extraction, set when the first document is read */
} Walk;

static void
add (FctAnalysisContext *ctx, const char *id, const char *evidence, const char *format,
     const char *arg)
{
  FctFinding *finding;

  if (fct_findings_has (ctx->findings, id))
    return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  finding = fct_findings_add (ctx->findings, id, format, arg);
#pragma GCC diagnostic pop
  fct_finding_set_evidence (finding, evidence);
}

static void
add2 (FctAnalysisContext *ctx, const char *id, const char *evidence, const char *format,
      const char *arg1, const char *arg2)
{
  FctFinding *finding;

  if (fct_findings_has (ctx->findings, id))
    return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  finding = fct_findings_add (ctx->findings, id, format, arg1, arg2);
#pragma GCC diagnostic pop
  fct_finding_set_evidence (finding, evidence);
}

static void
note_limit (Walk *w, const char *path, const char *why)
{
  add2 (w->ctx, "attachment-archive-limit", path,
        _ ("The attachment %s was not inspected completely (%s): what it holds beyond "
           "that was not checked."),
        path, why);
}

static void
note_bomb (Walk *w, const char *path, const char *why)
{
  add2 (w->ctx, "attachment-archive-bomb", path,
        _ ("The archive %s %s. Such archives are built to exhaust filters and hide what "
           "they carry: do not open it."),
        path, why);
}

/* The checks on a name alone, for an attachment (member FALSE) or a file inside an
 * archive or a document (member TRUE). path is what the evidence shows. */
static void
check_name (Walk *w, const char *path, const char *name, gboolean member)
{
  FctAnalysisContext *ctx = w->ctx;
  g_autofree char *prev = NULL;
  g_autofree char *ext = extensions (name, &prev);
  gboolean rlo = name != NULL && strstr (name, "\xe2\x80\xae") != NULL;

  if (IN (ext, executable_ext))
    {
      if (member)
        add (ctx, "attachment-archive-executable", path,
             _ ("The attachment %s contains a program. Archives and documents are used "
                "to slip programs past filters: do not open it."),
             path);
      else
        add (ctx, "attachment-executable", path,
             _ ("The attachment %s is a program. Opening it runs it: never open programs "
                "received by mail; senders should share software by a download link."),
             path);
    }
  if (IN (ext, executable_ext) && (IN (prev, document_ext) || rlo))
    add (ctx, "attachment-double-extension", path,
         _ ("The attachment %s hides a program behind a document's name. This is a "
            "trap: delete the message."),
         path);
  else if (rlo)
    add (ctx, "attachment-double-extension", path,
         _ ("The attachment %s reverses its name with a Unicode control character to "
            "hide its real extension. This is a trap: delete the message."),
         path);
  if (IN (ext, macro_ext))
    add (ctx, "attachment-macro", path,
         _ ("The attachment %s is an Office document with macros. Macros are the "
            "most common way malware is delivered: do not enable them."),
         path);
  if (IN (ext, html_ext))
    add (ctx, "attachment-html", path,
         _ ("The attachment %s is a web page. Attached pages open local fake login "
            "forms that no filter has seen: do not type a password in one."),
         path);
  if (IN (ext, image_ext))
    add (ctx, "attachment-disk-image", path,
         _ ("The attachment %s is a disk image. Images are used to slip programs past "
            "protections: do not open it."),
         path);
  if (member && name != NULL
      && g_ascii_strcasecmp (strrchr (name, '/') != NULL ? strrchr (name, '/') + 1 : name,
                             "vbaProject.bin")
             == 0)
    add (ctx, "attachment-macro", path,
         _ ("The attachment %s contains macros (a VBA project). Macros are the most "
            "common way malware is delivered: do not enable them."),
         path);
  if (IN (ext, onenote_ext))
    add (ctx, "attachment-onenote", path,
         _ ("The attachment %s is a OneNote notebook. Notebooks sent by mail hide "
            "scripts behind a button: do not click anything in it."),
         path);
}

static void inspect (Walk *w, const char *path, const char *name, const char *ctype,
                     GBytes *content, gboolean complete, guint depth);

/* Reads a document in the child process and reports what it holds. */
static void
extract (Walk *w, const char *path, FctExtractKind kind, GBytes *content, gboolean complete)
{
  FctAnalysisContext *ctx = w->ctx;
  g_autoptr (FctExtractResult) r = NULL;
  const char *why = NULL;

  if (!complete)
    return; /* cut by the size budget: note_limit said so */
  if (w->extractions == 0)
    {
      add2 (ctx, "attachment-unreadable", path,
            _ ("The text of the attachment %s was not read (%s), so it was not checked "
               "for changed bank details."),
            path, _ ("too many documents in one message"));
      return;
    }
  w->extractions--;
  if (w->deadline == 0)
    {
      /* The deadline is for the documents, not for starting the reader. */
      (void)fct_extract_resident_start (ctx->options->extract_helper);
      w->deadline
          = g_get_monotonic_time () + (gint64)ctx->limits->extract_timeout_ms * 1000;
    }
  r = fct_extract_isolated (ctx->options->extract_helper, kind, content, ctx->limits,
                            w->deadline);
  switch (r->status)
    {
    case FCT_EXTRACT_STATUS_OK:
      break;
    case FCT_EXTRACT_STATUS_UNREADABLE:
      why = (r->flags & FCT_EXTRACT_FLAG_ENCRYPTED) != 0 ? _ ("protected by a password")
                                                         : _ ("damaged or not a document");
      break;
    case FCT_EXTRACT_STATUS_TIMEOUT:
      why = _ ("reading it took too long");
      break;
    case FCT_EXTRACT_STATUS_CRASHED:
      why = _ ("the reader ran out of memory or failed");
      break;
    case FCT_EXTRACT_STATUS_UNAVAILABLE:
    default:
      why = _ ("the facteur-extract program could not be run");
      break;
    }
  if (why != NULL)
    add2 (ctx, "attachment-unreadable", path,
          _ ("The text of the attachment %s was not read (%s), so it was not checked "
             "for changed bank details."),
          path, why);
  if ((r->flags & FCT_EXTRACT_FLAG_VBA) != 0)
    add (ctx, "attachment-macro", path,
         _ ("The attachment %s contains macros (a VBA project). Macros are the most "
            "common way malware is delivered: do not enable them."),
         path);
  /* Excel 4.0 macro sheets have had no use in new workbooks since VBA replaced them in
     1993; hidden, or started by Auto_Open, they are the droppers of 2020 on (Qakbot,
     ZLoader, Dridex). A visible one is an old macro like any other. */
  if ((r->flags & FCT_EXTRACT_FLAG_XLM) != 0 && (r->flags & FCT_EXTRACT_FLAG_AUTO_RUN) != 0)
    add (ctx, "attachment-xlm-macro", path,
         _ ("The spreadsheet %s holds Excel 4.0 macros set to run as soon as it is opened "
            "(Auto_Open): the way malware droppers hide their code. Do not open it."),
         path);
  else if ((r->flags & FCT_EXTRACT_FLAG_XLM) != 0
           && (r->flags & FCT_EXTRACT_FLAG_XLM_HIDDEN) != 0)
    add (ctx, "attachment-xlm-macro", path,
         _ ("The spreadsheet %s holds Excel 4.0 macros on a hidden sheet: the way malware "
            "droppers hide their code. Do not open it."),
         path);
  else if ((r->flags & FCT_EXTRACT_FLAG_XLM) != 0)
    add (ctx, "attachment-macro", path,
         _ ("The attachment %s contains macros (an Excel 4.0 macro sheet). Macros are "
            "the most common way malware is delivered: do not enable them."),
         path);
  if ((r->flags & FCT_EXTRACT_FLAG_ENCRYPTED) != 0 && kind != FCT_EXTRACT_KIND_PDF)
    add (ctx, "attachment-encrypted-document", path,
         _ ("The Office document %s is protected by a password, so no filter could "
            "look inside; the password in the message is the trick. Do not open it."),
         path);
  if ((r->flags & FCT_EXTRACT_FLAG_LAUNCH) != 0)
    add (ctx, "attachment-pdf-launch", path,
         _ ("The PDF %s can start a program on the computer. No genuine document "
            "does: delete the message."),
         path);
  if ((r->flags & FCT_EXTRACT_FLAG_JAVASCRIPT) != 0)
    add (ctx, "attachment-pdf-javascript", path,
         _ ("The PDF %s contains JavaScript. Invoices and letters need none; open it "
            "only in a browser's viewer, which does not run it."),
         path);
  for (guint i = 0; i < r->embedded->len; i++)
    {
      const char *inner = g_ptr_array_index (r->embedded, i);
      g_autofree char *inner_path = g_strconcat (path, "/", inner, NULL);
      check_name (w, inner_path, inner, TRUE);
    }
  if (r->status == FCT_EXTRACT_STATUS_OK && r->len > 0)
    {
      fct_analysis_attachment_text_add (ctx->result, w->part, path, r->text, r->len,
                                        (r->flags & FCT_EXTRACT_FLAG_TRUNCATED) != 0);
      fct_analysis_scan_ibans (ctx, r->text, r->len);
    }
}

/* Reads the current archive member: max bytes, and one more when there is more
 * (*more then), so that a later call goes on where this one stopped. */
static GBytes *
read_member (struct archive *a, gsize max, gboolean *more)
{
  GByteArray *buf = g_byte_array_new ();
  guint8 chunk[16384];
  la_ssize_t n;

  *more = FALSE;
  while (buf->len <= max)
    {
      n = archive_read_data (a, chunk, MIN (sizeof chunk, max + 1 - buf->len));
      if (n <= 0)
        break;
      g_byte_array_append (buf, chunk, (guint)n);
    }
  *more = buf->len > max;
  return g_byte_array_free_to_bytes (buf);
}

/* Whether a file must be read whole to be checked: archives, documents whose text or
 * macros are read, and what only a full read can tell (a disk image's descriptor). */
static gboolean
needs_whole (const char *name, const char *ctype, Kind kind)
{
  g_autofree char *ext = extensions (name, NULL);

  return kind == KIND_ZIP || kind == KIND_ARCHIVE || kind == KIND_PDF || kind == KIND_OLE
         || kind == KIND_ONENOTE || IN (ext, archive_ext) || IN (ext, compressor_ext)
         || IN (ext, ooxml_ext) || IN (ext, macro_ext) || IN (ext, ole_ext)
         || IN (ext, image_ext) || IN (ext, onenote_ext) || g_strcmp0 (ext, "pdf") == 0
         || g_strcmp0 (ctype, "application/pdf") == 0
         || g_strcmp0 (ctype, "application/x-iso9660-image") == 0;
}

/* Lists an archive (zip, rar, 7z, tar, cab, ISO 9660, or one file under gzip, bzip2,
 * xz, lzma or zstd) and inspects every member as an attachment of its own. depth is
 * the archive's own: 1 for an attached archive. */
static void
scan_archive (Walk *w, const char *path, const char *name, GBytes *bytes, guint depth)
{
  const FctLimits *limits = w->ctx->limits;
  struct archive *a;
  struct archive_entry *entry;
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  guint64 declared = 0;
  guint64 read_total = 0;
  int r;

  if (depth > limits->archive_depth_max)
    {
      g_autofree char *why = g_strdup_printf (_ ("is nested more than %u archives deep"),
                                              limits->archive_depth_max);
      note_bomb (w, path, why);
      return;
    }
  a = archive_read_new ();
  /* Formats by name, compression filters built in (never the external-program ones
     that archive_read_support_filter_all would enable). The seekable zip reader lists
     the central directory, as the unzip tools a victim uses do. The raw format bids
     lowest: it only takes a single compressed file that no archive format claims. */
  archive_read_support_format_zip_seekable (a);
  archive_read_support_format_rar (a);
  archive_read_support_format_rar5 (a);
  archive_read_support_format_7zip (a);
  archive_read_support_format_tar (a);
  archive_read_support_format_cab (a);
  archive_read_support_format_iso9660 (a);
  archive_read_support_format_raw (a);
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_bzip2 (a);
  archive_read_support_filter_xz (a);
  archive_read_support_filter_lzma (a);
  archive_read_support_filter_lzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_filter_compress (a);
  if (len == 0 || archive_read_open_memory (a, data, len) != ARCHIVE_OK)
    {
      archive_read_free (a);
      return;
    }
  for (;;)
    {
      const char *member;
      g_autofree char *raw_name = NULL;
      g_autofree char *member_path = NULL;
      g_autoptr (GBytes) content = NULL;
      gboolean more = FALSE;
      gsize head_len;
      Kind kind;

      r = archive_read_next_header (a, &entry);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          /* 7z and rar5 with encrypted headers cannot even be listed. */
          const char *msg = archive_error_string (a);
          if (msg != NULL
              && (g_strrstr (msg, "ncrypt") != NULL
                  || g_strrstr (msg, "assphrase") != NULL))
            add (w->ctx, "attachment-encrypted-archive", path,
                 _ ("The archive %s is encrypted, so no filter could look inside; the "
                    "password in the message is the trick. Do not open it."),
                 path);
          break;
        }
      if (archive_format (a) == ARCHIVE_FORMAT_RAW)
        {
          /* One filter is "none": raw data without compression is no archive. */
          g_autofree char *ext = extensions (name, NULL);
          if (archive_filter_count (a) < 2)
            break;
          raw_name = g_strdup (name != NULL ? name : "data");
          if (IN (ext, compressor_ext))
            raw_name[strlen (raw_name) - strlen (ext) - 1] = '\0';
          member = raw_name;
        }
      else
        {
          member = archive_entry_pathname_utf8 (entry);
          if (member == NULL)
            member = archive_entry_pathname (entry);
          if (member == NULL)
            member = "";
        }
      if (w->budget == 0)
        {
          g_autofree char *why
              = g_strdup_printf (_ ("more than %zu MiB unpacked"),
                                 (size_t)(limits->archive_max_bytes / (1024 * 1024)));
          note_limit (w, path, why);
          break;
        }
      if (w->entries == 0)
        {
          g_autofree char *why = g_strdup_printf (_ ("more than %u files in archives"),
                                                  limits->archive_entries_max);
          note_limit (w, path, why);
          break;
        }
      w->entries--;
      if (archive_entry_size_is_set (entry) && archive_entry_size (entry) > 0)
        declared += (guint64)archive_entry_size (entry);
      member_path = g_strconcat (path, "/", member, NULL);
      if (archive_entry_filetype (entry) == AE_IFDIR)
        continue;
      if (archive_entry_is_encrypted (entry))
        {
          add (w->ctx, "attachment-encrypted-archive", path,
               _ ("The archive %s is encrypted, so no filter could look inside; the "
                  "password in the message is the trick. Do not open it."),
               path);
          check_name (w, member_path, member, TRUE);
          continue;
        }
      /* The head tells the type; documents and archives are then read whole. */
      content = read_member (a, MIN (HEAD_BYTES, w->budget), &more);
      head_len = g_bytes_get_size (content);
      kind = sniff (g_bytes_get_data (content, NULL), head_len);
      if (more && needs_whole (member, NULL, kind))
        {
          g_autoptr (GBytes) rest
              = read_member (a, w->budget - MIN (w->budget, head_len), &more);
          g_autoptr (GByteArray) whole
              = g_bytes_unref_to_array (g_steal_pointer (&content));
          gsize rest_len = 0;
          const guint8 *rest_data = g_bytes_get_data (rest, &rest_len);

          g_byte_array_append (whole, rest_data, (guint)rest_len);
          content = g_byte_array_free_to_bytes (g_steal_pointer (&whole));
        }
      read_total += g_bytes_get_size (content);
      w->budget -= MIN (w->budget, g_bytes_get_size (content));
      if (more && needs_whole (member, NULL, kind))
        {
          g_autofree char *why
              = g_strdup_printf (_ ("more than %zu MiB unpacked"),
                                 (size_t)(limits->archive_max_bytes / (1024 * 1024)));
          note_limit (w, member_path, why);
        }
      inspect (w, member_path, member, NULL, content,
               !more || !needs_whole (member, NULL, kind), depth);
    }
  archive_read_free (a);
  /* A small archive that unpacks to far more than can be inspected: 42.zip and its
     kin, built to exhaust a filter's memory and time. */
  if (MAX (declared, read_total) > limits->archive_max_bytes
      && MAX (declared, read_total) / MAX (len, 1) > limits->archive_ratio_max)
    {
      g_autofree char *why = g_strdup_printf (
          _ ("unpacks to %llu MiB from %zu KiB"),
          (unsigned long long)(MAX (declared, read_total) / (1024 * 1024)),
          (size_t)(len / 1024));
      note_bomb (w, path, why);
    }
}

/* OneNote's embedded files: each FileDataStoreObject's data, sniffed for a program
 * ([MS-ONESTORE] §2.6.13: GUID, 8-byte length, 4 unused and 8 reserved bytes). */
static void
scan_onenote (Walk *w, const char *path, const guint8 *p, gsize n)
{
  const gsize header = 16 + 8 + 4 + 8;
  guint found = 0;

  for (gsize i = 0; i + header <= n && found < 64;)
    {
      const guint8 *hit = memmem (p + i, n - i, onenote_file_guid, 16);
      gsize at;

      if (hit == NULL)
        break;
      at = (gsize)(hit - p);
      found++;
      if (at + header < n && sniff (p + at + header, n - at - header) == KIND_EXECUTABLE)
        add (w->ctx, "attachment-archive-executable", path,
             _ ("The attachment %s contains a program. Archives and documents are used to "
                "slip programs past filters: do not open it."),
             path);
      i = at + 16;
    }
}

/* Every check on one file: an attachment (depth 0) or a member of an archive at depth
 * (inside an archive of that depth). content is whole when complete, else its head. */
static void
inspect (Walk *w, const char *path, const char *name, const char *ctype, GBytes *content,
         gboolean complete, guint depth)
{
  FctAnalysisContext *ctx = w->ctx;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (content, &len);
  g_autofree char *ext = extensions (name, NULL);
  Kind kind = data != NULL ? sniff (data, len) : KIND_OTHER;
  gboolean member = depth > 0;

  check_name (w, path, name, member);
  if (!member && ctype != NULL
      && (g_str_equal (ctype, "text/html") || g_str_equal (ctype, "image/svg+xml")))
    add (ctx, "attachment-html", path,
         _ ("The attachment %s is a web page. Attached pages open local fake login "
            "forms that no filter has seen: do not type a password in one."),
         path);
  if (!member && g_strcmp0 (ctype, "application/x-iso9660-image") == 0)
    add (ctx, "attachment-disk-image", path,
         _ ("The attachment %s is a disk image. Images are used to slip programs past "
            "protections: do not open it."),
         path);

  if (kind == KIND_EXECUTABLE)
    {
      if (member)
        add (ctx, "attachment-archive-executable", path,
             _ ("The attachment %s contains a program. Archives and documents are used "
                "to slip programs past filters: do not open it."),
             path);
      else
        add (ctx, "attachment-executable", path,
             _ ("The attachment %s is a program whatever its name says. Opening it runs "
                "it: never open programs received by mail."),
             path);
    }
  /* The name promises a document or a picture; the content is something that acts. */
  if (IN (ext, passive_ext) && data != NULL && !looks_like (ext, kind, data, len))
    {
      g_autofree char *type = magic_type (data, MIN (len, HEAD_BYTES));
      const char *what = active_type (type);
      gboolean plain
          = g_ascii_strcasecmp (ext, "txt") == 0 || g_ascii_strcasecmp (ext, "csv") == 0;

      /* A zip-based Office file is a zip; only a zip under another name is a lie.
         Business software exports HTML tables as .xls and Word saves pages as .doc,
         both of which Office opens as documents; a script named .txt opens in a text
         editor. */
      if (what != NULL && g_str_equal (type, "application/zip") && IN (ext, ooxml_ext))
        what = NULL;
      if (what != NULL && g_str_equal (type, "text/html")
          && (g_ascii_strcasecmp (ext, "xls") == 0 || g_ascii_strcasecmp (ext, "doc") == 0))
        what = NULL;
      if (what != NULL && plain && kind != KIND_EXECUTABLE)
        what = NULL;
      if (what != NULL)
        {
          add2 (ctx, "attachment-type-mismatch", path,
                _ ("The attachment %s is in fact %s. A file whose name lies about what "
                   "it is was made to deceive: do not open it."),
                path, _ (what));
          if (g_str_equal (type, "text/html"))
            add (ctx, "attachment-html", path,
                 _ ("The attachment %s is a web page. Attached pages open local fake "
                    "login forms that no filter has seen: do not type a password in one."),
                 path);
        }
    }
  if (kind == KIND_ISO)
    add (ctx, "attachment-disk-image", path,
         _ ("The attachment %s is a disk image. Images are used to slip programs past "
            "protections: do not open it."),
         path);
  if (kind == KIND_ONENOTE)
    {
      add (ctx, "attachment-onenote", path,
           _ ("The attachment %s is a OneNote notebook. Notebooks sent by mail hide "
              "scripts behind a button: do not click anything in it."),
           path);
      scan_onenote (w, path, data, len);
    }

  if (kind == KIND_PDF)
    {
      FctExtractPdfActive active = { FALSE, FALSE, FALSE };

      /* Uncompressed objects, read here so that a document the reader cannot finish
         still tells; the reader looks into compressed object streams. */
      fct_extract_pdf_active (data, len, &active);
      if (active.launch)
        add (ctx, "attachment-pdf-launch", path,
             _ ("The PDF %s can start a program on the computer. No genuine document "
                "does: delete the message."),
             path);
      if (active.javascript && active.auto_action)
        add (ctx, "attachment-pdf-javascript", path,
             _ ("The PDF %s runs JavaScript as soon as it is opened. Invoices and "
                "letters need none: open it only in a browser's viewer, which does not "
                "run it."),
             path);
      else if (active.javascript)
        add (ctx, "attachment-pdf-javascript", path,
             _ ("The PDF %s contains JavaScript. Invoices and letters need none; open it "
                "only in a browser's viewer, which does not run it."),
             path);
      extract (w, path, FCT_EXTRACT_KIND_PDF, content, complete);
    }
  else if (kind == KIND_OLE)
    extract (w, path, FCT_EXTRACT_KIND_OLE, content, complete);
  else if (kind == KIND_ZIP && (IN (ext, ooxml_ext) || IN (ext, macro_ext)))
    extract (w, path, FCT_EXTRACT_KIND_OOXML, content, complete);

  if ((kind == KIND_ZIP || kind == KIND_ARCHIVE || kind == KIND_ISO) && complete)
    scan_archive (w, path, name, content, depth + 1);
  else if (kind == KIND_OTHER && complete && (IN (ext, compressor_ext)))
    scan_archive (w, path, name, content, depth + 1); /* .Z, .lz: no magic above */

  /* Plain text may carry the bank details of a fraud. */
  if (!member && kind == KIND_OTHER && data != NULL && !IN (ext, html_ext)
      && g_strcmp0 (ctype, "text/html") != 0
      && ((ctype != NULL && g_str_has_prefix (ctype, "text/"))
          || g_strcmp0 (ext, "txt") == 0 || g_strcmp0 (ext, "csv") == 0))
    {
      gsize tlen = MIN (len, ctx->limits->extract_text_max_bytes);
      fct_analysis_attachment_text_add (ctx->result, w->part, name, (const char *)data,
                                        tlen, !complete || tlen < len);
      fct_analysis_scan_ibans (ctx, (const char *)data, tlen);
    }
}

void
fct_analysis_check_attachments (FctAnalysisContext *ctx)
{
  const FctMime *mime = ctx->result->mime;
  Walk w = { 0 };

  w.ctx = ctx;
  w.budget = ctx->limits->archive_max_bytes;
  w.entries = ctx->limits->archive_entries_max;
  w.extractions = ctx->limits->extract_files_max;
  for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
    {
      const FctMimePart *part = fct_mime_get_part (mime, i);
      const char *path = part->filename != NULL ? part->filename : part->content_type;
      g_autoptr (GBytes) content = NULL;
      gboolean more = FALSE;
      gboolean text;
      gsize cap;

      if (part->kind != FCT_MIME_PART_ATTACHMENT)
        continue;
      w.part = i;
      text = g_str_has_prefix (part->content_type, "text/");
      content = fct_mime_part_get_content (
          mime, i, text ? ctx->limits->extract_text_max_bytes : HEAD_BYTES, &more);
      if (more && !text)
        {
          gsize head_len = 0;
          const guint8 *head = g_bytes_get_data (content, &head_len);
          Kind kind = head != NULL ? sniff (head, head_len) : KIND_OTHER;

          if (needs_whole (part->filename, part->content_type, kind))
            {
              /* Base64 is 4 bytes for 3: larger parts are not decoded at all. */
              cap = ctx->limits->archive_max_bytes;
              g_clear_pointer (&content, g_bytes_unref);
              if (part->encoded_size / 4 * 3 <= cap)
                content = fct_mime_part_get_content (mime, i, cap, &more);
              else
                content = fct_mime_part_get_content (mime, i, HEAD_BYTES, &more);
              if (more)
                {
                  g_autofree char *why = g_strdup_printf (_ ("larger than %zu MiB"),
                                                          (size_t)(cap / (1024 * 1024)));
                  note_limit (&w, path, why);
                }
            }
        }
      inspect (&w, path, part->filename, part->content_type, content, !more, 0);
    }
}
