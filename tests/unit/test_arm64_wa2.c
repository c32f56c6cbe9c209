/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SMCCC_ARCH_WORKAROUND_2 under a model that hides ID_AA64PFR1_EL1.SSBS
 * (KVM-FACTS §A.4).  Facts used, all from §A.4:
 *   - a host reports only 0 (NOT_AVAIL) or 3 (NOT_REQUIRED);
 *   - vulnerable -> 0, unaffected -> 3, mitigated -> 3 unless the VM has
 *     SSBS >= IMP, then 0;
 *   - that check is per VM (the VM's PFR1.SSBS) from 6.12; through 6.11 it
 *     used the host's cpucap, so a model's SSBS changes nothing;
 *   - nothing is stored: the guest sees the host's level, and a restored
 *     level is accepted iff mapped(value) <= host level.
 * Hosts are hand-built vectors (kernel, own SSBS, probed WA2), plus the real
 * Neoverse N1 dump (SSBS 2, WA2 0: mitigated by SSBS) moved to 6.12.
 */
#include <string.h>

#include "../../libcpumodel/arm64/arm64.h"
#include "cpumodel/arch.h"
#include "cpumodel/negotiate.h"
#include "cpumodel/vector.h"
#include "testlib.h"

#define NOT_AVAIL 0
#define NOT_REQUIRED 3

static size_t slot_of(uint64_t id)
{
    long s = a64_slot(id);
    ck_assert(s >= 0);
    return (size_t)s;
}

static const struct cm_field *ssbs_field(void)
{
    const struct cm_field *f = a64_field(&cm_arm64_words[slot_of(A64_ID_AA64PFR1)], "SSBS");
    ck_assert(f);
    return f;
}

/* a vector with just ID_AA64PFR1_EL1 (SSBS) and WORKAROUND_2 */
static void mk(struct cm_vector *v, const char *name, cm_kver kver, uint64_t ssbs, uint64_t wa2, bool model)
{
    cm_vector_init(v, &cm_arm64_ops, name);
    v->kver = kver;
    v->is_model = model;
    size_t p = slot_of(A64_ID_AA64PFR1), w = slot_of(A64_WA2);
    v->present[p] = v->present[w] = 1;
    v->val[p] = cm_field_put(ssbs_field(), 0, ssbs);
    v->val[w] = wa2;
}

/* presented(): returns 1 and *val, or 0 when unknown; `snap` (may be NULL)
 * is the host's snapshot, where the probe's facts are */
static int presented_snap(cm_kver kver, uint64_t host_ssbs, uint64_t host_wa2, uint64_t model_ssbs,
                          const struct cm_snapshot *snap, uint64_t *val)
{
    struct cm_vector h, m;
    mk(&h, "host", kver, host_ssbs, host_wa2, false);
    h.snap = snap;
    mk(&m, "model", kver, model_ssbs, NOT_AVAIL, true);
    struct cm_buf why = {0};
    ck_assert(cm_arm64_ops.presented);
    bool ok = cm_arm64_ops.presented(&h, &m, slot_of(A64_WA2), val, &why);
    if (!ok) {
        ck_assert_msg(why.s && strstr(why.s, "SSBS") && strstr(why.s, "vulnerable") && strstr(why.s, "mitigated"),
                      "the reason names the field and both host states: %s", why.s ? why.s : "(none)");
    }
    cm_buf_free(&why);
    cm_vector_free(&h);
    cm_vector_free(&m);
    return ok;
}

static int presented(cm_kver kver, uint64_t host_ssbs, uint64_t host_wa2, uint64_t model_ssbs, uint64_t *val)
{
    return presented_snap(kver, host_ssbs, host_wa2, model_ssbs, NULL, val);
}

/* a host snapshot carrying only the probe's measurement of WA2 without SSBS */
static struct cm_snapshot *with_fact(uint64_t wa2_without_ssbs)
{
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_ARM64);
    ck_assert_int_eq(cm_snapshot_add_fact(s, CM_FACT_ARM64_WA2_WITHOUT_SSBS, wa2_without_ssbs, NULL), 0);
    return s;
}

/* the reason about WORKAROUND_2 in a list, or NULL */
static const struct cm_reason *wa2_reason(const struct cm_reasons *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].reg == A64_WA2)
            return &r->v[i];
    return NULL;
}

START_TEST(rule_612_per_vm)
{
    uint64_t v = 99;
    /* reads 0 with its own SSBS: vulnerable (stays 0) or mitigated (3 without SSBS) */
    ck_assert_int_eq(presented(CM_KVER(6, 12), 2, NOT_AVAIL, 0, &v), 0);
    ck_assert_int_eq(presented(CM_KVER(7, 2), 1, NOT_AVAIL, 0, &v), 0);
    /* SSBS kept: the VM reads what the probe read */
    ck_assert_int_eq(presented(CM_KVER(6, 12), 2, NOT_AVAIL, 1, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);
    ck_assert_int_eq(presented(CM_KVER(6, 12), 2, NOT_AVAIL, 2, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);
    /* reads 3 with its own SSBS: only an unaffected host does; it stays 3 */
    ck_assert_int_eq(presented(CM_KVER(6, 12), 2, NOT_REQUIRED, 0, &v), 1);
    ck_assert_uint_eq(v, NOT_REQUIRED);
    /* no SSBS on the host: a model cannot change what the VM has */
    ck_assert_int_eq(presented(CM_KVER(6, 12), 0, NOT_AVAIL, 0, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);
    ck_assert_int_eq(presented(CM_KVER(6, 12), 0, NOT_REQUIRED, 0, &v), 1);
    ck_assert_uint_eq(v, NOT_REQUIRED);
}
END_TEST

START_TEST(rule_611_host_cpucap)
{
    uint64_t v = 99;
    /* through 6.11 the host's cpucap decides: hiding SSBS changes nothing */
    ck_assert_int_eq(presented(CM_KVER(6, 11), 2, NOT_AVAIL, 0, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);
    ck_assert_int_eq(presented(CM_KVER(6, 1), 2, NOT_REQUIRED, 0, &v), 1);
    ck_assert_uint_eq(v, NOT_REQUIRED);
    /* an unknown kernel may have the per-VM check: not predictable */
    ck_assert_int_eq(presented(CM_KVER_UNKNOWN, 2, NOT_AVAIL, 0, &v), 0);
}
END_TEST

/* enforce / compare through the core: an error exactly where the guest's
 * saved level could be refused on restore by a member. */
START_TEST(core_reports_consistently)
{
    struct cm_vector model, host;
    struct cm_reasons r = {0};

    /* the lab's case: model = baseline of a vulnerable non-SSBS host and a
     * 6.12 host with SSBS reading 0 -> SSBS 0, WA2 0 */
    mk(&model, "model", CM_KVER(6, 12), 0, NOT_AVAIL, true);

    /* before the plan: the SSBS host's level under the model is unknown -> error */
    mk(&host, "ssbs-6.12", CM_KVER(6, 12), 2, NOT_AVAIL, false);
    cm_enforceable(&model, &host, &r);
    const struct cm_reason *e = wa2_reason(&r);
    ck_assert_msg(e && e->sev == CM_SEV_ERROR && !strcmp(e->rule, "unpredictable"), "WA2 flagged before the plan");
    cm_reasons_free(&r);
    cm_vector_free(&host);

    /* after the plan a mitigated host reads SSBS 0, WA2 3: compare says 3 cannot
     * become 0 (a guest saving 3 is refused where the level is 0) */
    mk(&host, "ssbs-6.12-after", CM_KVER(6, 12), 0, NOT_REQUIRED, false);
    ck_assert(!cm_compare(&model, &host, NULL, &r));
    e = wa2_reason(&r);
    ck_assert_msg(e && e->sev == CM_SEV_ERROR && e->has_values && e->have == NOT_REQUIRED && e->want == NOT_AVAIL,
                  "WA2 3 vs model 0 is an error after the plan");
    cm_reasons_free(&r);
    cm_vector_free(&host);

    /* the same host on 6.11: nothing derived, WA2 0 stays 0 (PFR1 is the only error) */
    mk(&host, "ssbs-6.11", CM_KVER(6, 11), 2, NOT_AVAIL, false);
    cm_enforceable(&model, &host, &r);
    ck_assert_msg(!wa2_reason(&r), "no WA2 reason on 6.11");
    ck_assert_uint_ge(cm_reasons_count(&r, CM_SEV_ERROR), 1); /* PFR1.SSBS is not writable on 6.11 (§A.3.1) */
    cm_reasons_free(&r);
    cm_vector_free(&host);

    /* SSBS kept by the model: the SSBS host presents 0 = the model */
    struct cm_vector keep;
    mk(&keep, "model-ssbs", CM_KVER(6, 12), 1, NOT_AVAIL, true);
    mk(&host, "ssbs-6.12", CM_KVER(6, 12), 1, NOT_AVAIL, false);
    ck_assert(cm_enforceable(&keep, &host, &r));
    ck_assert(!wa2_reason(&r));
    cm_reasons_free(&r);
    cm_vector_free(&host);
    cm_vector_free(&keep);

    /* an unaffected SSBS host (reads 3) under a model with WA2 3: fine */
    struct cm_vector m3;
    mk(&m3, "model-3", CM_KVER(6, 12), 0, NOT_REQUIRED, true);
    mk(&host, "unaffected-6.12", CM_KVER(6, 12), 2, NOT_REQUIRED, false);
    cm_enforceable(&m3, &host, &r);
    ck_assert_msg(!wa2_reason(&r), "unaffected host presents 3 = the model");
    cm_reasons_free(&r);
    cm_vector_free(&host);
    cm_vector_free(&m3);
    cm_vector_free(&model);
}
END_TEST

/* The probe measured WA2 on a scratch VM with PFR1.SSBS = 0 (6.12+): a host
 * reading 0 with its own SSBS is then known to be mitigated (measured 3) or
 * vulnerable (measured 0), and the level under a model without SSBS is the
 * measured one instead of an error. */
START_TEST(measured_fact_settles_it)
{
    uint64_t v = 99;
    struct cm_snapshot *mitigated = with_fact(NOT_REQUIRED), *vulnerable = with_fact(NOT_AVAIL);
    struct cm_snapshot *nofact = cm_snapshot_new(CM_ARCH_ARM64);

    ck_assert_int_eq(presented_snap(CM_KVER(6, 12), 2, NOT_AVAIL, 0, mitigated, &v), 1);
    ck_assert_uint_eq(v, NOT_REQUIRED);
    ck_assert_int_eq(presented_snap(CM_KVER(7, 2), 1, NOT_AVAIL, 0, vulnerable, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);
    /* a snapshot without the fact (older probe, Firecracker import): still unknown */
    ck_assert_int_eq(presented_snap(CM_KVER(6, 12), 2, NOT_AVAIL, 0, nofact, &v), 0);
    /* SSBS kept by the model: the level read with SSBS, whatever was measured without */
    v = 99;
    ck_assert_int_eq(presented_snap(CM_KVER(6, 12), 2, NOT_AVAIL, 1, mitigated, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);
    /* through 6.11 the host's cpucap decides: the model's SSBS changes nothing */
    ck_assert_int_eq(presented_snap(CM_KVER(6, 11), 2, NOT_AVAIL, 0, mitigated, &v), 1);
    ck_assert_uint_eq(v, NOT_AVAIL);

    /* through the core: model SSBS 0, WA2 0 */
    struct cm_vector model, host;
    struct cm_reasons r = {0};
    mk(&model, "model", CM_KVER(6, 12), 0, NOT_AVAIL, true);
    /* mitigated: presents 3, which a member at 0 refuses on restore -> an error
     * with values, no longer "unpredictable" */
    mk(&host, "mitigated-6.12", CM_KVER(6, 12), 2, NOT_AVAIL, false);
    host.snap = mitigated;
    cm_enforceable(&model, &host, &r);
    const struct cm_reason *e = wa2_reason(&r);
    ck_assert_msg(e && e->sev == CM_SEV_ERROR && strcmp(e->rule, "unpredictable") && e->has_values &&
                      e->have == NOT_REQUIRED && e->want == NOT_AVAIL,
                  "mitigated host: WA2 3 vs model 0 (rule %s)", e ? e->rule : "(none)");
    cm_reasons_free(&r);
    /* vulnerable: presents 0 = the model */
    host.snap = vulnerable;
    cm_enforceable(&model, &host, &r);
    ck_assert_msg(!wa2_reason(&r), "vulnerable host presents 0 = the model");
    cm_reasons_free(&r);
    cm_vector_free(&model);
    /* a model at 3 (all members present 3 without SSBS) fits the mitigated host */
    mk(&model, "model-3", CM_KVER(6, 12), 0, NOT_REQUIRED, true);
    host.snap = mitigated;
    cm_enforceable(&model, &host, &r);
    ck_assert_msg(!wa2_reason(&r), "mitigated host presents 3 = the model");
    cm_reasons_free(&r);
    cm_vector_free(&model);
    cm_vector_free(&host);
    cm_snapshot_free(mitigated);
    cm_snapshot_free(vulnerable);
    cm_snapshot_free(nofact);
}
END_TEST

/* the real Neoverse N1 (SSBS 2, WA2 0): its 6.1 plan has no WA2 error, the
 * same host on 6.12 (writable PFR1.SSBS) has one */
/* The baseline merges what hosts present under the merged model: a mitigated
 * SSBS host (measured 3 without SSBS) and a host without SSBS reading 3 give a
 * model at 3, enforceable on both; the read values alone (0 and 3) would
 * give 0 and make the SSBS host fail. */
START_TEST(baseline_merges_presented_values)
{
    struct cm_vector a, b, m;
    struct cm_snapshot *sa = with_fact(NOT_REQUIRED);
    mk(&a, "ssbs-mitigated", CM_KVER(6, 12), 2, NOT_AVAIL, false);
    a.snap = sa;
    mk(&b, "no-ssbs", CM_KVER(6, 12), 0, NOT_REQUIRED, false);
    const struct cm_vector *set[2] = {&a, &b};
    cm_error err = {0};
    ck_assert_msg(cm_merge(set, 2, &m, NULL, NULL, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(cm_field_get(ssbs_field(), m.val[slot_of(A64_ID_AA64PFR1)]), 0);
    ck_assert_uint_eq(m.val[slot_of(A64_WA2)], NOT_REQUIRED);
    for (int i = 0; i < 2; i++) {
        struct cm_reasons rs = {0};
        cm_enforceable(&m, set[i], &rs);
        ck_assert_msg(!wa2_reason(&rs), "%s: unexpected WA2 reason: %s", set[i]->name,
                      wa2_reason(&rs) ? wa2_reason(&rs)->text : "");
        cm_reasons_free(&rs);
    }
    cm_vector_free(&m);
    /* a vulnerable SSBS host (measured 0) keeps the model at 0, and is fine with it */
    struct cm_snapshot *sv = with_fact(NOT_AVAIL);
    a.snap = sv;
    ck_assert(cm_merge(set, 2, &m, NULL, NULL, &err) == 0);
    ck_assert_uint_eq(m.val[slot_of(A64_WA2)], NOT_AVAIL);
    cm_vector_free(&m);
    cm_snapshot_free(sv);
    cm_snapshot_free(sa);
    cm_vector_free(&a);
    cm_vector_free(&b);
}
END_TEST

START_TEST(n1_dump_plan)
{
    struct cm_vector host, model;
    struct cm_snapshot *s = tl_vec("ARM_NEOVERSE_N1_6.1", &host);
    size_t p = slot_of(A64_ID_AA64PFR1), w = slot_of(A64_WA2);
    ck_assert_uint_eq(cm_field_get(ssbs_field(), host.val[p]), 2); /* FEAT_SSBS2 (Arm N1 TRM) */
    ck_assert_uint_eq(host.val[w], NOT_AVAIL);
    cm_vector_copy(&model, &host);
    model.is_model = true;
    model.val[p] = cm_field_put(ssbs_field(), model.val[p], 0);

    for (int k = 0; k < 3; k++) {
        if (k == 1)
            s->kver = CM_KVER(6, 12);
        if (k == 2) /* as a 6.12 probe of a vulnerable N1 would record it */
            ck_assert_int_eq(cm_snapshot_add_fact(s, CM_FACT_ARM64_WA2_WITHOUT_SSBS, NOT_AVAIL, NULL), 0);
        struct cm_plan plan;
        cm_error err = {0};
        ck_assert_msg(cm_plan_make(&model, s, &plan, &err) == 0, "%s", err.msg);
        const struct cm_reason *e = wa2_reason(&plan.reasons);
        if (k == 0)
            ck_assert_msg(!e, "6.1: the host's cpucap decides, no WA2 reason");
        else if (k == 2)
            ck_assert_msg(!e, "6.12 with the measured level 0: presents the model's 0");
        else
            ck_assert_msg(e && e->sev == CM_SEV_ERROR, "6.12: WA2 unknown once SSBS is hidden");
        for (size_t i = 0; i < plan.nwrites; i++)
            ck_assert_msg(plan.writes[i].id != A64_WA2, "WA2 is never written (nothing is stored)");
        cm_plan_free(&plan);
    }
    cm_vector_free(&model);
    cm_vector_free(&host);
    cm_snapshot_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arm64_wa2");
    TCase *tc = tcase_create("wa2");
    tcase_add_test(tc, rule_612_per_vm);
    tcase_add_test(tc, rule_611_host_cpucap);
    tcase_add_test(tc, core_reports_consistently);
    tcase_add_test(tc, measured_fact_settles_it);
    tcase_add_test(tc, baseline_merges_presented_values);
    tl_require_fixtures();
    tcase_add_test(tc, n1_dump_plan);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
