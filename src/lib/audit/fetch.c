/* facteur — the HTTPS fetch of an MTA-STS policy (RFC 8461 §3.3) with libcurl: the
 * certificate chain and name are verified, redirects are not followed, the body is
 * capped, and the host's addresses come from the audit's own resolver. */
#include <facteur/audit.h>

#include <curl/curl.h>
#include <string.h>

typedef struct
{
  GByteArray *body;
  gsize max;
  gboolean too_large;
} Sink;

static size_t
sink_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  Sink *sink = user_data;
  /* curl guarantees size * nmemb fits (it is the length of one buffer it holds). */
  gsize n = size * nmemb;
  if (n > sink->max - sink->body->len)
    {
      sink->too_large = TRUE;
      return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
  g_byte_array_append (sink->body, (const guint8 *)data, (guint)n);
  return n;
}

void
fct_audit_https_response_free (FctAuditHttpsResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->content_type);
  if (response->body != NULL)
    g_bytes_unref (response->body);
  g_free (response->error);
  g_free (response);
}

static gsize curl_initialised = 0;

FctAuditHttpsResponse *
fct_audit_https_fetch (const char *host, guint16 port, const char *path,
                       const char *const *addresses, const char *ca_file,
                       const FctLimits *limits)
{
  const FctLimits *l = limits != NULL ? limits : fct_limits_default ();
  FctAuditHttpsResponse *response = g_new0 (FctAuditHttpsResponse, 1);
  char error_buffer[CURL_ERROR_SIZE] = "";
  struct curl_slist *resolve = NULL;
  Sink sink = { g_byte_array_new (), l->mta_sts_policy_max_bytes, FALSE };

  g_return_val_if_fail (host != NULL && path != NULL, response);

  /* curl_global_init is not thread-safe in every libcurl build: once, process-wide. */
  if (g_once_init_enter (&curl_initialised))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_initialised, 1);
    }

  CURL *curl = curl_easy_init ();
  if (curl == NULL)
    {
      response->error = g_strdup ("libcurl could not start");
      g_byte_array_unref (sink.body);
      return response;
    }

  g_autofree char *url = g_strdup_printf ("https://%s:%u%s", host, port, path);
  /* Pin the name to the addresses the audit's resolver found ("HOST:PORT:ADDR,..."),
   * so curl neither asks the system resolver nor sees another answer. */
  if (addresses != NULL && addresses[0] != NULL)
    {
      g_autoptr (GString) entry = g_string_new (NULL);
      g_string_append_printf (entry, "%s:%u:", host, port);
      for (gsize i = 0; addresses[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (entry, ',');
          if (strchr (addresses[i], ':') != NULL)
            g_string_append_printf (entry, "[%s]", addresses[i]);
          else
            g_string_append (entry, addresses[i]);
        }
      resolve = curl_slist_append (NULL, entry->str);
      curl_easy_setopt (curl, CURLOPT_RESOLVE, resolve);
    }

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L); /* RFC 8461 §3.3 */
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, ca_file);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long)l->https_timeout_ms);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L); /* called from worker threads */
  curl_easy_setopt (curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink.max);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "facteur-audit");

  CURLcode rc = curl_easy_perform (curl);
  long status = 0;
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  response->status = status > 0 && status < 1000 ? (guint)status : 0;
  char *type = NULL;
  if (curl_easy_getinfo (curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != NULL)
    response->content_type = g_strdup (type);

  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED)
    response->error
        = g_strdup_printf ("the body is larger than %" G_GSIZE_FORMAT " bytes", sink.max);
  else if (rc != CURLE_OK)
    response->error
        = g_strdup (error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror (rc));
  else
    response->body = g_byte_array_free_to_bytes (g_steal_pointer (&sink.body));

  if (sink.body != NULL)
    g_byte_array_unref (sink.body);
  curl_slist_free_all (resolve);
  curl_easy_cleanup (curl);
  return response;
}
