/* facteur — DMARC evaluation as an asynchronous state machine over DNS callbacks: policy
 * discovery (RFC 9989 §4.10, §4.10.1), organizational domains (§4.10.2), identifier
 * alignment (§4.4, §5.3.4), result and policy (§5.3.5, §4.7 "t"); legacy mode follows
 * RFC 7489 §3.2, §6.6.3 and §6.6.4 (pct). */
#include "dmarc-private.h"

#include <glib/gi18n-lib.h>

#include <facteur/sync.h>
#include <string.h>

typedef struct
{
  char *domain;
  FctDmarcRecord *record; /* NULL once applied (moved to the verdict) or unanswered */
  FctDmarcPsd psd;
  gboolean unanswered; /* the query did not complete: any record may be there */
} Found;

static void
found_free (gpointer data)
{
  Found *f = data;
  g_free (f->domain);
  fct_dmarc_record_free (f->record);
  g_free (f);
}

typedef struct
{
  FctDmarcAuthResult result;
  char *domain;
  char *selector;
} DkimIn;

static void
dkim_in_free (gpointer data)
{
  DkimIn *d = data;
  g_free (d->domain);
  g_free (d->selector);
  g_free (d);
}

typedef struct _Eval Eval;
typedef void (*StepFunc) (Eval *ev);

typedef enum
{
  WALK_LEGACY, /* RFC 7489: the first record ends the walk, a DNS failure too */
  WALK_POLICY, /* RFC 9989 §4.10.1: a record at the first name is the policy and ends the
                  walk; a DNS failure ends it (the policy is unknown) */
  WALK_ORG,    /* RFC 9989 §4.10.2: an unanswered name is kept as unknown and the walk
                  goes on, so that alignment can tell whether it mattered */
} WalkMode;

/* One evaluation. It is owned by whichever callback is pending (one DNS query or the
 * final idle callback at a time), and freed when the caller's callback has run. */
struct _Eval
{
  FctResolver *resolver;
  FctLimits limits;
  gboolean legacy;
  GRand *rand;
  GMainContext *context;
  FctDmarcCallback callback;
  gpointer user_data;
  FctDmarcVerdict *v;
  GError *error;
  FctDmarcAuthResult spf_result;
  GPtrArray *dkim; /* DkimIn * */

  /* The walk in progress. */
  char **walk_names;
  guint walk_index;
  GPtrArray *walk_found; /* Found *, longest name first; record NULL: no answer */
  WalkMode walk_mode;
  gboolean walk_temperror;
  gboolean walk_multiple; /* legacy: several records at one name ended the walk */
  char *walk_error;
  StepFunc walk_done;
  gboolean counting_policy_queries;

  /* Policy discovery. */
  GPtrArray *author_found;
  FctDmarcRecord *record; /* the applied record (transfer none: the verdict's) */
  FctDmarcPolicy np;      /* the np that applies, UNSET if none */

  /* Alignment: identifiers whose organizational domain needs a walk. */
  GPtrArray *identifiers; /* char * */
  guint identifier_index;
  GHashTable *walks;         /* identifier -> its walk (GPtrArray of Found) */
  gboolean author_org_known; /* author_found holds the author's whole walk */
  GPtrArray *author_orgs;    /* the author's possible organizational domains, or NULL */
  gboolean below_walked;     /* identifiers under the author domain were walked to it */
  GHashTable *aligned_below; /* identifiers that align by that walk alone */
  char *alignment_error;
  guint dkim_skipped; /* passing signatures not walked: over dkim_signatures_max */
};

static void
eval_free (Eval *ev)
{
  fct_resolver_unref (ev->resolver);
  if (ev->rand != NULL)
    g_rand_free (ev->rand);
  g_main_context_unref (ev->context);
  fct_dmarc_verdict_free (ev->v);
  g_clear_error (&ev->error);
  g_ptr_array_unref (ev->dkim);
  g_strfreev (ev->walk_names);
  if (ev->walk_found != NULL)
    g_ptr_array_unref (ev->walk_found);
  g_free (ev->walk_error);
  if (ev->author_found != NULL)
    g_ptr_array_unref (ev->author_found);
  g_ptr_array_unref (ev->identifiers);
  g_hash_table_unref (ev->walks);
  g_hash_table_unref (ev->aligned_below);
  if (ev->author_orgs != NULL)
    g_ptr_array_unref (ev->author_orgs);
  g_free (ev->alignment_error);
  g_free (ev);
}

void
fct_dmarc_verdict_free (FctDmarcVerdict *verdict)
{
  if (verdict == NULL)
    return;
  g_free (verdict->reason);
  g_free (verdict->author_domain);
  g_free (verdict->organizational_domain);
  g_free (verdict->policy_domain);
  fct_dmarc_record_free (verdict->record);
  g_free (verdict->spf_domain);
  g_free (verdict->dkim_domain);
  g_free (verdict->dkim_selector);
  g_ptr_array_unref (verdict->notes);
  g_free (verdict);
}

/* ---------------------------------------------------------------- finishing */

static gboolean
deliver (gpointer data)
{
  Eval *ev = data;

  if (ev->error != NULL)
    ev->callback (NULL, ev->error, ev->user_data);
  else
    {
      FctDmarcVerdict *v = g_steal_pointer (&ev->v);
      ev->callback (v, NULL, ev->user_data);
    }
  eval_free (ev);
  return G_SOURCE_REMOVE;
}

/* Ends the evaluation from a DNS callback: the caller's callback may run right away. */
static void
finish (Eval *ev)
{
  deliver (ev);
}

/* Ends the evaluation from the call that started it: the callback must run later. */
static void
finish_later (Eval *ev)
{
  GSource *idle = g_idle_source_new ();
  g_source_set_callback (idle, deliver, ev, NULL);
  g_source_attach (idle, ev->context);
  g_source_unref (idle);
}

static void
set_result (Eval *ev, FctDmarcResult result, char *reason)
{
  ev->v->result = result;
  g_free (ev->v->reason);
  ev->v->reason = reason;
}

/* ---------------------------------------------------------------- the tree walk */

static void walk_next (Eval *ev);

static void
on_walk_answer (FctDnsAnswer *answer, gpointer user_data)
{
  Eval *ev = user_data;
  const char *name = ev->walk_names[ev->walk_index];
  FctDmarcRecord *only = NULL;
  guint count;

  if (answer->rcode == FCT_DNS_RCODE_TIMEOUT || answer->rcode == FCT_DNS_RCODE_SERVFAIL)
    {
      ev->walk_temperror = TRUE;
      if (ev->walk_error == NULL)
        ev->walk_error = g_strdup_printf (
            _ ("the DNS query for _dmarc.%s did not complete (%s%s%s)"), name,
            fct_dns_rcode_to_string (answer->rcode), answer->reason != NULL ? ": " : "",
            answer->reason != NULL ? answer->reason : "");
      if (ev->walk_mode != WALK_ORG)
        {
          ev->walk_done (ev);
          return;
        }
      Found *unknown = g_new0 (Found, 1);
      unknown->domain = g_strdup (name);
      unknown->unanswered = TRUE;
      g_ptr_array_add (ev->walk_found, unknown);
      ev->walk_index++;
      walk_next (ev);
      return;
    }
  /* RFC 9989 §4.10 step 2: records that are not DMARC1 are discarded. */
  count = fct_dmarc_records_from_answer (answer, &ev->limits, &only);
  if (count > 1)
    {
      /* ... and several DMARC records at one name are all discarded. */
      g_ptr_array_add (ev->v->notes,
                       g_strdup_printf (_ ("%u DMARC records at _dmarc.%s: all discarded "
                                           "(RFC 9989 §4.10)"),
                                        count, name));
      g_clear_pointer (&only, fct_dmarc_record_free);
      /* RFC 7489 §6.6.3 step 5: in legacy mode several records end policy discovery
       * there; the organizational domain is asked only when the author domain has
       * none (step 3). */
      if (ev->legacy)
        {
          ev->walk_multiple = TRUE;
          ev->walk_done (ev);
          return;
        }
    }
  if (only != NULL)
    {
      Found *f = g_new0 (Found, 1);
      gboolean stop = ev->walk_mode == WALK_LEGACY
                      || (ev->walk_mode == WALK_POLICY && ev->walk_index == 0)
                      || (!ev->legacy && only->psd != FCT_DMARC_PSD_UNKNOWN);
      f->domain = g_strdup (name);
      f->record = only;
      f->psd = only->psd;
      g_ptr_array_add (ev->walk_found, f);
      if (stop)
        {
          ev->walk_done (ev);
          return;
        }
    }
  ev->walk_index++;
  walk_next (ev);
}

static void
walk_next (Eval *ev)
{
  g_autofree char *qname = NULL;

  if (ev->walk_names[ev->walk_index] == NULL)
    {
      ev->walk_done (ev);
      return;
    }
  /* A name the author's walk could not get an answer for is not asked again: each
   * timeout costs FctLimits.dns_timeout_ms, and the answer would be as unknown. */
  for (guint i = 0;
       ev->walk_mode == WALK_ORG && ev->author_found != NULL && i < ev->author_found->len;
       i++)
    {
      const Found *a = g_ptr_array_index (ev->author_found, i);
      if (a->unanswered && g_strcmp0 (a->domain, ev->walk_names[ev->walk_index]) == 0)
        {
          Found *unknown = g_new0 (Found, 1);
          unknown->domain = g_strdup (a->domain);
          unknown->unanswered = TRUE;
          g_ptr_array_add (ev->walk_found, unknown);
          ev->walk_index++;
          walk_next (ev);
          return;
        }
    }
  qname = g_strconcat ("_dmarc.", ev->walk_names[ev->walk_index], NULL);
  ev->v->dns_queries++;
  if (ev->counting_policy_queries)
    ev->v->policy_queries++;
  fct_resolver_query_async (ev->resolver, qname, FCT_DNS_TYPE_TXT, on_walk_answer, ev);
}

/* Starts a walk over names (transfer full); done runs when it ends. */
static void
walk_start (Eval *ev, char **names, WalkMode mode, StepFunc done)
{
  g_strfreev (ev->walk_names);
  ev->walk_names = names;
  ev->walk_index = 0;
  if (ev->walk_found != NULL)
    g_ptr_array_unref (ev->walk_found);
  ev->walk_found = g_ptr_array_new_with_free_func (found_free);
  ev->walk_mode = mode;
  ev->walk_temperror = FALSE;
  ev->walk_multiple = FALSE;
  g_clear_pointer (&ev->walk_error, g_free);
  ev->walk_done = done;
  walk_next (ev);
}

/* The label of start just below ancestor: "mail.example.com" for start
 * "a.mail.example.com" and ancestor "example.com". */
static char *
one_label_below (const char *start, const char *ancestor)
{
  gsize ls = strlen (start);
  gsize la = strlen (ancestor);
  const char *end = start + ls - la - 1; /* the dot before ancestor */
  const char *p = end;

  while (p > start && p[-1] != '.')
    p--;
  return g_strdup (p);
}

/* What an unanswered _dmarc query might have said, each tried in turn. */
enum
{
  GUESS_ABSENT,
  GUESS_RECORD, /* a record without psd */
  GUESS_PSD_Y,
  GUESS_PSD_N,
  GUESS_COUNT,
};
/* 4^4 = 256 combinations at most; with more unanswered names, alignment is unknown. */
#define UNKNOWN_NAMES_MAX 4

static guint
unknown_index (GPtrArray *unknown, const char *domain)
{
  for (guint i = 0; i < unknown->len; i++)
    if (g_strcmp0 (g_ptr_array_index (unknown, i), domain) == 0)
      return i;
  return G_MAXUINT;
}

static void
add_unknown_names (GPtrArray *unknown, GPtrArray *found)
{
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      const Found *f = g_ptr_array_index (found, i);
      if (f->unanswered && unknown_index (unknown, f->domain) == G_MAXUINT)
        g_ptr_array_add (unknown, f->domain);
    }
}

/* RFC 9989 §4.10.2: the organizational domain from a walk's records, longest first; an
 * unanswered name says what guesses[] says for it. A psd=n record, or psd=y anywhere but
 * at the start, decides; otherwise the record with the fewest labels; none: start. */
static char *
org_from_walk_guessing (const char *start, GPtrArray *found, GPtrArray *unknown,
                        const guint *guesses)
{
  const char *fewest = NULL;

  for (guint i = 0; i < found->len; i++)
    {
      const Found *f = g_ptr_array_index (found, i);
      FctDmarcPsd psd = f->psd;

      if (f->unanswered)
        switch (guesses[unknown_index (unknown, f->domain)])
          {
          case GUESS_ABSENT:
            continue;
          case GUESS_PSD_Y:
            psd = FCT_DMARC_PSD_YES;
            break;
          case GUESS_PSD_N:
            psd = FCT_DMARC_PSD_NO;
            break;
          default:
            break;
          }
      if (psd == FCT_DMARC_PSD_NO)
        return g_strdup (f->domain);
      if (psd == FCT_DMARC_PSD_YES)
        return g_strcmp0 (f->domain, start) != 0 ? one_label_below (start, f->domain)
                                                 : g_strdup (start);
      fewest = f->domain;
    }
  return g_strdup (fewest != NULL ? fewest : start);
}

/* Steps guesses[0..n) to the next combination; FALSE after the last. */
static gboolean
next_guesses (guint *guesses, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      if (++guesses[i] < GUESS_COUNT)
        return TRUE;
      guesses[i] = 0;
    }
  return FALSE;
}

/* ---------------------------------------------------------------- alignment */

static const char *
alignment_name (FctDmarcAlignment a)
{
  return a == FCT_DMARC_ALIGNMENT_STRICT ? "strict" : "relaxed";
}

typedef enum
{
  ALIGN_NO,
  ALIGN_YES,
  ALIGN_UNKNOWN, /* an unanswered query could make it either */
} Align;

/* The organizational domains the author domain may have, given the unanswered names of
 * its walk (one when every name answered). NULL when too many names went unanswered. */
static GPtrArray *
author_orgs (Eval *ev)
{
  g_autoptr (GPtrArray) unknown = g_ptr_array_new ();
  guint guesses[UNKNOWN_NAMES_MAX] = { 0 };
  GPtrArray *orgs;

  add_unknown_names (unknown, ev->author_found);
  if (unknown->len > UNKNOWN_NAMES_MAX)
    return NULL;
  orgs = g_ptr_array_new_with_free_func (g_free);
  do
    {
      char *org = org_from_walk_guessing (ev->v->author_domain, ev->author_found, unknown,
                                          guesses);
      if (g_ptr_array_find_with_equal_func (orgs, org, g_str_equal, NULL))
        g_free (org);
      else
        g_ptr_array_add (orgs, org);
    }
  while (next_guesses (guesses, unknown->len));
  return orgs;
}

/* Relaxed alignment of identifier from its walk: the same organizational domain as the
 * author's under every answer the unanswered names could have given, or under none. */
static Align
relaxed_alignment (Eval *ev, const char *identifier, GPtrArray *found)
{
  g_autoptr (GPtrArray) unknown = g_ptr_array_new ();
  guint guesses[UNKNOWN_NAMES_MAX] = { 0 };
  gboolean yes = FALSE, no = FALSE;

  add_unknown_names (unknown, ev->author_found);
  add_unknown_names (unknown, found);
  if (unknown->len > UNKNOWN_NAMES_MAX)
    return ALIGN_UNKNOWN;
  do
    {
      g_autofree char *a = org_from_walk_guessing (ev->v->author_domain, ev->author_found,
                                                   unknown, guesses);
      g_autofree char *b = org_from_walk_guessing (identifier, found, unknown, guesses);
      if (g_ascii_strcasecmp (a, b) == 0)
        yes = TRUE;
      else
        no = TRUE;
    }
  while (next_guesses (guesses, unknown->len) && !(yes && no));
  return yes && no ? ALIGN_UNKNOWN : yes ? ALIGN_YES : ALIGN_NO;
}

/* Alignment of identifier if known without a walk; *need_walk says a walk of its own
 * would tell. */
static Align
alignment_of (Eval *ev, const char *identifier, FctDmarcAlignment mode, gboolean *need_walk)
{
  const char *author = ev->v->author_domain;
  GPtrArray *found;
  gboolean under = FALSE;

  *need_walk = FALSE;
  if (g_ascii_strcasecmp (identifier, author) == 0)
    return ALIGN_YES;
  if (mode == FCT_DMARC_ALIGNMENT_STRICT)
    return ALIGN_NO;
  if (ev->legacy)
    {
      g_autofree char *psl_org = fct_dmarc_psl_organizational_domain (identifier, NULL);
      return psl_org != NULL && ev->v->organizational_domain != NULL
                     && g_ascii_strcasecmp (psl_org, ev->v->organizational_domain) == 0
                 ? ALIGN_YES
                 : ALIGN_NO;
    }
  if (g_hash_table_contains (ev->aligned_below, identifier))
    return ALIGN_YES;
  /* An organizational domain is the name itself or one of its parents, so an identifier
   * outside every organizational domain the author may have cannot share it. */
  for (guint i = 0; ev->author_orgs != NULL && i < ev->author_orgs->len && !under; i++)
    under = fct_dmarc_domain_is_under (identifier, g_ptr_array_index (ev->author_orgs, i));
  if (ev->author_orgs != NULL && !under)
    return ALIGN_NO;
  found = g_hash_table_lookup (ev->walks, identifier);
  if (found != NULL)
    return relaxed_alignment (ev, identifier, found);
  *need_walk = TRUE;
  return ALIGN_UNKNOWN;
}

static void compute_alignment (Eval *ev);

static void
note_walk_error (Eval *ev)
{
  if (ev->walk_temperror && ev->alignment_error == NULL)
    ev->alignment_error = g_strdup (ev->walk_error);
}

static void
on_identifier_walk_done (Eval *ev)
{
  const char *identifier = g_ptr_array_index (ev->identifiers, ev->identifier_index);

  note_walk_error (ev);
  g_hash_table_insert (ev->walks, g_strdup (identifier), g_steal_pointer (&ev->walk_found));
  ev->identifier_index++;
  compute_alignment (ev);
}

static void conclude (Eval *ev);

/* Walks, one after the other, the identifiers that need their organizational domain,
 * then concludes. */
static void
compute_alignment (Eval *ev)
{
  if (ev->identifier_index < ev->identifiers->len)
    {
      const char *identifier = g_ptr_array_index (ev->identifiers, ev->identifier_index);
      if (g_hash_table_contains (ev->walks, identifier))
        {
          ev->identifier_index++;
          compute_alignment (ev);
          return;
        }
      walk_start (ev,
                  fct_dmarc_tree_walk_names (identifier, ev->limits.dmarc_tree_walk_max),
                  WALK_ORG, on_identifier_walk_done);
      return;
    }
  conclude (ev);
}

/* The passing identifiers whose alignment takes a walk; TRUE if one aligns without. */
/* Whether a result is aligned at all: a pass, or a temperror that a later attempt might
 * turn into one. */
static gboolean
auth_counts (FctDmarcAuthResult r)
{
  return r == FCT_DMARC_AUTH_PASS || r == FCT_DMARC_AUTH_TEMPERROR;
}

static gboolean
collect_identifiers (Eval *ev)
{
  FctDmarcVerdict *v = ev->v;
  gboolean need = FALSE, aligned = FALSE;
  guint walked = 0;

  ev->dkim_skipped = 0;
  /* A temperror is walked as a pass would be: whether it could have aligned decides
   * between fail and temperror when nothing passes (conclude). */
  if (auth_counts (ev->spf_result) && v->spf_domain != NULL)
    {
      gboolean yes = alignment_of (ev, v->spf_domain, ev->record->aspf, &need) == ALIGN_YES;
      aligned |= yes && ev->spf_result == FCT_DMARC_AUTH_PASS;
      if (need)
        g_ptr_array_add (ev->identifiers, g_strdup (v->spf_domain));
    }
  for (guint i = 0; i < ev->dkim->len; i++)
    {
      const DkimIn *d = g_ptr_array_index (ev->dkim, i);
      if (!auth_counts (d->result))
        continue;
      gboolean yes = alignment_of (ev, d->domain, ev->record->adkim, &need) == ALIGN_YES;
      aligned |= yes && d->result == FCT_DMARC_AUTH_PASS;
      if (!need)
        continue;
      /* Each walk costs up to dmarc_tree_walk_max queries: the DKIM cap bounds the
       * signatures walked. One that aligns without a walk is never capped. */
      if (walked >= ev->limits.dkim_signatures_max)
        {
          ev->dkim_skipped++;
          continue;
        }
      walked++;
      g_ptr_array_add (ev->identifiers, g_strdup (d->domain));
    }
  return aligned;
}

static FctDmarcPolicy
lower (FctDmarcPolicy p)
{
  return p == FCT_DMARC_POLICY_REJECT ? FCT_DMARC_POLICY_QUARANTINE : FCT_DMARC_POLICY_NONE;
}

/* The message failed: the disposition the applied policy asks for. */
static void
dispose (Eval *ev)
{
  FctDmarcVerdict *v = ev->v;
  const FctDmarcRecord *r = ev->record;

  v->disposition = v->policy;
  if (!ev->legacy && r->testing && v->policy != FCT_DMARC_POLICY_NONE)
    {
      /* RFC 9989 §4.7 "t": testing asks for the policy one level below. */
      v->disposition = lower (v->policy);
      v->testing = TRUE;
    }
  else if (ev->legacy && r->pct >= 0 && r->pct < 100 && v->policy != FCT_DMARC_POLICY_NONE)
    {
      /* RFC 7489 §6.6.4: outside the pct sample, the next less strict policy. */
      guint32 draw = ev->rand != NULL ? (guint32)g_rand_int_range (ev->rand, 0, 100)
                                      : (guint32)g_random_int_range (0, 100);
      if (draw >= (guint32)r->pct)
        {
          v->disposition = lower (v->policy);
          v->sampled_out = TRUE;
        }
    }
  finish (ev);
}

static void
on_exists_answer (FctDnsAnswer *answer, gpointer user_data)
{
  Eval *ev = user_data;
  FctDmarcVerdict *v = ev->v;

  if (answer->rcode == FCT_DNS_RCODE_TIMEOUT || answer->rcode == FCT_DNS_RCODE_SERVFAIL)
    {
      set_result (ev, FCT_DMARC_RESULT_TEMPERROR,
                  g_strdup_printf (_ ("the DNS query testing whether %s exists did not "
                                      "complete (%s)"),
                                   v->author_domain,
                                   fct_dns_rcode_to_string (answer->rcode)));
      finish (ev);
      return;
    }
  /* RFC 9989 §3.2.13 and Appendix A.4: NXDOMAIN, and only NXDOMAIN, means the name does
   * not exist; NODATA means it does. */
  if (answer->rcode == FCT_DNS_RCODE_NXDOMAIN)
    {
      v->policy = ev->np;
      v->policy_source = FCT_DMARC_POLICY_FROM_NP;
    }
  dispose (ev);
}

/* All identifiers' organizational domains are known: result and disposition. */
static void
conclude (Eval *ev)
{
  FctDmarcVerdict *v = ev->v;
  const FctDmarcRecord *r = ev->record;
  gboolean need = FALSE;
  gboolean unknown = FALSE;
  Align a;

  /* An identifier not walked (need) has no say: a pass decided without it. */
  if (ev->spf_result == FCT_DMARC_AUTH_PASS && v->spf_domain != NULL)
    {
      a = alignment_of (ev, v->spf_domain, r->aspf, &need);
      v->spf_aligned = a == ALIGN_YES;
      unknown |= a == ALIGN_UNKNOWN && !need;
    }
  for (guint i = 0; i < ev->dkim->len && !v->dkim_aligned; i++)
    {
      const DkimIn *d = g_ptr_array_index (ev->dkim, i);
      if (d->result != FCT_DMARC_AUTH_PASS)
        continue;
      a = alignment_of (ev, d->domain, r->adkim, &need);
      unknown |= a == ALIGN_UNKNOWN && !need;
      if (a == ALIGN_YES)
        {
          v->dkim_aligned = TRUE;
          v->dkim_domain = g_strdup (d->domain);
          v->dkim_selector = g_strdup (d->selector);
        }
    }

  /* Nothing passed yet; an identifier whose check did not complete (temperror: RFC
   * 7208 §2.6.6 for SPF, RFC 6376 §6.1.2 for a DKIM key) and that would align might
   * pass on a later attempt: the verdict is temperror, DMARC's "a later attempt might
   * produce a final result", not a final fail. One that cannot align changes nothing
   * (a spoof's own SPF domain timing out does not spare it the policy). */
  const char *open_spf = NULL, *open_dkim = NULL;
  if (ev->spf_result == FCT_DMARC_AUTH_TEMPERROR && v->spf_domain != NULL)
    {
      a = alignment_of (ev, v->spf_domain, r->aspf, &need);
      if (a == ALIGN_YES || (a == ALIGN_UNKNOWN && !need))
        open_spf = v->spf_domain;
    }
  for (guint i = 0; i < ev->dkim->len && open_dkim == NULL; i++)
    {
      const DkimIn *d = g_ptr_array_index (ev->dkim, i);
      if (d->result != FCT_DMARC_AUTH_TEMPERROR)
        continue;
      a = alignment_of (ev, d->domain, r->adkim, &need);
      if (a == ALIGN_YES || (a == ALIGN_UNKNOWN && !need))
        open_dkim = d->domain;
    }

  if (ev->dkim_skipped > 0)
    g_ptr_array_add (v->notes,
                     g_strdup_printf (_ ("%u DKIM results over the limit of %u "
                                         "were not considered"),
                                      ev->dkim_skipped, ev->limits.dkim_signatures_max));
  if (v->spf_aligned || v->dkim_aligned)
    {
      char *why;
      /* Whole sentences, so that each can be translated. */
      if (v->spf_aligned && v->dkim_aligned)
        why = g_strdup_printf (
            _ ("SPF (%s) and DKIM (d=%s) align with the author domain %s"), v->spf_domain,
            v->dkim_domain, v->author_domain);
      else if (v->spf_aligned)
        why = g_strdup_printf (_ ("SPF (%s) aligns with the author domain %s"),
                               v->spf_domain, v->author_domain);
      else
        why = g_strdup_printf (_ ("DKIM (d=%s) aligns with the author domain %s"),
                               v->dkim_domain, v->author_domain);
      set_result (ev, FCT_DMARC_RESULT_PASS, why);
      v->disposition = FCT_DMARC_POLICY_NONE;
      finish (ev);
      return;
    }
  if (open_spf != NULL || open_dkim != NULL)
    {
      set_result (ev, FCT_DMARC_RESULT_TEMPERROR,
                  open_spf != NULL
                      ? g_strdup_printf (_ ("SPF for %s did not complete (temperror) and "
                                            "would align with the author domain %s"),
                                         open_spf, v->author_domain)
                      : g_strdup_printf (_ ("the DKIM key of d=%s could not be fetched "
                                            "(temperror) and would align with the author "
                                            "domain %s"),
                                         open_dkim, v->author_domain));
      finish (ev);
      return;
    }
  if (unknown)
    {
      /* RFC 9989 §5.3.6: a query needed for the verdict did not complete, and its
       * answer could have made an identifier align. */
      set_result (ev, FCT_DMARC_RESULT_TEMPERROR, g_strdup (ev->alignment_error));
      finish (ev);
      return;
    }

  set_result (ev, FCT_DMARC_RESULT_FAIL,
              g_strdup_printf (_ ("no SPF or DKIM pass aligned with the author domain %s "
                                  "(SPF %s alignment, DKIM %s alignment)"),
                               v->author_domain, alignment_name (r->aspf),
                               alignment_name (r->adkim)));
  /* RFC 9989 §4.7 "np": which of np and sp/p applies depends on whether the author
   * domain exists, which only a failure needs to know, and only when they differ: a
   * query that cannot change the verdict is not asked, so its failure cannot spoil it. */
  if (ev->np != FCT_DMARC_POLICY_UNSET && ev->np != v->policy)
    {
      ev->v->dns_queries++;
      fct_resolver_query_async (ev->resolver, v->author_domain, FCT_DNS_TYPE_A,
                                on_exists_answer, ev);
      return;
    }
  dispose (ev);
}

static void
on_author_org_walk_done (Eval *ev)
{
  /* The author's own record, found first, heads its walk. */
  g_ptr_array_extend_and_steal (ev->author_found, g_steal_pointer (&ev->walk_found));
  note_walk_error (ev);
  ev->counting_policy_queries = FALSE;
  ev->author_org_known = TRUE;
  ev->author_orgs = author_orgs (ev);
  if (ev->author_orgs != NULL && ev->author_orgs->len == 1)
    ev->v->organizational_domain = g_strdup (g_ptr_array_index (ev->author_orgs, 0));
  collect_identifiers (ev);
  ev->identifier_index = 0;
  compute_alignment (ev);
}

/* The names of identifier's walk (RFC 9989 §4.10) that come before the author domain,
 * or NULL when the author domain is not among them (transfer full). */
static char **
names_below_author (Eval *ev, const char *identifier)
{
  g_auto (GStrv) names
      = fct_dmarc_tree_walk_names (identifier, ev->limits.dmarc_tree_walk_max);
  guint n = 0;

  while (names[n] != NULL && g_ascii_strcasecmp (names[n], ev->v->author_domain) != 0)
    n++;
  if (names[n] == NULL || n == 0)
    return NULL;
  char **below = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    below[i] = g_strdup (names[i]);
  return below;
}

static void start_alignment (Eval *ev);

static void walk_below_next (Eval *ev);

static void
on_below_walk_done (Eval *ev)
{
  gboolean plain = TRUE;

  for (guint i = 0; i < ev->walk_found->len; i++)
    {
      const Found *f = g_ptr_array_index (ev->walk_found, i);
      plain = plain && !f->unanswered && f->psd == FCT_DMARC_PSD_UNKNOWN;
    }
  /* Both walks then go on through the same names above the author domain, which has a
   * record without psd: whatever those names hold, the two organizational domains are
   * the same one (RFC 9989 §4.10.2: the first psd record above, the name just below a
   * psd=y one, or the record with the fewest labels, which is at or above the author). */
  if (plain)
    g_hash_table_add (ev->aligned_below,
                      g_strdup (g_ptr_array_index (ev->identifiers, ev->identifier_index)));
  ev->identifier_index++;
  walk_below_next (ev);
}

static void
walk_below_next (Eval *ev)
{
  while (ev->identifier_index < ev->identifiers->len)
    {
      char **names = names_below_author (
          ev, g_ptr_array_index (ev->identifiers, ev->identifier_index));
      if (names != NULL)
        {
          walk_start (ev, names, WALK_ORG, on_below_walk_done);
          return;
        }
      ev->identifier_index++;
    }
  start_alignment (ev);
}

/* RFC 9989 §4.10: a record at the author domain is the policy, and the rest of the walk
 * only finds its organizational domain, which relaxed alignment of another identifier
 * needs, and only when nothing aligns without it: one unanswered _dmarc query far up
 * the tree cannot then spoil, nor delay, a verdict it has no part in. A subdomain of an
 * author domain that has its own record is settled below it, first. */
static void
start_alignment (Eval *ev)
{
  g_ptr_array_set_size (ev->identifiers, 0);
  if (collect_identifiers (ev) || ev->identifiers->len == 0)
    {
      g_ptr_array_set_size (ev->identifiers, 0);
      conclude (ev);
      return;
    }
  if (!ev->author_org_known && !ev->below_walked)
    {
      ev->below_walked = TRUE;
      ev->identifier_index = 0;
      walk_below_next (ev);
      return;
    }
  if (!ev->author_org_known)
    {
      char **names = fct_dmarc_tree_walk_names (ev->v->author_domain,
                                                ev->limits.dmarc_tree_walk_max);
      g_ptr_array_set_size (ev->identifiers, 0);
      /* names[0] is the author domain, asked already. */
      g_free (names[0]);
      memmove (names, names + 1, g_strv_length (names) * sizeof *names);
      ev->counting_policy_queries = TRUE;
      walk_start (ev, names, WALK_ORG, on_author_org_walk_done);
      return;
    }
  ev->identifier_index = 0;
  compute_alignment (ev);
}

/* ---------------------------------------------------------------- policy */

static void
note_record (Eval *ev, const FctDmarcRecord *r, const char *domain)
{
  GPtrArray *notes = ev->v->notes;

  if (!ev->legacy && (r->flags & FCT_DMARC_RECORD_FLAG_REMOVED_TAG))
    g_ptr_array_add (notes, g_strdup_printf (_ ("_dmarc.%s uses pct, rf or ri, tags of RFC "
                                                "7489 that RFC 9989 removed; ignored"),
                                             domain));
  if (r->flags & FCT_DMARC_RECORD_FLAG_UNKNOWN_TAG)
    g_ptr_array_add (notes,
                     g_strdup_printf (_ ("_dmarc.%s has unknown tags; ignored"), domain));
  if (r->flags & (FCT_DMARC_RECORD_FLAG_BAD_VALUE | FCT_DMARC_RECORD_FLAG_BAD_SYNTAX))
    g_ptr_array_add (
        notes, g_strdup_printf (_ ("_dmarc.%s has malformed tags; defaults used"), domain));
  if (r->flags & FCT_DMARC_RECORD_FLAG_DUPLICATE_TAG)
    g_ptr_array_add (notes, g_strdup_printf (_ ("_dmarc.%s repeats a tag; the first one is "
                                                "used"),
                                             domain));
  if (r->flags & FCT_DMARC_RECORD_FLAG_BAD_URI)
    g_ptr_array_add (
        notes, g_strdup_printf (_ ("_dmarc.%s has invalid report URIs; ignored"), domain));
}

typedef enum
{
  APPLY_CONTINUE, /* go on with alignment */
  APPLY_FINISHED, /* the result is set */
} ApplyStatus;

/* Applies the discovered record, moved to the verdict: checks it, picks p, sp or np. */
static ApplyStatus
apply_record (Eval *ev, Found *f)
{
  FctDmarcVerdict *v = ev->v;
  const FctDmarcRecord *r;
  gboolean bad = FALSE;

  v->policy_domain = g_strdup (f->domain);
  v->record = g_steal_pointer (&f->record);
  r = ev->record = v->record;
  note_record (ev, r, f->domain);
  if (r->flags & FCT_DMARC_RECORD_FLAG_TOO_LONG)
    {
      set_result (
          ev, FCT_DMARC_RESULT_PERMERROR,
          g_strdup_printf ("the DMARC record at _dmarc.%s is longer than %" G_GSIZE_FORMAT
                           " bytes",
                           f->domain, ev->limits.dmarc_record_max_bytes));
      return APPLY_FINISHED;
    }
  bad = (r->flags & FCT_DMARC_RECORD_FLAG_BAD_P)
        || (r->flags & FCT_DMARC_RECORD_FLAG_BAD_SP);
  if (ev->legacy)
    bad = bad || r->p == FCT_DMARC_POLICY_UNSET; /* RFC 7489 §6.6.3 */
  else
    bad = bad || (r->flags & FCT_DMARC_RECORD_FLAG_BAD_NP);

  FctDmarcPolicy p = r->p != FCT_DMARC_POLICY_UNSET ? r->p : FCT_DMARC_POLICY_NONE;
  FctDmarcPolicy sp = r->sp;
  FctDmarcPolicy np = ev->legacy ? FCT_DMARC_POLICY_UNSET : r->np;
  if (bad)
    {
      /* RFC 9989 §4.10.1: an invalid p, sp or np means p=none when a valid rua remains,
       * no DMARC processing otherwise (reported as permerror, RFC 9989 §9.2). */
      if (r->rua->len == 0)
        {
          set_result (ev, FCT_DMARC_RESULT_PERMERROR,
                      g_strdup_printf (_ ("the DMARC record at _dmarc.%s has a missing or "
                                          "invalid policy tag and no valid rua"),
                                       f->domain));
          return APPLY_FINISHED;
        }
      g_ptr_array_add (
          v->notes, g_strdup_printf (_ ("_dmarc.%s has an invalid policy tag: treated as "
                                        "p=none because it has a valid rua"),
                                     f->domain));
      p = FCT_DMARC_POLICY_NONE;
      sp = np = FCT_DMARC_POLICY_UNSET;
    }

  gboolean at_author = g_strcmp0 (f->domain, v->author_domain) == 0;
  if (at_author)
    {
      v->policy = p;
      v->policy_source = FCT_DMARC_POLICY_FROM_P;
    }
  else if (sp != FCT_DMARC_POLICY_UNSET)
    {
      v->policy = sp;
      v->policy_source = FCT_DMARC_POLICY_FROM_SP;
    }
  else
    {
      v->policy = p;
      v->policy_source = FCT_DMARC_POLICY_FROM_P;
    }
  /* np replaces sp/p for an author domain that does not exist; asked after a failure. */
  if (!at_author)
    ev->np = np;
  return APPLY_CONTINUE;
}

static Found *
find_domain (GPtrArray *found, const char *domain)
{
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = g_ptr_array_index (found, i);
      if (g_strcmp0 (f->domain, domain) == 0)
        return f;
    }
  return NULL;
}

static void
on_author_walk_done (Eval *ev)
{
  FctDmarcVerdict *v = ev->v;
  Found *chosen = NULL;

  ev->counting_policy_queries = FALSE;
  ev->author_found = g_steal_pointer (&ev->walk_found);
  if (ev->walk_temperror)
    {
      set_result (ev, FCT_DMARC_RESULT_TEMPERROR, g_strdup (ev->walk_error));
      finish (ev);
      return;
    }
  if (ev->walk_multiple)
    {
      set_result (ev, FCT_DMARC_RESULT_NONE,
                  g_strdup_printf (_ ("several DMARC records at _dmarc.%s: DMARC does not "
                                      "apply (RFC 7489 §6.6.3)"),
                                   ev->walk_names[ev->walk_index]));
      finish (ev);
      return;
    }
  if (ev->author_found->len == 0)
    {
      set_result (
          ev, FCT_DMARC_RESULT_NONE,
          g_strdup_printf (_ ("no DMARC policy record for %s or its parent domains"),
                           v->author_domain));
      finish (ev);
      return;
    }

  if (!ev->legacy)
    {
      /* RFC 9989 §4.10.1: the author domain's record, else the organizational domain's,
       * else the public suffix domain's. */
      chosen = find_domain (ev->author_found, v->author_domain);
      /* The walk stopped at the author's record: its organizational domain is known only
       * when the record says psd, and is looked for only if alignment needs it. */
      ev->author_org_known = chosen == NULL || chosen->psd != FCT_DMARC_PSD_UNKNOWN;
      if (ev->author_org_known)
        {
          guint none[UNKNOWN_NAMES_MAX] = { 0 };
          v->organizational_domain
              = org_from_walk_guessing (v->author_domain, ev->author_found, NULL, none);
          ev->author_orgs = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (ev->author_orgs, g_strdup (v->organizational_domain));
        }
      if (chosen == NULL)
        chosen = find_domain (ev->author_found, v->organizational_domain);
      for (guint i = 0; chosen == NULL && i < ev->author_found->len; i++)
        {
          Found *f = g_ptr_array_index (ev->author_found, i);
          if (f->psd == FCT_DMARC_PSD_YES)
            chosen = f;
        }
      /* The organizational domain is a domain with a record or one below a psd=y one. */
      g_assert (chosen != NULL);
    }
  else
    {
      ev->author_org_known = TRUE;
      chosen = g_ptr_array_index (ev->author_found, 0);
    }

  switch (apply_record (ev, chosen))
    {
    case APPLY_CONTINUE:
      start_alignment (ev);
      break;
    case APPLY_FINISHED:
      finish (ev);
      break;
    }
}

/* ---------------------------------------------------------------- starting */

static char *
spf_domain_of (const char *mail_from, const char *helo, gboolean *is_helo)
{
  g_autofree char *addr = NULL;
  const char *at;
  char *domain;

  *is_helo = FALSE;
  if (mail_from != NULL)
    {
      addr = g_strstrip (g_strdup (mail_from));
      gsize n = strlen (addr);
      if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>')
        {
          memmove (addr, addr + 1, n - 2);
          addr[n - 2] = '\0';
        }
    }
  if (addr == NULL || *addr == '\0')
    {
      /* RFC 7208 §2.4: a null sender is checked as postmaster@HELO. */
      if (helo == NULL || *helo == '\0')
        return NULL;
      *is_helo = TRUE;
      domain = g_strdup (helo);
    }
  else
    {
      at = strrchr (addr, '@');
      domain = g_strdup (at != NULL ? at + 1 : addr);
    }
  g_autofree char *written = domain;
  domain = fct_dmarc_domain_to_a_labels (written);
  if (*domain == '\0')
    g_clear_pointer (&domain, g_free);
  return domain;
}

void
fct_dmarc_evaluate_async (FctResolver *resolver, const FctDmarcInputs *inputs,
                          const FctDmarcOptions *options, FctDmarcCallback callback,
                          gpointer user_data)
{
  static const FctDmarcOptions no_options = { 0 };
  Eval *ev;
  FctDmarcVerdict *v;
  g_autofree char *reason = NULL;

  g_return_if_fail (resolver != NULL);
  g_return_if_fail (inputs != NULL && inputs->msg != NULL);
  g_return_if_fail (inputs->n_dkim == 0 || inputs->dkim != NULL);
  g_return_if_fail (callback != NULL);
  if (options == NULL)
    options = &no_options;

  ev = g_new0 (Eval, 1);
  ev->resolver = fct_resolver_ref (resolver);
  ev->limits = options->limits != NULL ? *options->limits : *fct_limits_default ();
  if (ev->limits.dmarc_tree_walk_max < 2)
    ev->limits.dmarc_tree_walk_max = 2;
  ev->legacy = options->legacy;
  if (options->sample_seeded)
    ev->rand = g_rand_new_with_seed (options->sample_seed);
  ev->context = g_main_context_ref_thread_default ();
  ev->callback = callback;
  ev->user_data = user_data;
  ev->spf_result = inputs->spf_result;
  ev->dkim = g_ptr_array_new_with_free_func (dkim_in_free);
  ev->identifiers = g_ptr_array_new_with_free_func (g_free);
  ev->walks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify)g_ptr_array_unref);
  ev->aligned_below = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Only a pass can align (RFC 9989 §4.4), and a temperror might have been one
   * (conclude): other results take no place, so that failing signatures cannot crowd
   * out the one that counts; the passes come first, so that open ones cannot either. */
  for (guint k = 0; k < 2 * inputs->n_dkim; k++)
    {
      const FctDmarcDkimInput *in = &inputs->dkim[k % inputs->n_dkim];
      FctDmarcAuthResult wanted
          = k < inputs->n_dkim ? FCT_DMARC_AUTH_PASS : FCT_DMARC_AUTH_TEMPERROR;
      DkimIn *d;
      if (in->domain == NULL || *in->domain == '\0' || in->result != wanted)
        continue;
      d = g_new0 (DkimIn, 1);
      d->result = in->result;
      d->domain = fct_dmarc_domain_to_a_labels (in->domain);
      d->selector = g_strdup (in->selector);
      g_ptr_array_add (ev->dkim, d);
    }

  v = ev->v = g_new0 (FctDmarcVerdict, 1);
  v->notes = g_ptr_array_new_with_free_func (g_free);
  v->legacy = ev->legacy;
  v->disposition = FCT_DMARC_POLICY_NONE;
  v->spf_domain = spf_domain_of (inputs->mail_from, inputs->helo, &v->spf_domain_is_helo);

  v->author_domain = fct_dmarc_author_domain (inputs->msg, &reason);
  if (v->author_domain == NULL)
    {
      /* RFC 9989 §5.3.1, §11.5: no single author domain, no DMARC validation; a
       * permerror so that the message is not mistaken for one without a policy. */
      set_result (ev, FCT_DMARC_RESULT_PERMERROR, g_steal_pointer (&reason));
      finish_later (ev);
      return;
    }

  ev->counting_policy_queries = TRUE;
  if (ev->legacy)
    {
      g_autofree char *org
          = fct_dmarc_psl_organizational_domain (v->author_domain, &ev->error);
      GPtrArray *names = g_ptr_array_new ();
      if (org == NULL)
        {
          g_ptr_array_unref (names);
          finish_later (ev);
          return;
        }
      /* RFC 7489 §6.6.3: the author domain, then its organizational domain. */
      g_ptr_array_add (names, g_strdup (v->author_domain));
      if (g_strcmp0 (org, v->author_domain) != 0)
        g_ptr_array_add (names, g_strdup (org));
      g_ptr_array_add (names, NULL);
      v->organizational_domain = g_steal_pointer (&org);
      walk_start (ev, (char **)g_ptr_array_free (names, FALSE), WALK_LEGACY,
                  on_author_walk_done);
    }
  else
    walk_start (
        ev, fct_dmarc_tree_walk_names (v->author_domain, ev->limits.dmarc_tree_walk_max),
        WALK_POLICY, on_author_walk_done);
}

typedef struct
{
  FctSyncCall call;
  FctDmarcVerdict *verdict;
  GError *error;
} SyncState;

static void
on_sync_done (FctDmarcVerdict *verdict, const GError *error, gpointer user_data)
{
  SyncState *st = user_data;
  st->verdict = verdict;
  st->error = error != NULL ? g_error_copy (error) : NULL;
  fct_sync_call_done (&st->call);
}

FctDmarcVerdict *
fct_dmarc_evaluate (FctResolver *resolver, const FctDmarcInputs *inputs,
                    const FctDmarcOptions *options, GError **error)
{
  SyncState st = { .verdict = NULL, .error = NULL };

  g_return_val_if_fail (resolver != NULL, NULL);
  g_return_val_if_fail (inputs != NULL, NULL);
  fct_sync_call_begin (&st.call, FALSE);
  fct_dmarc_evaluate_async (resolver, inputs, options, on_sync_done, &st);
  fct_sync_call_wait (&st.call);
  if (st.error != NULL)
    {
      g_propagate_error (error, st.error);
      return NULL;
    }
  return st.verdict;
}
