/* ARC internals shared by the files of src/lib/arc only. */
#pragma once

#include <facteur/arc.h>
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Tags an AMS or AS may carry: about ten are defined, room for extensions. */
#define FCT_ARC_TAGS_MAX 64
/* As DKIM: b= of a 16384-bit RSA key is 2 KiB. */
#define FCT_ARC_SIGNATURE_BYTES_MAX 2048
#define FCT_ARC_PUBLIC_KEY_BYTES_MAX 4096

/* A parsed ARC-Message-Signature or ARC-Seal. Slices point into field. */
typedef struct
{
  FctArcFieldKind kind;
  FctSlice field;  /* the whole raw field */
  FctSlice b_span; /* the b= value region, removed when hashing the field itself */
  guint instance;
  FctSlice domain, selector;
  FctDkimAlgorithm algorithm;
  FctDkimHash hash;
  FctDkimKeyType key_type;
  FctDkimCanon header_canon, body_canon; /* AMS */
  GPtrArray *headers;                    /* AMS h=: FctSlice * into field, in order */
  GBytes *signature;                     /* b= decoded */
  GBytes *body_hash;                     /* AMS bh= decoded */
  gboolean has_length;                   /* AMS l= */
  guint64 length;
  gint64 expiration; /* AMS x=, -1 when absent */
  FctArcCv cv;       /* AS cv= */
} FctArcSig;

/* Parses an AMS (kind AMS) or AS (kind SEAL) raw field. On failure returns FALSE, with
 * what it could fill, and *reason. */
gboolean fct_arc_sig_parse (FctArcFieldKind kind, FctSlice field, const FctLimits *limits,
                            FctArcSig *sig, const char **reason);
void fct_arc_sig_clear (FctArcSig *sig);

/* The value part of a raw field (after the first ':'), and its name. */
FctSlice fct_arc_field_value (FctSlice field);
FctSlice fct_arc_field_name (FctSlice field);
/* Which ARC field a name is; FALSE for any other field. */
gboolean fct_arc_field_kind_from_name (FctSlice name, FctArcFieldKind *kind);

/* Appends the relaxed canonical form of field with the region b_span removed, without
 * a final CRLF (RFC 6376 §3.7, as RFC 8617 §4.1.2/§4.1.3 import it). */
void fct_arc_canon_without_b (GByteArray *out, FctDkimCanon canon, FctSlice field,
                              FctSlice b_span);

/* The AAR payload after "i=N;" (trimmed); empty if the prefix is malformed. */
FctSlice fct_arc_aar_payload (FctSlice value);

G_END_DECLS
