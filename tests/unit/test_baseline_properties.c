/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Algebraic properties of the baseline over every combination of the real
 * arm64 host dumps: commutative, associative, idempotent; compare(baseline, h)
 * is compatible for every member the model is enforceable on; applying
 * plan(baseline, h) to h yields exactly the model's values; a model survives
 * the JSON round trip and merges the same afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

#define N 6
static struct cm_snapshot *snaps[N];
static struct cm_vector vecs[N];

static void setup(void)
{
    for (int i = 0; i < N; i++)
        snaps[i] = tl_vec(tl_arm64_fixtures[i], &vecs[i]);
}

static void teardown(void)
{
    for (int i = 0; i < N; i++) {
        cm_vector_free(&vecs[i]);
        cm_snapshot_free(snaps[i]);
    }
}

static void merge_or_die(const struct cm_vector *const *v, size_t n, struct cm_vector *out)
{
    cm_error err = {0};
    ck_assert_msg(cm_merge(v, n, out, NULL, NULL, &err) == 0, "merge: %s", err.msg);
}

START_TEST(commutative)
{
    char why[256];
    for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++) {
            const struct cm_vector *ab[2] = {&vecs[a], &vecs[b]}, *ba[2] = {&vecs[b], &vecs[a]};
            struct cm_vector m1, m2;
            merge_or_die(ab, 2, &m1);
            merge_or_die(ba, 2, &m2);
            ck_assert_msg(tl_same_values(&m1, &m2, why, sizeof(why)), "%s+%s: %s", vecs[a].name, vecs[b].name, why);
            cm_vector_free(&m1);
            cm_vector_free(&m2);
        }
}
END_TEST

START_TEST(associative)
{
    char why[256];
    size_t checked = 0;
    for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++)
            for (int c = 0; c < N; c++) {
                const struct cm_vector *ab[2] = {&vecs[a], &vecs[b]}, *bc[2] = {&vecs[b], &vecs[c]};
                const struct cm_vector *abc[3] = {&vecs[a], &vecs[b], &vecs[c]};
                struct cm_vector mab, mbc, left, right, flat;
                merge_or_die(ab, 2, &mab);
                merge_or_die(bc, 2, &mbc);
                const struct cm_vector *l[2] = {&mab, &vecs[c]}, *r[2] = {&vecs[a], &mbc};
                merge_or_die(l, 2, &left);
                merge_or_die(r, 2, &right);
                merge_or_die(abc, 3, &flat);
                ck_assert_msg(tl_same_values(&left, &right, why, sizeof(why)), "(%s+%s)+%s vs %s+(%s+%s): %s",
                              vecs[a].name, vecs[b].name, vecs[c].name, vecs[a].name, vecs[b].name, vecs[c].name, why);
                ck_assert_msg(tl_same_values(&left, &flat, why, sizeof(why)), "nested vs flat: %s", why);
                cm_vector_free(&mab);
                cm_vector_free(&mbc);
                cm_vector_free(&left);
                cm_vector_free(&right);
                cm_vector_free(&flat);
                checked++;
            }
    ck_assert_uint_eq(checked, N * N * N);
}
END_TEST

START_TEST(idempotent)
{
    char why[256];
    for (int a = 0; a < N; a++) {
        const struct cm_vector *aa[2] = {&vecs[a], &vecs[a]}, *one[1] = {&vecs[a]};
        struct cm_vector m, m1;
        merge_or_die(aa, 2, &m);
        merge_or_die(one, 1, &m1);
        ck_assert_msg(tl_same_values(&m, &vecs[a], why, sizeof(why)), "%s+%s: %s", vecs[a].name, vecs[a].name, why);
        ck_assert_msg(tl_same_values(&m1, &vecs[a], why, sizeof(why)), "%s alone: %s", vecs[a].name, why);
        cm_vector_free(&m);
        cm_vector_free(&m1);
    }
}
END_TEST

/* Every non-empty subset of the 6 hosts (singletons included: a host is its own model). */
START_TEST(compare_and_plan_hold_for_members)
{
    size_t subsets = 0, enforceable_members = 0;
    for (unsigned mask = 1; mask < (1u << N); mask++) {
        const struct cm_vector *set[N];
        size_t n = 0;
        for (int i = 0; i < N; i++)
            if (mask & (1u << i))
                set[n++] = &vecs[i];
        struct cm_baseline b;
        cm_error err = {0};
        ck_assert_msg(cm_baseline(set, n, false, &b, &err) == 0, "%s", err.msg);
        subsets++;
        for (size_t h = 0; h < n; h++) {
            /* Every model field is no more than what each host offers, by policy. */
            const struct cm_arch_ops *ops = b.model.ops;
            for (size_t w = 0; w < ops->nwords; w++) {
                if (!b.model.present[w] || b.model.novalue[w])
                    continue;
                for (uint16_t fi = 0; fi < ops->words[w].nfields; fi++) {
                    const struct cm_field *f = &ops->words[w].fields[fi];
                    if (f->policy == CM_POL_IDENTITY || f->policy == CM_POL_IGNORE)
                        continue;
                    ck_assert_msg(cm_field_provides(f, cm_field_get(f, set[h]->val[w]),
                                                    cm_field_get(f, b.model.val[w])),
                                  "%s.%s: model 0x%llx exceeds %s's 0x%llx", ops->words[w].name, f->name,
                                  (unsigned long long)cm_field_get(f, b.model.val[w]), set[h]->name,
                                  (unsigned long long)cm_field_get(f, set[h]->val[w]));
                }
            }
            if (!b.verdicts[h].enforceable)
                continue;
            enforceable_members++;
            struct cm_reasons rs = {0};
            bool ok = cm_compare(&b.model, set[h], set[h]->snap, &rs);
            ck_assert_msg(ok, "compare(baseline, %s) incompatible though enforceable: %s", set[h]->name,
                          rs.n ? rs.v[0].text : "?");
            cm_reasons_free(&rs);

            struct cm_plan p;
            ck_assert_msg(cm_plan_make(&b.model, set[h]->snap, &p, &err) == 0, "%s", err.msg);
            ck_assert_msg(p.ok, "plan for %s not ok: %s", set[h]->name, p.reasons.n ? p.reasons.v[0].text : "?");
            struct cm_vector after;
            cm_vector_copy(&after, set[h]);
            cm_plan_apply(&p, &after);
            for (size_t w = 0; w < ops->nwords; w++) {
                if (!b.model.present[w] || b.model.novalue[w])
                    continue;
                ck_assert_msg(after.val[w] == b.model.val[w], "%s: plan leaves %s = 0x%llx, model 0x%llx",
                              set[h]->name, ops->words[w].name, (unsigned long long)after.val[w],
                              (unsigned long long)b.model.val[w]);
            }
            cm_vector_free(&after);
            cm_plan_free(&p);
        }
        cm_baseline_free(&b);
    }
    ck_assert_uint_eq(subsets, 63); /* 2^6 - 1 */
    /* every singleton is enforceable on itself, so at least 6 members were checked */
    ck_assert_uint_ge(enforceable_members, N);
}
END_TEST

/* A model written as JSON and read back merges exactly like the in-memory one. */
START_TEST(model_json_round_trip)
{
    char why[256];
    const struct cm_vector *set[2] = {&vecs[2], &vecs[5]}; /* N1 6.1, V1 6.1 */
    struct cm_vector m;
    merge_or_die(set, 2, &m);
    cm_error err = {0};
    struct cm_snapshot *ms = cm_model_snapshot(&m, set, 2, &err);
    ck_assert_msg(ms, "%s", err.msg);
    ck_assert_int_eq(ms->kind, CM_KIND_MODEL);
    ck_assert_uint_eq(ms->nmembers, 2);
    char *text = NULL;
    ck_assert_int_eq(cm_snapshot_to_json_string(ms, &text), 0);
    struct cm_snapshot *back = NULL;
    ck_assert_msg(cm_snapshot_parse(text, strlen(text), "model.json", &back, &err) == 0, "%s", err.msg);
    struct cm_vector mv;
    ck_assert_msg(cm_vector_from_snapshot(back, &mv, &err) == 0, "%s", err.msg);
    ck_assert_msg(tl_same_values(&mv, &m, why, sizeof(why)), "after JSON: %s", why);
    /* and the model merges with a third host exactly as the hosts would */
    const struct cm_vector *l[2] = {&mv, &vecs[1]}, *flat[3] = {&vecs[2], &vecs[5], &vecs[1]};
    struct cm_vector a, b;
    merge_or_die(l, 2, &a);
    merge_or_die(flat, 3, &b);
    ck_assert_msg(tl_same_values(&a, &b, why, sizeof(why)), "model+host vs hosts: %s", why);
    cm_vector_free(&a);
    cm_vector_free(&b);
    cm_vector_free(&mv);
    cm_snapshot_free(back);
    free(text);
    cm_snapshot_free(ms);
    cm_vector_free(&m);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("baseline_properties");
    TCase *tc = tcase_create("arm64 fixtures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, commutative);
    tcase_add_test(tc, associative);
    tcase_add_test(tc, idempotent);
    tcase_add_test(tc, compare_and_plan_hold_for_members);
    tcase_add_test(tc, model_json_round_trip);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
