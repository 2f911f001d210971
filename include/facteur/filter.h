/* facteur — a mail filter in the path of an MTA, apart from the protocol that carries it
 * (the milter front end, src/milter/, only moves bytes): the message as the MTA hands it
 * over, kept up to a size and streamed whole through the DKIM and ARC verifiers and the
 * DKIM signers; the policy that turns a check report into actions; the edits that carry
 * them out (Authentication-Results of RFC 8601 §5, a verdict field, a subject prefix, a
 * warning banner in the visible body); and the messages exchanged with the process that
 * alone holds the private keys. */
#pragma once

#include <facteur/arc.h>
#include <facteur/check.h>
#include <facteur/dkim.h>

G_BEGIN_DECLS

#define FCT_FILTER_ERROR (fct_filter_error_quark ())
GQuark fct_filter_error_quark (void);

typedef enum
{
  FCT_FILTER_ERROR_INVALID, /* a setting cannot be parsed (the message says which) */
  FCT_FILTER_ERROR_MESSAGE, /* the collected bytes do not make a message */
} FctFilterError;

/* ---------------------------------------------------------------- the message */

/* One message as an MTA hands it over: header fields one by one, then body chunks.
 * The first scan_max_bytes are kept for the check; DKIM and ARC see everything. */
typedef struct _FctFilterMessage FctFilterMessage;

typedef struct
{
  /* Our authserv-id: Authentication-Results fields carrying it are forged or stale and
   * get removed (RFC 8601 §5). Required. */
  const char *authserv_id;
  /* Bytes kept for the check (header and body); past it the message is "partial". 0:
   * FctLimits.message_max_bytes. */
  gsize scan_max_bytes;
  /* Verify DKIM and ARC while the message streams in (NULL: not verified here). */
  FctResolver *resolver;
  FctDkimKeyCache *key_cache;
  gint64 now;              /* 0: the system clock */
  const FctLimits *limits; /* NULL: fct_limits_default () (must outlive the message) */
  /* The name of our verdict field (NULL: "X-Facteur"): fields of that name that came
   * with the message are forged or stale and get removed, as Authentication-Results
   * with our authserv-id are; the filters and readers downstream trust that name. */
  const char *verdict_field;
} FctFilterMessageOptions;

/* options is copied (authserv_id too); its resolver, key cache and limits must outlive it.
 * Reference-counted: a verification given up on at the time budget keeps its own
 * reference while its DNS queries end. After the end of the message, everything below
 * only reads it. */
FctFilterMessage *fct_filter_message_new (const FctFilterMessageOptions *options);
FctFilterMessage *fct_filter_message_ref (FctFilterMessage *message);
void fct_filter_message_unref (FctFilterMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctFilterMessage, fct_filter_message_unref)

/* One header field: its name and its value as the MTA gives them (the value's leading
 * white space included when the MTA keeps it; folded with CRLF or a bare LF, which
 * becomes CRLF). Fields past FctLimits.header_fields_max are kept for the parser, which
 * skips them (and the message is partial); past scan_max_bytes only the first From is. A
 * name that is not a field name (empty, with a colon or a control character) is dropped. */
void fct_filter_message_header (FctFilterMessage *message, const char *name,
                                const char *value);
/* End of the header. DKIM and ARC key queries start here, in the thread-default main
 * context of the caller. */
void fct_filter_message_eoh (FctFilterMessage *message);
/* A body chunk (CRLF line ends as the milter protocol carries them). */
void fct_filter_message_body (FctFilterMessage *message, const void *data, gsize len);

/* Starts a DKIM signature over the message (call at the end of the header; the header
 * fields so far and the body to come are fed to it). options is copied; its strings and
 * key must outlive the message. Returns FALSE and an FCT_DKIM_ERROR for bad options. */
gboolean fct_filter_message_sign (FctFilterMessage *message,
                                  const FctDkimSignOptions *options,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Finishes the signatures started: the fields "DKIM-Signature: ..." folded with "\n"
 * (char *, transfer full), or NULL and error when one could not be made. */
GPtrArray *fct_filter_message_signatures (FctFilterMessage *message,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Judges the message once its body has ended: the check of the part kept
 * (fct_filter_message_to_msg), through options->resolver, with the DKIM and ARC
 * verifications that streamed over the whole message ended alongside SPF
 * (fct_check_with_verifiers_async; options->wait_max_ms cuts them too). The callback
 * runs in the thread-default main context of the caller of fct_filter_message_eoh; get
 * the report with fct_check_finish (an FCT_FILTER_ERROR_MESSAGE when the kept part is
 * not a message). */
void fct_filter_message_check_async (FctFilterMessage *message,
                                     const FctCheckOptions *options,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);

/* TRUE when some of the message was not kept: over scan_max_bytes, or more fields than
 * header_fields_max. */
gboolean fct_filter_message_is_partial (const FctFilterMessage *message);
/* Bytes kept for the check (the beginning of the message the verdict is about); equal
 * to the size unless the message is partial. */
gsize fct_filter_message_get_scanned_size (const FctFilterMessage *message);
/* Bytes received (header fields as "Name:value" CRLF, the empty line and the body). */
guint64 fct_filter_message_get_size (const FctFilterMessage *message);
/* Header fields received, kept or not. */
guint fct_filter_message_get_header_count (const FctFilterMessage *message);
/* The author domain of the From field, lower case, or NULL (transfer none). */
const char *fct_filter_message_get_from_domain (const FctFilterMessage *message);
/* The part kept as a message (transfer full), or NULL and FCT_FILTER_ERROR_MESSAGE
 * (no header field at all, say). */
FctMsg *fct_filter_message_to_msg (FctFilterMessage *message,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The envelope sender of a MAIL FROM argument as MTAs pass it ("<a@b.example>", or bare,
 * white space around): the address without angle brackets, "" for the null sender
 * "<>" (transfer full). */
char *fct_filter_envelope_sender (const char *argument);

/* The authserv-id an Authentication-Results value starts with (RFC 8601 §2.2:
 * [CFWS] authserv-id, a value: token or quoted-string), read leniently so that no
 * spelling of it escapes removal; NULL when there is none (transfer full). */
char *fct_filter_authres_authserv_id (const char *value, gsize len);

/* ---------------------------------------------------------------- the policy */

/* What to do with a message; flags combine ("prefix,banner"). */
typedef enum
{
  FCT_FILTER_ACTION_ACCEPT = 0,          /* deliver, with the verdict field */
  FCT_FILTER_ACTION_PREFIX = 1 << 0,     /* prefix the subject ([SUSPECT], [FRAUDE ?]) */
  FCT_FILTER_ACTION_BANNER = 1 << 1,     /* a warning at the top of the visible body */
  FCT_FILTER_ACTION_QUARANTINE = 1 << 2, /* hold it in the MTA's quarantine */
  FCT_FILTER_ACTION_REJECT = 1 << 3,     /* refuse it with a 5.7.1 reply */
  FCT_FILTER_ACTION_TEMPFAIL = 1 << 4,   /* refuse it for now with a 4.x.x reply */
} FctFilterAction;

/* Parses "accept", or a list of prefix, banner, quarantine, reject, tempfail separated
 * by commas or spaces. FALSE and FCT_FILTER_ERROR_INVALID otherwise. */
gboolean fct_filter_action_parse (const char *text, FctFilterAction *action,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* "accept", "prefix,banner", ... (transfer full). */
char *fct_filter_action_to_string (FctFilterAction action);

typedef struct
{
  FctFilterAction on_clean;            /* default accept */
  FctFilterAction on_suspicious;       /* default prefix,banner */
  FctFilterAction on_dangerous;        /* default prefix,banner */
  FctFilterAction on_dmarc_reject;     /* DMARC fail, policy reject: default reject */
  FctFilterAction on_dmarc_quarantine; /* DMARC fail, policy quarantine: default prefix */
  FctFilterAction on_dns_error;        /* a temperror (DNS failed): default accept */
  FctFilterAction on_error;            /* no verdict (internal error, time budget
                                          spent): accept (fail open) or tempfail */
  /* ARC sealers (seal d= domains, NULL-terminated) whose record of a DMARC pass lifts a
   * DMARC reject or quarantine (RFC 8617 §7.2: mailing lists and forwarders). */
  const char *const *trusted_arc_sealers;
  const char *verdict_field; /* NULL: "X-Facteur" */
} FctFilterPolicy;

/* Fills policy with the defaults above. */
void fct_filter_policy_init (FctFilterPolicy *policy);

/* ---------------------------------------------------------------- the decision */

typedef enum
{
  FCT_FILTER_EDIT_DELETE, /* delete the index-th field named name */
  FCT_FILTER_EDIT_CHANGE, /* replace the value of the index-th field named name */
  FCT_FILTER_EDIT_INSERT, /* insert a field at position index (0: the top) */
} FctFilterEditKind;

typedef struct
{
  FctFilterEditKind kind;
  char *name;
  guint index; /* DELETE and CHANGE: 1-based among the fields of that name; INSERT:
                  the position */
  /* The value as it follows the colon, leading space included, folded with "\n\t"
   * (the form milters hand to the MTA); NULL for DELETE. */
  char *value;
} FctFilterEdit;

typedef enum
{
  FCT_FILTER_DISPOSITION_ACCEPT,
  FCT_FILTER_DISPOSITION_REJECT,
  FCT_FILTER_DISPOSITION_TEMPFAIL,
} FctFilterDisposition;

typedef struct
{
  FctFilterDisposition disposition;
  FctFilterAction actions; /* every action that applied, before precedence */
  gboolean quarantine;
  char *quarantine_reason; /* NULL unless quarantine */
  /* REJECT and TEMPFAIL: the SMTP reply ("550", "5.7.1", one line of ASCII without
   * '%', naming the reason). */
  char *reply_code, *reply_xcode, *reply_text;
  /* Header edits in the order to apply them: deletions from the highest index down,
   * then changes, then insertions (FctFilterEdit *). */
  GPtrArray *edits;
  GBytes *body; /* the new body (banner), or NULL to keep it */
  /* What the log says: "dmarc-reject example.com", "dangerous", ... (never NULL). */
  char *reason;
  /* The verdict field's value, also logged. */
  char *verdict;
} FctFilterDecision;

void fct_filter_decision_free (FctFilterDecision *decision);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctFilterDecision, fct_filter_decision_free)

/* Decides what to do with message given its check report (NULL when the check gave no
 * report: error says why, and policy->on_error applies). Texts (subject prefix,
 * banner) are in the catalog language. Returns (transfer full), never NULL. */
FctFilterDecision *fct_filter_decide (FctFilterMessage *message,
                                      const FctCheckReport *report, const GError *error,
                                      const FctFilterPolicy *policy);

/* The message with decision's header edits and body applied, CRLF line ends, as the
 * MTA will deliver it; NULL when it was partial (transfer full). */
GBytes *fct_filter_decision_apply (FctFilterMessage *message,
                                   const FctFilterDecision *decision);

/* A warning banner at the top of the visible body: the first text/plain and text/html
 * parts that are not attachments get the text (HTML-escaped, in a box, for HTML), in
 * their charset and transfer encoding; the MIME structure and every other part are
 * kept. msg is the whole message. Returns the new body (transfer full), or NULL when
 * the message has no visible text part to warn in. When the top-level part's fields
 * must change for the banner (charset us-ascii to utf-8, 7bit to quoted-printable),
 * *content_type and *encoding (transfer full) give their new values; else NULL. */
GBytes *fct_filter_banner_apply (FctMsg *msg, const char *text, char **content_type,
                                 char **encoding);

/* ---------------------------------------------------------------- the key table */

/* One signing key: domain -> selector -> file (RSA or Ed25519). */
typedef struct
{
  char *domain; /* lower case */
  char *selector;
  char *path; /* NULL on the side that does not read keys */
  FctDkimKeyType type;
  guint bits;
} FctFilterKey;

typedef struct _FctFilterKeyTable FctFilterKeyTable;

/* Parses entries "domain:selector:/path/to/key" (one per string). FALSE and
 * FCT_FILTER_ERROR_INVALID naming the bad entry. */
FctFilterKeyTable *fct_filter_key_table_parse (const char *const *entries,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
FctFilterKeyTable *fct_filter_key_table_new (void);
void fct_filter_key_table_free (FctFilterKeyTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctFilterKeyTable, fct_filter_key_table_free)
guint fct_filter_key_table_get_count (const FctFilterKeyTable *table);
/* (transfer none) */
const FctFilterKey *fct_filter_key_table_get (const FctFilterKeyTable *table, guint index);
void fct_filter_key_table_add (FctFilterKeyTable *table, const char *domain,
                               const char *selector, const char *path, FctDkimKeyType type,
                               guint bits);
/* The indices of the keys for domain: those of the domain itself, else of its nearest
 * parent that has keys (a d= of a parent still aligns, RFC 9989 §3.2.3). Empty when
 * none (transfer full). */
GArray *fct_filter_key_table_lookup (const FctFilterKeyTable *table, const char *domain);

/* ---------------------------------------------------------------- the signer protocol */

/* The messages between the milter and its signing process over a SOCK_SEQPACKET
 * socketpair. Each has a fixed size, or a size its content announces, and a decoder
 * accepts only that exact length. */
#define FCT_FILTER_SIGN_DIGEST_MAX 64
#define FCT_FILTER_SIGN_SIGNATURE_MAX 1024
#define FCT_FILTER_SIGN_REQUEST_SIZE (4 * 6 + FCT_FILTER_SIGN_DIGEST_MAX)
#define FCT_FILTER_SIGN_REPLY_SIZE (4 * 4 + FCT_FILTER_SIGN_SIGNATURE_MAX)
#define FCT_FILTER_KEY_LIST_MAX 65536

typedef enum
{
  FCT_FILTER_SIGN_OP_SIGN = 1,   /* sign a digest with key key_index */
  FCT_FILTER_SIGN_OP_KEYS = 2,   /* list the keys (answered with a key list) */
  FCT_FILTER_SIGN_OP_RELOAD = 3, /* read the key files again, then list them */
} FctFilterSignOp;

typedef struct
{
  FctFilterSignOp op;
  guint32 generation; /* the key list the index refers to */
  guint32 key_index;
  FctDkimHash hash;
  guint32 digest_len;
  guint8 digest[FCT_FILTER_SIGN_DIGEST_MAX];
} FctFilterSignRequest;

typedef struct
{
  gboolean ok;
  guint32 generation;
  guint32 signature_len; /* 0 when not ok */
  guint8 signature[FCT_FILTER_SIGN_SIGNATURE_MAX];
} FctFilterSignReply;

void fct_filter_sign_request_encode (const FctFilterSignRequest *request,
                                     guint8 out[FCT_FILTER_SIGN_REQUEST_SIZE]);
/* FALSE unless len is the exact size and every field is in range. */
gboolean fct_filter_sign_request_decode (const guint8 *data, gsize len,
                                         FctFilterSignRequest *request);
void fct_filter_sign_reply_encode (const FctFilterSignReply *reply,
                                   guint8 out[FCT_FILTER_SIGN_REPLY_SIZE]);
gboolean fct_filter_sign_reply_decode (const guint8 *data, gsize len,
                                       FctFilterSignReply *reply);
/* A key list: the generation and, per key, type, bits, domain and selector (no path).
 * Returns (transfer full) at most FCT_FILTER_KEY_LIST_MAX bytes. */
GBytes *fct_filter_key_list_encode (const FctFilterKeyTable *table, guint32 generation);
/* (transfer full) a table without paths, or NULL when data is not exactly a key list. */
FctFilterKeyTable *fct_filter_key_list_decode (const guint8 *data, gsize len,
                                               guint32 *generation);

G_END_DECLS
