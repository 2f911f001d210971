/* facteur — the choice of parser for a kind of document (the helper's and the fuzz
 * targets' entry point). */
#include "extract-private.h"

gboolean
fct_extract_any (FctExtractKind kind, GBytes *bytes, gsize text_max,
                 FctExtractResult *result, GError **error)
{
  switch (kind)
    {
    case FCT_EXTRACT_KIND_PDF:
      return fct_extract_pdf (bytes, text_max, result, error);
    case FCT_EXTRACT_KIND_OOXML:
      return fct_extract_ooxml (bytes, text_max, result, error);
    case FCT_EXTRACT_KIND_OLE:
      return fct_extract_ole (bytes, text_max, result, error);
    default:
      g_return_val_if_reached (FALSE);
    }
}
