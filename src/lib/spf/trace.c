/* facteur — the steps of an SPF evaluation (RFC 7208 §4.6 to §6): the memory they live in,
 * and their wording for people (the evaluator records data; this makes sentences). */
#include "spf-private.h"

#include <glib/gi18n-lib.h>

char *
fct_spf_trace_step_to_string (const FctSpfTraceStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);

  const char *result = fct_spf_result_to_string (step->result);
  const char *term = step->term != NULL ? step->term : "";
  const char *detail = step->detail != NULL ? step->detail : "";

  switch (step->kind)
    {
    case FCT_SPF_STEP_RECORD:
      return g_strdup_printf (_ ("record of %s: %s"), step->domain, detail);
    case FCT_SPF_STEP_INCLUDE:
      return g_strdup_printf (_ ("%s: reading the record of %s"), term, detail);
    case FCT_SPF_STEP_REDIRECT:
      return g_strdup_printf (_ ("no mechanism matched: redirect=%s"), detail);
    case FCT_SPF_STEP_MATCH:
      if (step->detail != NULL)
        return g_strdup_printf (_ ("%s matched through %s: %s"), term, detail, result);
      return g_strdup_printf (_ ("%s matched: %s"), term, result);
    case FCT_SPF_STEP_NO_MATCH:
      return g_strdup_printf (_ ("no mechanism matched: %s (the default, RFC 7208 §4.7)"),
                              result);
    case FCT_SPF_STEP_SKIPPED:
      return g_strdup_printf (_ ("%s: “%s” is not a domain name, no match"), term, detail);
    case FCT_SPF_STEP_END:
      return g_strdup_printf ("%s: %s", result, detail);
    }
  return g_strdup (detail);
}

/* The verdict's trace steps live in a chain of blocks (verdict->trace_memory), freed
 * with the verdict: a check records a dozen steps or more, and one allocation per step
 * cost more than the rest of a cached check. */
typedef struct TraceBlock
{
  struct TraceBlock *next;
  gsize used;
  gsize size;
} TraceBlock;

/* Under glibc's per-thread cache limit (1,032 bytes): larger blocks take the slower
 * paths of malloc and free. */
#define TRACE_BLOCK_SIZE 896

void
fct_spf_trace_memory_free (gpointer memory)
{
  for (TraceBlock *b = memory, *next; b != NULL; b = next)
    {
      next = b->next;
      g_free (b);
    }
}

gpointer
fct_spf_trace_alloc (FctSpfVerdict *verdict, gsize need)
{
  TraceBlock *head = verdict->trace_memory;
  const gsize align = G_ALIGNOF (FctSpfTraceStep);

  /* The header is a multiple of the alignment: three pointer-sized fields. */
  G_STATIC_ASSERT (sizeof (TraceBlock) % G_ALIGNOF (FctSpfTraceStep) == 0);
  need = (need + align - 1) / align * align;
  if (head == NULL || head->size - head->used < need)
    {
      /* Bounded: a step holds names and a record already in memory. */
      gsize size = MAX (TRACE_BLOCK_SIZE, need);
      TraceBlock *b = g_malloc (sizeof (TraceBlock) + size);
      b->next = head;
      b->used = 0;
      b->size = size;
      verdict->trace_memory = head = b;
    }
  gpointer at = (char *)(head + 1) + head->used;
  head->used += need;
  return at;
}
