/* facteur dkim verify|sign|keygen — wires the DKIM library (include/facteur/dkim.h) to
 * the terminal: reading the message, printing verdicts or the signed message, writing
 * a new key and the DNS record to publish. */
#include "cli.h"

#include <errno.h>
#include <facteur/dkim.h>
#include <facteur/error.h>
#include <facteur/msg.h>
#include <stdio.h>
#include <unistd.h>

/* Reads a file or standard input ("-"), refusing more than max bytes. */
static GBytes *
read_input (const char *path, gsize max, GError **error)
{
  FILE *f = g_str_equal (path, "-") ? stdin : fopen (path, "rb");
  GByteArray *buf;
  guint8 chunk[65536];

  if (f == NULL)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   _ ("cannot read %s: %s"), path, g_strerror (e));
      return NULL;
    }
  buf = g_byte_array_new ();
  while (TRUE)
    {
      size_t n = fread (chunk, 1, sizeof chunk, f);
      if (n == 0)
        break;
      if (buf->len + n > max)
        {
          g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE,
                       _ ("%s is larger than the message size limit"), path);
          g_byte_array_unref (buf);
          if (f != stdin)
            fclose (f);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint)n);
    }
  if (ferror (f))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, _ ("cannot read %s"), path);
      g_byte_array_unref (buf);
      if (f != stdin)
        fclose (f);
      return NULL;
    }
  if (f != stdin)
    fclose (f);
  return g_byte_array_free_to_bytes (buf);
}

static const char *
risk_name (FctDkimRisk risk)
{
  switch (risk)
    {
    case FCT_DKIM_RISK_BODY_LENGTH:
      return "body_length";
    case FCT_DKIM_RISK_WEAK_HASH:
      return "weak_hash";
    case FCT_DKIM_RISK_TESTING:
      return "testing";
    case FCT_DKIM_RISK_SHORT_KEY:
      return "short_key";
    case FCT_DKIM_RISK_FROM_ADDABLE:
      return "from_not_oversigned";
    case FCT_DKIM_RISK_NONE:
      break;
    }
  return NULL;
}

static const char *
risk_sentence (FctDkimRisk risk)
{
  switch (risk)
    {
    case FCT_DKIM_RISK_BODY_LENGTH:
      return _ ("l= leaves content after the signed part: anyone could have added it");
    case FCT_DKIM_RISK_WEAK_HASH:
      return _ ("rsa-sha1 is refused (RFC 8301 §3.1): the signer must move to rsa-sha256");
    case FCT_DKIM_RISK_TESTING:
      return _ ("the key record says the domain is testing DKIM (t=y)");
    case FCT_DKIM_RISK_SHORT_KEY:
      return _ ("the RSA key is under 2048 bits");
    case FCT_DKIM_RISK_FROM_ADDABLE:
      return _ ("From is not over-signed: a second From could be added");
    case FCT_DKIM_RISK_NONE:
      break;
    }
  return "";
}

static const char *
canon_name (FctDkimCanon c)
{
  return c == FCT_DKIM_CANON_RELAXED ? "relaxed" : "simple";
}

static JsonNode *
result_to_json (const FctDkimVerifyResult *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (
      b, fct_dkim_result_to_string (fct_dkim_verify_result_summary (r)));
  json_builder_set_member_name (b, "signatures");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (r->signatures, i);
      json_builder_begin_object (b);
      fct_cli_json_add_string (b, "domain", s->domain);
      fct_cli_json_add_string (b, "selector", s->selector);
      fct_cli_json_add_string (b, "algorithm", s->algorithm);
      fct_cli_json_add_string (b, "result", fct_dkim_result_to_string (s->result));
      fct_cli_json_add_string (b, "reason", _ (s->reason));
      fct_cli_json_add_string (b, "identity", s->identity);
      g_autofree char *canon = g_strdup_printf ("%s/%s", canon_name (s->header_canon),
                                                canon_name (s->body_canon));
      fct_cli_json_add_string (b, "canonicalization", canon);
      fct_cli_json_add_string (b, "signed_headers", s->signed_headers);
      fct_cli_json_add_string (b, "b", s->b_prefix);
      fct_cli_json_add_int (b, "key_bits", s->key_bits);
      if (s->timestamp >= 0)
        {
          fct_cli_json_add_int (b, "timestamp", s->timestamp);
        }
      if (s->expiration >= 0)
        {
          fct_cli_json_add_int (b, "expiration", s->expiration);
        }
      if (s->has_body_length)
        {
          fct_cli_json_add_int (b, "body_length", (gint64)s->body_length);
          fct_cli_json_add_int (b, "body_unsigned", (gint64)s->body_unsigned);
        }
      json_builder_set_member_name (b, "risks");
      json_builder_begin_array (b);
      for (guint bit = 0; bit < 8; bit++)
        if ((s->risks & (1u << bit)) != 0 && risk_name (1u << bit) != NULL)
          json_builder_add_string_value (b, risk_name (1u << bit));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  fct_cli_json_add_int (b, "signatures_skipped", r->signatures_skipped);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_result (const FctDkimVerifyResult *r)
{
  if (r->signatures->len == 0)
    g_print ("dkim=none (%s)\n", _ ("the message has no DKIM signature"));
  for (guint i = 0; i < r->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (r->signatures, i);
      g_print ("dkim=%s d=%s s=%s a=%s: %s\n", fct_dkim_result_to_string (s->result),
               s->domain != NULL ? s->domain : "?", s->selector != NULL ? s->selector : "?",
               s->algorithm != NULL ? s->algorithm : "?", _ (s->reason));
      for (guint bit = 0; bit < 8; bit++)
        if ((s->risks & (1u << bit)) != 0)
          g_print ("  %s\n", risk_sentence (1u << bit));
    }
  if (r->signatures_skipped > 0)
    g_print (ngettext ("%u more signature was not checked (limit reached)\n",
                       "%u more signatures were not checked (limit reached)\n",
                       r->signatures_skipped),
             r->signatures_skipped);
}

static int
cmd_verify (int argc, char **argv)
{
  static const char *summary
      = N_ ("Verify the DKIM signatures of a message (FILE, or - for standard input).");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  gint64 at = 0;
  GOptionEntry entries[]
      = { { "at", 0, 0, G_OPTION_ARG_INT64, &at,
            N_ ("Verify as if the time were this Unix time (for x= and t=)"),
            N_ ("SECONDS") },
          G_OPTION_ENTRY_NULL };
  int status;

  if (!fct_cli_parse ("dkim verify", _ ("FILE"), summary, entries, &common, &argc, &argv,
                      &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }
  if (argc != 2)
    status
        = fct_cli_usage_error ("dkim verify", usage, "%s", _ ("expected one message file"));
  else
    {
      g_autoptr (FctResolver) resolver = NULL;
      g_autoptr (FctMsg) msg = NULL;
      status = fct_cli_load_message (&common, argv[1], &msg, &resolver);
      if (status == FCT_EXIT_OK)
        {
          FctDkimVerifyOptions vo = { .limits = &common.limits, .now = at };
          g_autoptr (FctDkimVerifyResult) r = fct_dkim_verify (msg, resolver, &vo);
          if (common.json)
            {
              g_autoptr (JsonNode) node = result_to_json (r);
              fct_cli_print_json (node);
            }
          else
            print_result (r);
          /* A key that could not be fetched means DNS was unavailable. */
          for (guint i = 0; i < r->signatures->len; i++)
            if (((FctDkimSignatureResult *)r->signatures->pdata[i])->result
                == FCT_DKIM_RESULT_TEMPERROR)
              status = FCT_EXIT_UNAVAILABLE;
        }
    }
  fct_cli_common_clear (&common);
  return status;
}

/* The signed message: the signature fields, then the input bytes unchanged (an mbox
 * "From " line stays first). */
static void
write_signed (GBytes *input, FctMsgFlags flags, GPtrArray *fields)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (input, &len);
  gsize skip = 0;

  if ((flags & FCT_MSG_FLAG_MBOX_FROM) != 0)
    {
      const char *nl = memchr (data, '\n', len);
      skip = nl != NULL ? (gsize)(nl - data) + 1 : 0;
      fwrite (data, 1, skip, stdout);
    }
  for (guint i = 0; i < fields->len; i++)
    fputs (fields->pdata[i], stdout);
  fwrite (data + skip, 1, len - skip, stdout);
  fflush (stdout);
}

static int
cmd_sign (int argc, char **argv)
{
  static const char *summary
      = N_ ("Sign a message (FILE, or - for standard input) and print it with its "
            "DKIM-Signature. --selector and --key may be repeated to add several "
            "signatures (for instance RSA and Ed25519).");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autofree char *domain = NULL, *algorithm = NULL, *canon = NULL, *headers = NULL,
                  *identity = NULL;
  g_auto (GStrv) selectors = NULL, keys = NULL;
  gint64 timestamp = 0, expire = 0;
  gboolean body_length = FALSE;
  GOptionEntry entries[]
      = { { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, N_ ("Signing domain (d=)"),
            N_ ("DOMAIN") },
          { "selector", 0, 0, G_OPTION_ARG_STRING_ARRAY, &selectors, N_ ("Selector (s=)"),
            N_ ("SELECTOR") },
          { "key", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &keys, N_ ("Private key (PEM)"),
            N_ ("FILE") },
          { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm,
            N_ ("rsa-sha256 or ed25519-sha256 (must match the key)"), N_ ("ALGORITHM") },
          { "canon", 0, 0, G_OPTION_ARG_STRING, &canon,
            N_ ("Canonicalization, header/body (default relaxed/relaxed)"), N_ ("C") },
          { "headers", 0, 0, G_OPTION_ARG_STRING, &headers,
            N_ ("Header fields to sign, colon-separated (default: the recommended set, "
                "over-signed)"),
            N_ ("H1:H2") },
          { "identity", 0, 0, G_OPTION_ARG_STRING, &identity,
            N_ ("Agent or user identifier (i=)"), N_ ("ADDRESS") },
          { "timestamp", 0, 0, G_OPTION_ARG_INT64, &timestamp,
            N_ ("Signature time (t=), Unix time (default: now)"), N_ ("SECONDS") },
          { "expire", 0, 0, G_OPTION_ARG_INT64, &expire,
            N_ ("Add x=: the signature expires this many seconds after t="),
            N_ ("SECONDS") },
          { "body-length", 0, 0, G_OPTION_ARG_NONE, &body_length,
            N_ ("Add l= (discouraged: lets anyone append to the body)"), NULL },
          G_OPTION_ENTRY_NULL };
  int status = FCT_EXIT_OK;

  if (!fct_cli_parse ("dkim sign", _ ("FILE"), summary, entries, &common, &argc, &argv,
                      &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }
  FctDkimCanon hc = FCT_DKIM_CANON_RELAXED, bc = FCT_DKIM_CANON_RELAXED;
  guint nsel = selectors != NULL ? g_strv_length (selectors) : 0;
  guint nkeys = keys != NULL ? g_strv_length (keys) : 0;
  if (argc != 2)
    status
        = fct_cli_usage_error ("dkim sign", usage, "%s", _ ("expected one message file"));
  else if (domain == NULL || nsel == 0 || nkeys == 0)
    status = fct_cli_usage_error ("dkim sign", usage, "%s",
                                  _ ("--domain, --selector and --key are required"));
  else if (nsel != nkeys)
    status = fct_cli_usage_error ("dkim sign", usage, "%s",
                                  _ ("give one --selector for each --key"));
  else if (canon != NULL && !fct_dkim_canon_parse (fct_slice_from_str (canon), &hc, &bc))
    status = fct_cli_usage_error ("dkim sign", usage, _ ("unknown canonicalization “%s”"),
                                  canon);
  else if (algorithm != NULL && g_strcmp0 (algorithm, "rsa-sha256") != 0
           && g_strcmp0 (algorithm, "ed25519-sha256") != 0)
    status = fct_cli_usage_error (
        "dkim sign", usage, _ ("unknown algorithm “%s” (rsa-sha256 or ed25519-sha256)"),
        algorithm);
  else if (timestamp < 0 || expire < 0)
    status = fct_cli_usage_error ("dkim sign", usage, "%s",
                                  _ ("--timestamp and --expire must be positive"));
  if (status != FCT_EXIT_OK)
    {
      fct_cli_common_clear (&common);
      return status;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) input = read_input (argv[1], common.limits.message_max_bytes, &error);
  g_autoptr (FctMsg) msg
      = input != NULL ? fct_msg_new_from_bytes (input, &common.limits, &error) : NULL;
  g_auto (GStrv) header_list = headers != NULL ? g_strsplit (headers, ":", -1) : NULL;
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  if (msg == NULL)
    status = fct_cli_report_error (error);
  for (guint i = 0; status == FCT_EXIT_OK && i < nkeys; i++)
    {
      g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_load (keys[i], &error);
      if (key == NULL)
        {
          /* An unreadable or malformed key is bad input (65). */
          g_printerr ("facteur: %s\n", error->message);
          status = FCT_EXIT_DATAERR;
          break;
        }
      FctDkimKeyType want = g_strcmp0 (algorithm, "ed25519-sha256") == 0
                                ? FCT_DKIM_KEY_TYPE_ED25519
                                : FCT_DKIM_KEY_TYPE_RSA;
      if (algorithm != NULL && fct_dkim_private_key_get_key_type (key) != want)
        {
          status = fct_cli_usage_error ("dkim sign", usage,
                                        _ ("the key %s does not match --algorithm %s"),
                                        keys[i], algorithm);
          break;
        }
      FctDkimSignOptions o;
      fct_dkim_sign_options_init (&o);
      o.domain = domain;
      o.selector = selectors[i];
      o.key = key;
      o.header_canon = hc;
      o.body_canon = bc;
      o.headers = (const char *const *)header_list;
      o.identity = identity;
      o.timestamp = timestamp;
      o.expire_after = (guint64)expire;
      o.body_length = body_length;
      o.limits = &common.limits;
      /* Output in the input's line-ending style. */
      o.eol = (fct_msg_get_flags (msg) & FCT_MSG_FLAG_LF_ONLY) != 0   ? "\n"
              : (fct_msg_get_flags (msg) & FCT_MSG_FLAG_CR_ONLY) != 0 ? "\r"
                                                                      : "\r\n";
      char *field = fct_dkim_sign (msg, &o, &error);
      if (field == NULL)
        {
          status
              = error->domain == FCT_DKIM_ERROR && error->code == FCT_DKIM_ERROR_INVALID
                    ? fct_cli_usage_error ("dkim sign", usage, "%s", error->message)
                : error->domain == FCT_DKIM_ERROR && error->code == FCT_DKIM_ERROR_NO_FROM
                    ? (g_printerr ("facteur: %s\n", error->message), FCT_EXIT_DATAERR)
                    : fct_cli_report_error (error);
          break;
        }
      g_ptr_array_add (fields, field);
    }
  if (status == FCT_EXIT_OK)
    {
      if (common.json)
        {
          g_autoptr (JsonBuilder) b = json_builder_new ();
          json_builder_begin_object (b);
          fct_cli_json_add_strings (b, "signatures", fields);
          json_builder_end_object (b);
          fct_cli_json_print_builder (b);
        }
      else
        write_signed (input, fct_msg_get_flags (msg), fields);
    }
  fct_cli_common_clear (&common);
  return status;
}

static int
cmd_keygen (int argc, char **argv)
{
  static const char *summary
      = N_ ("Generate a DKIM key pair: the private key is written to DIR/SELECTOR.private "
            "(mode 0600) and the DNS record to publish is printed.");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autofree char *domain = NULL, *selector = NULL, *algorithm = NULL, *out = NULL;
  gint bits = 0;
  GOptionEntry entries[] = {
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, N_ ("Signing domain"), N_ ("DOMAIN") },
    { "selector", 0, 0, G_OPTION_ARG_STRING, &selector, N_ ("Selector"), N_ ("SELECTOR") },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, N_ ("rsa (default) or ed25519"),
      N_ ("ALGORITHM") },
    { "bits", 0, 0, G_OPTION_ARG_INT, &bits,
      N_ ("RSA key size, 1024 to 4096 (default 2048)"), N_ ("N") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_ ("Folder for the private key"),
      N_ ("DIR") },
    G_OPTION_ENTRY_NULL
  };
  int status = FCT_EXIT_OK;

  if (!fct_cli_parse ("dkim keygen", "", summary, entries, &common, &argc, &argv, &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }
  gboolean ed = g_strcmp0 (algorithm, "ed25519") == 0;
  if (argc != 1)
    status = fct_cli_usage_error ("dkim keygen", usage, "%s", _ ("unexpected argument"));
  else if (domain == NULL || selector == NULL || out == NULL)
    status = fct_cli_usage_error ("dkim keygen", usage, "%s",
                                  _ ("--domain, --selector and --out are required"));
  else if (!fct_dkim_domain_is_valid (fct_slice_from_str (domain))
           || !fct_dkim_domain_is_valid (fct_slice_from_str (selector)))
    status = fct_cli_usage_error ("dkim keygen", usage, "%s",
                                  _ ("the domain and selector must be valid domain names"));
  else if (algorithm != NULL && !ed && g_strcmp0 (algorithm, "rsa") != 0)
    status = fct_cli_usage_error ("dkim keygen", usage,
                                  _ ("unknown algorithm “%s” (rsa or ed25519)"), algorithm);
  else if (ed && bits != 0)
    status = fct_cli_usage_error ("dkim keygen", usage, "%s",
                                  _ ("--bits applies to RSA keys only"));
  else if (bits != 0 && (bits < 1024 || bits > 4096))
    status = fct_cli_usage_error ("dkim keygen", usage, "%s",
                                  _ ("--bits must be between 1024 and 4096"));
  if (status != FCT_EXIT_OK)
    {
      fct_cli_common_clear (&common);
      return status;
    }

  /* The README's `--out keys/` names a folder that usually does not exist yet: it is
   * created for the private key alone (0700; an existing folder keeps its mode). */
  if (g_mkdir_with_parents (out, 0700) != 0)
    {
      int saved = errno;
      g_printerr ("facteur: %s: %s\n", out, g_strerror (saved));
      fct_cli_common_clear (&common);
      return FCT_EXIT_DATAERR;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_generate (
      ed ? FCT_DKIM_KEY_TYPE_ED25519 : FCT_DKIM_KEY_TYPE_RSA, (guint)bits, &error);
  g_autofree char *file = g_strconcat (selector, ".private", NULL);
  g_autofree char *path = g_build_filename (out, file, NULL);
  if (key == NULL || !fct_dkim_private_key_write_pem (key, path, &error))
    {
      status = error->domain == FCT_DKIM_ERROR && error->code == FCT_DKIM_ERROR_IO
                   ? (g_printerr ("facteur: %s\n", error->message), FCT_EXIT_DATAERR)
                   : fct_cli_report_error (error);
      fct_cli_common_clear (&common);
      return status;
    }
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  g_autofree char *txt = fct_dkim_txt_split (record);
  g_autofree char *name = g_strdup_printf ("%s._domainkey.%s", selector, domain);
  const char *warning = NULL;
  if (!ed && (bits != 0 && bits < 2048))
    warning = _ ("keys under 2048 bits are weak (RFC 8301 recommends 2048)");
  if (common.json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "private_key");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "record");
      json_builder_add_string_value (b, record);
      json_builder_set_member_name (b, "txt");
      json_builder_add_string_value (b, txt);
      json_builder_set_member_name (b, "warnings");
      json_builder_begin_array (b);
      if (warning != NULL)
        json_builder_add_string_value (b, warning);
      json_builder_end_array (b);
      json_builder_end_object (b);
      fct_cli_json_print_builder (b);
    }
  else
    {
      if (warning != NULL)
        g_printerr ("facteur: %s\n", warning);
      g_printerr (_ ("Private key written to %s\n"), path);
      g_print ("%s. IN TXT ( %s )\n", name, txt);
    }
  fct_cli_common_clear (&common);
  return FCT_EXIT_OK;
}

int
fct_cmd_dkim (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "verify"))
    return cmd_verify (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "sign"))
    return cmd_sign (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "keygen"))
    return cmd_keygen (argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print ("%s\n", _ ("Usage: facteur dkim verify|sign|keygen [OPTION…]"));
      return FCT_EXIT_OK;
    }
  g_printerr ("facteur dkim: %s\n%s\n", _ ("expected verify, sign or keygen"),
              _ ("Usage: facteur dkim verify|sign|keygen [OPTION…]"));
  return FCT_EXIT_USAGE;
}
