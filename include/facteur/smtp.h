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

G_END_DECLS
