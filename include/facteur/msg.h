/* facteur — the raw message: header fields with their exact bytes and unfolded values,
 * and the body, as RFC 5322 §2 lays them out. DKIM and ARC hash these bytes, so nothing
 * is rewritten except line endings (see below). */
#pragma once

#include <facteur/limits.h>
#include <facteur/slice.h>

G_BEGIN_DECLS

#define FCT_MSG_ERROR (fct_msg_error_quark ())
GQuark fct_msg_error_quark (void);

typedef enum
{
  FCT_MSG_ERROR_IO,            /* the file cannot be read */
  FCT_MSG_ERROR_TOO_LARGE,     /* over FctLimits.message_max_bytes */
  FCT_MSG_ERROR_NOT_A_MESSAGE, /* empty, or does not start with a header field (an
                                  empty or folded first line, or one that is not
                                  "Name: value") */
} FctMsgError;

/* Anomalies found while parsing. None of them stops the parse; analysis turns them
 * into findings. */
typedef enum
{
  FCT_MSG_FLAG_NONE = 0,
  FCT_MSG_FLAG_LF_ONLY = 1 << 0,          /* every line end was a bare LF (converted) */
  FCT_MSG_FLAG_MIXED_EOL = 1 << 1,        /* both CRLF and bare LF (LFs converted); a
                                             converted input has one of these two */
  FCT_MSG_FLAG_BARE_CR = 1 << 2,          /* a CR not followed by LF (kept as is), in
                                             input that has LFs (else FCT_MSG_FLAG_CR_ONLY) */
  FCT_MSG_FLAG_NUL = 1 << 3,              /* a NUL byte anywhere */
  FCT_MSG_FLAG_8BIT_HEADER = 1 << 4,      /* a byte >= 0x80 in the header */
  FCT_MSG_FLAG_8BIT_BODY = 1 << 5,        /* a byte >= 0x80 in the body */
  FCT_MSG_FLAG_LONG_LINE = 1 << 6,        /* a line over FctLimits.line_max_bytes,
                                             its CRLF not counted */
  FCT_MSG_FLAG_NO_SEPARATOR = 1 << 7,     /* no empty line: header only, no body (the
                                             body offset is the message length) */
  FCT_MSG_FLAG_MBOX_FROM = 1 << 8,        /* a "From " envelope line was skipped */
  FCT_MSG_FLAG_BAD_HEADER_LINE = 1 << 9,  /* a line that is neither a field nor a
                                             continuation ended the header (as Postfix);
                                             that line starts the body */
  FCT_MSG_FLAG_NO_FINAL_EOL = 1 << 10,    /* the message does not end with a line break */
  FCT_MSG_FLAG_CR_ONLY = 1 << 11,         /* no LF at all: every line end was a bare CR
                                             (classic Mac OS files; converted to CRLF) */
  FCT_MSG_FLAG_TOO_MANY_FIELDS = 1 << 12, /* more than FctLimits.header_fields_max
                                             fields: those past it are not kept but
                                             for the first of some names (see
                                             FctMsgOverLimits) */
  FCT_MSG_FLAG_FIELD_TOO_LONG = 1 << 13,  /* a field over header_field_max_bytes: kept,
                                             its value left empty */
} FctMsgFlags;

typedef struct
{
  /* The whole field as it appears in the message: name, colon, value and every folding
   * line break, without the final CRLF. */
  FctSlice raw;
  /* The field name (before the colon, trailing WSP excluded: RFC 5322 §4.5 obs). */
  FctSlice name;
  /* Everything after the colon, still folded. */
  FctSlice value_raw;
  /* The value unfolded (RFC 5322 §2.2.3: CRLF before WSP removed), leading WSP
   * dropped; NUL-terminated, owned by the message. May contain NUL bytes: use
   * value_len. Empty for a field over header_field_max_bytes (FCT_MSG_FLAG_FIELD_TOO_LONG),
   * whose raw bytes are kept. */
  const char *value;
  gsize value_len;
  /* Offset of raw in the message bytes. */
  gsize offset;
} FctMsgHeader;

typedef struct _FctMsg FctMsg;

/* What the header limits left out. A message over them is still parsed: padding one
 * field or adding thousands must not hide the report (Postfix accepts a 100 KB header).
 * Fields past header_fields_max are skipped, except the first field of each name the
 * library reads (From, Sender, Reply-To, To, Cc, Subject, Date, Message-ID,
 * Return-Path, MIME-Version, Content-Type, Content-Transfer-Encoding, DKIM-Signature,
 * the three ARC fields, Authentication-Results, List-Id, List-Unsubscribe,
 * List-Unsubscribe-Post, Precedence). A field over header_field_max_bytes is kept with
 * its raw bytes (DKIM hashes them) and an empty value. */
typedef struct
{
  guint fields;                    /* every field of the header, kept or not */
  guint skipped;                   /* fields not kept */
  const char *past_first_name;     /* the first field past header_fields_max, kept or not:
                                      its name (cut at 64 bytes), or NULL */
  guint past_first_line;           /* its line in the input, from 1 */
  guint too_long;                  /* fields over header_field_max_bytes */
  const char *too_long_first_name; /* the first one's name, or NULL */
  guint too_long_first_line;
  gsize too_long_first_bytes; /* its size, folding included */
  guint fields_max;           /* the limits the message was parsed with */
  gsize field_max_bytes;
} FctMsgOverLimits;

/* Called with each field's raw bytes (as FctMsgHeader.raw) and name. */
typedef void (*FctMsgFieldFunc) (FctSlice raw, FctSlice name, gpointer user_data);

/* Parses bytes. Line ends are normalised to CRLF, the form a message has on the wire and
 * the one DKIM hashes (RFC 6376 §5.3): bare LFs, or bare CRs in input without any LF; a
 * lone CR in input with LFs is kept. An mbox "From " first line is
 * skipped. Bytes already in CRLF form are not copied: the message keeps a reference to
 * them. Returns (transfer full) or NULL and an FCT_MSG_ERROR. limits may be NULL. */
FctMsg *fct_msg_new_from_bytes (GBytes *bytes, const FctLimits *limits,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads a file ("-" is standard input) without reading past the size limit, then parses
 * it as fct_msg_new_from_bytes does. Errors name the file; a file that cannot be read
 * gives FCT_MSG_ERROR_IO. Returns (transfer full) or NULL. limits may be NULL. */
FctMsg *fct_msg_new_from_file (const char *path, const FctLimits *limits,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

FctMsg *fct_msg_ref (FctMsg *msg);
void fct_msg_unref (FctMsg *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctMsg, fct_msg_unref)

/* The normalised message bytes (transfer none): header, CRLF CRLF, body. */
GBytes *fct_msg_get_bytes (const FctMsg *msg);

/* At least 1: a message starts with a header field. The fields kept: see
 * FctMsgOverLimits. */
guint fct_msg_get_header_count (const FctMsg *msg);
/* The i-th field in message order (transfer none). */
const FctMsgHeader *fct_msg_get_header (const FctMsg *msg, guint index);
/* Number of fields with this name (case-insensitive), skipped fields included: a second
 * From past the limit still counts. */
guint fct_msg_count_headers (const FctMsg *msg, const char *name);
/* Calls func on every field of the header in message order, skipped fields included:
 * DKIM and ARC must see the fields a receiver sees. */
void fct_msg_foreach_field (const FctMsg *msg, FctMsgFieldFunc func, gpointer user_data);
/* What the header limits left out (transfer none). */
const FctMsgOverLimits *fct_msg_get_over_limits (const FctMsg *msg);
/* The nth (0-based) field named name from the top, or NULL (transfer none). Both finds
 * look among the fields kept (FctMsgOverLimits); the first of each name the checks read
 * is always kept. */
const FctMsgHeader *fct_msg_find_header (const FctMsg *msg, const char *name, guint nth);
/* The nth field named name counting from the bottom, as DKIM selects fields
 * (RFC 6376 §5.4.2), or NULL. */
const FctMsgHeader *fct_msg_find_header_from_bottom (const FctMsg *msg, const char *name,
                                                     guint nth);

/* The body: everything after the empty line (empty if there is none). */
FctSlice fct_msg_get_body (const FctMsg *msg);
gsize fct_msg_get_body_offset (const FctMsg *msg);

FctMsgFlags fct_msg_get_flags (const FctMsg *msg);
/* The mbox envelope sender from a skipped "From " line, or an empty slice. */
FctSlice fct_msg_get_mbox_sender (const FctMsg *msg);

G_END_DECLS
