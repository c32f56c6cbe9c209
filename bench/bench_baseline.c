/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline benchmark: 10, 100, 1,000 and 10,000 hosts built from the real
 * arm64 dumps (N1/V1 on 5.10 and 6.1) plus perturbed copies (a few
 * LOWER_SAFE fields lowered at random, as a fleet of mixed steppings and
 * firmware would look).  Prints, per size: merge time, full baseline time
 * (merge + a verdict per host), memory per host in the merged form (the
 * vector) and peak RSS; and, as a reference measured in the same run, the
 * time of one plain pass reading every host's values (the memory-bandwidth
 * floor), with the ratio.  Target: 10,000 hosts <= 50 ms, <= 4 KiB per host.
 *
 * Two fleets: the dumps' own kernels (6.1/5.10: no writable ID registers, so
 * nearly every host gets a verdict with ~30 reasons — formatting those
 * dominates the full baseline), and the same silicon on 6.12 (writable ID
 * registers: the modern case, few reasons).
 *
 * usage: bench_baseline FIXTURE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cpumodel/cpumodel.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void perturb(struct cm_vector *v)
{
    const struct cm_arch_ops *ops = v->ops;
    for (int k = 0; k < 3; k++) {
        size_t w = next_rand() % ops->nwords;
        if (!v->present[w] || !ops->words[w].nfields || ops->words[w].order != CM_ORDER_ID)
            continue;
        const struct cm_field *f = &ops->words[w].fields[next_rand() % ops->words[w].nfields];
        if (f->policy != CM_POL_LOWER_SAFE || f->is_signed)
            continue;
        uint64_t cur = cm_field_get(f, v->val[w]);
        v->val[w] = cm_field_put(f, v->val[w], cur ? next_rand() % (cur + 1) : 0);
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/fixtures/firecracker";
    static const char *const base[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1", "ARM_NEOVERSE_N1_5.10",
                                       "ARM_NEOVERSE_V1_5.10"};
    struct cm_vector seeds[4];
    struct cm_snapshot *snaps[4];
    for (int i = 0; i < 4; i++) {
        char path[4096];
        cm_error err = {0};
        snprintf(path, sizeof(path), "%s/fingerprint_%shost.json", dir, base[i]);
        if (cm_snapshot_load(path, &snaps[i], &err) < 0 || cm_vector_from_snapshot(snaps[i], &seeds[i], &err) < 0) {
            fprintf(stderr, "bench_baseline: %s\n", err.msg);
            return 2;
        }
    }
    static const size_t sizes[] = {10, 100, 1000, 10000};
    for (int fleet = 0; fleet < 2; fleet++) {
    printf("%sfleet: %s\n", fleet ? "\n" : "", fleet ? "same silicon on Linux 6.12 (writable ID registers)"
                                                     : "the dumps' kernels (6.1 / 5.10)");
    printf("%-7s %11s %13s %11s %9s %14s %12s\n", "hosts", "merge_ms", "baseline_ms", "scan_ms", "ratio",
           "bytes/host", "peak_rss_MiB");
    for (size_t si = 0; si < 4; si++) {
        size_t n = sizes[si];
        struct cm_vector *v = calloc(n, sizeof(*v));
        const struct cm_vector **pv = calloc(n, sizeof(*pv));
        size_t bytes = 0;
        for (size_t i = 0; i < n; i++) {
            cm_vector_copy(&v[i], &seeds[i % 4]);
            v[i].snap = NULL; /* the merged form stands alone */
            if (i >= 4)
                perturb(&v[i]);
            if (fleet)
                v[i].kver = CM_KVER(6, 12);
            free(v[i].name);
            v[i].name = cm_xasprintf("host%05zu", i);
            pv[i] = &v[i];
            bytes += sizeof(struct cm_vector) + cm_vector_heap_bytes(&v[i]);
        }
        /* reference: one pass over every host's values */
        double t0 = now_ms();
        uint64_t acc = 0;
        int reps = n < 1000 ? 200 : 5;
        for (int r = 0; r < reps; r++)
            for (size_t i = 0; i < n; i++)
                for (size_t w = 0; w < v[i].ops->nwords; w++)
                    acc ^= v[i].val[w] + v[i].present[w];
        double scan = (now_ms() - t0) / reps;

        t0 = now_ms();
        struct cm_vector m;
        for (int r = 0; r < reps; r++) {
            cm_merge(pv, n, &m, NULL, NULL, NULL);
            if (r + 1 < reps)
                cm_vector_free(&m);
        }
        double merge = (now_ms() - t0) / reps;
        cm_vector_free(&m);

        t0 = now_ms();
        struct cm_baseline b;
        cm_error err = {0};
        cm_baseline(pv, n, false, &b, &err);
        double full = now_ms() - t0;
        cm_baseline_free(&b);

        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%-7zu %11.3f %13.3f %11.4f %8.1fx %14zu %12.1f%s\n", n, merge, full, scan, scan > 0 ? merge / scan : 0,
               bytes / n, ru.ru_maxrss / 1024.0, acc == 42 ? " " : "");
        for (size_t i = 0; i < n; i++)
            cm_vector_free(&v[i]);
        free(v);
        free(pv);
    }
    }
    printf("\ntargets: 10000 hosts merge <= 50 ms; <= 4096 bytes/host in the merged form\n");
    for (int i = 0; i < 4; i++) {
        cm_vector_free(&seeds[i]);
        cm_snapshot_free(snaps[i]);
    }
    return 0;
}
