/* facteur serve — the HTML builder (html.h): escaping by default. Escapes the five
 * characters that matter in text and in quoted attribute values (&, <, >, ", '), and
 * makes the text valid UTF-8 first, so that no byte sequence can open markup. */
#include "html.h"

#include <stdarg.h>
#include <string.h>

FctHtml *
fct_html_new (void)
{
  FctHtml *html = g_new0 (FctHtml, 1);
  html->buf = g_string_sized_new (4096);
  return html;
}

void
fct_html_free (FctHtml *html)
{
  if (html == NULL)
    return;
  g_string_free (html->buf, TRUE);
  g_free (html);
}

char *
fct_html_finish (FctHtml *html)
{
  char *out = g_string_free (html->buf, FALSE);
  g_free (html);
  return out;
}

static void
escape_into (GString *out, const char *text, gssize len)
{
  if (text == NULL)
    return;
  g_autofree char *valid = g_utf8_make_valid (text, len);
  for (const char *p = valid; *p != '\0'; p++)
    switch (*p)
      {
      case '&':
        g_string_append (out, "&amp;");
        break;
      case '<':
        g_string_append (out, "&lt;");
        break;
      case '>':
        g_string_append (out, "&gt;");
        break;
      case '"':
        g_string_append (out, "&quot;");
        break;
      case '\'':
        g_string_append (out, "&#39;");
        break;
      default:
        g_string_append_c (out, *p);
      }
}

void
fct_html_text (FctHtml *html, const char *text, gssize len)
{
  escape_into (html->buf, text, len);
}

void
fct_html_raw (FctHtml *html, const char *markup)
{
  g_string_append (html->buf, markup);
}

char *
fct_html_escape (const char *text, gssize len)
{
  GString *out = g_string_new (NULL);
  escape_into (out, text, len);
  return g_string_free (out, FALSE);
}

void
fct_html (FctHtml *html, const char *template, ...)
{
  va_list args;
  va_start (args, template);
  for (const char *p = template; *p != '\0'; p++)
    {
      if (p[0] == '{' && p[1] == '{')
        {
          g_string_append_c (html->buf, '{');
          p++;
        }
      else if (p[0] == '{' && p[1] == '}')
        {
          escape_into (html->buf, va_arg (args, const char *), -1);
          p++;
        }
      else
        g_string_append_c (html->buf, *p);
    }
  va_end (args);
}
