/* facteur — byte slices: views into bytes owned by someone else (usually a FctMsg).
 * No NUL terminator is assumed; compare with the helpers below. */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

typedef struct
{
  const guint8 *ptr; /* (transfer none) */
  gsize len;
} FctSlice;

#define FCT_SLICE_EMPTY ((FctSlice){ NULL, 0 })

static inline FctSlice
fct_slice_new (const void *ptr, gsize len)
{
  return (FctSlice){ (const guint8 *)ptr, len };
}

static inline FctSlice
fct_slice_from_str (const char *s)
{
  return (FctSlice){ (const guint8 *)s, s ? strlen (s) : 0 };
}

gboolean fct_slice_equal (FctSlice a, FctSlice b);
/* ASCII case-insensitive comparison, as header field names and DNS labels compare. */
gboolean fct_slice_equal_ascii_nocase (FctSlice a, FctSlice b);
gboolean fct_slice_equal_str_nocase (FctSlice a, const char *s);
/* Returns a NUL-terminated copy (transfer full). Embedded NULs are kept. */
char *fct_slice_dup (FctSlice s) G_GNUC_MALLOC;
FctSlice fct_slice_trim_wsp (FctSlice s);

G_END_DECLS
