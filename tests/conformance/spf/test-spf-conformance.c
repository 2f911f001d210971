/* The openspf.org SPF suites (rfc7208-tests.yml, rfc4408-tests.yml) read from
 * FCT_CONFORMANCE_DIR: every case is its own GTest, evaluated through the zone-file DNS
 * back end loaded with the scenario's zonedata turned into zone-file text. The RFC 4408
 * suite lists alternatives wherever RFC 7208 changed the answer (type-99 records, the MX
 * limit), so its cases run too and none needs skipping. */
#include <facteur/spf.h>
#include <yaml.h>

typedef struct
{
  char *zone_text;
  FctResolver *resolver; /* created on first use, shared by the scenario's cases */
  FctLimits limits;
} Scenario;

typedef struct
{
  Scenario *scenario;
  char *host, *helo, *mailfrom;
  GPtrArray *results; /* char *: the acceptable results */
  char *explanation;  /* NULL when not checked */
} Case;

static void
scenario_free (gpointer data)
{
  Scenario *s = data;
  g_free (s->zone_text);
  g_clear_pointer (&s->resolver, fct_resolver_unref);
  g_free (s);
}

static void
case_free (gpointer data)
{
  Case *c = data;
  g_free (c->host);
  g_free (c->helo);
  g_free (c->mailfrom);
  g_free (c->explanation);
  g_ptr_array_unref (c->results);
  g_free (c);
}

static const char *
conformance_dir (void)
{
  /* meson test sets it to the corpus in the repository (tests/data). */
  const char *dir = g_getenv ("FCT_CONFORMANCE_DIR");
  if (dir == NULL)
    g_error ("FCT_CONFORMANCE_DIR is not set (meson test sets it to tests/data)");
  return dir;
}

/* libyaml hands scalars back as UTF-8; the suite writes raw bytes as "\xNN" escapes,
 * which YAML reads as code points U+0000..U+00FF. Map those back to single bytes. */
static GBytes *
scalar_bytes (const yaml_node_t *node)
{
  const char *s = (const char *)node->data.scalar.value;
  gsize len = node->data.scalar.length;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (!g_utf8_validate_len (s, len, NULL))
    return g_bytes_new (s, len);
  for (const char *p = s; p < s + len; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c > 0xff)
        return g_bytes_new (s, len);
      guint8 b = (guint8)c;
      g_byte_array_append (out, &b, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static char *
node_str (const yaml_node_t *node)
{
  if (node == NULL || node->type != YAML_SCALAR_NODE)
    return NULL;
  return g_strndup ((const char *)node->data.scalar.value, node->data.scalar.length);
}

static char *
scalar_str (yaml_document_t *doc, int index)
{
  return node_str (yaml_document_get_node (doc, index));
}

static yaml_node_t *
map_get (yaml_document_t *doc, yaml_node_t *map, const char *key)
{
  if (map == NULL || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
       p++)
    {
      g_autofree char *k = scalar_str (doc, p->key);
      if (g_strcmp0 (k, key) == 0)
        return yaml_document_get_node (doc, p->value);
    }
  return NULL;
}

/* A domain name in zone-file form: absolute, with \DDD for anything but LDH, '_', '*'
 * and the label dots. */
static void
append_name (GString *out, GBytes *name)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (name, &len);

  if (len > 0 && p[len - 1] == '.')
    len--;
  for (gsize i = 0; i < len; i++)
    {
      if (g_ascii_isalnum (p[i]) || p[i] == '-' || p[i] == '_' || p[i] == '*'
          || p[i] == '.')
        g_string_append_c (out, (char)p[i]);
      else
        g_string_append_printf (out, "\\%03u", p[i]);
    }
  g_string_append_c (out, '.');
}

static void
append_string (GString *out, GBytes *bytes)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (bytes, &len);

  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
        g_string_append_c (out, (char)p[i]);
      else
        g_string_append_printf (out, "\\%03u", p[i]);
    }
  g_string_append_c (out, '"');
}

static void
append_txt (GString *out, GBytes *owner, yaml_document_t *doc, yaml_node_t *value)
{
  append_name (out, owner);
  g_string_append (out, " 300 IN TXT");
  if (value->type == YAML_SCALAR_NODE)
    {
      g_autoptr (GBytes) b = scalar_bytes (value);
      g_string_append_c (out, ' ');
      append_string (out, b);
    }
  else if (value->type == YAML_SEQUENCE_NODE)
    {
      yaml_node_item_t *it = value->data.sequence.items.start;
      /* A TXT record with no string cannot be written (RFC 1035 §3.3.14 needs one);
       * the suite's "SPF: [ ]" becomes one empty string, equally not an SPF record. */
      if (it == value->data.sequence.items.top)
        g_string_append (out, " \"\"");
      for (; it < value->data.sequence.items.top; it++)
        {
          g_autoptr (GBytes) b = scalar_bytes (yaml_document_get_node (doc, *it));
          g_string_append_c (out, ' ');
          append_string (out, b);
        }
    }
  g_string_append_c (out, '\n');
}

static gboolean
is_none (yaml_node_t *value)
{
  return value->type == YAML_SCALAR_NODE && value->data.scalar.length == 4
         && memcmp (value->data.scalar.value, "NONE", 4) == 0;
}

/* zonedata -> zone-file text. As the suite's own driver does, SPF (type 99) records are
 * copied to TXT unless the name lists TXT records of its own (TXT: NONE included). */
static char *
zone_text (yaml_document_t *doc, yaml_node_t *zonedata)
{
  g_autoptr (GString) out = g_string_new ("$TTL 300\n");

  for (yaml_node_pair_t *p = zonedata->data.mapping.pairs.start;
       p < zonedata->data.mapping.pairs.top; p++)
    {
      g_autoptr (GBytes) owner = scalar_bytes (yaml_document_get_node (doc, p->key));
      yaml_node_t *entries = yaml_document_get_node (doc, p->value);
      gboolean has_txt = FALSE;

      for (yaml_node_item_t *it = entries->data.sequence.items.start;
           it < entries->data.sequence.items.top; it++)
        {
          yaml_node_t *e = yaml_document_get_node (doc, *it);
          if (e->type == YAML_MAPPING_NODE && map_get (doc, e, "TXT") != NULL)
            has_txt = TRUE;
        }
      for (yaml_node_item_t *it = entries->data.sequence.items.start;
           it < entries->data.sequence.items.top; it++)
        {
          yaml_node_t *e = yaml_document_get_node (doc, *it);
          if (e->type == YAML_SCALAR_NODE)
            {
              /* The bare word TIMEOUT. */
              append_name (out, owner);
              g_string_append (out, " TIMEOUT\n");
              continue;
            }
          yaml_node_pair_t *kv = e->data.mapping.pairs.start;
          g_autofree char *type = scalar_str (doc, kv->key);
          yaml_node_t *value = yaml_document_get_node (doc, kv->value);
          if (is_none (value))
            continue;
          if (g_str_equal (type, "TXT") || (g_str_equal (type, "SPF") && !has_txt))
            append_txt (out, owner, doc, value);
          else if (g_str_equal (type, "SPF"))
            continue;
          else if (g_str_equal (type, "MX"))
            {
              g_autofree char *pref = scalar_str (doc, value->data.sequence.items.start[0]);
              g_autoptr (GBytes) host = scalar_bytes (
                  yaml_document_get_node (doc, value->data.sequence.items.start[1]));
              append_name (out, owner);
              g_string_append_printf (out, " 300 IN MX %s ", pref);
              if (g_bytes_get_size (host) == 0)
                g_string_append (out, ".");
              else
                append_name (out, host);
              g_string_append_c (out, '\n');
            }
          else if (g_str_equal (type, "PTR") || g_str_equal (type, "CNAME"))
            {
              g_autoptr (GBytes) target = scalar_bytes (value);
              append_name (out, owner);
              g_string_append_printf (out, " 300 IN %s ", type);
              append_name (out, target);
              g_string_append_c (out, '\n');
            }
          else
            {
              g_autofree char *data = scalar_str (doc, kv->value);
              append_name (out, owner);
              g_string_append_printf (out, " 300 IN %s %s\n", type, data);
            }
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
slug (const char *text)
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (out, g_ascii_tolower (*p));
      else if (out->len > 0 && out->str[out->len - 1] != '-')
        g_string_append_c (out, '-');
    }
  while (out->len > 0 && out->str[out->len - 1] == '-')
    g_string_truncate (out, out->len - 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  Scenario *s = c->scenario;
  g_autoptr (GError) error = NULL;

  if (s->resolver == NULL)
    {
      s->resolver = fct_resolver_new_zone_data (s->zone_text, strlen (s->zone_text),
                                                "zonedata", &s->limits, &error);
      g_assert_no_error (error);
    }
  FctSpfRequest request = {
    .ip = c->host,
    .mail_from = c->mailfrom,
    .helo = c->helo,
    .identity = FCT_SPF_IDENTITY_MAIL_FROM,
  };
  g_autoptr (FctSpfVerdict) v = fct_spf_check (s->resolver, &s->limits, &request, &error);
  g_assert_no_error (error);
  const char *got = fct_spf_result_to_string (v->result);
  gboolean ok = FALSE;
  for (guint i = 0; i < c->results->len; i++)
    ok = ok || g_str_equal (got, g_ptr_array_index (c->results, i));
  if (!ok)
    {
      g_autofree char *want = g_strjoinv ("|", (char **)c->results->pdata);
      g_test_message ("zone:\n%s", s->zone_text);
      for (guint i = 0; i < v->trace->len; i++)
        {
          const FctSpfTraceStep *step = g_ptr_array_index (v->trace, i);
          g_autofree char *text = fct_spf_trace_step_to_string (step);
          g_test_message ("trace: %*s%s", (int)step->depth * 2, "", text);
        }
      g_test_fail_printf ("result %s, expected %s (%s)", got, want,
                          v->reason != NULL ? v->reason : "");
      return;
    }
  if (c->explanation != NULL)
    {
      /* DEFAULT stands for the implementation's own default explanation. */
      if (g_str_equal (c->explanation, "DEFAULT"))
        g_assert_true (v->explanation_is_default);
      else
        g_assert_cmpstr (v->explanation, ==, c->explanation);
    }
}

static void
load_suite (const char *file, const char *suite, GPtrArray *scenarios, GPtrArray *cases)
{
  g_autofree char *path = g_build_filename (conformance_dir (), "spf", file, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  yaml_parser_t parser;

  if (!g_file_get_contents (path, &contents, &len, &error))
    g_error ("%s", error->message);
  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const unsigned char *)contents, len);
  for (;;)
    {
      yaml_document_t doc;
      if (!yaml_parser_load (&parser, &doc))
        g_error ("%s: YAML error: %s", path, parser.problem);
      yaml_node_t *root = yaml_document_get_root_node (&doc);
      if (root == NULL)
        {
          yaml_document_delete (&doc);
          break;
        }
      g_autofree char *description = node_str (map_get (&doc, root, "description"));
      g_autofree char *scenario_slug
          = slug (description != NULL ? description : "scenario");
      Scenario *s = g_new0 (Scenario, 1);
      fct_limits_init (&s->limits);
      /* TIMEOUT entries never answer: keep the wait short. */
      s->limits.dns_timeout_ms = 100;
      s->zone_text = zone_text (&doc, map_get (&doc, root, "zonedata"));
      g_ptr_array_add (scenarios, s);

      yaml_node_t *tests = map_get (&doc, root, "tests");
      for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
           p < tests->data.mapping.pairs.top; p++)
        {
          g_autofree char *name = scalar_str (&doc, p->key);
          yaml_node_t *t = yaml_document_get_node (&doc, p->value);
          Case *c = g_new0 (Case, 1);
          c->scenario = s;
          c->host = node_str (map_get (&doc, t, "host"));
          c->helo = node_str (map_get (&doc, t, "helo"));
          c->mailfrom = node_str (map_get (&doc, t, "mailfrom"));
          c->explanation = node_str (map_get (&doc, t, "explanation"));
          c->results = g_ptr_array_new_null_terminated (2, g_free, TRUE);
          yaml_node_t *result = map_get (&doc, t, "result");
          if (result->type == YAML_SCALAR_NODE)
            g_ptr_array_add (c->results, node_str (result));
          else
            for (yaml_node_item_t *it = result->data.sequence.items.start;
                 it < result->data.sequence.items.top; it++)
              g_ptr_array_add (c->results, scalar_str (&doc, *it));
          g_ptr_array_add (cases, c);

          g_autofree char *test_path
              = g_strdup_printf ("/spf/%s/%s/%s", suite, scenario_slug, name);
          g_test_add_data_func (test_path, c, run_case);
        }
      yaml_document_delete (&doc);
    }
  yaml_parser_delete (&parser);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) scenarios = g_ptr_array_new_with_free_func (scenario_free);
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (case_free);

  g_test_init (&argc, &argv, NULL);
  /* One failing case must not hide the others. */
  g_test_set_nonfatal_assertions ();
  load_suite ("rfc7208-tests.yml", "rfc7208", scenarios, cases);
  load_suite ("rfc4408-tests.yml", "rfc4408", scenarios, cases);
  return g_test_run ();
}
