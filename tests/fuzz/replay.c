/* Runs every file of the given corpus folders through a libFuzzer target once, as TAP,
 * so that builds without clang still exercise each fuzz target (and a crash fails). */
#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, &error);
      if (dir == NULL)
        {
          g_print ("not ok %u - %s\n", ++n, error->message);
          continue;
        }
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
      for (guint j = 0; j < names->len; j++)
        {
          g_autofree char *path = g_build_filename (argv[i], names->pdata[j], NULL);
          g_autofree char *contents = NULL;
          gsize len = 0;
          if (!g_file_get_contents (path, &contents, &len, NULL))
            continue;
          LLVMFuzzerTestOneInput ((const uint8_t *)contents, len);
          g_print ("ok %u - %s\n", ++n, (const char *)names->pdata[j]);
        }
    }
  if (n == 0)
    g_print ("not ok 1 - empty corpus\n");
  g_print ("1..%u\n", MAX (n, 1));
  return 0;
}
