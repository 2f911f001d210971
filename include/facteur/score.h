/* facteur — findings and the score out of 10. A check produces findings; the score is
 * computed from findings only (DESIGN.md, "Rules of the house"): 10 minus the points of
 * every finding, never below 0, rounded to one decimal.
 *
 * Every finding id has one entry in a weight table (src/lib/score/weights-*.c): its
 * section, severity, points and title. docs/SCORING.md gives the reason for each weight.
 * A check never chooses its own points, so the same id always costs the same. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  FCT_SEVERITY_INFO,     /* worth knowing; usually 0 points */
  FCT_SEVERITY_WARNING,  /* hurts delivery or trust; fix it */
  FCT_SEVERITY_CRITICAL, /* mail is likely refused, or the message is likely a fraud */
} FctSeverity;

const char *fct_severity_to_string (FctSeverity severity); /* "info", "warning", ... */

/* What a finding says about whether to trust the message (the receiver's question),
 * apart from its points (the sender's question, will it arrive). docs/SCORING.md,
 * "Threat verdict", gives the rules. */
typedef enum
{
  FCT_THREAT_NONE,       /* says nothing about trust (a missing Date, a large image) */
  FCT_THREAT_SUSPICIOUS, /* alone, enough to warn the reader */
  FCT_THREAT_DANGEROUS,  /* alone, enough to call the message dangerous */
} FctThreat;

/* "clean", "suspicious", "dangerous" (transfer none). */
const char *fct_threat_to_string (FctThreat threat);

/* One row of a weight table. Strings are static; title is an untranslated msgid
 * (N_()), translated by fct_finding_get_title(). */
typedef struct
{
  const char *id;      /* stable: "spf-fail", "mx-missing" */
  const char *section; /* "authentication", "headers", "size", "content", "phishing",
                          "fraud", "attachments", "bulk", "blocklists", "dns", "mx",
                          "spf", "dkim", "dmarc", "mta-sts", "tls", ... */
  FctSeverity severity;
  double points;
  const char *title;
  /* Last so that rows which say nothing about trust may leave it out (NONE). */
  FctThreat threat;
} FctFindingWeight;

/* The weight tables: one per kind of report. An id is looked up in its own table only,
 * so that the same id may weigh differently in a message and in a domain audit. */
typedef enum
{
  FCT_FINDINGS_MESSAGE, /* facteur check: weights-message.c, docs/SCORING.md */
  FCT_FINDINGS_DOMAIN,  /* facteur domain: weights-domain.c, docs/FINDINGS.md */
} FctFindingsTable;

/* The weight of id in the message table, or NULL for an unknown id (transfer none). */
const FctFindingWeight *fct_finding_weight_lookup (const char *id);
/* The weight of id in table, or NULL (transfer none). */
const FctFindingWeight *fct_finding_weight_lookup_in (FctFindingsTable table,
                                                      const char *id);

/* Every table's rows, for documentation tests (transfer none). */
const FctFindingWeight *fct_finding_weights_message (gsize *n_rows);
const FctFindingWeight *fct_finding_weights_domain (gsize *n_rows);

typedef struct
{
  const FctFindingWeight *weight; /* (transfer none) static */
  char *detail;                   /* what happened and what to do, translated */
  char *fix;                      /* a record to publish or a command to run, or NULL */
  char *evidence;                 /* the offending value (URL, IBAN, header), or NULL */
} FctFinding;

typedef struct _FctFindings FctFindings;

/* A set of message findings (FCT_FINDINGS_MESSAGE). */
FctFindings *fct_findings_new (void);
/* A set whose ids are looked up in table only. */
FctFindings *fct_findings_new_for (FctFindingsTable table);
void fct_findings_free (FctFindings *findings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctFindings, fct_findings_free)

/* Adds a finding; id must be in the set's table (programmer error otherwise). detail is
 * a printf format, already translated by the caller. Returns the finding so that the
 * caller can set fix or evidence (transfer none). */
FctFinding *fct_findings_add (FctFindings *findings, const char *id,
                              const char *detail_format, ...) G_GNUC_PRINTF (3, 4);

/* Sets fix / evidence (copied). detail, fix and evidence may hold any bytes: what is
 * stored is valid UTF-8, each byte of an invalid sequence written as \xHH. */
void fct_finding_set_fix (FctFinding *finding, const char *fix);
void fct_finding_set_evidence (FctFinding *finding, const char *evidence);

guint fct_findings_get_count (const FctFindings *findings);
const FctFinding *fct_findings_get (const FctFindings *findings, guint index);
/* TRUE if a finding with this id was added. */
gboolean fct_findings_has (const FctFindings *findings, const char *id);

/* Sorts by points, most costly first; equal points keep the order they were added in. */
void fct_findings_sort (FctFindings *findings);

/* 10 minus the sum of points, clamped to [0, 10], rounded to one decimal. */
double fct_findings_score (const FctFindings *findings);

/* The threat verdict of a set of findings (docs/SCORING.md, "Threat verdict"): the
 * highest threat of any finding; suspicious findings from two different sections make
 * it dangerous. If deciding is not NULL, it receives the distinct ids (static strings,
 * transfer container) of the findings that decided: those at the highest threat of any
 * finding, in the findings' order; empty when clean. */
FctThreat fct_findings_threat (const FctFindings *findings, GPtrArray **deciding);

/* For a message judged dangerous: the findings that advise the sender (sections
 * authentication, headers, size, bulk, blocklists) keep their id, title and evidence,
 * but their detail becomes a statement for the reader and their fix is dropped, so that
 * a fraudster is not told how to get his mail through. */
void fct_findings_withhold_sender_advice (FctFindings *findings);

/* TRUE for the sections whose findings advise the sender (the ones above). */
gboolean fct_finding_weight_advises_sender (const FctFindingWeight *weight);

/* The translated title of a finding (transfer none). */
const char *fct_finding_get_title (const FctFinding *finding);

/* A section of the message report: an FctFindingWeight.section of the message table
 * and its heading, an untranslated msgid (N_()). */
typedef struct
{
  const char *id;
  const char *title;
} FctReportSection;

/* The message report's sections in the order every front end shows them (transfer
 * none); each section of the message table is one of them. */
const FctReportSection *fct_report_sections (gsize *n_sections);

G_END_DECLS
