/* facteur serve's per-client limits (src/server/anvil.c): the key a client counts
 * under, connection slots, and rate windows; and the admin password hashes
 * (src/server/password.c). */
#include "anvil.h"
#include "password.h"

static void
test_keys (void)
{
  static const char *const cases[][2] = {
    { "192.0.2.1", "192.0.2.1" },
    { "::ffff:192.0.2.1", "192.0.2.1" }, /* IPv4-mapped: the IPv4 client */
    { "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
    { "2001:db8:1:2:ffff::1", "2001:db8:1:2::/64" }, /* same subscriber */
    { "::1", "::/64" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *key = fct_anvil_client_key (cases[i][0]);
      g_assert_cmpstr (key, ==, cases[i][1]);
    }
}

static void
test_connections (void)
{
  g_autoptr (FctAnvil) a = fct_anvil_new ();
  g_assert_true (fct_anvil_connect (a, "2001:db8::1", 2));
  g_assert_true (fct_anvil_connect (a, "2001:db8::2", 2));
  /* A third address of the same /64 is the same client. */
  g_assert_false (fct_anvil_connect (a, "2001:db8::3", 2));
  g_assert_true (fct_anvil_connect (a, "192.0.2.1", 2));
  fct_anvil_disconnect (a, "2001:db8::1");
  g_assert_true (fct_anvil_connect (a, "2001:db8::3", 2));
  g_assert_false (fct_anvil_connect (a, "2001:db8::4", 2));
}

static void
test_rates (void)
{
  g_autoptr (FctAnvil) a = fct_anvil_new ();
  for (int i = 0; i < 3; i++)
    g_assert_true (fct_anvil_rate (a, "test", "192.0.2.1", 3, 3600, 1000 + i));
  g_assert_false (fct_anvil_rate (a, "test", "192.0.2.1", 3, 3600, 1100));
  /* Another kind and another client have their own counts. */
  g_assert_true (fct_anvil_rate (a, "audit", "192.0.2.1", 3, 3600, 1100));
  g_assert_true (fct_anvil_rate (a, "test", "192.0.2.2", 3, 3600, 1100));
  /* The window ends an hour after it started. */
  g_assert_false (fct_anvil_rate (a, "test", "192.0.2.1", 3, 3600, 4599));
  g_assert_true (fct_anvil_rate (a, "test", "192.0.2.1", 3, 3600, 4600));
  fct_anvil_sweep (a, 1000000);
  g_assert_true (fct_anvil_rate (a, "test", "192.0.2.1", 1, 3600, 1000000));
}

static void
test_password (void)
{
  g_autofree char *line = fct_password_hash ("correct horse", 1000);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "pbkdf2-sha256$1000$"));
  g_assert_true (fct_password_verify ("correct horse", line));
  g_assert_false (fct_password_verify ("correct hors", line));
  g_assert_false (fct_password_verify ("", line));
  /* Salted: the same password hashes differently each time. */
  g_autofree char *again = fct_password_hash ("correct horse", 1000);
  g_assert_cmpstr (line, !=, again);
  static const char *const malformed[] = {
    "",
    "pbkdf2-sha256$1000$",
    "md5$1000$c2FsdA==$aGFzaA==",
    "pbkdf2-sha256$1$c2FsdA==$aGFzaA==",           /* too few iterations to accept */
    "pbkdf2-sha256$99999999999$c2FsdA==$aGFzaA==", /* too many: a login must not spin */
    "pbkdf2-sha256$1000$c2FsdA==$aGFzaA==",        /* a key of the wrong length */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    g_assert_false (fct_password_verify ("correct horse", malformed[i]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/anvil/keys", test_keys);
  g_test_add_func ("/server/anvil/connections", test_connections);
  g_test_add_func ("/server/anvil/rates", test_rates);
  g_test_add_func ("/server/password", test_password);
  return g_test_run ();
}
