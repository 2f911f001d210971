/* facteur serve — the key holder ("ca", as OpenSMTPD names it): a process forked before
 * any thread that alone reads the STARTTLS private key and makes its signatures over a
 * SOCK_SEQPACKET socketpair; the serving process, which parses SMTP input, holds the
 * certificate chain and a public key whose private operations go to it (DESIGN.md,
 * "Processes of the daemons"). Messages have a fixed size, refused at any other. */

/* The serving side plugs its key into libssl through RSA_METHOD and EC_KEY_METHOD,
 * deprecated in OpenSSL 3 but kept: a key with a method of its own stays on the legacy
 * path (ossl_rsa_is_foreign), so TLS 1.2 and 1.3 signatures, PSS included (padded by
 * libssl, RSA_NO_PADDING here), reach the callbacks below. The replacement, a provider
 * with key management and signature operations, is ten times the code for the same. */
#define OPENSSL_API_COMPAT 10101

#include "server.h"

#include <errno.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The largest input and signature: an RSA-8192 modulus. */
#define CA_DATA_MAX 1024
/* A handshake waits this long for a signature: RSA-4096 takes milliseconds. */
#define CA_REPLY_TIMEOUT_S 10

enum
{
  CA_OP_RSA = 1,   /* RSA private encryption, padding given (PKCS #1 v1.5 or none) */
  CA_OP_ECDSA = 2, /* ECDSA over a digest, DER signature */
};

typedef struct
{
  guint32 op;
  gint32 padding;
  guint32 len;
  guint8 data[CA_DATA_MAX];
} CaRequest;

/* Also the first message of the key holder: ok, or the reason it cannot serve. */
typedef struct
{
  guint32 ok;
  guint32 len;
  guint8 data[CA_DATA_MAX];
} CaReply;

struct _FctServeCa
{
  int fd;
  pid_t pid;
  GMutex lock; /* one request and its reply at a time */
};

static gboolean
send_exact (int fd, const void *data, gsize len)
{
  ssize_t n;
  do
    n = send (fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t)len;
}

static gssize
recv_some (int fd, void *data, gsize len)
{
  ssize_t n;
  do
    n = recv (fd, data, len, 0);
  while (n < 0 && errno == EINTR);
  return n;
}

/* ---------------------------------------------------------------- the key holder */

static void
reply_error (CaReply *r, const char *what)
{
  gulong e = ERR_get_error ();
  g_autofree char *text = NULL;
  if (e != 0)
    {
      char detail[256];
      ERR_error_string_n (e, detail, sizeof detail);
      text = g_strdup_printf ("%s (%s)", what, detail);
    }
  else
    text = g_strdup (what);
  r->ok = 0;
  r->len = (guint32)MIN (strlen (text), sizeof r->data);
  memcpy (r->data, text, r->len);
}

/* An encrypted key is refused, not asked for on a terminal. */
static int
no_passphrase (char *buf, int size, int rwflag, void *data)
{
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)data;
  return 0;
}

/* Reads the key and checks it is the certificate's: a mismatch is said at start, not
 * at the first client's handshake. */
static EVP_PKEY *
load_key (const char *cert_path, const char *key_path, CaReply *r)
{
  g_autofree char *what = NULL;
  BIO *bio = BIO_new_file (key_path, "r");
  EVP_PKEY *key
      = bio != NULL ? PEM_read_bio_PrivateKey (bio, NULL, no_passphrase, NULL) : NULL;
  BIO_free (bio);
  if (key == NULL)
    {
      what = g_strdup_printf (_ ("%s: not a readable PEM private key (unencrypted)"),
                              key_path);
      reply_error (r, what);
      return NULL;
    }
  bio = BIO_new_file (cert_path, "r");
  X509 *cert = bio != NULL ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  if (cert == NULL || !X509_check_private_key (cert, key))
    what = g_strdup_printf (cert == NULL ? _ ("%s: not a readable PEM certificate")
                                         : _ ("%s: the key is not the certificate's"),
                            cert == NULL ? cert_path : key_path);
  else if (EVP_PKEY_get_base_id (key) != EVP_PKEY_RSA
           && EVP_PKEY_get_base_id (key) != EVP_PKEY_EC)
    what = g_strdup_printf (_ ("%s: only RSA and ECDSA keys are supported"), key_path);
  X509_free (cert);
  if (what != NULL)
    {
      reply_error (r, what);
      EVP_PKEY_free (key);
      return NULL;
    }
  return key;
}

static void
sign (EVP_PKEY *key, const CaRequest *req, CaReply *r)
{
  gboolean rsa = EVP_PKEY_get_base_id (key) == EVP_PKEY_RSA;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (key, NULL);
  size_t len = sizeof r->data;

  r->ok = 0;
  r->len = 0;
  /* Only the operations libssl asks of its key: a raw RSA signature with PKCS #1 v1.5
   * padding (TLS 1.2) or none (PSS, padded by libssl), an ECDSA signature of a digest.
   * Without a digest set, EVP_PKEY_sign signs the input as given. */
  if (ctx != NULL && EVP_PKEY_sign_init (ctx) == 1
      && (req->op == (rsa ? CA_OP_RSA : CA_OP_ECDSA))
      && (!rsa || req->padding == RSA_PKCS1_PADDING || req->padding == RSA_NO_PADDING)
      && (!rsa || EVP_PKEY_CTX_set_rsa_padding (ctx, req->padding) == 1)
      && EVP_PKEY_sign (ctx, r->data, &len, req->data, req->len) == 1)
    {
      r->ok = 1;
      r->len = (guint32)len;
    }
  ERR_clear_error ();
  EVP_PKEY_CTX_free (ctx);
}

G_GNUC_NORETURN static void
ca_main (int fd, const char *cert_path, const char *key_path)
{
  guint8 buf[sizeof (CaRequest) + 1];
  CaReply r = { .ok = 1 };

  /* The server gone, the key holder has nobody to serve. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  prctl (PR_SET_NAME, "facteur-ca");
  /* No core dump of the key, no ptrace by a process of the same user. */
  prctl (PR_SET_DUMPABLE, 0);
  signal (SIGINT, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  EVP_PKEY *key = load_key (cert_path, key_path, &r);
  if (!send_exact (fd, &r, sizeof r) || key == NULL)
    _exit (key == NULL ? 65 : 0);
  for (;;)
    {
      CaRequest req;
      gssize n = recv_some (fd, buf, sizeof buf);
      if (n <= 0)
        _exit (0);
      memcpy (&req, buf, MIN ((gsize)n, sizeof req));
      if (n != (gssize)sizeof req || req.len > sizeof req.data)
        /* Not one of ours: the peer is not the server we started, or is compromised;
         * stop talking to it. */
        _exit (65);
      sign (key, &req, &r);
      if (!send_exact (fd, &r, sizeof r))
        _exit (0);
    }
}

FctServeCa *
fct_serve_ca_start (const char *cert_path, const char *key_path, GError **error)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "socketpair: %s",
                   g_strerror (e));
      return NULL;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      close (sv[0]);
      close (sv[1]);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "fork: %s",
                   g_strerror (e));
      return NULL;
    }
  if (pid == 0)
    {
      /* Only its end of the pair stays open: nothing of the server's leaks in. */
      for (int fd = 3; fd < 1024; fd++)
        if (fd != sv[1])
          close (fd);
      ca_main (sv[1], cert_path, key_path);
    }
  close (sv[1]);
  FctServeCa *ca = g_new0 (FctServeCa, 1);
  ca->fd = sv[0];
  ca->pid = pid;
  g_mutex_init (&ca->lock);
  struct timeval tv = { .tv_sec = CA_REPLY_TIMEOUT_S };
  setsockopt (ca->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  CaReply r;
  gssize n = recv_some (ca->fd, &r, sizeof r);
  if (n != (gssize)sizeof r || !r.ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%.*s",
                   n == (gssize)sizeof r ? (int)MIN (r.len, sizeof r.data) : 0, r.data);
      if (n != (gssize)sizeof r)
        g_prefix_error (error, "%s", _ ("the TLS key holder did not start"));
      fct_serve_ca_free (ca);
      return NULL;
    }
  return ca;
}

void
fct_serve_ca_free (FctServeCa *ca)
{
  if (ca == NULL)
    return;
  close (ca->fd);
  if (ca->pid > 0)
    kill (ca->pid, SIGTERM);
  g_mutex_clear (&ca->lock);
  g_free (ca);
}

pid_t
fct_serve_ca_get_pid (const FctServeCa *ca)
{
  return ca->pid;
}

/* ---------------------------------------------------------------- the server's side */

/* Returns the signature's length, or -1. */
static int
ca_call (FctServeCa *ca, guint32 op, int padding, const guint8 *data, gsize len,
         guint8 *out, gsize out_max)
{
  CaRequest req = { .op = op, .padding = padding, .len = (guint32)len };
  CaReply r;
  if (ca == NULL || len > sizeof req.data)
    return -1;
  memcpy (req.data, data, len);
  g_mutex_lock (&ca->lock);
  gssize n = send_exact (ca->fd, &req, sizeof req) ? recv_some (ca->fd, &r, sizeof r) : -1;
  g_mutex_unlock (&ca->lock);
  if (n != (gssize)sizeof r || !r.ok || r.len > out_max || r.len > sizeof r.data)
    return -1;
  memcpy (out, r.data, r.len);
  return (int)r.len;
}

static int
rsa_priv_enc (int flen, const unsigned char *from, unsigned char *to, RSA *rsa, int padding)
{
  FctServeCa *ca = RSA_meth_get0_app_data (RSA_get_method (rsa));
  return flen < 0 ? -1
                  : ca_call (ca, CA_OP_RSA, padding, from, (gsize)flen, to,
                             (gsize)RSA_size (rsa));
}

/* RSA key exchange is off (see fct_serve_tls_new): nothing is ever decrypted. */
static int
rsa_priv_dec (int flen, const unsigned char *from, unsigned char *to, RSA *rsa, int padding)
{
  (void)flen;
  (void)from;
  (void)to;
  (void)rsa;
  (void)padding;
  return -1;
}

static int ec_index = -1;

static int
ec_sign (int type, const unsigned char *dgst, int dlen, unsigned char *sig,
         unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *eckey)
{
  FctServeCa *ca = EC_KEY_get_ex_data (eckey, ec_index);
  (void)type;
  (void)kinv;
  (void)r;
  int n = dlen < 0 ? -1
                   : ca_call (ca, CA_OP_ECDSA, 0, dgst, (gsize)dlen, sig,
                              (gsize)ECDSA_size (eckey));
  if (n < 0)
    return 0;
  *siglen = (unsigned int)n;
  return 1;
}

static ECDSA_SIG *
ec_sign_sig (const unsigned char *dgst, int dlen, const BIGNUM *kinv, const BIGNUM *r,
             EC_KEY *eckey)
{
  guint8 der[CA_DATA_MAX];
  unsigned int len = 0;
  if ((gsize)ECDSA_size (eckey) > sizeof der
      || !ec_sign (0, dgst, dlen, der, &len, kinv, r, eckey))
    return NULL;
  const guint8 *p = der;
  return d2i_ECDSA_SIG (NULL, &p, len);
}

/* The certificate's public key, as a key whose private operations the key holder does. */
static EVP_PKEY *
proxy_key (FctServeCa *ca, X509 *cert, GError **error)
{
  static RSA_METHOD *rsa_method;
  static EC_KEY_METHOD *ec_method;
  EVP_PKEY *pub = X509_get0_pubkey (cert);
  guint8 *der = NULL;
  int der_len = pub != NULL ? i2d_PUBKEY (pub, &der) : -1;
  const guint8 *p = der;
  EVP_PKEY *proxy = EVP_PKEY_new ();
  gboolean ok = FALSE;

  if (der_len > 0 && EVP_PKEY_get_base_id (pub) == EVP_PKEY_RSA)
    {
      if (rsa_method == NULL)
        {
          rsa_method = RSA_meth_dup (RSA_PKCS1_OpenSSL ());
          RSA_meth_set1_name (rsa_method, "facteur key holder");
          RSA_meth_set_priv_enc (rsa_method, rsa_priv_enc);
          RSA_meth_set_priv_dec (rsa_method, rsa_priv_dec);
          RSA_meth_set0_app_data (rsa_method, ca);
        }
      RSA *rsa = d2i_RSA_PUBKEY (NULL, &p, der_len);
      ok = rsa != NULL && RSA_set_method (rsa, rsa_method)
           && EVP_PKEY_assign_RSA (proxy, rsa);
      if (!ok)
        RSA_free (rsa);
    }
  else if (der_len > 0 && EVP_PKEY_get_base_id (pub) == EVP_PKEY_EC)
    {
      if (ec_method == NULL)
        {
          int (*sign_setup) (EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **) = NULL;
          ec_index = EC_KEY_get_ex_new_index (0, NULL, NULL, NULL, NULL);
          ec_method = EC_KEY_METHOD_new (EC_KEY_get_default_method ());
          EC_KEY_METHOD_get_sign (ec_method, NULL, &sign_setup, NULL);
          EC_KEY_METHOD_set_sign (ec_method, ec_sign, sign_setup, ec_sign_sig);
        }
      EC_KEY *ec = d2i_EC_PUBKEY (NULL, &p, der_len);
      ok = ec != NULL && EC_KEY_set_method (ec, ec_method)
           && EC_KEY_set_ex_data (ec, ec_index, ca) && EVP_PKEY_assign_EC_KEY (proxy, ec);
      if (!ok)
        EC_KEY_free (ec);
    }
  OPENSSL_free (der);
  if (!ok)
    {
      EVP_PKEY_free (proxy);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("the certificate's key is neither RSA nor ECDSA"));
      return NULL;
    }
  return proxy;
}

SSL_CTX *
fct_serve_tls_new (FctServeCa *ca, const char *cert_path, GError **error)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_server_method ());
  BIO *bio = BIO_new_file (cert_path, "r");
  X509 *cert = bio != NULL ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  EVP_PKEY *proxy = cert != NULL ? proxy_key (ca, cert, error) : NULL;
  X509_free (cert);
  if (cert == NULL && error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _ ("%s: not a readable PEM certificate"), cert_path);
  /* TLS 1.2's RSA key exchange (no forward secrecy) would need decryptions; with ECDHE
   * the key only signs. Renegotiation is refused: a client could make the key holder
   * sign at will within one connection. */
  if (ctx == NULL || proxy == NULL
      || SSL_CTX_use_certificate_chain_file (ctx, cert_path) != 1
      || SSL_CTX_use_PrivateKey (ctx, proxy) != 1
      || SSL_CTX_set_cipher_list (ctx, "DEFAULT:!kRSA") != 1)
    {
      if (error != NULL && *error == NULL)
        {
          char detail[256];
          ERR_error_string_n (ERR_get_error (), detail, sizeof detail);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", cert_path,
                       detail);
        }
      EVP_PKEY_free (proxy);
      SSL_CTX_free (ctx);
      ERR_clear_error ();
      return NULL;
    }
  EVP_PKEY_free (proxy);
  SSL_CTX_set_options (ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return ctx;
}
