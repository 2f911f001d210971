/* facteur serve's HTML builder (src/server/html.c): hostile strings come out as text,
 * in element content and in attribute values, whatever bytes they hold. */
#include "html.h"

#include <string.h>

static const char *const hostile[] = {
  "<script>alert(1)</script>",
  "\"><img src=x onerror=alert(1)>",
  "' onmouseover='alert(1)",
  "</textarea><svg/onload=alert(1)>",
  "&lt;script&gt; already escaped",
  "\xc0\xbcscript\xc0\xbe", /* overlong '<' and '>' */
  "\xff\xfe<b>",
  "{}{{}}",
};

static void
test_escaped (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *e = fct_html_escape (hostile[i], -1);
      /* The escaped value can neither open an element nor leave a quoted attribute. */
      for (const char *p = e; *p != '\0'; p++)
        {
          g_assert_cmpint (*p, !=, '<');
          g_assert_cmpint (*p, !=, '>');
          g_assert_cmpint (*p, !=, '"');
          g_assert_cmpint (*p, !=, '\'');
        }
      g_assert_true (g_utf8_validate (e, -1, NULL));
      /* The template's markup is the only markup, in text and in attributes alike. */
      g_autoptr (FctHtml) h = fct_html_new ();
      fct_html (h, "<p title=\"{}\">{}</p>", hostile[i], hostile[i]);
      g_autofree char *out = fct_html_finish (g_steal_pointer (&h));
      g_autofree char *want = g_strdup_printf ("<p title=\"%s\">%s</p>", e, e);
      g_assert_cmpstr (out, ==, want);
    }
}

static void
test_exact (void)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  fct_html (h, "<a href=\"/r/{}\">{}</a>{{}", "ab&c", "x<y", NULL);
  fct_html (h, "<i>{}</i>", NULL);
  fct_html_text (h, "\"'", -1);
  fct_html_raw (h, "<br>");
  char *out = fct_html_finish (g_steal_pointer (&h));
  g_assert_cmpstr (out, ==, "<a href=\"/r/ab&amp;c\">x&lt;y</a>{}<i></i>&quot;&#39;<br>");
  g_free (out);
  g_autofree char *e = fct_html_escape ("a\0<b", 3);
  /* A NUL inside the value is replaced, not a place to stop. */
  g_assert_cmpstr (e, ==, "a\xef\xbf\xbd&lt;");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/html/escaped", test_escaped);
  g_test_add_func ("/server/html/exact", test_exact);
  return g_test_run ();
}
