/* ARC unit tests: field parsers, seal/validate round trips (RSA and Ed25519, several
 * hops, oldest-pass), tampering, the structural failures of RFC 8617 §5.2, DNS failures
 * (§5.2.1), the 50-set limit and hostile input (60 sets, an ARC-Seal without a tag). */
#include <facteur/arc.h>

typedef struct
{
  FctDkimPrivateKey *rsa, *ed;
  FctResolver *resolver;
} Keys;

static Keys keys;

static const char *const base_message = "From: Alice <alice@origin.example>\r\n"
                                        "To: list@lists.example\r\n"
                                        "Subject: hello\r\n"
                                        "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
                                        "Message-ID: <1@origin.example>\r\n"
                                        "\r\n"
                                        "Body line one.\r\n"
                                        "Body line two.\r\n";

static void
keys_init (void)
{
  g_autoptr (GError) error = NULL;
  keys.rsa = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_RSA, 2048, &error);
  g_assert_no_error (error);
  keys.ed = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autofree char *rsa_rec = fct_dkim_private_key_get_dns_record (keys.rsa);
  g_autofree char *ed_rec = fct_dkim_private_key_get_dns_record (keys.ed);
  g_autofree char *rsa_txt = fct_dkim_txt_split (rsa_rec);
  g_autofree char *ed_txt = fct_dkim_txt_split (ed_rec);
  g_autofree char *zone = g_strdup_printf ("rsa._domainkey.seal.example. 300 IN TXT %s\n"
                                           "ed._domainkey.seal.example. 300 IN TXT %s\n"
                                           "broken._domainkey.seal.example. SERVFAIL\n"
                                           "slow._domainkey.seal.example. TIMEOUT\n",
                                           rsa_txt, ed_txt);
  keys.resolver = fct_resolver_new_zone_data (zone, strlen (zone), "test", NULL, &error);
  g_assert_no_error (error);
}

static FctMsg *
msg_new (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  FctMsg *msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  return msg;
}

static FctArcVerifyResult *
verify_text (const char *text)
{
  g_autoptr (FctMsg) msg = msg_new (text);
  FctArcVerifyOptions o = { 0 };
  return fct_arc_verify (msg, keys.resolver, &o);
}

/* Validates text, seals it as hop (selector "rsa" or "ed"), returns the new message. */
static char *
seal_text (const char *text, const char *selector, guint hop)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = msg_new (text);
  FctArcVerifyOptions vo = { 0 };
  g_autoptr (FctArcVerifyResult) chain = fct_arc_verify (msg, keys.resolver, &vo);
  g_autofree char *authserv = g_strdup_printf ("hop%u.example", hop);
  FctArcSealOptions so = { .domain = "seal.example",
                           .selector = selector,
                           .key = g_str_equal (selector, "ed") ? keys.ed : keys.rsa,
                           .authserv_id = authserv,
                           .results = "spf=pass smtp.mailfrom=origin.example",
                           .timestamp = 1700000000 + hop };
  g_autoptr (FctArcSealResult) r = fct_arc_seal (msg, chain, &so, &error);
  g_assert_no_error (error);
  g_assert_true (r->sealed);
  g_assert_cmpuint (r->instance, ==, hop);
  return g_strconcat (r->seal, r->message_signature, r->authentication_results, text, NULL);
}

static void
test_instance_parser (void)
{
  const char *reason;
  guint i = 0;

  g_assert_true (fct_arc_field_instance (
      FCT_ARC_FIELD_AAR, fct_slice_from_str (" i=3; x.example; none"), 50, &i, &reason));
  g_assert_cmpuint (i, ==, 3);
  g_assert_true (fct_arc_field_instance (
      FCT_ARC_FIELD_SEAL, fct_slice_from_str ("a=rsa-sha256; i = 50; cv=pass"), 50, &i,
      &reason));
  g_assert_cmpuint (i, ==, 50);
  static const char *const bad_aar[]
      = { "x.example; i=1;", "i=1 x.example;", "i=; x", "i=0;", "i=51;", "i=1a;", "" };
  for (gsize k = 0; k < G_N_ELEMENTS (bad_aar); k++)
    {
      g_assert_false (fct_arc_field_instance (
          FCT_ARC_FIELD_AAR, fct_slice_from_str (bad_aar[k]), 50, &i, &reason));
      g_assert_nonnull (reason);
    }
  static const char *const bad_tags[]
      = { "a=rsa-sha256", "i=", "i=0", "i=x", "i=1000000", "i=1; i=2", "=1" };
  for (gsize k = 0; k < G_N_ELEMENTS (bad_tags); k++)
    {
      g_assert_false (fct_arc_field_instance (
          FCT_ARC_FIELD_AMS, fct_slice_from_str (bad_tags[k]), 50, &i, &reason));
      g_assert_nonnull (reason);
    }
}

static void
test_field_check (void)
{
  const char *reason;
  const char *as = "i=1; a=rsa-sha256; cv=none; d=x.example; s=sel; t=1; b=AAAA";
  const char *ams = "i=1; a=ed25519-sha256; d=x.example; s=sel; h=from:to; bh=AAAA; b=AAAA";

  g_assert_true (
      fct_arc_field_check (FCT_ARC_FIELD_SEAL, fct_slice_from_str (as), NULL, &reason));
  g_assert_true (
      fct_arc_field_check (FCT_ARC_FIELD_AMS, fct_slice_from_str (ams), NULL, &reason));
  static const char *const bad_as[] = {
    "i=1; a=rsa-sha256; cv=none; d=x.example; t=1; b=AAAA",           /* no s= */
    "i=1; a=rsa-sha1; cv=none; d=x.example; s=sel; b=AAAA",           /* sha1 */
    "i=1; a=rsa-sha256; cv=None; d=x.example; s=sel; b=AAAA",         /* cv case */
    "i=1; a=rsa-sha256; cv=none; d=x.example; s=sel; h=from; b=AAAA", /* h= */
    "i=1; a=rsa-sha256; cv=none; d=x..example; s=sel; b=AAAA",        /* d= */
    "i=1; a=rsa-sha256; cv=none; d=x.example; s=sel;; b=AAAA",        /* ;; */
    "i=1; a=rsa-sha256; cv=none; d=x.example; s=sel; t=; b=AAAA",     /* t= empty */
    "i=1; a=rsa-sha256; cv=none; d=x.example; s=sel; b=",             /* b= empty */
  };
  for (gsize k = 0; k < G_N_ELEMENTS (bad_as); k++)
    {
      g_assert_false (fct_arc_field_check (FCT_ARC_FIELD_SEAL,
                                           fct_slice_from_str (bad_as[k]), NULL, &reason));
      g_assert_nonnull (reason);
    }
  static const char *const bad_ams[] = {
    "i=1; a=rsa-sha256; d=x.example; s=sel; bh=AAAA; b=AAAA",                  /* no h= */
    "i=1; a=rsa-sha256; d=x.example; s=sel; h=from:arc-seal; bh=AAAA; b=AAAA", /* signs AS
                                                                                */
    "i=1; a=rsa-sha256; d=x.example; s=sel; h=from; bh=!!; b=AAAA",            /* bh= */
    "i=1; a=rsa-sha256; d=x.example; s=sel; h=from; c=fancy; bh=AAAA; b=AAAA",
  };
  for (gsize k = 0; k < G_N_ELEMENTS (bad_ams); k++)
    {
      g_assert_false (fct_arc_field_check (FCT_ARC_FIELD_AMS,
                                           fct_slice_from_str (bad_ams[k]), NULL, &reason));
      g_assert_nonnull (reason);
    }
  /* Empty h= items name nothing (the suite's ams_fields_h_mis_hdr). */
  g_assert_true (fct_arc_field_check (
      FCT_ARC_FIELD_AMS,
      fct_slice_from_str (
          "i=1; a=rsa-sha256; d=x.example; s=sel; h=from::to; bh=AAAA; b=AAAA"),
      NULL, &reason));
}

static void
test_none (void)
{
  g_autoptr (FctArcVerifyResult) r = verify_text (base_message);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_NONE);
  g_assert_cmpuint (r->instances, ==, 0);
  g_assert_nonnull (r->reason);
}

static void
test_round_trip (void)
{
  static const char *const selectors[] = { "rsa", "ed", "rsa", "ed" };
  g_autofree char *text = g_strdup (base_message);

  for (guint hop = 1; hop <= G_N_ELEMENTS (selectors); hop++)
    {
      char *next = seal_text (text, selectors[hop - 1], hop);
      g_free (text);
      text = next;
      g_autoptr (FctArcVerifyResult) r = verify_text (text);
      g_assert_cmpint (r->cv, ==, FCT_ARC_CV_PASS);
      g_assert_cmpuint (r->instances, ==, hop);
      g_assert_cmpuint (r->oldest_pass, ==, 0);
      g_assert_cmpuint (r->sets->len, ==, hop);
      const FctArcSet *s = g_ptr_array_index (r->sets, hop - 1);
      g_assert_cmpstr (s->seal_domain, ==, "seal.example");
      g_assert_cmpstr (s->seal_selector, ==, selectors[hop - 1]);
      g_assert_cmpint (s->seal_cv, ==, hop == 1 ? FCT_ARC_CV_NONE : FCT_ARC_CV_PASS);
      g_assert_cmpint (s->seal_result, ==, FCT_DKIM_RESULT_PASS);
      g_assert_cmpint (s->signature_result, ==, FCT_DKIM_RESULT_PASS);
      g_autofree char *authserv = g_strdup_printf ("hop%u.example", hop);
      g_assert_cmpstr (s->authserv_id, ==, authserv);
    }
  g_assert_nonnull (strstr (text, "ARC-Seal: a=ed25519-sha256;"));
}

/* A list changes the body between hop 1 and hop 2: AMS 1 breaks, the chain still
 * passes, and oldest-pass says from which set on the message is intact (§5.2 step 5). */
static void
test_oldest_pass (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *one = seal_text (base_message, "rsa", 1);
  g_autoptr (FctArcVerifyResult) received = verify_text (one);
  g_assert_cmpint (received->cv, ==, FCT_ARC_CV_PASS);
  /* The list validated the chain on arrival, then added its footer, then sealed. */
  g_autofree char *modified = g_strconcat (one, "-- \r\nThe list footer\r\n", NULL);
  g_autoptr (FctMsg) msg = msg_new (modified);
  FctArcSealOptions so = { .domain = "seal.example",
                           .selector = "rsa",
                           .key = keys.rsa,
                           .authserv_id = "list.example",
                           .results = "arc=pass",
                           .timestamp = 1700000002 };
  g_autoptr (FctArcSealResult) sealed = fct_arc_seal (msg, received, &so, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sealed->cv, ==, FCT_ARC_CV_PASS);
  g_autofree char *two = g_strconcat (sealed->seal, sealed->message_signature,
                                      sealed->authentication_results, modified, NULL);
  g_autoptr (FctArcVerifyResult) r = verify_text (two);

  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_PASS);
  g_assert_cmpuint (r->oldest_pass, ==, 2);
  g_assert_cmpint (((FctArcSet *)g_ptr_array_index (r->sets, 0))->signature_result, ==,
                   FCT_DKIM_RESULT_FAIL);
  g_assert_nonnull (strstr (r->reason, "oldest-pass 2"));
}

static void
test_tampered (void)
{
  g_autofree char *sealed = seal_text (base_message, "rsa", 1);
  g_autoptr (GString) body = g_string_new (sealed);
  g_string_append (body, "appended\r\n");
  g_autoptr (FctArcVerifyResult) r = verify_text (body->str);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_cmpuint (r->failed_instance, ==, 1);
  g_assert_nonnull (strstr (r->reason, "body hash"));

  /* A changed AAR breaks the seal, not the AMS. */
  g_autofree char *aar = g_strdup (sealed);
  char *p = strstr (aar, "spf=pass");
  g_assert_nonnull (p);
  memcpy (p, "spf=fail", 8);
  g_autoptr (FctArcVerifyResult) r2 = verify_text (aar);
  g_assert_cmpint (r2->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r2->reason, "ARC-Seal"));
}

/* Removes the first occurrence of what from text. */
static char *
without (const char *text, const char *what)
{
  const char *p = strstr (text, what);
  g_assert_nonnull (p);
  return g_strdup_printf ("%.*s%s", (int)(p - text), text, p + strlen (what));
}

static void
test_seal_missing_tag (void)
{
  g_autofree char *sealed = seal_text (base_message, "rsa", 1);
  g_autofree char *broken = without (sealed, " s=rsa;");
  g_autoptr (FctArcVerifyResult) r = verify_text (broken);

  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_cmpuint (r->failed_instance, ==, 1);
  g_assert_nonnull (strstr (r->reason, "required tag"));
}

static void
test_structure (void)
{
  g_autofree char *one = seal_text (base_message, "rsa", 1);
  g_autofree char *two = seal_text (one, "rsa", 2);

  /* Set 1's AAR missing: a gap. */
  const char *aar1 = strstr (two, "ARC-Authentication-Results: i=1;");
  const char *end = strstr (aar1, "\r\nFrom:");
  g_autofree char *gap = g_strdup_printf ("%.*s%s", (int)(aar1 - two), two, end + 2);
  g_autoptr (FctArcVerifyResult) r = verify_text (gap);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r->reason, "gap"));

  /* A duplicate AAR for instance 2. */
  g_autofree char *dup
      = g_strconcat ("ARC-Authentication-Results: i=2; x.example; none\r\n", two, NULL);
  g_autoptr (FctArcVerifyResult) r2 = verify_text (dup);
  g_assert_cmpint (r2->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r2->reason, "more than once"));
  /* N is the highest instance even when the structure fails early: a sealer numbers the
   * next set from it. */
  g_autofree char *high
      = g_strconcat ("ARC-Authentication-Results: i=1; x.example; none\r\n"
                     "ARC-Seal: i=7; a=rsa-sha256; cv=pass; d=x.example; "
                     "s=s; b=AAAA\r\n",
                     two, NULL);
  g_autoptr (FctArcVerifyResult) r4 = verify_text (high);
  g_assert_cmpint (r4->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_cmpuint (r4->instances, ==, 7);

  /* The first set alone, but its seal saying cv=pass. */
  g_autoptr (GString) cv = g_string_new (one);
  char *p = strstr (cv->str, "cv=none");
  memcpy (p, "cv=pass", 7);
  g_autoptr (FctArcVerifyResult) r3 = verify_text (cv->str);
  g_assert_cmpint (r3->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r3->reason, "cv=none"));
}

/* A header padded past the field limit is not read whole: ARC sets past the padding
 * would be missed, so nothing is sealed; at the limit, the message is sealed. */
static void
test_over_limits_not_sealed (void)
{
  guint max = fct_limits_default ()->header_fields_max;
  guint own = 0;
  g_autoptr (FctMsg) plain = msg_new (base_message);
  own = fct_msg_get_header_count (plain);

  for (guint pad = max - own; pad <= max - own + 1; pad++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      for (guint i = 0; i < pad; i++)
        g_string_append_printf (text, "X-Pad-%u: junk\r\n", i);
      g_string_append (text, base_message);
      g_autoptr (FctMsg) msg = msg_new (text->str);
      FctArcVerifyOptions vo = { 0 };
      g_autoptr (FctArcVerifyResult) chain = fct_arc_verify (msg, keys.resolver, &vo);
      FctArcSealOptions so = { .domain = "seal.example",
                               .selector = "rsa",
                               .key = keys.rsa,
                               .authserv_id = "hop1.example",
                               .results = "spf=pass smtp.mailfrom=origin.example",
                               .timestamp = 1 };
      g_autoptr (GError) error = NULL;
      g_autoptr (FctArcSealResult) r = fct_arc_seal (msg, chain, &so, &error);
      g_assert_no_error (error);
      if (pad + own <= max)
        g_assert_true (r->sealed);
      else
        {
          g_assert_false (r->sealed);
          g_assert_nonnull (strstr (r->reason, "header_fields_max"));
        }
    }
}

static void
test_failed_chain_not_sealed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *one = seal_text (base_message, "rsa", 1);
  g_autoptr (GString) body = g_string_new (one);
  g_string_append (body, "changed\r\n");
  g_autoptr (FctMsg) msg = msg_new (body->str);
  FctArcVerifyOptions vo = { 0 };
  g_autoptr (FctArcVerifyResult) chain = fct_arc_verify (msg, keys.resolver, &vo);
  FctArcSealOptions so = { .domain = "seal.example",
                           .selector = "rsa",
                           .key = keys.rsa,
                           .authserv_id = "hop2.example",
                           .results = "arc=fail",
                           .timestamp = 1 };
  g_autoptr (FctArcSealResult) r = fct_arc_seal (msg, chain, &so, &error);
  g_assert_no_error (error);
  /* §5.1.2: the failure is recorded with a set sealing only itself. */
  g_assert_true (r->sealed);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r->seal, "cv=fail"));
  g_assert_nonnull (strstr (r->authentication_results, "hop2.example;\r\n  arc=fail"));

  /* §5.1 step 2: once marked cv=fail, nobody adds a set. */
  g_autofree char *marked = g_strconcat (r->seal, r->message_signature,
                                         r->authentication_results, body->str, NULL);
  g_autoptr (FctMsg) msg2 = msg_new (marked);
  g_autoptr (FctArcVerifyResult) chain2 = fct_arc_verify (msg2, keys.resolver, &vo);
  g_assert_cmpint (chain2->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (chain2->reason, "cv=fail"));
  so.authserv_id = "hop3.example";
  g_autoptr (FctArcSealResult) r2 = fct_arc_seal (msg2, chain2, &so, &error);
  g_assert_no_error (error);
  g_assert_false (r2->sealed);
  g_assert_null (r2->seal);
}

static void
test_dns_failure (void)
{
  g_autofree char *sealed = seal_text (base_message, "rsa", 1);
  static const char *const selectors[] = { "broken", "slow", "missing" };

  for (gsize k = 0; k < G_N_ELEMENTS (selectors); k++)
    {
      g_autofree char *sel = g_strdup_printf ("s=%s;", selectors[k]);
      g_autoptr (GString) s = g_string_new (sealed);
      /* Point the seal at a selector whose lookup fails: §5.2.1 makes it a failure. */
      char *p = strstr (s->str, "s=rsa;");
      g_string_erase (s, p - s->str, 6);
      g_string_insert (s, p - s->str, sel);
      g_autoptr (FctMsg) msg = msg_new (s->str);
      FctArcVerifyOptions vo = { 0 };
      g_autoptr (FctArcVerifyResult) r = fct_arc_verify (msg, keys.resolver, &vo);
      g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
      /* SERVFAIL and timeouts are temporary: no set is sealed over them. */
      gboolean temporary = !g_str_equal (selectors[k], "missing");
      g_assert_cmpint (r->temporary, ==, temporary);
      g_autoptr (GError) error = NULL;
      FctArcSealOptions so = { .domain = "seal.example",
                               .selector = "rsa",
                               .key = keys.rsa,
                               .authserv_id = "hop2.example",
                               .results = "arc=fail" };
      g_autoptr (FctArcSealResult) sealed_again = fct_arc_seal (msg, r, &so, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sealed_again->sealed, ==, !temporary);
    }
}

/* 50 sets is the limit: they validate, and no 51st is added (§4.2.1). */
static void
test_fifty_sets (void)
{
  g_autofree char *text = g_strdup (base_message);
  g_autoptr (GError) error = NULL;

  for (guint hop = 1; hop <= 50; hop++)
    {
      char *next = seal_text (text, "ed", hop);
      g_free (text);
      text = next;
    }
  g_autoptr (FctMsg) msg = msg_new (text);
  FctArcVerifyOptions vo = { 0 };
  g_autoptr (FctArcVerifyResult) r = fct_arc_verify (msg, keys.resolver, &vo);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_PASS);
  g_assert_cmpuint (r->instances, ==, 50);
  FctArcSealOptions so = { .domain = "seal.example",
                           .selector = "ed",
                           .key = keys.ed,
                           .authserv_id = "hop51.example",
                           .results = "arc=pass" };
  g_autoptr (FctArcSealResult) s = fct_arc_seal (msg, r, &so, &error);
  g_assert_no_error (error);
  g_assert_false (s->sealed);
  g_assert_nonnull (strstr (s->reason, "maximum"));
}

/* 60 sets (made up: they need not verify) fail at once on the structure, without a
 * single key query. */
static void
test_sixty_sets (void)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 60; i >= 1; i--)
    g_string_append_printf (
        text,
        "ARC-Seal: i=%u; a=rsa-sha256; cv=%s; d=seal.example; s=rsa; b=AAAA\r\n"
        "ARC-Message-Signature: i=%u; a=rsa-sha256; d=seal.example; s=rsa; h=from; "
        "bh=AAAA; b=AAAA\r\n"
        "ARC-Authentication-Results: i=%u; hop.example; none\r\n",
        i, i == 1 ? "none" : "pass", i, i);
  g_string_append (text, base_message);
  FctResolverStats before, after;
  fct_resolver_get_stats (keys.resolver, &before);
  g_autoptr (FctArcVerifyResult) r = verify_text (text->str);
  fct_resolver_get_stats (keys.resolver, &after);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r->reason, "ARC sets"));
  g_assert_cmpuint (after.queries, ==, before.queries);
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void)source;
  *(GAsyncResult **)user_data = g_object_ref (res);
}

/* A header full of ARC fields (up to the 1,000-field message limit) is refused on the
 * count, before anything is parsed or queried. */
static void
test_many_fields (void)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < 990; i++)
    g_string_append (text, "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=seal.example; s=rsa; "
                           "b=AAAA\r\n");
  g_string_append (text, base_message);
  FctResolverStats before, after;
  fct_resolver_get_stats (keys.resolver, &before);
  g_autoptr (FctArcVerifyResult) r = verify_text (text->str);
  fct_resolver_get_stats (keys.resolver, &after);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (r->reason, "990 ARC header fields"));
  g_assert_cmpuint (after.queries, ==, before.queries);
}

/* The streaming validator gives the same verdict with the body in tiny chunks. */
static void
test_streaming (void)
{
  g_autofree char *sealed = seal_text (base_message, "rsa", 1);
  g_autoptr (FctMsg) msg = msg_new (sealed);
  FctArcVerifyOptions o = { 0 };
  GAsyncResult *res = NULL;
  /* Key queries answer in the context current at the end of the header. */
  GMainContext *context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_autoptr (FctArcVerifier) v = fct_arc_verifier_new (keys.resolver, &o);

  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      fct_arc_verifier_header (v, h->raw.ptr, h->raw.len);
    }
  fct_arc_verifier_eoh (v);
  FctSlice body = fct_msg_get_body (msg);
  for (gsize k = 0; k < body.len; k += 3)
    fct_arc_verifier_body (v, body.ptr + k, MIN (3, body.len - k));
  fct_arc_verifier_eom_async (v, NULL, on_done, &res);
  while (res == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctArcVerifyResult) r = fct_arc_verifier_eom_finish (v, res, &error);
  g_object_unref (res);
  g_assert_no_error (error);
  g_assert_cmpint (r->cv, ==, FCT_ARC_CV_PASS);
}

/* Streams text through the validator with pad fields on top (as relays add them). */
static FctArcVerifyResult *
stream_padded (const char *text, guint pad_fields, gsize pad_bytes, const FctLimits *limits)
{
  g_autoptr (FctMsg) msg = msg_new (text);
  FctArcVerifyOptions o = { .limits = limits };
  GAsyncResult *res = NULL;
  GMainContext *context = g_main_context_new ();
  g_autofree char *pad = g_strnfill (pad_bytes, 'x');

  g_main_context_push_thread_default (context);
  g_autoptr (FctArcVerifier) v = fct_arc_verifier_new (keys.resolver, &o);
  for (guint i = 0; i < pad_fields; i++)
    {
      g_autofree char *field = g_strdup_printf ("X-Pad: %u %s", i, pad);
      fct_arc_verifier_header (v, field, strlen (field));
    }
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      fct_arc_verifier_header (v, h->raw.ptr, h->raw.len);
    }
  fct_arc_verifier_eoh (v);
  FctSlice body = fct_msg_get_body (msg);
  fct_arc_verifier_body (v, body.ptr, body.len);
  fct_arc_verifier_eom_async (v, NULL, on_done, &res);
  while (res == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_autoptr (GError) error = NULL;
  FctArcVerifyResult *r = fct_arc_verifier_eom_finish (v, res, &error);
  g_object_unref (res);
  g_assert_no_error (error);
  return r;
}

/* Issue 11: past a limit the streaming validator drops nothing silently; the chain
 * fails closed with a reason that names the limit. */
static void
test_streaming_limits (void)
{
  g_autofree char *sealed = seal_text (base_message, "rsa", 1);
  FctLimits limits;
  fct_limits_init (&limits);
  limits.header_fields_max = 20;
  limits.header_field_max_bytes = 4096;

  g_autoptr (FctArcVerifyResult) ok = stream_padded (sealed, 5, 100, &limits);
  g_assert_cmpint (ok->cv, ==, FCT_ARC_CV_PASS);
  /* The set is kept, the fields its AMS covers are cut off. */
  g_autoptr (FctArcVerifyResult) many = stream_padded (sealed, 15, 10, &limits);
  g_assert_cmpint (many->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (many->reason, "20"));
  /* The whole set is cut off: not "none", which would say the message has no chain. */
  g_autoptr (FctArcVerifyResult) hidden = stream_padded (sealed, 30, 10, &limits);
  g_assert_cmpint (hidden->cv, ==, FCT_ARC_CV_FAIL);
  g_autoptr (FctArcVerifyResult) big = stream_padded (sealed, 1, 5000, &limits);
  g_assert_cmpint (big->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_nonnull (strstr (big->reason, "4096"));
  /* Under the limits, a message without ARC is still none. */
  g_autoptr (FctArcVerifyResult) none = stream_padded (base_message, 5, 100, &limits);
  g_assert_cmpint (none->cv, ==, FCT_ARC_CV_NONE);
}

/* The review's attack: an Authentication-Results field prepended upstream under the
 * sealer's own authserv-id. A sealer seals only the results it computed (RFC 8617
 * §4.1.1, RFC 8601 §5): without them it refuses, and with them it copies nothing. */
static void
test_aar_own_results_only (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strconcat (
      "Authentication-Results: mx.example; dmarc=pass header.from=bank.example\r\n",
      base_message, NULL);
  g_autoptr (FctMsg) msg = msg_new (text);
  FctArcVerifyOptions vo = { 0 };
  g_autoptr (FctArcVerifyResult) chain = fct_arc_verify (msg, keys.resolver, &vo);
  FctArcSealOptions so = { .domain = "seal.example",
                           .selector = "rsa",
                           .key = keys.rsa,
                           .authserv_id = "mx.example",
                           .eol = "\n",
                           .timestamp = -1 };
  g_autoptr (FctArcSealResult) refused = fct_arc_seal (msg, chain, &so, &error);
  g_assert_null (refused);
  g_assert_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID);
  g_clear_error (&error);

  /* Results are kept as written, comments included, "none" dropped. */
  so.results = "arc=none; spf=pass smtp.mailfrom=origin.example (a; comment); none;\r"
               "dkim=fail header.d=origin.example";
  g_autoptr (FctArcSealResult) line = fct_arc_seal (msg, chain, &so, &error);
  g_assert_null (line);
  g_assert_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID); /* not one line */
  g_clear_error (&error);
  so.results = "dmarc pass";
  g_autoptr (FctArcSealResult) syntax = fct_arc_seal (msg, chain, &so, &error);
  g_assert_null (syntax);
  g_assert_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID); /* not RFC 8601 */
  g_clear_error (&error);

  so.results = "arc=none; spf=pass smtp.mailfrom=origin.example (a; comment); "
               "dkim=fail header.d=origin.example; dmarc=fail header.from=bank.example";
  g_autoptr (FctArcSealResult) r = fct_arc_seal (msg, chain, &so, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->authentication_results, ==,
                   "ARC-Authentication-Results: i=1; mx.example;\n"
                   "  arc=none;\n"
                   "  spf=pass smtp.mailfrom=origin.example (a; comment);\n"
                   "  dkim=fail header.d=origin.example;\n"
                   "  dmarc=fail header.from=bank.example\n");
  g_assert_null (strstr (r->authentication_results, "dmarc=pass"));
  g_assert_null (strstr (r->seal, "\r"));
  g_assert_null (strstr (r->seal, " t="));

  /* Bad options are errors, not verdicts. */
  static const char *const bad_headers[] = { "from", "arc-seal", NULL };
  so.headers = bad_headers;
  g_autoptr (FctArcSealResult) r2 = fct_arc_seal (msg, chain, &so, &error);
  g_assert_null (r2);
  g_assert_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID);
  g_clear_error (&error);
  so.headers = NULL;
  so.authserv_id = "two words";
  g_autoptr (FctArcSealResult) r3 = fct_arc_seal (msg, chain, &so, &error);
  g_assert_null (r3);
  g_assert_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  keys_init ();
  g_test_add_func ("/arc/fields/instance", test_instance_parser);
  g_test_add_func ("/arc/fields/check", test_field_check);
  g_test_add_func ("/arc/verify/none", test_none);
  g_test_add_func ("/arc/verify/round-trip", test_round_trip);
  g_test_add_func ("/arc/verify/oldest-pass", test_oldest_pass);
  g_test_add_func ("/arc/verify/tampered", test_tampered);
  g_test_add_func ("/arc/verify/seal-missing-tag", test_seal_missing_tag);
  g_test_add_func ("/arc/verify/structure", test_structure);
  g_test_add_func ("/arc/verify/dns-failure", test_dns_failure);
  g_test_add_func ("/arc/verify/fifty-sets", test_fifty_sets);
  g_test_add_func ("/arc/verify/sixty-sets", test_sixty_sets);
  g_test_add_func ("/arc/verify/many-fields", test_many_fields);
  g_test_add_func ("/arc/verify/streaming", test_streaming);
  g_test_add_func ("/arc/verify/streaming-limits", test_streaming_limits);
  g_test_add_func ("/arc/seal/aar-own-results-only", test_aar_own_results_only);
  g_test_add_func ("/arc/seal/failed-chain", test_failed_chain_not_sealed);
  g_test_add_func ("/arc/seal/over-limits", test_over_limits_not_sealed);
  int status = g_test_run ();
  fct_dkim_private_key_unref (keys.rsa);
  fct_dkim_private_key_unref (keys.ed);
  fct_resolver_unref (keys.resolver);
  return status;
}
