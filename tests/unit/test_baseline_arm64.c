/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baselines of the real arm64 dumps: Neoverse N1 + V1 on each kernel, and
 * rollback across kernels (V1 6.1 with V1 5.10 / 4.14).  Expected values are
 * computed from the input dumps by the test, not copied from the code.
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

#define ID_AA64PFR0 0x603000000013C020ULL
#define ID_AA64ISAR1 0x603000000013C031ULL
#define VENDOR_HYP_BMAP 0x6030000000160002ULL
#define STD_BMAP 0x6030000000160000ULL

static const struct cm_field *field(const struct cm_vector *v, uint64_t id, const char *name, long *slot)
{
    *slot = cm_vector_word_index(v, id);
    ck_assert_msg(*slot >= 0, "no feature word 0x%llx", (unsigned long long)id);
    const struct cm_word *w = &v->ops->words[*slot];
    for (uint16_t i = 0; i < w->nfields; i++)
        if (!strcmp(w->fields[i].name, name))
            return &w->fields[i];
    ck_abort_msg("%s has no field %s", w->name, name);
    return NULL;
}

/* N1 + V1 on one kernel: every field <= both by its policy, limiting hosts named. */
static void check_pair(const char *n1name, const char *v1name)
{
    struct cm_vector n1, v1;
    struct cm_snapshot *sn = tl_vec(n1name, &n1), *sv = tl_vec(v1name, &v1);
    const struct cm_vector *set[2] = {&n1, &v1};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(set, 2, true, &b, &err) == 0, "%s", err.msg);
    const struct cm_arch_ops *ops = b.model.ops;
    size_t differing = 0, idx[2];
    for (size_t w = 0; w < ops->nwords; w++) {
        if (!b.model.present[w] || b.model.novalue[w])
            continue;
        ck_assert(n1.present[w] && v1.present[w]);
        for (uint16_t fi = 0; fi < ops->words[w].nfields; fi++) {
            const struct cm_field *f = &ops->words[w].fields[fi];
            uint64_t a = cm_field_get(f, n1.val[w]), c = cm_field_get(f, v1.val[w]);
            uint64_t m = cm_field_get(f, b.model.val[w]);
            if (f->policy == CM_POL_LOWER_SAFE && !f->is_signed)
                ck_assert_msg(m == (a < c ? a : c), "%s.%s: model %llx, inputs %llx/%llx", ops->words[w].name,
                              f->name, (unsigned long long)m, (unsigned long long)a, (unsigned long long)c);
            size_t k = cm_limited_by(set, 2, &b.model, w, f, idx);
            if (a != c) {
                differing++;
                ck_assert_msg(k >= 1, "%s.%s differs but no limiting host", ops->words[w].name, f->name);
                bool safe_fallback = f->policy == CM_POL_EXACT && m == f->safe && a != m && c != m;
                for (size_t j = 0; j < k; j++)
                    ck_assert_msg(safe_fallback || cm_field_get(f, set[idx[j]]->val[w]) == m,
                                  "%s.%s: limiting host does not hold the model value", ops->words[w].name, f->name);
            } else {
                ck_assert_uint_eq(k, 0);
            }
        }
    }
    /* 4.14 lists almost no 64-bit ID registers, so only 5.10/6.1 must show differences */
    if (n1.present[cm_vector_word_index(&n1, ID_AA64ISAR1)])
        ck_assert_msg(differing > 0, "N1 and V1 should differ somewhere (%s)", n1name);

    long s;
    const struct cm_field *sve = field(&b.model, ID_AA64PFR0, "SVE", &s);
    if (b.model.present[s])
        ck_assert_uint_eq(cm_field_get(sve, b.model.val[s]), 0);

    /* Each group's model is enforceable on each of its members. */
    if (!b.enforceable_everywhere) {
        ck_assert_uint_ge(b.ngroups, 2);
        for (size_t g = 0; g < b.ngroups; g++) {
            ck_assert_ptr_nonnull(b.groups[g].why);
            for (size_t k = 0; k < b.groups[g].nmembers; k++) {
                struct cm_reasons rs = {0};
                ck_assert_msg(cm_enforceable(&b.groups[g].model, set[b.groups[g].members[k]], &rs),
                              "group %zu not enforceable on a member: %s", g, rs.n ? rs.v[0].text : "?");
                cm_reasons_free(&rs);
            }
        }
    }
    cm_baseline_free(&b);
    cm_vector_free(&n1);
    cm_vector_free(&v1);
    cm_snapshot_free(sn);
    cm_snapshot_free(sv);
}

START_TEST(n1_v1_6_1) { check_pair("ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1"); }
END_TEST
START_TEST(n1_v1_5_10) { check_pair("ARM_NEOVERSE_N1_5.10", "ARM_NEOVERSE_V1_5.10"); }
END_TEST
START_TEST(n1_v1_4_14) { check_pair("ARM_NEOVERSE_N1_4.14", "ARM_NEOVERSE_V1_4.14"); }
END_TEST

/* On 6.1 no generic ID register is writable (6.7+), so a V1 host cannot be
 * lowered to N1's BF16/I8MM level: the model is not enforceable on it. */
START_TEST(kernel_6_1_cannot_hide_v1_features)
{
    struct cm_vector n1, v1;
    struct cm_snapshot *sn = tl_vec("ARM_NEOVERSE_N1_6.1", &n1), *sv = tl_vec("ARM_NEOVERSE_V1_6.1", &v1);
    const struct cm_vector *set[2] = {&n1, &v1};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert(cm_baseline(set, 2, true, &b, &err) == 0);
    long s;
    const struct cm_field *bf16 = field(&v1, ID_AA64ISAR1, "BF16", &s);
    ck_assert_msg(cm_field_get(bf16, v1.val[s]) > cm_field_get(bf16, n1.val[s]), "dump: V1 should have BF16, N1 not");
    ck_assert(!b.verdicts[1].enforceable);
    bool named = false;
    for (size_t i = 0; i < b.verdicts[1].reasons.n; i++) {
        const struct cm_reason *r = &b.verdicts[1].reasons.v[i];
        if (r->sev == CM_SEV_ERROR && r->reg == ID_AA64ISAR1 && r->field && !strcmp(r->field, "BF16")) {
            named = true;
            ck_assert(r->has_values);
            ck_assert_uint_eq(r->have, cm_field_get(bf16, v1.val[s]));
            ck_assert_uint_eq(r->want, 0);
        }
    }
    ck_assert_msg(named, "the BF16 reason is missing");
    ck_assert(!b.enforceable_everywhere);
    ck_assert_uint_ge(b.ngroups, 2);
    cm_baseline_free(&b);
    cm_vector_free(&n1);
    cm_vector_free(&v1);
    cm_snapshot_free(sn);
    cm_snapshot_free(sv);
}
END_TEST

/* Large clusters ask for the verdict, not every reason: same verdicts, one error each. */
START_TEST(first_reason_only)
{
    struct cm_vector n1, v1;
    struct cm_snapshot *sn = tl_vec("ARM_NEOVERSE_N1_6.1", &n1), *sv = tl_vec("ARM_NEOVERSE_V1_6.1", &v1);
    const struct cm_vector *set[2] = {&n1, &v1};
    struct cm_baseline full, first;
    cm_error err = {0};
    ck_assert(cm_baseline_ex(set, 2, 0, &full, &err) == 0);
    ck_assert(cm_baseline_ex(set, 2, CM_BL_FIRST_REASON, &first, &err) == 0);
    for (size_t h = 0; h < 2; h++) {
        ck_assert_int_eq(full.verdicts[h].enforceable, first.verdicts[h].enforceable);
        size_t ef = cm_reasons_count(&full.verdicts[h].reasons, CM_SEV_ERROR);
        size_t e1 = cm_reasons_count(&first.verdicts[h].reasons, CM_SEV_ERROR);
        if (!full.verdicts[h].enforceable) {
            ck_assert_uint_ge(e1, 1);
            ck_assert_uint_le(e1, ef);
        }
    }
    /* V1 on 6.1 has many reasons in full, so the cut is visible */
    ck_assert_uint_gt(cm_reasons_count(&full.verdicts[1].reasons, CM_SEV_ERROR),
                      cm_reasons_count(&first.verdicts[1].reasons, CM_SEV_ERROR));
    cm_baseline_free(&full);
    cm_baseline_free(&first);
    cm_vector_free(&n1);
    cm_vector_free(&v1);
    cm_snapshot_free(sn);
    cm_snapshot_free(sv);
}
END_TEST

/* A model with fewer features than a 6.12 host with writable masks is enforceable there. */
START_TEST(writable_kernel_is_enforceable)
{
    struct cm_vector n1, v1;
    struct cm_snapshot *sn = tl_vec("ARM_NEOVERSE_N1_6.1", &n1), *sv = tl_vec("ARM_NEOVERSE_V1_6.1", &v1);
    /* the same silicon on a kernel where ISAR1 is writable (6.7+): pretend 6.12 */
    v1.kver = CM_KVER(6, 12);
    const struct cm_vector *set[2] = {&n1, &v1};
    struct cm_vector m;
    cm_error err = {0};
    ck_assert(cm_merge(set, 2, &m, NULL, NULL, &err) == 0);
    struct cm_reasons rs = {0};
    cm_enforceable(&m, &v1, &rs);
    bool isar1_refused = false;
    for (size_t i = 0; i < rs.n; i++)
        isar1_refused |= rs.v[i].sev == CM_SEV_ERROR && rs.v[i].reg == ID_AA64ISAR1;
    ck_assert_msg(!isar1_refused, "ID_AA64ISAR1 is writable from 6.7 but was refused");
    cm_reasons_free(&rs);
    cm_vector_free(&m);
    cm_vector_free(&n1);
    cm_vector_free(&v1);
    cm_snapshot_free(sn);
    cm_snapshot_free(sv);
}
END_TEST

/* Rollback: V1 6.1 with V1 5.10 / 4.14.  The registers 6.1 lists and the
 * older kernel does not are exactly the plan's rollback list, each classified. */
static void check_rollback(const char *newer, const char *older)
{
    struct cm_vector vn, vo;
    struct cm_snapshot *sn = tl_vec(newer, &vn), *so = tl_vec(older, &vo);
    const struct cm_vector *set[2] = {&vn, &vo};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert(cm_baseline(set, 2, true, &b, &err) == 0);
    size_t expect = 0;
    for (size_t i = 0; i < sn->nregs; i++)
        expect += !cm_snapshot_find_reg(so, sn->regs[i].id);
    ck_assert_uint_gt(expect, 0);
    struct cm_plan p;
    ck_assert_msg(cm_plan_make(&b.model, sn, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p.nrollback, expect);
    for (size_t i = 0; i < p.nrollback; i++) {
        ck_assert_msg(!cm_snapshot_find_reg(so, p.rollback[i].id), "rollback lists a register %s has", older);
        ck_assert_ptr_nonnull(p.rollback[i].why);
        /* the firmware bitmaps (5.19+) are dropped after writing 0: droppable, with a write */
        if (p.rollback[i].id == STD_BMAP || p.rollback[i].id == VENDOR_HYP_BMAP) {
            ck_assert_int_eq(p.rollback[i].cls, CM_RB_DROPPABLE);
            bool wrote = false;
            for (size_t k = 0; k < p.nwrites; k++)
                wrote |= p.writes[k].id == p.rollback[i].id && p.writes[k].new_value == 0;
            ck_assert_msg(wrote, "droppable bitmap 0x%llx without a write of 0", (unsigned long long)p.rollback[i].id);
        }
    }
    /* writes are in KVM order: ID registers before firmware before the rest */
    for (size_t k = 1; k < p.nwrites; k++)
        ck_assert_uint_le(p.writes[k - 1].order, p.writes[k].order);
    /* blocking rollback registers make the newer host's verdict negative, and say so */
    size_t blocking = 0;
    for (size_t i = 0; i < p.nrollback; i++)
        blocking += p.rollback[i].cls == CM_RB_BLOCKING;
    if (blocking) {
        ck_assert(!p.ok);
        ck_assert(!b.verdicts[0].enforceable);
    }
    char *hidden = cm_plan_qemu_hidden_regs(&p);
    if (strstr(hidden, "0x")) /* QEMU's list form: "0x..., 0x..." */
        ck_assert_ptr_null(strstr(hidden, ",0x"));
    free(hidden);
    cm_plan_free(&p);
    cm_baseline_free(&b);
    cm_vector_free(&vn);
    cm_vector_free(&vo);
    cm_snapshot_free(sn);
    cm_snapshot_free(so);
}

START_TEST(rollback_6_1_to_5_10) { check_rollback("ARM_NEOVERSE_V1_6.1", "ARM_NEOVERSE_V1_5.10"); }
END_TEST
START_TEST(rollback_6_1_to_4_14) { check_rollback("ARM_NEOVERSE_V1_6.1", "ARM_NEOVERSE_V1_4.14"); }
END_TEST

/* Mixed architectures are refused with an error naming both hosts. */
START_TEST(mixed_arch_refused)
{
    struct cm_vector a, x;
    struct cm_snapshot *sa = tl_vec("ARM_NEOVERSE_N1_6.1", &a);
    struct cm_snapshot *sx = tl_load("INTEL_SKYLAKE_6.1");
    cm_error err = {0};
    if (cm_vector_from_snapshot(sx, &x, &err) < 0) {
        /* without an x86 driver the refusal comes from decoding; still explicit */
        ck_assert_ptr_nonnull(strstr(err.msg, "x86_64"));
    } else {
        const struct cm_vector *set[2] = {&a, &x};
        struct cm_baseline b;
        ck_assert_int_eq(cm_baseline(set, 2, false, &b, &err), -1);
        ck_assert_int_eq(err.code, CM_E_MISMATCH);
        ck_assert_ptr_nonnull(strstr(err.msg, "ARM_NEOVERSE_N1_6.1"));
        ck_assert_ptr_nonnull(strstr(err.msg, "INTEL_SKYLAKE_6.1"));
        cm_vector_free(&x);
    }
    cm_vector_free(&a);
    cm_snapshot_free(sa);
    cm_snapshot_free(sx);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("baseline_arm64");
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, n1_v1_6_1);
    tcase_add_test(tc, n1_v1_5_10);
    tcase_add_test(tc, n1_v1_4_14);
    tcase_add_test(tc, kernel_6_1_cannot_hide_v1_features);
    tcase_add_test(tc, writable_kernel_is_enforceable);
    tcase_add_test(tc, first_reason_only);
    tcase_add_test(tc, rollback_6_1_to_5_10);
    tcase_add_test(tc, rollback_6_1_to_4_14);
    tcase_add_test(tc, mixed_arch_refused);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
