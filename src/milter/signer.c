/* facteur milter — the signer: a process forked at start, before any thread and before
 * the milter drops its privileges, that alone reads the private keys and signs digests
 * for the milter over a SOCK_SEQPACKET socketpair (DESIGN.md, "Processes of the
 * daemons", as OpenSMTPD's ca process). Every message has a fixed or announced size and
 * is refused at any other length (include/facteur/filter.h). */
#include "milter.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* The milter waits this long for a signature before it gives up on the message's
 * signing: RSA-4096 takes milliseconds. */
#define REPLY_TIMEOUT_S 10

struct _FctMilterSigner
{
  int fd;
  pid_t pid;
  GMutex lock; /* one request and its reply at a time */
};

/* ---------------------------------------------------------------- the signer process */

typedef struct
{
  FctFilterKeyTable *table;
  GPtrArray *keys; /* FctDkimPrivateKey *, parallel to table */
  guint32 generation;
} KeySet;

static void
keyset_clear (KeySet *ks)
{
  g_clear_pointer (&ks->table, fct_filter_key_table_free);
  g_clear_pointer (&ks->keys, g_ptr_array_unref);
}

/* Loads every key the configuration names; a key that cannot be read is left out
 * (and said so), the others still sign. */
static void
keyset_load (KeySet *ks, const FctMilterConfig *config)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctFilterKeyTable) wanted = fct_milter_config_key_table (config, &error);

  keyset_clear (ks);
  ks->table = fct_filter_key_table_new ();
  ks->keys = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dkim_private_key_unref);
  ks->generation++;
  if (wanted == NULL)
    {
      syslog (LOG_ERR, "signer: %s", error->message);
      return;
    }
  for (guint i = 0; i < fct_filter_key_table_get_count (wanted); i++)
    {
      const FctFilterKey *k = fct_filter_key_table_get (wanted, i);
      g_autoptr (GError) e = NULL;
      FctDkimPrivateKey *key = fct_dkim_private_key_load (k->path, &e);
      if (key == NULL)
        {
          syslog (LOG_ERR, "signer: key %s:%s not loaded: %s", k->domain, k->selector,
                  e->message);
          continue;
        }
      fct_filter_key_table_add (ks->table, k->domain, k->selector, NULL,
                                fct_dkim_private_key_get_key_type (key),
                                fct_dkim_private_key_get_bits (key));
      g_ptr_array_add (ks->keys, key);
    }
}

static gboolean
send_exact (int fd, const void *data, gsize len)
{
  ssize_t n;
  do
    n = send (fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t)len;
}

static gboolean
drop_to (const char *user)
{
  struct passwd *pw = getpwnam (user);
  return pw != NULL && initgroups (pw->pw_name, pw->pw_gid) == 0 && setgid (pw->pw_gid) == 0
         && setuid (pw->pw_uid) == 0 && setuid (0) != 0;
}

G_GNUC_NORETURN static void
signer_main (int fd, const FctMilterConfig *config, const FctMilterFlags *flags)
{
  KeySet ks = { 0 }, prev = { 0 }; /* the keys, and those before the last reload */
  guint8 buf[FCT_FILTER_SIGN_REQUEST_SIZE + 1];

  /* The milter gone, the signer has nobody to serve. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  signal (SIGHUP, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  if (config->signer_user != NULL && !drop_to (config->signer_user))
    {
      syslog (LOG_ERR, "signer: cannot become user %s", config->signer_user);
      _exit (70);
    }
  keyset_load (&ks, config);
  syslog (LOG_INFO, "signer: %u keys loaded", fct_filter_key_table_get_count (ks.table));
  for (;;)
    {
      FctFilterSignRequest req;
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (0);
      if (!fct_filter_sign_request_decode (buf, (gsize)n, &req))
        {
          /* Not one of ours: a protocol breach means the peer is not the milter we
           * started, or is compromised; stop talking to it. */
          syslog (LOG_ERR, "signer: malformed request of %zd bytes; exiting", n);
          _exit (65);
        }
      if (req.op == FCT_FILTER_SIGN_OP_KEYS || req.op == FCT_FILTER_SIGN_OP_RELOAD)
        {
          if (req.op == FCT_FILTER_SIGN_OP_RELOAD)
            {
              g_autoptr (GError) error = NULL;
              g_autoptr (FctMilterConfig) fresh = fct_milter_config_load (flags, &error);
              if (fresh == NULL)
                syslog (LOG_ERR, "signer: keys kept: %s", error->message);
              else
                {
                  /* Signatures begun before the reload still get made. */
                  keyset_clear (&prev);
                  prev = ks;
                  ks = (KeySet){ .generation = prev.generation };
                  keyset_load (&ks, fresh);
                }
            }
          g_autoptr (GBytes) list = fct_filter_key_list_encode (ks.table, ks.generation);
          if (!send_exact (fd, g_bytes_get_data (list, NULL), g_bytes_get_size (list)))
            _exit (0);
          continue;
        }
      FctFilterSignReply reply = { .ok = FALSE, .generation = req.generation };
      const KeySet *set = req.generation == ks.generation     ? &ks
                          : req.generation == prev.generation ? &prev
                                                              : NULL;
      if (set != NULL && set->keys != NULL && req.key_index < set->keys->len)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GBytes) sig
              = fct_dkim_private_key_sign (g_ptr_array_index (set->keys, req.key_index),
                                           req.hash, req.digest, req.digest_len, &error);
          gsize len = sig != NULL ? g_bytes_get_size (sig) : 0;
          if (sig != NULL && len <= FCT_FILTER_SIGN_SIGNATURE_MAX)
            {
              reply.ok = TRUE;
              reply.signature_len = (guint32)len;
              memcpy (reply.signature, g_bytes_get_data (sig, NULL), len);
            }
          else
            syslog (LOG_ERR, "signer: signing failed: %s",
                    error != NULL ? error->message : "signature too long");
        }
      guint8 out[FCT_FILTER_SIGN_REPLY_SIZE];
      fct_filter_sign_reply_encode (&reply, out);
      if (!send_exact (fd, out, sizeof out))
        _exit (0);
    }
}

FctMilterSigner *
fct_milter_signer_start (const FctMilterConfig *config, const FctMilterFlags *flags,
                         GError **error)
{
  int sv[2];
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "socketpair: %s",
                   g_strerror (e));
      return NULL;
    }
  pid = fork ();
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
      /* Only the signer's end stays open: nothing of the milter's leaks in. */
      for (int fd = 3; fd < 1024; fd++)
        if (fd != sv[1])
          close (fd);
      signer_main (sv[1], config, flags);
    }
  close (sv[1]);
  FctMilterSigner *s = g_new0 (FctMilterSigner, 1);
  s->fd = sv[0];
  s->pid = pid;
  g_mutex_init (&s->lock);
  struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
  setsockopt (s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return s;
}

pid_t
fct_milter_signer_get_pid (const FctMilterSigner *signer)
{
  return signer->pid;
}

/* ---------------------------------------------------------------- the milter's side */

static gboolean
exchange (FctMilterSigner *s, const FctFilterSignRequest *req, guint8 *reply,
          gsize reply_max, gssize *reply_len, GError **error)
{
  guint8 out[FCT_FILTER_SIGN_REQUEST_SIZE];
  ssize_t n;

  fct_filter_sign_request_encode (req, out);
  g_mutex_lock (&s->lock);
  gboolean sent = send_exact (s->fd, out, sizeof out);
  do
    n = sent ? recv (s->fd, reply, reply_max, 0) : -1;
  while (n < 0 && errno == EINTR);
  int e = errno;
  g_mutex_unlock (&s->lock);
  if (n <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("the signer does not answer: %s"),
                   n == 0 ? _ ("it has exited") : g_strerror (e));
      return FALSE;
    }
  *reply_len = n;
  return TRUE;
}

FctFilterKeyTable *
fct_milter_signer_keys (FctMilterSigner *s, gboolean reload, guint32 *generation,
                        GError **error)
{
  FctFilterSignRequest req
      = { .op = reload ? FCT_FILTER_SIGN_OP_RELOAD : FCT_FILTER_SIGN_OP_KEYS };
  g_autofree guint8 *buf = g_malloc (FCT_FILTER_KEY_LIST_MAX + 1);
  gssize n = 0;

  if (!exchange (s, &req, buf, FCT_FILTER_KEY_LIST_MAX + 1, &n, error))
    return NULL;
  FctFilterKeyTable *t = fct_filter_key_list_decode (buf, (gsize)n, generation);
  if (t == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                 _ ("the signer's key list is malformed"));
  return t;
}

typedef struct
{
  FctMilterSigner *signer;
  guint32 generation;
  guint index;
} RemoteKey;

static GBytes *
remote_sign (FctDkimKeyType type, FctDkimHash hash, const guint8 *digest, gsize digest_len,
             gpointer user_data, GError **error)
{
  RemoteKey *rk = user_data;
  FctFilterSignRequest req = { .op = FCT_FILTER_SIGN_OP_SIGN,
                               .generation = rk->generation,
                               .key_index = rk->index,
                               .hash = hash,
                               .digest_len = (guint32)digest_len };
  guint8 buf[FCT_FILTER_SIGN_REPLY_SIZE + 1];
  FctFilterSignReply reply;
  gssize n = 0;

  (void)type;
  if (digest_len > FCT_FILTER_SIGN_DIGEST_MAX)
    {
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_CRYPTO, "%s",
                   _ ("the digest is too long for the signer"));
      return NULL;
    }
  memcpy (req.digest, digest, digest_len);
  if (!exchange (rk->signer, &req, buf, sizeof buf, &n, error))
    return NULL;
  if (!fct_filter_sign_reply_decode (buf, (gsize)n, &reply) || !reply.ok
      || reply.generation != rk->generation)
    {
      g_set_error (
          error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY, "%s",
          _ ("the signer refused to sign (keys reloaded twice meanwhile, or the key "
             "failed)"));
      return NULL;
    }
  return g_bytes_new (reply.signature, reply.signature_len);
}

FctDkimPrivateKey *
fct_milter_signer_key (FctMilterSigner *s, guint32 generation, guint index,
                       const FctFilterKey *key)
{
  RemoteKey *rk = g_new0 (RemoteKey, 1);
  rk->signer = s;
  rk->generation = generation;
  rk->index = index;
  return fct_dkim_private_key_new_remote (key->type, key->bits, remote_sign, rk, g_free);
}
