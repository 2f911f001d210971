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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/score/empty-is-ten", test_empty_is_ten);
  g_test_add_func ("/score/points-from-table", test_points_are_deducted_from_the_table);
  g_test_add_func ("/score/sets-have-one-table", test_sets_have_one_table);
  g_test_add_func ("/score/never-below-zero", test_score_never_below_zero);
  g_test_add_func ("/score/unknown-id-refused", test_unknown_id_is_refused);
  g_test_add_func ("/score/tables-well-formed", test_tables_are_well_formed);
  g_test_add_func ("/score/sort-stable", test_sort_by_points_is_stable);
  return g_test_run ();
}
