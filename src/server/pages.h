/* facteur serve — the HTML pages: the test address and its report, the domain audit,
 * the admin page and errors, in the thread's language (fct_serve_with_lang), every value
 * escaped by the builder of html.h. */
#pragma once

#include "html.h"

#include <facteur/audit.h>
#include <facteur/reports.h>
#include <facteur/store.h>

typedef enum
{
  FCT_SERVE_PAGE_WAITING, /* the address, and a script that waits for the report */
  FCT_SERVE_PAGE_REPORT,
  FCT_SERVE_PAGE_FAILED, /* the message arrived but could not be checked */
  FCT_SERVE_PAGE_DOMAIN, /* the form, and the audit when there is one */
  FCT_SERVE_PAGE_ADMIN,
  FCT_SERVE_PAGE_REPORTS,        /* the domains with reports (admin) */
  FCT_SERVE_PAGE_REPORTS_DOMAIN, /* one domain's reports summed up (admin) */
  FCT_SERVE_PAGE_ERROR,
} FctServePageKind;

typedef struct
{
  FctServePageKind kind;
  const char *lang; /* "en", "fr" */
  guint status;     /* for errors: 404, 429, 503 */
  const char *token, *address;
  const FctStoreMessage *message;
  const char *report_json; /* facteur check --json's object */
  const char *view_json;   /* headers, text and HTML of the message */
  const char *domain;
  const FctAuditReport *audit;
  const char *error;
  GPtrArray *recent;                /* FctStoreMessage * (admin) */
  GPtrArray *finding_ids;           /* char * (admin) */
  GArray *finding_counts;           /* gint64 (admin) */
  GPtrArray *report_domains;        /* FctStoreFeedbackDomain * (reports) */
  const FctReportsSummary *summary; /* (reports of a domain) */
  GArray *days;                     /* FctStoreFeedbackDay */
  GPtrArray *report_list;           /* FctStoreFeedbackInfo *, latest first */
  gint64 report_total;              /* how many reports report_list was cut from */
} FctServePage;

/* The page (transfer full). */
char *fct_serve_page_render (const FctServePage *page);

/* Shared by pages.c and pages-reports.c: the page's head and navigation (self: its
 * path, for the language switch), and its end (transfer full; h is freed). */
void fct_serve_page_open (FctHtml *h, const FctServePage *page, const char *title,
                          const char *self);
char *fct_serve_page_close (FctHtml *h);
/* pages-reports.c: the FCT_SERVE_PAGE_REPORTS* pages (transfer full). */
char *fct_serve_reports_render (const FctServePage *page);
