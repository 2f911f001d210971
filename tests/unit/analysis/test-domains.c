/* facteur — tests of the names read in links and prose (domains.c): the host a browser
 * opens for a URL written in any of the ways mail writes it (controls, case, percent
 * escapes, userinfo, ports, backslashes, IDNs), and the domain a link's text shows
 * (full stops of other scripts, prose without one). */
#include "src/lib/analysis/analysis-private.h"

#include <string.h>

typedef struct
{
  const char *url;
  const char *host;   /* NULL: no host */
  const char *scheme; /* NULL: none given */
} HostCase;

static const HostCase host_cases[] = {
  { "https://Example.COM/x", "example.com", "https" },
  { "  \thttps://ex\tam\nple.com/\r\n ", "example.com", "https" },
  { "https://a.example  ", "a.example", "https" },
  { "https://a.example\x01", "a.example", "https" },
  { "http://%65vil.example/", "evil.example", "http" },
  { "https://%41B.example", "ab.example", "https" },
  { "https://bank.example@evil.example:8080/login", "evil.example", "https" },
  { "www.Example.org/path?q=1", "www.example.org", "http" },
  { "HTTPS:\\\\evil.example\\x", "evil.example", "https" },
  { "https://[::1]/", "::1", "https" },
  { "https://example.com./", "example.com", "https" },
  { "https://b\xc3\xbc"
    "cher.example/",
    "xn--bcher-kva.example", "https" },
  { "https://exa..mple.com/", NULL, "https" },
  { "https://a b.example/", NULL, "https" },
  { "mailto:x@example.com", NULL, "mailto" },
  { "javascript:alert(1)", NULL, "javascript" },
  { "/relative/path", NULL, "" },
  { "", NULL, "" },
};

static void
test_url_host (gconstpointer data)
{
  const HostCase *c = data;
  g_autofree char *scheme = NULL;
  g_autofree char *host = fct_analysis_url_host (c->url, &scheme);
  g_autofree char *again = fct_analysis_url_host (c->url, NULL);

  g_assert_cmpstr (host, ==, c->host);
  g_assert_cmpstr (again, ==, c->host);
  g_assert_cmpstr (scheme, ==, c->scheme);
}

typedef struct
{
  const char *text;
  const char *domain; /* NULL: none */
  gboolean strong;
} ShownCase;

static const ShownCase shown_cases[] = {
  { "Read more", NULL, FALSE },
  { "Caf\xc3\xa9 et th\xc3\xa9 \xe2\x80\x94 voir l\xe2\x80\x99offre", NULL, FALSE },
  { "www.impots.gouv.fr", "www.impots.gouv.fr", TRUE },
  { "impots\xef\xbc\x8egouv\xef\xbc\x8e"
    "fr",
    "impots.gouv.fr", TRUE },
  { "paypal\xe3\x80\x82"
    "com",
    "paypal.com", TRUE },
  { "paypal\xef\xbd\xa1"
    "com",
    "paypal.com", TRUE },
  { "\xe3\x80\x82", NULL, FALSE },
  { "ASP.NET", "asp.net", FALSE },
  { "Fin.", NULL, FALSE },
};

static void
test_text_find_domain (gconstpointer data)
{
  const ShownCase *c = data;
  gboolean strong = !c->strong;
  g_autofree char *domain
      = fct_analysis_text_find_domain (c->text, FCT_SHOWN_IN_LINK_TEXT, &strong);

  g_assert_cmpstr (domain, ==, c->domain);
  g_assert_cmpint (strong, ==, c->strong);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (host_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/domains/url-host/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &host_cases[i], test_url_host);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (shown_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/domains/shown/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &shown_cases[i], test_text_find_domain);
    }
  return g_test_run ();
}
