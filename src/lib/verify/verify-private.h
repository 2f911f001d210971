/* facteur — address verification, internals shared by the files of src/lib/verify. */
#pragma once

#include <facteur/verify.h>
