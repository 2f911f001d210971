/* libFuzzer target for the address syntax parser (src/lib/verify/syntax.c): parses the
 * input, checks that the category matches the diagnosis and that the envelope form is
 * no longer than the input, then parses the envelope form again: taking comments and
 * folding out of an address never makes it worse. */
#include <facteur/verify.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (FctVerifySyntax) s = fct_verify_syntax_parse ((const char *)data, size);

  g_assert (s->category == fct_verify_diag_get_category (s->diagnosis));
  g_assert (fct_verify_diag_to_string (s->diagnosis) != NULL);
  if (s->category == FCT_VERIFY_CATEGORY_ERROR)
    {
      g_assert (s->local_part == NULL && s->domain == NULL);
      return 0;
    }
  g_assert (s->local_part != NULL && s->domain != NULL);
  g_assert (s->local_part_len + s->domain_len <= size);
  g_assert (strlen (s->local_part) <= s->local_part_len);
  if (s->domain_ascii != NULL)
    {
      /* What goes on the wire passed RFC 5321 §4.1.2 after IDNA mapping (issue 13). */
      g_assert (s->domain_utf8 ? fct_verify_domain_is_ldh (s->domain_ascii) : TRUE);
      (void)fct_verify_domain_suggest (s->domain_ascii);
      (void)fct_verify_domain_is_disposable (s->domain_ascii);
      (void)fct_verify_domain_is_special_use (s->domain_ascii);
    }
  (void)fct_verify_local_is_role (s->local_part);

  g_autoptr (GString) envelope
      = g_string_new_len (s->local_part, (gssize)s->local_part_len);
  g_string_append_c (envelope, '@');
  g_string_append_len (envelope, s->domain, (gssize)s->domain_len);
  g_autoptr (FctVerifySyntax) again
      = fct_verify_syntax_parse (envelope->str, envelope->len);
  g_assert (again->diagnosis <= s->diagnosis);

  fct_verify_syntax_apply_dns (s, FALSE, FALSE);
  g_assert (s->category == fct_verify_diag_get_category (s->diagnosis));
  return 0;
}
