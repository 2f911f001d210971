/* facteur — SPF linter for the domain audit: reads a domain's record and its whole
 * include/redirect tree, counts DNS-querying terms and void lookups as RFC 7208 §4.6.4
 * does, flags what §4.5, §5.5 and §3.4 warn about, and suggests a flattened record. */
#include "spf-private.h"

#include <glib/gi18n-lib.h>

#include <arpa/inet.h>

/* RFC 1035 §4.2.1: a DNS answer over UDP without EDNS holds 512 bytes. */
#define UDP_ANSWER_MAX 512
/* RFC 1035 §3.3.14: one character-string holds 255 bytes. */
#define TXT_STRING_MAX 255
/* A tree deeper or wider than this is reported, not walked: evaluation would stop at
 * the lookup limit long before. */
#define LINT_NODES_MAX 64

typedef struct
{
  FctResolver *resolver;
  const FctLimits *limits;
  FctSpfLintReport *report;
  GHashTable *path;        /* domains on the include/redirect path being walked */
  GHashTable *visited;     /* domains walked already */
  GPtrArray *networks;     /* char *: "ip4:..." terms a pass would come from */
  GHashTable *network_set; /* the same, for deduplication */
  GPtrArray *kept;         /* char *: top-level terms that cannot be flattened */
  char *all_term;          /* the all mechanism that ends evaluation, if any */
  gboolean flattenable;
  gboolean collecting; /* FALSE below an include whose match does not give pass */
} Walk;

const char *
fct_spf_lint_severity_to_string (FctSpfLintSeverity severity)
{
  switch (severity)
    {
    case FCT_SPF_LINT_INFO:
      return "info";
    case FCT_SPF_LINT_WARNING:
      return "warning";
    case FCT_SPF_LINT_ERROR:
      return "critical";
    }
  return "info";
}

static void
finding_free (gpointer data)
{
  FctSpfLintFinding *f = data;
  g_free (f->id);
  g_free (f->domain);
  g_free (f->message);
  g_free (f);
}

static void
node_free (gpointer data)
{
  FctSpfLintNode *n = data;
  g_free (n->domain);
  g_free (n->via);
  g_free (n->record);
  g_free (n);
}

void
fct_spf_lint_report_free (FctSpfLintReport *report)
{
  if (report == NULL)
    return;
  g_free (report->domain);
  g_free (report->record);
  g_clear_pointer (&report->nodes, g_ptr_array_unref);
  g_clear_pointer (&report->findings, g_ptr_array_unref);
  g_free (report->flattened);
  g_free (report);
}

static void add_finding (Walk *w, const char *id, FctSpfLintSeverity severity,
                         const char *domain, gssize offset, const char *format, ...)
    G_GNUC_PRINTF (6, 7);

static void
add_finding (Walk *w, const char *id, FctSpfLintSeverity severity, const char *domain,
             gssize offset, const char *format, ...)
{
  FctSpfLintFinding *f;
  va_list args;

  /* A record included twice is reported once. */
  for (guint k = 0; k < w->report->findings->len; k++)
    {
      f = g_ptr_array_index (w->report->findings, k);
      if (g_str_equal (f->id, id) && g_str_equal (f->domain, domain) && f->offset == offset)
        return;
    }
  f = g_new0 (FctSpfLintFinding, 1);
  va_start (args, format);
  f->message = g_strdup_vprintf (format, args);
  va_end (args);
  f->id = g_strdup (id);
  f->severity = severity;
  f->domain = g_strdup (domain);
  f->offset = offset;
  g_ptr_array_add (w->report->findings, f);
}

static gboolean
answer_failed (const FctDnsAnswer *a)
{
  return a->rcode == FCT_DNS_RCODE_SERVFAIL || a->rcode == FCT_DNS_RCODE_TIMEOUT;
}

static void
add_network (Walk *w, const guint8 *addr, gsize len, guint bits)
{
  char text[INET6_ADDRSTRLEN];
  guint8 net[16] = { 0 };

  if (!w->collecting)
    return;

  /* Keep only the network part so that equal networks deduplicate. */
  memcpy (net, addr, len);
  for (guint b = bits; b < len * 8; b++)
    net[b / 8] &= (guint8) ~(0x80u >> (b % 8));
  if (inet_ntop (len == 4 ? AF_INET : AF_INET6, net, text, sizeof text) == NULL)
    return;
  char *term = (bits == len * 8)
                   ? g_strdup_printf ("%s:%s", len == 4 ? "ip4" : "ip6", text)
                   : g_strdup_printf ("%s:%s/%u", len == 4 ? "ip4" : "ip6", text, bits);
  if (g_hash_table_add (w->network_set, term))
    g_ptr_array_add (w->networks, term);
}

/* Looks up a name's addresses for flattening; returns FALSE when the name does not
 * exist (a void lookup). */
static gboolean
collect_addresses (Walk *w, const char *name, const FctSpfMechanism *m, gboolean *failed)
{
  gboolean found = FALSE;
  static const FctDnsType types[] = { FCT_DNS_TYPE_A, FCT_DNS_TYPE_AAAA };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr (FctDnsAnswer) a = fct_resolver_query (w->resolver, name, types[t]);
      if (answer_failed (a))
        *failed = TRUE;
      for (guint k = 0; a->records != NULL && k < a->records->len; k++)
        {
          const FctDnsRecord *rr = g_ptr_array_index (a->records, k);
          gboolean v4 = rr->type == FCT_DNS_TYPE_A;
          if (rr->type != types[t])
            continue;
          found = TRUE;
          if (m->qualifier == FCT_SPF_QUALIFIER_PASS)
            add_network (w, rr->addr, v4 ? 4 : 16, v4 ? m->cidr4 : m->cidr6);
        }
    }
  return found;
}

/* A term the flattened record cannot replace, where it would matter. */
static void
unflattenable (Walk *w)
{
  if (w->collecting)
    w->flattenable = FALSE;
}

static void walk_domain (Walk *w, const char *domain, guint depth, const char *via,
                         gboolean top);
static void walk_record (Walk *w, FctSpfLintNode *node, const char *domain, guint depth,
                         gboolean top);

static void
check_void (Walk *w, const char *domain, const FctSpfMechanism *m, const char *target,
            gboolean exists)
{
  if (exists)
    return;
  w->report->void_lookups++;
  add_finding (w, "spf.void-lookup", FCT_SPF_LINT_WARNING, domain, (gssize)m->offset,
               _ ("%s: %s does not exist or has no address; remove the term (RFC 7208 "
                  "§4.6.4 allows %u such lookups)"),
               m->text, target, w->limits->spf_void_lookups_max);
}

static void
walk_mechanism (Walk *w, const char *domain, const FctSpfMechanism *m, guint depth,
                gboolean top)
{
  const char *target = m->domain_spec != NULL ? m->domain_spec : domain;
  gboolean macro = m->domain_spec != NULL && strchr (m->domain_spec, '%') != NULL;
  gboolean failed = FALSE;

  switch (m->type)
    {
    case FCT_SPF_MECHANISM_ALL:
      if (m->qualifier == FCT_SPF_QUALIFIER_PASS)
        add_finding (w, "spf.pass-all", FCT_SPF_LINT_ERROR, domain, (gssize)m->offset,
                     _ ("“%s” lets every server on the Internet send as %s; end the record "
                        "with -all or ~all"),
                     m->text, domain);
      /* In an included record ?all is harmless: a neutral result is "no match" for
       * the include (RFC 7208 §5.2), and the including record's all decides. */
      else if (m->qualifier == FCT_SPF_QUALIFIER_NEUTRAL && top)
        add_finding (w, "spf.neutral-all", FCT_SPF_LINT_WARNING, domain, (gssize)m->offset,
                     _ ("“%s” says nothing about other servers; use ~all or -all"),
                     m->text);
      if (top && w->all_term == NULL)
        w->all_term = g_strdup (m->text);
      return;
    case FCT_SPF_MECHANISM_IP4:
    case FCT_SPF_MECHANISM_IP6:
      if (m->qualifier == FCT_SPF_QUALIFIER_PASS)
        {
          gboolean v4 = m->type == FCT_SPF_MECHANISM_IP4;
          add_network (w, m->network, v4 ? 4 : 16, v4 ? m->cidr4 : m->cidr6);
        }
      return;
    case FCT_SPF_MECHANISM_PTR:
      add_finding (
          w, "spf.ptr", FCT_SPF_LINT_WARNING, domain, (gssize)m->offset,
          _ ("“%s”: the ptr mechanism is slow and unreliable and SHOULD NOT be used "
             "(RFC 7208 §5.5); list the addresses with ip4:/ip6: instead"),
          m->text);
      break;
    default:
      break;
    }

  if (macro || m->type == FCT_SPF_MECHANISM_PTR || m->type == FCT_SPF_MECHANISM_EXISTS)
    {
      /* Depends on the message: cannot be flattened, kept as written. */
      if (top)
        g_ptr_array_add (w->kept, g_strdup (m->text));
      else if (m->qualifier == FCT_SPF_QUALIFIER_PASS)
        unflattenable (w);
      if (m->type == FCT_SPF_MECHANISM_EXISTS && !macro)
        {
          g_autoptr (FctDnsAnswer) a
              = fct_resolver_query (w->resolver, target, FCT_DNS_TYPE_A);
          check_void (w, domain, m, target,
                      fct_dns_answer_has_records (a) || answer_failed (a));
        }
      return;
    }

  switch (m->type)
    {
    case FCT_SPF_MECHANISM_A:
      check_void (w, domain, m, target,
                  collect_addresses (w, target, m, &failed) || failed);
      break;
    case FCT_SPF_MECHANISM_MX:
      {
        g_autoptr (FctDnsAnswer) a
            = fct_resolver_query (w->resolver, target, FCT_DNS_TYPE_MX);
        gboolean exists = fct_dns_answer_has_records (a) || answer_failed (a);
        check_void (w, domain, m, target, exists);
        if (a->records != NULL && a->records->len > w->limits->spf_mx_names_max)
          add_finding (
              w, "spf.too-many-mx", FCT_SPF_LINT_ERROR, domain, (gssize)m->offset,
              _ ("%s: %s has %u MX records; over %u the mx mechanism is a permerror "
                 "(RFC 7208 §4.6.4): list the addresses with ip4:/ip6:"),
              m->text, target, a->records->len, w->limits->spf_mx_names_max);
        for (guint k = 0; a->records != NULL && k < a->records->len; k++)
          {
            const FctDnsRecord *rr = g_ptr_array_index (a->records, k);
            if (rr->type == FCT_DNS_TYPE_MX && rr->target != NULL && rr->target[0] != '\0')
              collect_addresses (w, rr->target, m, &failed);
          }
        break;
      }
    case FCT_SPF_MECHANISM_INCLUDE:
      {
        /* A -include or ?include is kept as written: its addresses do not pass. */
        gboolean collecting = w->collecting;
        if (m->qualifier != FCT_SPF_QUALIFIER_PASS)
          {
            if (top)
              g_ptr_array_add (w->kept, g_strdup (m->text));
            w->collecting = FALSE;
          }
        walk_domain (w, target, depth + 1, "include", FALSE);
        w->collecting = collecting;
        break;
      }
    default:
      break;
    }
  if (failed)
    add_finding (w, "spf.dns-error", FCT_SPF_LINT_WARNING, domain, (gssize)m->offset,
                 _ ("%s: a DNS lookup for %s failed; receivers would answer temperror"),
                 m->text, target);
}

/* The size of the TXT answer for domain, as it travels over UDP (RFC 1035 §4.1). */
static gsize
answer_size (const char *domain, const FctDnsAnswer *a)
{
  gsize size = 12 + strlen (domain) + 2 + 4;
  for (guint k = 0; a->records != NULL && k < a->records->len; k++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (a->records, k);
      size += 2 + 10;
      for (guint s = 0; rr->txt != NULL && s < rr->txt->len; s++)
        size += 1 + g_bytes_get_size (g_ptr_array_index (rr->txt, s));
    }
  return size;
}

static void
walk_domain (Walk *w, const char *domain, guint depth, const char *via, gboolean top)
{
  FctSpfLintNode *node = g_new0 (FctSpfLintNode, 1);

  node->depth = depth;
  node->domain = g_strdup (domain);
  node->via = g_strdup (via);
  g_ptr_array_add (w->report->nodes, node);
  if (via != NULL)
    w->report->dns_lookups++;

  if (strchr (domain, '%') != NULL)
    {
      unflattenable (w);
      return;
    }
  if (g_hash_table_contains (w->path, domain))
    {
      add_finding (w, "spf.include-loop", FCT_SPF_LINT_ERROR, domain, -1,
                   _ ("%s includes itself through include/redirect: every evaluation that "
                      "reaches it ends in permerror at the lookup limit; remove the loop"),
                   domain);
      unflattenable (w);
      return;
    }
  if (g_hash_table_contains (w->visited, domain))
    add_finding (w, "spf.duplicate-include", FCT_SPF_LINT_WARNING, domain, -1,
                 _ ("%s is included more than once; each costs DNS lookups again, so keep "
                    "one"),
                 domain);
  if (w->report->nodes->len > LINT_NODES_MAX)
    {
      add_finding (w, "spf.tree-too-large", FCT_SPF_LINT_ERROR, domain, -1,
                   _ ("the include tree has more than %d records; it cannot be evaluated "
                      "within %u lookups"),
                   LINT_NODES_MAX, w->limits->spf_dns_mechanisms_max);
      return;
    }
  g_hash_table_add (w->visited, g_strdup (domain));
  g_hash_table_add (w->path, g_strdup (domain));
  walk_record (w, node, domain, depth, top);
  g_hash_table_remove (w->path, domain);
}

static void
walk_record (Walk *w, FctSpfLintNode *node, const char *domain, guint depth, gboolean top)
{
  g_autoptr (GPtrArray) found
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (FctDnsAnswer) a = fct_resolver_query (w->resolver, domain, FCT_DNS_TYPE_TXT);
  if (answer_failed (a))
    {
      add_finding (w, "spf.dns-error", FCT_SPF_LINT_ERROR, domain, -1,
                   _ ("the TXT lookup of %s failed (%s): receivers answer temperror"),
                   domain, fct_dns_rcode_to_string (a->rcode));
      unflattenable (w);
      return;
    }
  for (guint k = 0; a->records != NULL && k < a->records->len; k++)
    {
      GBytes *joined = fct_dns_record_txt_joined (g_ptr_array_index (a->records, k));
      gsize len = 0;
      const char *data = g_bytes_get_data (joined, &len);
      if (fct_spf_record_is_spf1 (data, len))
        g_ptr_array_add (found, joined);
      else
        g_bytes_unref (joined);
    }
  if (found->len == 0)
    {
      if (node->via == NULL)
        add_finding (w, "spf.no-record", FCT_SPF_LINT_ERROR, domain, -1,
                     _ ("%s publishes no SPF record: publish one such as "
                        "\"v=spf1 mx -all\" listing the servers that send its mail"),
                     domain);
      else
        {
          if (!fct_dns_answer_has_records (a))
            w->report->void_lookups++;
          add_finding (
              w, "spf.include-missing", FCT_SPF_LINT_ERROR, domain, -1,
              _ ("%s:%s has no SPF record, which makes every evaluation that reaches "
                 "it a permerror (RFC 7208 §5.2, §6.1); remove it"),
              node->via, domain);
        }
      unflattenable (w);
      return;
    }
  if (found->len > 1)
    {
      add_finding (w, "spf.multiple-records", FCT_SPF_LINT_ERROR, domain, -1,
                   _ ("%s publishes %u SPF records; receivers answer permerror (RFC 7208 "
                      "§4.5): merge them into one"),
                   domain, found->len);
      unflattenable (w);
      return;
    }
  gsize size = answer_size (domain, a);
  if (size > UDP_ANSWER_MAX)
    add_finding (w, "spf.record-too-long", FCT_SPF_LINT_WARNING, domain, -1,
                 _ ("the TXT answer of %s is %lu bytes, over the %d that fit "
                    "one UDP answer without EDNS (RFC 7208 §3.4); shorten the record"),
                 domain, (unsigned long)size, UDP_ANSWER_MAX);

  gsize len = 0;
  const char *data = g_bytes_get_data (g_ptr_array_index (found, 0), &len);
  g_autoptr (GError) error = NULL;
  gsize offset = 0;
  g_autoptr (FctSpfRecord) record
      = fct_spf_record_parse (data, len, w->limits, &offset, &error);
  node->record = g_strndup (data, len);
  if (node->via == NULL)
    w->report->record = g_strndup (data, len);
  if (record == NULL)
    {
      add_finding (w, "spf.syntax", FCT_SPF_LINT_ERROR, domain, (gssize)offset,
                   _ ("the SPF record of %s is invalid, so receivers answer permerror: %s"),
                   domain, error->message);
      unflattenable (w);
      return;
    }
  node->lookups = record->dns_terms;
  gboolean has_all = FALSE;
  for (guint k = 0; k < record->mechanisms->len; k++)
    {
      const FctSpfMechanism *m = g_ptr_array_index (record->mechanisms, k);
      if (m->type != FCT_SPF_MECHANISM_INCLUDE && m->type != FCT_SPF_MECHANISM_ALL
          && m->type != FCT_SPF_MECHANISM_IP4 && m->type != FCT_SPF_MECHANISM_IP6)
        w->report->dns_lookups++;
      has_all = has_all || m->type == FCT_SPF_MECHANISM_ALL;
      walk_mechanism (w, domain, m, depth, top);
    }
  if (record->redirect != NULL)
    {
      if (has_all)
        add_finding (w, "spf.redirect-ignored", FCT_SPF_LINT_WARNING, domain,
                     (gssize)record->redirect_offset,
                     _ ("redirect=%s is never used because the record ends with an all "
                        "mechanism (RFC 7208 §6.1); remove one of them"),
                     record->redirect);
      else
        walk_domain (w, record->redirect, depth, "redirect", top);
    }
  else if (top && !has_all)
    add_finding (w, "spf.no-all", FCT_SPF_LINT_INFO, domain, -1,
                 _ ("the record has no all mechanism, so other servers get neutral; end it "
                    "with ~all or -all"));
}

/* Joins terms into TXT strings of at most 255 bytes, split at term boundaries (the
 * strings are concatenated without separator, RFC 7208 §3.3). */
static char *
format_strings (GPtrArray *terms)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) current = g_string_new ("v=spf1");

  for (guint k = 0; k < terms->len; k++)
    {
      const char *term = g_ptr_array_index (terms, k);
      if (current->len + 1 + strlen (term) > TXT_STRING_MAX)
        {
          g_string_append_printf (out, "%s\"%s\"", out->len > 0 ? " " : "", current->str);
          g_string_truncate (current, 0);
        }
      g_string_append_printf (current, " %s", term);
    }
  g_string_append_printf (out, "%s\"%s\"", out->len > 0 ? " " : "", current->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

FctSpfLintReport *
fct_spf_lint (FctResolver *resolver, const FctLimits *limits, const char *domain,
              GError **error)
{
  g_return_val_if_fail (resolver != NULL && domain != NULL, NULL);

  g_autofree char *name = g_ascii_strdown (domain, -1);
  gsize nlen = strlen (name);
  if (nlen > 0 && name[nlen - 1] == '.')
    name[nlen - 1] = '\0';
  if (!fct_spf_name_is_queryable (name) || strchr (name, '.') == NULL)
    {
      g_set_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_INVALID,
                   _ ("“%s” is not a fully qualified domain name"), domain);
      return NULL;
    }

  Walk w = {
    .resolver = resolver,
    .limits = fct_spf_limits (limits),
    .path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .networks = g_ptr_array_new (),
    .network_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .kept = g_ptr_array_new_with_free_func (g_free),
    .flattenable = TRUE,
    .collecting = TRUE,
  };
  w.report = g_new0 (FctSpfLintReport, 1);
  w.report->domain = g_strdup (name);
  w.report->nodes = g_ptr_array_new_with_free_func (node_free);
  w.report->findings = g_ptr_array_new_with_free_func (finding_free);

  walk_domain (&w, name, 0, NULL, TRUE);

  if (w.report->dns_lookups > w.limits->spf_dns_mechanisms_max)
    {
      add_finding (&w, "spf.too-many-lookups", FCT_SPF_LINT_ERROR, name, -1,
                   _ ("evaluating the record takes %u DNS lookups, over the limit of %u: "
                      "receivers answer permerror (RFC 7208 §4.6.4). Remove includes or "
                      "replace them with the addresses they stand for%s"),
                   w.report->dns_lookups, w.limits->spf_dns_mechanisms_max,
                   w.flattenable ? " (suggested record below)" : "");
      if (w.flattenable)
        {
          g_autoptr (GPtrArray) terms = g_ptr_array_new ();
          for (guint k = 0; k < w.networks->len; k++)
            g_ptr_array_add (terms, g_ptr_array_index (w.networks, k));
          for (guint k = 0; k < w.kept->len; k++)
            g_ptr_array_add (terms, g_ptr_array_index (w.kept, k));
          g_ptr_array_add (terms, w.all_term != NULL ? w.all_term : "~all");
          w.report->flattened = format_strings (terms);
        }
    }
  if (w.report->void_lookups > w.limits->spf_void_lookups_max)
    add_finding (&w, "spf.too-many-void-lookups", FCT_SPF_LINT_ERROR, name, -1,
                 _ ("%u names in the tree do not exist, over the limit of %u: receivers "
                    "answer permerror (RFC 7208 §4.6.4); remove those terms"),
                 w.report->void_lookups, w.limits->spf_void_lookups_max);

  g_hash_table_unref (w.path);
  g_hash_table_unref (w.visited);
  g_ptr_array_unref (w.networks);
  g_hash_table_unref (w.network_set);
  g_ptr_array_unref (w.kept);
  g_free (w.all_term);
  return w.report;
}
