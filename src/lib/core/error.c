/* facteur — the core error domain. */
#include <facteur/error.h>

G_DEFINE_QUARK (fct - core - error - quark, fct_core_error)
