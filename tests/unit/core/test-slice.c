/* Unit tests for byte slices and default limits. */
#include <facteur/limits.h>
#include <facteur/slice.h>

static void
test_equal_nocase (void)
{
  g_assert_true (
      fct_slice_equal_str_nocase (fct_slice_from_str ("DKIM-Signature"), "dkim-signature"));
  g_assert_false (fct_slice_equal_str_nocase (fct_slice_from_str ("From"), "From2"));
  /* Bytes past ASCII compare exactly, not by locale. */
  g_assert_false (fct_slice_equal_str_nocase (fct_slice_from_str ("\xc3\x89"), "\xc3\xa9"));
}

static void
test_dup_keeps_nul (void)
{
  static const guint8 bytes[] = { 'a', 0, 'b' };
  g_autofree char *copy = fct_slice_dup (fct_slice_new (bytes, sizeof bytes));
  g_assert_cmpmem (copy, 3, bytes, 3);
  g_assert_cmpint (copy[3], ==, 0);
}

static void
test_trim (void)
{
  FctSlice s = fct_slice_trim_wsp (fct_slice_from_str (" \t value \t"));
  g_assert_true (fct_slice_equal (s, fct_slice_from_str ("value")));
  g_assert_cmpuint (fct_slice_trim_wsp (fct_slice_from_str ("  ")).len, ==, 0);
}

static void
test_limits_defaults (void)
{
  const FctLimits *l = fct_limits_default ();
  g_assert_cmpuint (l->message_max_bytes, ==, 64 * 1024 * 1024);
  g_assert_cmpuint (l->header_fields_max, ==, 1000);
  g_assert_cmpuint (l->header_field_max_bytes, ==, 64 * 1024);
  g_assert_cmpuint (l->spf_dns_mechanisms_max, ==, 10);
  g_assert_cmpuint (l->spf_void_lookups_max, ==, 2);
  g_assert_cmpuint (l->arc_instances_max, ==, 50);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/slice/equal-nocase", test_equal_nocase);
  g_test_add_func ("/core/slice/dup-keeps-nul", test_dup_keeps_nul);
  g_test_add_func ("/core/slice/trim", test_trim);
  g_test_add_func ("/core/limits/defaults", test_limits_defaults);
  return g_test_run ();
}
