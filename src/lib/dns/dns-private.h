/* facteur — DNS layer internals shared by the generic resolver (resolver.c), the
 * record helpers (types.c) and the two back ends (zone.c, unbound.c). Never included
 * from outside src/lib/dns except by the DNS tests and the zone fuzz target. */
#pragma once

#include <facteur/dns.h>

G_BEGIN_DECLS

/* ---- Domain names (RFC 1035 §2.3.4, §3.1; RFC 1035 §5.1 escapes) ---- */

#define FCT_DNS_LABEL_MAX 63
/* 255 octets in wire form including the root label: 254 for the other labels. */
#define FCT_DNS_NAME_WIRE_MAX 254

/* A name as its labels in wire form (length octet + bytes), lower-cased (ASCII only,
 * RFC 4343), without the final root label. len == 0 is the root. */
typedef struct
{
  guint8 data[FCT_DNS_NAME_WIRE_MAX];
  gsize len;
} FctDnsName;

typedef enum
{
  FCT_DNS_NAME_OK,
  FCT_DNS_NAME_EMPTY_LABEL,
  FCT_DNS_NAME_LABEL_TOO_LONG,
  FCT_DNS_NAME_TOO_LONG,
  FCT_DNS_NAME_BAD_ESCAPE,
} FctDnsNameStatus;

/* Parses a presentation-form name (escapes \X and \DDD; "." alone is the root).
 * absolute (may be NULL) tells whether it ended with an unescaped dot. */
FctDnsNameStatus fct_dns_name_parse (const char *text, gsize len, FctDnsName *out,
                                     gboolean *absolute);
/* Appends suffix to name; FALSE if the result would exceed 255 octets. */
gboolean fct_dns_name_append (FctDnsName *name, const FctDnsName *suffix);
/* Reads an uncompressed wire-form name at *offset of data (RDATA as libunbound
 * gives it), advancing *offset. FALSE on truncation, compression or bad length. */
gboolean fct_dns_name_from_wire (const guint8 *data, gsize len, gsize *offset,
                                 FctDnsName *out);
/* Canonical presentation form: lower case, no trailing dot ("." for the root),
 * "\X" for . ; ( ) \ " @ $ and "\DDD" for bytes outside 0x21-0x7e (transfer full). */
char *fct_dns_name_to_string (const FctDnsName *name);
/* Removes the leftmost label; FALSE for the root. */
gboolean fct_dns_name_strip_left (FctDnsName *name);
const char *fct_dns_name_status_to_string (FctDnsNameStatus status);

/* Appends a canonical name (as fct_dns_name_to_string gives it) as a fully qualified
 * one: "a.b." for "a.b", "." for the root (RFC 7505's null MX). */
void fct_dns_target_append_fqdn (GString *out, const char *target);

/* Appends character-string bytes to out in zone-file form: quoted, with \" \\ and
 * \DDD for bytes outside 0x20-0x7e. */
void fct_dns_txt_string_append_quoted (GString *out, const guint8 *data, gsize len);

/* ---- Records and answers ---- */

FctDnsRecord *fct_dns_record_new (FctDnsType type, guint32 ttl);
FctDnsRecord *fct_dns_record_copy (const FctDnsRecord *record);
/* Reads one RDATA of type in uncompressed wire form (as libunbound gives it) into a
 * record (transfer full), or NULL if it is malformed or the type unknown. */
FctDnsRecord *fct_dns_record_from_rdata (FctDnsType type, guint32 ttl, const guint8 *data,
                                         gsize len);
/* Same type and data (the TTL is not compared). */
gboolean fct_dns_record_equal (const FctDnsRecord *a, const FctDnsRecord *b);

/* A new answer with no records; canonical_name starts equal to qname. */
FctDnsAnswer *fct_dns_answer_new (const char *qname, FctDnsType qtype, FctDnsRcode rcode);

/* ---- Back ends ---- */

/* One query handed to a back end. The back end owns one reference from start() and
 * gives it back either with fct_dns_query_complete() (from any thread) or, when it
 * will never answer (the zone's TIMEOUT pseudo-type), with fct_dns_query_unref(). */
typedef struct _FctDnsQuery FctDnsQuery;

/* Lower-cased canonical presentation form, no trailing dot. */
const char *fct_dns_query_get_name (const FctDnsQuery *query);
FctDnsType fct_dns_query_get_type (const FctDnsQuery *query);
/* Delivers answer (transfer full) and consumes the back end's reference. A negative
 * answer (NXDOMAIN, NODATA) is cached for negative_ttl seconds (RFC 2308 §5); a
 * positive one for its smallest record TTL. A late answer (after every caller timed
 * out) is dropped. */
void fct_dns_query_complete (FctDnsQuery *query, FctDnsAnswer *answer,
                             guint32 negative_ttl);
FctDnsQuery *fct_dns_query_ref (FctDnsQuery *query);
void fct_dns_query_unref (FctDnsQuery *query);

typedef struct
{
  /* Starts query (transfer full). Called without any lock held, in the caller's
   * thread, its thread-default main context being the caller's. */
  void (*start) (gpointer backend, FctDnsQuery *query);
  /* Stops the back end: afterwards it must never call fct_dns_query_complete(), and
   * it releases the references of the queries it still holds. */
  void (*free) (gpointer backend);
} FctDnsBackendVtable;

/* Wraps a back end (transfer full of backend) in the generic resolver front. */
FctResolver *fct_resolver_new_backend (const FctDnsBackendVtable *vtable, gpointer backend,
                                       const FctLimits *limits);

/* ---- The zone-file data, parsed (zone.c) ---- */

typedef struct _FctDnsZone FctDnsZone;

/* Parses zone text; label names the source in "LABEL:LINE: reason" errors. */
FctDnsZone *fct_dns_zone_parse (const char *text, gsize len, const char *label,
                                const FctLimits *limits,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_dns_zone_free (FctDnsZone *zone);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDnsZone, fct_dns_zone_free)
guint fct_dns_zone_get_record_count (const FctDnsZone *zone);
/* The owner names of the zone, sorted (transfer container: the strings belong to the
 * zone). */
GPtrArray *fct_dns_zone_list_names (const FctDnsZone *zone);

/* Answers qname (canonical form) and qtype from the zone. Returns NULL when the zone's
 * TIMEOUT pseudo-type says no answer must come; negative_ttl receives the TTL for
 * caching a negative answer. */
FctDnsAnswer *fct_dns_zone_lookup (const FctDnsZone *zone, const char *qname,
                                   FctDnsType qtype, guint32 *negative_ttl);

G_END_DECLS
