/* facteur — SMTP internals shared by the files of src/lib/smtp. */
#pragma once

#include <facteur/smtp.h>

/* Appends "C: line" or "S: line" to a transcript, keeping it bounded. */
void fct_smtp_transcript_add (FctSmtpTranscript *transcript, char direction,
                              const char *line);
