/* Unit tests for findings and the score: the arithmetic users read as "8.5/10", and
 * the weight tables every check relies on. */
#include <facteur/score.h>

#include <string.h>

static void
test_empty_is_ten (void)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  g_assert_cmpfloat (fct_findings_score (f), ==, 10.0);
}

static void
test_points_are_deducted_from_the_table (void)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  const FctFindingWeight *w = fct_finding_weight_lookup ("spf-fail");

  g_assert_nonnull (w);
  FctFinding *added = fct_findings_add (f, "spf-fail", "detail %d", 42);
  g_assert_nonnull (added);
  g_assert_cmpstr (added->detail, ==, "detail 42");
  g_assert_true (fct_findings_has (f, "spf-fail"));
  g_assert_false (fct_findings_has (f, "mx-missing"));
  g_assert_cmpfloat_with_epsilon (fct_findings_score (f), 10.0 - w->points, 1e-9);
}

/* Bytes from a message reach a finding raw (fuzz-mime: an attachment name in Latin-1);
 * the finding holds valid UTF-8 whatever its caller passes, each bad byte as \xHH. */
static void
test_strings_are_utf8 (void)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  FctFinding *added = fct_findings_add (f, "spf-fail", "name %s, then %s",
                                        "r\xe9sum\xe9.pdf", "caf\xc3\xa9");

  g_assert_cmpstr (added->detail, ==, "name r\\xE9sum\\xE9.pdf, then caf\xc3\xa9");
  fct_finding_set_evidence (added, "\xff\xfe\xc3");
  g_assert_cmpstr (added->evidence, ==, "\\xFF\\xFE\\xC3");
  fct_finding_set_fix (added, "v=spf1 \xe2\x82 -all");
  g_assert_cmpstr (added->fix, ==, "v=spf1 \\xE2\\x82 -all");
  g_assert_true (g_utf8_validate (added->fix, -1, NULL));
  /* Valid text, ASCII or not, is kept as it is. */
  fct_finding_set_evidence (added, "Société Générale ✓");
  g_assert_cmpstr (added->evidence, ==, "Société Générale ✓");
  /* Control characters other than tab and line feed are shown, not sent to a terminal
   * or written raw into JSON (found by fuzz-check: a 0x1F in a From). */
  fct_finding_set_evidence (added, "a\x1f"
                                   "b\x1b[31m\tc\nd\x7f");
  g_assert_cmpstr (added->evidence, ==, "a\\x1Fb\\x1B[31m\tc\nd\\x7F");
  fct_finding_set_evidence (added, NULL);
  g_assert_null (added->evidence);
}

/* A set looks ids up in its own table only: a domain set knows mx-missing and not
 * spf-fail (a message id), a message set the reverse. */
static void
test_sets_have_one_table (void)
{
  g_autoptr (FctFindings) domain = fct_findings_new_for (FCT_FINDINGS_DOMAIN);
  g_assert_nonnull (fct_findings_add (domain, "mx-missing", NULL));
  g_assert_null (fct_finding_weight_lookup_in (FCT_FINDINGS_DOMAIN, "spf-fail"));
  g_assert_null (fct_finding_weight_lookup_in (FCT_FINDINGS_MESSAGE, "mx-missing"));
  g_assert_null (fct_finding_weight_lookup ("mx-missing"));
  if (g_test_subprocess ())
    {
      g_autoptr (FctFindings) message = fct_findings_new ();
      fct_findings_add (message, "mx-missing", NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

static void
test_score_never_below_zero (void)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  for (int i = 0; i < 20; i++)
    fct_findings_add (f, "spf-fail", NULL);
  g_assert_cmpfloat (fct_findings_score (f), ==, 0.0);
}

static void
test_unknown_id_is_refused (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (FctFindings) f = fct_findings_new ();
      g_assert_null (fct_findings_add (f, "no-such-finding", NULL));
      g_assert_cmpuint (fct_findings_get_count (f), ==, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_stderr ("*CRITICAL*weight != NULL*");
}

static void
check_table (const FctFindingWeight *rows, gsize n)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; i < n; i++)
    {
      /* Ids are lower-case words joined by hyphens: users filter on them. */
      g_assert_true (g_regex_match_simple ("^[a-z0-9]+(-[a-z0-9]+)*$", rows[i].id, 0, 0));
      g_assert_false (g_hash_table_contains (seen, rows[i].id));
      g_hash_table_add (seen, (gpointer)rows[i].id);
      g_assert_nonnull (rows[i].section);
      g_assert_nonnull (rows[i].title);
      g_assert_cmpfloat (rows[i].points, >=, 0.0);
      g_assert_cmpfloat (rows[i].points, <=, 10.0);
    }
}

static void
test_tables_are_well_formed (void)
{
  gsize n_message = 0, n_domain = 0;
  check_table (fct_finding_weights_message (&n_message), n_message);
  check_table (fct_finding_weights_domain (&n_domain), n_domain);
  g_assert_cmpuint (n_message, >, 0);
  g_assert_cmpuint (n_domain, >, 0);
}

static void
test_sort_by_points_is_stable (void)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  fct_findings_add (f, "spf-fail", "first");
  fct_findings_add (f, "dkim-weak-key", "second");
  fct_findings_add (f, "spf-fail", "third");
  fct_findings_sort (f);
  const FctFinding *a = fct_findings_get (f, 0), *b = fct_findings_get (f, 1);
  g_assert_cmpfloat (a->weight->points, >=, b->weight->points);
  if (a->weight == b->weight)
    g_assert_cmpstr (a->detail, ==, "first");
}

/* The verdict of a list of ids, and the ids that decided it joined by spaces. */
static FctThreat
verdict_of (const char *ids, char **deciding)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  g_auto (GStrv) list = g_strsplit (ids, " ", -1);
  g_autoptr (GPtrArray) decided = NULL;
  FctThreat threat;

  for (guint i = 0; list[i] != NULL; i++)
    if (*list[i] != '\0')
      fct_findings_add (f, list[i], "detail");
  threat = fct_findings_threat (f, &decided);
  g_ptr_array_add (decided, NULL);
  *deciding = g_strjoinv (" ", (char **)decided->pdata);
  return threat;
}

static void
test_threat_rules (void)
{
  static const struct
  {
    const char *ids;
    FctThreat threat;
    const char *deciding;
  } rules[] = {
    /* Deliverability findings say nothing about trust. */
    { "", FCT_THREAT_NONE, "" },
    { "spf-fail dkim-none dmarc-none header-missing-date unsubscribe-missing iban-present",
      FCT_THREAT_NONE, "" },
    /* Rule 1: the highest level. */
    { "dmarc-fail", FCT_THREAT_SUSPICIOUS, "dmarc-fail" },
    { "dkim-none bank-details-change", FCT_THREAT_DANGEROUS, "bank-details-change" },
    { "bank-details-change dmarc-fail", FCT_THREAT_DANGEROUS, "bank-details-change" },
    /* Rule 2: suspicious findings of two sections. */
    { "dmarc-fail link-text-mismatch", FCT_THREAT_DANGEROUS,
      "dmarc-fail link-text-mismatch" },
    { "reply-to-divergent-free-mail iban-country-mismatch", FCT_THREAT_DANGEROUS,
      "reply-to-divergent-free-mail iban-country-mismatch" },
    /* One section, or one finding twice: still suspicious. */
    { "display-name-spoof reply-to-divergent-free-mail", FCT_THREAT_SUSPICIOUS,
      "display-name-spoof reply-to-divergent-free-mail" },
    { "dmarc-fail dmarc-fail", FCT_THREAT_SUSPICIOUS, "dmarc-fail" },
    /* A history that says a sender changed accounts. */
    { "iban-present iban-new-for-sender", FCT_THREAT_DANGEROUS, "iban-new-for-sender" },
    { "iban-present iban-first-for-sender iban-history-unavailable", FCT_THREAT_NONE, "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autofree char *deciding = NULL;
      FctThreat t = verdict_of (rules[i].ids, &deciding);
      if (t != rules[i].threat || !g_str_equal (deciding, rules[i].deciding))
        g_error ("%s: %s [%s], expected %s [%s]", rules[i].ids, fct_threat_to_string (t),
                 deciding, fct_threat_to_string (rules[i].threat), rules[i].deciding);
    }
}

/* Rule 4: a dangerous message gets no advice for its sender; the reader's findings keep
 * theirs. */
static void
test_withhold_sender_advice (void)
{
  g_autoptr (FctFindings) f = fct_findings_new ();
  FctFinding *spf = fct_findings_add (f, "spf-none", "publish \"v=spf1 mx -all\"");
  FctFinding *bulk = fct_findings_add (f, "unsubscribe-missing", "add List-Unsubscribe");
  FctFinding *fraud = fct_findings_add (f, "bank-details-change", "call the supplier");
  FctFinding *tls = fct_findings_add (f, "smtp-no-tls", "enable STARTTLS");

  fct_finding_set_fix (spf, "v=spf1 mx -all");
  fct_finding_set_evidence (spf, "example.com");
  fct_findings_withhold_sender_advice (f);
  g_assert_null (spf->fix);
  g_assert_cmpstr (spf->evidence, ==, "example.com");
  g_assert_null (strstr (spf->detail, "v=spf1"));
  g_assert_nonnull (strstr (spf->detail, "not advice"));
  g_assert_null (strstr (bulk->detail, "add List-Unsubscribe"));
  g_assert_cmpstr (fraud->detail, ==, "call the supplier");
  /* The transport section advises the sender's server too. */
  g_assert_null (strstr (tls->detail, "enable STARTTLS"));
  g_assert_true (fct_finding_weight_advises_sender (tls->weight));
  g_assert_cmpfloat (fct_findings_score (f), ==,
                     10.0 - spf->weight->points - bulk->weight->points
                         - fraud->weight->points - tls->weight->points);
}

/* Every section of the message table is shown under a heading of its own: a finding
 * of an unlisted section would fall under the web page's "Other" and, on the command
 * line, under no heading at all. */
static void
test_report_sections (void)
{
  gsize n = 0, n_sections = 0;
  const FctFindingWeight *rows = fct_finding_weights_message (&n);
  const FctReportSection *sections = fct_report_sections (&n_sections);

  g_assert_cmpuint (n_sections, >, 0);
  for (gsize s = 0; s < n_sections; s++)
    {
      g_assert_nonnull (sections[s].title);
      for (gsize t = s + 1; t < n_sections; t++)
        g_assert_cmpstr (sections[s].id, !=, sections[t].id);
    }
  for (gsize i = 0; i < n; i++)
    {
      gsize s = 0;
      while (s < n_sections && !g_str_equal (rows[i].section, sections[s].id))
        s++;
      if (s == n_sections)
        g_test_fail_printf ("%s: section \"%s\" has no heading", rows[i].id,
                            rows[i].section);
    }
}

/* docs/SCORING.md "Threat verdict" lists every id that has a level, with that level. */
static void
test_threat_doc (void)
{
  const char *root = g_getenv ("FCT_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autofree char *doc = NULL;
  gsize n = 0;
  const FctFindingWeight *rows = fct_finding_weights_message (&n);

  if (root == NULL)
    {
      g_test_skip ("FCT_SOURCE_ROOT is not set");
      return;
    }
  path = g_build_filename (root, "docs", "SCORING.md", NULL);
  g_assert_true (g_file_get_contents (path, &doc, NULL, NULL));
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *row = g_strdup_printf ("| `%s` | %s |", rows[i].id,
                                              fct_threat_to_string (rows[i].threat));
      if (rows[i].threat != FCT_THREAT_NONE && strstr (doc, row) == NULL)
        g_test_fail_printf ("docs/SCORING.md has no row \"%s\"", row);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/score/empty-is-ten", test_empty_is_ten);
  g_test_add_func ("/score/points-from-table", test_points_are_deducted_from_the_table);
  g_test_add_func ("/score/sets-have-one-table", test_sets_have_one_table);
  g_test_add_func ("/score/never-below-zero", test_score_never_below_zero);
  g_test_add_func ("/score/strings-are-utf8", test_strings_are_utf8);
  g_test_add_func ("/score/unknown-id-refused", test_unknown_id_is_refused);
  g_test_add_func ("/score/tables-well-formed", test_tables_are_well_formed);
  g_test_add_func ("/score/sort-stable", test_sort_by_points_is_stable);
  g_test_add_func ("/score/threat-rules", test_threat_rules);
  g_test_add_func ("/score/withhold-sender-advice", test_withhold_sender_advice);
  g_test_add_func ("/score/threat-doc", test_threat_doc);
  g_test_add_func ("/score/report-sections", test_report_sections);
  return g_test_run ();
}
