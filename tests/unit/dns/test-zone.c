/* Zone-file parser and lookups (src/lib/dns/zone.c): every syntax feature, escapes,
 * multi-string TXT, pseudo-types, CNAME chains, empty non-terminals, wildcards, and
 * bad lines reported with their line number. Table-driven. */
#include "src/lib/dns/dns-private.h"

#include <glib/gstdio.h>

static const char zone_text[]
    = "; a zone using every feature of the parser\n"
      "$ORIGIN example.com.\n"
      "$TTL 300\n"
      "@       IN SOA ns1 hostmaster ( 2024010101 ; serial\n"
      "                3600 900 1w 60 )   ; refresh retry expire minimum\n"
      "        IN NS ns1\n"
      "        IN MX 10 mail\n"
      "        MX 20 Mail.Backup.Example.NET.\n"
      "ns1     IN A 192.0.2.1\n"
      "mail    3600 IN A 192.0.2.2\n"
      "mail    IN 2h AAAA 2001:DB8::2\n"
      "www     CNAME mail\n"
      "txt1    TXT \"v=spf1 ip4:192.0.2.0/24\" \" -all\"\n"
      "txt2    TXT unquoted words \"and \\\"quoted\\\"\" semi\\;colon\n"
      "txt3    TXT \"\\000\\255\\\\x\" \"a;b (c)\" \"\"\n"
      "txt4    TXT ( \"one\"\n"
      "              \"two\" )\n"
      "txt5    TXT \"dup\"\n"
      "txt5    TXT \"dup\"\n"
      "Esc\\.Dot  A 192.0.2.3\n"
      "sp\\032ace A 192.0.2.4\n"
      "a.b.c   A 192.0.2.5      ; c and b.c are empty non-terminals\n"
      "_25._tcp.mail TLSA 3 1 1 ( 0123456789abcdef\n"
      "                           0123456789ABCDEF )\n"
      "4.3.2.1.in-addr.arpa. PTR mail\n"
      "abs.example.org. A 192.0.2.9\n"
      "chain1  CNAME chain2\n"
      "chain2  CNAME chain3.example.com.\n"
      "chain3  A 192.0.2.10\n"
      "loop1   CNAME loop2\n"
      "loop2   CNAME loop1\n"
      "self    CNAME self\n"
      "dangling CNAME nowhere\n"
      "*.wild  A 192.0.2.11\n"
      "*.wild  TXT \"wild\"\n"
      "host.wild A 192.0.2.12\n"
      "slow    TIMEOUT\n"
      "slow    TXT \"has txt\"\n"
      "broken  SERVFAIL\n"
      "c0 CNAME c1\nc1 CNAME c2\nc2 CNAME c3\nc3 CNAME c4\nc4 CNAME c5\n"
      "c5 CNAME c6\nc6 CNAME c7\nc7 CNAME c8\nc8 CNAME c9\nc9 A 192.0.2.99\n"
      "$ORIGIN sub\n"
      "x       A 192.0.2.13\n"
      "@       TXT \"sub\"\n"
      "$ORIGIN example.net.\n"
      "zero 0 A 192.0.2.14\n";

typedef struct
{
  const char *qname;
  FctDnsType qtype;
  FctDnsRcode rcode;
  const char *records;   /* presentation forms joined by "|", "" for none */
  const char *canonical; /* NULL: equal to the canonical qname */
  guint32 ttl;           /* of the first record, 0: not checked */
} LookupCase;

static const LookupCase lookup_cases[] = {
  { "example.com", FCT_DNS_TYPE_SOA, FCT_DNS_RCODE_NOERROR,
    "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 60", NULL, 300 },
  { "example.com", FCT_DNS_TYPE_NS, FCT_DNS_RCODE_NOERROR, "ns1.example.com.", NULL, 300 },
  { "example.com", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR,
    "10 mail.example.com.|20 mail.backup.example.net.", NULL, 300 },
  { "mail.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.2", NULL, 3600 },
  { "mail.example.com", FCT_DNS_TYPE_AAAA, FCT_DNS_RCODE_NOERROR, "2001:db8::2", NULL,
    7200 },
  { "mail.example.com", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "www.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.2",
    "mail.example.com", 0 },
  { "www.example.com", FCT_DNS_TYPE_CNAME, FCT_DNS_RCODE_NOERROR, "mail.example.com.", NULL,
    0 },
  { "txt1.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR,
    "\"v=spf1 ip4:192.0.2.0/24\" \" -all\"", NULL, 300 },
  { "txt2.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR,
    "\"unquoted\" \"words\" \"and \\\"quoted\\\"\" \"semi;colon\"", NULL, 0 },
  { "txt3.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR,
    "\"\\000\\255\\\\x\" \"a;b (c)\" \"\"", NULL, 0 },
  { "txt4.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "\"one\" \"two\"", NULL,
    0 },
  { "txt5.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "\"dup\"", NULL, 0 },
  { "esc\\.dot.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.3", NULL, 0 },
  { "sp\\032ace.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.4", NULL, 0 },
  { "a.b.c.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.5", NULL, 0 },
  { "b.c.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "c.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "x.c.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, "", NULL, 0 },
  { "_25._tcp.mail.example.com", FCT_DNS_TYPE_TLSA, FCT_DNS_RCODE_NOERROR,
    "3 1 1 0123456789ABCDEF0123456789ABCDEF", NULL, 0 },
  { "_tcp.mail.example.com", FCT_DNS_TYPE_TLSA, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "4.3.2.1.in-addr.arpa", FCT_DNS_TYPE_PTR, FCT_DNS_RCODE_NOERROR, "mail.example.com.",
    NULL, 0 },
  { "abs.example.org", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.9", NULL, 0 },
  { "chain1.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.10",
    "chain3.example.com", 0 },
  { "chain1.example.com", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR, "", "chain3.example.com",
    0 },
  { "loop1.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_SERVFAIL, "", "loop2.example.com",
    0 },
  { "self.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_SERVFAIL, "", NULL, 0 },
  { "dangling.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, "",
    "nowhere.example.com", 0 },
  { "foo.wild.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.11", NULL, 0 },
  { "foo.bar.wild.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "\"wild\"", NULL,
    0 },
  { "foo.wild.example.com", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  /* RFC 4592 §2.2.1: an existing name hides the wildcard. */
  { "host.wild.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "x.host.wild.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, "", NULL, 0 },
  { "wild.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "slow.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "\"has txt\"", NULL, 0 },
  { "broken.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_SERVFAIL, "", NULL, 0 },
  { "c1.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.99", "c9.example.com",
    0 },
  { "c0.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_SERVFAIL, "", "c8.example.com", 0 },
  { "x.sub.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.13", NULL, 0 },
  { "sub.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, "\"sub\"", NULL, 0 },
  { "zero.example.net", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "192.0.2.14", NULL, 0 },
  { "nothing.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, "", NULL, 0 },
  { "com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, "", NULL, 0 },
  { "org.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, "", NULL, 0 },
};

static char *
records_joined (const FctDnsAnswer *answer)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < answer->records->len; i++)
    {
      g_autofree char *one
          = fct_dns_record_to_string (g_ptr_array_index (answer->records, i));
      if (i > 0)
        g_string_append_c (s, '|');
      g_string_append (s, one);
    }
  return g_string_free (s, FALSE);
}

static FctDnsZone *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  FctDnsZone *zone = fct_dns_zone_parse (text, strlen (text), "t", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (zone);
  return zone;
}

static void
test_lookup (gconstpointer data)
{
  const LookupCase *c = data;
  g_autoptr (FctDnsZone) zone = parse_ok (zone_text);
  guint32 negative_ttl = 0;
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_zone_lookup (zone, c->qname, c->qtype, &negative_ttl);

  g_assert_nonnull (answer);
  g_assert_cmpstr (fct_dns_rcode_to_string (answer->rcode), ==,
                   fct_dns_rcode_to_string (c->rcode));
  g_autofree char *records = records_joined (answer);
  g_assert_cmpstr (records, ==, c->records);
  g_assert_cmpstr (answer->canonical_name, ==,
                   c->canonical != NULL ? c->canonical : c->qname);
  g_assert_cmpstr (answer->qname, ==, c->qname);
  g_assert_cmpint (answer->dnssec, ==, FCT_DNSSEC_UNKNOWN);
  for (guint i = 0; i < answer->records->len; i++)
    g_assert_cmpint (((FctDnsRecord *)g_ptr_array_index (answer->records, i))->type, ==,
                     c->qtype);
  if (c->ttl != 0)
    g_assert_cmpuint (((FctDnsRecord *)g_ptr_array_index (answer->records, 0))->ttl, ==,
                      c->ttl);
  if (answer->rcode == FCT_DNS_RCODE_SERVFAIL)
    g_assert_nonnull (answer->reason);
}

static void
test_timeout_pseudo_type (void)
{
  g_autoptr (FctDnsZone) zone = parse_ok (zone_text);
  guint32 negative_ttl = 0;

  /* TIMEOUT: no answer at all for a type the name has no record of. */
  g_assert_null (
      fct_dns_zone_lookup (zone, "slow.example.com", FCT_DNS_TYPE_A, &negative_ttl));
  g_assert_null (
      fct_dns_zone_lookup (zone, "slow.example.com", FCT_DNS_TYPE_MX, &negative_ttl));
}

static void
test_negative_ttl (void)
{
  g_autoptr (FctDnsZone) zone = parse_ok (zone_text);
  guint32 negative_ttl = 0;

  /* RFC 2308 §5: min (SOA TTL 300, MINIMUM 60). */
  g_autoptr (FctDnsAnswer) a
      = fct_dns_zone_lookup (zone, "nothing.example.com", FCT_DNS_TYPE_A, &negative_ttl);
  g_assert_cmpuint (negative_ttl, ==, 60);
  /* No SOA above example.net: the zone's default TTL. */
  g_autoptr (FctDnsAnswer) b
      = fct_dns_zone_lookup (zone, "nothing.example.net", FCT_DNS_TYPE_A, &negative_ttl);
  g_assert_cmpuint (negative_ttl, ==, 300);
}

static void
test_txt_bytes (void)
{
  g_autoptr (FctDnsZone) zone = parse_ok (zone_text);
  guint32 negative_ttl = 0;
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_zone_lookup (zone, "txt3.example.com", FCT_DNS_TYPE_TXT, &negative_ttl);
  const FctDnsRecord *rr = g_ptr_array_index (answer->records, 0);
  static const guint8 first[] = { 0, 255, '\\', 'x' };

  g_assert_cmpuint (rr->txt->len, ==, 3);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (g_ptr_array_index (rr->txt, 0), &len);
  g_assert_cmpmem (data, len, first, sizeof first);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (rr->txt, 2)), ==, 0);

  g_autoptr (FctDnsAnswer) spf
      = fct_dns_zone_lookup (zone, "txt1.example.com", FCT_DNS_TYPE_TXT, &negative_ttl);
  g_autoptr (GBytes) joined
      = fct_dns_record_txt_joined (g_ptr_array_index (spf->records, 0));
  g_assert_cmpmem (g_bytes_get_data (joined, NULL), g_bytes_get_size (joined),
                   "v=spf1 ip4:192.0.2.0/24 -all", 28);
}

typedef struct
{
  const char *text;
  const char *prefix; /* "t:LINE:" */
  const char *reason; /* a substring of the message */
} BadCase;

static const BadCase bad_cases[] = {
  { "a A 1.2.3\n", "t:1:", "not an IPv4 address" },
  { "a AAAA 1.2.3.4\n", "t:1:", "not an IPv6 address" },
  { "ok A 192.0.2.1\n\nbad BOGUS x\n", "t:3:", "unsupported record type “BOGUS”" },
  { "a TXT \"unterminated\nb A 1.2.3.4\n", "t:1:", "unterminated quoted string" },
  { "a MX 70000 b\n", "t:1:", "MX preference" },
  { "a MX 10\n", "t:1:", "MX takes 2 fields, found 1" },
  { "a A\n", "t:1:", "A takes 1 field, found 0" },
  { "a A 1.2.3.4 5.6.7.8\n", "t:1:", "A takes 1 field, found 2" },
  { "a CNAME b c\n", "t:1:", "CNAME takes 1 field" },
  { "a TXT\n", "t:1:", "at least one string" },
  { "a TXT \"x\\2\"\n", "t:1:", "three digits" },
  { "a TXT \"x\\256\"\n", "t:1:", "above 255" },
  { "a TXT x\\\n", "t:1:", "backslash at the end" },
  { "ok A 192.0.2.1\n"
    "a TXT "
    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""
    "\n",
    "t:2:", "longer than 255 bytes" },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa A 1.2.3.4\n",
    "t:1:", "label longer than 63" },
  { "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q."
    "r."
    "s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i."
    "j."
    "k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z A "
    "1.2.3.4\n",
    "t:1:", "name longer than 255" },
  { "a..b A 1.2.3.4\n", "t:1:", "empty label" },
  { "a\\999 A 1.2.3.4\n", "t:1:", "bad escape" },
  { "$INCLUDE other.zone\n", "t:1:", "$INCLUDE is not supported" },
  { "$FOO bar\n", "t:1:", "unknown directive “$FOO”" },
  { "$TTL\n", "t:1:", "$TTL takes 1 field" },
  { "$TTL 1x\n", "t:1:", "bad TTL" },
  { "$ORIGIN a..b\n", "t:1:", "empty label" },
  { " A 1.2.3.4\n", "t:1:", "needs an owner" },
  { "a ( A\n 1.2.3.4\n", "t:1:", "not closed" },
  { "a ) A 1.2.3.4\n", "t:1:", "without" },
  { "a ( ( A 1.2.3.4 ) )\n", "t:1:", "nested" },
  { "a CNAME b\na A 1.2.3.4\n", "t:2:", "CNAME and other data" },
  { "a A 1.2.3.4\na CNAME b\n", "t:2:", "CNAME and other data" },
  { "a CNAME b\na CNAME c\n", "t:2:", "more than one CNAME" },
  { "a CH A 1.2.3.4\n", "t:1:", "only class IN" },
  { "a IN IN A 1.2.3.4\n", "t:1:", "class given twice" },
  { "a 10 20 A 1.2.3.4\n", "t:1:", "TTL given twice" },
  { "a 99999999999 A 1.2.3.4\n", "t:1:", "bad TTL" },
  { "a 1h30 A 1.2.3.4\n", "t:1:", "bad TTL" },
  { "a IN\n", "t:1:", "missing record type" },
  { "a TLSA 3 1 1 abc\n", "t:1:", "odd number" },
  { "a TLSA 3 1 1 zz\n", "t:1:", "hexadecimal" },
  { "a TLSA 3 1 256 00\n", "t:1:", "matching type must be 0 to 255" },
  { "a TLSA 3 1 1\n", "t:1:", "TLSA takes" },
  /* fuzz-zone: "" was read as empty data, then written as "3 1 1 " and refused. */
  { "a TLSA 3 1 1 \"\"\n", "t:1:", "TLSA data is empty" },
  { "a TLSA 3 1 1 ( )\n", "t:1:", "TLSA takes" },
  { "a TIMEOUT x\n", "t:1:", "TIMEOUT takes no data" },
  { "a SERVFAIL x\n", "t:1:", "SERVFAIL takes no data" },
  { "@ SOA ns host (\n 1 2 3 4 )\n", "t:1:", "SOA takes 7 fields" },
  { "@ SOA ns host x 2 3 4 5\n", "t:1:", "bad SOA serial" },
  { "\"quoted\" A 1.2.3.4\n", "t:1:", "quoted string" },
  { "a \"TXT\" x\n", "t:1:", "unsupported record type" },
  { "ok A 1.2.3.4\nb A 1.2.3.4\0\n", "t:2:", "NUL byte" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr (GError) error = NULL;
  /* The NUL case needs its true length. */
  gsize len = strlen (c->text);
  if (g_str_has_suffix (c->reason, "NUL byte"))
    len += 2;
  g_autoptr (FctDnsZone) zone = fct_dns_zone_parse (c->text, len, "t", NULL, &error);

  g_assert_null (zone);
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, c->prefix));
  if (strstr (error->message, c->reason) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, c->reason);
}

static void
test_limits (void)
{
  FctLimits limits;
  g_autoptr (GError) error = NULL;
  const char *text = "a A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n";

  fct_limits_init (&limits);
  limits.dns_zone_records_max = 2;
  g_assert_null (fct_dns_zone_parse (text, strlen (text), "t", &limits, &error));
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "t:3: more than 2 records"));
  g_clear_error (&error);

  limits.dns_zone_records_max = 3;
  g_autoptr (FctDnsZone) zone
      = fct_dns_zone_parse (text, strlen (text), "t", &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_dns_zone_get_record_count (zone), ==, 3);

  limits.dns_zone_line_max_bytes = 13;
  const char *longer = "a A 192.0.2.1\nbb A 192.0.2.2\n";
  g_assert_null (fct_dns_zone_parse (longer, strlen (longer), "t", &limits, &error));
  g_assert_true (g_str_has_prefix (error->message, "t:2: line longer than 13 bytes"));
  g_clear_error (&error);

  fct_limits_init (&limits);
  limits.dns_zone_max_bytes = 10;
  g_assert_null (fct_dns_zone_parse (text, strlen (text), "t", &limits, &error));
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX);
  g_assert_nonnull (strstr (error->message, "larger than 10 bytes"));
}

/* Found by fuzz-dns-rdata: SOA timers are 32-bit (RFC 1035 §3.3.13), wider than a
 * TTL (RFC 2181 §8). */
static void
test_soa_timers_32_bit (void)
{
  g_autoptr (FctDnsZone) zone
      = parse_ok ("x. 300 IN SOA ns1.example.test. host\\\\master.example.test. 2024545069 "
                  "2600475658 168430090 4294967295 3600\n");
  guint32 negative_ttl;
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_zone_lookup (zone, "x", FCT_DNS_TYPE_SOA, &negative_ttl);
  g_autofree char *records = records_joined (answer);
  g_assert_cmpstr (records, ==,
                   "ns1.example.test. host\\\\master.example.test. 2024545069 2600475658 "
                   "168430090 4294967295 3600");
  g_autoptr (GError) error = NULL;
  const char *over = "x. SOA a. b. 1 4294967296 1 1 1\n";
  g_assert_null (fct_dns_zone_parse (over, strlen (over), "t", NULL, &error));
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX);
}

static void
test_crlf_and_empty (void)
{
  const char *text = "$ORIGIN example.com.\r\n\r\n   ; only a comment\r\na TXT \"x\"\r\n";
  g_autoptr (FctDnsZone) zone = parse_ok (text);
  guint32 negative_ttl;
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_zone_lookup (zone, "a.example.com", FCT_DNS_TYPE_TXT, &negative_ttl);
  g_autofree char *records = records_joined (answer);
  g_assert_cmpstr (records, ==, "\"x\"");

  g_autoptr (FctDnsZone) empty = parse_ok ("");
  g_assert_cmpuint (fct_dns_zone_get_record_count (empty), ==, 0);
  g_autoptr (FctDnsAnswer) none
      = fct_dns_zone_lookup (empty, "a.example.com", FCT_DNS_TYPE_TXT, &negative_ttl);
  g_assert_cmpint (none->rcode, ==, FCT_DNS_RCODE_NXDOMAIN);
}

static void
test_zone_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fct-zone-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "bad.zone", NULL);

  g_assert_true (g_file_set_contents (path, "a A 192.0.2.1\nb A 300.0.0.1\n", -1, NULL));
  g_assert_null (fct_resolver_new_zone_file (path, NULL, &error));
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_SYNTAX);
  g_autofree char *prefix = g_strconcat (path, ":2: ", NULL);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "a A 192.0.2.1\n", -1, NULL));
  g_autoptr (FctResolver) resolver = fct_resolver_new_zone_file (path, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FctDnsAnswer) answer = fct_resolver_query (resolver, "A.", FCT_DNS_TYPE_A);
  g_assert_true (fct_dns_answer_has_records (answer));
  g_assert_cmpstr (answer->qname, ==, "a");

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_null (fct_resolver_new_zone_file (path, NULL, &error));
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_ZONE_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_example_zone (void)
{
  /* The bundled example (examples/example.zone) must always load. */
  const char *root = g_getenv ("FCT_SOURCE_ROOT");
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (root);
  g_autofree char *path = g_build_filename (root, "examples", "example.zone", NULL);
  g_autoptr (FctResolver) resolver = fct_resolver_new_zone_file (path, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FctDnsAnswer) mx
      = fct_resolver_query (resolver, "example.test", FCT_DNS_TYPE_MX);
  g_assert_true (fct_dns_answer_has_records (mx));
  g_autoptr (FctDnsAnswer) dkim
      = fct_resolver_query (resolver, "s1._domainkey.example.test", FCT_DNS_TYPE_TXT);
  g_assert_true (fct_dns_answer_has_records (dkim));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (lookup_cases); i++)
    {
      g_autofree char *path = g_strdup_printf (
          "/dns/zone/lookup/%02" G_GSIZE_FORMAT "-%s-%s", i, lookup_cases[i].qname,
          fct_dns_type_to_string (lookup_cases[i].qtype));
      g_test_add_data_func (path, &lookup_cases[i], test_lookup);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dns/zone/bad/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/dns/zone/timeout-pseudo-type", test_timeout_pseudo_type);
  g_test_add_func ("/dns/zone/negative-ttl", test_negative_ttl);
  g_test_add_func ("/dns/zone/txt-bytes", test_txt_bytes);
  g_test_add_func ("/dns/zone/limits", test_limits);
  g_test_add_func ("/dns/zone/crlf-and-empty", test_crlf_and_empty);
  g_test_add_func ("/dns/zone/soa-timers-32-bit", test_soa_timers_32_bit);
  g_test_add_func ("/dns/zone/file", test_zone_file);
  g_test_add_func ("/dns/zone/example", test_example_zone);
  return g_test_run ();
}
