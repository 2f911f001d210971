/* facteur filter — from a check report to what the MTA does: the action of the threat
 * verdict and of the DMARC outcome (RFC 9989 §5.3.4: a receiver applies the domain's
 * policy, here with the ARC exception of RFC 8617 §7.2 for trusted sealers), then the
 * header edits (our Authentication-Results replacing any carrying our authserv-id, RFC
 * 8601 §5; the verdict field; the subject prefix), the banner and the SMTP reply. */
#include "filter-private.h"

#include <facteur/authres.h>
#include <string.h>

static const struct
{
  const char *name;
  FctFilterAction action;
} action_names[] = {
  { "prefix", FCT_FILTER_ACTION_PREFIX },         { "banner", FCT_FILTER_ACTION_BANNER },
  { "quarantine", FCT_FILTER_ACTION_QUARANTINE }, { "reject", FCT_FILTER_ACTION_REJECT },
  { "tempfail", FCT_FILTER_ACTION_TEMPFAIL },
};

void
fct_filter_policy_init (FctFilterPolicy *policy)
{
  *policy = (FctFilterPolicy){
    .on_clean = FCT_FILTER_ACTION_ACCEPT,
    .on_suspicious = FCT_FILTER_ACTION_PREFIX | FCT_FILTER_ACTION_BANNER,
    .on_dangerous = FCT_FILTER_ACTION_PREFIX | FCT_FILTER_ACTION_BANNER,
    .on_dmarc_reject = FCT_FILTER_ACTION_REJECT,
    .on_dmarc_quarantine = FCT_FILTER_ACTION_PREFIX,
    .on_dns_error = FCT_FILTER_ACTION_ACCEPT,
    .on_error = FCT_FILTER_ACTION_ACCEPT,
  };
}

gboolean
fct_filter_action_parse (const char *text, FctFilterAction *action, GError **error)
{
  g_auto (GStrv) words = g_strsplit_set (text != NULL ? text : "", ", \t", -1);
  FctFilterAction out = FCT_FILTER_ACTION_ACCEPT;
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      gboolean known = FALSE;
      if (words[i][0] == '\0')
        continue;
      n++;
      if (g_ascii_strcasecmp (words[i], "accept") == 0)
        known = TRUE;
      for (gsize k = 0; !known && k < G_N_ELEMENTS (action_names); k++)
        if (g_ascii_strcasecmp (words[i], action_names[k].name) == 0)
          {
            out |= action_names[k].action;
            known = TRUE;
          }
      if (!known)
        {
          g_set_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_INVALID,
                       _ ("“%s” is not an action (accept, prefix, banner, quarantine, "
                          "reject, tempfail)"),
                       words[i]);
          return FALSE;
        }
    }
  if (n == 0)
    {
      g_set_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_INVALID, "%s",
                   _ ("an action list is empty"));
      return FALSE;
    }
  *action = out;
  return TRUE;
}

char *
fct_filter_action_to_string (FctFilterAction action)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (gsize k = 0; k < G_N_ELEMENTS (action_names); k++)
    if (action & action_names[k].action)
      {
        if (s->len > 0)
          g_string_append_c (s, ',');
        g_string_append (s, action_names[k].name);
      }
  if (s->len == 0)
    g_string_append (s, "accept");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
edit_free (FctFilterEdit *edit)
{
  g_free (edit->name);
  g_free (edit->value);
  g_free (edit);
}

void
fct_filter_decision_free (FctFilterDecision *d)
{
  if (d == NULL)
    return;
  g_free (d->quarantine_reason);
  g_free (d->reply_code);
  g_free (d->reply_xcode);
  g_free (d->reply_text);
  g_ptr_array_unref (d->edits);
  if (d->body != NULL)
    g_bytes_unref (d->body);
  g_free (d->reason);
  g_free (d->verdict);
  g_free (d);
}

static void
add_edit (FctFilterDecision *d, FctFilterEditKind kind, const char *name, guint index,
          const char *value)
{
  FctFilterEdit *e = g_new0 (FctFilterEdit, 1);
  e->kind = kind;
  e->name = g_strdup (name);
  e->index = index;
  e->value = g_strdup (value);
  g_ptr_array_add (d->edits, e);
}

/* A reply line as libmilter takes it: printable ASCII only, no '%' (it would be read as
 * a format), at most 400 characters (RFC 5321 §4.5.3.1.5 allows 512 with the code). */
static char *
reply_text_clean (const char *text)
{
  GString *s = g_string_new (NULL);
  for (const char *p = text; *p && s->len < 400; p++)
    if ((guchar)*p >= 0x20 && (guchar)*p < 0x7f && *p != '%')
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

static void
set_reply (FctFilterDecision *d, const char *code, const char *xcode, const char *text)
{
  d->reply_code = g_strdup (code);
  d->reply_xcode = g_strdup (xcode);
  d->reply_text = reply_text_clean (text);
}

/* RFC 8617 §7.2: a DMARC pass recorded in the AAR of a sealer we trust, on a chain that
 * validates, stands for the original authentication that forwarding broke. The pass
 * must be for this message's author domain (its header.from): a seal covers only the
 * ARC fields (RFC 8617 §5.1.1) and only the latest AMS is checked (§5.2), so a later
 * hop can rewrite the From under a trusted sealer's pass of another domain and still
 * present a valid chain. */
static const char *
trusted_arc_dmarc_pass (const FctCheckReport *report, const FctFilterPolicy *policy)
{
  if (policy->trusted_arc_sealers == NULL || report->arc == NULL
      || report->arc->cv != FCT_ARC_CV_PASS)
    return NULL;
  for (guint i = 0; i < report->arc->sets->len; i++)
    {
      const FctArcSet *set = g_ptr_array_index (report->arc->sets, i);
      gboolean trusted = FALSE;
      for (guint k = 0; set->seal_domain != NULL && policy->trusted_arc_sealers[k]; k++)
        trusted
            = trusted
              || g_ascii_strcasecmp (set->seal_domain, policy->trusted_arc_sealers[k]) == 0;
      if (!trusted || set->results == NULL)
        continue;
      g_autoptr (FctAuthres) ar
          = fct_authres_parse (set->results, strlen (set->results), NULL, NULL);
      for (guint r = 0; ar != NULL && r < ar->results->len; r++)
        {
          const FctAuthresResult *res = g_ptr_array_index (ar->results, r);
          const char *from = fct_authres_result_get_property (res, "header", "from");
          if (g_str_equal (res->method, "dmarc") && g_str_equal (res->result, "pass")
              && from != NULL && report->dmarc->author_domain != NULL
              && g_ascii_strcasecmp (from, report->dmarc->author_domain) == 0)
            return set->seal_domain;
        }
    }
  return NULL;
}

/* A DNS failure that leaves the verdict open. Once DMARC passes, the From domain is
 * authenticated: an SPF or a second signature that could not be checked changes
 * nothing, and must not hold the message (on_dns_error = tempfail) for it. */
static gboolean
report_dns_error (const FctCheckReport *r)
{
  if (r->dmarc != NULL && r->dmarc->result == FCT_DMARC_RESULT_PASS)
    return FALSE;
  return g_str_equal (fct_check_report_spf_result (r), "temperror")
         || g_str_equal (fct_check_report_dkim_result (r), "temperror")
         || (r->dmarc != NULL && r->dmarc->result == FCT_DMARC_RESULT_TEMPERROR)
         || (r->arc != NULL && r->arc->temporary);
}

/* The value of a field we add: a space after the colon; folded at "; " only when the
 * line would pass the 998-character limit (RFC 5322 §2.1.1). */
static char *
field_value (const char *name, const char *value)
{
  if (strlen (name) + strlen (value) + 3 < 998)
    return g_strconcat (" ", value, NULL);
  g_autofree char *folded = fct_filter_replace (value, "; ", ";\n\t");
  return g_strconcat (" ", folded, NULL);
}

static char *
verdict_value (FctFilterMessage *m, const FctCheckReport *r, const GError *error)
{
  GString *s = g_string_new (NULL);

  if (r == NULL)
    {
      gboolean timeout
          = error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_string_append_printf (s, "unchecked; reason=%s", timeout ? "time-budget" : "error");
    }
  else
    {
      g_string_append_printf (s, "%s; score=%.1f", fct_threat_to_string (r->threat),
                              r->score);
      if (r->threat_findings != NULL && r->threat_findings->len > 0)
        {
          g_string_append (s, "; findings=");
          for (guint i = 0; i < r->threat_findings->len; i++)
            g_string_append_printf (
                s, "%s%s", i > 0 ? "," : "",
                (const char *)g_ptr_array_index (r->threat_findings, i));
        }
    }
  /* What the time budget cut short: the verdict stands on the answers that came. */
  if (r != NULL && r->cut_short != 0)
    {
      g_autofree char *cut = fct_check_cut_to_string (r->cut_short);
      g_string_append_printf (s, "; cut-short=%s", cut);
    }
  /* Judged without the bank-account history (its database unreachable): a reader of
   * the field knows a new IBAN could not be flagged. */
  if (r != NULL && fct_findings_has (r->findings, "iban-history-unavailable"))
    g_string_append (s, "; iban-history=unavailable");
  if (fct_filter_message_is_partial (m))
    g_string_append (s, "; partial");
  return g_string_free (s, FALSE);
}

/* The translated titles of the findings that decided the threat, "; "-joined. */
static char *
threat_titles (const FctCheckReport *r)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; r->threat_findings != NULL && i < r->threat_findings->len; i++)
    for (guint k = 0; k < fct_findings_get_count (r->findings); k++)
      {
        const FctFinding *f = fct_findings_get (r->findings, k);
        if (!g_str_equal (f->weight->id, g_ptr_array_index (r->threat_findings, i)))
          continue;
        if (s->len > 0)
          g_string_append (s, "; ");
        g_string_append (s, fct_finding_get_title (f));
        break;
      }
  return g_string_free (s, FALSE);
}

/* The warning: the threat when there is one, else the DMARC failure that called for
 * it, else (a banner asked for clean mail) that nothing was found. */
static char *
banner_text (const FctCheckReport *r, gboolean dmarc_failed)
{
  g_autofree char *titles = threat_titles (r);
  if (r->threat == FCT_THREAT_DANGEROUS)
    return g_strdup_printf (_ ("WARNING: facteur judged this message dangerous (%s). Do "
                               "not pay, click, open or answer before checking with the "
                               "sender through a channel you already know."),
                            titles);
  if (r->threat == FCT_THREAT_SUSPICIOUS && titles[0] != '\0')
    return g_strdup_printf (
        _ ("Caution: facteur judged this message suspicious (%s). Check "
           "with the sender through a channel you already know before "
           "acting on it."),
        titles);
  if (dmarc_failed)
    return g_strdup (_ ("Caution: the sender's domain does not authenticate this message "
                        "(DMARC). It may not come from who it claims. Check with the "
                        "sender through a channel you already know before acting on "
                        "it."));
  return g_strdup (_ ("facteur checked this message and found no sign of fraud."));
}

static void
apply_prefix (FctFilterDecision *d, FctMsg *msg, const FctCheckReport *r)
{
  const char *prefix
      = r != NULL && r->threat == FCT_THREAT_DANGEROUS ? _ ("[FRAUD?]") : _ ("[SUSPECT]");
  const FctMsgHeader *subject
      = msg != NULL ? fct_msg_find_header (msg, "Subject", 0) : NULL;

  if (subject == NULL)
    {
      g_autofree char *value = g_strconcat (" ", prefix, NULL);
      add_edit (d, FCT_FILTER_EDIT_INSERT, "Subject", 0, value);
      return;
    }
  /* The subject as written, its folding kept (CRLF becomes the milter's LF). */
  g_autofree char *raw
      = g_strndup ((const char *)subject->value_raw.ptr, subject->value_raw.len);
  g_autofree char *lf = fct_filter_replace (raw, "\r\n", "\n");
  /* A bare CR (kept by the parser) would end the line for some readers. */
  g_strdelimit (lf, "\r", ' ');
  const char *rest = lf;
  while (*rest == ' ' || *rest == '\t')
    rest++;
  if (g_str_has_prefix (rest, prefix))
    return; /* already marked (a message that came round twice) */
  g_autofree char *value = g_strdup_printf (" %s %s", prefix, rest);
  add_edit (d, FCT_FILTER_EDIT_CHANGE, "Subject", 1, value);
}

static void
apply_banner (FctFilterDecision *d, FctFilterMessage *m, FctMsg *msg,
              const FctCheckReport *r, gboolean dmarc_failed)
{
  g_autofree char *text = banner_text (r, dmarc_failed);
  g_autofree char *content_type = NULL, *encoding = NULL;

  if (fct_filter_message_is_partial (m) || msg == NULL)
    return; /* the body we do not have cannot be rewritten */
  d->body = fct_filter_banner_apply (msg, text, &content_type, &encoding);
  if (d->body == NULL)
    return;
  if (content_type != NULL)
    {
      g_autofree char *v = g_strconcat (" ", content_type, NULL);
      if (fct_msg_find_header (msg, "Content-Type", 0) != NULL)
        add_edit (d, FCT_FILTER_EDIT_CHANGE, "Content-Type", 1, v);
      else
        add_edit (d, FCT_FILTER_EDIT_INSERT, "Content-Type", G_MAXUINT, v);
    }
  if (encoding != NULL)
    {
      g_autofree char *v = g_strconcat (" ", encoding, NULL);
      if (fct_msg_find_header (msg, "Content-Transfer-Encoding", 0) != NULL)
        add_edit (d, FCT_FILTER_EDIT_CHANGE, "Content-Transfer-Encoding", 1, v);
      else
        add_edit (d, FCT_FILTER_EDIT_INSERT, "Content-Transfer-Encoding", G_MAXUINT, v);
    }
}

FctFilterDecision *
fct_filter_decide (FctFilterMessage *m, const FctCheckReport *r, const GError *error,
                   const FctFilterPolicy *policy)
{
  FctFilterDecision *d = g_new0 (FctFilterDecision, 1);
  const GArray *forged = fct_filter_message_get_forged (m);
  const GArray *verdicts = fct_filter_message_get_verdict_fields (m);
  FctFilterAction dmarc_action = FCT_FILTER_ACTION_ACCEPT;
  FctFilterAction threat_action = FCT_FILTER_ACTION_ACCEPT;
  g_autoptr (GString) reason = g_string_new (NULL);
  const char *field = policy->verdict_field != NULL ? policy->verdict_field : "X-Facteur";
  const char *dmarc_domain = NULL;

  d->edits = g_ptr_array_new_with_free_func ((GDestroyNotify)edit_free);
  d->verdict = verdict_value (m, r, error);

  /* RFC 8601 §5: ours or forged, they go; from the last so that indices hold. */
  for (guint i = forged->len; i > 0; i--)
    add_edit (d, FCT_FILTER_EDIT_DELETE, "Authentication-Results",
              g_array_index (forged, guint, i - 1), NULL);
  /* A verdict field that came with the message is the sender's word ("clean"), not
   * ours: the rules downstream that read it must see ours alone. */
  for (guint i = verdicts->len; i > 0; i--)
    add_edit (d, FCT_FILTER_EDIT_DELETE, field, g_array_index (verdicts, guint, i - 1),
              NULL);

  if (r == NULL)
    {
      d->actions = policy->on_error;
      g_string_append_printf (reason, "no verdict: %s",
                              error != NULL ? error->message : "unknown error");
    }
  else
    {
      switch (r->threat)
        {
        case FCT_THREAT_DANGEROUS:
          threat_action = policy->on_dangerous;
          break;
        case FCT_THREAT_SUSPICIOUS:
          threat_action = policy->on_suspicious;
          break;
        case FCT_THREAT_NONE:
          threat_action = policy->on_clean;
          break;
        }
      g_string_append (reason, fct_threat_to_string (r->threat));
      if (r->dmarc != NULL && r->dmarc->result == FCT_DMARC_RESULT_FAIL
          && (r->dmarc->disposition == FCT_DMARC_POLICY_REJECT
              || r->dmarc->disposition == FCT_DMARC_POLICY_QUARANTINE))
        {
          const char *sealer = trusted_arc_dmarc_pass (r, policy);
          gboolean reject = r->dmarc->disposition == FCT_DMARC_POLICY_REJECT;
          dmarc_domain = r->dmarc->author_domain;
          if (sealer != NULL)
            g_string_append_printf (reason, " dmarc-%s %s lifted by arc %s",
                                    reject ? "reject" : "quarantine", dmarc_domain, sealer);
          else
            {
              dmarc_action = reject ? policy->on_dmarc_reject : policy->on_dmarc_quarantine;
              g_string_append_printf (reason, " dmarc-%s %s",
                                      reject ? "reject" : "quarantine", dmarc_domain);
            }
        }
      d->actions = threat_action | dmarc_action;
      if (r->cut_short != 0)
        {
          g_autofree char *cut = fct_check_cut_to_string (r->cut_short);
          g_string_append_printf (reason, " cut-short=%s", cut);
        }
      if (report_dns_error (r))
        {
          d->actions |= policy->on_dns_error;
          g_string_append (reason, " dns-temperror");
        }
    }

  if (d->actions & FCT_FILTER_ACTION_REJECT)
    {
      d->disposition = FCT_FILTER_DISPOSITION_REJECT;
      /* SMTP replies go to any sender: ASCII English (RFC 5321 §4.5.3.1.5 line). */
      if ((dmarc_action & FCT_FILTER_ACTION_REJECT) && dmarc_domain != NULL)
        {
          g_autofree char *t = g_strdup_printf (
              "Rejected by the DMARC policy of %s: the message is not authenticated as "
              "coming from that domain (RFC 9989)",
              dmarc_domain);
          set_reply (d, "550", "5.7.1", t);
        }
      else if (r != NULL && (threat_action & FCT_FILTER_ACTION_REJECT))
        {
          g_autoptr (GString) ids = g_string_new (NULL);
          for (guint i = 0; r->threat_findings != NULL && i < r->threat_findings->len; i++)
            g_string_append_printf (
                ids, "%s%s", i > 0 ? ", " : "",
                (const char *)g_ptr_array_index (r->threat_findings, i));
          g_autofree char *t = g_strdup_printf ("Rejected as %s: %s",
                                                fct_threat_to_string (r->threat), ids->str);
          set_reply (d, "550", "5.7.1", t);
        }
      else
        set_reply (d, "550", "5.7.1", "Rejected by the mail filter's policy");
    }
  else if (d->actions & FCT_FILTER_ACTION_TEMPFAIL)
    {
      d->disposition = FCT_FILTER_DISPOSITION_TEMPFAIL;
      if (r == NULL)
        set_reply (d, "451", "4.3.0", "The message could not be checked; try again later");
      else
        set_reply (d, "451", "4.7.1",
                   "The message could not be authenticated for now (DNS); try again "
                   "later");
    }
  else
    {
      g_autoptr (FctMsg) msg = NULL;
      if (d->actions & (FCT_FILTER_ACTION_PREFIX | FCT_FILTER_ACTION_BANNER))
        msg = fct_filter_message_to_msg (m, NULL);
      if (d->actions & FCT_FILTER_ACTION_PREFIX)
        apply_prefix (d, msg, r);
      if ((d->actions & FCT_FILTER_ACTION_BANNER) && r != NULL)
        apply_banner (d, m, msg, r, dmarc_action != FCT_FILTER_ACTION_ACCEPT);
      if (d->actions & FCT_FILTER_ACTION_QUARANTINE)
        {
          d->quarantine = TRUE;
          d->quarantine_reason = g_strdup_printf ("facteur: %s", reason->str);
        }
      /* Inserted at the top, last first: Authentication-Results ends up first. */
      g_autofree char *verdict = field_value (field, d->verdict);
      add_edit (d, FCT_FILTER_EDIT_INSERT, field, 0, verdict);
      if (r != NULL)
        {
          g_autofree char *ar
              = field_value ("Authentication-Results", r->authentication_results);
          add_edit (d, FCT_FILTER_EDIT_INSERT, "Authentication-Results", 0, ar);
        }
    }
  d->reason = g_string_free (g_steal_pointer (&reason), FALSE);
  return d;
}

/* ---------------------------------------------------------------- applying */

/* One header field of the final message. */
typedef struct
{
  char *name;
  char *value; /* after the colon, CRLF folding */
} Field;

static void
field_free (Field *f)
{
  g_free (f->name);
  g_free (f->value);
  g_free (f);
}

static Field *
field_new (const char *name, const char *milter_value)
{
  Field *f = g_new0 (Field, 1);
  f->name = g_strdup (name);
  g_autofree char *crlf = fct_filter_replace (milter_value, "\n", "\r\n");
  f->value = g_steal_pointer (&crlf);
  return f;
}

/* The index-th (1-based) field named name, as the MTA counts for a change. */
static gint
find_nth (GPtrArray *fields, const char *name, guint index)
{
  guint n = 0;
  for (guint i = 0; i < fields->len; i++)
    {
      Field *f = g_ptr_array_index (fields, i);
      if (g_ascii_strcasecmp (f->name, name) == 0 && ++n == index)
        return (gint)i;
    }
  return -1;
}

GBytes *
fct_filter_decision_apply (FctFilterMessage *m, const FctFilterDecision *d)
{
  if (fct_filter_message_is_partial (m))
    return NULL;
  g_autoptr (FctMsg) msg = fct_filter_message_to_msg (m, NULL);
  if (msg == NULL)
    return NULL;
  g_autoptr (GPtrArray) fields
      = g_ptr_array_new_with_free_func ((GDestroyNotify)field_free);
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      Field *f = g_new0 (Field, 1);
      f->name = g_strndup ((const char *)h->name.ptr, h->name.len);
      f->value = g_strndup ((const char *)h->value_raw.ptr, h->value_raw.len);
      g_ptr_array_add (fields, f);
    }
  for (guint i = 0; i < d->edits->len; i++)
    {
      const FctFilterEdit *e = g_ptr_array_index (d->edits, i);
      gint at;
      switch (e->kind)
        {
        case FCT_FILTER_EDIT_DELETE:
          at = find_nth (fields, e->name, e->index);
          if (at >= 0)
            g_ptr_array_remove_index (fields, (guint)at);
          break;
        case FCT_FILTER_EDIT_CHANGE:
          at = find_nth (fields, e->name, e->index);
          if (at >= 0)
            {
              Field *f = g_ptr_array_index (fields, (guint)at);
              g_free (f->value);
              f->value = fct_filter_replace (e->value, "\n", "\r\n");
            }
          break;
        case FCT_FILTER_EDIT_INSERT:
          g_ptr_array_insert (fields, (gint)MIN (e->index, fields->len),
                              field_new (e->name, e->value));
          break;
        }
    }
  GByteArray *out = g_byte_array_new ();
  for (guint i = 0; i < fields->len; i++)
    {
      Field *f = g_ptr_array_index (fields, i);
      g_byte_array_append (out, (const guint8 *)f->name, (guint)strlen (f->name));
      g_byte_array_append (out, (const guint8 *)":", 1);
      g_byte_array_append (out, (const guint8 *)f->value, (guint)strlen (f->value));
      g_byte_array_append (out, (const guint8 *)"\r\n", 2);
    }
  g_byte_array_append (out, (const guint8 *)"\r\n", 2);
  if (d->body != NULL)
    g_byte_array_append (out, g_bytes_get_data (d->body, NULL),
                         (guint)g_bytes_get_size (d->body));
  else
    {
      FctSlice body = fct_msg_get_body (msg);
      g_byte_array_append (out, body.ptr, (guint)body.len);
    }
  return g_byte_array_free_to_bytes (out);
}
