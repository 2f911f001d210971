/* facteur — Authentication-Results internals shared by build.c and parse.c. */
#pragma once

#include <facteur/authres.h>

/* RFC 5321 Keyword: Let-dig [Ldh-str]. */
gboolean fct_authres_is_keyword (const char *s, gsize len);

/* RFC 2045 token characters. */
gboolean fct_authres_is_token_char (guchar c);

FctAuthresResult *fct_authres_result_new (void);
void fct_authres_result_free (gpointer result);
void fct_authres_property_free (gpointer property);
