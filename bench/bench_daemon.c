/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load generator for a running cpumodeld (driven by bench/bench_daemon.sh):
 *   bench_daemon --socket PATH --clients N --seconds S [--method M] [--params JSON]
 *                [--warmup S] [--pid DAEMON_PID] [--reference] [--blocking-recv]
 * N closed-loop clients, each a thread with its own connection and one call
 * in flight; every call is timed on its own.  Calls that start during the
 * warm-up (connects, first encodes, page faults) are not counted.  Prints
 * latency p50/p99/max, throughput, and with --pid the daemon's CPU time per
 * call (its service time, from /proc/PID/schedstat over the measured window)
 * and the queueing floor that implies: N closed-loop clients on one
 * single-threaded server wait, on average, N x service time (Little's law),
 * so p99 cannot be below it whatever the code does.
 *   --reference  also measures, in the same run and with the same clients, a
 *                minimal echo server (a forked single-threaded epoll loop that
 *                answers each message with the daemon's own reply bytes, no
 *                parsing): the transport floor of this machine under its
 *                current load, to read the daemon's figures against.
 *   --blocking-recv  clients wait in recv() instead of poll(POLLIN) + recv();
 *                a blocked recv() is also woken when the server consumes the
 *                request (unix_write_space), an extra context switch per call
 *                that Varlink clients (sd-varlink waits in ppoll) do not pay.
 *   bench_daemon --socket PATH --once --method M --params JSON --repeat R
 * times R sequential calls (the cluster baseline) and prints each.
 * Without arguments it says how to run it (bench/run.sh runs every binary). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_P99_US 100.0
#define TARGET_RPS 50000.0

static const char *sock_path, *method = "io.cpumodeld.GetHost", *params = "{}";
static double seconds = 3, warmup = 0.5;
static bool blocking_recv;
static volatile int stop, measuring;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

struct client {
    pthread_t t;
    const char *path;
    double *lat;
    size_t n, cap;
    size_t errors;
    char *buf;
    size_t bufcap;
};

/* one call: send, read until the NUL; returns the reply length or -1 */
static ssize_t call(int fd, const char *msg, size_t len, struct client *c)
{
    if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
        return -1;
    size_t got = 0;
    for (;;) {
        if (got == c->bufcap) {
            c->bufcap = c->bufcap ? c->bufcap * 2 : 65536;
            c->buf = realloc(c->buf, c->bufcap);
        }
        if (!blocking_recv) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, -1) < 0 && errno != EINTR)
                return -1;
        }
        ssize_t r = recv(fd, c->buf + got, c->bufcap - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (memchr(c->buf + got, '\0', (size_t)r))
            return (ssize_t)(got + (size_t)r);
        got += (size_t)r;
    }
}

static char *message(void)
{
    size_t n = strlen(method) + strlen(params) + 64;
    char *m = malloc(n);
    snprintf(m, n, "{\"method\":\"%s\",\"parameters\":%s}", method, params);
    return m; /* sent with its terminating NUL */
}

static void *run(void *arg)
{
    struct client *c = arg;
    int fd = connect_unix(c->path);
    char *m = message();
    size_t len = strlen(m) + 1;
    while (!stop) {
        int counted = measuring; /* a call begun in the warm-up is not counted */
        double t0 = now();
        ssize_t r = call(fd, m, len, c);
        double dt = now() - t0;
        if (r < 0 || strncmp(c->buf, "{\"parameters\"", 13)) {
            c->errors++;
            if (r < 0)
                break;
            continue;
        }
        if (!counted || stop)
            continue;
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 4096;
            c->lat = realloc(c->lat, c->cap * sizeof(double));
        }
        c->lat[c->n++] = dt;
    }
    free(m);
    close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* CPU time of a (single-threaded) process in seconds; -1 if unknown */
static double cpu_of(pid_t pid)
{
    if (pid <= 0)
        return -1;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    int ok = f && fscanf(f, "%llu", &ns) == 1;
    if (f)
        fclose(f);
    return ok ? (double)ns / 1e9 : -1;
}

struct result {
    size_t calls, errors;
    double rps, p50, p99, max, service; /* seconds; service < 0: unknown */
};

static struct result measure(const char *path, int clients, pid_t pid, const char *label)
{
    struct client *cs = calloc((size_t)clients, sizeof(*cs));
    stop = measuring = 0;
    for (int i = 0; i < clients; i++) {
        cs[i].path = path;
        pthread_create(&cs[i].t, NULL, run, &cs[i]);
    }
    usleep((useconds_t)(warmup * 1e6));
    double cpu0 = cpu_of(pid), t0 = now();
    measuring = 1;
    while (now() - t0 < seconds)
        usleep(10000);
    stop = 1;
    double el = now() - t0, cpu1 = cpu_of(pid);
    struct result res = {.service = -1};
    for (int i = 0; i < clients; i++) {
        pthread_join(cs[i].t, NULL);
        res.calls += cs[i].n;
        res.errors += cs[i].errors;
    }
    double *all = malloc((res.calls ? res.calls : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, cs[i].lat, cs[i].n * sizeof(double));
        k += cs[i].n;
        free(cs[i].lat);
        free(cs[i].buf);
    }
    free(cs);
    if (!res.calls) {
        printf("%s, %d client(s): no call completed (%zu errors)\n", label, clients, res.errors);
        free(all);
        return res;
    }
    qsort(all, res.calls, sizeof(double), cmp);
    res.rps = (double)res.calls / el;
    res.p50 = all[res.calls / 2];
    res.p99 = all[(size_t)((double)res.calls * 0.99)];
    res.max = all[res.calls - 1];
    if (cpu0 >= 0 && cpu1 >= cpu0)
        res.service = (cpu1 - cpu0) / (double)res.calls;
    free(all);
    printf("%s, %d client(s): %zu calls in %.2f s = %.0f req/s; latency p50 %.1f us, p99 %.1f us, max %.1f us; "
           "%zu errors",
           label, clients, res.calls, el, res.rps, res.p50 * 1e6, res.p99 * 1e6, res.max * 1e6, res.errors);
    if (res.service >= 0)
        printf("; server CPU %.2f us/call", res.service * 1e6);
    printf("\n");
    return res;
}

/* ---- the reference: an echo server with the daemon's reply bytes ---------- */

static void echo_serve(int lfd, const char *reply, size_t rlen)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[65536];
    for (;;) {
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c >= 0) {
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof(buf));
            if (r <= 0) {
                if (r == 0 || errno != EAGAIN)
                    close(fd);
                continue;
            }
            /* one reply per NUL received (closed-loop clients: whole messages) */
            for (ssize_t j = 0; j < r; j++)
                if (!buf[j] && send(fd, reply, rlen, MSG_NOSIGNAL) != (ssize_t)rlen)
                    break;
        }
    }
}

static pid_t echo_start(const char *path, const char *reply, size_t rlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, SOMAXCONN) < 0) {
        perror(path);
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        echo_serve(lfd, reply, rlen);
        _exit(0);
    }
    close(lfd);
    return pid;
}

static void compare_line(const char *what, int clients, const struct result *r)
{
    if (!r->calls)
        return;
    printf("   vs targets (p99 <= %.0f us, >= %.0f req/s): p99 %.1f us %s, %.0f req/s %s", TARGET_P99_US, TARGET_RPS,
           r->p99 * 1e6, r->p99 * 1e6 <= TARGET_P99_US ? "MEETS" : "MISSES", r->rps,
           r->rps >= TARGET_RPS ? "MEETS" : "MISSES");
    if (r->service > 0)
        printf("; %s floor %d x %.2f us = %.1f us", what, clients, r->service * 1e6, clients * r->service * 1e6);
    printf("\n");
}

int main(int argc, char **argv)
{
    int clients = 1, repeat = 0;
    pid_t pid = 0;
    bool reference = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--socket") && v) sock_path = argv[++i];
        else if (!strcmp(a, "--clients") && v) clients = atoi(argv[++i]);
        else if (!strcmp(a, "--seconds") && v) seconds = atof(argv[++i]);
        else if (!strcmp(a, "--warmup") && v) warmup = atof(argv[++i]);
        else if (!strcmp(a, "--method") && v) method = argv[++i];
        else if (!strcmp(a, "--params") && v) params = argv[++i];
        else if (!strcmp(a, "--repeat") && v) repeat = atoi(argv[++i]);
        else if (!strcmp(a, "--pid") && v) pid = (pid_t)atoi(argv[++i]);
        else if (!strcmp(a, "--reference")) reference = true;
        else if (!strcmp(a, "--blocking-recv")) blocking_recv = true;
        else if (!strcmp(a, "--once")) continue;
        else {
            fprintf(stderr, "bench_daemon: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!sock_path) {
        printf("bench_daemon: needs a running daemon; run bench/bench_daemon.sh\n");
        return 0;
    }
    if (clients < 1)
        clients = 1;
    if (repeat > 0) { /* sequential timed calls */
        struct client c = {0};
        int fd = connect_unix(sock_path);
        char *m = message();
        for (int i = 0; i < repeat; i++) {
            double t0 = now();
            ssize_t r = call(fd, m, strlen(m) + 1, &c);
            double dt = now() - t0;
            printf("call %d: %.1f ms, %zd bytes%s\n", i + 1, dt * 1e3, r,
                   r > 0 && !strncmp(c.buf, "{\"parameters\"", 13) ? "" : " (error reply)");
        }
        free(m);
        free(c.buf);
        close(fd);
        return 0;
    }
    struct result r = measure(sock_path, clients, pid, method);
    compare_line("queueing", clients, &r);
    if (reference && r.calls) {
        /* the daemon's reply to this very message, served without any work */
        struct client c = {0};
        int fd = connect_unix(sock_path);
        char *m = message();
        ssize_t len = call(fd, m, strlen(m) + 1, &c);
        close(fd);
        free(m);
        if (len > 0) {
            char path[108];
            snprintf(path, sizeof(path), "%s.echo", sock_path);
            pid_t e = echo_start(path, c.buf, (size_t)len);
            struct result er = measure(path, clients, e, "  reference echo (same reply bytes, no work)");
            kill(e, SIGKILL);
            waitpid(e, NULL, 0);
            unlink(path);
            if (er.calls && er.service > 0 && r.service > 0)
                printf("   daemon work per call beyond the echo: %.2f us (%.2f vs %.2f us server CPU)\n",
                       (r.service - er.service) * 1e6, r.service * 1e6, er.service * 1e6);
        }
        free(c.buf);
    }
    return r.errors && !r.calls ? 1 : 0;
}
