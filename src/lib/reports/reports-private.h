/* facteur — reports module internals, shared by its files only. */
#pragma once

#include <facteur/reports.h>
#include <facteur/store.h>
#include <glib/gi18n-lib.h>

/* TRUE when name is a strict subdomain of parent ("a.b.example" under "example"). */
gboolean fct_reports_domain_under (const char *name, const char *parent);

/* A report set aside, with why (FCT_REPORTS_ERROR). */
void fct_reports_skip (FctReportsSkipFunc skip, gpointer user_data, const char *name,
                       FctReportsError code, const char *format, ...) G_GNUC_PRINTF (5, 6);

/* Decompresses a zip's members into blobs (extract.c). */
gboolean fct_reports_unzip (const char *name, const guint8 *data, gsize len,
                            const FctLimits *limits, GPtrArray *out,
                            FctReportsSkipFunc skip, gpointer user_data, GError **error);

/* g_mime_init, once per process. */
void fct_reports_mime_init (void);

/* Tells skip of a report set aside for error (skip may be NULL). */
void fct_reports_skip_error (FctReportsSkipFunc skip, gpointer user_data, const char *name,
                             const GError *error);

/* GMime 3.2 declares no autoptr cleanups; its objects are GObjects. */
#include <gmime/gmime.h>
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimePartIter, g_mime_part_iter_free)

/* The ingestion's limits (transfer none), and a source set aside (counted, told). */
const FctLimits *fct_reports_ingest_limits (FctReportsIngest *ingest);
void fct_reports_ingest_note_skipped (FctReportsIngest *ingest, const char *name,
                                      const GError *error);
