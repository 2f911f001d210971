/* libFuzzer target for the Authentication-Results parser (src/lib/authres): parses with
 * the default and tight limits; what parses must write out and parse back to the same
 * methods, results and properties. */
#include <facteur/authres.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The writer turns control characters into "?" and may shorten header.b, so written
 * must be the mapped parsed value, or with shortened, a prefix of it. */
static gboolean
written_matches (const char *parsed, const char *written, gboolean shortened)
{
  gsize n = strlen (parsed);
  gsize w = strlen (written);
  if (shortened ? w > n : w != n)
    return FALSE;
  for (gsize i = 0; i < w; i++)
    {
      guchar c = (guchar)parsed[i];
      char expect = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
      if (written[i] != expect)
        return FALSE;
    }
  return TRUE;
}

static gboolean
same_value (const char *parsed, const char *written)
{
  return written_matches (parsed, written, FALSE);
}

static void
round_trip (const FctAuthres *ar, gboolean fold)
{
  g_autofree char *text = fct_authres_to_string (ar, fold);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctAuthres) back = fct_authres_parse (text, strlen (text), NULL, &error);

  g_assert_no_error (error);
  g_assert (back->version == ar->version);
  g_assert (same_value (ar->authserv_id, back->authserv_id));
  g_assert (back->results->len == ar->results->len);
  for (guint i = 0; i < ar->results->len; i++)
    {
      const FctAuthresResult *a = g_ptr_array_index (ar->results, i);
      const FctAuthresResult *b = g_ptr_array_index (back->results, i);
      g_assert (g_str_equal (a->method, b->method) && g_str_equal (a->result, b->result));
      g_assert (a->method_version == b->method_version);
      g_assert ((a->reason == NULL) == (b->reason == NULL));
      if (a->reason != NULL)
        g_assert (same_value (a->reason, b->reason));
      g_assert (a->properties->len == b->properties->len);
      for (guint j = 0; j < a->properties->len; j++)
        {
          const FctAuthresProperty *pa = g_ptr_array_index (a->properties, j);
          const FctAuthresProperty *pb = g_ptr_array_index (b->properties, j);
          g_assert (g_str_equal (pa->ptype, pb->ptype));
          g_assert (g_str_equal (pa->property, pb->property));
          if (g_str_equal (pa->ptype, "header") && g_str_equal (pa->property, "b"))
            g_assert (written_matches (pa->value, pb->value, TRUE));
          else
            g_assert (same_value (pa->value, pb->value));
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctLimits tight;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) small_error = NULL;
  g_autoptr (FctAuthres) ar = NULL;
  g_autoptr (FctAuthres) small = NULL;

  fct_limits_init (&tight);
  tight.authres_items_max = 2;
  ar = fct_authres_parse ((const char *)data, size, NULL, &error);
  small = fct_authres_parse ((const char *)data, size, &tight, &small_error);
  g_assert ((ar == NULL) == (error != NULL));
  if (ar == NULL)
    {
      g_assert (error->domain == FCT_AUTHRES_ERROR && error->message[0] != '\0');
      g_assert (small == NULL);
      return 0;
    }
  if (small == NULL)
    g_assert_error (small_error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_LIMIT);
  round_trip (ar, FALSE);
  round_trip (ar, TRUE);
  return 0;
}
