/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live probe time on this host: cm_probe() end to end (open /dev/kvm,
 * capabilities on the system and a VM fd, the arch read-out, close), wall
 * clock, N runs after one warm-up.  Prints min / median / p90 / max and the
 * snapshot's own probe_ms of the last run.  Target: median <= 5 ms.
 *
 * usage: bench_probe [RUNS] [--median-only]
 *   --median-only  print just the median in ms (for bench_probe.sh)
 * Exit: 0 ok, 77 no /dev/kvm (SKIP), 1 probe error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpumodel/probe.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* nearest-rank percentile of a sorted array */
static double pct(const double *v, size_t n, double p)
{
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

int main(int argc, char **argv)
{
    size_t runs = 200;
    int median_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--median-only"))
            median_only = 1;
        else if (atoi(argv[i]) > 0)
            runs = (size_t)atoi(argv[i]);
    }
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "SKIP: /dev/kvm not openable (%s): no probe figures\n", strerror(errno));
        return 77;
    }
    close(fd);

    cm_error err = {0};
    struct cm_snapshot *s = NULL;
    double t = now_ms();
    if (cm_probe(NULL, &s, &err) < 0) { /* warm-up: page cache, first VM */
        fprintf(stderr, "bench_probe: %s\n", err.msg);
        return 1;
    }
    double cold = now_ms() - t;
    size_t nregs = s->nregs, ncpuid = s->ncpuid, ncaps = s->ncaps;
    cm_snapshot_free(s);

    double *ms = calloc(runs, sizeof(double));
    double inner = 0;
    for (size_t i = 0; i < runs; i++) {
        t = now_ms();
        if (cm_probe(NULL, &s, &err) < 0) {
            fprintf(stderr, "bench_probe: run %zu: %s\n", i, err.msg);
            free(ms);
            return 1;
        }
        ms[i] = now_ms() - t;
        inner = s->probe_ms;
        cm_snapshot_free(s);
    }
    qsort(ms, runs, sizeof(double), cmp_double);
    double median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    if (median_only) {
        printf("%.3f\n", median);
    } else {
        printf("bench_probe: %zu runs of cm_probe() on /dev/kvm (%zu caps, %zu CPUID entries, %zu registers)\n", runs,
               ncaps, ncpuid, nregs);
        printf("  first (warm-up) %.3f ms\n", cold);
        printf("  min %.3f ms  median %.3f ms  p90 %.3f ms  max %.3f ms\n", ms[0], median, pct(ms, runs, 90),
               ms[runs - 1]);
        printf("  last run's own probe_ms %.3f ms\n", inner);
        printf("  target median <= 5 ms: %s\n", median <= 5.0 ? "met" : "MISSED");
    }
    free(ms);
    return 0;
}
