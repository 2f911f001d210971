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
    .dns_zone_max_bytes = 64 * 1024 * 1024,
    .dns_zone_line_max_bytes = 256 * 1024,
    .dns_zone_records_max = 1000000,
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
    .dmarc_record_max_bytes = 4096,
    .authres_items_max = 64,
    .mime_depth_max = 32,
    .mime_parts_max = 1000,
    .mime_links_max = 10000,
    .mime_text_max_bytes = 4 * 1024 * 1024,
    .archive_entries_max = 10000,
    .archive_max_bytes = 32 * 1024 * 1024,
    .smtp_connect_timeout_ms = 10000,
    .smtp_reply_timeout_ms = 30000,
    .smtp_reply_line_max_bytes = 2048,
    .uribl_domains_max = 50,
    .smtp_reply_lines_max = 100,
    .mta_sts_policy_max_bytes = 64 * 1024,
    .https_timeout_ms = 10000,
    .audit_mx_hosts_max = 16,
    .archive_depth_max = 8,
    .archive_ratio_max = 100,
    .extract_timeout_ms = 750,
    .extract_memory_max_bytes = 512 * 1024 * 1024,
    .extract_text_max_bytes = 1024 * 1024,
    .extract_files_max = 16,
    .extract_pdf_objects_max = 262144,
    .extract_pdf_values_max = 1000000,
    .extract_pdf_depth_max = 500,
    .extract_pdf_name_nodes_max = 65536,
    .extract_pdf_inflate_max_bytes = 16 * 1024 * 1024,
    .smtp_server_command_line_max = 2048,
    .smtp_server_text_line_max = 1000,
    .smtp_server_message_max_bytes = 50 * 1024 * 1024,
    .smtp_server_recipients_max = 100,
    .smtp_server_errors_max = 20,
    .smtp_server_command_timeout_ms = 300000,
    .smtp_server_data_timeout_ms = 180000,
    .batch_line_max_bytes = 4096,
    .reports_max_bytes = 32 * 1024 * 1024,
    .reports_ratio_max = 200,
    .reports_xml_depth_max = 32,
    .reports_records_max = 1000000,
    .reports_archive_entries_max = 16,
    .reports_json_depth_max = 32,
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
