/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The QEMU -cpu export for the real dumps.  Expected values come from the
 * dumps (CPUID leaf 0 and 0x80000000 of the model's members) and from the
 * CPU manuals (Ice Lake adds AVX512_VBMI to Cascade Lake; Neoverse V1 adds
 * SHA3 to N1), never from the code under test.  QEMU's own acceptance of the
 * argument is tests/test_cli_export_qemu.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "export.h"
#include "testlib.h"

static struct cm_snapshot *model_of(struct cm_snapshot **hosts, size_t n)
{
    struct cm_vector v[4];
    const struct cm_vector *pv[4];
    cm_error err = {0};
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(cm_vector_from_snapshot(hosts[i], &v[i], &err) == 0, "%s", err.msg);
        pv[i] = &v[i];
    }
    struct cm_vector m;
    ck_assert_msg(cm_merge(pv, n, &m, NULL, NULL, &err) == 0, "%s", err.msg);
    struct cm_snapshot *ms = cm_model_snapshot(&m, pv, n, &err);
    ck_assert_msg(ms, "%s", err.msg);
    cm_vector_free(&m);
    for (size_t i = 0; i < n; i++)
        cm_vector_free(&v[i]);
    return ms;
}

static bool has_item(const char *arg, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = arg; (p = strstr(p, item)); p++)
        if ((p == arg || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

static bool cannot_names(const struct cm_export *e, const char *needle)
{
    for (size_t i = 0; i < e->cannot.n; i++)
        if (strstr(e->cannot.v[i].text, needle))
            return true;
    return false;
}

START_TEST(x86_cascadelake_icelake)
{
    struct cm_snapshot *h[2] = {tl_load("INTEL_CASCADELAKE_6.1"), tl_load("INTEL_ICELAKE_6.1")};
    struct cm_snapshot *ms = model_of(h, 2);
    /* the levels: the lower of the members' CPUID.0.EAX / CPUID.80000000.EAX */
    uint32_t level = UINT32_MAX, xlevel = UINT32_MAX;
    for (int k = 0; k < 2; k++) {
        const struct cm_cpuid_entry *e0 = cm_snapshot_find_cpuid(h[k], 0, 0), *e8 = cm_snapshot_find_cpuid(h[k], 0x80000000u, 0);
        ck_assert(e0 && e8);
        level = e0->eax < level ? e0->eax : level;
        xlevel = e8->eax < xlevel ? e8->eax : xlevel;
    }
    char want[128];
    snprintf(want, sizeof(want), "kvm64,vendor=GenuineIntel,level=0x%x,xlevel=0x%x,", level, xlevel);
    cm_error err = {0};
    for (int k = 0; k < 2; k++) {
        struct cm_export e;
        ck_assert_msg(cm_export_make("qemu", ms, h[k], &e, &err) == 0, "%s", err.msg);
        ck_assert_msg(e.ok, "%s", e.reasons.n ? e.reasons.v[0].text : "?");
        /* the signatures differ (family 6 models 0x55 and 0x6a): no family/model property */
        ck_assert_msg(!strncmp(e.text, want, strlen(want)), "%.120s vs %s", e.text, want);
        ck_assert_msg(has_item(e.text, "+avx512f") && has_item(e.text, "-avx512vbmi") && has_item(e.text, "+sse4.2") &&
                          has_item(e.text, "-vmx"),
                      "%s", e.text);
        /* every flag once */
        ck_assert_msg(!has_item(e.text, "+avx512vbmi") && !has_item(e.text, "-avx512f"), "%s", e.text);
        struct json_object *cpu;
        ck_assert(json_object_object_get_ex(e.data, "cpu", &cpu) && !strcmp(json_object_get_string(cpu), e.text));
        cm_export_free(&e);
    }
    /* Ice Lake offers leaf 7 subleaves the model (max subleaf of Cascade Lake) does not: not expressible */
    struct cm_export e;
    ck_assert_int_eq(cm_export_make("qemu", ms, h[1], &e, &err), 0);
    ck_assert_msg(cannot_names(&e, "max_subleaf"), "cannot-express: %zu items", e.cannot.n);
    cm_export_free(&e);
    for (int k = 0; k < 2; k++)
        cm_snapshot_free(h[k]);
    cm_snapshot_free(ms);
}
END_TEST

START_TEST(arm64_neoverse)
{
    struct cm_snapshot *h[2] = {tl_load("ARM_NEOVERSE_N1_6.1"), tl_load("ARM_NEOVERSE_V1_6.1")};
    struct cm_snapshot *ms = model_of(h, 2);
    cm_error err = {0};
    struct cm_export e;
    /* V1 offers everything the model has; what it has beyond needs ID register writes */
    ck_assert_msg(cm_export_make("qemu", ms, h[1], &e, &err) == 0, "%s", err.msg);
    ck_assert_msg(e.ok, "%s", e.reasons.n ? e.reasons.v[0].text : "?");
    ck_assert_msg(!strncmp(e.text, "host", 4), "%s", e.text);
    ck_assert_msg(cannot_names(&e, "ID_AA64ISAR0_EL1.SHA3") && cannot_names(&e, "ID_AA64MMFR2_EL1.EVT"),
                  "cannot-express lacks SHA3/EVT (%zu items)", e.cannot.n);
    ck_assert(!cannot_names(&e, "MIDR")); /* identity: the model carries no value */
    cm_export_free(&e);
    /* N1 differs from the model only where V1 limits it */
    /* N1 on 6.1 cannot take a guest saved with V1's identity: MIDR_EL1 is
     * invariant before 6.15 (KVM-FACTS §A.3.3), a restore is EINVAL there */
    ck_assert_int_eq(cm_export_make("qemu", ms, h[0], &e, &err), 0);
    ck_assert(!e.ok);
    bool midr = false;
    for (size_t r = 0; r < e.reasons.n; r++)
        midr |= e.reasons.v[r].rule && !strcmp(e.reasons.v[r].rule, "restore-refused") && strstr(e.reasons.v[r].text, "MIDR_EL1");
    ck_assert_msg(midr, "N1's refusal does not name MIDR_EL1 (%zu reasons)", e.reasons.n);
    cm_export_free(&e);
    cm_snapshot_free(ms);
    /* V1 as the model, N1 the host: N1 lacks SHA3: refused with the reason, no argument */
    struct cm_snapshot *v1only[1] = {h[1]};
    ms = model_of(v1only, 1);
    ck_assert_int_eq(cm_export_make("qemu", ms, h[0], &e, &err), 0);
    ck_assert_msg(!e.ok && !e.text, "N1 got an argument for a V1 model");
    bool sha3 = false;
    for (size_t i = 0; i < e.reasons.n; i++)
        sha3 |= e.reasons.v[i].sev == CM_SEV_ERROR && strstr(e.reasons.v[i].text, "SHA3") != NULL;
    ck_assert_msg(sha3, "the reasons do not name SHA3");
    cm_export_free(&e);
    cm_snapshot_free(ms);
    for (int k = 0; k < 2; k++)
        cm_snapshot_free(h[k]);
}
END_TEST

static struct cm_snapshot *load_rv(const char *file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/fixtures/riscv64/%s", CPUMODEL_SOURCE_DIR, file);
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_load(path, &s, &err) == 0, "%s", err.msg);
    return s;
}

START_TEST(riscv64_extensions)
{
    struct cm_snapshot *h[2] = {load_rv("rv64-qemu-6.12.json"), load_rv("rv64-qemu-6.12-nozba.json")};
    struct cm_snapshot *ms = model_of(h, 2);
    cm_error err = {0};
    struct cm_export e;
    ck_assert_msg(cm_export_make("qemu", ms, h[0], &e, &err) == 0, "%s", err.msg);
    ck_assert(e.ok);
    ck_assert_msg(!strncmp(e.text, "host,", 5) && has_item(e.text, "zbb=on") && has_item(e.text, "i=on"), "%s", e.text);
    /* the model lacks Zba; KVM on 6.12 cannot disable it (kvm_riscv_vcpu_isa_disable_allowed) */
    ck_assert_msg(!strstr(e.text, "zba="), "%s", e.text);
    ck_assert_msg(cannot_names(&e, "ISA_EXT.zba"), "zba not in cannot-express");
    cm_export_free(&e);
    /* firecracker has no riscv64 template */
    ck_assert_int_ne(cm_export_make("firecracker", ms, h[0], &e, &err), 0);
    ck_assert_msg(strstr(err.msg, "riscv64"), "%s", err.msg);
    cm_snapshot_free(ms);
    for (int k = 0; k < 2; k++)
        cm_snapshot_free(h[k]);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("export_qemu");
    TCase *tc = tcase_create("qemu");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, x86_cascadelake_icelake);
    tcase_add_test(tc, arm64_neoverse);
    tcase_add_test(tc, riscv64_extensions);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
