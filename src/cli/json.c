/* facteur command line — the small JSON builders every command's --json output shares
 * (see cli.h): members that are a string or null, a number, a boolean. */
#include "cli.h"

void
fct_cli_json_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
fct_cli_json_add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

void
fct_cli_json_add_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

void
fct_cli_json_add_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

void
fct_cli_json_add_strings (JsonBuilder *b, const char *name, const GPtrArray *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values != NULL && i < values->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (values, i));
  json_builder_end_array (b);
}

void
fct_cli_json_print_builder (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  fct_cli_print_json (root);
}
