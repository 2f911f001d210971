/* facteur — SPF internals shared by the parser, the macro expander, the evaluator and the
 * linter. Never included from outside src/lib/spf. */
#pragma once

#include <facteur/spf.h>

G_BEGIN_DECLS

/* The limits to use when a caller passes NULL. */
static inline const FctLimits *
fct_spf_limits (const FctLimits *limits)
{
  return limits != NULL ? limits : fct_limits_default ();
}

/* Checks a macro-string (RFC 7208 §7.1) between start and end. domain_letters restricts
 * the macro letters to those allowed in a domain-spec (no c, r, t: §7.3). exp_text
 * allows spaces (explanation-string). Returns the offset of the first bad byte, or -1. */
gssize fct_spf_macro_check (const char *spec, gsize len, gboolean domain_letters,
                            gboolean exp_text);

/* RFC 7208 §4.3 and RFC 1035 §2.3.4: a name DNS can carry; no trailing dot expected. */
gboolean fct_spf_name_is_queryable (const char *name);

/* True when the first bits of a and b are equal. */
gboolean fct_spf_prefix_match (const guint8 *a, const guint8 *b, guint bits);

/* Strict dotted quad (RFC 7208 §5.6 ip4-network: no leading zeros). */
gboolean fct_spf_ip4_parse (const char *text, gsize len, guint8 out[4]);
gboolean fct_spf_ip6_parse (const char *text, gsize len, guint8 out[16]);

/* True when name equals domain or is below it, ignoring ASCII case. */
gboolean fct_spf_name_is_within (const char *name, const char *domain);

/* A parsed record shared between evaluations through the process-wide cache. */
typedef struct _FctSpfSharedRecord FctSpfSharedRecord;

/* Parses text (the joined TXT strings) or returns the cached parse. Returns (transfer
 * full) or NULL and an FCT_SPF_ERROR. */
FctSpfSharedRecord *fct_spf_shared_record_parse (GBytes *text, const FctLimits *limits,
                                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
FctSpfSharedRecord *fct_spf_shared_record_ref (FctSpfSharedRecord *shared);
void fct_spf_shared_record_unref (FctSpfSharedRecord *shared);
const FctSpfRecord *fct_spf_shared_record_get (const FctSpfSharedRecord *shared);
/* The name mechanism index queries, computed once, when its domain-spec holds no macro
 * and names a queryable domain (transfer none: the record's); NULL otherwise, when the
 * evaluator expands and checks it itself. */
const char *fct_spf_shared_record_target (const FctSpfSharedRecord *shared, guint index);

/* The record an identical TXT answer held last time, if it was the one SPF record there
 * (transfer full), or NULL. */
FctSpfSharedRecord *fct_spf_shared_record_for_answer (FctDnsAnswer *answer,
                                                      const FctLimits *limits);
/* Remembers that answer holds exactly one SPF record, shared. */
void fct_spf_shared_record_remember (FctDnsAnswer *answer, FctSpfSharedRecord *shared);

/* Trace steps live in blocks owned by the verdict (trace.c): need bytes aligned for a
 * FctSpfTraceStep, and the release of all of them. */
gpointer fct_spf_trace_alloc (FctSpfVerdict *verdict, gsize need);
void fct_spf_trace_memory_free (gpointer memory);

/* Calls run (item) then release (item) on a later turn of the thread-default main
 * context, never from inside this call; items queued from one thread and context are
 * run in order. If the context goes away first, only release (item) (deliver.c). */
void fct_spf_later (void (*run) (gpointer item), GDestroyNotify release, gpointer item);

G_END_DECLS
