/* Checks abort.c: g_error and a failed g_return_if_fail end a process linked with it by
 * SIGABRT (which libFuzzer saves an input for), not by GLib's SIGTRAP. TAP output. */
#include <glib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static gboolean
returns_if_null (const char *p)
{
  g_return_val_if_fail (p != NULL, FALSE);
  return TRUE;
}

static int
child_signal (int what)
{
  pid_t pid = fork ();
  int status = 0;

  if (pid == 0)
    {
      if (what == 0)
        g_error ("deliberate g_error");
      else if (what == 1)
        (void)returns_if_null (NULL);
      _exit (0);
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    return -1;
  return WIFSIGNALED (status) ? WTERMSIG (status) : 0;
}

int
main (void)
{
  static const char *const names[] = { "g_error", "g_return_val_if_fail" };
  int failed = 0;

  g_print ("1..%zu\n", G_N_ELEMENTS (names));
  for (int i = 0; i < (int)G_N_ELEMENTS (names); i++)
    {
      int sig = child_signal (i);
      gboolean ok = sig == SIGABRT;
      failed |= !ok;
      g_print ("%s %d - %s ends by SIGABRT (got signal %d)\n", ok ? "ok" : "not ok", i + 1,
               names[i], sig);
    }
  return failed;
}
