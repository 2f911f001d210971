/* facteur — the content analysis of one message: parses the MIME structure once, runs
 * each check (content.c, links.c, spoof.c, iban.c, attachments.c) and keeps what
 * callers need afterwards (link hosts for URI blocklists, IBANs for the store). */
#include "analysis-private.h"

#include <gmime/gmime.h>
#include <string.h>

G_DEFINE_QUARK (fct - analysis - error - quark, fct_analysis_error)

static void
host_free (FctAnalysisHost *host)
{
  g_free ((char *)host->host);
  g_free ((char *)host->org_domain);
  g_free (host);
}

static void
attachment_text_free (FctAnalysisAttachmentText *t)
{
  g_free ((char *)t->name);
  g_free ((char *)t->text);
  g_free (t);
}

void
fct_analysis_attachment_text_add (FctAnalysis *result, guint part, const char *name,
                                  const char *text, gsize len, gboolean truncated)
{
  FctAnalysisAttachmentText *t = g_new0 (FctAnalysisAttachmentText, 1);

  t->part = part;
  t->name = g_strdup (name);
  t->text = g_utf8_make_valid (text, (gssize)len);
  t->len = strlen (t->text);
  t->truncated = truncated;
  g_ptr_array_add (result->attachment_texts, t);
}

void
fct_analysis_free (FctAnalysis *analysis)
{
  if (analysis == NULL)
    return;
  fct_mime_free (analysis->mime);
  g_clear_pointer (&analysis->host_set, g_hash_table_unref);
  g_clear_pointer (&analysis->hosts, g_ptr_array_unref);
  g_clear_pointer (&analysis->iban_set, g_hash_table_unref);
  g_clear_pointer (&analysis->ibans, g_ptr_array_unref);
  g_clear_pointer (&analysis->attachment_texts, g_ptr_array_unref);
  g_free (analysis->author_name);
  g_free (analysis->author_address);
  g_free (analysis->author_domain);
  g_free (analysis->author_org);
  g_free (analysis);
}

/* The subject (RFC 2047 decoded) and every body text, for the wording checks. */
static GString *
collect_text (FctMsg *msg, const FctMime *mime)
{
  GString *all = g_string_new (NULL);
  const FctMsgHeader *subject = fct_msg_find_header (msg, "Subject", 0);

  if (subject != NULL)
    {
      g_autofree char *decoded = g_mime_utils_header_decode_text (NULL, subject->value);
      g_autofree char *valid = g_utf8_make_valid (decoded, -1);
      g_string_append (all, valid);
      g_string_append_c (all, '\n');
    }
  for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
    {
      gsize len = 0;
      const char *text = fct_mime_part_get_text (mime, i, &len);
      if (text != NULL)
        {
          g_string_append_len (all, text, (gssize)len);
          g_string_append_c (all, '\n');
        }
    }
  return all;
}

const FctWordFilter *
fct_analysis_words (void)
{
  static gsize once;
  static FctWordFilter *filter;

  if (g_once_init_enter (&once))
    {
      FctWordFilter *f = fct_word_filter_new ();
      fct_analysis_bankchange_words (f);
      fct_analysis_scam_words (f);
      filter = f;
      g_once_init_leave (&once, 1);
    }
  return filter;
}

FctAnalysis *
fct_analysis_run (FctMsg *msg, const FctAnalysisOptions *options, FctFindings *findings,
                  GError **error)
{
  static const FctAnalysisOptions no_options = { 0 };
  g_autoptr (FctAnalysis) result = NULL;
  g_autoptr (GError) local = NULL;
  FctAnalysisContext ctx;

  g_return_val_if_fail (msg != NULL && findings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (options == NULL)
    options = &no_options;
  if (options->protected_domains != NULL)
    for (guint i = 0; options->protected_domains[i] != NULL; i++)
      {
        const char *d = options->protected_domains[i];
        g_autofree char *n = fct_analysis_host_normalize (d, strlen (d));
        if (n == NULL || strchr (n, '.') == NULL)
          {
            g_set_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID,
                         _ ("“%s” is not a domain name"), d);
            return NULL;
          }
      }

  if (options->protected_brands != NULL)
    for (guint i = 0; options->protected_brands[i] != NULL; i++)
      {
        g_autofree char *words = g_strstrip (g_strdup (options->protected_brands[i]));
        if (*words == '\0' || !g_utf8_validate (words, -1, NULL))
          {
            g_set_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID,
                         _ ("“%s” is not a brand name"), options->protected_brands[i]);
            return NULL;
          }
      }

  result = g_new0 (FctAnalysis, 1);
  result->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify)host_free);
  result->host_set = g_hash_table_new (g_str_hash, g_str_equal);
  result->ibans = g_ptr_array_new_with_free_func (g_free);
  result->iban_set = g_hash_table_new (g_str_hash, g_str_equal);
  result->attachment_texts
      = g_ptr_array_new_with_free_func ((GDestroyNotify)attachment_text_free);
  result->mime = fct_mime_new (msg, options->limits, &local);
  if (result->mime == NULL)
    {
      g_set_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_PARSE,
                   _ ("The MIME structure could not be read: %s"), local->message);
      return NULL;
    }
  fct_analysis_author_parse (result, msg, options->author_domain);

  ctx.result = result;
  ctx.options = options;
  ctx.limits = options->limits != NULL ? options->limits : fct_limits_default ();
  ctx.findings = findings;
  ctx.msg = msg;
  ctx.all_text = collect_text (msg, result->mime);
  fct_word_filter_scan_full (fct_analysis_words (), ctx.all_text->str, ctx.all_text->len,
                             &ctx.words);
  ctx.hosted_count = 0;
  ctx.hosted_href = ctx.hosted_host = ctx.lure = NULL;
  ctx.hosted_lured = FALSE;
  ctx.brands
      = fct_analysis_brands_new (options->protected_domains, options->protected_brands);

  fct_analysis_check_content (&ctx);
  fct_analysis_check_links (&ctx);
  fct_analysis_check_spoofing (&ctx);
  fct_analysis_check_scams (&ctx);
  fct_analysis_check_lures (&ctx);
  fct_analysis_check_hosting (&ctx);
  /* Attachments first: text attachments add their IBANs before the fraud check. */
  fct_analysis_check_attachments (&ctx);
  fct_analysis_check_iban (&ctx);
  g_string_free (ctx.all_text, TRUE);
  fct_word_scan_clear (&ctx.words);
  g_free (ctx.hosted_href);
  g_free (ctx.hosted_host);
  g_free (ctx.lure);
  fct_analysis_brands_free (ctx.brands);
  return g_steal_pointer (&result);
}

guint
fct_analysis_get_host_count (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, 0);
  return analysis->hosts->len;
}

const FctAnalysisHost *
fct_analysis_get_host (const FctAnalysis *analysis, guint index)
{
  g_return_val_if_fail (analysis != NULL && index < analysis->hosts->len, NULL);
  return g_ptr_array_index (analysis->hosts, index);
}

guint
fct_analysis_get_iban_count (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, 0);
  return analysis->ibans->len;
}

const char *
fct_analysis_get_iban (const FctAnalysis *analysis, guint index)
{
  g_return_val_if_fail (analysis != NULL && index < analysis->ibans->len, NULL);
  return g_ptr_array_index (analysis->ibans, index);
}

gboolean
fct_analysis_get_iban_is_readers (const FctAnalysis *analysis, guint index)
{
  g_return_val_if_fail (analysis != NULL && index < analysis->ibans->len, FALSE);
  return fct_analysis_iban_is_readers (analysis,
                                       g_ptr_array_index (analysis->ibans, index));
}

const char *
fct_analysis_get_author_name (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, NULL);
  return analysis->author_name;
}

const char *
fct_analysis_get_author_address (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, NULL);
  return analysis->author_address;
}

const char *
fct_analysis_get_author_domain (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, NULL);
  return analysis->author_domain;
}

guint
fct_analysis_get_attachment_text_count (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, 0);
  return analysis->attachment_texts->len;
}

const FctAnalysisAttachmentText *
fct_analysis_get_attachment_text (const FctAnalysis *analysis, guint index)
{
  g_return_val_if_fail (analysis != NULL && index < analysis->attachment_texts->len, NULL);
  return g_ptr_array_index (analysis->attachment_texts, index);
}

const FctMime *
fct_analysis_get_mime (const FctAnalysis *analysis)
{
  g_return_val_if_fail (analysis != NULL, NULL);
  return analysis->mime;
}

GRegex *
fct_analysis_regex (const char *who, const char *pattern, GRegexCompileFlags flags)
{
  g_autoptr (GError) error = NULL;
  GRegex *re = g_regex_new (pattern, flags | G_REGEX_OPTIMIZE, 0, &error);

  if (re == NULL)
    g_error ("%s: %s: %s", who, pattern, error->message);
  return re;
}
