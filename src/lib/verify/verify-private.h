/* facteur — address verification, internals shared by the files of src/lib/verify. */
#pragma once

#include <facteur/verify.h>

#include <facteur/smtp.h>

/* FctVerifyProbe.error when the address needs SMTPUTF8 and the server lacks it. */
#define FCT_VERIFY_NO_SMTPUTF8 "the server does not offer SMTPUTF8"

/* What one probe needs to know (probe.c). */
typedef struct
{
  const char *helo_name;
  const char *mail_from;   /* without brackets; "" for <> */
  const char *rcpt;        /* the address, envelope form */
  const char *random_rcpt; /* an address at the same domain that should not exist */
  gboolean need_smtputf8;
  guint16 port;
  const FctLimits *limits;
} FctVerifyProbeSpec;

/* Runs one SMTP conversation with ip and fills a probe (transfer full). Never DATA. */
FctVerifyProbe *fct_verify_probe_run (const char *host, const char *ip,
                                      const FctVerifyProbeSpec *spec);

/* Per-host connection bound (gate.c). */
void fct_verify_gate_enter (FctVerifyGate *gate, const char *host);
void fct_verify_gate_leave (FctVerifyGate *gate, const char *host);
