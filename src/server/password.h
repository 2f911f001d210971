/* facteur serve — the admin password, kept as a salted PBKDF2-HMAC-SHA256 hash
 * (RFC 8018 §5.2; OWASP's 600,000 iterations for SHA-256):
 * "pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64". */
#pragma once

#include <glib.h>

/* A new hash line for password (transfer full), or NULL when OpenSSL fails. */
char *fct_password_hash (const char *password, guint iterations);

/* TRUE when password matches the hash line; FALSE for a wrong password or a line that
 * does not parse. Compares in constant time. */
gboolean fct_password_verify (const char *password, const char *hash_line);

#define FCT_PASSWORD_ITERATIONS 600000
