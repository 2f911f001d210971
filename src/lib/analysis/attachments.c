/* facteur — dangerous attachments: executables by name and by magic bytes, double
 * extensions, macro-enabled Office files (ECMA-376 vbaProject.bin), archives that carry
 * executables or are encrypted (zip, rar, 7z, tar via libarchive, bounded), HTML pages
 * and disk images. Only the first bytes are decoded, except for archives. */
#include "analysis-private.h"

#include <archive.h>
#include <archive_entry.h>
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
/* Office Open XML containers, where a vbaProject.bin betrays a renamed macro file. */
static const char *const ooxml_ext[] = { "docx", "xlsx", "pptx", "dotx", "xltx", "potx" };
static const char *const html_ext[]
    = { "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg" };
static const char *const image_ext[] = { "iso", "img", "vhd", "vhdx", "dmg", "udf" };
/* What a lure pretends to be in "facture.pdf.exe". */
static const char *const document_ext[]
    = { "pdf",  "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "odt", "jpg",
        "jpeg", "png", "gif",  "zip", "csv",  "htm", "html", "mp3", "mp4", "avi" };
static const char *const archive_ext[]
    = { "zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "txz", "tbz2" };

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
  MAGIC_NONE,
  MAGIC_EXECUTABLE,
  MAGIC_ARCHIVE,
} Magic;

static Magic
sniff (const guint8 *p, gsize n)
{
  static const guint8 macho[][4] = { { 0xfe, 0xed, 0xfa, 0xce },
                                     { 0xfe, 0xed, 0xfa, 0xcf },
                                     { 0xce, 0xfa, 0xed, 0xfe },
                                     { 0xcf, 0xfa, 0xed, 0xfe } };

  /* PE files start with the DOS header "MZ" (Microsoft PE format §"MS-DOS Stub"). */
  if (n >= 2 && p[0] == 'M' && p[1] == 'Z')
    return MAGIC_EXECUTABLE;
  if (n >= 4
      && memcmp (p,
                 "\x7f"
                 "ELF",
                 4)
             == 0)
    return MAGIC_EXECUTABLE;
  for (gsize i = 0; i < G_N_ELEMENTS (macho); i++)
    if (n >= 4 && memcmp (p, macho[i], 4) == 0)
      return MAGIC_EXECUTABLE;
  if ((n >= 4 && memcmp (p, "PK\x03\x04", 4) == 0)
      || (n >= 6 && memcmp (p, "Rar!\x1a\x07", 6) == 0)
      || (n >= 6 && memcmp (p, "7z\xbc\xaf\x27\x1c", 6) == 0)
      || (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) || (n >= 3 && memcmp (p, "BZh", 3) == 0)
      || (n >= 6
          && memcmp (p,
                     "\xfd"
                     "7zXZ\x00",
                     6)
                 == 0)
      || (n >= 262 && memcmp (p + 257, "ustar", 5) == 0))
    return MAGIC_ARCHIVE;
  return MAGIC_NONE;
}

typedef struct
{
  char *executable; /* first executable member name */
  gboolean encrypted;
  gboolean macro;
} ArchiveScan;

static void
scan_archive (GBytes *bytes, guint entries_max, ArchiveScan *scan)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *entry;
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  guint count = 0;
  int r;

  /* Formats by name; compression filters built in (never the external-program ones
     that archive_read_support_filter_all would enable). The seekable zip reader lists
     the central directory without inflating anything. */
  archive_read_support_format_zip_seekable (a);
  archive_read_support_format_rar (a);
  archive_read_support_format_rar5 (a);
  archive_read_support_format_7zip (a);
  archive_read_support_format_tar (a);
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_bzip2 (a);
  archive_read_support_filter_xz (a);
  if (archive_read_open_memory (a, data, len) != ARCHIVE_OK)
    {
      archive_read_free (a);
      return;
    }
  while (count++ < entries_max)
    {
      const char *name;
      g_autofree char *ext = NULL;
      g_autofree char *prev = NULL;

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
            scan->encrypted = TRUE;
          break;
        }
      if (archive_entry_is_encrypted (entry))
        scan->encrypted = TRUE;
      name = archive_entry_pathname_utf8 (entry);
      if (name == NULL)
        name = archive_entry_pathname (entry);
      ext = extensions (name, &prev);
      if (scan->executable == NULL && IN (ext, executable_ext))
        scan->executable = g_strdup (name);
      if (name != NULL && g_str_has_suffix (name, "vbaProject.bin"))
        scan->macro = TRUE;
      if (archive_read_data_skip (a) < ARCHIVE_WARN)
        break;
    }
  archive_read_free (a);
}

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

void
fct_analysis_check_attachments (FctAnalysisContext *ctx)
{
  const FctMime *mime = ctx->result->mime;

  for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
    {
      const FctMimePart *part = fct_mime_get_part (mime, i);
      const char *name = part->filename != NULL ? part->filename : part->content_type;
      g_autofree char *ext = NULL;
      g_autofree char *prev = NULL;
      g_autoptr (GBytes) head = NULL;
      gsize head_len = 0;
      const guint8 *head_data;
      Magic magic;

      if (part->kind != FCT_MIME_PART_ATTACHMENT)
        continue;
      ext = extensions (part->filename, &prev);

      if (IN (ext, executable_ext))
        add (ctx, "attachment-executable", name,
             _ ("The attachment %s is a program. Opening it runs it: never open programs "
                "received by mail; senders should share software by a download link."),
             name);
      if (IN (ext, executable_ext)
          && (IN (prev, document_ext) || strstr (name, "\xe2\x80\xae")))
        add (ctx, "attachment-double-extension", name,
             _ ("The attachment %s hides a program behind a document's name. This is a "
                "trap: delete the message."),
             name);
      else if (part->filename != NULL && strstr (part->filename, "\xe2\x80\xae") != NULL)
        add (ctx, "attachment-double-extension", name,
             _ ("The attachment %s reverses its name with a Unicode control character to "
                "hide its real extension. This is a trap: delete the message."),
             name);
      if (IN (ext, macro_ext))
        add (ctx, "attachment-macro", name,
             _ ("The attachment %s is an Office document with macros. Macros are the "
                "most common way malware is delivered: do not enable them."),
             name);
      if (IN (ext, html_ext) || g_str_equal (part->content_type, "text/html")
          || g_str_equal (part->content_type, "image/svg+xml"))
        add (ctx, "attachment-html", name,
             _ ("The attachment %s is a web page. Attached pages open local fake login "
                "forms that no filter has seen: do not type a password in one."),
             name);
      if (IN (ext, image_ext)
          || g_str_equal (part->content_type, "application/x-iso9660-image"))
        add (ctx, "attachment-disk-image", name,
             _ ("The attachment %s is a disk image. Images are used to slip programs past "
                "protections: do not open it."),
             name);

      /* Text attachments may carry the bank details of a fraud. */
      if (g_str_has_prefix (part->content_type, "text/") || g_strcmp0 (ext, "txt") == 0
          || g_strcmp0 (ext, "csv") == 0)
        {
          gboolean more = FALSE;
          g_autoptr (GBytes) text = fct_mime_part_get_content (
              mime, i, ctx->limits->extract_text_max_bytes, &more);
          gsize tlen = 0;
          const char *tdata = g_bytes_get_data (text, &tlen);
          if (tdata != NULL)
            {
              fct_analysis_attachment_text_add (ctx->result, i, part->filename, tdata, tlen,
                                                more);
              fct_analysis_scan_ibans (ctx, tdata, tlen);
            }
        }

      /* The first 512 bytes tell programs and archives (tar's magic is at 257). */
      head = fct_mime_part_get_content (mime, i, 512, NULL);
      head_data = g_bytes_get_data (head, &head_len);
      magic = head_data != NULL ? sniff (head_data, head_len) : MAGIC_NONE;
      if (magic == MAGIC_EXECUTABLE)
        add (ctx, "attachment-executable", name,
             _ ("The attachment %s is a program whatever its name says. Opening it runs "
                "it: never open programs received by mail."),
             name);
      if ((magic == MAGIC_ARCHIVE || IN (ext, archive_ext) || IN (ext, ooxml_ext)
           || IN (ext, macro_ext))
          && part->encoded_size / 4 * 3 <= ctx->limits->archive_max_bytes)
        {
          g_autoptr (GBytes) whole
              = fct_mime_part_get_content (mime, i, ctx->limits->archive_max_bytes, NULL);
          ArchiveScan scan = { NULL, FALSE, FALSE };

          scan_archive (whole, ctx->limits->archive_entries_max, &scan);
          if (scan.executable != NULL)
            add (ctx, "attachment-archive-executable", name,
                 _ ("The archive %s contains a program. Archives are used to slip programs "
                    "past filters: do not open it."),
                 name);
          if (scan.encrypted)
            add (ctx, "attachment-encrypted-archive", name,
                 _ ("The archive %s is encrypted, so no filter could look inside; the "
                    "password in the message is the trick. Do not open it."),
                 name);
          if (scan.macro && !IN (ext, macro_ext))
            add (ctx, "attachment-macro", name,
                 _ ("The attachment %s contains macros under a name without them. Do not "
                    "enable macros."),
                 name);
          g_free (scan.executable);
        }
    }
}
