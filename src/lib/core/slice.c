/* facteur — byte slice helpers (include/facteur/slice.h). */
#include <facteur/slice.h>

gboolean
fct_slice_equal (FctSlice a, FctSlice b)
{
  return a.len == b.len && (a.len == 0 || memcmp (a.ptr, b.ptr, a.len) == 0);
}

gboolean
fct_slice_equal_ascii_nocase (FctSlice a, FctSlice b)
{
  if (a.len != b.len)
    return FALSE;
  for (gsize i = 0; i < a.len; i++)
    if (g_ascii_tolower (a.ptr[i]) != g_ascii_tolower (b.ptr[i]))
      return FALSE;
  return TRUE;
}

gboolean
fct_slice_equal_str_nocase (FctSlice a, const char *s)
{
  return fct_slice_equal_ascii_nocase (a, fct_slice_from_str (s));
}

char *
fct_slice_dup (FctSlice s)
{
  char *copy = g_malloc (s.len + 1);
  if (s.len > 0)
    memcpy (copy, s.ptr, s.len);
  copy[s.len] = '\0';
  return copy;
}

FctSlice
fct_slice_trim_wsp (FctSlice s)
{
  while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t'))
    {
      s.ptr++;
      s.len--;
    }
  while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
    s.len--;
  return s;
}
