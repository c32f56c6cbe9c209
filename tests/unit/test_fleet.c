/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The incremental baseline (cm_fleet, issue 14): after every step of random
 * add / change / remove sequences over real hosts (the arm64 and x86_64
 * Firecracker dumps, the arm64 dumps as Linux 6.12 hosts, the riscv64 lab
 * snapshots), its model and every slot's verdict equal a full recompute
 * (cm_baseline_ex over the hosts present, in slot order), and its on-demand
 * reasons are the full baseline's.
 */
#include <stdio.h>
#include <string.h>

#include "cpumodel/negotiate.h"
#include "testlib.h"

#define SLOTS 12
#define STEPS 400

static uint64_t rng = 0x853c49e6748fea9bULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static void check_equal(struct cm_fleet *f, const struct cm_vector *const *slot, size_t step)
{
    const struct cm_vector *present[SLOTS];
    size_t idx[SLOTS], n = 0;
    for (size_t s = 0; s < SLOTS; s++)
        if (slot[s]) {
            idx[n] = s;
            present[n++] = slot[s];
        }
    ck_assert_uint_eq(cm_fleet_count(f), n);
    if (!n) {
        ck_assert_ptr_null(cm_fleet_model(f));
        return;
    }
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert_int_eq(cm_baseline_ex(present, n, CM_BL_LAZY, &b, &err), 0);
    const struct cm_vector *m = cm_fleet_model(f);
    ck_assert_ptr_nonnull(m);
    size_t nw = m->ops->nwords;
    ck_assert_msg(m->nregs == b.model.nregs && !memcmp(m->reg_ids, b.model.reg_ids, m->nregs * sizeof(uint64_t)),
                  "step %zu: register lists differ", step);
    for (size_t w = 0; w < nw; w++)
        ck_assert_msg(m->val[w] == b.model.val[w] && m->present[w] == b.model.present[w] &&
                          m->novalue[w] == b.model.novalue[w],
                      "step %zu: word %s differs (incremental 0x%llx, full 0x%llx)", step, m->ops->words[w].name,
                      (unsigned long long)m->val[w], (unsigned long long)b.model.val[w]);
    ck_assert_uint_eq(m->kver, b.model.kver);
    ck_assert_uint_eq(m->vcpu_features, b.model.vcpu_features);
    for (size_t k = 0; k < n; k++) {
        const struct cm_host_verdict *v = cm_fleet_verdict(f, idx[k]);
        ck_assert_ptr_nonnull(v);
        const struct cm_block *x = &v->block, *y = &b.verdicts[k].block;
        ck_assert_msg(v->enforceable == b.verdicts[k].enforceable && same_str(x->rule, y->rule) &&
                          x->reg == y->reg && same_str(x->field, y->field) && x->have == y->have &&
                          x->want == y->want,
                      "step %zu: slot %zu (%s): incremental verdict %d %s, full %d %s", step, idx[k],
                      present[k]->name, v->enforceable, x->rule, b.verdicts[k].enforceable, y->rule);
    }
    /* reasons on demand for one slot */
    size_t k = next_rand() % n;
    struct cm_reasons r1 = {0}, r2 = {0};
    ck_assert_int_eq(cm_fleet_host_reasons(f, idx[k], 0, &r1), cm_baseline_host_reasons(&b, k, 0, &r2));
    ck_assert_uint_eq(r1.n, r2.n);
    for (size_t r = 0; r < r1.n; r++)
        ck_assert_str_eq(r1.v[r].text, r2.v[r].text);
    cm_reasons_free(&r1);
    cm_reasons_free(&r2);
    cm_baseline_free(&b);
}

static void run_sequence(struct tl_set *p, const char *what)
{
    struct cm_fleet *f = cm_fleet_new(NULL);
    const struct cm_vector *slot[SLOTS] = {0};
    size_t sets = 0, removes = 0, moves = 0;
    cm_error err = {0};
    for (size_t step = 0; step < STEPS; step++) {
        size_t s = next_rand() % SLOTS;
        const struct cm_vector *before = cm_fleet_model(f);
        uint64_t before_v = before ? before->val[0] ^ before->nregs : 0;
        if (slot[s] && next_rand() % 2 == 0) {
            cm_fleet_remove(f, s);
            slot[s] = NULL;
            removes++;
        } else {
            const struct cm_vector *h = &p->vec[next_rand() % p->n];
            ck_assert_int_eq(cm_fleet_set(f, s, h, &err), 0);
            slot[s] = h;
            sets++;
        }
        const struct cm_vector *after = cm_fleet_model(f);
        moves += (after ? after->val[0] ^ after->nregs : 0) != before_v;
        check_equal(f, slot, step);
    }
    fprintf(stderr, "%s: %zu sets, %zu removes, model moved %zu times: incremental == full at every step\n", what,
            sets, removes, moves);
    ck_assert_uint_gt(removes, 0);
    ck_assert_uint_gt(moves, 0);
    cm_fleet_free(f);
}

START_TEST(arm64_dumps)
{
    struct tl_set p;
    tl_set_dumps(&p, tl_arm64_fixtures, 6, 0);
    run_sequence(&p, "arm64 dumps");
    tl_set_free(&p);
}
END_TEST

START_TEST(arm64_dumps_as_6_12)
{
    struct tl_set p;
    tl_set_dumps(&p, tl_arm64_fixtures, 6, CM_KVER(6, 12));
    run_sequence(&p, "arm64 dumps on 6.12");
    tl_set_free(&p);
}
END_TEST

START_TEST(x86_dumps)
{
    struct tl_set p;
    tl_set_dumps(&p, tl_x86_fixtures, 12, 0);
    run_sequence(&p, "x86_64 dumps");
    tl_set_free(&p);
}
END_TEST

START_TEST(riscv64_lab)
{
    struct tl_set p;
    tl_set_riscv(&p);
    run_sequence(&p, "riscv64 lab snapshots");
    tl_set_free(&p);
}
END_TEST

START_TEST(other_arch_refused)
{
    struct tl_set a, x;
    tl_set_dumps(&a, tl_arm64_fixtures, 1, 0);
    tl_set_dumps(&x, tl_x86_fixtures, 1, 0);
    struct cm_fleet *f = cm_fleet_new(NULL);
    cm_error err = {0};
    ck_assert_int_eq(cm_fleet_set(f, 0, &a.vec[0], &err), 0);
    ck_assert_int_eq(cm_fleet_set(f, 1, &x.vec[0], &err), -1);
    ck_assert_int_eq(err.code, CM_E_MISMATCH);
    ck_assert_uint_eq(cm_fleet_count(f), 1);
    cm_fleet_free(f);
    tl_set_free(&a);
    tl_set_free(&x);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("fleet");
    TCase *tc = tcase_create("incremental_equals_full");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, arm64_dumps);
    tcase_add_test(tc, arm64_dumps_as_6_12);
    tcase_add_test(tc, x86_dumps);
    tcase_add_test(tc, riscv64_lab);
    tcase_add_test(tc, other_arch_refused);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
