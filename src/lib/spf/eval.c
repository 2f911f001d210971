/* facteur — SPF check_host() (RFC 7208 §4-§6) as a state machine driven by DNS
 * answers: one evaluation holds a stack of frames (the record being read and its
 * includes) and waits on at most one query or one batch of address queries at a time.
 * Answers the resolver has cached are taken at once and fed to the machine in a loop;
 * the others arrive through callbacks. Limits of §4.6.4 come from FctLimits; the
 * explanation of §6.2 is fetched last. */
#include "spf-private.h"

#include <glib/gi18n-lib.h>

typedef struct
{
  /* In the frame's own allocation, after the struct; or, after a redirect,
   * domain_owned. */
  char *domain;
  char *domain_owned;
  FctSpfSharedRecord *shared; /* holds record */
  const FctSpfRecord *record;
  guint index;         /* next mechanism to evaluate */
  guint depth;         /* include nesting */
  gboolean include;    /* this frame's result feeds the parent's include mechanism */
  gboolean redirected; /* the record was reached through redirect= */
} Frame;

/* What the evaluation is waiting for. */
typedef enum
{
  WAIT_RECORD,    /* TXT of the top frame's domain */
  WAIT_ADDRESS,   /* A/AAAA of an a mechanism's target */
  WAIT_EXISTS,    /* A of an exists target */
  WAIT_MX,        /* MX of an mx target */
  WAIT_MX_ADDRS,  /* batch: addresses of every MX name */
  WAIT_PTR,       /* PTR of the client address */
  WAIT_PTR_ADDRS, /* batch: addresses of every PTR name */
  WAIT_EXP,       /* TXT of the exp= target */
} Wait;

/* Where to go once the validated names of the client are known. */
typedef enum
{
  AFTER_PTR_RUN,       /* resume the current mechanism (its target used %{p}) */
  AFTER_PTR_MECHANISM, /* evaluate the ptr mechanism */
  AFTER_PTR_EXP,       /* resume the explanation */
} AfterPtr;

typedef struct
{
  gint ref_count;
  FctResolver *resolver;
  FctLimits limits;
  guint8 ip[16];
  gsize ip_len;
  char *sender, *local_part, *sender_domain, *helo, *receiver;
  gint64 now;

  GPtrArray *frames; /* Frame * */
  FctSpfVerdict *verdict;
  gboolean done;
  FctSpfCallback callback;
  gpointer user_data;

  Wait wait;
  /* An answer taken from the cache for the current wait, or a batch completed from it:
   * pump() feeds them to the machine, so that a run of cached answers is a loop and not
   * a recursion. */
  FctDnsAnswer *ready;
  gboolean batch_ready;
  /* While fct_spf_check_async runs: a verdict reached then is handed over on a later
   * turn of the main context (fct_spf_later), as the callback must not run from inside
   * that call. */
  gboolean defer;
  const char *target;     /* the current mechanism's target: target_owned, a frame's domain
                           * or a name the frame's shared record holds */
  char *target_owned;     /* an expanded target */
  GPtrArray *batch;       /* FctDnsAnswer * (or NULL until answered), for batched waits */
  GPtrArray *batch_names; /* const char *, in batch_source; both reused batch to batch */
  FctDnsAnswer *batch_source; /* the MX or PTR answer that named them */
  guint pending;

  /* Validated names of the client (RFC 7208 §5.5), computed once. */
  gboolean ptr_known;
  gboolean ptr_void;
  GPtrArray *validated;
  AfterPtr after_ptr;

  char *exp_text; /* the explanation TXT while %{p} is being resolved for it */
} Eval;

typedef struct
{
  Eval *eval;
  guint index;
} BatchSlot;

static void run (Eval *e);
static void finish_frame (Eval *e, FctSpfResult result, const FctSpfMechanism *mech,
                          const char *via);

static Eval *
eval_ref (Eval *e)
{
  g_atomic_int_inc (&e->ref_count);
  return e;
}

static void
frame_free (gpointer data)
{
  Frame *f = data;
  g_free (f->domain_owned);
  fct_spf_shared_record_unref (f->shared);
  g_free (f);
}

static void
eval_unref (Eval *e)
{
  if (!g_atomic_int_dec_and_test (&e->ref_count))
    return;
  fct_resolver_unref (e->resolver);
  g_free (e->sender);
  g_free (e->local_part);
  g_free (e->sender_domain);
  g_free (e->helo);
  g_free (e->receiver);
  g_ptr_array_unref (e->frames);
  fct_spf_verdict_free (e->verdict);
  g_free (e->target_owned);
  g_clear_pointer (&e->ready, fct_dns_answer_unref);
  g_clear_pointer (&e->batch, g_ptr_array_unref);
  g_clear_pointer (&e->batch_names, g_ptr_array_unref);
  g_clear_pointer (&e->batch_source, fct_dns_answer_unref);
  g_clear_pointer (&e->validated, g_ptr_array_unref);
  g_free (e->exp_text);
  g_free (e);
}

void
fct_spf_verdict_free (FctSpfVerdict *verdict)
{
  if (verdict == NULL)
    return;
  g_free (verdict->domain);
  g_free (verdict->mechanism);
  g_free (verdict->explanation);
  g_free (verdict->reason);
  g_clear_pointer (&verdict->trace, g_ptr_array_unref);
  fct_spf_trace_memory_free (verdict->trace_memory);
  g_free (verdict);
}

/* The frame being evaluated; there is always one while DNS answers are awaited. */
static Frame *
top (Eval *e)
{
  return g_ptr_array_index (e->frames, e->frames->len - 1);
}

/* Copies s (may be NULL) to *at and returns where the next string goes. */
static char *
step_string (char *at, const char *s, gsize len, char **field)
{
  if (s == NULL)
    {
      *field = NULL;
      return at;
    }
  memcpy (at, s, len + 1);
  *field = at;
  return at + len + 1;
}

/* Appends a step. Steps are data; fct_spf_trace_step_to_string words them when someone
 * reads them, so a check that nobody traces does not pay for sentences. */
static void
trace (Eval *e, FctSpfStepKind kind, const char *term, const char *detail,
       FctSpfResult result)
{
  Frame *f = e->frames->len > 0 ? top (e) : NULL;
  const char *domain = f != NULL ? f->domain : e->verdict->domain;
  gsize dlen = strlen (domain);
  gsize tlen = term != NULL ? strlen (term) : 0;
  gsize xlen = detail != NULL ? strlen (detail) : 0;
  FctSpfTraceStep *step
      = fct_spf_trace_alloc (e->verdict, sizeof *step + dlen + tlen + xlen + 3);
  char *at = (char *)(step + 1);

  step->kind = kind;
  step->depth = f != NULL ? f->depth : 0;
  at = step_string (at, domain, dlen, &step->domain);
  at = step_string (at, term, tlen, &step->term);
  step_string (at, detail, xlen, &step->detail);
  step->result = result;
  g_ptr_array_add (e->verdict->trace, step);
}

static void
deliver (gpointer data)
{
  Eval *e = data;
  FctSpfVerdict *verdict = g_steal_pointer (&e->verdict);

  e->callback (verdict, e->user_data);
}

/* Formats a sentence whose only conversions are %s, %1$s and %2$s (all that the
 * sentences of a verdict and their translations use: msgfmt -c keeps a translation's
 * conversions those of the original), with a and b, without the printf machinery that
 * would cost more than the rest of a cached check. %% is a percent sign; anything else
 * after % is copied as it is. */
static char *
format_strings (const char *format, const char *a, const char *b)
{
  /* A translation that names an argument the sentence does not have gets "". */
  const char *args[2] = { a != NULL ? a : "", b != NULL ? b : "" };
  GString *out = g_string_sized_new (128);
  guint next = 0;

  for (const char *p = format; *p != '\0'; p++)
    {
      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (p[1] == '%')
        {
          g_string_append_c (out, '%');
          p++;
        }
      else if (p[1] == 's' && next < 2)
        {
          g_string_append (out, args[next++]);
          p++;
        }
      else if ((p[1] == '1' || p[1] == '2') && p[2] == '$' && p[3] == 's')
        {
          g_string_append (out, args[p[1] - '1']);
          p += 3;
        }
      else
        g_string_append_c (out, '%');
    }
  return g_string_free (out, FALSE);
}

/* "192.0.2.1" (transfer full). */
static char *
dotted_quad (const guint8 ip[4])
{
  char *out = g_malloc (16), *at = out;

  for (guint k = 0; k < 4; k++)
    {
      guint v = ip[k];
      if (k > 0)
        *at++ = '.';
      if (v >= 100)
        *at++ = (char)('0' + v / 100);
      if (v >= 10)
        *at++ = (char)('0' + v / 10 % 10);
      *at++ = (char)('0' + v % 10);
    }
  *at = '\0';
  return out;
}

/* Hands the verdict to the caller; the evaluation stops here. */
static void
complete (Eval *e)
{
  e->done = TRUE;
  if (e->defer)
    fct_spf_later (deliver, (GDestroyNotify)eval_unref, eval_ref (e));
  else
    deliver (e);
}

/* Ends the whole evaluation with an error result or a result that needs no exp. */
static void finish_all (Eval *e, FctSpfResult result, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
finish_all (Eval *e, FctSpfResult result, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_free (e->verdict->reason);
  e->verdict->reason = g_strdup_vprintf (format, args);
  va_end (args);
  e->verdict->result = result;
  trace (e, FCT_SPF_STEP_END, NULL, e->verdict->reason, result);
  complete (e);
}

static gboolean
answer_failed (const FctDnsAnswer *a)
{
  return a->rcode == FCT_DNS_RCODE_SERVFAIL || a->rcode == FCT_DNS_RCODE_TIMEOUT;
}

static gboolean
answer_void (const FctDnsAnswer *a)
{
  return a->rcode == FCT_DNS_RCODE_NXDOMAIN
         || (a->rcode == FCT_DNS_RCODE_NOERROR && !fct_dns_answer_has_records (a));
}

static const char *
answer_why (const FctDnsAnswer *a)
{
  return a->reason != NULL ? a->reason : fct_dns_rcode_to_string (a->rcode);
}

static void on_answer (FctDnsAnswer *answer, gpointer user_data);

/* Names built from macros may hold any visible byte, and spaces from %_; the resolver
 * reads presentation form, so escape what RFC 1035 §5.1 would read specially. Dots stay
 * label separators (§7.3 expands into labels). */
static gboolean
needs_escape_compute (guint8 c)
{
  switch (c)
    {
    case '\\':
    case '"':
    case ';':
    case '(':
    case ')':
    case '@':
    case '$':
      return TRUE;
    default:
      return c <= 0x20 || c >= 0x7f;
    }
}

/* needs_escape_compute for every byte, built once: each query scans its name. */
static gboolean escape_table[256];

static void
escape_table_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  for (guint c = 0; c < 256; c++)
    escape_table[c] = needs_escape_compute ((guint8)c);
  g_once_init_leave (&done, 1);
}

static gboolean
needs_escape (guint8 c)
{
  return escape_table[c];
}

/* The escaped form of name (transfer full), or NULL when it needs none. */
static char *
presentation_name (const char *name)
{
  const guint8 *p = (const guint8 *)name;

  escape_table_init ();
  while (*p != '\0' && !needs_escape (*p))
    p++;
  if (*p == '\0')
    return NULL;

  GString *out = g_string_sized_new (strlen (name) + 8);
  for (p = (const guint8 *)name; *p != '\0'; p++)
    {
      if (*p <= 0x20 || *p >= 0x7f)
        g_string_append_printf (out, "\\%03u", *p);
      else if (needs_escape (*p))
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char)*p);
        }
      else
        g_string_append_c (out, (char)*p);
    }
  return g_string_free (out, FALSE);
}

/* Asks for name and type: a cached answer becomes e->ready for pump(), a missing one
 * comes through on_answer. */
static void
query (Eval *e, const char *name, FctDnsType type, Wait wait)
{
  /* NULL when name needs no escape. */
  g_autofree char *escaped = presentation_name (name);
  const char *qname = escaped != NULL ? escaped : name;

  e->wait = wait;
  e->ready = fct_resolver_lookup_cached (e->resolver, qname, type);
  if (e->ready == NULL)
    fct_resolver_query_async (e->resolver, qname, type, on_answer, eval_ref (e));
}

static FctDnsType
address_type (const Eval *e)
{
  return e->ip_len == 4 ? FCT_DNS_TYPE_A : FCT_DNS_TYPE_AAAA;
}

static void on_batch_answer (FctDnsAnswer *answer, gpointer user_data);

/* Starts a batch named by the records of source (an MX or PTR answer): empties
 * e->batch_names for the caller to fill with names held by source. */
static void
batch_begin (Eval *e, FctDnsAnswer *source)
{
  if (e->batch_names == NULL)
    e->batch_names = g_ptr_array_new ();
  g_ptr_array_set_size (e->batch_names, 0);
  g_clear_pointer (&e->batch_source, fct_dns_answer_unref);
  e->batch_source = fct_dns_answer_ref (source);
}

/* Looks up the addresses of every name of e->batch_names at once; the wait ends when
 * all have answered. */
static void
query_batch (Eval *e, Wait wait)
{
  GPtrArray *names = e->batch_names;

  if (e->batch == NULL)
    e->batch = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_answer_unref);
  g_ptr_array_set_size (e->batch, 0);
  g_ptr_array_set_size (e->batch, names->len);
  e->wait = wait;
  e->pending = names->len;
  for (guint k = 0; k < names->len; k++)
    {
      const char *name = g_ptr_array_index (names, k);
      FctDnsAnswer *cached
          = fct_resolver_lookup_cached (e->resolver, name, address_type (e));
      if (cached != NULL)
        {
          g_ptr_array_index (e->batch, k) = cached;
          e->pending--;
          continue;
        }
      BatchSlot *slot = g_new (BatchSlot, 1);
      slot->eval = eval_ref (e);
      slot->index = k;
      fct_resolver_query_async (e->resolver, name, address_type (e), on_batch_answer, slot);
    }
  /* Callbacks never run from inside fct_resolver_query_async, so only this loop can
   * have answered the whole batch. */
  e->batch_ready = e->pending == 0;
}

static FctSpfMacroContext
macro_context (Eval *e, const char *domain)
{
  /* %{t}: read the clock when a macro first needs it, not for every check. */
  if (e->now == 0)
    e->now = g_get_real_time () / G_USEC_PER_SEC;
  FctSpfMacroContext ctx = {
    .sender = e->sender,
    .local_part = e->local_part,
    .sender_domain = e->sender_domain,
    .domain = domain,
    .ip = e->ip,
    .ip_len = e->ip_len,
    .validated = NULL,
    .helo = e->helo,
    .receiver = e->receiver,
    .now = e->now,
  };
  /* RFC 7208 §7.3: p is a validated name, preferably the domain or one below it. */
  for (guint k = 0; e->validated != NULL && k < e->validated->len; k++)
    {
      const char *name = g_ptr_array_index (e->validated, k);
      if (ctx.validated == NULL || fct_spf_name_is_within (name, domain))
        ctx.validated = name;
      if (fct_spf_name_is_within (name, domain))
        break;
    }
  return ctx;
}

/* Expands a domain-spec into a lower-case name to query (transfer full), or NULL. */
static char *
expand_domain (Eval *e, const char *spec, const char *domain, GError **error)
{
  char *name;

  /* Most targets hold no macro: the parser checked them already. */
  if (strchr (spec, '%') == NULL)
    name = g_strdup (spec);
  else
    {
      FctSpfMacroContext ctx = macro_context (e, domain);
      name = fct_spf_macro_expand (spec, strlen (spec), &ctx, FALSE, &e->limits, error);
      if (name == NULL)
        return NULL;
    }
  fct_spf_domain_truncate (name);
  for (char *p = name; *p != '\0'; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return name;
}

/* Starts the validated-name lookup of §5.5: PTR of the client, then the addresses of at
 * most spf_ptr_names_max of the names. */
static void
start_ptr (Eval *e, AfterPtr after)
{
  g_autofree char *reverse = fct_dns_reverse_name (e->ip, e->ip_len);

  e->after_ptr = after;
  query (e, reverse, FCT_DNS_TYPE_PTR, WAIT_PTR);
}

static void
no_match (Eval *e)
{
  top (e)->index++;
  run (e);
}

/* mech matched, through the name via (a validated PTR name, an MX host) or NULL. */
static void
match (Eval *e, const FctSpfMechanism *mech, const char *via)
{
  finish_frame (e, (FctSpfResult)0, mech, via);
}

/* Counts a void lookup; returns FALSE (and ends the evaluation) over the limit. */
static gboolean
count_void (Eval *e, const char *name)
{
  e->verdict->void_lookups++;
  if (e->verdict->void_lookups > e->limits.spf_void_lookups_max)
    {
      finish_all (e, FCT_SPF_RESULT_PERMERROR,
                  _ ("more than %u void DNS lookups (the last for %s): RFC 7208 §4.6.4"),
                  e->limits.spf_void_lookups_max, name);
      return FALSE;
    }
  return TRUE;
}

static void
evaluate_ptr_mechanism (Eval *e)
{
  Frame *f = top (e);
  const FctSpfMechanism *mech = g_ptr_array_index (f->record->mechanisms, f->index);

  if (e->ptr_void && !count_void (e, _ ("the client’s PTR")))
    return;
  for (guint k = 0; e->validated != NULL && k < e->validated->len; k++)
    if (fct_spf_name_is_within (g_ptr_array_index (e->validated, k), e->target))
      {
        match (e, mech, g_ptr_array_index (e->validated, k));
        return;
      }
  no_match (e);
}

/* Begins evaluating a record for frame f's domain. */
static void
fetch_record (Eval *e)
{
  query (e, top (e)->domain, FCT_DNS_TYPE_TXT, WAIT_RECORD);
}

static void
push_frame (Eval *e, const char *domain, gboolean include)
{
  Frame *parent = e->frames->len > 0 ? top (e) : NULL;
  gsize len = strlen (domain);
  /* One allocation for the frame and its domain (at most 253 bytes: queryable). */
  Frame *f = g_malloc0 (sizeof *f + len + 1);

  f->domain = memcpy ((char *)(f + 1), domain, len + 1);
  f->include = include;
  f->depth = parent != NULL ? parent->depth + (include ? 1 : 0) : 0;
  g_ptr_array_add (e->frames, f);
}

/* Counts a DNS-querying term; FALSE (and permerror) past the limit. */
static gboolean
count_lookup (Eval *e, const char *term)
{
  e->verdict->dns_lookups++;
  if (e->verdict->dns_lookups > e->limits.spf_dns_mechanisms_max)
    {
      finish_all (
          e, FCT_SPF_RESULT_PERMERROR,
          _ ("more than %u DNS-querying terms (%s was one too many): RFC 7208 §4.6.4"),
          e->limits.spf_dns_mechanisms_max, term);
      return FALSE;
    }
  return TRUE;
}

static void
run_redirect (Eval *e)
{
  Frame *f = top (e);
  g_autoptr (GError) error = NULL;
  g_autofree char *target = NULL;

  if (fct_spf_macro_uses_p (f->record->redirect, strlen (f->record->redirect))
      && !e->ptr_known)
    {
      start_ptr (e, AFTER_PTR_RUN);
      return;
    }
  if (!count_lookup (e, "redirect"))
    return;
  target = expand_domain (e, f->record->redirect, f->domain, &error);
  if (target == NULL)
    {
      finish_all (e, FCT_SPF_RESULT_PERMERROR, _ ("redirect=%s: %s"), f->record->redirect,
                  error->message);
      return;
    }
  trace (e, FCT_SPF_STEP_REDIRECT, NULL, target, FCT_SPF_RESULT_NONE);
  /* §6.1: the redirect target replaces this record, including its exp=. The last
   * mechanism's target may be the old domain or in the old record. */
  e->target = NULL;
  g_free (f->domain_owned);
  f->domain_owned = g_steal_pointer (&target);
  f->domain = f->domain_owned;
  g_clear_pointer (&f->shared, fct_spf_shared_record_unref);
  f->record = NULL;
  f->index = 0;
  f->redirected = TRUE;
  if (!fct_spf_name_is_queryable (f->domain))
    {
      finish_all (e, FCT_SPF_RESULT_PERMERROR, _ ("redirect=%s is not a valid domain name"),
                  f->domain);
      return;
    }
  fetch_record (e);
}

/* Evaluates mechanisms of the top frame until one needs DNS or a result is known. */
static void
run (Eval *e)
{
  for (;;)
    {
      Frame *f = top (e);
      if (f->index >= f->record->mechanisms->len)
        {
          if (f->record->redirect != NULL)
            run_redirect (e);
          else
            finish_frame (e, FCT_SPF_RESULT_NEUTRAL, NULL, NULL);
          return;
        }
      const FctSpfMechanism *mech = g_ptr_array_index (f->record->mechanisms, f->index);
      switch (mech->type)
        {
        case FCT_SPF_MECHANISM_ALL:
          match (e, mech, NULL);
          return;
        case FCT_SPF_MECHANISM_IP4:
        case FCT_SPF_MECHANISM_IP6:
          {
            gboolean v4 = mech->type == FCT_SPF_MECHANISM_IP4;
            if ((v4 ? 4u : 16u) == e->ip_len
                && fct_spf_prefix_match (e->ip, mech->network,
                                         v4 ? mech->cidr4 : mech->cidr6))
              {
                match (e, mech, NULL);
                return;
              }
            f->index++;
            continue;
          }
        default:
          break;
        }

      /* A term that queries DNS. A macro-free target was worked out with the record;
       * another may need the validated name first. */
      const char *spec = mech->domain_spec;
      const char *fixed = fct_spf_shared_record_target (f->shared, f->index);
      if (fixed == NULL && spec != NULL && fct_spf_macro_uses_p (spec, strlen (spec))
          && !e->ptr_known)
        {
          start_ptr (e, AFTER_PTR_RUN);
          return;
        }
      if (!count_lookup (e, mech->text))
        return;
      g_clear_pointer (&e->target_owned, g_free);
      if (fixed != NULL)
        e->target = fixed;
      else if (spec == NULL)
        e->target = f->domain;
      else
        {
          g_autoptr (GError) error = NULL;
          e->target_owned = expand_domain (e, spec, f->domain, &error);
          e->target = e->target_owned;
          if (e->target == NULL)
            {
              finish_all (e, FCT_SPF_RESULT_PERMERROR, _ ("%s: %s"), mech->text,
                          error->message);
              return;
            }
        }
      /* A target DNS cannot carry does not exist (RFC 7208 §4.3 and §4.8). */
      if (fixed == NULL && !fct_spf_name_is_queryable (e->target))
        {
          if (mech->type == FCT_SPF_MECHANISM_INCLUDE)
            {
              finish_all (e, FCT_SPF_RESULT_PERMERROR, _ ("%s: “%s” is not a domain name"),
                          mech->text, e->target);
              return;
            }
          trace (e, FCT_SPF_STEP_SKIPPED, mech->text, e->target, FCT_SPF_RESULT_NONE);
          f->index++;
          continue;
        }
      switch (mech->type)
        {
        case FCT_SPF_MECHANISM_A:
          query (e, e->target, address_type (e), WAIT_ADDRESS);
          return;
        case FCT_SPF_MECHANISM_EXISTS:
          /* §5.7: always an A query, whatever the client's address family. */
          query (e, e->target, FCT_DNS_TYPE_A, WAIT_EXISTS);
          return;
        case FCT_SPF_MECHANISM_MX:
          query (e, e->target, FCT_DNS_TYPE_MX, WAIT_MX);
          return;
        case FCT_SPF_MECHANISM_PTR:
          if (e->ptr_known)
            evaluate_ptr_mechanism (e);
          else
            start_ptr (e, AFTER_PTR_MECHANISM);
          return;
        case FCT_SPF_MECHANISM_INCLUDE:
          trace (e, FCT_SPF_STEP_INCLUDE, mech->text, e->target, FCT_SPF_RESULT_NONE);
          push_frame (e, e->target, TRUE);
          fetch_record (e);
          return;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
start_exp (Eval *e)
{
  Frame *f = top (e);
  g_autoptr (GError) error = NULL;
  g_autofree char *target = NULL;

  if (fct_spf_macro_uses_p (f->record->exp, strlen (f->record->exp)) && !e->ptr_known)
    {
      start_ptr (e, AFTER_PTR_EXP);
      return;
    }
  /* §6.2: problems with the explanation make it as if there were no exp=. */
  target = expand_domain (e, f->record->exp, f->domain, &error);
  if (target == NULL || !fct_spf_name_is_queryable (target))
    {
      complete (e);
      return;
    }
  query (e, target, FCT_DNS_TYPE_TXT, WAIT_EXP);
}

static void
expand_exp_text (Eval *e)
{
  Frame *f = top (e);
  FctSpfMacroContext ctx = macro_context (e, f->domain);
  g_autofree char *text = fct_spf_macro_expand (e->exp_text, strlen (e->exp_text), &ctx,
                                                TRUE, &e->limits, NULL);
  if (text != NULL)
    {
      g_free (e->verdict->explanation);
      e->verdict->explanation = g_steal_pointer (&text);
      e->verdict->explanation_is_default = FALSE;
    }
  complete (e);
}

static void
on_exp (Eval *e, FctDnsAnswer *answer)
{
  gsize len = 0;

  /* §6.2: any DNS error, no record or several records: no explanation. */
  if (answer->rcode != FCT_DNS_RCODE_NOERROR || answer->records == NULL
      || answer->records->len != 1)
    {
      complete (e);
      return;
    }
  g_autoptr (GBytes) joined
      = fct_dns_record_txt_joined (g_ptr_array_index (answer->records, 0));
  const char *data = g_bytes_get_data (joined, &len);
  if (len > e->limits.spf_record_max_bytes || (len > 0 && memchr (data, '\0', len) != NULL))
    {
      complete (e);
      return;
    }
  e->exp_text = g_strndup (data, len);
  if (fct_spf_macro_uses_p (e->exp_text, len) && !e->ptr_known)
    start_ptr (e, AFTER_PTR_EXP);
  else
    expand_exp_text (e);
}

/* The top frame ended with result (mech matched, or NULL for the default). result 0
 * with a mechanism means "the mechanism's qualifier". */
static void
finish_frame (Eval *e, FctSpfResult result, const FctSpfMechanism *mech, const char *via)
{
  Frame *f = top (e);

  if (mech != NULL)
    {
      switch (mech->qualifier)
        {
        case FCT_SPF_QUALIFIER_FAIL:
          result = FCT_SPF_RESULT_FAIL;
          break;
        case FCT_SPF_QUALIFIER_SOFTFAIL:
          result = FCT_SPF_RESULT_SOFTFAIL;
          break;
        case FCT_SPF_QUALIFIER_NEUTRAL:
          result = FCT_SPF_RESULT_NEUTRAL;
          break;
        case FCT_SPF_QUALIFIER_PASS:
        default:
          result = FCT_SPF_RESULT_PASS;
          break;
        }
      trace (e, FCT_SPF_STEP_MATCH, mech->text, via, result);
    }
  else
    trace (e, FCT_SPF_STEP_NO_MATCH, NULL, NULL, result);

  if (f->include)
    {
      /* §5.2: only pass matches; error results propagate; none is a permerror. The
       * target may live in the frame's record: forget it with the frame. */
      e->target = NULL;
      g_ptr_array_remove_index (e->frames, e->frames->len - 1);
      Frame *parent = top (e);
      const FctSpfMechanism *inc
          = g_ptr_array_index (parent->record->mechanisms, parent->index);
      if (result == FCT_SPF_RESULT_PASS)
        match (e, inc, NULL);
      else
        no_match (e);
      return;
    }

  e->verdict->result = result;
  g_free (e->verdict->mechanism);
  e->verdict->mechanism = mech != NULL ? g_strdup (mech->text) : NULL;
  if (mech != NULL)
    e->verdict->reason
        = format_strings (_ ("%s matched in the SPF record of %s"), mech->text, f->domain);
  else
    e->verdict->reason = format_strings (
        _ ("no mechanism of the SPF record of %s matched: the default is neutral"),
        f->domain, NULL);
  if (result != FCT_SPF_RESULT_FAIL)
    {
      complete (e);
      return;
    }
  /* §7.3: %{c} of an IPv4 client is its dotted quad; IPv6 goes through the expander. */
  g_autofree char *c = NULL;
  if (e->ip_len == 4)
    c = dotted_quad (e->ip);
  else
    {
      FctSpfMacroContext ctx = macro_context (e, f->domain);
      c = fct_spf_macro_expand ("%{c}", 4, &ctx, TRUE, &e->limits, NULL);
    }
  e->verdict->explanation = format_strings (
      "%s does not designate %s as a permitted sender", f->domain, c != NULL ? c : "");
  e->verdict->explanation_is_default = TRUE;
  if (f->record->exp != NULL)
    start_exp (e);
  else
    complete (e);
}

/* The top frame's record is known: evaluate it. */
static void
start_record (Eval *e, FctSpfSharedRecord *shared)
{
  Frame *f = top (e);

  f->shared = shared;
  f->record = fct_spf_shared_record_get (f->shared);
  trace (e, FCT_SPF_STEP_RECORD, NULL, f->record->text, FCT_SPF_RESULT_NONE);
  run (e);
}

static void
on_record (Eval *e, FctDnsAnswer *answer)
{
  Frame *f = top (e);
  gboolean must_exist = f->include || f->redirected;
  const char *how = f->include ? "include" : "redirect";

  if (answer_failed (answer))
    {
      finish_all (e, FCT_SPF_RESULT_TEMPERROR, _ ("the TXT lookup of %s failed: %s"),
                  f->domain, answer_why (answer));
      return;
    }
  /* The same cached answer as last time: same selection, same parse. */
  FctSpfSharedRecord *known = fct_spf_shared_record_for_answer (answer, &e->limits);
  if (known != NULL)
    {
      start_record (e, known);
      return;
    }
  g_autoptr (GPtrArray) found
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint k = 0; answer->records != NULL && k < answer->records->len; k++)
    {
      GBytes *joined = fct_dns_record_txt_joined (g_ptr_array_index (answer->records, k));
      gsize len = 0;
      const char *data = g_bytes_get_data (joined, &len);
      if (fct_spf_record_is_spf1 (data, len))
        g_ptr_array_add (found, joined);
      else
        g_bytes_unref (joined);
    }
  if (found->len == 0)
    {
      if (must_exist)
        finish_all (e, FCT_SPF_RESULT_PERMERROR,
                    _ ("%s:%s has no SPF record (RFC 7208 %s)"), how, f->domain,
                    f->include ? "§5.2" : "§6.1");
      else
        finish_all (e, FCT_SPF_RESULT_NONE, _ ("%s publishes no SPF record"), f->domain);
      return;
    }
  if (found->len > 1)
    {
      finish_all (e, FCT_SPF_RESULT_PERMERROR,
                  _ ("%s publishes %u SPF records; there must be one (RFC 7208 §4.5)"),
                  f->domain, found->len);
      return;
    }
  g_autoptr (GError) error = NULL;
  FctSpfSharedRecord *shared
      = fct_spf_shared_record_parse (g_ptr_array_index (found, 0), &e->limits, &error);
  if (shared == NULL)
    {
      finish_all (e, FCT_SPF_RESULT_PERMERROR, _ ("the SPF record of %s: %s"), f->domain,
                  error->message);
      return;
    }
  fct_spf_shared_record_remember (answer, shared);
  start_record (e, shared);
}

static gboolean
addresses_match (const Eval *e, const FctDnsAnswer *answer, guint bits)
{
  for (guint k = 0; answer->records != NULL && k < answer->records->len; k++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, k);
      if (rr->type == address_type (e) && fct_spf_prefix_match (e->ip, rr->addr, bits))
        return TRUE;
    }
  return FALSE;
}

static const FctSpfMechanism *
current_mechanism (Eval *e)
{
  Frame *f = top (e);
  return g_ptr_array_index (f->record->mechanisms, f->index);
}

static guint
mechanism_bits (const Eval *e, const FctSpfMechanism *mech)
{
  return e->ip_len == 4 ? mech->cidr4 : mech->cidr6;
}

static void
on_mx (Eval *e, FctDnsAnswer *answer)
{
  const FctSpfMechanism *mech = current_mechanism (e);

  if (answer_failed (answer))
    {
      finish_all (e, FCT_SPF_RESULT_TEMPERROR, _ ("%s: the MX lookup of %s failed: %s"),
                  mech->text, e->target, answer_why (answer));
      return;
    }
  if (answer_void (answer))
    {
      if (count_void (e, e->target))
        no_match (e);
      return;
    }
  /* §4.6.4: more than 10 MX names is a permerror for the mx mechanism. */
  if (answer->records->len > e->limits.spf_mx_names_max)
    {
      finish_all (e, FCT_SPF_RESULT_PERMERROR,
                  _ ("%s: %s has %u MX records, over the limit of %u (RFC 7208 §4.6.4)"),
                  mech->text, e->target, answer->records->len, e->limits.spf_mx_names_max);
      return;
    }
  batch_begin (e, answer);
  for (guint k = 0; k < answer->records->len; k++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, k);
      /* A null MX (RFC 7505, target ".") names no host. */
      if (rr->type == FCT_DNS_TYPE_MX && rr->target != NULL && rr->target[0] != '\0')
        g_ptr_array_add (e->batch_names, rr->target);
    }
  if (e->batch_names->len == 0)
    {
      no_match (e);
      return;
    }
  query_batch (e, WAIT_MX_ADDRS);
}

static void
on_mx_addresses (Eval *e)
{
  const FctSpfMechanism *mech = current_mechanism (e);

  /* In MX order, as a one-at-a-time evaluator would see them. */
  for (guint k = 0; k < e->batch->len; k++)
    {
      FctDnsAnswer *a = g_ptr_array_index (e->batch, k);
      if (answer_failed (a))
        {
          finish_all (e, FCT_SPF_RESULT_TEMPERROR,
                      _ ("%s: the address lookup of %s failed: %s"), mech->text, a->qname,
                      answer_why (a));
          return;
        }
      if (addresses_match (e, a, mechanism_bits (e, mech)))
        {
          match (e, mech, a->qname);
          return;
        }
    }
  no_match (e);
}

static void
after_ptr (Eval *e)
{
  e->ptr_known = TRUE;
  switch (e->after_ptr)
    {
    case AFTER_PTR_RUN:
      run (e);
      break;
    case AFTER_PTR_MECHANISM:
      evaluate_ptr_mechanism (e);
      break;
    case AFTER_PTR_EXP:
      if (e->exp_text != NULL)
        expand_exp_text (e);
      else
        start_exp (e);
      break;
    }
}

static void
on_ptr (Eval *e, FctDnsAnswer *answer)
{
  e->validated = g_ptr_array_new_with_free_func (g_free);
  /* §5.5: a PTR lookup error means no validated name; beyond the 10th name, ignore. */
  e->ptr_void = answer_void (answer);
  batch_begin (e, answer);
  for (guint k = 0;
       answer->rcode == FCT_DNS_RCODE_NOERROR && answer->records != NULL
       && k < answer->records->len && e->batch_names->len < e->limits.spf_ptr_names_max;
       k++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, k);
      if (rr->type == FCT_DNS_TYPE_PTR && rr->target != NULL && rr->target[0] != '\0')
        g_ptr_array_add (e->batch_names, rr->target);
    }
  if (e->batch_names->len == 0)
    after_ptr (e);
  else
    query_batch (e, WAIT_PTR_ADDRS);
}

static void
on_ptr_addresses (Eval *e)
{
  for (guint k = 0; k < e->batch->len; k++)
    {
      FctDnsAnswer *a = g_ptr_array_index (e->batch, k);
      /* Errors skip the name (§5.5). */
      if (a->rcode == FCT_DNS_RCODE_NOERROR && addresses_match (e, a, e->ip_len * 8))
        g_ptr_array_add (e->validated, g_strdup (g_ptr_array_index (e->batch_names, k)));
    }
  after_ptr (e);
}

static void
on_address (Eval *e, FctDnsAnswer *answer)
{
  const FctSpfMechanism *mech = current_mechanism (e);

  if (answer_failed (answer))
    {
      finish_all (e, FCT_SPF_RESULT_TEMPERROR, _ ("%s: the lookup of %s failed: %s"),
                  mech->text, e->target, answer_why (answer));
      return;
    }
  if (answer_void (answer))
    {
      if (count_void (e, e->target))
        no_match (e);
      return;
    }
  if (e->wait == WAIT_EXISTS || addresses_match (e, answer, mechanism_bits (e, mech)))
    match (e, mech, NULL);
  else
    no_match (e);
}

/* Feeds one answer for the current wait to the machine. */
static void
dispatch (Eval *e, FctDnsAnswer *answer)
{
  switch (e->wait)
    {
    case WAIT_RECORD:
      on_record (e, answer);
      break;
    case WAIT_ADDRESS:
    case WAIT_EXISTS:
      on_address (e, answer);
      break;
    case WAIT_MX:
      on_mx (e, answer);
      break;
    case WAIT_PTR:
      on_ptr (e, answer);
      break;
    case WAIT_EXP:
      on_exp (e, answer);
      break;
    case WAIT_MX_ADDRS:
    case WAIT_PTR_ADDRS:
      g_assert_not_reached ();
    }
}

/* The whole batch has answered. */
static void
dispatch_batch (Eval *e)
{
  if (e->wait == WAIT_MX_ADDRS)
    on_mx_addresses (e);
  else
    on_ptr_addresses (e);
}

/* Goes on through every step the cache answered, until the machine waits on a callback
 * or the verdict is reached. */
static void
pump (Eval *e)
{
  for (;;)
    {
      if (e->ready != NULL)
        {
          g_autoptr (FctDnsAnswer) answer = g_steal_pointer (&e->ready);
          dispatch (e, answer);
        }
      else if (e->batch_ready)
        {
          e->batch_ready = FALSE;
          dispatch_batch (e);
        }
      else
        return;
    }
}

static void
on_answer (FctDnsAnswer *answer, gpointer user_data)
{
  Eval *e = user_data;

  dispatch (e, answer);
  pump (e);
  eval_unref (e);
}

static void
on_batch_answer (FctDnsAnswer *answer, gpointer user_data)
{
  BatchSlot *slot = user_data;
  Eval *e = slot->eval;

  g_ptr_array_index (e->batch, slot->index) = fct_dns_answer_ref (answer);
  g_free (slot);
  if (--e->pending == 0)
    {
      dispatch_batch (e);
      pump (e);
    }
  eval_unref (e);
}

/* RFC 7208 §4.3: the domain must be a multi-label name DNS can carry. */
static gboolean
domain_is_checkable (const char *domain)
{
  return domain != NULL && domain[0] != '[' && strchr (domain, '.') != NULL
         && fct_spf_name_is_queryable (domain);
}

/* Starts an evaluation; with defer, a verdict reached without waiting is handed over
 * from an idle source, else from inside this call. */
static gboolean
check_start (FctResolver *resolver, const FctLimits *limits, const FctSpfRequest *request,
             FctSpfCallback callback, gpointer user_data, gboolean defer, GError **error)
{
  guint8 ip[16];
  gsize ip_len = 0;
  if (!fct_spf_ip_parse (request->ip, ip, &ip_len, error))
    return FALSE;

  Eval *e = g_new0 (Eval, 1);
  e->ref_count = 1;
  e->resolver = fct_resolver_ref (resolver);
  e->limits = *fct_spf_limits (limits);
  memcpy (e->ip, ip, sizeof ip);
  e->ip_len = ip_len;
  e->helo = g_strdup (request->helo != NULL ? request->helo : "");
  e->receiver = g_strdup (request->receiver);
  e->now = request->now; /* 0: macro_context reads the clock */
  /* Sized for the usual include depth and trace length: no regrowth. */
  e->frames = g_ptr_array_new_full (8, frame_free);
  e->callback = callback;
  e->user_data = user_data;
  e->defer = defer;

  /* §2.4 and §4.3: the null reverse-path is checked as postmaster@HELO; a sender
   * without a local part gets "postmaster". */
  const char *from
      = request->identity == FCT_SPF_IDENTITY_MAIL_FROM ? request->mail_from : NULL;
  if (from == NULL || from[0] == '\0')
    {
      e->local_part = g_strdup ("postmaster");
      e->sender_domain = g_strdup (e->helo);
    }
  else
    {
      const char *at = strrchr (from, '@');
      e->local_part = at != NULL && at > from ? g_strndup (from, (gsize)(at - from))
                                              : g_strdup ("postmaster");
      e->sender_domain = g_strdup (at != NULL ? at + 1 : from);
    }
  e->sender = g_strconcat (e->local_part, "@", e->sender_domain, NULL);

  e->verdict = g_new0 (FctSpfVerdict, 1);
  e->verdict->trace = g_ptr_array_sized_new (16);
  gsize dlen = strlen (e->sender_domain);
  if (dlen > 0 && e->sender_domain[dlen - 1] == '.')
    dlen--;
  e->verdict->domain = g_ascii_strdown (e->sender_domain, (gssize)dlen);

  if (!domain_is_checkable (e->verdict->domain))
    {
      e->verdict->result = FCT_SPF_RESULT_NONE;
      e->verdict->reason = g_strdup_printf (
          _ ("“%s” is not a fully qualified domain name, so it has no SPF record "
             "(RFC 7208 §4.3)"),
          e->sender_domain);
      trace (e, FCT_SPF_STEP_END, NULL, e->verdict->reason, FCT_SPF_RESULT_NONE);
      complete (e);
    }
  else
    {
      push_frame (e, e->verdict->domain, FALSE);
      fetch_record (e);
      pump (e);
    }
  /* From now on answers come from callbacks, outside this call. */
  e->defer = FALSE;
  eval_unref (e);
  return TRUE;
}

gboolean
fct_spf_check_async (FctResolver *resolver, const FctLimits *limits,
                     const FctSpfRequest *request, FctSpfCallback callback,
                     gpointer user_data, GError **error)
{
  g_return_val_if_fail (resolver != NULL && request != NULL && callback != NULL, FALSE);
  return check_start (resolver, limits, request, callback, user_data, TRUE, error);
}

static void
on_sync_verdict (FctSpfVerdict *verdict, gpointer user_data)
{
  *(FctSpfVerdict **)user_data = verdict;
}

FctSpfVerdict *
fct_spf_check (FctResolver *resolver, const FctLimits *limits, const FctSpfRequest *request,
               GError **error)
{
  /* One private context per thread, reused: creating one per check costs an eventfd. */
  static GPrivate private_context = G_PRIVATE_INIT ((GDestroyNotify)g_main_context_unref);
  GMainContext *context = g_private_get (&private_context);
  FctSpfVerdict *verdict = NULL;

  if (context == NULL)
    {
      context = g_main_context_new ();
      g_private_set (&private_context, context);
    }

  g_return_val_if_fail (resolver != NULL && request != NULL, NULL);
  g_main_context_push_thread_default (context);
  /* A check the cache answers whole ends inside check_start, with no main-loop turn. */
  gboolean started
      = check_start (resolver, limits, request, on_sync_verdict, &verdict, FALSE, error);
  while (started && verdict == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return verdict;
}
