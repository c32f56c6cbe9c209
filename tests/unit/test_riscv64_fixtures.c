/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The riscv64 JSON fixtures in tests/fixtures/riscv64/ are the fact-built
 * snapshots of helpers/rv_fixtures.c written with cm_snapshot_save().  This
 * test keeps them in sync (and checks that they load): regenerate with
 *   CPUMODEL_RV_WRITE_FIXTURES=tests/fixtures/riscv64 build/tests/test_riscv64_fixtures
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "helpers/rv_fixtures.h"
#include "testlib.h"

struct fx {
    const char *file;
    const char *host, *kernel;
    unsigned add[4], nadd;
    unsigned del[4], ndel;
};

static const struct fx fixtures[] = {
    {"rv64-qemu-6.12.json", "rv64-qemu-612", "6.12.107+deb13-riscv64", {0}, 0, {0}, 0},
    {"rv64-qemu-7.2.json", "rv64-qemu-72", "7.2.13+deb14-riscv64", {0}, 0, {0}, 0},
    /* QEMU rv64,h=true,zba=false on 6.12: ZBA cannot be disabled by KVM, so this host splits a cluster */
    {"rv64-qemu-6.12-nozba.json", "rv64-qemu-612-nozba", "6.12.107+deb13-riscv64", {0}, 0, {RVF_ZBA}, 1},
    /* 7.2 with V and Smnpm (disable-able from 6.18) */
    {"rv64-qemu-7.2-v-smnpm.json", "rv64-qemu-72-v", "7.2.13+deb14-riscv64", {RVF_V, RVF_SMNPM}, 2, {0}, 0},
};

static struct cm_snapshot *build(const struct fx *f)
{
    struct rvf_opts o;
    rvf_defaults(&o, f->host, f->kernel);
    for (unsigned i = 0; i < f->nadd; i++)
        rvf_set(&o, f->add[i]);
    for (unsigned i = 0; i < f->ndel; i++)
        rvf_clear(&o, f->del[i]);
    return rvf_build(&o);
}

START_TEST(fixtures_in_sync)
{
    const struct fx *f = &fixtures[_i];
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fixtures/riscv64/%s",
             getenv("CPUMODEL_SOURCE_DIR") ? getenv("CPUMODEL_SOURCE_DIR") : CPUMODEL_SOURCE_DIR, f->file);
    struct cm_snapshot *want = build(f), *got = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_load(path, &got, &err) == 0, "%s (regenerate: see the comment at the top)", err.msg);
    ck_assert_int_eq(got->arch, CM_ARCH_RISCV64);
    ck_assert_str_eq(got->host, want->host);
    ck_assert_str_eq(got->kernel, want->kernel);
    ck_assert_uint_eq(got->nregs, want->nregs);
    for (size_t i = 0; i < got->nregs; i++) {
        ck_assert_uint_eq(got->regs[i].id, want->regs[i].id);
        ck_assert(!memcmp(cm_snapshot_reg_val(got, &got->regs[i]), cm_snapshot_reg_val(want, &want->regs[i]),
                          cm_reg_words(got->regs[i].id) * sizeof(uint64_t)));
    }
    struct cm_vector v;
    ck_assert_msg(cm_vector_from_snapshot(got, &v, &err) == 0, "%s", err.msg);
    cm_vector_free(&v);
    cm_snapshot_free(got);
    cm_snapshot_free(want);
}
END_TEST

int main(void)
{
    const char *out = getenv("CPUMODEL_RV_WRITE_FIXTURES");
    if (out) {
        for (size_t i = 0; i < CM_ARRAY_SIZE(fixtures); i++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", out, fixtures[i].file);
            struct cm_snapshot *s = build(&fixtures[i]);
            cm_error err = {0};
            if (cm_snapshot_save(s, path, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            printf("wrote %s (%zu registers)\n", path, s->nregs);
            cm_snapshot_free(s);
        }
        return 0;
    }
    Suite *s = suite_create("riscv64_fixtures");
    TCase *tc = tcase_create("json");
    tcase_add_loop_test(tc, fixtures_in_sync, 0, (int)CM_ARRAY_SIZE(fixtures));
    suite_add_tcase(s, tc);
    return tl_run(s);
}
