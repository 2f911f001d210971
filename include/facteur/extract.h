/* facteur — reading attachments that need a full parser: the text of PDF (poppler-glib),
 * of Office Open XML (ECMA-376) and OpenDocument (OASIS ODF 1.2) files (their XML parts
 * through libarchive and libxml2), and the VBA projects of OLE2 compound files (MS-CFB,
 * MS-OVBA §2.2, through libgsf). The parsers run in-process for the helper program and
 * the fuzz targets; the analysis runs them in a child process (facteur-extract) under
 * CPU, memory and wall-clock limits, so that a hostile file ends as a status, never as a
 * crash or a hang of the process that judges mail. */
#pragma once

#include <facteur/limits.h>

#include <glib.h>

G_BEGIN_DECLS

#define FCT_EXTRACT_ERROR (fct_extract_error_quark ())
GQuark fct_extract_error_quark (void);

typedef enum
{
  FCT_EXTRACT_ERROR_FORMAT,    /* not a document of the kind asked, or damaged */
  FCT_EXTRACT_ERROR_ENCRYPTED, /* protected by a password: nothing can be read */
  FCT_EXTRACT_ERROR_HELPER,    /* the helper could not be started or broke the protocol */
} FctExtractError;

typedef enum
{
  FCT_EXTRACT_KIND_PDF,   /* %PDF */
  FCT_EXTRACT_KIND_OOXML, /* a zip: docx, docm, xlsx, xlsm, pptx, odt, ods, odp */
  FCT_EXTRACT_KIND_OLE,   /* an OLE2 compound file: doc, xls, ppt, msg */
} FctExtractKind;

typedef enum
{
  FCT_EXTRACT_FLAG_NONE = 0,
  FCT_EXTRACT_FLAG_VBA = 1 << 0,        /* a VBA project (macros) */
  FCT_EXTRACT_FLAG_JAVASCRIPT = 1 << 1, /* PDF JavaScript (document, page or form) */
  FCT_EXTRACT_FLAG_LAUNCH = 1 << 2,     /* a PDF link that launches a program */
  FCT_EXTRACT_FLAG_ENCRYPTED = 1 << 3,  /* protected by a password */
  FCT_EXTRACT_FLAG_TRUNCATED = 1 << 4,  /* more text than the cap */
  FCT_EXTRACT_FLAG_XLM = 1 << 5,        /* an Excel 4.0 (XLM) macro sheet */
  FCT_EXTRACT_FLAG_XLM_HIDDEN = 1 << 6, /* ... hidden or very hidden */
  FCT_EXTRACT_FLAG_AUTO_RUN = 1 << 7,   /* a defined name Auto_Open or Auto_Close: the
                                           macros start by themselves */
} FctExtractFlags;

/* How the reading ended. */
typedef enum
{
  FCT_EXTRACT_STATUS_OK,          /* read (the text may be empty) */
  FCT_EXTRACT_STATUS_UNREADABLE,  /* the parser refused it (damaged, encrypted) */
  FCT_EXTRACT_STATUS_TIMEOUT,     /* out of wall-clock or CPU time: killed */
  FCT_EXTRACT_STATUS_CRASHED,     /* the child died (a signal: memory limit, a bug) */
  FCT_EXTRACT_STATUS_UNAVAILABLE, /* the helper program could not be run */
} FctExtractStatus;

typedef struct
{
  FctExtractStatus status;
  FctExtractFlags flags;
  char *text; /* valid UTF-8, NUL-terminated, never NULL (owned) */
  gsize len;
  /* Names of the files embedded in a PDF (its /EmbeddedFiles), valid UTF-8, at most
     FCT_EXTRACT_EMBEDDED_MAX (owned). */
  GPtrArray *embedded;
} FctExtractResult;

#define FCT_EXTRACT_EMBEDDED_MAX 64

FctExtractResult *fct_extract_result_new (void);
void fct_extract_result_free (FctExtractResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctExtractResult, fct_extract_result_free)

/* In-process parsers: add what they read to result (flags, text up to text_max bytes,
 * embedded names). FALSE and an FCT_EXTRACT_ERROR when the bytes cannot be read; flags
 * found before the failure stay set. These run hostile input: call them only in the
 * helper process or a fuzz target. */
gboolean fct_extract_pdf (GBytes *bytes, gsize text_max, FctExtractResult *result,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The PDF reader in two parts. fct_extract_pdf_simple reads ordinary PDFs without
 * poppler, on facteur's own bounded reader of objects: TRUE when it read the document
 * (text, flags and embedded names added to result as fct_extract_pdf would add them);
 * FALSE, result untouched, for a document it leaves to poppler (encrypted, Type3 or
 * unmapped fonts, unusual filters or layout, any JavaScript or /Launch action, a limit
 * reached). fct_extract_pdf_poppler reads any PDF through poppler-glib;
 * fct_extract_pdf is the first, else the second. */
gboolean fct_extract_pdf_simple (GBytes *bytes, gsize text_max,
                                 FctExtractResult *result) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_extract_pdf_poppler (GBytes *bytes, gsize text_max, FctExtractResult *result,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_extract_ooxml (GBytes *bytes, gsize text_max, FctExtractResult *result,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_extract_ole (GBytes *bytes, gsize text_max, FctExtractResult *result,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The parser for kind. */
gboolean fct_extract_any (FctExtractKind kind, GBytes *bytes, gsize text_max,
                          FctExtractResult *result,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Active content named in PDF objects, read without a PDF parser: the names /JS and
 * /JavaScript, /Launch, /OpenAction and /AA (ISO 32000-1 §12.6), decoded from their #xx
 * escapes (§7.3.5) that hide "/J#61vaScript" from naive scanners. Only what is written
 * in the clear; fct_extract_pdf also reads compressed object streams. */
typedef struct
{
  gboolean javascript;
  gboolean launch;
  gboolean auto_action; /* runs on opening or on a page event */
} FctExtractPdfActive;

void fct_extract_pdf_active (const guint8 *data, gsize len, FctExtractPdfActive *found);

/* The names of the files embedded in a PDF (ISO 32000-1 §7.11.4), added to result:
 * the /EmbeddedFiles name tree (§7.9.6) of its catalog, Kids included, read by
 * facteur's own reader of the objects (object streams inflated with zlib) within
 * limits->extract_pdf_*. Entries of the wrong type are skipped. FALSE and
 * FCT_EXTRACT_ERROR_FORMAT when a limit stopped the reading, so that the list may be
 * incomplete (the names found stay added). Called by fct_extract_pdf; hostile input. */
gboolean fct_extract_pdf_embedded (const guint8 *data, gsize len, const FctLimits *limits,
                                   FctExtractResult *result,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The kind named on the helper's command line ("pdf", "ooxml", "ole"); FALSE if none. */
gboolean fct_extract_kind_from_string (const char *name, FctExtractKind *kind);
const char *fct_extract_kind_to_string (FctExtractKind kind);

/* The wire format between the helper and its parent: a first line "FCTX1 <flags>
 * <status> <embedded count>", one line per embedded name, then the text to the end.
 * fct_extract_result_parse is strict: FALSE for anything else. */
GBytes *fct_extract_result_serialize (const FctExtractResult *result);
gboolean fct_extract_result_parse (const guint8 *data, gsize len, gsize text_max,
                                   FctExtractResult *result);

/* The helper's own loops (facteur-extract): reads one document from in until its end
 * and writes the answer on out, returning the exit status (0, or 70 when the answer
 * could not be written); and the resident mode, serving requests on control until the
 * parent closes it. These run hostile input: only in the helper process. */
int fct_extract_serve_one (int in, int out, FctExtractKind kind, gsize text_max);
void fct_extract_serve (int control);

/* The helper program to run: the facteur-extract beside the running program if there is
 * one (an uninstalled build), else the installed one (transfer none). */
const char *fct_extract_helper_default (void);

/* Reads bytes in a child process of its own, running helper (NULL: the default) with
 * RLIMIT_CPU, RLIMIT_AS (limits->extract_memory_max_bytes), no file writes, and a
 * wall-clock deadline (g_get_monotonic_time () microseconds): the child is killed past
 * it. The content goes over a socket pair, the answer comes back on it, at most
 * limits->extract_text_max_bytes of text. Never fails: a problem is a status. Thread-
 * safe. (transfer full) */
FctExtractResult *fct_extract_isolated_spawn (const char *helper, FctExtractKind kind,
                                              GBytes *bytes, const FctLimits *limits,
                                              gint64 deadline);

/* The same isolation, a fresh child with the same limits per document, forked by a
 * resident "helper --serve" started on first use (and again if it died), so that
 * poppler is loaded once per process rather than once per document. Falls back to
 * fct_extract_isolated_spawn when the resident cannot be started. Thread-safe.
 * (transfer full) */
FctExtractResult *fct_extract_isolated (const char *helper, FctExtractKind kind,
                                        GBytes *bytes, const FctLimits *limits,
                                        gint64 deadline);

/* Starts the resident for helper (NULL: the default) if it is not running, waiting up
 * to 5 s for it: callers do this before they start counting a deadline, so that the
 * start of a process does not eat into the time of its first documents. FALSE when it
 * cannot run (documents then get children of their own). */
gboolean fct_extract_resident_start (const char *helper);

/* Stops the resident helpers this process started (they also end with it). */
void fct_extract_residents_stop (void);

G_END_DECLS
