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
 * Fleets are made of few kinds of host (VARIANTS perturbed variants per
 * seed, see below): the verdicts are taken once per kind (cm_verdicts).
 * verdicts_ms is the whole baseline as an orchestrator asks for it: merge +
 * a text-free verdict per host (enforceable, and the field that blocks it:
 * CM_BL_LAZY); reason text is rendered on demand, and reasons_ms adds every
 * reason of every host rendered that way.  scan_ms, merge_ms and verdicts_ms
 * are each the mean of the same number of runs (200 below 1,000 hosts, 20
 * below 100,000, then 3) after one untimed run; verdicts_1st is that first
 * baseline alone (cold: its allocations fault their pages in, which a PVM
 * guest pays dearly for).
 *
 * Two fleets: the dumps' own kernels (6.1/5.10: no writable ID registers, so
 * nearly every host gets a verdict with ~30 reasons — formatting those
 * dominates the full baseline), and the same silicon on 6.12 (writable ID
 * registers: the modern case, few reasons).
 *
 * The same run repeats for x86_64 (Skylake / Cascade Lake / Ice Lake dumps)
 * and riscv64 (the fact-built fixtures under tests/fixtures/riscv64), with
 * perturbations that clear feature bits or lower numeric fields.
 *
 * update_ms (rows up to 10,000 hosts): one host of the fleet replaced by a
 * host of another kind in an incremental baseline (cm_fleet), the model and
 * every verdict brought up to date; the mean of 200 such changes.  Timed
 * after peak_rss_MiB is taken, so that figure stays the baseline's.
 *
 * Each row runs in a child process of its own, so peak_rss_MiB is that row's
 * high-water mark alone (fleet construction included), not the largest row
 * before it.  reasons_ms renders every reason of every host the way the CLI
 * streams them: host by host, each host's reasons dropped once written, so
 * memory stays that of the verdicts.
 *
 * usage: bench_baseline FIXTURE_DIR [RISCV_FIXTURE_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
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

/* Kinds of host per seed: a fleet is a few CPU models, each in a few
 * steppings / firmware / microcode levels, not 10,000 different machines.
 * Each perturbed host is one of VARIANTS variants of its seed (the same
 * variant is the same values), so a 10,000-host fleet has at most
 * seeds x VARIANTS kinds. */
#define VARIANTS 32

/* Lowers a few fields the way a weaker host would: a smaller numeric level
 * or a missing feature bit.  `variant` fixes which (the same variant, the
 * same fields). */
static void perturb(struct cm_vector *v, uint64_t variant)
{
    uint64_t saved = rng;
    rng = 0x2545f4914f6cdd1dULL * (variant + 1);
    const struct cm_arch_ops *ops = v->ops;
    for (int k = 0; k < 3; k++) {
        size_t w = next_rand() % ops->nwords;
        if (!v->present[w] || !ops->words[w].nfields || ops->words[w].order == CM_ORDER_FIRMWARE)
            continue;
        const struct cm_field *f = &ops->words[w].fields[next_rand() % ops->words[w].nfields];
        if ((f->policy != CM_POL_LOWER_SAFE && f->policy != CM_POL_BITMAP) || f->is_signed)
            continue;
        uint64_t cur = cm_field_get(f, v->val[w]);
        uint64_t low = f->policy == CM_POL_BITMAP ? cur & ~(1ULL << (next_rand() % (f->width ? f->width : 1)))
                                                  : (cur ? next_rand() % (cur + 1) : 0);
        v->val[w] = cm_field_put(f, v->val[w], low);
    }
    rng = saved;
}

static int load(const char *path, struct cm_snapshot **s, struct cm_vector *v)
{
    cm_error err = {0};
    if (cm_snapshot_load(path, s, &err) < 0 || cm_vector_from_snapshot(*s, v, &err) < 0) {
        fprintf(stderr, "bench_baseline: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Renders every reason of every host as the CLI would print them, one host
 * at a time; returns the bytes written to the sink. */
static size_t stream_all_reasons(const struct cm_baseline *b, FILE *sink)
{
    size_t bytes = 0;
    for (size_t h = 0; h < b->nhosts; h++) {
        struct cm_reasons rs = {0};
        cm_enforceable(&b->model, b->hosts[h], &rs);
        for (size_t r = 0; r < rs.n; r++) {
            int k = fprintf(sink, "%s: %s\n", b->hosts[h]->name, rs.v[r].text);
            bytes += k > 0 ? (size_t)k : 0;
        }
        cm_reasons_free(&rs);
    }
    return bytes;
}

/* One row: n hosts from the seeds, in this (child) process. */
static void run_row(struct cm_vector *seeds, size_t nseeds, cm_kver force_kver, size_t n)
{
    struct cm_vector *v = calloc(n, sizeof(*v));
    const struct cm_vector **pv = calloc(n, sizeof(*pv));
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        cm_vector_copy(&v[i], &seeds[i % nseeds]);
        cm_vector_share_regs(&v[i], &seeds[i % nseeds]); /* hosts of one kind share one register list */
        v[i].snap = NULL; /* the merged form stands alone */
        if (i >= nseeds)
            perturb(&v[i], (i % nseeds) * VARIANTS + next_rand() % VARIANTS);
        if (force_kver)
            v[i].kver = force_kver;
        free(v[i].name);
        v[i].name = cm_xasprintf("host%06zu", i);
        pv[i] = &v[i];
        bytes += sizeof(struct cm_vector) + cm_vector_heap_bytes(&v[i]);
    }
    /* reference: one pass over every host's values (after one untimed pass,
     * as merge and verdicts below) */
    uint64_t acc = 0;
    int reps = n < 1000 ? 200 : n < 100000 ? 20 : 3;
    double t0 = now_ms();
    for (int r = 0; r < reps + 1; r++) {
        if (r == 1)
            t0 = now_ms();
        for (size_t i = 0; i < n; i++)
            for (size_t w = 0; w < v[i].ops->nwords; w++)
                acc ^= v[i].val[w] + v[i].present[w];
    }
    double scan = (now_ms() - t0) / reps;

    struct cm_vector m;
    for (int r = 0; r < reps + 1; r++) {
        if (r == 1)
            t0 = now_ms();
        cm_merge(pv, n, &m, NULL, NULL, NULL);
        cm_vector_free(&m);
    }
    double merge = (now_ms() - t0) / reps;

    /* merge + a verdict per host (text-free), timed as merge and scan are:
     * the mean of the same number of runs, the first (cold) one included;
     * then every reason streamed from the last one */
    struct cm_baseline b;
    cm_error err = {0};
    double first = 0;
    t0 = now_ms();
    for (int r = 0; r < reps + 1; r++) {
        if (r == 1)
            t0 = now_ms();
        cm_baseline_ex(pv, n, CM_BL_LAZY, &b, &err);
        if (r == 0)
            first = now_ms() - t0;
        if (r < reps)
            cm_baseline_free(&b);
    }
    double verdicts = (now_ms() - t0) / reps;
    double full = -1; /* every reason of 100,000 hosts is a report nobody reads whole: not rendered */
    if (n < 100000) {
        FILE *sink = fopen("/dev/null", "w");
        t0 = now_ms();
        stream_all_reasons(&b, sink);
        full = verdicts + (now_ms() - t0);
        fclose(sink);
    }
    cm_baseline_free(&b);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char fullbuf[32] = "-";
    if (full >= 0)
        snprintf(fullbuf, sizeof(fullbuf), "%.3f", full);
    /* incremental (a registry): one host changed to another kind, model and
     * verdicts updated; after the peak RSS above, which is the baseline's */
    char updbuf[32] = "-";
    if (n <= 10000) {
        struct cm_fleet *fl = cm_fleet_new(NULL);
        for (size_t i = 0; i < n; i++)
            cm_fleet_set(fl, i, pv[i], &err);
        cm_fleet_update_verdicts(fl);
        int changes = 200;
        t0 = now_ms();
        for (int c = 0; c < changes; c++) {
            cm_fleet_set(fl, next_rand() % n, pv[next_rand() % n], &err);
            cm_fleet_update_verdicts(fl);
        }
        snprintf(updbuf, sizeof(updbuf), "%.4f", (now_ms() - t0) / changes);
        cm_fleet_free(fl);
    }
    printf("%-7zu %10.3f %12.3f %12s %10.4f %7.1fx %11zu %12.1f %10s %13.3f%s\n", n, merge, verdicts, fullbuf, scan,
           scan > 0 ? merge / scan : 0, bytes / n, ru.ru_maxrss / 1024.0, updbuf, first, acc == 42 ? " " : "");
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        cm_vector_free(&v[i]);
    free(v);
    free(pv);
}

typedef int (*seed_loader)(struct cm_vector *seeds, struct cm_snapshot **snaps);

/* One table of figures for a set of seed hosts; every row in its own child. */
static void run_fleet(const char *title, seed_loader load_seeds, cm_kver force_kver)
{
    static const size_t sizes[] = {10, 100, 1000, 10000, 100000};
    printf("\nfleet: %s\n", title);
    printf("%-7s %10s %12s %12s %10s %8s %11s %12s %10s %13s\n", "hosts", "merge_ms", "verdicts_ms", "reasons_ms",
           "scan_ms", "ratio", "bytes/host", "peak_rss_MiB", "update_ms", "verdicts_1st");
    fflush(stdout);
    for (size_t si = 0; si < CM_ARRAY_SIZE(sizes); si++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct cm_vector seeds[8];
            struct cm_snapshot *snaps[8];
            int nseeds = load_seeds(seeds, snaps);
            if (nseeds < 0)
                _exit(2);
            run_row(seeds, (size_t)nseeds, force_kver, sizes[si]);
            _exit(0);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
            fprintf(stderr, "bench_baseline: the %zu-host row failed\n", sizes[si]);
            exit(1);
        }
    }
}

static const char *fixture_dir = "tests/data/firecracker", *rv_fixture_dir = "tests/fixtures/riscv64";

static int load_list(const char *const *files, int n, bool dumps, struct cm_vector *seeds, struct cm_snapshot **snaps)
{
    char path[4096];
    for (int i = 0; i < n; i++) {
        if (dumps)
            snprintf(path, sizeof(path), "%s/fingerprint_%shost.json", fixture_dir, files[i]);
        else
            snprintf(path, sizeof(path), "%s/%s", rv_fixture_dir, files[i]);
        if (load(path, &snaps[i], &seeds[i]) < 0)
            return -1;
    }
    return n;
}

static int arm_seeds(struct cm_vector *seeds, struct cm_snapshot **snaps)
{
    static const char *const arm[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1", "ARM_NEOVERSE_N1_5.10",
                                      "ARM_NEOVERSE_V1_5.10"};
    return load_list(arm, 4, true, seeds, snaps);
}

static int x86_seeds(struct cm_vector *seeds, struct cm_snapshot **snaps)
{
    static const char *const x86[] = {"INTEL_SKYLAKE_6.1", "INTEL_CASCADELAKE_6.1", "INTEL_ICELAKE_6.1",
                                      "INTEL_SKYLAKE_5.10", "INTEL_CASCADELAKE_5.10", "INTEL_ICELAKE_5.10"};
    return load_list(x86, 6, true, seeds, snaps);
}

static int rv_seeds(struct cm_vector *seeds, struct cm_snapshot **snaps)
{
    static const char *const rv[] = {"rv64-qemu-6.12.json", "rv64-qemu-6.12-nozba.json", "rv64-qemu-7.2.json",
                                     "rv64-qemu-7.2-v-smnpm.json"};
    return load_list(rv, 4, false, seeds, snaps);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixture_dir = argv[1];
    if (argc > 2)
        rv_fixture_dir = argv[2];
    run_fleet("arm64, the dumps' kernels (6.1 / 5.10: no writable ID registers)", arm_seeds, 0);
    run_fleet("arm64, the same silicon on Linux 6.12 (writable ID registers)", arm_seeds, CM_KVER(6, 12));
    run_fleet("x86_64, Skylake / Cascade Lake / Ice Lake on 5.10 and 6.1", x86_seeds, 0);
    run_fleet("riscv64, fact-built hosts on 6.12 and 7.2", rv_seeds, 0);
    printf("\ntargets (ratios to scan_ms, the same row's one pass over every host's values):\n"
           "  10,000 hosts: merge <= 5x scan, verdicts <= 10x scan, peak RSS <= 64 MiB\n"
           "  100,000 hosts: merge <= 5x scan, peak RSS <= 400 MiB\n"
           "  one host changed in a 10,000-host baseline: update_ms <= 1 ms\n");
    return 0;
}
