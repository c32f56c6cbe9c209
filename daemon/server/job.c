/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Work that may block, run off the event loop in a forked child.
 *
 * The daemon is one thread on one sd-event loop, and every client waits on
 * it.  What can take long runs in a child process forked for the job: the
 * host refresh (a KVM probe: many ONE_REG reads and trial writes; or a
 * --snapshot another process holds locked), peer name resolution
 * (getaddrinfo: DNS), group membership of local callers (NSS: LDAP, sssd).
 * The child writes its result into a pipe and exits; the loop collects the
 * bytes and, once the child is reaped, calls the job's completion.
 *
 * A child rather than a worker thread, because:
 *  - a job stuck in the kernel or in an NSS module is killed at its deadline
 *    (SIGKILL); a thread blocked in getaddrinfo cannot be cancelled, and
 *    stuck threads would pile up;
 *  - a crashing probe (ioctls on /dev/kvm, its parsing) takes only the child
 *    down: the call fails naming the signal and the daemon keeps serving;
 *  - the daemon stays single-threaded: nothing in the library, json-c or
 *    the daemon's state has to be thread-safe, and the child sees the state
 *    as it was at fork (configuration, previous snapshot) with no locking.
 * What comes back is bytes, checked like any other input (size cap).  The
 * cost is a fork (page tables of the daemon: about a millisecond), paid per
 * refresh, per reload's resolution, per uncached caller uid. */
#define _GNU_SOURCE /* pipe2, close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

struct cmd_job {
    struct cmd_daemon *d;
    struct cmd_job *prev, *next; /* d->jobs */
    char *what;
    pid_t pid;
    int fd; /* the pipe's read end, -1 once at EOF */
    sd_event_source *io, *child, *timer;
    char *buf;
    size_t len, cap, max;
    bool overflow;
    int timeout_ms;
    bool timed_out;
    cmd_job_done done; /* NULL once cancelled */
    void *arg;
};

/* ---- the child ------------------------------------------------------------ */

int cmd_job_write(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Only the pipe (as fd 3) and stdio stay open: a client connection or a
 * listener held by a child would outlive its close in the daemon (a client
 * would wait for an EOF that never comes). */
static void child_fds(int w)
{
    if (w != 3) {
        if (dup2(w, 3) < 0)
            _exit(127);
    } else
        fcntl(3, F_SETFD, 0);
    if (close_range(4, ~0U, 0) < 0)
        for (int fd = 4; fd < 65536; fd++)
            close(fd);
}

static _Noreturn void child_main(struct cmd_daemon *d, pid_t parent, int w, cmd_job_fn run, void *run_arg)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the daemon died: nobody waits for the result */
    if (getppid() != parent)
        _exit(127);
    child_fds(w);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the daemon's blocked signals are for its loop */
    int rc = run(d, run_arg, 3);
    /* _exit: no atexit handlers, no stdio flush of the daemon's buffers, no
     * leak report over the heap inherited from the daemon */
    _exit(rc);
}

/* ---- the daemon's side ---------------------------------------------------- */

static void job_free(struct cmd_job *j)
{
    struct cmd_daemon *d = j->d;
    if (j->prev)
        j->prev->next = j->next;
    else
        d->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->io = sd_event_source_disable_unref(j->io);
    j->timer = sd_event_source_disable_unref(j->timer);
    j->child = sd_event_source_disable_unref(j->child);
    if (j->fd >= 0)
        close(j->fd);
    free(j->buf);
    free(j->what);
    free(j);
}

/* Takes what the pipe holds now; false at EOF or error. */
static bool job_read(struct cmd_job *j)
{
    for (;;) {
        if (j->cap - j->len < 65536)
            cm_grow(&j->buf, &j->cap, j->len + 65536, 1);
        ssize_t n = read(j->fd, j->buf + j->len, j->cap - j->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0)
            return false;
        j->len += (size_t)n;
        if (j->len > j->max) {
            j->overflow = true;
            kill(j->pid, SIGKILL);
            return false;
        }
    }
}

static void job_eof(struct cmd_job *j)
{
    j->io = sd_event_source_disable_unref(j->io);
    close(j->fd);
    j->fd = -1;
}

static int on_job_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct cmd_job *j = userdata;
    if (!job_read(j))
        job_eof(j); /* the child source finishes the job */
    return 0;
}

static int on_job_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct cmd_job *j = userdata;
    j->timed_out = true;
    kill(j->pid, SIGKILL);
    return 0;
}

static int on_job_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
    struct cmd_job *j = userdata;
    /* whatever the child wrote before it exited is in the pipe (at most the
     * pipe's capacity: a child blocked on a full pipe has not exited) */
    if (j->fd >= 0) {
        job_read(j);
        job_eof(j);
    }
    char error[256] = "";
    if (j->timed_out)
        snprintf(error, sizeof(error), "%s: no result within %d ms (stopped)", j->what, j->timeout_ms);
    else if (j->overflow)
        snprintf(error, sizeof(error), "%s: result larger than %zu bytes", j->what, j->max);
    else if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED)
        snprintf(error, sizeof(error), "%s: the worker process (pid %d) was killed by signal %d (%s)", j->what,
                 (int)j->pid, si->si_status, strsignal(si->si_status));
    else if (si->si_status != 0)
        snprintf(error, sizeof(error), "%s: the worker process failed (exit status %d)", j->what, si->si_status);
    j->buf[j->len] = '\0';
    /* reaped here, not left to sd-event: the source is freed below */
    siginfo_t reaped;
    waitid(P_PID, (id_t)j->pid, &reaped, WEXITED | WNOHANG);
    cmd_job_done done = j->done;
    void *arg = j->arg;
    struct cmd_daemon *d = j->d;
    _cleanup_free_ char *out = j->buf;
    size_t len = j->len;
    j->buf = NULL;
    job_free(j);
    if (done)
        done(d, arg, error[0] ? NULL : out, len, error[0] ? error : NULL);
    return 0;
}

struct cmd_job *cmd_job_start(struct cmd_daemon *d, const char *what, int timeout_ms, size_t max_out,
                              cmd_job_fn run, void *run_arg, cmd_job_done done, void *arg, cm_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cm_fail(err, CM_E_IO, "%s: pipe: %s", what, strerror(errno)), NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return cm_fail(err, CM_E_IO, "%s: fork: %s", what, strerror(e)), NULL;
    }
    if (pid == 0)
        child_main(d, parent, p[1], run, run_arg);
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    struct cmd_job *j = cm_xcalloc(1, sizeof(*j));
    j->d = d;
    j->what = cm_xstrdup(what);
    j->pid = pid;
    j->fd = p[0];
    j->max = max_out;
    j->timeout_ms = timeout_ms;
    j->done = done;
    j->arg = arg;
    cm_grow(&j->buf, &j->cap, 1, 1);
    j->next = d->jobs;
    if (d->jobs)
        d->jobs->prev = j;
    d->jobs = j;
    int r = sd_event_add_io(d->event, &j->io, j->fd, EPOLLIN, on_job_io, j);
    if (r >= 0)
        r = sd_event_add_child(d->event, &j->child, pid, WEXITED, on_job_exit, j);
    if (r >= 0 && timeout_ms > 0)
        r = sd_event_add_time_relative(d->event, &j->timer, CLOCK_MONOTONIC, (uint64_t)timeout_ms * 1000, 1000,
                                       on_job_timeout, j);
    if (r < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0); /* dies at once: SIGKILL */
        job_free(j);
        return cm_fail(err, CM_E_IO, "%s: cannot watch the worker process: %s", what, strerror(-r)), NULL;
    }
    return j;
}

pid_t cmd_job_pid(const struct cmd_job *j) { return j->pid; }

/* The result is no longer wanted: the child is killed, reaped from the loop
 * as usual (never waited for here), and `done` is not called. */
void cmd_job_cancel(struct cmd_job *j)
{
    if (!j)
        return;
    j->done = NULL;
    kill(j->pid, SIGKILL);
}

/* Exit: every child is killed and reaped (the event loop is going away). */
void cmd_jobs_shutdown(struct cmd_daemon *d)
{
    while (d->jobs) {
        struct cmd_job *j = d->jobs;
        kill(j->pid, SIGKILL);
        j->child = sd_event_source_disable_unref(j->child);
        waitpid(j->pid, NULL, 0);
        job_free(j);
    }
}
