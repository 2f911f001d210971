/* facteur milter — the configuration: one [milter] section of a GKeyFile (every key in
 * docs/MILTER.md), then the command-line flags over it. */
#include "milter.h"

#include <string.h>

#define GROUP "milter"

void
fct_milter_config_free (FctMilterConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->socket);
  g_free (c->socket_group);
  g_free (c->user);
  g_free (c->signer_user);
  g_free (c->authserv_id);
  g_free (c->db);
  g_free (c->db_key);
  g_free (c->dns_zone);
  g_free (c->dns_server);
  g_free (c->dns_trust_anchor);
  g_free (c->language);
  g_free (c->verdict_field);
  g_strfreev (c->trusted_arc_sealers);
  g_strfreev (c->protect);
  g_strfreev (c->dnsbl);
  g_strfreev (c->uribl);
  g_strfreev (c->internal_networks);
  if (c->networks != NULL)
    g_ptr_array_unref (c->networks);
  g_strfreev (c->signing_keys);
  g_free (c->arc_key);
  g_free (c->metrics);
  g_free (c);
}

static const char *const known_keys[] = {
  "socket",
  "socket_mode",
  "socket_group",
  "user",
  "signer_user",
  "authserv_id",
  "db",
  "db_key",
  "db_queue_max",
  "dns_zone",
  "dns_server",
  "dns_trust_anchor",
  "dns_timeout_ms",
  "language",
  "scan_max_bytes",
  "time_budget_ms",
  "verdict_field",
  "on_clean",
  "on_suspicious",
  "on_dangerous",
  "on_dmarc_reject",
  "on_dmarc_quarantine",
  "on_dns_error",
  "on_error",
  "trusted_arc_sealers",
  "protect",
  "dnsbl",
  "uribl",
  "blocklists",
  "internal_networks",
  "signing_keys",
  "arc_key",
  "metrics",
  "log_stderr",
  NULL,
};

static gboolean
get_string (GKeyFile *kf, const char *key, char **out, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *v = g_key_file_get_string (kf, GROUP, key, &local);

  if (v == NULL)
    {
      if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)
          || g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_strstrip (v);
  g_free (*out);
  *out = v;
  return TRUE;
}

static gboolean
get_list (GKeyFile *kf, const char *key, char ***out, GError **error)
{
  g_autoptr (GError) local = NULL;
  gsize n = 0;
  char **v = g_key_file_get_string_list (kf, GROUP, key, &n, &local);

  if (v == NULL)
    {
      if (local == NULL
          || g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)
          || g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        {
          /* "key =" (empty) is an empty list, not an absent key. */
          if (local == NULL)
            {
              g_strfreev (*out);
              *out = g_new0 (char *, 1);
            }
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    g_strstrip (v[i]);
  g_strfreev (*out);
  *out = v;
  return TRUE;
}

static gboolean
get_uint (GKeyFile *kf, const char *key, guint64 min, guint64 max, guint64 *out,
          GError **error)
{
  g_autofree char *text = NULL;
  guint64 v;

  if (!get_string (kf, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("%s must be a number from %llu to %llu, not “%s”"), key,
                   (unsigned long long)min, (unsigned long long)max, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
get_bool (GKeyFile *kf, const char *key, gboolean *out, GError **error)
{
  g_autofree char *text = NULL;

  if (!get_string (kf, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1")
      || g_ascii_strcasecmp (text, "yes") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0")
           || g_ascii_strcasecmp (text, "no") == 0)
    *out = FALSE;
  else
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _ ("%s must be true or false, not “%s”"), key, text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_action (GKeyFile *kf, const char *key, FctFilterAction *out, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  if (!get_string (kf, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!fct_filter_action_parse (text, out, &local))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s", key,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_file (FctMilterConfig *c, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) keys = NULL;
  guint64 n;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (!g_str_equal (groups[i], GROUP))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                     _ ("unknown section [%s] (the milter reads [milter])"), groups[i]);
        return FALSE;
      }
  keys = g_key_file_get_keys (kf, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known_keys, keys[i]))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                     _ ("unknown key “%s” in [milter] (docs/MILTER.md lists them)"),
                     keys[i]);
        return FALSE;
      }

  g_autofree char *mode = NULL;
  if (!get_string (kf, "socket", &c->socket, error)
      || !get_string (kf, "socket_mode", &mode, error)
      || !get_string (kf, "socket_group", &c->socket_group, error)
      || !get_string (kf, "user", &c->user, error)
      || !get_string (kf, "signer_user", &c->signer_user, error)
      || !get_string (kf, "authserv_id", &c->authserv_id, error)
      || !get_string (kf, "db", &c->db, error)
      || !get_string (kf, "db_key", &c->db_key, error)
      || !get_string (kf, "dns_zone", &c->dns_zone, error)
      || !get_string (kf, "dns_server", &c->dns_server, error)
      || !get_string (kf, "dns_trust_anchor", &c->dns_trust_anchor, error)
      || !get_string (kf, "language", &c->language, error)
      || !get_string (kf, "verdict_field", &c->verdict_field, error)
      || !get_string (kf, "arc_key", &c->arc_key, error)
      || !get_string (kf, "metrics", &c->metrics, error)
      || !get_list (kf, "trusted_arc_sealers", &c->trusted_arc_sealers, error)
      || !get_list (kf, "protect", &c->protect, error)
      || !get_list (kf, "dnsbl", &c->dnsbl, error)
      || !get_list (kf, "uribl", &c->uribl, error)
      || !get_list (kf, "internal_networks", &c->internal_networks, error)
      || !get_list (kf, "signing_keys", &c->signing_keys, error)
      || !get_action (kf, "on_clean", &c->policy.on_clean, error)
      || !get_action (kf, "on_suspicious", &c->policy.on_suspicious, error)
      || !get_action (kf, "on_dangerous", &c->policy.on_dangerous, error)
      || !get_action (kf, "on_dmarc_reject", &c->policy.on_dmarc_reject, error)
      || !get_action (kf, "on_dmarc_quarantine", &c->policy.on_dmarc_quarantine, error)
      || !get_action (kf, "on_dns_error", &c->policy.on_dns_error, error)
      || !get_action (kf, "on_error", &c->policy.on_error, error)
      || !get_bool (kf, "log_stderr", &c->log_stderr, error))
    return FALSE;
  gboolean blocklists = !c->no_blocklists;
  if (!get_bool (kf, "blocklists", &blocklists, error))
    return FALSE;
  c->no_blocklists = !blocklists;
  if (mode != NULL)
    {
      if (!g_ascii_string_to_unsigned (mode, 8, 0, 0777, &n, NULL))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _ ("socket_mode must be an octal mode such as 0660, not “%s”"),
                       mode);
          return FALSE;
        }
      c->socket_mode = (guint)n;
    }
  n = c->dns_timeout_ms;
  if (!get_uint (kf, "dns_timeout_ms", 100, 60000, &n, error))
    return FALSE;
  c->dns_timeout_ms = (guint)n;
  n = c->time_budget_ms;
  if (!get_uint (kf, "time_budget_ms", 100, 600000, &n, error))
    return FALSE;
  c->time_budget_ms = (guint)n;
  n = c->db_queue_max;
  if (!get_uint (kf, "db_queue_max", 1, 10000000, &n, error))
    return FALSE;
  c->db_queue_max = (guint)n;
  n = c->scan_max_bytes;
  if (!get_uint (kf, "scan_max_bytes", 65536, c->limits.message_max_bytes, &n, error))
    return FALSE;
  c->scan_max_bytes = (gsize)n;
  /* The policy's action on a missing verdict may only let through or defer. */
  if (c->policy.on_error != FCT_FILTER_ACTION_ACCEPT
      && c->policy.on_error != FCT_FILTER_ACTION_TEMPFAIL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s",
                   _ ("on_error must be accept or tempfail"));
      return FALSE;
    }
  return TRUE;
}

static void
set_flag (char **field, const char *flag)
{
  if (flag == NULL)
    return;
  g_free (*field);
  *field = g_strdup (flag);
}

FctMilterConfig *
fct_milter_config_load (const FctMilterFlags *flags, GError **error)
{
  g_autoptr (FctMilterConfig) c = g_new0 (FctMilterConfig, 1);
  g_autoptr (GError) local = NULL;
  static const char *const default_networks[] = { "127.0.0.0/8", "::1/128", NULL };

  fct_limits_init (&c->limits);
  c->socket_mode = 0660;
  c->dns_timeout_ms = 4000;
  c->time_budget_ms = 20000;
  c->scan_max_bytes = 10 * 1024 * 1024;
  c->db_queue_max = 10000;
  fct_filter_policy_init (&c->policy);
  c->internal_networks = g_strdupv ((char **)default_networks);

  if (flags->config_file != NULL && !read_file (c, flags->config_file, &local))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", flags->config_file,
                   local->message);
      return NULL;
    }
  set_flag (&c->socket, flags->socket);
  set_flag (&c->authserv_id, flags->authserv_id);
  set_flag (&c->db, flags->db);
  set_flag (&c->db_key, flags->db_key);
  set_flag (&c->user, flags->user);
  set_flag (&c->metrics, flags->metrics);
  set_flag (&c->language, flags->language);
  if (flags->dns_zone != NULL || flags->dns_server != NULL)
    {
      g_clear_pointer (&c->dns_zone, g_free);
      g_clear_pointer (&c->dns_server, g_free);
      set_flag (&c->dns_zone, flags->dns_zone);
      set_flag (&c->dns_server, flags->dns_server);
    }
  c->log_stderr = c->log_stderr || flags->log_stderr;

  if (c->socket == NULL)
    c->socket = g_strdup ("inet:8891@127.0.0.1");
  if (!g_str_has_prefix (c->socket, "inet:") && !g_str_has_prefix (c->socket, "inet6:")
      && !g_str_has_prefix (c->socket, "unix:") && !g_str_has_prefix (c->socket, "local:"))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("socket must be inet:PORT@ADDRESS or unix:PATH, not “%s”"),
                   c->socket);
      return NULL;
    }
  if (c->authserv_id == NULL)
    c->authserv_id = g_strdup (g_get_host_name ());
  if (c->dns_zone != NULL && c->dns_server != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s",
                   _ ("dns_zone and dns_server cannot be used together"));
      return NULL;
    }
  if (c->language != NULL && !g_str_equal (c->language, "fr")
      && !g_str_equal (c->language, "en"))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("language must be fr or en, not “%s”"), c->language);
      return NULL;
    }
  c->limits.dns_timeout_ms = c->dns_timeout_ms;
  c->policy.trusted_arc_sealers = (const char *const *)c->trusted_arc_sealers;
  c->policy.verdict_field = c->verdict_field;
  if (c->verdict_field != NULL && !fct_dkim_header_name_is_valid (c->verdict_field))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("verdict_field “%s” is not a header field name"), c->verdict_field);
      return NULL;
    }
  c->networks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; c->internal_networks[i] != NULL; i++)
    {
      if (c->internal_networks[i][0] == '\0')
        continue;
      GInetAddressMask *mask
          = g_inet_address_mask_new_from_string (c->internal_networks[i], NULL);
      if (mask == NULL)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _ ("internal_networks: “%s” is not an address or network"),
                       c->internal_networks[i]);
          return NULL;
        }
      g_ptr_array_add (c->networks, mask);
    }
  g_autoptr (FctFilterKeyTable) keys = fct_milter_config_key_table (c, error);
  if (keys == NULL)
    return NULL;
  return g_steal_pointer (&c);
}

FctFilterKeyTable *
fct_milter_config_key_table (const FctMilterConfig *c, GError **error)
{
  g_autoptr (FctFilterKeyTable) t
      = fct_filter_key_table_parse ((const char *const *)c->signing_keys, error);
  if (t == NULL)
    return NULL;
  if (c->arc_key != NULL && c->arc_key[0] != '\0')
    {
      const char *const one[] = { c->arc_key, NULL };
      g_autoptr (FctFilterKeyTable) arc = fct_filter_key_table_parse (one, error);
      if (arc == NULL)
        return NULL;
      const FctFilterKey *k = fct_filter_key_table_get (arc, 0);
      gboolean present = FALSE;
      for (guint i = 0; i < fct_filter_key_table_get_count (t); i++)
        {
          const FctFilterKey *o = fct_filter_key_table_get (t, i);
          present = present
                    || (g_str_equal (o->domain, k->domain)
                        && g_str_equal (o->selector, k->selector));
        }
      if (!present)
        fct_filter_key_table_add (t, k->domain, k->selector, k->path, k->type, 0);
    }
  return g_steal_pointer (&t);
}

gboolean
fct_milter_config_is_internal (const FctMilterConfig *c, const char *ip)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (ip);

  if (addr == NULL)
    return FALSE;
  for (guint i = 0; i < c->networks->len; i++)
    {
      GInetAddressMask *m = g_ptr_array_index (c->networks, i);
      if (g_inet_address_mask_get_family (m) == g_inet_address_get_family (addr)
          && g_inet_address_mask_matches (m, addr))
        return TRUE;
    }
  return FALSE;
}
