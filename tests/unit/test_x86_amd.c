/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AMD-specific x86 modelling (issue 9 items 7 and 9), on the real Milan dumps
 * and on hosts built from them with documented facts (helpers/x86_edit.c):
 *  - CPUID 0x80000022 (PerfMonV2) and its MSRs 0xC0000300-0xC0000303: a
 *    Milan + Genoa model must not keep PerfMonV2, in the model and in the plan
 *    for the Genoa host (its CPUID table for KVM_SET_CPUID2 and its registers);
 *  - CPUID 0x8000001F (SEV/SME): the Milan 5.10 dump passes SEV bits through,
 *    the 6.1 one (KVM without SEV) reports zeros: the model has none;
 *  - IA32_ARCH_CAPABILITIES: KVM takes a host write of a non-zero value only
 *    when the guest CPUID has arch_capabilities (7.0 EDX bit 29), so a plan
 *    must not write it on a host whose KVM does not offer that flag.
 * Expected values come from the AMD APM / KVM rules cited in x86_edit.c and
 * docs/x86_64.md, never from the code under test.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"
#include "helpers/x86_edit.h"
#include "../../libcpumodel/x86_64/x86.h"

#define PERFMON_V2 (1u << 0)  /* CPUID 0x80000022 EAX[0] (AMD APM vol. 3) */
#define ARCH_CAP_FLAG 29      /* CPUID 7.0 EDX[29] (Intel SDM; KVM emulates it on AMD) */
#define SEV (1u << 1)         /* CPUID 0x8000001F EAX[1] */

static const uint32_t perfmon_msrs[] = {0xc0000300, 0xc0000301, 0xc0000302, 0xc0000303};

static void decode(struct cm_snapshot *s, struct cm_vector *v)
{
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "%s", err.msg);
}

static long slot(const struct cm_vector *v, uint64_t id) { return cm_vector_word_index(v, id); }

static bool word(const struct cm_vector *v, uint64_t id, uint64_t *val)
{
    long i = slot(v, id);
    if (i < 0 || !v->present[i])
        return false;
    *val = v->val[i];
    return true;
}

/* The plan's CPUID entry for leaf/subleaf 0 (NULL when the table leaves it out). */
static json_object *plan_leaf(const struct cm_plan *p, uint32_t leaf)
{
    json_object *t, *x;
    ck_assert(p->extra && json_object_object_get_ex(p->extra, "cpuid", &t));
    for (size_t i = 0; i < json_object_array_length(t); i++) {
        json_object *e = json_object_array_get_idx(t, i);
        ck_assert(json_object_object_get_ex(e, "function", &x));
        if (strtoul(json_object_get_string(x), NULL, 16) == leaf)
            return e;
    }
    return NULL;
}

static uint32_t plan_reg(json_object *e, const char *reg)
{
    json_object *x;
    ck_assert(json_object_object_get_ex(e, reg, &x));
    return (uint32_t)strtoul(json_object_get_string(x), NULL, 16);
}

static bool plan_msr(const struct cm_plan *p, uint32_t index, uint64_t *value)
{
    json_object *t, *x;
    ck_assert(p->extra && json_object_object_get_ex(p->extra, "msrs", &t));
    for (size_t i = 0; i < json_object_array_length(t); i++) {
        json_object *e = json_object_array_get_idx(t, i);
        ck_assert(json_object_object_get_ex(e, "index", &x));
        if (strtoul(json_object_get_string(x), NULL, 16) != index)
            continue;
        ck_assert(json_object_object_get_ex(e, "value", &x));
        *value = strtoull(json_object_get_string(x), NULL, 16);
        return true;
    }
    return false;
}

/* The plan's CPUID table as a host snapshot (what KVM_SET_CPUID2 receives). */
static struct cm_snapshot *table_of(const struct cm_plan *p)
{
    static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
    json_object *t, *x;
    ck_assert(json_object_object_get_ex(p->extra, "cpuid", &t));
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_X86_64);
    for (size_t i = 0; i < json_object_array_length(t); i++) {
        json_object *e = json_object_array_get_idx(t, i);
        uint32_t v[7];
        const char *k[] = {"function", "index", "flags"};
        for (int j = 0; j < 3; j++) {
            ck_assert(json_object_object_get_ex(e, k[j], &x));
            v[j] = (uint32_t)strtoul(json_object_get_string(x), NULL, 16);
        }
        for (int r = 0; r < 4; r++)
            v[3 + r] = plan_reg(e, regs[r]);
        cm_snapshot_add_cpuid(s, &(struct cm_cpuid_entry){v[0], v[1], v[2], v[3], v[4], v[5], v[6]});
    }
    return s;
}

static const struct cm_reason *reason_on(const struct cm_reasons *r, uint64_t reg, enum cm_severity sev)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].reg == reg && r->v[i].sev == sev)
            return &r->v[i];
    return NULL;
}

/* The Genoa-like host decodes to PerfMonV2 with 6 core counters and lists the
 * four global-control MSRs; the Milan dump has neither. */
START_TEST(genoa_like_has_perfmon_v2)
{
    struct cm_snapshot *g = x86_genoa_like(), *m = tl_load("AMD_MILAN_6.1");
    struct cm_vector gv, mv;
    decode(g, &gv);
    decode(m, &mv);
    uint64_t eax = 0, ebx = 0;
    ck_assert(word(&gv, CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EAX), &eax));
    ck_assert(word(&gv, CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EBX), &ebx));
    ck_assert_uint_eq(eax & PERFMON_V2, PERFMON_V2);
    ck_assert_uint_eq(ebx & 0xf, 6);
    ck_assert_int_eq(cm_x86_has_flag(&gv, "perfmon_v2"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&mv, "perfmon_v2"), 0); /* Milan 6.1: max ext leaf 0x80000021 */
    for (size_t i = 0; i < CM_ARRAY_SIZE(perfmon_msrs); i++) {
        ck_assert(cm_vector_has_reg(&gv, CM_X86_MSR_ID(perfmon_msrs[i])));
        ck_assert(!cm_vector_has_reg(&mv, CM_X86_MSR_ID(perfmon_msrs[i])));
    }
    cm_vector_free(&gv);
    cm_vector_free(&mv);
    cm_snapshot_free(g);
    cm_snapshot_free(m);
}
END_TEST

/* Milan (as the 6.1 dump, or on a 6.3+ kernel listing a zero 0x80000022) +
 * Genoa: the model has no PerfMonV2, the plan for Genoa presents none (its
 * 0x80000022 EAX bit 0 clear, or the leaf above the model's maximum) and
 * classifies the four MSRs hidden (the model hides the flag that gates them),
 * never keeps them as state to restore. */
static void check_milan_genoa(struct cm_snapshot *milan, bool leaf_in_model)
{
    struct cm_snapshot *g = x86_genoa_like();
    struct cm_vector mv, gv;
    decode(milan, &mv);
    decode(g, &gv);
    const struct cm_vector *h[] = {&mv, &gv};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(h, 2, false, &b, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "perfmon_v2"), 0);
    uint64_t ext = 0, eax = 0, ebx = 0;
    ck_assert(word(&b.model, CM_X86_CPUID_ID(0x80000000, 0, CM_X86_EAX), &ext));
    ck_assert_uint_eq(ext, leaf_in_model ? 0x80000022 : 0x80000021);
    if (leaf_in_model) {
        ck_assert(word(&b.model, CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EAX), &eax));
        ck_assert(word(&b.model, CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EBX), &ebx));
        ck_assert_uint_eq(eax, 0);
        ck_assert_uint_eq(ebx & 0xf, 0); /* LOWER_SAFE: Milan reports 0 core counters here */
    }
    for (size_t i = 0; i < CM_ARRAY_SIZE(perfmon_msrs); i++)
        ck_assert(!cm_vector_has_reg(&b.model, CM_X86_MSR_ID(perfmon_msrs[i])));
    for (size_t i = 0; i < 2; i++)
        ck_assert_msg(b.verdicts[i].enforceable, "%s", b.verdicts[i].reasons.n ? b.verdicts[i].reasons.v[0].text : "");

    /* the model as a snapshot (what `baseline` publishes) and its plan for Genoa */
    struct cm_snapshot *ms = cm_model_snapshot(&b.model, h, 2, &err);
    ck_assert_msg(ms, "%s", err.msg);
    struct cm_vector model;
    decode(ms, &model);
    struct cm_plan p;
    ck_assert_msg(cm_plan_make(&model, g, &p, &err) == 0, "%s", err.msg);
    ck_assert_msg(p.ok, "%s", p.reasons.n ? p.reasons.v[0].text : "");
    json_object *e = plan_leaf(&p, 0x80000022);
    if (leaf_in_model) {
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(plan_reg(e, "eax") & PERFMON_V2, 0);
        ck_assert_uint_eq(plan_reg(e, "ebx") & 0xf, 0);
    } else {
        ck_assert_ptr_null(e); /* above the model's maximum extended leaf: it vanishes */
    }
    json_object *e0 = plan_leaf(&p, 0x80000000);
    ck_assert_ptr_nonnull(e0);
    ck_assert_uint_eq(plan_reg(e0, "eax"), ext);
    for (size_t i = 0; i < CM_ARRAY_SIZE(perfmon_msrs); i++) {
        uint64_t v;
        ck_assert(!plan_msr(&p, perfmon_msrs[i], &v));
        bool seen = false;
        for (size_t k = 0; k < p.nrollback; k++)
            if (p.rollback[k].id == CM_X86_MSR_ID(perfmon_msrs[i])) {
                seen = true;
                ck_assert_msg(p.rollback[k].cls == CM_RB_HIDDEN, "MSR 0x%x: %s", perfmon_msrs[i], p.rollback[k].why);
                ck_assert_msg(strstr(p.rollback[k].why, "perfmon_v2"), "%s", p.rollback[k].why);
            }
        ck_assert_msg(seen, "MSR 0x%x is not in the Genoa plan's register list", perfmon_msrs[i]);
    }
    /* what a guest of Genoa sees once the VMM passed the plan's table to
     * KVM_SET_CPUID2: that table, decoded as any CPUID table */
    struct cm_vector after;
    struct cm_snapshot *seen = table_of(&p);
    decode(seen, &after);
    ck_assert_int_eq(cm_x86_has_flag(&after, "perfmon_v2"), 0);
    cm_snapshot_free(seen);

    /* compare: a Genoa guest cannot keep PerfMonV2 on Milan; a model guest runs on both */
    struct cm_reasons r = {0};
    ck_assert(!cm_compare(&gv, &mv, milan, &r));
    /* named on PerfMonV2 itself, or (Milan 6.1 lists no 0x80000022) on the maximum extended leaf */
    ck_assert(reason_on(&r, CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EAX), CM_SEV_ERROR) ||
              (!leaf_in_model && reason_on(&r, CM_X86_CPUID_ID(0x80000000, 0, CM_X86_EAX), CM_SEV_ERROR)));
    cm_reasons_free(&r);
    ck_assert(cm_compare(&model, &mv, milan, &r));
    cm_reasons_free(&r);
    ck_assert(cm_compare(&model, &gv, g, &r));
    cm_reasons_free(&r);

    cm_vector_free(&after);
    cm_plan_free(&p);
    cm_vector_free(&model);
    cm_snapshot_free(ms);
    cm_baseline_free(&b);
    cm_vector_free(&mv);
    cm_vector_free(&gv);
    cm_snapshot_free(g);
    cm_snapshot_free(milan);
}

START_TEST(milan_6_1_genoa_drops_perfmon_v2)
{
    check_milan_genoa(tl_load("AMD_MILAN_6.1"), false);
}
END_TEST

START_TEST(milan_newer_genoa_drops_perfmon_v2)
{
    check_milan_genoa(x86_milan_newer_kernel(), true);
}
END_TEST

/* Two Genoa hosts keep PerfMonV2, its counters and its MSRs (the rule drops
 * it only when a member lacks it). */
START_TEST(genoa_pair_keeps_perfmon_v2)
{
    struct cm_snapshot *a = x86_genoa_like(), *c = x86_genoa_like();
    struct cm_vector av, cv;
    decode(a, &av);
    decode(c, &cv);
    const struct cm_vector *h[] = {&av, &cv};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert(cm_baseline(h, 2, false, &b, &err) == 0);
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "perfmon_v2"), 1);
    uint64_t ebx = 0;
    ck_assert(word(&b.model, CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EBX), &ebx));
    ck_assert_uint_eq(ebx & 0xf, 6);
    for (size_t i = 0; i < CM_ARRAY_SIZE(perfmon_msrs); i++)
        ck_assert(cm_vector_has_reg(&b.model, CM_X86_MSR_ID(perfmon_msrs[i])));
    cm_baseline_free(&b);
    cm_vector_free(&av);
    cm_vector_free(&cv);
    cm_snapshot_free(a);
    cm_snapshot_free(c);
}
END_TEST

/* 0x8000001F on the real dumps: Milan 5.10 passes SEV/SME through (EAX
 * 0x0101fd3f), Milan 6.1 reports zeros (its KVM does not offer SEV).  The
 * model has no SEV, the plan for the 5.10 host writes 0x8000001F EAX without
 * it, and a 5.10 guest seeing SEV cannot move to 6.1. */
START_TEST(sev_dropped_milan_5_10_6_1)
{
    struct cm_snapshot *s5 = tl_load("AMD_MILAN_5.10"), *s6 = tl_load("AMD_MILAN_6.1");
    struct cm_vector v5, v6;
    decode(s5, &v5);
    decode(s6, &v6);
    ck_assert_int_eq(cm_x86_has_flag(&v5, "sev"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&v5, "sme"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&v6, "sev"), 0);
    const struct cm_vector *h[] = {&v5, &v6};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert(cm_baseline(h, 2, false, &b, &err) == 0);
    uint64_t eax = 1, ebx = 1;
    ck_assert(word(&b.model, CM_X86_CPUID_ID(0x8000001f, 0, CM_X86_EAX), &eax));
    ck_assert(word(&b.model, CM_X86_CPUID_ID(0x8000001f, 0, CM_X86_EBX), &ebx));
    ck_assert_uint_eq(eax, 0);
    ck_assert_uint_eq(ebx & 0x3f, 0); /* C-bit positions differ (0x33 vs 0): none */
    struct cm_plan p;
    ck_assert(cm_plan_make(&b.model, s5, &p, &err) == 0);
    ck_assert_msg(p.ok, "%s", p.reasons.n ? p.reasons.v[0].text : "");
    json_object *e = plan_leaf(&p, 0x8000001f);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(plan_reg(e, "eax") & SEV, 0);
    cm_plan_free(&p);
    struct cm_reasons r = {0};
    ck_assert(!cm_compare(&v5, &v6, s6, &r));
    const struct cm_reason *why = reason_on(&r, CM_X86_CPUID_ID(0x8000001f, 0, CM_X86_EAX), CM_SEV_ERROR);
    ck_assert_ptr_nonnull(why);
    cm_reasons_free(&r);
    cm_baseline_free(&b);
    cm_vector_free(&v5);
    cm_vector_free(&v6);
    cm_snapshot_free(s5);
    cm_snapshot_free(s6);
}
END_TEST

/* Item 9, offline: the AMD host's KVM reads IA32_ARCH_CAPABILITIES =
 * X86_AMD_ZEN_ARCH_CAP on the system fd, but takes a vCPU write of a non-zero
 * value only when the guest CPUID has arch_capabilities (x86.c
 * kvm_set_msr_common -> KVM_MSR_RET_UNSUPPORTED; kvm_do_msr_access lets a
 * host write of 0 through, nothing else).  On the Milan dump (7.0 EDX without
 * bit 29) the host's own plan must write no ARCH_CAPABILITIES value; with the
 * flag (what mainline 6.13+ reports: EMULATED_F(ARCH_CAPABILITIES)) the value
 * is modelled and a guest using it cannot go to the host without the flag. */
START_TEST(arch_capabilities_needs_its_cpuid_flag)
{
    const struct x86_edit no_flag[] = {{.kind = X86E_MSR, .index = 0x10a, .set = X86_AMD_ZEN_ARCH_CAP, .clear = ~0ULL}};
    const struct x86_edit with_flag[] = {
        {.kind = X86E_MSR, .index = 0x10a, .set = X86_AMD_ZEN_ARCH_CAP, .clear = ~0ULL},
        {.kind = X86E_CPUID, .leaf = 7, .sub = 0, .reg = CM_X86_EDX, .set = 1u << ARCH_CAP_FLAG},
    };
    struct cm_snapshot *n = x86_edited("AMD_MILAN_6.1", "amd-no-flag", no_flag, 1);
    struct cm_snapshot *f = x86_edited("AMD_MILAN_6.1", "amd-flag", with_flag, 2);
    ck_assert_uint_eq(X86_AMD_ZEN_ARCH_CAP, 0x400000000c000069ULL); /* the value the EPYC 6.18 host read */
    ck_assert_ptr_nonnull(cm_snapshot_find_msr(n, 0x10a));
    struct cm_vector nv, fv;
    decode(n, &nv);
    decode(f, &fv);
    uint64_t v = 0;
    ck_assert(!word(&nv, CM_X86_MSR_ID(0x10a), &v));
    ck_assert(word(&fv, CM_X86_MSR_ID(0x10a), &v));
    ck_assert_uint_eq(v, X86_AMD_ZEN_ARCH_CAP);

    /* the host's own model: its plan writes no ARCH_CAPABILITIES (KVM would refuse it) */
    cm_error err = {0};
    struct cm_plan p;
    ck_assert(cm_plan_make(&nv, n, &p, &err) == 0);
    ck_assert(p.ok);
    ck_assert(!plan_msr(&p, 0x10a, &v));
    for (size_t i = 0; i < p.nwrites; i++)
        ck_assert(p.writes[i].id != CM_X86_MSR_ID(0x10a));
    json_object *e7 = plan_leaf(&p, 7);
    ck_assert_uint_eq((plan_reg(e7, "edx") >> ARCH_CAP_FLAG) & 1, 0);
    cm_plan_free(&p);

    /* with the flag: the value is written, after the CPUID table that offers the flag */
    ck_assert(cm_plan_make(&fv, f, &p, &err) == 0);
    ck_assert(p.ok);
    ck_assert(plan_msr(&p, 0x10a, &v));
    ck_assert_uint_eq(v, X86_AMD_ZEN_ARCH_CAP);
    e7 = plan_leaf(&p, 7);
    ck_assert_uint_eq((plan_reg(e7, "edx") >> ARCH_CAP_FLAG) & 1, 1);
    cm_plan_free(&p);

    /* a guest with the flag and the value cannot go where KVM lacks the flag:
     * compare and the plan say so before any write is tried */
    struct cm_reasons r = {0};
    ck_assert(!cm_compare(&fv, &nv, n, &r));
    ck_assert_ptr_nonnull(reason_on(&r, CM_X86_CPUID_ID(7, 0, CM_X86_EDX), CM_SEV_ERROR));
    cm_reasons_free(&r);
    ck_assert(cm_plan_make(&fv, n, &p, &err) == 0);
    ck_assert(!p.ok);
    cm_plan_free(&p);
    /* the other way is fine: the model without the flag leaves the MSR out */
    ck_assert(cm_compare(&nv, &fv, f, &r));
    cm_reasons_free(&r);

    cm_vector_free(&nv);
    cm_vector_free(&fv);
    cm_snapshot_free(n);
    cm_snapshot_free(f);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("x86_amd");
    TCase *tc = tcase_create("amd");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, genoa_like_has_perfmon_v2);
    tcase_add_test(tc, milan_6_1_genoa_drops_perfmon_v2);
    tcase_add_test(tc, milan_newer_genoa_drops_perfmon_v2);
    tcase_add_test(tc, genoa_pair_keeps_perfmon_v2);
    tcase_add_test(tc, sev_dropped_milan_5_10_6_1);
    tcase_add_test(tc, arch_capabilities_needs_its_cpuid_flag);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
