/* facteur — unit tests of the shipped lists (data/verify) and the typo suggestions. */
#include <facteur/verify.h>
#include <string.h>

static void
test_disposable (void)
{
  g_assert_true (fct_verify_domain_is_disposable ("mailinator.com"));
  g_assert_true (fct_verify_domain_is_disposable ("YOPmail.fr"));
  g_assert_true (fct_verify_domain_is_disposable ("inbox.guerrillamail.com"));
  g_assert_false (fct_verify_domain_is_disposable ("gmail.com"));
  g_assert_false (fct_verify_domain_is_disposable ("outlook.com"));
  /* From the maintained list (disposable-email-domains), not in the hand-written one. */
  g_assert_true (fct_verify_domain_is_disposable ("temp-mail.best"));
  g_assert_true (fct_verify_domain_is_disposable ("temp-link.net"));
  g_assert_false (fct_verify_domain_is_disposable ("com"));
}

static void
test_free_mail (void)
{
  g_assert_true (fct_verify_domain_is_free_mail ("gmail.com"));
  g_assert_true (fct_verify_domain_is_free_mail ("orange.fr"));
  g_assert_false (fct_verify_domain_is_free_mail ("example.com"));
  g_assert_false (fct_verify_domain_is_free_mail ("mail.gmail.com"));
  /* The entries the hand-written list missed (issue 13), now from the maintained list
   * or its extra file. */
  static const char *const more[] = { "hotmail.be", "yahoo.es",   "outlook.de",
                                      "outlook.be", "hotmail.it", "yahoo.co.uk" };
  for (gsize i = 0; i < G_N_ELEMENTS (more); i++)
    if (!fct_verify_domain_is_free_mail (more[i]))
      g_error ("%s is not a free mail domain", more[i]);
}

static void
test_roles (void)
{
  g_assert_true (fct_verify_local_is_role ("postmaster"));
  g_assert_true (fct_verify_local_is_role ("Contact"));
  g_assert_true (fct_verify_local_is_role ("info+newsletter"));
  g_assert_false (fct_verify_local_is_role ("jeanne.martin"));
}

static void
test_suggestions (void)
{
  g_assert_cmpstr (fct_verify_domain_suggest ("gmial.com"), ==, "gmail.com");
  g_assert_cmpstr (fct_verify_domain_suggest ("hotmial.fr"), ==, "hotmail.fr");
  /* Beyond the table: one transposition, insertion, deletion or substitution. */
  g_assert_cmpstr (fct_verify_domain_suggest ("gmail.cmo"), ==, "gmail.com");
  g_assert_cmpstr (fct_verify_domain_suggest ("orangee.fr"), ==, "orange.fr");
  g_assert_cmpstr (fct_verify_domain_suggest ("yahoo.fe"), ==, "yahoo.fr");
  g_assert_null (fct_verify_domain_suggest ("gmail.com"));
  g_assert_null (fct_verify_domain_suggest ("hotmail.fr"));
  g_assert_null (fct_verify_domain_suggest ("example.org"));
}

/* README.md's invariants: no typo maps to itself or starts from a real provider. */
static void
test_typo_table_invariants (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("FCT_SOURCE_ROOT"), "data", "verify",
                                            "typo-domains.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint pairs = 0;
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_auto (GStrv) w = g_strsplit (lines[i], " ", -1);
      g_assert_cmpuint (g_strv_length (w), ==, 2);
      g_assert_cmpstr (w[0], !=, w[1]);
      g_assert_false (fct_verify_domain_is_free_mail (w[0]));
      g_assert_true (fct_verify_domain_is_free_mail (w[1]));
      g_assert_cmpstr (fct_verify_domain_suggest (w[0]), ==, w[1]);
      pairs++;
    }
  g_assert_cmpuint (pairs, >, 20);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/verify/lists/disposable", test_disposable);
  g_test_add_func ("/verify/lists/free-mail", test_free_mail);
  g_test_add_func ("/verify/lists/roles", test_roles);
  g_test_add_func ("/verify/lists/suggestions", test_suggestions);
  g_test_add_func ("/verify/lists/typo-table-invariants", test_typo_table_invariants);
  return g_test_run ();
}
