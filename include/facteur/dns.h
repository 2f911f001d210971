/* facteur — DNS: one resolver interface (FctResolver) with two back ends, libunbound
 * (production, DNSSEC-validating) and a zone file (offline tests, --dns-zone).
 *
 * Queries complete asynchronously: the callback runs in the thread-default GMainContext
 * of the thread that started the query (as GIO's GTask does). Many queries may be in
 * flight at once; each has its own timeout; answers are cached for the whole process
 * in the resolver, and identical queries in flight are coalesced. */
#pragma once

#include <facteur/limits.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define FCT_DNS_ERROR (fct_dns_error_quark ())
GQuark fct_dns_error_quark (void);

typedef enum
{
  FCT_DNS_ERROR_ZONE_SYNTAX, /* a zone file line cannot be parsed (message gives file:line)
                              */
  FCT_DNS_ERROR_ZONE_IO,     /* the zone file cannot be read */
  FCT_DNS_ERROR_BACKEND,     /* the back end could not be set up (libunbound said why) */
  FCT_DNS_ERROR_INVALID,     /* bad argument: unparsable server address, etc. */
} FctDnsError;

/* Record types, with their IANA numbers. */
typedef enum
{
  FCT_DNS_TYPE_A = 1,
  FCT_DNS_TYPE_NS = 2,
  FCT_DNS_TYPE_CNAME = 5,
  FCT_DNS_TYPE_SOA = 6,
  FCT_DNS_TYPE_PTR = 12,
  FCT_DNS_TYPE_MX = 15,
  FCT_DNS_TYPE_TXT = 16,
  FCT_DNS_TYPE_AAAA = 28,
  FCT_DNS_TYPE_TLSA = 52,
} FctDnsType;

/* Returns "A", "MX", ... or NULL for a type facteur does not know. */
const char *fct_dns_type_to_string (FctDnsType type);
/* Parses "a", "MX", ... (case-insensitive); returns FALSE if unknown. */
gboolean fct_dns_type_from_string (const char *s, FctDnsType *out);

/* How a query ended. Only NOERROR carries records; NOERROR with no record is NODATA. */
typedef enum
{
  FCT_DNS_RCODE_NOERROR,
  FCT_DNS_RCODE_NXDOMAIN,
  FCT_DNS_RCODE_SERVFAIL, /* includes REFUSED and any other server-side failure */
  FCT_DNS_RCODE_TIMEOUT,
  FCT_DNS_RCODE_BADNAME, /* the name cannot be queried: empty label, label > 63, name > 253
                          * octets, bad escape */
} FctDnsRcode;

const char *fct_dns_rcode_to_string (FctDnsRcode rcode);

typedef enum
{
  FCT_DNSSEC_UNKNOWN,  /* the back end does not validate (zone file) */
  FCT_DNSSEC_INSECURE, /* no chain of trust (most domains) */
  FCT_DNSSEC_SECURE,
  FCT_DNSSEC_BOGUS, /* validation failed: libunbound answers SERVFAIL-like */
} FctDnssecStatus;

const char *fct_dnssec_status_to_string (FctDnssecStatus status);

typedef struct
{
  FctDnsType type;
  guint32 ttl;
  /* A: 4 bytes, AAAA: 16 bytes, in network order. */
  guint8 addr[16];
  /* MX preference. */
  guint16 preference;
  /* MX exchange, CNAME, PTR and NS target: lower-case presentation form, no trailing
   * dot, RFC 1035 escapes (\X for . ; ( ) \ " @ $, \DDD for bytes outside 0x21-0x7e)
   * (owned by the record). SOA: the whole RDATA in that form, "MNAME RNAME SERIAL
   * REFRESH RETRY EXPIRE MINIMUM". */
  char *target;
  /* TXT: its character-strings as received, each a GBytes (may hold any byte). */
  GPtrArray *txt;
  /* TLSA (RFC 6698 §2.1). */
  guint8 tlsa_usage, tlsa_selector, tlsa_matching;
  GBytes *tlsa_data;
} FctDnsRecord;

/* Frees a record and everything it owns; accepts NULL. */
void fct_dns_record_free (FctDnsRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDnsRecord, fct_dns_record_free)

/* Concatenates the character-strings of a TXT record, as SPF/DKIM/DMARC read them
 * (RFC 7208 §3.3, RFC 6376 §3.6.2.2). Returns (transfer full). */
GBytes *fct_dns_record_txt_joined (const FctDnsRecord *record);
/* Formats the record's data in zone-file presentation form (transfer full): TXT as
 * quoted strings with \DDD for bytes outside printable ASCII, TLSA data in upper-case
 * hex. */
char *fct_dns_record_to_string (const FctDnsRecord *record);

/* An answer is immutable and reference-counted: the cache and every caller share it. */
typedef struct
{
  /*< private >*/
  gint ref_count;
  /*< public >*/
  char *qname; /* as asked, lower-cased, no trailing dot */
  FctDnsType qtype;
  FctDnsRcode rcode;
  FctDnssecStatus dnssec;
  char *canonical_name; /* after following CNAMEs; equals qname when none */
  GPtrArray *records;   /* FctDnsRecord *: records of qtype at canonical_name */
  char *reason;         /* why SERVFAIL/TIMEOUT/BOGUS, for humans; may be NULL */
} FctDnsAnswer;

FctDnsAnswer *fct_dns_answer_ref (FctDnsAnswer *answer);
void fct_dns_answer_unref (FctDnsAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDnsAnswer, fct_dns_answer_unref)

/* True for NOERROR with at least one record. */
gboolean fct_dns_answer_has_records (const FctDnsAnswer *answer);

typedef struct _FctResolver FctResolver;

typedef struct
{
  /* NULL: the system configuration (/etc/resolv.conf); else "IP" or "IP@PORT". */
  const char *forwarder;
  /* DNSSEC trust anchor file; NULL: Debian's /usr/share/dns/root.key. "" disables. */
  const char *trust_anchor_file;
  /* Per-query timeout and cache size; NULL: fct_limits_default(). */
  const FctLimits *limits;
} FctResolverOptions;

/* A resolver backed by libunbound. Names under test. and the reverse zones of the
 * documentation networks (RFC 6761, RFC 5737, RFC 3849) are passed to the server and
 * not validated, so that a test server can answer them. Returns (transfer full) or
 * NULL and error: FCT_DNS_ERROR_INVALID for a bad forwarder, _BACKEND otherwise. */
FctResolver *fct_resolver_new_unbound (const FctResolverOptions *options,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A resolver that answers every query from a zone file (DESIGN.md "Zone files").
 * A name absent from the file is NXDOMAIN; a present name without the type, NODATA. */
FctResolver *fct_resolver_new_zone_file (const char *path, const FctLimits *limits,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Same, from zone text in memory; origin_name names it in error messages. */
FctResolver *fct_resolver_new_zone_data (const char *text, gsize len,
                                         const char *origin_name, const FctLimits *limits,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

FctResolver *fct_resolver_ref (FctResolver *resolver);
void fct_resolver_unref (FctResolver *resolver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctResolver, fct_resolver_unref)

/* answer is (transfer none): ref it to keep it past the callback. */
typedef void (*FctDnsCallback) (FctDnsAnswer *answer, gpointer user_data);

/* Starts a query; callback runs exactly once, later, in the caller's thread-default
 * main context (never from inside this call). name is a presentation-form domain name,
 * trailing dot optional, case-insensitive. */
void fct_resolver_query_async (FctResolver *resolver, const char *name, FctDnsType type,
                               FctDnsCallback callback, gpointer user_data);

/* The answer the cache holds for name and type, if a live one is there: returns (transfer
 * full) or NULL, and never queries, waits or calls back. A caller that can go on at once
 * with a cached answer tries this first and falls back to fct_resolver_query_async on
 * NULL. A hit counts in the stats as a query answered from the cache; a miss (and a
 * name that cannot be queried) counts nothing. */
FctDnsAnswer *fct_resolver_lookup_cached (FctResolver *resolver, const char *name,
                                          FctDnsType type) G_GNUC_WARN_UNUSED_RESULT;

/* Blocking convenience: runs a private main context until the answer arrives.
 * Returns (transfer full); never NULL (failures are rcodes). */
FctDnsAnswer *fct_resolver_query (FctResolver *resolver, const char *name, FctDnsType type);

/* The reverse-lookup name of an address (4 or 16 bytes): "4.3.2.1.in-addr.arpa" or the
 * nibble form under ip6.arpa (RFC 3596 §2.5). Returns (transfer full). */
char *fct_dns_reverse_name (const guint8 *addr, gsize len);

/* Counters, for tests and benchmarks. */
typedef struct
{
  guint64 queries;    /* fct_resolver_query* calls, and fct_resolver_lookup_cached hits */
  guint64 cache_hits; /* answered from the cache or joined to a query in flight */
  guint64 backend_queries;
} FctResolverStats;

void fct_resolver_get_stats (FctResolver *resolver, FctResolverStats *stats);

G_END_DECLS
