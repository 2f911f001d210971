/* facteur — the zone-file back end: an RFC 1035 §5 master-file parser ($ORIGIN, $TTL
 * of RFC 2308 §4, escapes of §5.1, parentheses, TXT strings of §3.3.14) with
 * DESIGN.md's TIMEOUT and SERVFAIL pseudo-types, and lookups with CNAME chains
 * (RFC 1034 §4.3.2), empty non-terminals (RFC 8020) and wildcards (RFC 4592). */
#include "dns-private.h"

#include <facteur/slice.h>
#include <glib/gi18n-lib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* RFC 1035 §5.1: a record with no TTL and no earlier TTL gets some default; one hour
 * is what BIND and nsd use when $TTL is absent. */
#define DEFAULT_TTL 3600
/* RFC 1034 §3.6.2 does not bound chains; resolvers stop around 8 to 16 (BIND's
 * max-cname-chain is 16, Unbound's 8 in its iterator's MAX_RESTART_COUNT). */
#define CNAME_CHAIN_MAX 8
/* RFC 2181 §8: a TTL is an unsigned 31-bit value. */
#define TTL_MAX 0x7fffffffu
/* RFC 1035 §3.2.1: RDLENGTH is 16 bits. */
#define RDATA_MAX 65535u

typedef struct
{
  GPtrArray *records; /* FctDnsRecord *, in file order */
  gboolean has_cname;
  gboolean timeout;  /* the TIMEOUT pseudo-type */
  gboolean servfail; /* the SERVFAIL pseudo-type */
  gboolean has_soa;
  guint32 negative_ttl; /* RFC 2308 §5: min (SOA TTL, SOA MINIMUM) */
} Node;

struct _FctDnsZone
{
  GHashTable *nodes; /* canonical name -> Node * */
  GHashTable *ents;  /* names that exist only as ancestors of others (a set) */
  guint records;
  guint32 default_ttl;
};

typedef struct
{
  const char *p; /* raw bytes, escapes not yet interpreted */
  gsize len;
  gboolean quoted;
} Token;

typedef struct
{
  const char *label;
  const FctLimits *limits;
  FctDnsZone *zone;
  const char *text;
  gsize len;
  gsize pos;
  guint line;      /* first line of the current entry */
  guint next_line; /* line of text[pos] */
  FctDnsName origin;
  FctDnsName owner;
  gboolean have_owner;
  guint32 default_ttl; /* $TTL */
  gboolean have_default_ttl;
  guint32 last_ttl; /* RFC 1035 §5.1: the last stated TTL */
  gboolean have_last_ttl;
} Parser;

static void
node_free (Node *node)
{
  g_ptr_array_unref (node->records);
  g_free (node);
}

void
fct_dns_zone_free (FctDnsZone *zone)
{
  if (zone == NULL)
    return;
  g_hash_table_unref (zone->nodes);
  g_hash_table_unref (zone->ents);
  g_free (zone);
}

guint
fct_dns_zone_get_record_count (const FctDnsZone *zone)
{
  return zone->records;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
fct_dns_zone_list_names (const FctDnsZone *zone)
{
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, zone->nodes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static gboolean G_GNUC_PRINTF (3, 4)
    parse_error (Parser *ps, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX, _ ("%s:%u: %s"), ps->label,
               ps->line, message);
  return FALSE;
}

/* A token for an error message: at most 40 bytes, valid UTF-8 (transfer full). */
static char *
token_show (const Token *t)
{
  gsize n = MIN (t->len, 40);
  g_autofree char *valid = g_utf8_make_valid (t->p, (gssize)n);
  return n < t->len ? g_strconcat (valid, "…", NULL) : g_steal_pointer (&valid);
}

static gboolean
token_is (const Token *t, const char *word)
{
  return !t->quoted && fct_slice_equal_str_nocase (fct_slice_new (t->p, t->len), word);
}

/* ---- Lexing: one entry (a line, or several joined by parentheses) at a time ---- */

/* Checks every physical line against the length limit, and refuses NUL bytes, before
 * anything is parsed. */
static gboolean
check_lines (Parser *ps, GError **error)
{
  gsize line_start = 0;

  ps->line = 1;
  for (gsize i = 0; i <= ps->len; i++)
    {
      if (i < ps->len && ps->text[i] == '\0')
        return parse_error (ps, error, _ ("NUL byte in zone file"));
      if (i == ps->len || ps->text[i] == '\n')
        {
          if (i - line_start > ps->limits->dns_zone_line_max_bytes)
            return parse_error (ps, error, _ ("line longer than %zu bytes"),
                                ps->limits->dns_zone_line_max_bytes);
          line_start = i + 1;
          ps->line++;
        }
    }
  return TRUE;
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the next entry's tokens. At the end of the text, tokens is left empty. */
static gboolean
next_entry (Parser *ps, GArray *tokens, gboolean *blank_owner, GError **error)
{
  const char *text = ps->text;
  guint depth = 0;

  g_array_set_size (tokens, 0);
  ps->line = ps->next_line;
  *blank_owner = ps->pos < ps->len && is_blank (text[ps->pos]);
  while (ps->pos < ps->len)
    {
      char c = text[ps->pos];
      if (is_blank (c))
        ps->pos++;
      else if (c == ';')
        {
          while (ps->pos < ps->len && text[ps->pos] != '\n')
            ps->pos++;
        }
      else if (c == '\n')
        {
          ps->pos++;
          ps->next_line++;
          if (depth > 0)
            continue;
          if (tokens->len > 0)
            return TRUE;
          /* An empty line: the entry starts on the next one. */
          ps->line = ps->next_line;
          *blank_owner = ps->pos < ps->len && is_blank (text[ps->pos]);
        }
      else if (c == '(')
        {
          if (depth > 0)
            return parse_error (ps, error, _ ("nested parentheses"));
          depth++;
          ps->pos++;
        }
      else if (c == ')')
        {
          if (depth == 0)
            return parse_error (ps, error, _ ("“)” without “(”"));
          depth--;
          ps->pos++;
        }
      else if (c == '"')
        {
          gsize p = ps->pos + 1;
          while (p < ps->len && text[p] != '"' && text[p] != '\n')
            p += (text[p] == '\\' && p + 1 < ps->len && text[p + 1] != '\n') ? 2 : 1;
          if (p >= ps->len || text[p] != '"')
            return parse_error (ps, error, _ ("unterminated quoted string"));
          Token t = { text + ps->pos + 1, p - ps->pos - 1, TRUE };
          g_array_append_val (tokens, t);
          ps->pos = p + 1;
        }
      else
        {
          gsize p = ps->pos;
          while (p < ps->len && !is_blank (text[p]) && strchr ("\n;()\"", text[p]) == NULL)
            p += (text[p] == '\\' && p + 1 < ps->len && text[p + 1] != '\n') ? 2 : 1;
          Token t = { text + ps->pos, p - ps->pos, FALSE };
          g_array_append_val (tokens, t);
          ps->pos = p;
        }
    }
  if (depth > 0)
    return parse_error (ps, error, _ ("“(” not closed before the end of the file"));
  return TRUE;
}

/* ---- Fields ---- */

static gboolean
parse_name (Parser *ps, const Token *t, FctDnsName *out, GError **error)
{
  gboolean absolute = FALSE;

  if (t->quoted)
    return parse_error (ps, error, _ ("a name cannot be a quoted string"));
  if (t->len == 1 && t->p[0] == '@')
    {
      *out = ps->origin;
      return TRUE;
    }
  FctDnsNameStatus status = fct_dns_name_parse (t->p, t->len, out, &absolute);
  if (status != FCT_DNS_NAME_OK)
    {
      g_autofree char *shown = token_show (t);
      return parse_error (ps, error, _ ("“%s”: %s"), shown,
                          fct_dns_name_status_to_string (status));
    }
  if (!absolute && !fct_dns_name_append (out, &ps->origin))
    {
      g_autofree char *shown = token_show (t);
      return parse_error (ps, error, _ ("“%s” with the origin appended: %s"), shown,
                          fct_dns_name_status_to_string (FCT_DNS_NAME_TOO_LONG));
    }
  return TRUE;
}

static gboolean
parse_uint (const Token *t, guint64 max, guint64 *out)
{
  guint64 v = 0;

  if (t->quoted || t->len == 0 || t->len > 20)
    return FALSE;
  for (gsize i = 0; i < t->len; i++)
    {
      if (!g_ascii_isdigit (t->p[i]))
        return FALSE;
      v = v * 10 + (guint64)(t->p[i] - '0');
      if (v > max)
        return FALSE;
    }
  *out = v;
  return TRUE;
}

/* A duration up to max: decimal seconds (RFC 1035) or BIND's units, "1h30m"
 * (s m h d w). */
static gboolean
parse_duration (const Token *t, guint64 max, guint32 *out)
{
  guint64 total = 0, v = 0;
  gboolean digits = FALSE, units = FALSE;

  if (t->quoted || t->len == 0 || t->len > 32 || !g_ascii_isdigit (t->p[0]))
    return FALSE;
  for (gsize i = 0; i < t->len; i++)
    {
      char c = g_ascii_tolower (t->p[i]);
      guint64 mult = 0;
      if (g_ascii_isdigit (c))
        {
          v = v * 10 + (guint64)(c - '0');
          digits = TRUE;
          if (v > max)
            return FALSE;
          continue;
        }
      switch (c)
        {
        case 's':
          mult = 1;
          break;
        case 'm':
          mult = 60;
          break;
        case 'h':
          mult = 3600;
          break;
        case 'd':
          mult = 86400;
          break;
        case 'w':
          mult = 604800;
          break;
        default:
          return FALSE;
        }
      if (!digits)
        return FALSE;
      total += v * mult;
      if (total > max)
        return FALSE;
      v = 0;
      digits = FALSE;
      units = TRUE;
    }
  if (digits)
    {
      if (units)
        return FALSE; /* "1h30": a number without unit after units */
      total = v;
    }
  if (total > max)
    return FALSE;
  *out = (guint32)total;
  return TRUE;
}

/* A TTL (RFC 2181 §8). */
static gboolean
parse_ttl (const Token *t, guint32 *out)
{
  return parse_duration (t, TTL_MAX, out);
}

/* A <character-string> (RFC 1035 §5.1), quoted or not, escapes interpreted. */
static gboolean
parse_character_string (Parser *ps, const Token *t, GByteArray *out, GError **error)
{
  g_byte_array_set_size (out, 0);
  for (gsize i = 0; i < t->len; i++)
    {
      guint8 byte = (guint8)t->p[i];
      if (byte == '\\')
        {
          gsize p = i + 1;
          if (p >= t->len)
            return parse_error (ps, error, _ ("backslash at the end of a string"));
          if (g_ascii_isdigit (t->p[p]))
            {
              if (p + 2 >= t->len || !g_ascii_isdigit (t->p[p + 1])
                  || !g_ascii_isdigit (t->p[p + 2]))
                return parse_error (ps, error, _ ("\\DDD escape needs three digits"));
              guint v = (guint)(t->p[p] - '0') * 100 + (guint)(t->p[p + 1] - '0') * 10
                        + (guint)(t->p[p + 2] - '0');
              if (v > 255)
                return parse_error (ps, error, _ ("\\%c%c%c is above 255"), t->p[p],
                                    t->p[p + 1], t->p[p + 2]);
              byte = (guint8)v;
              i = p + 2;
            }
          else
            {
              byte = (guint8)t->p[p];
              i = p;
            }
        }
      if (out->len == 255)
        return parse_error (
            ps, error,
            _ ("character-string longer than 255 bytes (RFC 1035 §3.3): split "
               "it into several quoted strings"));
      g_byte_array_append (out, &byte, 1);
    }
  return TRUE;
}

static gboolean
hex_value (char c, guint8 *out)
{
  int v = g_ascii_xdigit_value (c);
  if (v < 0)
    return FALSE;
  *out = (guint8)v;
  return TRUE;
}

/* ---- Records ---- */

static gboolean
expect_count (Parser *ps, const char *type, guint have, guint want, GError **error)
{
  if (have == want)
    return TRUE;
  return parse_error (ps, error,
                      g_dngettext (GETTEXT_PACKAGE, "%s takes %u field, found %u",
                                   "%s takes %u fields, found %u", want),
                      type, want, have);
}

static gboolean
parse_address (Parser *ps, FctDnsRecord *rr, const Token *t, GError **error)
{
  char buf[64];
  int family = rr->type == FCT_DNS_TYPE_A ? AF_INET : AF_INET6;

  if (t->quoted || t->len >= sizeof buf)
    return parse_error (ps, error, _ ("bad %s address"), fct_dns_type_to_string (rr->type));
  memcpy (buf, t->p, t->len);
  buf[t->len] = '\0';
  if (inet_pton (family, buf, rr->addr) != 1)
    {
      g_autofree char *shown = token_show (t);
      return parse_error (ps, error, _ ("“%s” is not an %s address"), shown,
                          rr->type == FCT_DNS_TYPE_A ? "IPv4" : "IPv6");
    }
  return TRUE;
}

static gboolean
parse_target (Parser *ps, const Token *t, char **out, GError **error)
{
  FctDnsName name;
  if (!parse_name (ps, t, &name, error))
    return FALSE;
  *out = fct_dns_name_to_string (&name);
  return TRUE;
}

static gboolean
parse_txt (Parser *ps, FctDnsRecord *rr, const Token *t, guint n, GError **error)
{
  g_autoptr (GByteArray) s = g_byte_array_new ();
  gsize rdlength = 0;

  if (n == 0)
    return parse_error (ps, error, _ ("TXT needs at least one string"));
  for (guint i = 0; i < n; i++)
    {
      if (!parse_character_string (ps, &t[i], s, error))
        return FALSE;
      rdlength += 1 + (gsize)s->len;
      if (rdlength > RDATA_MAX)
        return parse_error (ps, error, _ ("TXT data longer than 65,535 bytes"));
      g_ptr_array_add (rr->txt, g_bytes_new (s->data, s->len));
    }
  return TRUE;
}

static gboolean
parse_tlsa (Parser *ps, FctDnsRecord *rr, const Token *t, guint n, GError **error)
{
  guint64 field[3];
  g_autoptr (GByteArray) data = g_byte_array_new ();
  static const char *const messages[] = {
    N_ ("TLSA usage must be 0 to 255"),
    N_ ("TLSA selector must be 0 to 255"),
    N_ ("TLSA matching type must be 0 to 255"),
  };

  if (n < 4)
    return parse_error (ps, error,
                        _ ("TLSA takes usage, selector, matching type and data"));
  for (guint i = 0; i < 3; i++)
    if (!parse_uint (&t[i], 255, &field[i]))
      return parse_error (ps, error, "%s", _ (messages[i]));
  rr->tlsa_usage = (guint8)field[0];
  rr->tlsa_selector = (guint8)field[1];
  rr->tlsa_matching = (guint8)field[2];
  /* RFC 6698 §2.2: the data is hex, possibly split by whitespace. */
  guint8 high = 0;
  gboolean half = FALSE;
  for (guint i = 3; i < n; i++)
    for (gsize j = 0; j < t[i].len; j++)
      {
        guint8 v;
        if (t[i].quoted || !hex_value (t[i].p[j], &v))
          return parse_error (ps, error, _ ("TLSA data must be hexadecimal"));
        if (half)
          {
            guint8 byte = (guint8)(high << 4 | v);
            if (data->len + 3 >= RDATA_MAX)
              return parse_error (ps, error, _ ("TLSA data longer than 65,535 bytes"));
            g_byte_array_append (data, &byte, 1);
          }
        else
          high = v;
        half = !half;
      }
  if (half)
    return parse_error (ps, error, _ ("TLSA data has an odd number of hex digits"));
  /* RFC 6698 §2.1.4: the data is the certificate, its public key or a digest of either,
   * never empty, and §2.2 writes it as a string of hex digits. An empty field ("") is
   * no association; fct_dns_record_to_string writes the one that came from the wire in
   * the RFC 3597 generic form, which no TLSA line in presentation form can be mistaken
   * for. */
  if (data->len == 0)
    return parse_error (ps, error,
                        _ ("TLSA data is empty: it must be the certificate data or its "
                           "digest in hexadecimal (RFC 6698 §2.1.4)"));
  rr->tlsa_data = g_bytes_new (data->data, data->len);
  return TRUE;
}

/* SOA (RFC 1035 §3.3.13), kept whole in target; MINIMUM feeds the negative TTL. */
static gboolean
parse_soa (Parser *ps, FctDnsRecord *rr, const Token *t, guint n, guint32 *minimum,
           GError **error)
{
  g_autofree char *mname = NULL, *rname = NULL;
  guint64 serial;
  guint32 timers[4];

  if (!expect_count (ps, "SOA", n, 7, error) || !parse_target (ps, &t[0], &mname, error)
      || !parse_target (ps, &t[1], &rname, error))
    return FALSE;
  if (!parse_uint (&t[2], G_MAXUINT32, &serial))
    return parse_error (ps, error, _ ("bad SOA serial"));
  for (guint i = 0; i < 4; i++)
    if (!parse_duration (&t[3 + i], G_MAXUINT32, &timers[i]))
      return parse_error (ps, error, _ ("bad SOA timer"));
  GString *s = g_string_new (NULL);
  fct_dns_target_append_fqdn (s, mname);
  g_string_append_c (s, ' ');
  fct_dns_target_append_fqdn (s, rname);
  g_string_append_printf (s, " %" G_GUINT64_FORMAT " %u %u %u %u", serial, timers[0],
                          timers[1], timers[2], timers[3]);
  rr->target = g_string_free (s, FALSE);
  *minimum = timers[3];
  return TRUE;
}

static Node *
zone_node_get (FctDnsZone *zone, const FctDnsName *owner)
{
  g_autofree char *key = fct_dns_name_to_string (owner);
  Node *node = g_hash_table_lookup (zone->nodes, key);

  if (node != NULL)
    return node;
  node = g_new0 (Node, 1);
  node->records = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_record_free);
  g_hash_table_remove (zone->ents, key);
  g_hash_table_insert (zone->nodes, g_steal_pointer (&key), node);

  /* RFC 8020 §2: every ancestor exists, if only as an empty non-terminal. */
  FctDnsName up = *owner;
  while (fct_dns_name_strip_left (&up))
    {
      g_autofree char *name = fct_dns_name_to_string (&up);
      if (g_hash_table_contains (zone->nodes, name)
          || g_hash_table_contains (zone->ents, name))
        break;
      g_hash_table_add (zone->ents, g_steal_pointer (&name));
    }
  return node;
}

/* Adds rr (transfer full) at owner, refusing what RFC 1034 §3.6.2 forbids. */
static gboolean
zone_add (Parser *ps, const FctDnsName *owner, FctDnsRecord *rr, guint32 soa_minimum,
          GError **error)
{
  g_autoptr (FctDnsRecord) owned = rr;
  Node *node = zone_node_get (ps->zone, owner);

  if (rr->type == FCT_DNS_TYPE_CNAME && node->has_cname)
    return parse_error (ps, error, _ ("more than one CNAME at the same name"));
  if ((rr->type == FCT_DNS_TYPE_CNAME && node->records->len > 0)
      || (rr->type != FCT_DNS_TYPE_CNAME && node->has_cname))
    return parse_error (ps, error,
                        _ ("CNAME and other data at the same name (RFC 1034 §3.6.2)"));
  /* RFC 2181 §5: an RRset holds no duplicates; nsd drops them too. */
  for (guint i = 0; i < node->records->len; i++)
    if (fct_dns_record_equal (g_ptr_array_index (node->records, i), rr))
      return TRUE;
  if (rr->type == FCT_DNS_TYPE_CNAME)
    node->has_cname = TRUE;
  if (rr->type == FCT_DNS_TYPE_SOA)
    {
      node->has_soa = TRUE;
      node->negative_ttl = MIN (rr->ttl, soa_minimum);
    }
  g_ptr_array_add (node->records, g_steal_pointer (&owned));
  return TRUE;
}

static gboolean
count_record (Parser *ps, GError **error)
{
  if (ps->zone->records >= ps->limits->dns_zone_records_max)
    return parse_error (ps, error, _ ("more than %u records (the zone-file limit)"),
                        ps->limits->dns_zone_records_max);
  ps->zone->records++;
  return TRUE;
}

static gboolean
parse_directive (Parser *ps, const Token *t, guint n, GError **error)
{
  if (token_is (&t[0], "$ORIGIN"))
    {
      FctDnsName origin;
      if (!expect_count (ps, "$ORIGIN", n - 1, 1, error)
          || !parse_name (ps, &t[1], &origin, error))
        return FALSE;
      ps->origin = origin;
      return TRUE;
    }
  if (token_is (&t[0], "$TTL"))
    {
      if (!expect_count (ps, "$TTL", n - 1, 1, error))
        return FALSE;
      if (!parse_ttl (&t[1], &ps->default_ttl))
        return parse_error (ps, error, _ ("bad TTL for $TTL"));
      ps->have_default_ttl = TRUE;
      return TRUE;
    }
  if (token_is (&t[0], "$INCLUDE"))
    return parse_error (ps, error,
                        _ ("$INCLUDE is not supported: put every record in one file"));
  g_autofree char *shown = token_show (&t[0]);
  return parse_error (ps, error, _ ("unknown directive “%s”"), shown);
}

typedef enum
{
  PSEUDO_NONE,
  PSEUDO_TIMEOUT,
  PSEUDO_SERVFAIL,
} Pseudo;

static gboolean
parse_entry (Parser *ps, const Token *t, guint n, gboolean blank_owner, GError **error)
{
  FctDnsName owner;
  guint i = 0;
  guint32 ttl = 0;
  gboolean have_ttl = FALSE, have_class = FALSE;

  if (!blank_owner && !t[0].quoted && t[0].len > 0 && t[0].p[0] == '$')
    return parse_directive (ps, t, n, error);
  if (blank_owner)
    {
      if (!ps->have_owner)
        return parse_error (ps, error,
                            _ ("a line starting with a blank needs an owner above"));
      owner = ps->owner;
    }
  else
    {
      if (!parse_name (ps, &t[0], &owner, error))
        return FALSE;
      i = 1;
    }
  ps->owner = owner;
  ps->have_owner = TRUE;

  /* RFC 1035 §5.1: [TTL] [class] or [class] [TTL]. */
  for (; i < n; i++)
    {
      if (token_is (&t[i], "IN"))
        {
          if (have_class)
            return parse_error (ps, error, _ ("class given twice"));
          have_class = TRUE;
        }
      else if (token_is (&t[i], "CH") || token_is (&t[i], "HS") || token_is (&t[i], "CS"))
        return parse_error (ps, error, _ ("only class IN is supported"));
      else if (!t[i].quoted && t[i].len > 0 && g_ascii_isdigit (t[i].p[0]))
        {
          if (have_ttl)
            return parse_error (ps, error, _ ("TTL given twice"));
          if (!parse_ttl (&t[i], &ttl))
            {
              g_autofree char *shown = token_show (&t[i]);
              return parse_error (ps, error, _ ("bad TTL “%s”"), shown);
            }
          have_ttl = TRUE;
        }
      else
        break;
    }
  if (i >= n)
    return parse_error (ps, error, _ ("missing record type"));

  FctDnsType type = FCT_DNS_TYPE_A;
  Pseudo pseudo = PSEUDO_NONE;
  if (token_is (&t[i], "TIMEOUT"))
    pseudo = PSEUDO_TIMEOUT;
  else if (token_is (&t[i], "SERVFAIL"))
    pseudo = PSEUDO_SERVFAIL;
  else
    {
      g_autofree char *word = t[i].quoted ? NULL : g_strndup (t[i].p, MIN (t[i].len, 16));
      if (word == NULL || t[i].len > 16 || !fct_dns_type_from_string (word, &type))
        {
          g_autofree char *shown = token_show (&t[i]);
          return parse_error (ps, error, _ ("unsupported record type “%s”"), shown);
        }
    }
  const Token *rdata = &t[i + 1];
  guint rn = n - i - 1;

  if (!count_record (ps, error))
    return FALSE;
  if (pseudo != PSEUDO_NONE)
    {
      if (rn != 0)
        return parse_error (ps, error, _ ("%s takes no data"),
                            pseudo == PSEUDO_TIMEOUT ? "TIMEOUT" : "SERVFAIL");
      Node *node = zone_node_get (ps->zone, &owner);
      if (pseudo == PSEUDO_TIMEOUT)
        node->timeout = TRUE;
      else
        node->servfail = TRUE;
      return TRUE;
    }

  if (have_ttl)
    {
      ps->last_ttl = ttl;
      ps->have_last_ttl = TRUE;
    }
  else if (ps->have_default_ttl)
    ttl = ps->default_ttl;
  else if (ps->have_last_ttl)
    ttl = ps->last_ttl;
  else
    ttl = DEFAULT_TTL;

  g_autoptr (FctDnsRecord) rr = fct_dns_record_new (type, ttl);
  guint32 soa_minimum = 0;
  gboolean ok = FALSE;
  guint64 preference;
  switch (type)
    {
    case FCT_DNS_TYPE_A:
    case FCT_DNS_TYPE_AAAA:
      ok = expect_count (ps, fct_dns_type_to_string (type), rn, 1, error)
           && parse_address (ps, rr, &rdata[0], error);
      break;
    case FCT_DNS_TYPE_MX:
      ok = expect_count (ps, "MX", rn, 2, error);
      if (ok && !parse_uint (&rdata[0], G_MAXUINT16, &preference))
        ok = parse_error (ps, error, _ ("MX preference must be 0 to 65535"));
      if (ok)
        {
          rr->preference = (guint16)preference;
          ok = parse_target (ps, &rdata[1], &rr->target, error);
        }
      break;
    case FCT_DNS_TYPE_NS:
    case FCT_DNS_TYPE_CNAME:
    case FCT_DNS_TYPE_PTR:
      ok = expect_count (ps, fct_dns_type_to_string (type), rn, 1, error)
           && parse_target (ps, &rdata[0], &rr->target, error);
      break;
    case FCT_DNS_TYPE_TXT:
      ok = parse_txt (ps, rr, rdata, rn, error);
      break;
    case FCT_DNS_TYPE_TLSA:
      ok = parse_tlsa (ps, rr, rdata, rn, error);
      break;
    case FCT_DNS_TYPE_SOA:
      ok = parse_soa (ps, rr, rdata, rn, &soa_minimum, error);
      break;
    }
  if (!ok)
    return FALSE;
  return zone_add (ps, &owner, g_steal_pointer (&rr), soa_minimum, error);
}

FctDnsZone *
fct_dns_zone_parse (const char *text, gsize len, const char *label, const FctLimits *limits,
                    GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Parser ps = { 0 };
  ps.label = label != NULL ? label : "zone";
  ps.limits = limits != NULL ? limits : fct_limits_default ();
  ps.text = text;
  ps.len = len;
  ps.next_line = 1;

  if (len > ps.limits->dns_zone_max_bytes)
    {
      g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX,
                   _ ("%s: zone larger than %zu bytes"), ps.label,
                   ps.limits->dns_zone_max_bytes);
      return NULL;
    }
  if (!check_lines (&ps, error))
    return NULL;

  g_autoptr (FctDnsZone) zone = g_new0 (FctDnsZone, 1);
  zone->nodes
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)node_free);
  zone->ents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ps.zone = zone;

  g_autoptr (GArray) tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  for (;;)
    {
      gboolean blank_owner = FALSE;
      if (!next_entry (&ps, tokens, &blank_owner, error))
        return NULL;
      if (tokens->len == 0)
        break;
      if (!parse_entry (&ps, (const Token *)(gconstpointer)tokens->data, tokens->len,
                        blank_owner, error))
        return NULL;
    }
  zone->default_ttl = ps.have_default_ttl ? ps.default_ttl
                      : ps.have_last_ttl  ? ps.last_ttl
                                          : DEFAULT_TTL;
  return g_steal_pointer (&zone);
}

/* ---- Lookups ---- */

/* The node answering name: itself, or the wildcard of its closest encloser (RFC 4592
 * §3.3.1). *exists tells whether the name exists at all (a node or an empty
 * non-terminal), so that a NULL node with *exists is NODATA. */
static const Node *
zone_find (const FctDnsZone *zone, const char *name, gboolean *exists)
{
  const Node *node = g_hash_table_lookup (zone->nodes, name);
  FctDnsName encloser;

  *exists = node != NULL || g_hash_table_contains (zone->ents, name);
  if (*exists)
    return node;
  if (fct_dns_name_parse (name, strlen (name), &encloser, NULL) != FCT_DNS_NAME_OK)
    return NULL;
  while (fct_dns_name_strip_left (&encloser))
    {
      g_autofree char *text = fct_dns_name_to_string (&encloser);
      if (!g_hash_table_contains (zone->nodes, text)
          && !g_hash_table_contains (zone->ents, text))
        continue;
      /* The closest encloser: only its own wildcard may match. */
      g_autofree char *wild
          = encloser.len == 0 ? g_strdup ("*") : g_strconcat ("*.", text, NULL);
      node = g_hash_table_lookup (zone->nodes, wild);
      *exists = node != NULL;
      return node;
    }
  return NULL;
}

/* RFC 2308 §5: the SOA of the closest enclosing zone gives the negative TTL. */
static guint32
zone_negative_ttl (const FctDnsZone *zone, const char *name)
{
  FctDnsName up;

  if (fct_dns_name_parse (name, strlen (name), &up, NULL) != FCT_DNS_NAME_OK)
    return zone->default_ttl;
  do
    {
      g_autofree char *text = fct_dns_name_to_string (&up);
      const Node *node = g_hash_table_lookup (zone->nodes, text);
      if (node != NULL && node->has_soa)
        return node->negative_ttl;
    }
  while (fct_dns_name_strip_left (&up));
  return zone->default_ttl;
}

FctDnsAnswer *
fct_dns_zone_lookup (const FctDnsZone *zone, const char *qname, FctDnsType qtype,
                     guint32 *negative_ttl)
{
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_answer_new (qname, qtype, FCT_DNS_RCODE_NOERROR);
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();

  *negative_ttl = 0;
  g_ptr_array_add (seen, (gpointer)qname);
  for (guint hops = 0;; hops++)
    {
      const char *current = answer->canonical_name;
      gboolean exists;
      const Node *node = zone_find (zone, current, &exists);
      const FctDnsRecord *cname = NULL;

      if (!exists)
        {
          answer->rcode = FCT_DNS_RCODE_NXDOMAIN;
          break;
        }
      if (node == NULL)
        break; /* an empty non-terminal: NODATA (RFC 8020 §2) */
      for (guint i = 0; i < node->records->len; i++)
        {
          const FctDnsRecord *rr = g_ptr_array_index (node->records, i);
          if (rr->type == qtype)
            g_ptr_array_add (answer->records, fct_dns_record_copy (rr));
          else if (rr->type == FCT_DNS_TYPE_CNAME)
            cname = rr;
        }
      if (answer->records->len > 0)
        break;
      if (cname != NULL)
        {
          /* RFC 1034 §4.3.2 step 3a: restart at the canonical name. */
          gboolean loop = FALSE;
          for (guint i = 0; i < seen->len; i++)
            loop = loop || g_strcmp0 (g_ptr_array_index (seen, i), cname->target) == 0;
          if (loop || hops == CNAME_CHAIN_MAX)
            {
              answer->rcode = FCT_DNS_RCODE_SERVFAIL;
              answer->reason
                  = g_strdup (loop ? _ ("CNAME loop") : _ ("CNAME chain longer than 8"));
              break;
            }
          g_free (answer->canonical_name);
          answer->canonical_name = g_strdup (cname->target);
          g_ptr_array_add (seen, cname->target);
          continue;
        }
      if (node->servfail)
        {
          answer->rcode = FCT_DNS_RCODE_SERVFAIL;
          answer->reason = g_strdup (_ ("SERVFAIL pseudo-record in the zone file"));
          break;
        }
      if (node->timeout)
        return NULL;
      break;
    }
  if (!fct_dns_answer_has_records (answer))
    *negative_ttl = zone_negative_ttl (zone, answer->canonical_name);
  return g_steal_pointer (&answer);
}

/* ---- The back end ---- */

typedef struct
{
  FctDnsQuery *query;
  FctDnsAnswer *answer;
  guint32 negative_ttl;
} Pending;

static void
pending_free (Pending *pending)
{
  /* Still set when the caller's context was destroyed before the idle ran. */
  if (pending->query != NULL)
    fct_dns_query_unref (pending->query);
  fct_dns_answer_unref (pending->answer);
  g_free (pending);
}

static gboolean
pending_complete (gpointer data)
{
  Pending *pending = data;
  fct_dns_query_complete (g_steal_pointer (&pending->query),
                          g_steal_pointer (&pending->answer), pending->negative_ttl);
  return G_SOURCE_REMOVE;
}

/* Answers from an idle in the caller's context, as a network back end would, so that
 * identical queries issued together coalesce. The idle runs before the timers: the
 * answer is known now, and a caller whose loop stalls past the timeout (a loaded
 * machine) must not get a TIMEOUT for it. */
static void
zone_start (gpointer backend, FctDnsQuery *query)
{
  const FctDnsZone *zone = backend;
  guint32 negative_ttl = 0;
  FctDnsAnswer *answer = fct_dns_zone_lookup (
      zone, fct_dns_query_get_name (query), fct_dns_query_get_type (query), &negative_ttl);

  if (answer == NULL)
    {
      /* The TIMEOUT pseudo-type: never answer; the generic layer's timer fires. */
      fct_dns_query_unref (query);
      return;
    }
  Pending *pending = g_new0 (Pending, 1);
  pending->query = query;
  pending->answer = answer;
  pending->negative_ttl = negative_ttl;

  GSource *idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_set_callback (idle, pending_complete, pending, (GDestroyNotify)pending_free);
  g_source_set_static_name (idle, "fct-dns-zone");
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

static void
zone_backend_free (gpointer backend)
{
  fct_dns_zone_free (backend);
}

static const FctDnsBackendVtable zone_vtable = {
  .start = zone_start,
  .free = zone_backend_free,
};

FctResolver *
fct_resolver_new_zone_data (const char *text, gsize len, const char *origin_name,
                            const FctLimits *limits, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  FctDnsZone *zone = fct_dns_zone_parse (text, len, origin_name, limits, error);
  if (zone == NULL)
    return NULL;
  return fct_resolver_new_backend (&zone_vtable, zone, limits);
}

FctResolver *
fct_resolver_new_zone_file (const char *path, const FctLimits *limits, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  const FctLimits *l = limits != NULL ? limits : fct_limits_default ();
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;
  struct stat st;

  /* Check the size before reading it all. */
  if (stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_IO,
                   _ ("cannot read zone file “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  if (S_ISREG (st.st_mode) && (guint64)st.st_size > (guint64)l->dns_zone_max_bytes)
    {
      g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_IO,
                   _ ("zone file “%s” is larger than %zu bytes"), path,
                   l->dns_zone_max_bytes);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_IO, _ ("%s"), local->message);
      return NULL;
    }
  return fct_resolver_new_zone_data (text, len, path, limits, error);
}
