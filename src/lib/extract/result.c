/* facteur — the extraction result and its wire format between facteur-extract and its
 * parent. The format is line-based and checked strictly: the
 * parent trusts nothing the child says beyond what it can parse. Links no parser, so
 * that the process judging mail does not load poppler, libgsf or libxml2. */
#include "extract-private.h"

#include <string.h>

G_DEFINE_QUARK (fct - extract - error - quark, fct_extract_error)

FctExtractResult *
fct_extract_result_new (void)
{
  FctExtractResult *result = g_new0 (FctExtractResult, 1);

  result->text = g_strdup ("");
  result->embedded = g_ptr_array_new_with_free_func (g_free);
  return result;
}

void
fct_extract_result_free (FctExtractResult *result)
{
  if (result == NULL)
    return;
  g_free (result->text);
  g_ptr_array_unref (result->embedded);
  g_free (result);
}

void
fct_extract_embedded_add (FctExtractResult *result, const char *name)
{
  char *clean;

  if (name == NULL || result->embedded->len >= FCT_EXTRACT_EMBEDDED_MAX)
    return;
  clean = g_utf8_make_valid (name, -1);
  /* One name per line on the wire. */
  g_strdelimit (clean, "\r\n", ' ');
  g_ptr_array_add (result->embedded, clean);
}

void
fct_extract_text_set (FctExtractResult *result, GString *text, gsize text_max)
{
  /* Invalid bytes and NULs become U+FFFD, three bytes each: the cap applies after. */
  char *valid = g_utf8_make_valid (text->str, (gssize)text->len);
  gsize len = strlen (valid);

  if (len > text_max)
    {
      len = text_max;
      /* Cut at a character boundary, never inside a sequence. */
      while (len > 0 && ((guchar)valid[len] & 0xc0) == 0x80)
        len--;
      valid[len] = '\0';
      result->flags |= FCT_EXTRACT_FLAG_TRUNCATED;
    }
  if (text->len > text_max)
    result->flags |= FCT_EXTRACT_FLAG_TRUNCATED;
  g_free (result->text);
  result->len = len;
  result->text = valid;
}

static const char *const kind_names[] = { "pdf", "ooxml", "ole" };

gboolean
fct_extract_kind_from_string (const char *name, FctExtractKind *kind)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *kind = (FctExtractKind)i;
        return TRUE;
      }
  return FALSE;
}

const char *
fct_extract_kind_to_string (FctExtractKind kind)
{
  g_return_val_if_fail ((gsize)kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

GBytes *
fct_extract_result_serialize (const FctExtractResult *result)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "FCTX1 %u %u %u\n", (unsigned)result->flags,
                          (unsigned)result->status, result->embedded->len);
  for (guint i = 0; i < result->embedded->len; i++)
    {
      gsize at = out->len;

      g_string_append (out, g_ptr_array_index (result->embedded, i));
      /* One name per line, whoever filled the array. */
      for (gsize j = at; j < out->len; j++)
        if (out->str[j] == '\n' || out->str[j] == '\r')
          out->str[j] = ' ';
      g_string_append_c (out, '\n');
    }
  g_string_append_len (out, result->text, (gssize)result->len);
  return g_string_free_to_bytes (out);
}

/* One decimal number up to max, followed by stop; advances *p. */
static gboolean
read_number (const guint8 **p, const guint8 *end, guint max, char stop, guint *value)
{
  guint64 v = 0;
  const guint8 *start = *p;

  while (*p < end && g_ascii_isdigit (**p) && *p - start < 10)
    v = v * 10 + (guint)(*(*p)++ - '0');
  if (*p == start || *p >= end || **p != (guint8)stop || v > max)
    return FALSE;
  (*p)++;
  *value = (guint)v;
  return TRUE;
}

gboolean
fct_extract_result_parse (const guint8 *data, gsize len, gsize text_max,
                          FctExtractResult *result)
{
  const guint8 *p = data;
  const guint8 *end = data + len;
  guint flags, status, count;
  const guint flags_all = FCT_EXTRACT_FLAG_VBA | FCT_EXTRACT_FLAG_JAVASCRIPT
                          | FCT_EXTRACT_FLAG_LAUNCH | FCT_EXTRACT_FLAG_ENCRYPTED
                          | FCT_EXTRACT_FLAG_TRUNCATED | FCT_EXTRACT_FLAG_XLM
                          | FCT_EXTRACT_FLAG_XLM_HIDDEN | FCT_EXTRACT_FLAG_AUTO_RUN;
  g_autoptr (GString) text = NULL;

  if (len < 6 || memcmp (p, "FCTX1 ", 6) != 0)
    return FALSE;
  p += 6;
  if (!read_number (&p, end, flags_all, ' ', &flags) || (flags & ~flags_all) != 0
      || !read_number (&p, end, FCT_EXTRACT_STATUS_UNREADABLE, ' ', &status)
      || !read_number (&p, end, FCT_EXTRACT_EMBEDDED_MAX, '\n', &count))
    return FALSE;
  result->flags = (FctExtractFlags)flags;
  result->status = (FctExtractStatus)status;
  for (guint i = 0; i < count; i++)
    {
      const guint8 *nl = memchr (p, '\n', (gsize)(end - p));
      g_autofree char *name = NULL;

      if (nl == NULL)
        return FALSE;
      name = g_strndup ((const char *)p, (gsize)(nl - p));
      fct_extract_embedded_add (result, name);
      p = nl + 1;
    }
  text = g_string_new_len ((const char *)p, (gssize)(end - p));
  fct_extract_text_set (result, text, text_max);
  return TRUE;
}

void
fct_extract_pdf_active (const guint8 *p, gsize n, FctExtractPdfActive *found)
{
  for (gsize i = 0; i < n; i++)
    {
      char name[16];
      gsize len = 0;
      gsize j = i + 1;

      if (p[i] != '/')
        continue;
      /* §7.2.2: a name ends at white space or a delimiter. */
      while (j < n && len < sizeof name - 1 && p[j] > 0x20 && p[j] < 0x7f
             && strchr ("()<>[]{}/%", p[j]) == NULL)
        {
          if (p[j] == '#' && j + 2 < n && g_ascii_isxdigit (p[j + 1])
              && g_ascii_isxdigit (p[j + 2]))
            {
              name[len++] = (char)(g_ascii_xdigit_value ((char)p[j + 1]) * 16
                                   + g_ascii_xdigit_value ((char)p[j + 2]));
              j += 3;
            }
          else
            name[len++] = (char)p[j++];
        }
      name[len] = '\0';
      if (g_str_equal (name, "JS") || g_str_equal (name, "JavaScript"))
        found->javascript = TRUE;
      else if (g_str_equal (name, "Launch"))
        found->launch = TRUE;
      else if (g_str_equal (name, "OpenAction") || g_str_equal (name, "AA"))
        found->auto_action = TRUE;
      i = j - 1;
    }
}
