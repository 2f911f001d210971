/* facteur command line — the batch runner `facteur address --batch` and `facteur domain
 * --batch` share: input read once through the bounded line reader (so standard input
 * works), jobs run on a worker pool (grouped by key when the command asks, so that one
 * SMTP session serves several addresses of a domain), JSON lines out in input order, a
 * progress bar when stderr is a terminal, and a state file that lets an interrupted
 * run resume without doing any job twice. */
#include "cli.h"

#include <errno.h>
#include <facteur/lines.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 65536

/* 128 + SIGINT, as shells report it: the run stopped early, its state file holds what
 * was done. */
#define EXIT_INTERRUPTED 130

/* Set by the first SIGINT or SIGTERM: no new job starts, the ones running finish and
 * are recorded, so that the resumed run asks nobody twice. A second signal kills (the
 * handler restores the default). */
static volatile sig_atomic_t interrupted;

static void
on_signal (int signo)
{
  interrupted = 1;
  signal (signo, SIG_DFL);
}

typedef struct
{
  const FctCliBatch *batch;
  GMutex lock;
  GCond cond;
  int state_fd;        /* -1 without --state */
  GPtrArray *groups;   /* every group handed to the pool (a reference each) */
  GHashTable *resumed; /* line number -> StateEntry * */
} Runner;

typedef struct
{
  char *input;
  char *output;
} StateEntry;

static void
state_entry_free (gpointer data)
{
  StateEntry *e = data;
  g_free (e->input);
  g_free (e->output);
  g_free (e);
}

static void
job_free (FctCliBatchJob *job)
{
  g_free (job->line);
  g_free (job->key);
  g_free (job->output);
  g_free (job);
}

/* The state file: one JSON object per finished job, {"line": N, "input": "...",
 * "output": "..."}, appended as each job ends. A line cut short by an interruption does
 * not parse and is ignored; so is an entry whose input differs from the line now at
 * that number (another file). */
/* A record longer than this is not one this runner wrote (a JSON result is a few KiB). */
#define STATE_RECORD_MAX (1024 * 1024)

static void
state_record (GHashTable *done, const char *text, gsize len)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (len == 0 || !json_parser_load_from_data (parser, text, (gssize)len, NULL))
    return;
  JsonNode *root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return;
  JsonObject *o = json_node_get_object (root);
  if (!json_object_has_member (o, "line") || !json_object_has_member (o, "input")
      || !json_object_has_member (o, "output"))
    return;
  const char *input = json_object_get_string_member (o, "input");
  const char *output = json_object_get_string_member (o, "output");
  if (input == NULL || output == NULL)
    return;
  StateEntry *e = g_new0 (StateEntry, 1);
  e->input = g_strdup (input);
  e->output = g_strdup (output);
  gint64 *key = g_new (gint64, 1);
  *key = json_object_get_int_member (o, "line");
  g_hash_table_replace (done, key, e);
}

static GHashTable *
state_load (const char *path)
{
  GHashTable *done
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, state_entry_free);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return done;
  /* Read as the input is: through the bounded line reader, one record at a time. */
  g_autoptr (FctLineReader) reader = fct_line_reader_new (STATE_RECORD_MAX);
  guint8 buf[READ_CHUNK];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        fct_line_reader_finish (reader);
      else
        fct_line_reader_push (reader, buf, (gsize)n);
      const char *line = NULL;
      gsize len = 0;
      FctLineStatus st;
      while ((st = fct_line_reader_next (reader, &line, &len)) != FCT_LINE_MORE)
        if (st == FCT_LINE_OK)
          state_record (done, line, len);
      if (n <= 0)
        break;
    }
  close (fd);
  return done;
}

static void
state_append (Runner *r, const FctCliBatchJob *job)
{
  if (r->state_fd < 0 || job->resumed)
    return;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  fct_cli_json_add_int (b, "line", (gint64)job->number);
  fct_cli_json_add_string (b, "input", job->line != NULL ? job->line : "");
  fct_cli_json_add_string (b, "output", job->output);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  g_autofree char *record = g_strconcat (text, "\n", NULL);
  /* One write per record (O_APPEND): an interruption leaves at most one partial line. */
  gsize n = strlen (record);
  if (write (r->state_fd, record, n) != (ssize_t)n)
    g_printerr ("facteur: %s: %s\n", r->batch->state, g_strerror (errno));
}

static void
worker (gpointer data, gpointer user_data)
{
  GPtrArray *jobs = data;
  Runner *r = user_data;
  r->batch->run ((FctCliBatchJob *const *)jobs->pdata, jobs->len, r->batch->data);
  g_mutex_lock (&r->lock);
  for (guint i = 0; i < jobs->len; i++)
    {
      FctCliBatchJob *job = g_ptr_array_index (jobs, i);
      state_append (r, job);
      job->done = TRUE;
    }
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  g_ptr_array_unref (jobs);
}

typedef struct
{
  gboolean show;
  guint64 printed;
  gsize bytes_read;
  gsize bytes_total; /* 0: not a regular file */
} Progress;

static void
progress_draw (const Progress *p, gboolean final)
{
  const guint width = 30;
  if (final)
    fprintf (stderr, "\r[%.*s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "\n", width,
             "##############################", p->printed, p->printed);
  else if (p->bytes_total > 0)
    {
      guint filled
          = (guint)MIN ((double)p->bytes_read / (double)p->bytes_total * width, width);
      g_autofree char *bar = g_strnfill (filled, '#');
      g_autofree char *rest = g_strnfill (width - filled, '.');
      fprintf (stderr, "\r[%s%s] %" G_GUINT64_FORMAT, bar, rest, p->printed);
    }
  else
    fprintf (stderr, "\r%" G_GUINT64_FORMAT, p->printed);
  fflush (stderr);
}

/* Prints the finished jobs at the head of the queue, in input order; waits while more
 * than max_pending are queued (or, with wait_all, until none is). */
static void
flush_done (Runner *r, GQueue *queue, gboolean wait_all, guint max_pending, Progress *p)
{
  g_mutex_lock (&r->lock);
  for (;;)
    {
      while (!g_queue_is_empty (queue)
             && ((FctCliBatchJob *)g_queue_peek_head (queue))->done)
        {
          FctCliBatchJob *job = g_queue_pop_head (queue);
          g_mutex_unlock (&r->lock);
          g_print ("%s\n", job->output != NULL ? job->output : "{}");
          job_free (job);
          p->printed++;
          if (p->show)
            progress_draw (p, FALSE);
          g_mutex_lock (&r->lock);
        }
      gboolean more = wait_all ? !g_queue_is_empty (queue) : queue->length >= max_pending;
      if (!more || (interrupted && !wait_all))
        break;
      g_cond_wait (&r->cond, &r->lock);
    }
  g_mutex_unlock (&r->lock);
}

/* Hands every open group to the pool. */
/* Hands a group to the pool; the runner keeps a reference, so that a group the pool
 * drops (interrupted) is freed all the same. */
static void
dispatch (Runner *r, GThreadPool *pool, GPtrArray *group)
{
  g_ptr_array_add (r->groups, g_ptr_array_ref (group));
  g_thread_pool_push (pool, g_ptr_array_ref (group), NULL);
}

static void
dispatch_all (Runner *r, GThreadPool *pool, GHashTable *open, guint *undispatched)
{
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, open);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      dispatch (r, pool, value);
      g_hash_table_iter_remove (&iter);
    }
  *undispatched = 0;
}

int
fct_cli_batch_run (const FctCliBatch *batch)
{
  gboolean from_stdin = g_str_equal (batch->path, "-");
  int fd = from_stdin ? STDIN_FILENO : open (batch->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      g_printerr ("facteur: %s: %s\n", batch->path, g_strerror (errno));
      return FCT_EXIT_DATAERR;
    }
  Runner r = { .batch = batch, .state_fd = -1 };
  Progress p = { .show = isatty (STDERR_FILENO) };
  struct stat st;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    p.bytes_total = (gsize)st.st_size;
  if (batch->state != NULL)
    {
      r.resumed = state_load (batch->state);
      r.state_fd = open (batch->state, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      /* A record cut short by an interruption has no newline: end its line, or the next
       * record would be glued to it and lost too. */
      char last = '\n';
      struct stat sst;
      if (r.state_fd >= 0 && fstat (r.state_fd, &sst) == 0 && sst.st_size > 0
          && pread (r.state_fd, &last, 1, sst.st_size - 1) == 1 && last != '\n'
          && write (r.state_fd, "\n", 1) != 1)
        g_printerr ("facteur: %s: %s\n", batch->state, g_strerror (errno));
      if (r.state_fd < 0)
        {
          g_printerr ("facteur: %s: %s\n", batch->state, g_strerror (errno));
          if (!from_stdin)
            close (fd);
          g_hash_table_unref (r.resumed);
          return FCT_EXIT_DATAERR;
        }
    }
  guint workers = MAX (batch->workers, 1);
  guint group_max = MAX (batch->group_max, 1);
  /* Enough read ahead to fill every worker's group, and no more. */
  guint window = workers * group_max * 2;
  g_mutex_init (&r.lock);
  g_cond_init (&r.cond);
  g_autoptr (GError) error = NULL;
  GThreadPool *pool = g_thread_pool_new (worker, &r, (gint)workers, TRUE, &error);
  if (pool == NULL)
    {
      g_printerr ("facteur: %s\n", error->message);
      if (!from_stdin)
        close (fd);
      if (r.state_fd >= 0)
        close (r.state_fd);
      if (r.resumed != NULL)
        g_hash_table_unref (r.resumed);
      return FCT_EXIT_SOFTWARE;
    }
  r.groups = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  g_autoptr (GHashTable) open_groups = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  g_autoptr (FctLineReader) reader = fct_line_reader_new (batch->line_max);
  GQueue queue = G_QUEUE_INIT;
  guint undispatched = 0;
  guint64 number = 0;
  gboolean eof = FALSE;
  int status = FCT_EXIT_OK;
  guint8 *buf = g_malloc (READ_CHUNK);

  interrupted = 0;
  struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);
  while (!eof && !interrupted)
    {
      ssize_t n = read (fd, buf, READ_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_printerr ("facteur: %s: %s\n", batch->path, g_strerror (errno));
          status = FCT_EXIT_DATAERR;
          n = 0;
        }
      if (n == 0)
        {
          fct_line_reader_finish (reader);
          eof = TRUE;
        }
      else
        {
          fct_line_reader_push (reader, buf, (gsize)n);
          p.bytes_read += (gsize)n;
        }
      while (!interrupted)
        {
          const char *line = NULL;
          gsize len = 0;
          FctLineStatus ls = fct_line_reader_next (reader, &line, &len);
          if (ls == FCT_LINE_MORE)
            break;
          FctCliBatchJob *job = g_new0 (FctCliBatchJob, 1);
          job->number = ++number;
          job->too_long = ls == FCT_LINE_TOO_LONG;
          if (!job->too_long)
            {
              job->line = g_malloc (len + 1);
              memcpy (job->line, line, len + 1);
              job->len = len;
            }
          gint64 key = (gint64)job->number;
          const StateEntry *e
              = r.resumed != NULL ? g_hash_table_lookup (r.resumed, &key) : NULL;
          if (!batch->prepare (job, batch->data))
            {
              job_free (job);
              continue;
            }
          if (e != NULL && job->line != NULL && g_str_equal (e->input, job->line))
            {
              /* Done by an earlier run: its result, not a second probe. */
              g_clear_pointer (&job->output, g_free);
              job->output = g_strdup (e->output);
              job->resumed = TRUE;
            }
          job->done = job->output != NULL;
          g_mutex_lock (&r.lock);
          g_queue_push_tail (&queue, job);
          g_mutex_unlock (&r.lock);
          if (!job->done)
            {
              if (job->key == NULL)
                {
                  g_autoptr (GPtrArray) one = g_ptr_array_new ();
                  g_ptr_array_add (one, job);
                  dispatch (&r, pool, one);
                }
              else
                {
                  GPtrArray *group = g_hash_table_lookup (open_groups, job->key);
                  if (group == NULL)
                    {
                      group = g_ptr_array_new ();
                      g_hash_table_insert (open_groups, g_strdup (job->key), group);
                    }
                  g_ptr_array_add (group, job);
                  undispatched++;
                  if (group->len >= group_max)
                    {
                      dispatch (&r, pool, group);
                      undispatched -= group->len;
                      g_hash_table_remove (open_groups, job->key);
                    }
                }
            }
          if (undispatched >= window)
            dispatch_all (&r, pool, open_groups, &undispatched);
          if (queue.length >= window * 2)
            {
              /* Printing waits for the head of the queue: nothing may stay undispatched. */
              dispatch_all (&r, pool, open_groups, &undispatched);
              flush_done (&r, &queue, FALSE, window * 2, &p);
            }
        }
      /* A short read drained the pipe or the file: the groups go now rather than wait
       * for lines that may be slow to come (standard input typed or piped). */
      if (n < READ_CHUNK)
        dispatch_all (&r, pool, open_groups, &undispatched);
      flush_done (&r, &queue, FALSE, window * 2, &p);
    }
  if (!interrupted)
    {
      dispatch_all (&r, pool, open_groups, &undispatched);
      flush_done (&r, &queue, TRUE, 0, &p);
      if (p.show)
        progress_draw (&p, TRUE);
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  else
    {
      /* Running jobs finish (their results are recorded); queued ones never start. */
      g_printerr ("\n%s\n", _ ("facteur: interrupted; finishing the jobs in progress"));
      g_thread_pool_free (pool, TRUE, TRUE);
      g_mutex_lock (&r.lock);
      while (!g_queue_is_empty (&queue)
             && ((FctCliBatchJob *)g_queue_peek_head (&queue))->done)
        {
          FctCliBatchJob *job = g_queue_pop_head (&queue);
          g_print ("%s\n", job->output);
          job_free (job);
        }
      g_mutex_unlock (&r.lock);
      /* What was not done is not printed: the resumed run does it. */
      FctCliBatchJob *job;
      while ((job = g_queue_pop_head (&queue)) != NULL)
        job_free (job);
      status = EXIT_INTERRUPTED;
      if (batch->state != NULL)
        g_printerr (_ ("facteur: run the same command again to go on: %s holds what was "
                       "done\n"),
                    batch->state);
    }
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);
  g_free (buf);
  g_mutex_clear (&r.lock);
  g_cond_clear (&r.cond);
  if (r.state_fd >= 0)
    close (r.state_fd);
  if (r.resumed != NULL)
    g_hash_table_unref (r.resumed);
  g_ptr_array_unref (r.groups);
  if (!from_stdin)
    close (fd);
  return status;
}
