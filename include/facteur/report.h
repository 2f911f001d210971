/* facteur — reports as JSON: the one object `facteur check --json` and `facteur domain
 * --json` print, built here so that every front end (the command line, `facteur
 * serve`'s API and pages) gives exactly the same object (DESIGN.md, "Command-line
 * contract"). Strings are taken as the report holds them, already translated. */
#pragma once

#include <facteur/audit.h>
#include <facteur/check.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The object of `facteur check --json` (transfer full). */
JsonNode *fct_report_check_to_json (const FctCheckReport *report);

/* The object of `facteur domain --json` for one audited domain (transfer full). */
JsonNode *fct_report_audit_to_json (const FctAuditReport *report);

/* node as one line of JSON, no trailing newline (transfer full). */
char *fct_report_json_to_string (JsonNode *node);

G_END_DECLS
