/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load generator for a running cpumodeld (driven by bench/bench_daemon.sh):
 *   bench_daemon --socket PATH --clients N --seconds S [--method M] [--params JSON]
 * N closed-loop clients, one connection each, one call in flight per
 * client; prints latency p50/p99/max and throughput.
 *   bench_daemon --socket PATH --once --method M --params JSON --repeat R
 * times R sequential calls (the cluster baseline) and prints each.
 * Without arguments it says how to run it (bench/run.sh runs every binary). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path, *method = "io.cpumodeld.GetHost", *params = "{}";
static double seconds = 3;
static volatile int stop;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_unix(void)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        perror(sock_path);
        exit(1);
    }
    return fd;
}

struct client {
    pthread_t t;
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
        ssize_t r = recv(fd, c->buf + got, c->bufcap - got, 0);
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
    int fd = connect_unix();
    char *m = message();
    size_t len = strlen(m) + 1;
    while (!stop) {
        double t0 = now();
        ssize_t r = call(fd, m, len, c);
        double dt = now() - t0;
        if (r < 0 || strncmp(c->buf, "{\"parameters\"", 13)) {
            c->errors++;
            if (r < 0)
                break;
            continue;
        }
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

int main(int argc, char **argv)
{
    int clients = 1, repeat = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--socket") && v) sock_path = argv[++i];
        else if (!strcmp(a, "--clients") && v) clients = atoi(argv[++i]);
        else if (!strcmp(a, "--seconds") && v) seconds = atof(argv[++i]);
        else if (!strcmp(a, "--method") && v) method = argv[++i];
        else if (!strcmp(a, "--params") && v) params = argv[++i];
        else if (!strcmp(a, "--repeat") && v) repeat = atoi(argv[++i]);
        else {
            fprintf(stderr, "bench_daemon: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!sock_path) {
        printf("bench_daemon: needs a running daemon; run bench/bench_daemon.sh\n");
        return 0;
    }
    if (repeat > 0) { /* sequential timed calls */
        struct client c = {0};
        int fd = connect_unix();
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
    struct client *cs = calloc((size_t)clients, sizeof(*cs));
    double t0 = now();
    for (int i = 0; i < clients; i++)
        pthread_create(&cs[i].t, NULL, run, &cs[i]);
    while (now() - t0 < seconds)
        usleep(10000);
    stop = 1;
    size_t total = 0, errors = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(cs[i].t, NULL);
        total += cs[i].n;
        errors += cs[i].errors;
    }
    double el = now() - t0;
    double *all = malloc((total ? total : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, cs[i].lat, cs[i].n * sizeof(double));
        k += cs[i].n;
        free(cs[i].lat);
        free(cs[i].buf);
    }
    qsort(all, total, sizeof(double), cmp);
    if (total)
        printf("%s, %d client(s): %zu calls in %.2f s = %.0f req/s; latency p50 %.1f us, p99 %.1f us, max %.1f us; "
               "%zu errors\n",
               method, clients, total, el, (double)total / el, all[total / 2] * 1e6,
               all[(size_t)((double)total * 0.99)] * 1e6, all[total - 1] * 1e6, errors);
    else
        printf("%s, %d client(s): no call completed (%zu errors)\n", method, clients, errors);
    free(all);
    free(cs);
    return errors && !total ? 1 : 0;
}
