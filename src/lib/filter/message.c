/* facteur filter — the message as an MTA hands it over (a milter's header and body
 * callbacks): kept up to a size for the check, streamed whole through the DKIM and ARC
 * verifiers and the DKIM signers; the Authentication-Results fields carrying our
 * authserv-id are noted for removal (RFC 8601 §5). */
#include "filter-private.h"

#include <facteur/dmarc.h>
#include <string.h>

G_DEFINE_QUARK (fct - filter - error - quark, fct_filter_error)

struct _FctFilterMessage
{
  gint ref_count;
  FctFilterMessageOptions options;
  char *authserv_id;
  const FctLimits *limits;
  GByteArray *header; /* kept fields, "Name:value" CRLF each */
  GByteArray *body;   /* kept body */
  guint64 size;
  guint n_fields, n_kept;
  gboolean partial;
  guint authres_seen; /* Authentication-Results fields so far */
  GArray *forged;     /* guint: their 1-based indices carrying our authserv-id */
  char *verdict_field;
  guint verdicts_seen; /* fields named verdict_field so far */
  GArray *verdicts;    /* guint: the 1-based indices of them all */
  guint from_fields;
  char *from_domain;
  FctDkimVerifier *dkim;
  FctArcVerifier *arc;
  GPtrArray *signers; /* FctDkimSigner * */
};

FctFilterMessage *
fct_filter_message_new (const FctFilterMessageOptions *options)
{
  FctFilterMessage *m;

  g_return_val_if_fail (options != NULL && options->authserv_id != NULL, NULL);
  m = g_new0 (FctFilterMessage, 1);
  m->ref_count = 1;
  m->options = *options;
  m->authserv_id = g_strdup (options->authserv_id);
  m->options.authserv_id = m->authserv_id;
  m->limits = options->limits != NULL ? options->limits : fct_limits_default ();
  if (m->options.scan_max_bytes == 0
      || m->options.scan_max_bytes > m->limits->message_max_bytes)
    m->options.scan_max_bytes = m->limits->message_max_bytes;
  m->header = g_byte_array_new ();
  m->body = g_byte_array_new ();
  m->forged = g_array_new (FALSE, FALSE, sizeof (guint));
  m->verdict_field
      = g_strdup (options->verdict_field != NULL ? options->verdict_field : "X-Facteur");
  m->options.verdict_field = m->verdict_field;
  m->verdicts = g_array_new (FALSE, FALSE, sizeof (guint));
  m->signers = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dkim_signer_free);
  if (options->resolver != NULL)
    {
      FctDkimVerifyOptions dkim
          = { .limits = m->limits, .key_cache = options->key_cache, .now = options->now };
      FctArcVerifyOptions arc = { .limits = m->limits, .now = options->now };
      m->dkim = fct_dkim_verifier_new (options->resolver, &dkim);
      m->arc = fct_arc_verifier_new (options->resolver, &arc);
    }
  return m;
}

FctFilterMessage *
fct_filter_message_ref (FctFilterMessage *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_atomic_int_inc (&m->ref_count);
  return m;
}

void
fct_filter_message_unref (FctFilterMessage *m)
{
  if (m == NULL || !g_atomic_int_dec_and_test (&m->ref_count))
    return;
  g_free (m->authserv_id);
  g_byte_array_unref (m->header);
  g_byte_array_unref (m->body);
  g_array_unref (m->forged);
  g_free (m->verdict_field);
  g_array_unref (m->verdicts);
  g_free (m->from_domain);
  if (m->dkim != NULL)
    fct_dkim_verifier_unref (m->dkim);
  if (m->arc != NULL)
    fct_arc_verifier_unref (m->arc);
  g_ptr_array_unref (m->signers);
  g_free (m);
}

/* A field name: printable ASCII but ':' (RFC 5322 §3.6.8). */
static gboolean
name_is_valid (const char *name)
{
  return name != NULL && fct_dkim_header_name_is_valid (name);
}

char *
fct_filter_authres_authserv_id (const char *value, gsize len)
{
  gsize i = 0;
  guint depth = 0;

  /* [CFWS]: white space and comments, nested, with quoted pairs (RFC 5322 §3.2.2). */
  while (i < len)
    {
      char c = value[i];
      if (depth > 0 && c == '\\' && i + 1 < len)
        i += 2;
      else if (c == '(')
        depth++, i++;
      else if (c == ')' && depth > 0)
        depth--, i++;
      else if (depth > 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n')
        i++;
      else
        break;
    }
  if (i >= len)
    return NULL;
  g_autoptr (GString) id = g_string_new (NULL);
  if (value[i] == '"')
    {
      for (i++; i < len && value[i] != '"'; i++)
        {
          if (value[i] == '\\' && i + 1 < len)
            i++;
          g_string_append_c (id, value[i]);
        }
    }
  else
    for (; i < len && value[i] != ';' && value[i] != '(' && !g_ascii_isspace (value[i]);
         i++)
      g_string_append_c (id, value[i]);
  if (id->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&id), FALSE);
}

char *
fct_filter_envelope_sender (const char *argument)
{
  g_autofree char *a = g_strstrip (g_strdup (argument != NULL ? argument : ""));
  gsize len = strlen (a);

  /* RFC 5321 §4.1.2 Reverse-path: "<" [A-d-l ":"] Mailbox ">"; the source route is
   * obsolete and dropped (§C). */
  if (len >= 2 && a[0] == '<' && a[len - 1] == '>')
    {
      a[len - 1] = '\0';
      const char *inner = a + 1;
      const char *colon = inner[0] == '@' ? strchr (inner, ':') : NULL;
      return g_strdup (colon != NULL ? colon + 1 : inner);
    }
  return g_steal_pointer (&a);
}

/* The field "Name:value" with every line break a CRLF and none at the end. */
static GByteArray *
field_bytes (const char *name, const char *value)
{
  gsize vlen = strlen (value);
  GByteArray *f = g_byte_array_sized_new ((guint)(strlen (name) + vlen + 16));

  g_byte_array_append (f, (const guint8 *)name, (guint)strlen (name));
  g_byte_array_append (f, (const guint8 *)":", 1);
  for (gsize i = 0; i < vlen; i++)
    {
      if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
        g_byte_array_append (f, (const guint8 *)"\r", 1);
      g_byte_array_append (f, (const guint8 *)value + i, 1);
    }
  while (f->len > 0 && (f->data[f->len - 1] == '\n' || f->data[f->len - 1] == '\r'))
    g_byte_array_set_size (f, f->len - 1);
  return f;
}

void
fct_filter_message_header (FctFilterMessage *m, const char *name, const char *value)
{
  g_return_if_fail (m != NULL);
  if (!name_is_valid (name) || value == NULL)
    return;
  g_autoptr (GByteArray) f = field_bytes (name, value);
  m->n_fields++;
  m->size += f->len + 2;

  if (g_ascii_strcasecmp (name, "Authentication-Results") == 0)
    {
      guint index = ++m->authres_seen;
      const char *v = (const char *)f->data + strlen (name) + 1;
      g_autofree char *id = fct_filter_authres_authserv_id (v, f->len - strlen (name) - 1);
      if (id != NULL && g_ascii_strcasecmp (id, m->options.authserv_id) == 0)
        g_array_append_val (m->forged, index);
    }
  if (g_ascii_strcasecmp (name, m->verdict_field) == 0)
    {
      guint index = ++m->verdicts_seen;
      g_array_append_val (m->verdicts, index);
    }
  if (g_ascii_strcasecmp (name, "From") == 0 && m->from_fields++ == 0)
    {
      g_autoptr (GString) unfolded = g_string_new (NULL);
      for (const char *p = value; *p; p++)
        if (*p != '\r' && *p != '\n')
          g_string_append_c (unfolded, *p);
      g_autofree char *reason = NULL;
      m->from_domain
          = fct_dmarc_author_domain_from_value (unfolded->str, unfolded->len, &reason);
    }
  else if (g_ascii_strcasecmp (name, "From") == 0)
    g_clear_pointer (&m->from_domain, g_free); /* two From fields: no single author */

  if (m->dkim != NULL)
    fct_dkim_verifier_header (m->dkim, f->data, f->len);
  if (m->arc != NULL)
    fct_arc_verifier_header (m->arc, f->data, f->len);
  for (guint i = 0; i < m->signers->len; i++)
    fct_dkim_signer_header (g_ptr_array_index (m->signers, i), f->data, f->len);

  /* Past the field limits the fields are still kept for the parser, which skips or
   * empties them as it does for a file and raises the finding that says so, but keeps
   * the From: a From dropped here would leave DMARC no author domain, and a spoof padded
   * with a thousand fields or one long From would escape the domain's p=reject. The
   * message is partial all the same: what the parser skipped cannot be written back. */
  gboolean first_from = g_ascii_strcasecmp (name, "From") == 0 && m->from_fields == 1;
  if (m->n_kept >= m->limits->header_fields_max
      || f->len > m->limits->header_field_max_bytes)
    m->partial = TRUE;
  /* The byte budget bounds memory; only the first From, one field, goes past it. */
  if (m->header->len + f->len + 4 > m->options.scan_max_bytes && !first_from)
    {
      m->partial = TRUE;
      return;
    }
  g_byte_array_append (m->header, f->data, f->len);
  g_byte_array_append (m->header, (const guint8 *)"\r\n", 2);
  m->n_kept++;
}

void
fct_filter_message_eoh (FctFilterMessage *m)
{
  g_return_if_fail (m != NULL);
  m->size += 2;
  if (m->dkim != NULL)
    fct_dkim_verifier_eoh (m->dkim);
  if (m->arc != NULL)
    fct_arc_verifier_eoh (m->arc);
}

void
fct_filter_message_body (FctFilterMessage *m, const void *data, gsize len)
{
  g_return_if_fail (m != NULL && (data != NULL || len == 0));
  m->size += len;
  if (m->dkim != NULL)
    fct_dkim_verifier_body (m->dkim, data, len);
  if (m->arc != NULL)
    fct_arc_verifier_body (m->arc, data, len);
  for (guint i = 0; i < m->signers->len; i++)
    fct_dkim_signer_body (g_ptr_array_index (m->signers, i), data, len);

  gsize used = m->header->len + 2 + m->body->len;
  gsize room = used < m->options.scan_max_bytes ? m->options.scan_max_bytes - used : 0;
  if (len > room)
    m->partial = TRUE;
  if (room > 0)
    g_byte_array_append (m->body, data, (guint)MIN (len, room));
}

gboolean
fct_filter_message_sign (FctFilterMessage *m, const FctDkimSignOptions *options,
                         GError **error)
{
  g_return_val_if_fail (m != NULL && options != NULL, FALSE);
  FctDkimSignOptions o = *options;
  if (o.limits == NULL)
    o.limits = m->limits;
  o.eol = "\n";
  FctDkimSigner *s = fct_dkim_signer_new (&o, error);
  if (s == NULL)
    return FALSE;
  /* The fields kept so far; a header over the limits is signed as far as it was kept. */
  gsize start = 0;
  for (gsize i = 0; i + 1 < m->header->len; i++)
    if (m->header->data[i] == '\r' && m->header->data[i + 1] == '\n'
        && (i + 2 >= m->header->len
            || (m->header->data[i + 2] != ' ' && m->header->data[i + 2] != '\t')))
      {
        fct_dkim_signer_header (s, m->header->data + start, i - start);
        start = i + 2;
      }
  g_ptr_array_add (m->signers, s);
  return TRUE;
}

GPtrArray *
fct_filter_message_signatures (FctFilterMessage *m, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (m != NULL, NULL);
  for (guint i = 0; i < m->signers->len; i++)
    {
      char *field = fct_dkim_signer_eom (g_ptr_array_index (m->signers, i), error);
      if (field == NULL)
        return NULL;
      g_ptr_array_add (out, field);
    }
  return g_steal_pointer (&out);
}

/* ---------------------------------------------------------------- judgement */

void
fct_filter_message_check_async (FctFilterMessage *m, const FctCheckOptions *options,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (m != NULL && m->dkim != NULL && m->arc != NULL && options != NULL);
  g_autoptr (FctMsg) msg = fct_filter_message_to_msg (m, &error);
  if (msg == NULL)
    {
      g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fct_check_with_verifiers_async (msg, m->options.resolver, options, m->dkim, m->arc,
                                  cancellable, callback, user_data);
}

/* ---------------------------------------------------------------- accessors */

char *
fct_filter_replace (const char *text, const char *from, const char *to)
{
  GString *s = g_string_new (text);
  g_string_replace (s, from, to, 0);
  return g_string_free (s, FALSE);
}

gboolean
fct_filter_message_is_partial (const FctFilterMessage *m)
{
  return m->partial;
}

gsize
fct_filter_message_get_scanned_size (const FctFilterMessage *m)
{
  return m->header->len + 2 + m->body->len;
}

guint64
fct_filter_message_get_size (const FctFilterMessage *m)
{
  return m->size;
}

guint
fct_filter_message_get_header_count (const FctFilterMessage *m)
{
  return m->n_fields;
}

const char *
fct_filter_message_get_from_domain (const FctFilterMessage *m)
{
  return m->from_domain;
}

const GArray *
fct_filter_message_get_forged (const FctFilterMessage *m)
{
  return m->forged;
}

const GArray *
fct_filter_message_get_verdict_fields (const FctFilterMessage *m)
{
  return m->verdicts;
}

FctMsg *
fct_filter_message_to_msg (FctFilterMessage *m, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (m->n_kept == 0)
    {
      g_set_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_MESSAGE, "%s",
                   _ ("the message has no header field"));
      return NULL;
    }
  GByteArray *all = g_byte_array_sized_new (m->header->len + 2 + m->body->len);
  g_byte_array_append (all, m->header->data, m->header->len);
  g_byte_array_append (all, (const guint8 *)"\r\n", 2);
  g_byte_array_append (all, m->body->data, m->body->len);
  g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (all);
  FctMsg *msg = fct_msg_new_from_bytes (bytes, m->limits, &local);
  if (msg == NULL)
    g_set_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_MESSAGE, "%s", local->message);
  return msg;
}
