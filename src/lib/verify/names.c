/* facteur — names of the address diagnoses, categories and verdicts, and the category
 * of each diagnosis as Dominic Sayers' meta.xml assigns it. */
#include "verify-private.h"

G_DEFINE_QUARK (fct - verify - error - quark, fct_verify_error)

typedef struct
{
  FctVerifyDiag diag;
  const char *name;
  const char *isemail;
} DiagName;

static const DiagName diag_names[] = {
  { FCT_VERIFY_DIAG_VALID, "valid", "ISEMAIL_VALID" },
  { FCT_VERIFY_DIAG_DNSWARN_NO_MX_RECORD, "dnswarn_no_mx_record",
    "ISEMAIL_DNSWARN_NO_MX_RECORD" },
  { FCT_VERIFY_DIAG_DNSWARN_NO_RECORD, "dnswarn_no_record", "ISEMAIL_DNSWARN_NO_RECORD" },
  { FCT_VERIFY_DIAG_RFC5321_TLD, "rfc5321_tld", "ISEMAIL_RFC5321_TLD" },
  { FCT_VERIFY_DIAG_RFC5321_TLD_NUMERIC, "rfc5321_tld_numeric",
    "ISEMAIL_RFC5321_TLDNUMERIC" },
  { FCT_VERIFY_DIAG_RFC5321_QUOTED_STRING, "rfc5321_quoted_string",
    "ISEMAIL_RFC5321_QUOTEDSTRING" },
  { FCT_VERIFY_DIAG_RFC5321_ADDRESS_LITERAL, "rfc5321_address_literal",
    "ISEMAIL_RFC5321_ADDRESSLITERAL" },
  { FCT_VERIFY_DIAG_RFC5321_IPV6_DEPRECATED, "rfc5321_ipv6_deprecated",
    "ISEMAIL_RFC5321_IPV6DEPRECATED" },
  { FCT_VERIFY_DIAG_CFWS_COMMENT, "cfws_comment", "ISEMAIL_CFWS_COMMENT" },
  { FCT_VERIFY_DIAG_CFWS_FWS, "cfws_fws", "ISEMAIL_CFWS_FWS" },
  { FCT_VERIFY_DIAG_DEPREC_LOCAL_PART, "deprec_local_part", "ISEMAIL_DEPREC_LOCALPART" },
  { FCT_VERIFY_DIAG_DEPREC_FWS, "deprec_fws", "ISEMAIL_DEPREC_FWS" },
  { FCT_VERIFY_DIAG_DEPREC_QTEXT, "deprec_qtext", "ISEMAIL_DEPREC_QTEXT" },
  { FCT_VERIFY_DIAG_DEPREC_QP, "deprec_qp", "ISEMAIL_DEPREC_QP" },
  { FCT_VERIFY_DIAG_DEPREC_COMMENT, "deprec_comment", "ISEMAIL_DEPREC_COMMENT" },
  { FCT_VERIFY_DIAG_DEPREC_CTEXT, "deprec_ctext", "ISEMAIL_DEPREC_CTEXT" },
  { FCT_VERIFY_DIAG_DEPREC_CFWS_NEAR_AT, "deprec_cfws_near_at",
    "ISEMAIL_DEPREC_CFWS_NEAR_AT" },
  { FCT_VERIFY_DIAG_RFC5322_DOMAIN, "rfc5322_domain", "ISEMAIL_RFC5322_DOMAIN" },
  { FCT_VERIFY_DIAG_RFC5322_TOO_LONG, "rfc5322_too_long", "ISEMAIL_RFC5322_TOOLONG" },
  { FCT_VERIFY_DIAG_RFC5322_LOCAL_TOO_LONG, "rfc5322_local_too_long",
    "ISEMAIL_RFC5322_LOCAL_TOOLONG" },
  { FCT_VERIFY_DIAG_RFC5322_DOMAIN_TOO_LONG, "rfc5322_domain_too_long",
    "ISEMAIL_RFC5322_DOMAIN_TOOLONG" },
  { FCT_VERIFY_DIAG_RFC5322_LABEL_TOO_LONG, "rfc5322_label_too_long",
    "ISEMAIL_RFC5322_LABEL_TOOLONG" },
  { FCT_VERIFY_DIAG_RFC5322_DOMAIN_LITERAL, "rfc5322_domain_literal",
    "ISEMAIL_RFC5322_DOMAINLITERAL" },
  { FCT_VERIFY_DIAG_RFC5322_DOMLIT_OBSDTEXT, "rfc5322_domlit_obsdtext",
    "ISEMAIL_RFC5322_DOMLIT_OBSDTEXT" },
  { FCT_VERIFY_DIAG_RFC5322_IPV6_GROUP_COUNT, "rfc5322_ipv6_group_count",
    "ISEMAIL_RFC5322_IPV6_GRPCOUNT" },
  { FCT_VERIFY_DIAG_RFC5322_IPV6_2X2X_COLON, "rfc5322_ipv6_2x2x_colon",
    "ISEMAIL_RFC5322_IPV6_2X2XCOLON" },
  { FCT_VERIFY_DIAG_RFC5322_IPV6_BAD_CHAR, "rfc5322_ipv6_bad_char",
    "ISEMAIL_RFC5322_IPV6_BADCHAR" },
  { FCT_VERIFY_DIAG_RFC5322_IPV6_MAX_GROUPS, "rfc5322_ipv6_max_groups",
    "ISEMAIL_RFC5322_IPV6_MAXGRPS" },
  { FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_START, "rfc5322_ipv6_colon_start",
    "ISEMAIL_RFC5322_IPV6_COLONSTRT" },
  { FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_END, "rfc5322_ipv6_colon_end",
    "ISEMAIL_RFC5322_IPV6_COLONEND" },
  { FCT_VERIFY_DIAG_ERR_EXPECTING_DTEXT, "err_expecting_dtext",
    "ISEMAIL_ERR_EXPECTING_DTEXT" },
  { FCT_VERIFY_DIAG_ERR_NO_LOCAL_PART, "err_no_local_part", "ISEMAIL_ERR_NOLOCALPART" },
  { FCT_VERIFY_DIAG_ERR_NO_DOMAIN, "err_no_domain", "ISEMAIL_ERR_NODOMAIN" },
  { FCT_VERIFY_DIAG_ERR_CONSECUTIVE_DOTS, "err_consecutive_dots",
    "ISEMAIL_ERR_CONSECUTIVEDOTS" },
  { FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_CFWS, "err_atext_after_cfws",
    "ISEMAIL_ERR_ATEXT_AFTER_CFWS" },
  { FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_QS, "err_atext_after_qs",
    "ISEMAIL_ERR_ATEXT_AFTER_QS" },
  { FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_DOMLIT, "err_atext_after_domlit",
    "ISEMAIL_ERR_ATEXT_AFTER_DOMLIT" },
  { FCT_VERIFY_DIAG_ERR_EXPECTING_QPAIR, "err_expecting_qpair",
    "ISEMAIL_ERR_EXPECTING_QPAIR" },
  { FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT, "err_expecting_atext",
    "ISEMAIL_ERR_EXPECTING_ATEXT" },
  { FCT_VERIFY_DIAG_ERR_EXPECTING_QTEXT, "err_expecting_qtext",
    "ISEMAIL_ERR_EXPECTING_QTEXT" },
  { FCT_VERIFY_DIAG_ERR_EXPECTING_CTEXT, "err_expecting_ctext",
    "ISEMAIL_ERR_EXPECTING_CTEXT" },
  { FCT_VERIFY_DIAG_ERR_BACKSLASH_END, "err_backslash_end", "ISEMAIL_ERR_BACKSLASHEND" },
  { FCT_VERIFY_DIAG_ERR_DOT_START, "err_dot_start", "ISEMAIL_ERR_DOT_START" },
  { FCT_VERIFY_DIAG_ERR_DOT_END, "err_dot_end", "ISEMAIL_ERR_DOT_END" },
  { FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_START, "err_domain_hyphen_start",
    "ISEMAIL_ERR_DOMAINHYPHENSTART" },
  { FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_END, "err_domain_hyphen_end",
    "ISEMAIL_ERR_DOMAINHYPHENEND" },
  { FCT_VERIFY_DIAG_ERR_UNCLOSED_QUOTED_STRING, "err_unclosed_quoted_string",
    "ISEMAIL_ERR_UNCLOSEDQUOTEDSTR" },
  { FCT_VERIFY_DIAG_ERR_UNCLOSED_COMMENT, "err_unclosed_comment",
    "ISEMAIL_ERR_UNCLOSEDCOMMENT" },
  { FCT_VERIFY_DIAG_ERR_UNCLOSED_DOMAIN_LITERAL, "err_unclosed_domain_literal",
    "ISEMAIL_ERR_UNCLOSEDDOMLIT" },
  { FCT_VERIFY_DIAG_ERR_FWS_CRLF_X2, "err_fws_crlf_x2", "ISEMAIL_ERR_FWS_CRLF_X2" },
  { FCT_VERIFY_DIAG_ERR_FWS_CRLF_END, "err_fws_crlf_end", "ISEMAIL_ERR_FWS_CRLF_END" },
  { FCT_VERIFY_DIAG_ERR_CR_NO_LF, "err_cr_no_lf", "ISEMAIL_ERR_CR_NO_LF" },
  { FCT_VERIFY_DIAG_ERR_DOT_AFTER_DOMAIN_LITERAL, "err_dot_after_domain_literal",
    "ISEMAIL_ERR_DOT_AFTER_DOMLIT" },
  { FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8, "err_malformed_utf8",
    "ISEMAIL_ERR_MALFORMED_UTF8" },
};

static const DiagName *
find (FctVerifyDiag diag)
{
  for (gsize i = 0; i < G_N_ELEMENTS (diag_names); i++)
    if (diag_names[i].diag == diag)
      return &diag_names[i];
  return NULL;
}

const char *
fct_verify_diag_to_string (FctVerifyDiag diag)
{
  const DiagName *d = find (diag);
  return d != NULL ? d->name : NULL;
}

const char *
fct_verify_diag_to_isemail (FctVerifyDiag diag)
{
  const DiagName *d = find (diag);
  return d != NULL ? d->isemail : NULL;
}

FctVerifyCategory
fct_verify_diag_get_category (FctVerifyDiag diag)
{
  /* meta.xml 3.05 moved the deprecated IPv6 "::" form out of RFC 5321's class. */
  if (diag == FCT_VERIFY_DIAG_RFC5321_IPV6_DEPRECATED)
    return FCT_VERIFY_CATEGORY_DEPRECATED;
  if (diag == FCT_VERIFY_DIAG_VALID)
    return FCT_VERIFY_CATEGORY_VALID;
  if (diag < FCT_VERIFY_DIAG_RFC5321_TLD)
    return FCT_VERIFY_CATEGORY_DNSWARN;
  if (diag < FCT_VERIFY_DIAG_CFWS_COMMENT)
    return FCT_VERIFY_CATEGORY_RFC5321;
  if (diag < FCT_VERIFY_DIAG_DEPREC_LOCAL_PART)
    return FCT_VERIFY_CATEGORY_CFWS;
  if (diag < FCT_VERIFY_DIAG_RFC5322_DOMAIN)
    return FCT_VERIFY_CATEGORY_DEPRECATED;
  if (diag < FCT_VERIFY_DIAG_ERR_EXPECTING_DTEXT)
    return FCT_VERIFY_CATEGORY_RFC5322;
  return FCT_VERIFY_CATEGORY_ERROR;
}

const char *
fct_verify_category_to_string (FctVerifyCategory category)
{
  static const char *const names[]
      = { "valid", "dnswarn", "rfc5321", "cfws", "deprecated", "rfc5322", "error" };
  if ((guint)category >= G_N_ELEMENTS (names))
    return NULL;
  return names[category];
}

const char *
fct_verify_verdict_to_string (FctVerifyVerdict verdict)
{
  static const char *const names[] = { "deliverable", "undeliverable", "risky", "unknown" };
  if ((guint)verdict >= G_N_ELEMENTS (names))
    return NULL;
  return names[verdict];
}
