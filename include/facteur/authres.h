/* facteur — Authentication-Results (RFC 8601): build a header field value from
 * authentication verdicts, write it, and parse existing ones (the §2.2 grammar, with
 * comments, quoted strings, a version and "none").
 *
 * The module deals in strings ("pass", "smtp.mailfrom"), not in SPF/DKIM/DMARC types,
 * so it depends on no other standard's module. */
#pragma once

#include <facteur/limits.h>

G_BEGIN_DECLS

#define FCT_AUTHRES_ERROR (fct_authres_error_quark ())
GQuark fct_authres_error_quark (void);

typedef enum
{
  FCT_AUTHRES_ERROR_SYNTAX, /* the value breaks RFC 8601 §2.2; the message gives the
                               byte offset */
  FCT_AUTHRES_ERROR_LIMIT,  /* more than authres_items_max results or properties */
} FctAuthresError;

typedef struct
{
  char *ptype;    /* "smtp", "header", "body", "policy": lower-cased */
  char *property; /* "mailfrom", "d", ...: lower-cased */
  char *value;    /* unquoted */
} FctAuthresProperty;

typedef struct
{
  char *method;          /* "spf", "dkim", ...: lower-cased */
  guint method_version;  /* 0 when absent */
  char *result;          /* "pass", ...: lower-cased */
  char *comment;         /* the comment right after the result, without the parentheses,
                            or NULL */
  char *reason;          /* reason= value, or NULL */
  GPtrArray *properties; /* FctAuthresProperty *, in order */
} FctAuthresResult;

typedef struct
{
  char *authserv_id;
  guint version;      /* 0 when absent (means 1) */
  GPtrArray *results; /* FctAuthresResult *; empty for "none" */
} FctAuthres;

/* A field value with no result yet (it prints "authserv-id; none"). */
FctAuthres *fct_authres_new (const char *authserv_id);
void fct_authres_free (FctAuthres *authres);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuthres, fct_authres_free)

/* Appends a result. method and result must be RFC 5321 Keywords. Returns (transfer
 * none) the result, owned by authres. */
FctAuthresResult *fct_authres_add (FctAuthres *authres, const char *method,
                                   const char *result);
/* Sets the comment written after the result (replaces any). */
void fct_authres_result_set_comment (FctAuthresResult *result, const char *comment);
void fct_authres_result_set_reason (FctAuthresResult *result, const char *reason);
/* Appends ptype.property=value; ptype and property must be Keywords. */
void fct_authres_result_add_property (FctAuthresResult *result, const char *ptype,
                                      const char *property, const char *value);
/* The value of the first property ptype.property, or NULL (transfer none). */
const char *fct_authres_result_get_property (const FctAuthresResult *result,
                                             const char *ptype, const char *property);

/* spf=RESULT smtp.mailfrom=MAIL_FROM smtp.helo=HELO (RFC 8601 §2.7.2). mail_from NULL
 * or empty (null sender) omits smtp.mailfrom; helo NULL omits smtp.helo. */
FctAuthresResult *fct_authres_add_spf (FctAuthres *authres, const char *result,
                                       const char *mail_from, const char *helo);
/* dkim=RESULT header.d=D header.s=S header.b=B (RFC 8601 §2.7.1, RFC 6008): b is the
 * whole b= value; it is written shortened to 8 characters or as many more as make it
 * unique among the field's header.b values. d, s, b may be NULL. */
FctAuthresResult *fct_authres_add_dkim (FctAuthres *authres, const char *result,
                                        const char *d, const char *s, const char *b);
/* dmarc=RESULT (p=POLICY dis=DISPOSITION) header.from=DOMAIN policy.dmarc=DISPOSITION
 * (RFC 9989 §9.1). policy and disposition may be NULL to leave them out. */
FctAuthresResult *fct_authres_add_dmarc (FctAuthres *authres, const char *result,
                                         const char *header_from, const char *policy,
                                         const char *disposition);
/* arc=RESULT smtp.remote-ip=IP (RFC 8617 §10.1). remote_ip may be NULL. */
FctAuthresResult *fct_authres_add_arc (FctAuthres *authres, const char *result,
                                       const char *remote_ip);

/* Writes the field value (without "Authentication-Results:"). fold puts each result on
 * its own continuation line (CRLF TAB). Values that are not tokens are quoted; control
 * characters in values become "?", so no input can inject a header line. Returns
 * (transfer full). */
char *fct_authres_to_string (const FctAuthres *authres, gboolean fold);

/* Parses a field value (unfolded or not). limits may be NULL. Returns (transfer full) or
 * NULL and an FCT_AUTHRES_ERROR. */
FctAuthres *fct_authres_parse (const char *value, gsize len, const FctLimits *limits,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
