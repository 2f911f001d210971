/* facteur — DNS value types: type/rcode/DNSSEC names, domain names in presentation
 * and wire form (RFC 1035 §2.3.4, §3.1, §5.1 escapes; RFC 4343 case), records, their
 * RDATA in wire form, answers, reverse-lookup names (RFC 1035 §3.5, RFC 3596 §2.5). */
#include "dns-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

GQuark
fct_dns_error_quark (void)
{
  return g_quark_from_static_string ("fct-dns-error-quark");
}

static const struct
{
  FctDnsType type;
  const char *name;
} type_names[] = {
  { FCT_DNS_TYPE_A, "A" },         { FCT_DNS_TYPE_NS, "NS" },
  { FCT_DNS_TYPE_CNAME, "CNAME" }, { FCT_DNS_TYPE_SOA, "SOA" },
  { FCT_DNS_TYPE_PTR, "PTR" },     { FCT_DNS_TYPE_MX, "MX" },
  { FCT_DNS_TYPE_TXT, "TXT" },     { FCT_DNS_TYPE_AAAA, "AAAA" },
  { FCT_DNS_TYPE_TLSA, "TLSA" },
};

const char *
fct_dns_type_to_string (FctDnsType type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (type_names[i].type == type)
      return type_names[i].name;
  return NULL;
}

gboolean
fct_dns_type_from_string (const char *s, FctDnsType *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (s == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (g_ascii_strcasecmp (s, type_names[i].name) == 0)
      {
        *out = type_names[i].type;
        return TRUE;
      }
  return FALSE;
}

const char *
fct_dns_rcode_to_string (FctDnsRcode rcode)
{
  switch (rcode)
    {
    case FCT_DNS_RCODE_NOERROR:
      return "NOERROR";
    case FCT_DNS_RCODE_NXDOMAIN:
      return "NXDOMAIN";
    case FCT_DNS_RCODE_SERVFAIL:
      return "SERVFAIL";
    case FCT_DNS_RCODE_TIMEOUT:
      return "TIMEOUT";
    case FCT_DNS_RCODE_BADNAME:
      return "BADNAME";
    }
  return "UNKNOWN";
}

const char *
fct_dnssec_status_to_string (FctDnssecStatus status)
{
  switch (status)
    {
    case FCT_DNSSEC_UNKNOWN:
      return "unknown";
    case FCT_DNSSEC_INSECURE:
      return "insecure";
    case FCT_DNSSEC_SECURE:
      return "secure";
    case FCT_DNSSEC_BOGUS:
      return "bogus";
    }
  return "unknown";
}

/* ---- Names ---- */

const char *
fct_dns_name_status_to_string (FctDnsNameStatus status)
{
  switch (status)
    {
    case FCT_DNS_NAME_OK:
      return _ ("valid name");
    case FCT_DNS_NAME_EMPTY_LABEL:
      return _ ("empty label in name");
    case FCT_DNS_NAME_LABEL_TOO_LONG:
      return _ ("label longer than 63 octets (RFC 1035 §2.3.4)");
    case FCT_DNS_NAME_TOO_LONG:
      return _ ("name longer than 255 octets (RFC 1035 §2.3.4)");
    case FCT_DNS_NAME_BAD_ESCAPE:
      return _ ("bad escape in name (\\X or \\DDD with DDD <= 255)");
    }
  return _ ("bad name");
}

/* Reads one RFC 1035 §5.1 escape after the backslash at text[*i]; *i ends on its last
 * character. */
static gboolean
read_escape (const char *text, gsize len, gsize *i, guint8 *out)
{
  gsize p = *i + 1;

  if (p >= len)
    return FALSE;
  if (g_ascii_isdigit (text[p]))
    {
      if (p + 2 >= len || !g_ascii_isdigit (text[p + 1]) || !g_ascii_isdigit (text[p + 2]))
        return FALSE;
      guint v = (guint)(text[p] - '0') * 100 + (guint)(text[p + 1] - '0') * 10
                + (guint)(text[p + 2] - '0');
      if (v > 255)
        return FALSE;
      *out = (guint8)v;
      *i = p + 2;
      return TRUE;
    }
  *out = (guint8)text[p];
  *i = p;
  return TRUE;
}

FctDnsNameStatus
fct_dns_name_parse (const char *text, gsize len, FctDnsName *out, gboolean *absolute)
{
  g_return_val_if_fail (out != NULL, FCT_DNS_NAME_BAD_ESCAPE);

  out->len = 0;
  if (absolute != NULL)
    *absolute = FALSE;
  if (len == 1 && text[0] == '.')
    {
      if (absolute != NULL)
        *absolute = TRUE;
      return FCT_DNS_NAME_OK;
    }
  if (len == 0)
    return FCT_DNS_NAME_EMPTY_LABEL;

  gsize label_start = 0; /* offset of the current label's length octet in out->data */
  gsize label_len = 0;
  gboolean open = FALSE; /* a label has been started and not yet closed by a dot */

  for (gsize i = 0; i < len; i++)
    {
      guint8 byte;
      if (text[i] == '.')
        {
          if (!open)
            return FCT_DNS_NAME_EMPTY_LABEL;
          out->data[label_start] = (guint8)label_len;
          open = FALSE;
          if (i + 1 == len && absolute != NULL)
            *absolute = TRUE;
          continue;
        }
      if (text[i] == '\\')
        {
          if (!read_escape (text, len, &i, &byte))
            return FCT_DNS_NAME_BAD_ESCAPE;
        }
      else
        byte = (guint8)text[i];
      if (!open)
        {
          if (out->len + 1 >= FCT_DNS_NAME_WIRE_MAX)
            return FCT_DNS_NAME_TOO_LONG;
          label_start = out->len++;
          label_len = 0;
          open = TRUE;
        }
      if (label_len == FCT_DNS_LABEL_MAX)
        return FCT_DNS_NAME_LABEL_TOO_LONG;
      if (out->len >= FCT_DNS_NAME_WIRE_MAX)
        return FCT_DNS_NAME_TOO_LONG;
      out->data[out->len++] = (guint8)g_ascii_tolower (byte);
      label_len++;
    }
  if (open)
    out->data[label_start] = (guint8)label_len;
  return FCT_DNS_NAME_OK;
}

gboolean
fct_dns_name_append (FctDnsName *name, const FctDnsName *suffix)
{
  if (name->len + suffix->len > FCT_DNS_NAME_WIRE_MAX)
    return FALSE;
  memcpy (name->data + name->len, suffix->data, suffix->len);
  name->len += suffix->len;
  return TRUE;
}

gboolean
fct_dns_name_from_wire (const guint8 *data, gsize len, gsize *offset, FctDnsName *out)
{
  gsize p = *offset;

  out->len = 0;
  for (;;)
    {
      if (p >= len)
        return FALSE;
      guint8 label_len = data[p];
      if (label_len == 0)
        break;
      /* 0xC0 is a compression pointer, 0x40/0x80 obsolete label types. */
      if (label_len > FCT_DNS_LABEL_MAX)
        return FALSE;
      if (len - p - 1 < label_len || out->len + 1 + label_len > FCT_DNS_NAME_WIRE_MAX)
        return FALSE;
      out->data[out->len++] = label_len;
      for (guint i = 0; i < label_len; i++)
        out->data[out->len++] = (guint8)g_ascii_tolower (data[p + 1 + i]);
      p += 1 + (gsize)label_len;
    }
  *offset = p + 1;
  return TRUE;
}

char *
fct_dns_name_to_string (const FctDnsName *name)
{
  if (name->len == 0)
    return g_strdup (".");

  GString *s = g_string_sized_new (name->len + 8);
  for (gsize p = 0; p < name->len;)
    {
      guint8 label_len = name->data[p++];
      if (s->len > 0)
        g_string_append_c (s, '.');
      for (guint i = 0; i < label_len && p < name->len; i++, p++)
        {
          guint8 c = name->data[p];
          if (c < 0x21 || c > 0x7e)
            g_string_append_printf (s, "\\%03u", (guint)c);
          else if (strchr (".;()\\\"@$", c) != NULL)
            {
              g_string_append_c (s, '\\');
              g_string_append_c (s, (char)c);
            }
          else
            g_string_append_c (s, (char)c);
        }
    }
  return g_string_free (s, FALSE);
}

gboolean
fct_dns_name_strip_left (FctDnsName *name)
{
  if (name->len == 0)
    return FALSE;
  gsize first = 1 + (gsize)name->data[0];
  memmove (name->data, name->data + first, name->len - first);
  name->len -= first;
  return TRUE;
}

void
fct_dns_target_append_fqdn (GString *out, const char *target)
{
  if (target == NULL || strcmp (target, ".") == 0)
    {
      g_string_append_c (out, '.');
      return;
    }
  g_string_append (out, target);
  g_string_append_c (out, '.');
}

void
fct_dns_txt_string_append_quoted (GString *out, const guint8 *data, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];
      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char)c);
        }
      else if (c < 0x20 || c > 0x7e)
        g_string_append_printf (out, "\\%03u", (guint)c);
      else
        g_string_append_c (out, (char)c);
    }
  g_string_append_c (out, '"');
}

/* ---- Records ---- */

FctDnsRecord *
fct_dns_record_new (FctDnsType type, guint32 ttl)
{
  FctDnsRecord *record = g_new0 (FctDnsRecord, 1);
  record->type = type;
  record->ttl = ttl;
  if (type == FCT_DNS_TYPE_TXT)
    record->txt = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  return record;
}

void
fct_dns_record_free (FctDnsRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->target);
  if (record->txt != NULL)
    g_ptr_array_unref (record->txt);
  if (record->tlsa_data != NULL)
    g_bytes_unref (record->tlsa_data);
  g_free (record);
}

FctDnsRecord *
fct_dns_record_copy (const FctDnsRecord *record)
{
  FctDnsRecord *copy = g_new0 (FctDnsRecord, 1);
  *copy = *record;
  copy->target = g_strdup (record->target);
  if (record->txt != NULL)
    {
      copy->txt = g_ptr_array_new_full (record->txt->len, (GDestroyNotify)g_bytes_unref);
      for (guint i = 0; i < record->txt->len; i++)
        g_ptr_array_add (copy->txt, g_bytes_ref (g_ptr_array_index (record->txt, i)));
    }
  if (record->tlsa_data != NULL)
    copy->tlsa_data = g_bytes_ref (record->tlsa_data);
  return copy;
}

gboolean
fct_dns_record_equal (const FctDnsRecord *a, const FctDnsRecord *b)
{
  if (a->type != b->type)
    return FALSE;
  switch (a->type)
    {
    case FCT_DNS_TYPE_A:
      return memcmp (a->addr, b->addr, 4) == 0;
    case FCT_DNS_TYPE_AAAA:
      return memcmp (a->addr, b->addr, 16) == 0;
    case FCT_DNS_TYPE_MX:
      return a->preference == b->preference && g_strcmp0 (a->target, b->target) == 0;
    case FCT_DNS_TYPE_TXT:
      if (a->txt->len != b->txt->len)
        return FALSE;
      for (guint i = 0; i < a->txt->len; i++)
        if (!g_bytes_equal (g_ptr_array_index (a->txt, i), g_ptr_array_index (b->txt, i)))
          return FALSE;
      return TRUE;
    case FCT_DNS_TYPE_TLSA:
      return a->tlsa_usage == b->tlsa_usage && a->tlsa_selector == b->tlsa_selector
             && a->tlsa_matching == b->tlsa_matching
             && g_bytes_equal (a->tlsa_data, b->tlsa_data);
    case FCT_DNS_TYPE_NS:
    case FCT_DNS_TYPE_CNAME:
    case FCT_DNS_TYPE_SOA:
    case FCT_DNS_TYPE_PTR:
      return g_strcmp0 (a->target, b->target) == 0;
    }
  return FALSE;
}

GBytes *
fct_dns_record_txt_joined (const FctDnsRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (record->type == FCT_DNS_TYPE_TXT && record->txt != NULL, NULL);

  GByteArray *joined = g_byte_array_new ();
  for (guint i = 0; i < record->txt->len; i++)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (record->txt, i), &len);
      if (len > 0)
        g_byte_array_append (joined, data, (guint)len);
    }
  return g_byte_array_free_to_bytes (joined);
}

char *
fct_dns_record_to_string (const FctDnsRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);

  GString *s = g_string_new (NULL);
  char buf[64];
  switch (record->type)
    {
    case FCT_DNS_TYPE_A:
      g_string_append_printf (s, "%u.%u.%u.%u", record->addr[0], record->addr[1],
                              record->addr[2], record->addr[3]);
      break;
    case FCT_DNS_TYPE_AAAA:
      {
        g_autoptr (GInetAddress) a
            = g_inet_address_new_from_bytes (record->addr, G_SOCKET_FAMILY_IPV6);
        g_autofree char *text = g_inet_address_to_string (a);
        g_string_append (s, text);
      }
      break;
    case FCT_DNS_TYPE_MX:
      g_string_append_printf (s, "%u ", (guint)record->preference);
      fct_dns_target_append_fqdn (s, record->target);
      break;
    case FCT_DNS_TYPE_TXT:
      for (guint i = 0; record->txt != NULL && i < record->txt->len; i++)
        {
          gsize len = 0;
          const guint8 *data = g_bytes_get_data (g_ptr_array_index (record->txt, i), &len);
          if (i > 0)
            g_string_append_c (s, ' ');
          fct_dns_txt_string_append_quoted (s, data, len);
        }
      break;
    case FCT_DNS_TYPE_TLSA:
      {
        gsize len = 0;
        const guint8 *data
            = record->tlsa_data != NULL ? g_bytes_get_data (record->tlsa_data, &len) : NULL;
        /* Empty data (possible on the wire) has no hex form (RFC 6698 §2.2): the RFC
         * 3597 §5 generic form writes the record as it is. */
        if (len == 0)
          g_string_append_printf (s, "\\# 3 %02X%02X%02X", (guint)record->tlsa_usage,
                                  (guint)record->tlsa_selector,
                                  (guint)record->tlsa_matching);
        else
          g_string_append_printf (s, "%u %u %u ", (guint)record->tlsa_usage,
                                  (guint)record->tlsa_selector,
                                  (guint)record->tlsa_matching);
        for (gsize i = 0; i < len; i++)
          {
            g_snprintf (buf, sizeof buf, "%02X", (guint)data[i]);
            g_string_append (s, buf);
          }
      }
      break;
    case FCT_DNS_TYPE_SOA:
      /* Already the whole RDATA, its two names without their final dot. */
      g_string_append (s, record->target != NULL ? record->target : "");
      break;
    case FCT_DNS_TYPE_NS:
    case FCT_DNS_TYPE_CNAME:
    case FCT_DNS_TYPE_PTR:
      fct_dns_target_append_fqdn (s, record->target);
      break;
    }
  return g_string_free (s, FALSE);
}

/* ---- RDATA in wire form (RFC 1035 §3.3, RFC 3596, RFC 6698 §2.1) ---- */

static gboolean
read_name (const guint8 *data, gsize len, gsize *offset, char **out)
{
  FctDnsName name;
  if (!fct_dns_name_from_wire (data, len, offset, &name))
    return FALSE;
  *out = fct_dns_name_to_string (&name);
  return TRUE;
}

static guint32
read_u32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | (guint32)p[3];
}

FctDnsRecord *
fct_dns_record_from_rdata (FctDnsType type, guint32 ttl, const guint8 *data, gsize len)
{
  g_autoptr (FctDnsRecord) rr = fct_dns_record_new (type, ttl);
  gsize offset = 0;

  switch (type)
    {
    case FCT_DNS_TYPE_A:
    case FCT_DNS_TYPE_AAAA:
      if (len != (type == FCT_DNS_TYPE_A ? 4u : 16u))
        return NULL;
      memcpy (rr->addr, data, len);
      return g_steal_pointer (&rr);
    case FCT_DNS_TYPE_MX:
      if (len < 2)
        return NULL;
      rr->preference = (guint16)(data[0] << 8 | data[1]);
      offset = 2;
      if (!read_name (data, len, &offset, &rr->target) || offset != len)
        return NULL;
      return g_steal_pointer (&rr);
    case FCT_DNS_TYPE_NS:
    case FCT_DNS_TYPE_CNAME:
    case FCT_DNS_TYPE_PTR:
      if (!read_name (data, len, &offset, &rr->target) || offset != len)
        return NULL;
      return g_steal_pointer (&rr);
    case FCT_DNS_TYPE_TXT:
      /* RFC 1035 §3.3.14: one or more <character-string>s, each length-prefixed. */
      if (len == 0)
        return NULL;
      while (offset < len)
        {
          gsize n = data[offset++];
          if (len - offset < n)
            return NULL;
          g_ptr_array_add (rr->txt, g_bytes_new (data + offset, n));
          offset += n;
        }
      return g_steal_pointer (&rr);
    case FCT_DNS_TYPE_TLSA:
      if (len < 3)
        return NULL;
      rr->tlsa_usage = data[0];
      rr->tlsa_selector = data[1];
      rr->tlsa_matching = data[2];
      rr->tlsa_data = g_bytes_new (data + 3, len - 3);
      return g_steal_pointer (&rr);
    case FCT_DNS_TYPE_SOA:
      {
        g_autofree char *mname = NULL, *rname = NULL;
        if (!read_name (data, len, &offset, &mname)
            || !read_name (data, len, &offset, &rname) || len - offset != 20)
          return NULL;
        GString *s = g_string_new (NULL);
        fct_dns_target_append_fqdn (s, mname);
        g_string_append_c (s, ' ');
        fct_dns_target_append_fqdn (s, rname);
        for (guint i = 0; i < 5; i++)
          g_string_append_printf (s, " %u", read_u32 (data + offset + 4 * i));
        rr->target = g_string_free (s, FALSE);
        return g_steal_pointer (&rr);
      }
    }
  return NULL;
}

/* ---- Answers ---- */

FctDnsAnswer *
fct_dns_answer_new (const char *qname, FctDnsType qtype, FctDnsRcode rcode)
{
  FctDnsAnswer *answer = g_new0 (FctDnsAnswer, 1);
  answer->ref_count = 1;
  answer->qname = g_strdup (qname);
  answer->qtype = qtype;
  answer->rcode = rcode;
  answer->dnssec = FCT_DNSSEC_UNKNOWN;
  answer->canonical_name = g_strdup (qname);
  answer->records = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_record_free);
  return answer;
}

FctDnsAnswer *
fct_dns_answer_ref (FctDnsAnswer *answer)
{
  g_return_val_if_fail (answer != NULL, NULL);
  g_atomic_int_inc (&answer->ref_count);
  return answer;
}

void
fct_dns_answer_unref (FctDnsAnswer *answer)
{
  if (answer == NULL || !g_atomic_int_dec_and_test (&answer->ref_count))
    return;
  g_free (answer->qname);
  g_free (answer->canonical_name);
  g_free (answer->reason);
  if (answer->records != NULL)
    g_ptr_array_unref (answer->records);
  g_free (answer);
}

gboolean
fct_dns_answer_has_records (const FctDnsAnswer *answer)
{
  g_return_val_if_fail (answer != NULL, FALSE);
  return answer->rcode == FCT_DNS_RCODE_NOERROR && answer->records != NULL
         && answer->records->len > 0;
}

char *
fct_dns_reverse_name (const guint8 *addr, gsize len)
{
  static const char hex[] = "0123456789abcdef";

  g_return_val_if_fail (addr != NULL, NULL);
  g_return_val_if_fail (len == 4 || len == 16, NULL);

  GString *s = g_string_sized_new (80);
  if (len == 4)
    g_string_append_printf (s, "%u.%u.%u.%u.in-addr.arpa", addr[3], addr[2], addr[1],
                            addr[0]);
  else
    {
      /* RFC 3596 §2.5: nibbles, lowest-order first. */
      for (gsize i = 16; i-- > 0;)
        {
          g_string_append_c (s, hex[addr[i] & 0x0f]);
          g_string_append_c (s, '.');
          g_string_append_c (s, hex[addr[i] >> 4]);
          g_string_append_c (s, '.');
        }
      g_string_append (s, "ip6.arpa");
    }
  return g_string_free (s, FALSE);
}
