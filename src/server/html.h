/* facteur serve — HTML built by construction: every value is escaped unless the code
 * says, by calling fct_html_raw with a literal it wrote, that it is markup. */
#pragma once

#include <glib.h>

typedef struct
{
  GString *buf;
} FctHtml;

FctHtml *fct_html_new (void);
void fct_html_free (FctHtml *html);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctHtml, fct_html_free)
/* The page (transfer full); html is freed. */
char *fct_html_finish (FctHtml *html);

/* Appends template, a literal of markup, with each "{}" replaced by the next argument
 * (const char *, NULL for nothing) escaped for text and quoted attribute values; "{{"
 * writes "{". The arguments are not markup, ever. */
void fct_html (FctHtml *html, const char *template, ...);

/* Appends text escaped (len -1: NUL-terminated). Invalid UTF-8 becomes U+FFFD. */
void fct_html_text (FctHtml *html, const char *text, gssize len);

/* Appends markup as is: only for literals in the code (and fragments this builder
 * made), never for data. */
void fct_html_raw (FctHtml *html, const char *markup);

/* The text escaped, as a new string (transfer full). */
char *fct_html_escape (const char *text, gssize len);
