/* facteur — address verification, internals shared by the files of src/lib/verify. */
#pragma once

#include <facteur/verify.h>

#include <facteur/smtp.h>

/* FctVerifyProbe.error when the address needs SMTPUTF8 and the server lacks it. */
#define FCT_VERIFY_NO_SMTPUTF8 "the server does not offer SMTPUTF8"

/* What one session needs to know (probe.c). */
typedef struct
{
  const char *helo_name;
  const char *mail_from;   /* without brackets; "" for <> */
  const char *random_rcpt; /* an address at the same domain that should not exist */
  const char *domain;      /* the destination domain (A-label), for the gate */
  FctVerifyGate *gate;     /* or NULL */
  guint16 port;
  const FctLimits *limits;
} FctVerifyProbeSpec;

/* One address of a session: in, then what the server said. */
typedef struct
{
  const char *rcpt; /* the address, envelope form */
  gboolean need_smtputf8;
  guint rcpt_code; /* 0 when not asked */
  char rcpt_enhanced[16];
  char *outcome_error;   /* owned: why this address got no answer, or NULL */
  FctVerifyProbe *probe; /* out (transfer full): its view of the session */
} FctVerifySessionItem;

/* Runs one SMTP session with ip for the items, in order (one RCPT each), and sets each
 * item's probe. Never DATA. */
void fct_verify_session_run (const char *host, const char *ip,
                             const FctVerifyProbeSpec *spec, FctVerifySessionItem *items,
                             guint n_items);

/* The gate (gate.c): sessions at once per domain and per host, the pace of RCPTs, and
 * the backoff after 4xx and 421. All accept a NULL gate (no limit). */
void fct_verify_gate_enter (FctVerifyGate *gate, const char *domain, const char *host);
void fct_verify_gate_leave (FctVerifyGate *gate, const char *domain, const char *host);
/* Waits until one more RCPT to host for domain is within both rates and past any
 * backoff. */
void fct_verify_gate_pace (FctVerifyGate *gate, const char *domain, const char *host);
/* Tells the gate how host answered: 4xx and 421 start or double its backoff, anything
 * else ends it. */
void fct_verify_gate_reply (FctVerifyGate *gate, const char *host, guint code);
