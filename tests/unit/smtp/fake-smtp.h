/* facteur tests — a scripted SMTP server on 127.0.0.1 in a thread, for client and
 * probe tests: well-behaved dialogues and hostile peers. */
#pragma once

#include <glib.h>

typedef enum
{
  FAKE_NORMAL,         /* greeting, then the handler answers each command */
  FAKE_SILENT,         /* accepts and never says anything */
  FAKE_ENDLESS_BANNER, /* "220-" continuation lines forever */
  FAKE_HUGE_LINE,      /* one 1 MiB greeting line */
  FAKE_TRICKLE,        /* the greeting one byte every 20 ms, forever */
  FAKE_INJECT,         /* answers STARTTLS with 220 and an extra reply in the same packet */
  FAKE_PLAIN,          /* greeting, then an SMTP error for whatever arrives, even a TLS
                          handshake */
} FakeMode;

/* Returns the reply to send (with CRLFs, may be multi-line), or NULL to hang up. */
typedef char *(*FakeHandler) (const char *command, gpointer data);

typedef struct _FakeSmtp FakeSmtp;

FakeSmtp *fake_smtp_start (FakeMode mode, const char *greeting, FakeHandler handler,
                           gpointer data);
guint16 fake_smtp_get_port (FakeSmtp *fake);
/* Highest number of sessions open at once. */
guint fake_smtp_get_peak (FakeSmtp *fake);
/* Every command received, in order, across sessions (transfer none). */
GPtrArray *fake_smtp_get_commands (FakeSmtp *fake);
void fake_smtp_stop (FakeSmtp *fake);

/* A port on 127.0.0.1 where nothing listens: bound, never listening, so connecting is
 * refused; the caller closes *fd when done. */
guint16 fake_smtp_closed_port (int *fd);
