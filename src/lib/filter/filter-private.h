/* facteur filter — what the files of src/lib/filter share. Private to the folder. */
#pragma once

#include <facteur/filter.h>
#include <glib/gi18n-lib.h>

/* The 1-based indices, among the Authentication-Results fields, of those carrying our
 * authserv-id, in message order (transfer none). */
const GArray *fct_filter_message_get_forged (const FctFilterMessage *message);

/* text with every occurrence of from replaced by to (transfer full). */
char *fct_filter_replace (const char *text, const char *from, const char *to);
