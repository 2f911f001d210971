/* facteur check — bulk mail must let recipients leave: a List-Unsubscribe field (RFC
 * 2369 §3.2) and one-click unsubscription (RFC 8058: an HTTPS URI, List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click, both fields covered by a valid DKIM signature, §3.1 and
 * §4). Gmail and Yahoo require both of bulk senders since February 2024. */
#include "check-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* Addresses in To and Cc: '@' signs outside quoted strings and comments. */
static guint
count_recipients (const FctMsg *msg)
{
  static const char *const names[] = { "To", "Cc" };
  guint n = 0;

  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    for (guint i = 0;; i++)
      {
        const FctMsgHeader *h = fct_msg_find_header (msg, names[k], i);
        gboolean quoted = FALSE;
        guint comment = 0;
        if (h == NULL)
          break;
        for (gsize j = 0; j < h->value_len; j++)
          {
            char c = h->value[j];
            if (c == '\\' && j + 1 < h->value_len)
              j++;
            else if (quoted)
              quoted = c != '"';
            else if (c == '"' && comment == 0)
              quoted = TRUE;
            else if (c == '(')
              comment++;
            else if (c == ')' && comment > 0)
              comment--;
            else if (c == '@' && comment == 0)
              n++;
          }
      }
  return n;
}

static gboolean
value_is (const FctMsgHeader *h, const char *word)
{
  g_autofree char *v = g_strstrip (g_strndup (h->value, h->value_len));
  return g_ascii_strcasecmp (v, word) == 0;
}

/* Why the message counts as bulk, or NULL (transfer none, translated). */
static const char *
bulk_reason (const FctMsg *msg, guint recipients_min)
{
  const FctMsgHeader *precedence = fct_msg_find_header (msg, "Precedence", 0);

  if (fct_msg_find_header (msg, "List-Id", 0) != NULL)
    return _ ("it has a List-Id field");
  if (precedence != NULL
      && (value_is (precedence, "bulk") || value_is (precedence, "list")))
    return _ ("it says Precedence: bulk");
  if (count_recipients (msg) >= recipients_min)
    return _ ("it is addressed to many recipients");
  return NULL;
}

static gboolean
has_https_uri (const FctMsgHeader *h)
{
  /* RFC 2369 §2: a list of <URI>; RFC 8058 §3.1 needs one of them HTTPS. */
  g_autofree char *v = g_ascii_strdown (h->value, (gssize)h->value_len);
  return strstr (v, "<https://") != NULL;
}

static gboolean
signed_list (const char *signed_headers, const char *name)
{
  g_auto (GStrv) names = g_strsplit (signed_headers != NULL ? signed_headers : "", ":", -1);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return TRUE;
  return FALSE;
}

static gboolean
dkim_covers (const FctDkimVerifyResult *dkim)
{
  for (guint i = 0; dkim != NULL && i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      if (s->result == FCT_DKIM_RESULT_PASS
          && signed_list (s->signed_headers, "list-unsubscribe")
          && signed_list (s->signed_headers, "list-unsubscribe-post"))
        return TRUE;
    }
  return FALSE;
}

void
fct_check_bulk_findings (const FctMsg *msg, const FctDkimVerifyResult *dkim,
                         guint recipients_min, FctFindings *findings)
{
  const FctMsgHeader *unsubscribe = fct_msg_find_header (msg, "List-Unsubscribe", 0);
  const FctMsgHeader *post = fct_msg_find_header (msg, "List-Unsubscribe-Post", 0);
  const char *why = bulk_reason (msg, recipients_min);
  const char *missing = NULL;

  if (why == NULL)
    {
      /* A List-Unsubscribe field is the sender saying it is bulk: one-click applies. */
      if (unsubscribe == NULL)
        return;
      why = _ ("it has a List-Unsubscribe field");
    }
  if (unsubscribe == NULL)
    {
      fct_findings_add (findings, "unsubscribe-missing",
                        _ ("The message is bulk mail (%s) but has no List-Unsubscribe "
                           "field (RFC 2369); Gmail and Yahoo require one. Add "
                           "List-Unsubscribe: <https://...>, <mailto:...>."),
                        why);
      return;
    }
  if (!has_https_uri (unsubscribe))
    missing = _ ("List-Unsubscribe has no https:// URI");
  else if (post == NULL || !value_is (post, "List-Unsubscribe=One-Click"))
    missing = _ ("there is no List-Unsubscribe-Post: List-Unsubscribe=One-Click field");
  else if (!dkim_covers (dkim))
    missing = _ ("no valid DKIM signature covers List-Unsubscribe and "
                 "List-Unsubscribe-Post (RFC 8058 §4)");
  if (missing != NULL)
    fct_findings_add (findings, "unsubscribe-one-click-missing",
                      _ ("The message is bulk mail (%s) without one-click unsubscription "
                         "(RFC 8058): %s. Gmail and Yahoo require it of bulk senders."),
                      why, missing);
}
