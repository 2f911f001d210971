/* facteur — reports from an IMAP mailbox (RFC 9051, RFC 3501) through libcurl: one UID
 * SEARCH, then each message fetched by UID (RFC 5092 URL ";UID=") into a buffer bounded
 * by the message size limit, and read as any other report message. Credentials come
 * from the caller, never from the URL; plain IMAP is refused past the loopback unless
 * STARTTLS is offered (CURLUSESSL_ALL). */
#include "reports-private.h"

#include <curl/curl.h>
#include <gio/gio.h>
#include <string.h>

typedef struct
{
  GByteArray *buf;
  gsize max;
  gboolean over;
} Sink;

static size_t
sink_write (char *data, size_t size, size_t n, void *user_data)
{
  Sink *s = user_data;
  gsize len = size * n;

  if (s->buf->len + len > s->max)
    {
      s->over = TRUE;
      return 0;
    }
  g_byte_array_append (s->buf, (const guint8 *)data, (guint)len);
  return len;
}

/* TRUE for a loopback host (tests, a local Dovecot), where plain IMAP is acceptable. */
static gboolean
loopback (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr (GInetAddress) addr
      = host != NULL ? g_inet_address_new_from_string (host) : NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

static gboolean
transfer (const char *url, const char *custom, const char *user, const char *password,
          const FctLimits *limits, Sink *sink, GError **error)
{
  CURL *curl = curl_easy_init ();
  char error_buffer[CURL_ERROR_SIZE] = "";
  CURLcode rc;

  if (curl == NULL)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_IO,
                   _ ("libcurl cannot start"));
      return FALSE;
    }
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt (curl, CURLOPT_USE_SSL,
                    g_str_has_prefix (url, "imaps:") || !loopback (url)
                        ? (long)CURLUSESSL_ALL
                        : (long)CURLUSESSL_NONE);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (user != NULL)
    curl_easy_setopt (curl, CURLOPT_USERNAME, user);
  if (password != NULL)
    curl_easy_setopt (curl, CURLOPT_PASSWORD, password);
  if (custom != NULL)
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, custom);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long)limits->smtp_connect_timeout_ms);
  /* A whole message of message_max_bytes at a slow 1 MB/s, at least. */
  curl_easy_setopt (
      curl, CURLOPT_TIMEOUT_MS,
      (long)MAX (limits->smtp_reply_timeout_ms, limits->message_max_bytes / 1000));
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error_buffer);
  rc = curl_easy_perform (curl);
  curl_easy_cleanup (curl);
  if (rc == CURLE_OK)
    return TRUE;
  if (sink->over)
    g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                 _ ("the message is over %llu bytes"), (unsigned long long)sink->max);
  else
    g_set_error (error, FCT_REPORTS_ERROR,
                 rc == CURLE_LOGIN_DENIED || rc == CURLE_URL_MALFORMAT
                         || rc == CURLE_UNSUPPORTED_PROTOCOL
                     ? FCT_REPORTS_ERROR_MALFORMED
                     : FCT_REPORTS_ERROR_IO,
                 _ ("IMAP: %s"),
                 error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror (rc));
  return FALSE;
}

/* The UIDs of "* SEARCH 1 2 3" lines (RFC 9051 §7.3.4). */
static GArray *
search_uids (const GByteArray *buf, guint max)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autofree char *text = g_strndup ((const char *)buf->data, buf->len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) words = NULL;
      if (!g_str_has_prefix (*l, "* SEARCH"))
        continue;
      words = g_strsplit (g_strstrip (*l + 8), " ", -1);
      for (char **w = words; *w != NULL && uids->len < max; w++)
        {
          guint64 uid;
          if (g_ascii_string_to_unsigned (*w, 10, 1, G_MAXUINT32, &uid, NULL))
            g_array_append_val (uids, uid);
        }
    }
  return uids;
}

gboolean
fct_reports_ingest_imap (FctReportsIngest *ingest, const char *url, const char *user,
                         const char *password, GError **error)
{
  const FctLimits *limits = fct_reports_ingest_limits (ingest);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GByteArray) listing = g_byte_array_new ();
  Sink sink = { listing, 16 * 1024 * 1024, FALSE };
  g_autoptr (GArray) uids = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (ingest != NULL && url != NULL, FALSE);
  if (uri == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "imap") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "imaps") != 0))
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("not an imap:// or imaps:// URL: %s"), url);
      return FALSE;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the URL carries credentials: give them in the configuration or the "
                      "environment instead"));
      return FALSE;
    }
  base = g_str_has_suffix (url, "/") ? g_strndup (url, strlen (url) - 1) : g_strdup (url);
  if (!transfer (base, "UID SEARCH ALL", user, password, limits, &sink, error))
    return FALSE;
  /* A mailbox holds at most as many messages as the records a report may have. */
  uids = search_uids (listing, limits->reports_records_max);
  for (guint i = 0; i < uids->len; i++)
    {
      guint64 uid = g_array_index (uids, guint64, i);
      g_autofree char *message_url
          = g_strdup_printf ("%s/;UID=%" G_GUINT64_FORMAT, base, uid);
      g_autoptr (GByteArray) buf = g_byte_array_new ();
      Sink one = { buf, limits->message_max_bytes, FALSE };
      g_autoptr (GError) local = NULL;

      if (!transfer (message_url, NULL, user, password, limits, &one, &local))
        {
          if (local->code != FCT_REPORTS_ERROR_LIMIT)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          fct_reports_ingest_note_skipped (ingest, message_url, local);
          continue;
        }
      g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
      if (!fct_reports_ingest_bytes (ingest, message_url, bytes, error))
        return FALSE;
    }
  return TRUE;
}
