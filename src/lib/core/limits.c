/* facteur — default limits. The reason for each number is in include/facteur/limits.h. */
#include <facteur/limits.h>

void
fct_limits_init (FctLimits *limits)
{
  g_return_if_fail (limits != NULL);
  *limits = (FctLimits){
    .message_max_bytes = 64 * 1024 * 1024,
    .header_fields_max = 1000,
    .header_field_max_bytes = 64 * 1024,
    .line_max_bytes = 998,
    .dns_timeout_ms = 5000,
    .dns_cache_entries_max = 10000,
    .spf_dns_mechanisms_max = 10,
    .spf_void_lookups_max = 2,
    .spf_mx_names_max = 10,
    .spf_ptr_names_max = 10,
    .spf_record_max_bytes = 4096,
    .spf_macro_max_bytes = 4096,
    .dkim_signatures_max = 10,
    .dkim_header_items_max = 64,
    .arc_instances_max = 50,
    .dmarc_tree_walk_max = 8,
    .mime_depth_max = 32,
    .mime_parts_max = 1000,
  };
}

const FctLimits *
fct_limits_default (void)
{
  static FctLimits defaults;
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      fct_limits_init (&defaults);
      g_once_init_leave (&initialised, 1);
    }
  return &defaults;
}
