/* Unit tests for findings and the score: the arithmetic users read as "8.5/10", and
 * the weight tables every check relies on. */
#include <facteur/score.h>

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
  fct_finding_set_evidence (added, NULL);
  g_assert_null (added->evidence);
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
  fct_findings_add (f, "mx-missing", "first");
  fct_findings_add (f, "spf-fail", "second");
  fct_findings_add (f, "mx-missing", "third");
  fct_findings_sort (f);
  const FctFinding *a = fct_findings_get (f, 0), *b = fct_findings_get (f, 1);
  g_assert_cmpfloat (a->weight->points, >=, b->weight->points);
  if (a->weight == b->weight)
    g_assert_cmpstr (a->detail, ==, "first");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/score/empty-is-ten", test_empty_is_ten);
  g_test_add_func ("/score/points-from-table", test_points_are_deducted_from_the_table);
  g_test_add_func ("/score/never-below-zero", test_score_never_below_zero);
  g_test_add_func ("/score/strings-are-utf8", test_strings_are_utf8);
  g_test_add_func ("/score/unknown-id-refused", test_unknown_id_is_refused);
  g_test_add_func ("/score/tables-well-formed", test_tables_are_well_formed);
  g_test_add_func ("/score/sort-stable", test_sort_by_points_is_stable);
  return g_test_run ();
}
