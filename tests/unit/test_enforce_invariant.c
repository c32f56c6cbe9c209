/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One enforcement rule (issue 9 item 3).  Baseline, compare and plan call
 * cm_enforce_rule(), so they cannot disagree; this proves it on real data:
 * over every pair and triple of the arm64 Firecracker dumps and of the
 * riscv64 lab snapshots, under both VMM restore assumptions,
 *   - a host's baseline verdict equals whether its plan is ok;
 *   - every model the baseline emits (the cluster model, each group's model)
 *     has an ok plan on every member it names (the invariant);
 *   - compare(model -> member) agrees for enforceable members;
 *   - an arm64 model never has half of pointer authentication: KVM offers it
 *     as one vCPU feature (both init bits together, KVM-FACTS §A.3.4), so the
 *     six fields either equal a member's (all of them) or are all 0.
 * And the case that split baseline from plan before: a model that keeps
 * GPI from one host and loses API from another.
 */
#include <stdio.h>
#include <string.h>

#include "../../libcpumodel/arm64/arm64.h"
#include "cpumodel/negotiate.h"
#include "testlib.h"

#define PTRAUTH_ISAR1 0xff000ff0ULL /* GPI, GPA, API, APA */
#define PTRAUTH_ISAR2 0x0000ff00ULL /* APA3, GPA3 */

static void check_ptrauth(const struct cm_vector *model, const struct cm_vector *const *members, size_t n)
{
    if (model->ops != &cm_arm64_ops)
        return;
    long s1 = a64_slot(A64_ID_AA64ISAR1), s2 = a64_slot(A64_ID_AA64ISAR2);
    if (!model->present[s1] || !model->present[s2])
        return;
    uint64_t m1 = model->val[s1] & PTRAUTH_ISAR1, m2 = model->val[s2] & PTRAUTH_ISAR2;
    if (!m1 && !m2)
        return;
    for (size_t k = 0; k < n; k++)
        ck_assert_msg((members[k]->val[s1] & PTRAUTH_ISAR1) == m1 && (members[k]->val[s2] & PTRAUTH_ISAR2) == m2,
                      "model %s keeps part of pointer authentication of %s", model->name, members[k]->name);
}

/* The invariant for one subset of hosts under one assumption; returns plans checked. */
static size_t check_subset(struct tl_set *s, const size_t *idx, size_t k, bool aware)
{
    const struct cm_assume as = {CM_READ_MIGRATION, aware ? CM_RESTORE_PLAN_AWARE : CM_RESTORE_ALL};
    const struct cm_vector *hosts[3];
    for (size_t i = 0; i < k; i++)
        hosts[i] = &s->vec[idx[i]];
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert_int_eq(cm_baseline_ex(hosts, k, CM_BL_GROUPS | (aware ? CM_BL_PLAN_AWARE : 0), &b, &err), 0);
    size_t plans = 0;
    check_ptrauth(&b.model, hosts, k);
    for (size_t i = 0; i < k; i++) {
        struct cm_plan p;
        ck_assert_int_eq(cm_plan_make_ex(&b.model, s->snap[idx[i]], &as, &p, &err), 0);
        ck_assert_msg(p.ok == b.verdicts[i].enforceable, "%s: baseline says %s, plan says %s (%s)", hosts[i]->name,
                      b.verdicts[i].enforceable ? "enforceable" : "not", p.ok ? "ok" : "not",
                      p.reasons.n ? p.reasons.v[0].text : "no reason");
        if (b.verdicts[i].enforceable && b.incompat.n == 0) {
            struct cm_reasons r = {0};
            ck_assert_msg(cm_compare_ex(&b.model, hosts[i], &as, &r), "compare(model -> %s) refuses: %s",
                          hosts[i]->name, r.n ? r.v[0].text : "");
            cm_reasons_free(&r);
        }
        cm_plan_free(&p);
        plans++;
    }
    for (size_t g = 0; g < b.ngroups; g++) {
        const struct cm_group *grp = &b.groups[g];
        const struct cm_vector *members[3];
        for (size_t m = 0; m < grp->nmembers; m++)
            members[m] = hosts[grp->members[m]];
        check_ptrauth(&grp->model, members, grp->nmembers);
        for (size_t m = 0; m < grp->nmembers; m++) {
            struct cm_plan p;
            ck_assert_int_eq(cm_plan_make_ex(&grp->model, s->snap[idx[grp->members[m]]], &as, &p, &err), 0);
            ck_assert_msg(p.ok, "group %zu's model is not enforceable on its member %s: %s", g, members[m]->name,
                          p.reasons.n ? p.reasons.v[0].text : "no reason");
            cm_plan_free(&p);
            plans++;
        }
    }
    cm_baseline_free(&b);
    return plans;
}

static size_t all_pairs_and_triples(struct tl_set *s)
{
    size_t plans = 0;
    for (int aware = 0; aware < 2; aware++)
        for (size_t a = 0; a < s->n; a++)
            for (size_t b = a + 1; b < s->n; b++) {
                size_t two[2] = {a, b};
                plans += check_subset(s, two, 2, aware);
                for (size_t c = b + 1; c < s->n; c++) {
                    size_t three[3] = {a, b, c};
                    plans += check_subset(s, three, 3, aware);
                }
            }
    return plans;
}

START_TEST(arm64_dumps_pairs_and_triples)
{
    struct tl_set s;
    tl_set_dumps(&s, tl_arm64_fixtures, 6, 0);
    size_t plans = all_pairs_and_triples(&s);
    /* 15 pairs and 20 triples, two assumptions: at least one plan per host of each subset */
    ck_assert_uint_ge(plans, 2 * (15 * 2 + 20 * 3));
    fprintf(stderr, "arm64: %zu plans agree with their baseline\n", plans);
    tl_set_free(&s);
}
END_TEST

START_TEST(riscv64_lab_pairs_and_triples)
{
    struct tl_set s;
    tl_set_riscv(&s);
    size_t plans = all_pairs_and_triples(&s);
    ck_assert_uint_ge(plans, 2 * (6 * 2 + 4 * 3));
    fprintf(stderr, "riscv64: %zu plans agree with their baseline\n", plans);
    tl_set_free(&s);
}
END_TEST

/* Two hosts on 7.2 with different pointer-auth algorithms: A implements the IMPLEMENTATION
 * DEFINED algorithm for both address and generic auth (API = 1, GPI = 1); B has QARMA5 address
 * auth (APA = 5) and the IMP DEF generic one (GPI = 1).  Field by field the merge would keep
 * GPI = 1 and drop API: a vCPU with pointer auth shows both hosts' values, one without shows 0 in
 * all six, so no host presents that.  The group rule drops all six, and the model's plan leaves
 * both PTRAUTH init bits out on each host (KVM_ARM_VCPU_INIT takes them only together). */
START_TEST(pointer_auth_is_one_feature)
{
    struct cm_snapshot *s[2];
    struct cm_vector v[2];
    cm_error err = {0};
    const uint64_t isar1[2] = {(1ULL << 28) | (1ULL << 8), (1ULL << 28) | (5ULL << 4)};
    for (int i = 0; i < 2; i++) {
        s[i] = tl_load("ARM_NEOVERSE_V1_6.1");
        char k[32];
        snprintf(k, sizeof(k), "7.2.0-rules");
        cm_snapshot_set_str(&s[i]->kernel, k);
        s[i]->kver = CM_KVER(7, 2);
        cm_snapshot_set_str(&s[i]->host, i ? "qarma5" : "impdef");
        uint64_t old;
        ck_assert(cm_snapshot_get_u64(s[i], A64_ID_AA64ISAR1, &old));
        cm_snapshot_set_u64(s[i], A64_ID_AA64ISAR1, (old & ~PTRAUTH_ISAR1) | isar1[i]);
        s[i]->has_vcpu_features = true;
        s[i]->vcpu_features = (1u << A64_FEAT_PSCI_0_2) | (1u << A64_FEAT_PMU_V3) | A64_FEAT_PTRAUTH_MASK;
        ck_assert_int_eq(cm_snapshot_finish(s[i], &err), 0);
        ck_assert_msg(cm_vector_from_snapshot(s[i], &v[i], &err) == 0, "%s", err.msg);
    }
    const struct cm_vector *hosts[2] = {&v[0], &v[1]};
    struct cm_baseline b;
    ck_assert_int_eq(cm_baseline_ex(hosts, 2, CM_BL_GROUPS, &b, &err), 0);
    long s1 = a64_slot(A64_ID_AA64ISAR1);
    ck_assert_uint_eq(b.model.val[s1] & PTRAUTH_ISAR1, 0);
    for (int i = 0; i < 2; i++) {
        struct cm_plan p;
        ck_assert_int_eq(cm_plan_make(&b.model, s[i], &p, &err), 0);
        ck_assert_msg(p.ok == b.verdicts[i].enforceable, "%s: baseline and plan disagree", v[i].name);
        ck_assert_uint_eq(p.drop_init_features & A64_FEAT_PTRAUTH_MASK, A64_FEAT_PTRAUTH_MASK);
        cm_plan_free(&p);
    }
    cm_baseline_free(&b);
    for (int i = 0; i < 2; i++) {
        cm_vector_free(&v[i]);
        cm_snapshot_free(s[i]);
    }
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("enforce_invariant");
    TCase *tc = tcase_create("invariant");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, arm64_dumps_pairs_and_triples);
    tcase_add_test(tc, riscv64_lab_pairs_and_triples);
    tcase_add_test(tc, pointer_auth_is_one_feature);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
