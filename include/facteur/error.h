/* facteur — the core error domain. A GError means "could not compute"; verdicts such
 * as fail or permerror are results, never errors (STYLE.md, "three channels"). Each
 * module has its own domain beside its API (FCT_DNS_ERROR, FCT_MSG_ERROR, ...). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FCT_CORE_ERROR (fct_core_error_quark ())
GQuark fct_core_error_quark (void);

typedef enum
{
  FCT_CORE_ERROR_INVALID,     /* a caller-supplied argument is malformed */
  FCT_CORE_ERROR_IO,          /* a file could not be read or written */
  FCT_CORE_ERROR_LIMIT,       /* input exceeds a configured limit */
  FCT_CORE_ERROR_UNAVAILABLE, /* a service (DNS, SMTP) could not be reached */
} FctCoreError;

G_END_DECLS
