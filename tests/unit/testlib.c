/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <string.h>

#include "cpumodel/vector.h"
#include "cpumodel/arch.h"
#include "testlib.h"

const char *const tl_arm64_fixtures[6] = {
    "ARM_NEOVERSE_N1_4.14", "ARM_NEOVERSE_N1_5.10", "ARM_NEOVERSE_N1_6.1",
    "ARM_NEOVERSE_V1_4.14", "ARM_NEOVERSE_V1_5.10", "ARM_NEOVERSE_V1_6.1",
};
const char *const tl_x86_fixtures[12] = {
    "INTEL_SKYLAKE_4.14", "INTEL_SKYLAKE_5.10", "INTEL_SKYLAKE_6.1",
    "INTEL_CASCADELAKE_4.14", "INTEL_CASCADELAKE_5.10", "INTEL_CASCADELAKE_6.1",
    "INTEL_ICELAKE_4.14", "INTEL_ICELAKE_5.10", "INTEL_ICELAKE_6.1",
    "AMD_MILAN_4.14", "AMD_MILAN_5.10", "AMD_MILAN_6.1",
};

const char *tl_fixture_dir(void)
{
    static char dir[4096];
    struct stat st;
    const char *env = getenv("CPUMODEL_SOURCE_DIR");
    snprintf(dir, sizeof(dir), "%s/tests/data/firecracker", env ? env : CPUMODEL_SOURCE_DIR);
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    return NULL;
}

void tl_require_fixtures(void)
{
    /* The dumps are part of the repository: their absence is a broken checkout, not a
     * missing device, so it fails rather than skips. */
    if (!tl_fixture_dir()) {
        fprintf(stderr, "FAIL: tests/data/firecracker not found under CPUMODEL_SOURCE_DIR: the checkout "
                        "is incomplete\n");
        exit(1);
    }
}

const char *tl_fixture_path(const char *file)
{
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof(bufs[0]), "%s/%s", tl_fixture_dir(), file);
    return b;
}

struct cm_snapshot *tl_load(const char *name)
{
    char file[256];
    snprintf(file, sizeof(file), "fingerprint_%shost.json", name);
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_load(tl_fixture_path(file), &s, &err) < 0)
        ck_abort_msg("loading %s: %s", file, err.msg);
    return s;
}

int tl_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

struct cm_snapshot *tl_vec(const char *name, struct cm_vector *v)
{
    struct cm_snapshot *s = tl_load(name);
    cm_error err = {0};
    if (cm_vector_from_snapshot(s, v, &err) < 0)
        ck_abort_msg("decoding %s: %s", name, err.msg);
    return s;
}

int tl_same_values(const struct cm_vector *a, const struct cm_vector *b, char *why, size_t len)
{
    if (a->ops != b->ops)
        return snprintf(why, len, "different arch"), 0;
    if (a->nregs != b->nregs || (a->nregs && memcmp(a->reg_ids, b->reg_ids, a->nregs * sizeof(uint64_t))))
        return snprintf(why, len, "register lists differ (%zu vs %zu)", a->nregs, b->nregs), 0;
    for (size_t i = 0; i < a->ops->nwords; i++) {
        if (a->present[i] != b->present[i])
            return snprintf(why, len, "%s present %d vs %d", a->ops->words[i].name, a->present[i], b->present[i]), 0;
        if (!a->present[i])
            continue;
        if (a->novalue[i] != b->novalue[i])
            return snprintf(why, len, "%s novalue %d vs %d", a->ops->words[i].name, a->novalue[i], b->novalue[i]), 0;
        if (!a->novalue[i] && a->val[i] != b->val[i])
            return snprintf(why, len, "%s 0x%llx vs 0x%llx", a->ops->words[i].name,
                            (unsigned long long)a->val[i], (unsigned long long)b->val[i]), 0;
    }
    return 1;
}

void tl_set_dumps(struct tl_set *s, const char *const *names, size_t n, cm_kver force)
{
    cm_error err = {0};
    ck_assert_uint_le(n, TL_SET_MAX);
    for (size_t i = 0; i < n; i++) {
        s->snap[i] = tl_load(names[i]);
        if (force)
            s->snap[i]->kver = force;
        ck_assert_msg(cm_vector_from_snapshot(s->snap[i], &s->vec[i], &err) == 0, "%s", err.msg);
    }
    s->n = n;
}

void tl_set_riscv(struct tl_set *s)
{
    static const char *const files[] = {"rv64-qemu-6.12.json", "rv64-qemu-7.2.json", "rv64-qemu-6.12-nozba.json",
                                        "rv64-qemu-7.2-v-smnpm.json"};
    const char *src = getenv("CPUMODEL_SOURCE_DIR");
    cm_error err = {0};
    for (size_t i = 0; i < 4; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/tests/fixtures/riscv64/%s", src ? src : CPUMODEL_SOURCE_DIR, files[i]);
        ck_assert_msg(cm_snapshot_load(path, &s->snap[i], &err) == 0, "%s", err.msg);
        ck_assert_msg(cm_vector_from_snapshot(s->snap[i], &s->vec[i], &err) == 0, "%s", err.msg);
    }
    s->n = 4;
}

const char *tl_set_fleet(struct tl_set *s, int which)
{
    switch (which) {
    case 0: tl_set_dumps(s, tl_arm64_fixtures, 6, 0); return "arm64 dumps";
    case 1: tl_set_dumps(s, tl_arm64_fixtures, 6, CM_KVER(6, 12)); return "arm64 dumps on 6.12";
    case 2: tl_set_dumps(s, tl_x86_fixtures, 12, 0); return "x86_64 dumps";
    default: tl_set_riscv(s); return "riscv64 lab snapshots";
    }
}

void tl_set_free(struct tl_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        cm_vector_free(&s->vec[i]);
        cm_snapshot_free(s->snap[i]);
    }
    s->n = 0;
}
