/* facteur — findings and the score out of 10 (include/facteur/score.h). */
#include <facteur/score.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

struct _FctFindings
{
  GPtrArray *items; /* FctFinding* (owned) */
  FctFindingsTable table;
};

const char *
fct_severity_to_string (FctSeverity severity)
{
  switch (severity)
    {
    case FCT_SEVERITY_INFO:
      return "info";
    case FCT_SEVERITY_WARNING:
      return "warning";
    case FCT_SEVERITY_CRITICAL:
      return "critical";
    }
  return "info";
}

const char *
fct_threat_to_string (FctThreat threat)
{
  switch (threat)
    {
    case FCT_THREAT_NONE:
      return "clean";
    case FCT_THREAT_SUSPICIOUS:
      return "suspicious";
    case FCT_THREAT_DANGEROUS:
      return "dangerous";
    }
  return "clean";
}

static const FctFindingWeight *
lookup_in (const FctFindingWeight *rows, gsize n, const char *id)
{
  for (gsize i = 0; i < n; i++)
    if (g_str_equal (rows[i].id, id))
      return &rows[i];
  return NULL;
}

const FctFindingWeight *
fct_finding_weight_lookup_in (FctFindingsTable table, const char *id)
{
  gsize n = 0;
  g_return_val_if_fail (id != NULL, NULL);
  const FctFindingWeight *rows = table == FCT_FINDINGS_DOMAIN
                                     ? fct_finding_weights_domain (&n)
                                     : fct_finding_weights_message (&n);
  return lookup_in (rows, n, id);
}

const FctFindingWeight *
fct_finding_weight_lookup (const char *id)
{
  return fct_finding_weight_lookup_in (FCT_FINDINGS_MESSAGE, id);
}

static void
finding_free (FctFinding *finding)
{
  g_free (finding->detail);
  g_free (finding->fix);
  g_free (finding->evidence);
  g_free (finding);
}

FctFindings *
fct_findings_new_for (FctFindingsTable table)
{
  FctFindings *findings = g_new0 (FctFindings, 1);
  findings->items = g_ptr_array_new_with_free_func ((GDestroyNotify)finding_free);
  findings->table = table;
  return findings;
}

FctFindings *
fct_findings_new (void)
{
  return fct_findings_new_for (FCT_FINDINGS_MESSAGE);
}

void
fct_findings_free (FctFindings *findings)
{
  if (findings == NULL)
    return;
  g_ptr_array_unref (findings->items);
  g_free (findings);
}

/* Every string of a finding reaches a report (JSON, a web page, a terminal), which must
 * be valid UTF-8; the bytes come from messages and DNS, which need not be. Each byte of
 * an invalid sequence is shown as \xHH, so the reader sees what was there and nothing
 * can be read as a different character; so is each control character but tab and line
 * feed (an escape sequence would act on a terminal, and json-glib writes some of them
 * raw, which strict JSON parsers refuse). This is the one place where it is enforced, so
 * that callers pass raw values. */
static char *
utf8_escaped (const char *s)
{
  const char *p, *end;
  GString *out;

  if (s == NULL)
    return NULL;
  out = g_string_sized_new (strlen (s) + 16);
  for (p = s; *p != '\0'; p = end)
    {
      guint8 c = (guint8)*p;

      if (c < 0x80)
        {
          if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            g_string_append_printf (out, "\\x%02X", (guint)c);
          else
            g_string_append_c (out, (char)c);
          end = p + 1;
          continue;
        }
      /* One multi-byte character, or one byte of an invalid sequence. */
      gunichar ch = g_utf8_get_char_validated (p, -1);
      if (ch == (gunichar)-1 || ch == (gunichar)-2)
        {
          g_string_append_printf (out, "\\x%02X", (guint)c);
          end = p + 1;
          continue;
        }
      end = g_utf8_next_char (p);
      g_string_append_len (out, p, end - p);
    }
  return g_string_free (out, FALSE);
}

FctFinding *
fct_findings_add (FctFindings *findings, const char *id, const char *detail_format, ...)
{
  const FctFindingWeight *weight;
  FctFinding *finding;
  va_list args;

  g_return_val_if_fail (findings != NULL && id != NULL, NULL);
  weight = fct_finding_weight_lookup_in (findings->table, id);
  /* An id outside the tables would be scored arbitrarily: a programmer error. */
  g_return_val_if_fail (weight != NULL, NULL);

  finding = g_new0 (FctFinding, 1);
  finding->weight = weight;
  if (detail_format != NULL)
    {
      va_start (args, detail_format);
      g_autofree char *detail = g_strdup_vprintf (detail_format, args);
      va_end (args);
      finding->detail = utf8_escaped (detail);
    }
  g_ptr_array_add (findings->items, finding);
  return finding;
}

void
fct_finding_set_fix (FctFinding *finding, const char *fix)
{
  g_return_if_fail (finding != NULL);
  g_free (finding->fix);
  finding->fix = utf8_escaped (fix);
}

void
fct_finding_set_evidence (FctFinding *finding, const char *evidence)
{
  g_return_if_fail (finding != NULL);
  g_free (finding->evidence);
  finding->evidence = utf8_escaped (evidence);
}

guint
fct_findings_get_count (const FctFindings *findings)
{
  g_return_val_if_fail (findings != NULL, 0);
  return findings->items->len;
}

const FctFinding *
fct_findings_get (const FctFindings *findings, guint index)
{
  g_return_val_if_fail (findings != NULL && index < findings->items->len, NULL);
  return g_ptr_array_index (findings->items, index);
}

gboolean
fct_findings_has (const FctFindings *findings, const char *id)
{
  g_return_val_if_fail (findings != NULL && id != NULL, FALSE);
  for (guint i = 0; i < findings->items->len; i++)
    {
      const FctFinding *f = g_ptr_array_index (findings->items, i);
      if (g_str_equal (f->weight->id, id))
        return TRUE;
    }
  return FALSE;
}

static gint
by_points_desc (gconstpointer a, gconstpointer b)
{
  const FctFinding *fa = *(const FctFinding *const *)a;
  const FctFinding *fb = *(const FctFinding *const *)b;
  if (fa->weight->points > fb->weight->points)
    return -1;
  if (fa->weight->points < fb->weight->points)
    return 1;
  return 0;
}

void
fct_findings_sort (FctFindings *findings)
{
  g_return_if_fail (findings != NULL);
  /* g_ptr_array_sort is a stable merge sort in GLib, so ties keep their order. */
  g_ptr_array_sort (findings->items, by_points_desc);
}

double
fct_findings_score (const FctFindings *findings)
{
  double lost = 0;

  g_return_val_if_fail (findings != NULL, 0);
  for (guint i = 0; i < findings->items->len; i++)
    {
      const FctFinding *f = g_ptr_array_index (findings->items, i);
      lost += f->weight->points;
    }
  double score = CLAMP (10.0 - lost, 0.0, 10.0);
  return round (score * 10.0) / 10.0;
}

/* The verdict (docs/SCORING.md, "Threat verdict"): the highest threat of any finding,
 * except that suspicious findings from two different sections make the message
 * dangerous. Each section is a separate piece of evidence (the sender is not
 * authenticated, and the links lie; replies go to a free mailbox, and the bank account
 * is foreign), and a genuine message rarely shows two; two findings of one section
 * often come from one cause. Nothing lowers the verdict: a passing DMARC is what a
 * compromised supplier mailbox gives too. */
FctThreat
fct_findings_threat (const FctFindings *findings, GPtrArray **deciding)
{
  FctThreat level = FCT_THREAT_NONE;
  const char *first_section = NULL;
  gboolean two_sections = FALSE;

  g_return_val_if_fail (findings != NULL, FCT_THREAT_NONE);
  for (guint i = 0; i < findings->items->len; i++)
    {
      const FctFinding *f = g_ptr_array_index (findings->items, i);
      level = MAX (level, f->weight->threat);
      if (f->weight->threat != FCT_THREAT_SUSPICIOUS)
        continue;
      if (first_section == NULL)
        first_section = f->weight->section;
      else if (!g_str_equal (first_section, f->weight->section))
        two_sections = TRUE;
    }
  /* Escalated: the suspicious findings are what decided. */
  FctThreat deciding_level = level;
  if (level == FCT_THREAT_SUSPICIOUS && two_sections)
    level = FCT_THREAT_DANGEROUS;
  if (deciding != NULL)
    {
      *deciding = g_ptr_array_new ();
      for (guint i = 0; deciding_level != FCT_THREAT_NONE && i < findings->items->len; i++)
        {
          const FctFinding *f = g_ptr_array_index (findings->items, i);
          if (f->weight->threat == deciding_level
              && !g_ptr_array_find_with_equal_func (*deciding, f->weight->id, g_str_equal,
                                                    NULL))
            g_ptr_array_add (*deciding, (gpointer)f->weight->id);
        }
    }
  return level;
}

/* The sections whose findings advise the sender (will the mail arrive?) rather than
 * warn the reader. */
static const char *const sender_sections[]
    = { "authentication", "headers", "size", "transport", "bulk", "blocklists" };

gboolean
fct_finding_weight_advises_sender (const FctFindingWeight *weight)
{
  g_return_val_if_fail (weight != NULL, FALSE);
  for (gsize s = 0; s < G_N_ELEMENTS (sender_sections); s++)
    if (g_str_equal (weight->section, sender_sections[s]))
      return TRUE;
  return FALSE;
}

void
fct_findings_withhold_sender_advice (FctFindings *findings)
{
  g_return_if_fail (findings != NULL);
  for (guint i = 0; i < findings->items->len; i++)
    {
      FctFinding *f = g_ptr_array_index (findings->items, i);
      if (!fct_finding_weight_advises_sender (f->weight))
        continue;
      g_free (f->detail);
      f->detail = g_strdup_printf (
          _ ("%s. This is evidence for the reader, not advice: the message is judged "
             "dangerous, so facteur gives its sender no advice."),
          fct_finding_get_title (f));
      g_clear_pointer (&f->fix, g_free);
    }
}

const char *
fct_finding_get_title (const FctFinding *finding)
{
  g_return_val_if_fail (finding != NULL, NULL);
  return _ (finding->weight->title);
}
