/* facteur — SMTP client side: the reply parser (RFC 5321 §4.2, enhanced status codes
 * RFC 3463 / RFC 2034) and a blocking client with deadlines for probes (connect, EHLO,
 * STARTTLS RFC 3207, MAIL, RCPT, QUIT). */
#pragma once

#include <facteur/limits.h>
#include <glib.h>

G_BEGIN_DECLS

#define FCT_SMTP_ERROR (fct_smtp_error_quark ())
GQuark fct_smtp_error_quark (void);

typedef enum
{
  FCT_SMTP_ERROR_CONNECT,  /* refused, unreachable, bad address */
  FCT_SMTP_ERROR_TIMEOUT,  /* a deadline passed */
  FCT_SMTP_ERROR_CLOSED,   /* the peer closed the connection */
  FCT_SMTP_ERROR_PROTOCOL, /* a malformed reply */
  FCT_SMTP_ERROR_LIMIT,    /* a reply line or reply over the limits */
  FCT_SMTP_ERROR_TLS,      /* the TLS handshake failed */
  FCT_SMTP_ERROR_IO,       /* another socket error */
} FctSmtpError;

/* One reply: a three-digit code (RFC 5321 §4.2) and its lines. */
typedef struct
{
  guint code;        /* 200..599 */
  char enhanced[16]; /* "5.1.1" (RFC 3463) when every line starts with one, else "" */
  GPtrArray *lines;  /* char *: the text of each line after "NNN-"/"NNN ", enhanced
                        code kept, not NUL-safe: NULs are replaced by U+FFFD */
} FctSmtpReply;

void fct_smtp_reply_free (FctSmtpReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSmtpReply, fct_smtp_reply_free)

/* The whole reply text, lines joined by "\n" (transfer full). */
char *fct_smtp_reply_to_string (const FctSmtpReply *reply);
/* TRUE if an EHLO reply lists keyword (case-insensitive), e.g. "STARTTLS". */
gboolean fct_smtp_reply_has_extension (const FctSmtpReply *reply, const char *keyword);

/* An incremental reply parser: push bytes as they arrive, take replies out.
 * A line longer than line_max bytes (CRLF included) or a reply of more than lines_max
 * lines is an error: the parser stops there (sticky error). */
typedef struct _FctSmtpReplyParser FctSmtpReplyParser;

FctSmtpReplyParser *fct_smtp_reply_parser_new (gsize line_max, guint lines_max);
void fct_smtp_reply_parser_free (FctSmtpReplyParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSmtpReplyParser, fct_smtp_reply_parser_free)

typedef enum
{
  FCT_SMTP_PARSE_MORE,  /* no complete reply yet: push more bytes */
  FCT_SMTP_PARSE_REPLY, /* *reply is set (transfer full) */
  FCT_SMTP_PARSE_ERROR, /* error is set; every later call fails the same way */
} FctSmtpParseStatus;

/* Buffers data (at most one line's worth is ever kept). */
void fct_smtp_reply_parser_push (FctSmtpReplyParser *parser, const guint8 *data, gsize len);
FctSmtpParseStatus fct_smtp_reply_parser_next (FctSmtpReplyParser *parser,
                                               FctSmtpReply **reply, GError **error);
/* Bytes pushed but not yet consumed by a complete line. */
gsize fct_smtp_reply_parser_get_pending (const FctSmtpReplyParser *parser);

/* What was said, for reports: each entry is one line, "C: ..." or "S: ...". */
typedef struct
{
  GPtrArray *lines; /* char * */
} FctSmtpTranscript;

/* An empty transcript (transfer full). */
FctSmtpTranscript *fct_smtp_transcript_new (void);
void fct_smtp_transcript_free (FctSmtpTranscript *transcript);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSmtpTranscript, fct_smtp_transcript_free)

/* A blocking client on one connection. Every operation has a deadline from the limits;
 * a peer that trickles bytes cannot extend it. */
typedef struct _FctSmtpClient FctSmtpClient;

/* Connects to ip (IPv4 or IPv6 literal) and port, waiting at most
 * limits->smtp_connect_timeout_ms. Returns (transfer full) or NULL and error. */
FctSmtpClient *fct_smtp_client_connect (const char *ip, guint16 port,
                                        const FctLimits *limits,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_smtp_client_free (FctSmtpClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSmtpClient, fct_smtp_client_free)

/* Reads one reply (the greeting, or after a command). Returns (transfer full). */
FctSmtpReply *fct_smtp_client_read_reply (FctSmtpClient *client,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Sends line (without CRLF; must not contain CR or LF) and reads the reply. */
FctSmtpReply *fct_smtp_client_command (FctSmtpClient *client, const char *line,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* After a 220 reply to STARTTLS: the TLS handshake (OpenSSL). The certificate is not
 * verified: a probe wants to talk, not to authenticate (RFC 3207 §4.1 leaves the
 * decision to the client). server_name is sent as SNI when not NULL. */
gboolean fct_smtp_client_start_tls (FctSmtpClient *client, const char *server_name,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* How to start TLS. */
typedef struct
{
  const char *server_name; /* sent as SNI and checked against the certificate; or NULL */
  /* Examine the server as an audit does: old protocols (TLS 1.0 up) and weak parameters
   * accepted so that they can be reported, the chain verified against the system's CAs
   * and ca_file, the results read with fct_smtp_client_get_tls_info, never enforced. */
  gboolean examine;
  const char *ca_file; /* extra trusted CAs (PEM) when examining, or NULL */
} FctSmtpTlsOptions;

gboolean fct_smtp_client_start_tls_with (FctSmtpClient *client,
                                         const FctSmtpTlsOptions *options,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What the TLS session and the server's certificate are. */
typedef struct
{
  char *version;           /* "TLSv1.3" */
  gboolean cert_trusted;   /* the chain verifies against the trusted CAs */
  char *cert_verify_error; /* OpenSSL's reason when it does not, or NULL */
  gboolean cert_name_ok;   /* the certificate names server_name (RFC 6125) */
  gboolean cert_expired;
  gint64 cert_not_after; /* seconds since the epoch, 0 when unknown */
  char *cert_subject;    /* one line, or NULL */
  GPtrArray *cert_chain; /* GBytes *: the certificates the server sent, DER, leaf first */
} FctSmtpTlsInfo;

void fct_smtp_tls_info_free (FctSmtpTlsInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSmtpTlsInfo, fct_smtp_tls_info_free)

/* After a successful start_tls: (transfer full), or NULL before TLS. */
FctSmtpTlsInfo *fct_smtp_client_get_tls_info (const FctSmtpClient *client);

/* The conversation so far (transfer none). */
const FctSmtpTranscript *fct_smtp_client_get_transcript (const FctSmtpClient *client);
/* Takes the transcript out of the client (transfer full). */
FctSmtpTranscript *fct_smtp_client_steal_transcript (FctSmtpClient *client);

/* Frees the TLS library's state for the calling thread (OPENSSL_thread_stop). A pool
 * worker that ran probes calls it when its job ends: idle pool threads may outlive the
 * program's last use of them. */
void fct_smtp_thread_cleanup (void);

/* ---- The server side: a protocol engine with no socket -------------------------------
 *
 * One FctSmtpSession per connection (the OpenSMTPD model, STYLE.md "Daemons"): the
 * front end pushes the bytes it read, calls fct_smtp_session_step() until it returns
 * FCT_SMTP_SESSION_NEED_INPUT, writes what fct_smtp_session_peek_output() holds, and
 * acts on the events. RFC 5321 with PIPELINING (RFC 2920), 8BITMIME (RFC 6152),
 * SMTPUTF8 (RFC 6531), SIZE (RFC 1870), ENHANCEDSTATUSCODES (RFC 2034) and STARTTLS
 * (RFC 3207). It accepts mail only for test addresses, <prefix><token>@<test domain>,
 * and never relays. Times are monotonic milliseconds given by the caller, so that the
 * RFC 5321 §4.5.3.2 timeouts are tested without waiting. */

typedef enum
{
  FCT_SMTP_RCPT_OK,       /* a test that exists: 250 */
  FCT_SMTP_RCPT_UNKNOWN,  /* no such test: 550 5.1.1 */
  FCT_SMTP_RCPT_TEMPFAIL, /* could not tell (store down): 451 4.3.0 */
} FctSmtpRcptStatus;

/* Says whether the test of token (lower-case hexadecimal) exists. */
typedef FctSmtpRcptStatus (*FctSmtpRcptFunc) (const char *token, gpointer user_data);

typedef struct
{
  const char *hostname;       /* in the greeting and the EHLO reply (transfer none) */
  const char *test_domain;    /* the only domain accepted in RCPT (transfer none) */
  const char *local_prefix;   /* NULL: "test-" */
  gsize token_length;         /* hexadecimal digits of a token; 0: 32 (128 bits) */
  gboolean tls_available;     /* STARTTLS is offered */
  FctSmtpRcptFunc rcpt_check; /* NULL: every well-formed test address exists */
  gpointer rcpt_check_data;
  const FctLimits *limits; /* NULL: fct_limits_default () (transfer none; must outlive) */
} FctSmtpSessionOptions;

typedef enum
{
  FCT_SMTP_SESSION_NEED_INPUT, /* nothing to do until more bytes arrive (or the output
                                  is written, or the deadline passes) */
  FCT_SMTP_SESSION_DATA,       /* message bytes: fct_smtp_session_take_data () */
  FCT_SMTP_SESSION_MESSAGE,    /* the final dot of an acceptable message: make it durable,
                                  then fct_smtp_session_message_done () */
  FCT_SMTP_SESSION_DISCARD,    /* the bytes given since DATA are no message (too big, a
                                  line too long): drop them; the refusal is queued */
  FCT_SMTP_SESSION_STARTTLS,   /* write the output, handshake, then
                                  fct_smtp_session_tls_started () */
  FCT_SMTP_SESSION_CLOSE,      /* write the output, then close (QUIT, timeout, errors) */
} FctSmtpSessionEvent;

/* The envelope of the message in progress. */
typedef struct
{
  char *helo;         /* the EHLO/HELO argument, or NULL */
  gboolean esmtp;     /* EHLO rather than HELO */
  char *mail_from;    /* the reverse-path without brackets; "" for <>; NULL before MAIL */
  GPtrArray *tokens;  /* char *: the tokens of the accepted recipients, no repeats */
  gboolean body_8bit; /* BODY=8BITMIME */
  gboolean smtputf8;  /* SMTPUTF8 */
  gsize size;         /* message bytes after dot-unstuffing, once complete */
  char *tls_version;  /* "TLSv1.3" once STARTTLS succeeded, else NULL */
  char *tls_cipher;   /* "TLS_AES_256_GCM_SHA384", else NULL */
} FctSmtpEnvelope;

typedef struct _FctSmtpSession FctSmtpSession;

/* A session whose greeting (220) is already in the output. options is copied, not its
 * strings. Returns (transfer full). */
FctSmtpSession *fct_smtp_session_new (const FctSmtpSessionOptions *options, gint64 now_ms);
void fct_smtp_session_free (FctSmtpSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSmtpSession, fct_smtp_session_free)

/* Buffers bytes read from the client. The front end stops reading while
 * fct_smtp_session_wants_input () is FALSE, which bounds the buffer. */
void fct_smtp_session_push (FctSmtpSession *session, const guint8 *data, gsize len);
gboolean fct_smtp_session_wants_input (const FctSmtpSession *session);

/* Processes buffered input (several pipelined commands) up to the next event. */
FctSmtpSessionEvent fct_smtp_session_step (FctSmtpSession *session, gint64 now_ms);

/* Replies not yet written, and how many bytes of them were written. */
const guint8 *fct_smtp_session_peek_output (const FctSmtpSession *session, gsize *len);
void fct_smtp_session_consume_output (FctSmtpSession *session, gsize len);

/* The message bytes since the last call, dot-unstuffed, lines ending in CRLF
 * (transfer full; empty when none). */
GBytes *fct_smtp_session_take_data (FctSmtpSession *session);

/* After FCT_SMTP_SESSION_MESSAGE: durable says whether the message and its record were
 * stored (250 with queue_id) or not (451, the client retries). Clears the transaction. */
void fct_smtp_session_message_done (FctSmtpSession *session, gboolean durable,
                                    const char *queue_id, gint64 now_ms);

/* After FCT_SMTP_SESSION_STARTTLS: the handshake succeeded with this protocol version and
 * cipher. The session starts over without a HELO (RFC 3207 §4.2). */
void fct_smtp_session_tls_started (FctSmtpSession *session, const char *version,
                                   const char *cipher, gint64 now_ms);

/* When the session gives up on a silent or trickling client (monotonic ms): a step at
 * or after it answers 421 4.4.2 and closes. G_MAXINT64 while the front end has the
 * turn (a message being stored, a TLS handshake). */
gint64 fct_smtp_session_get_deadline (const FctSmtpSession *session);

/* The envelope of the current transaction (transfer none). */
const FctSmtpEnvelope *fct_smtp_session_get_envelope (const FctSmtpSession *session);

G_END_DECLS
