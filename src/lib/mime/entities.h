/* facteur — the WHATWG named character references (HTML §13.5), generated into
 * entities.c by scripts/gen-html-entities; looked up by html.c. */
#pragma once

#include <glib.h>

typedef struct
{
  const char *name; /* without the '&', with the ';' when the name has one */
  const char *utf8;
  guint8 name_len;
  guint8 utf8_len;
} FctHtmlEntity;

/* Sorted by name, byte order. */
extern const FctHtmlEntity fct_html_entities[];
extern const gsize fct_html_entity_count;
extern const gsize fct_html_entity_longest;
extern const gunichar fct_html_c1_replacements[32];
