/* facteur filter — what the files of src/lib/filter share. Private to the folder. */
#pragma once

#include <facteur/filter.h>
#include <glib/gi18n-lib.h>

/* The 1-based indices, among the Authentication-Results fields, of those carrying our
 * authserv-id, in message order (transfer none). */
const GArray *fct_filter_message_get_forged (const FctFilterMessage *message);

/* The 1-based indices of the fields named as our verdict field that came with the
 * message, in message order (transfer none). */
const GArray *fct_filter_message_get_verdict_fields (const FctFilterMessage *message);

/* text with every occurrence of from replaced by to (transfer full). */
char *fct_filter_replace (const char *text, const char *from, const char *to);
