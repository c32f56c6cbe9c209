/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 register-list differences: vanishing() (registers KVM hides once a
 * feature is restricted away) and classify_missing() (a register the host
 * lists and an older member kernel does not).  Facts: KVM-FACTS §A.4, §A.5.
 * Hand-built hosts for the newer-kernel cases, the real 5.10/6.1 dumps for
 * the differences that actually occur between those kernels.
 */
#include <string.h>

#include "../../libcpumodel/arm64/arm64.h"
#include "cpumodel/arch.h"
#include "cpumodel/vector.h"
#include "testlib.h"

struct reg {
    uint64_t id, val;
};

/* A hand-built host: kernel maj.min, init features, registers. */
static void build(struct cm_vector *v, struct cm_snapshot **sp, unsigned maj, unsigned min, uint32_t feat,
                  const struct reg *regs, size_t n)
{
    cm_error err = {0};
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_ARM64);
    cm_snapshot_set_str(&s->host, "hand-built");
    s->kver = CM_KVER(maj, min);
    s->has_vcpu_features = true;
    s->vcpu_features = feat;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(cm_snapshot_add_reg(s, regs[i].id, &regs[i].val, 0, &err), 0);
    ck_assert_int_eq(cm_snapshot_finish(s, &err), 0);
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "%s", err.msg);
    *sp = s;
}

static bool contains(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

#define MMFR3_TCRX (1ULL << 0)
#define MMFR3_S1PIE (1ULL << 8)
#define MMFR3_S1POE (1ULL << 16)
#define PFR2_FPMR (1ULL << 32)

START_TEST(tcr2_and_fpmr_vanish)
{
    /* a 6.13 host with TCRX, S1PIE, S1POE and FPMR lists their registers */
    const struct reg hregs[] = {
        {A64_ID_AA64MMFR3, MMFR3_TCRX | MMFR3_S1PIE | MMFR3_S1POE},
        {A64_ID_AA64PFR2, PFR2_FPMR},
        {A64_TCR2_EL1, 0}, {A64_PIRE0_EL1, 0}, {A64_PIR_EL1, 0}, {A64_POR_EL1, 0}, {A64_POR_EL0, 0},
        {A64_FPMR, 0},
    };
    /* the model hides TCRX and FPMR, keeps S1PIE/S1POE */
    const struct reg mregs[] = {
        {A64_ID_AA64MMFR3, MMFR3_S1PIE | MMFR3_S1POE},
        {A64_ID_AA64PFR2, 0},
    };
    struct cm_snapshot *hs, *ms;
    struct cm_vector host, model;
    build(&host, &hs, 6, 13, 0, hregs, CM_ARRAY_SIZE(hregs));
    build(&model, &ms, 6, 13, 0, mregs, CM_ARRAY_SIZE(mregs));
    uint64_t *ids = NULL;
    size_t n = 0;
    cm_arm64_ops.vanishing(&host, &model, &ids, &n);
    ck_assert(contains(ids, n, A64_TCR2_EL1));
    ck_assert(contains(ids, n, A64_FPMR));
    ck_assert(!contains(ids, n, A64_PIR_EL1));
    ck_assert(!contains(ids, n, A64_POR_EL1));
    ck_assert_uint_eq(n, 2);
    free(ids);
    cm_vector_free(&host);
    cm_snapshot_free(hs);

    /* the same host on 6.8: TCR2/PIRE0/PIR are listed unconditionally (6.5-6.12), nothing vanishes but FPMR */
    build(&host, &hs, 6, 8, 0, hregs, CM_ARRAY_SIZE(hregs));
    ids = NULL;
    n = 0;
    cm_arm64_ops.vanishing(&host, &model, &ids, &n);
    ck_assert(!contains(ids, n, A64_TCR2_EL1));
    free(ids);
    /* ...and the older member's kernel, which does not list TCR2, is handled by the rollback
     * classification: value 0 with the feature hidden by the model = HIDDEN (the 6.5-6.12 trap) */
    struct cm_buf why = {0};
    bool w = true;
    uint64_t wv = 99, zero = 0, one = 1;
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_TCR2_EL1, &zero, &w, &wv, &why), CM_RB_HIDDEN);
    ck_assert(!w);
    ck_assert_ptr_nonnull(strstr(why.s, "TCR2_EL1"));
    cm_buf_free(&why);
    /* a non-zero TCR2 cannot be dropped */
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_TCR2_EL1, &one, &w, &wv, &why),
                     CM_RB_BLOCKING);
    cm_buf_free(&why);
    /* PIR while the model keeps S1PIE: the older kernel cannot hold it */
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_PIR_EL1, &zero, &w, &wv, &why),
                     CM_RB_BLOCKING);
    cm_buf_free(&why);
    cm_vector_free(&host);
    cm_vector_free(&model);
    cm_snapshot_free(hs);
    cm_snapshot_free(ms);
}
END_TEST

START_TEST(vendor_hyp_bmap_2)
{
    /* a 6.15 host lists VENDOR_HYP_BMAP_2 (default 0); the model's oldest kernel is 6.1 */
    const struct reg hregs[] = {{A64_VENDOR_HYP_BMAP, 0x3}, {A64_VENDOR_HYP_BMAP_2, 0}};
    const struct reg mregs[] = {{A64_VENDOR_HYP_BMAP, 0x3}};
    struct cm_snapshot *hs, *ms;
    struct cm_vector host, model;
    build(&host, &hs, 6, 15, 0, hregs, CM_ARRAY_SIZE(hregs));
    build(&model, &ms, 6, 1, 0, mregs, CM_ARRAY_SIZE(mregs));
    struct cm_buf why = {0};
    bool w = true;
    uint64_t wv = 99, zero = 0, three = 3;
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_VENDOR_HYP_BMAP_2, &zero, &w, &wv, &why),
                     CM_RB_DROPPABLE);
    ck_assert(!w);
    cm_buf_free(&why);
    /* discovery hypercalls enabled: droppable after the plan writes 0 (before the guest boots) */
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_VENDOR_HYP_BMAP_2, &three, &w, &wv, &why),
                     CM_RB_DROPPABLE);
    ck_assert(w);
    ck_assert_uint_eq(wv, 0);
    cm_buf_free(&why);
    /* a model whose oldest kernel is 6.15 should list it: something else is wrong */
    model.kver = CM_KVER(6, 15);
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_VENDOR_HYP_BMAP_2, &zero, &w, &wv, &why),
                     CM_RB_BLOCKING);
    cm_buf_free(&why);
    /* an ordinary state register the old kernel lacks is blocking, with the reason named */
    ck_assert_int_eq(cm_arm64_ops.classify_missing(hs, &model, A64_SYSREG(3, 0, 1, 0, 0), &zero, &w, &wv, &why),
                     CM_RB_BLOCKING);
    ck_assert_ptr_nonnull(strstr(why.s, "SCTLR_EL1"));
    cm_buf_free(&why);
    cm_vector_free(&host);
    cm_vector_free(&model);
    cm_snapshot_free(hs);
    cm_snapshot_free(ms);
}
END_TEST

START_TEST(real_61_to_510)
{
    /* The 6.1 dumps list OSLSR_EL1 and the three hypercall bitmaps; the 5.10 ones do not
     * (both added in 5.19).  All four are droppable: OSLSR reads 0x8 (OS lock implemented,
     * unlocked: what pre-5.19 KVM emulated), the bitmaps after writing 0. */
    struct cm_snapshot *s61 = tl_load("ARM_NEOVERSE_N1_6.1"), *s510 = tl_load("ARM_NEOVERSE_N1_5.10");
    struct cm_vector v61, v510;
    cm_error err = {0};
    ck_assert_int_eq(cm_vector_from_snapshot(s61, &v61, &err), 0);
    ck_assert_int_eq(cm_vector_from_snapshot(s510, &v510, &err), 0);
    size_t missing = 0;
    for (size_t i = 0; i < s61->nregs; i++) {
        uint64_t id = s61->regs[i].id;
        if (cm_vector_has_reg(&v510, id))
            continue;
        missing++;
        struct cm_buf why = {0};
        bool w = false;
        uint64_t wv = 99;
        enum cm_rollback rb = cm_arm64_ops.classify_missing(s61, &v510, id, cm_snapshot_reg_val(s61, &s61->regs[i]),
                                                            &w, &wv, &why);
        ck_assert_msg(rb == CM_RB_DROPPABLE, "0x%llx: %s", (unsigned long long)id, why.s);
        if (id == A64_OSLSR_EL1)
            ck_assert(!w);
        else
            ck_assert(w && wv == 0);
        cm_buf_free(&why);
    }
    ck_assert_uint_eq(missing, 4);
    /* a locked OS lock (OSLK set) is state an old kernel cannot restore */
    struct cm_buf why = {0};
    uint64_t locked = 0xa;
    ck_assert_int_eq(cm_arm64_ops.classify_missing(s61, &v510, A64_OSLSR_EL1, &locked, NULL, NULL, &why),
                     CM_RB_BLOCKING);
    cm_buf_free(&why);
    cm_vector_free(&v61);
    cm_vector_free(&v510);
    cm_snapshot_free(s61);
    cm_snapshot_free(s510);
}
END_TEST

START_TEST(pmu_registers_vanish_with_the_feature)
{
    /* the 5.10 dump's vCPU has a PMU (PMUVer 4, PMU registers listed); a model with PMUVer 0
     * (e.g. the merge with a 6.1 dump) means leaving PMU_V3 out: every PMU register vanishes */
    struct cm_snapshot *s510 = tl_load("ARM_NEOVERSE_N1_5.10"), *s61 = tl_load("ARM_NEOVERSE_N1_6.1");
    struct cm_vector host, model;
    cm_error err = {0};
    ck_assert_int_eq(cm_vector_from_snapshot(s510, &host, &err), 0);
    ck_assert_int_eq(cm_vector_from_snapshot(s61, &model, &err), 0);
    uint64_t *ids = NULL;
    size_t n = 0;
    cm_arm64_ops.vanishing(&host, &model, &ids, &n);
    ck_assert(contains(ids, n, A64_SYSREG(3, 3, 9, 12, 0)));  /* PMCR_EL0 */
    ck_assert(contains(ids, n, A64_SYSREG(3, 3, 14, 15, 7))); /* PMCCFILTR_EL0 */
    ck_assert(contains(ids, n, A64_SYSREG(3, 0, 9, 14, 1)));  /* PMINTENSET_EL1 */
    /* exactly the 5.10-only registers of the 6.1 comparison that are PMU registers: 31 counters,
     * 31 types + PMCCFILTR, PMCR..PMSELR (6), PMCCNTR, PMUSERENR, PMOVSSET, PMINTENSET/CLR */
    ck_assert_uint_eq(n, 31 + 32 + 6 + 1 + 1 + 1 + 2);
    for (size_t i = 0; i < n; i++)
        ck_assert(!cm_vector_has_reg(&model, ids[i]));
    free(ids);
    /* the rollback view: a PMU register missing on the model's kernel is HIDDEN */
    struct cm_buf why = {0};
    uint64_t v = 0x41023000;
    ck_assert_int_eq(cm_arm64_ops.classify_missing(s510, &model, A64_SYSREG(3, 3, 9, 12, 0), &v, NULL, NULL, &why),
                     CM_RB_HIDDEN);
    cm_buf_free(&why);
    cm_vector_free(&host);
    cm_vector_free(&model);
    cm_snapshot_free(s510);
    cm_snapshot_free(s61);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("arm64_rollback");
    TCase *tc = tcase_create("rollback");
    tcase_add_test(tc, tcr2_and_fpmr_vanish);
    tcase_add_test(tc, vendor_hyp_bmap_2);
    tcase_add_test(tc, real_61_to_510);
    tcase_add_test(tc, pmu_registers_vanish_with_the_feature);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
