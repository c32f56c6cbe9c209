/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fast verdicts (issue 14): the text-free verdict pass (cm_enforce_verdict,
 * memoised per kind of host by cm_verdicts, CM_BL_LAZY baselines) decides
 * exactly what the full text path (cm_enforce_rule with reasons) decides, on
 * real data: every pair and triple and the whole set of the Firecracker
 * dumps (arm64 4.14 / 5.10 / 6.1, x86_64 Intel and AMD on three kernels),
 * the arm64 dumps again as Linux 6.12 hosts (writable ID registers), and the
 * riscv64 lab snapshots (6.12 / 7.2, with and without Zba, V, Smnpm); under
 * both VMM restore assumptions.  For every model and every host of the arch
 * (members and not), also in fleets with repeated kinds under other names:
 *   - the fast verdict equals the text path's, first-reason and full;
 *   - the blocking field is the text path's first error (rule, register,
 *     field, values), and a first-reason pass reports that one error only;
 *   - a lazy baseline has the verdicts of a full one, and its on-demand
 *     reasons are the full one's reasons.
 */
#include <stdio.h>
#include <string.h>

#include "cpumodel/negotiate.h"
#include "testlib.h"


static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

struct tally {
    size_t checked, enforceable, blocked;
};

/* The text path's verdict of `model` on `host` against the fast one. */
static void check_one(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *a,
                      const struct cm_host_verdict *fast, struct tally *t)
{
    struct cm_reasons first = {0}, all = {0};
    bool ok1 = cm_enforce_rule(model, host, a, 0, &first, 1, NULL);
    bool ok = cm_enforce_rule(model, host, a, 0, &all, 0, NULL);
    ck_assert_msg(ok1 == ok, "%s on %s: first-reason and full text verdicts differ", model->name, host->name);
    ck_assert_msg(fast->enforceable == ok, "%s on %s: fast verdict %d, text path %d", model->name, host->name,
                  fast->enforceable, ok);
    t->checked++;
    if (ok) {
        t->enforceable++;
        ck_assert_ptr_null(fast->block.rule);
    } else {
        t->blocked++;
        const struct cm_reason *r = NULL;
        for (size_t k = 0; k < first.n && !r; k++)
            if (first.v[k].sev == CM_SEV_ERROR)
                r = &first.v[k];
        ck_assert_msg(r, "%s on %s: not enforceable without an error reason", model->name, host->name);
        size_t errors = 0; /* a first-reason pass reports one error: the first, not its register's all */
        for (size_t k = 0; k < first.n; k++)
            errors += first.v[k].sev == CM_SEV_ERROR;
        ck_assert_msg(errors == 1, "%s on %s: first-reason pass gave %zu errors", model->name, host->name, errors);
        const struct cm_block *b = &fast->block;
        ck_assert_msg(same_str(b->rule, r->rule) && b->reg == r->reg && same_str(b->field, r->field) &&
                          b->has_values == r->has_values && b->have == r->have && b->want == r->want,
                      "%s on %s: fast block %s 0x%llx %s, text path's first error %s 0x%llx %s (%s)", model->name,
                      host->name, b->rule, (unsigned long long)b->reg, b->field ? b->field : "-", r->rule,
                      (unsigned long long)r->reg, r->field ? r->field : "-", r->text);
    }
    cm_reasons_free(&first);
    cm_reasons_free(&all);
}

/* The host's snapshot as another file of the same kind would read: its own
 * object, another name, source and time; with `flip`, also one fact the
 * rule reads changed (arm64: whether KVM took a lowered ID register; other
 * arches: a fact of their own added), so the content differs. */
static struct cm_snapshot *other_file(const struct cm_snapshot *s, int k, bool flip)
{
    struct cm_snapshot *d = cm_snapshot_dup(s);
    char name[64];
    snprintf(name, sizeof(name), "%s-file%d", s->host ? s->host : "host", k);
    cm_snapshot_set_str(&d->host, name);
    cm_snapshot_set_str(&d->source, "file:elsewhere.json");
    cm_snapshot_set_str(&d->created, "2031-01-01T00:00:00Z");
    d->probe_ms = 12.5;
    ck_assert(cm_snapshot_same_content(s, d));
    if (flip) {
        cm_error err = {0};
        const struct cm_fact *f = cm_snapshot_find_fact(d, CM_FACT_ARM64_WRITABLE_ID_REGS);
        if (f)
            ((struct cm_fact *)f)->value = !f->value;
        else
            ck_assert_int_eq(cm_snapshot_add_fact(d, s->arch == CM_ARCH_ARM64 ? CM_FACT_ARM64_WRITABLE_ID_REGS
                                                                               : "test.other_content",
                                                  1, &err),
                             0);
        ck_assert(!cm_snapshot_same_content(s, d));
    }
    return d;
}

/* Every host of the set, each four times more under another name: one copy
 * sharing the register list, one with its own, one read from another file of
 * the same content, one whose file differs in a fact the rule reads.  The
 * memo must give each copy the verdict its own evaluation gives (and shares
 * it across files only when their content is equal). */
#define COPIES 4
static void check_model(const struct cm_vector *model, struct tl_set *s, const struct cm_assume *a, struct tally *t)
{
    struct cm_vector copies[COPIES * TL_SET_MAX];
    struct cm_snapshot *files[COPIES * TL_SET_MAX] = {0};
    const struct cm_vector *fleet[(COPIES + 1) * TL_SET_MAX];
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        fleet[n++] = &s->vec[i];
        for (int c = 0; c < COPIES; c++) {
            struct cm_vector *v = &copies[COPIES * i + c];
            cm_vector_copy(v, &s->vec[i]);
            if (c == 1)
                cm_vector_share_regs(v, &s->vec[i]);
            if (c >= 2 && s->vec[i].snap)
                v->snap = files[COPIES * i + c] = other_file(s->vec[i].snap, c, c == 3);
            free(v->name);
            v->name = cm_xasprintf("%s-copy%d", s->vec[i].name, c);
            fleet[n++] = v;
        }
    }
    struct cm_host_verdict *fast = cm_xcalloc(n, sizeof(*fast));
    cm_verdicts(model, fleet, n, a, fast);
    for (size_t h = 0; h < n; h++) {
        struct cm_host_verdict one = {0};
        one.enforceable = cm_enforce_verdict(model, fleet[h], a, &one.block);
        ck_assert_int_eq(one.enforceable, fast[h].enforceable);
        check_one(model, fleet[h], a, &fast[h], t);
    }
    free(fast);
    for (size_t i = 0; i < COPIES * s->n; i++) {
        cm_vector_free(&copies[i]);
        cm_snapshot_free(files[i]);
    }
}

/* A lazy baseline against a full one over the same members. */
static void check_baseline(const struct cm_vector *const *members, size_t n, unsigned plan_aware, struct tl_set *s,
                           struct tally *t)
{
    cm_error err = {0};
    struct cm_baseline full, lazy;
    ck_assert_int_eq(cm_baseline_ex(members, n, plan_aware, &full, &err), 0);
    ck_assert_int_eq(cm_baseline_ex(members, n, plan_aware | CM_BL_LAZY, &lazy, &err), 0);
    ck_assert_int_eq(full.enforceable_everywhere, lazy.enforceable_everywhere);
    for (size_t h = 0; h < n; h++) {
        ck_assert_int_eq(full.verdicts[h].enforceable, lazy.verdicts[h].enforceable);
        ck_assert_uint_eq(lazy.verdicts[h].reasons.n, 0);
        struct cm_reasons rs = {0};
        ck_assert_int_eq(cm_baseline_host_reasons(&lazy, h, 0, &rs), full.verdicts[h].enforceable);
        ck_assert_uint_eq(rs.n, full.verdicts[h].reasons.n);
        for (size_t k = 0; k < rs.n; k++)
            ck_assert_str_eq(rs.v[k].text, full.verdicts[h].reasons.v[k].text);
        cm_reasons_free(&rs);
    }
    check_model(&full.model, s, &full.assume, t);
    cm_baseline_free(&full);
    cm_baseline_free(&lazy);
}

static void check_set(struct tl_set *s, const char *what)
{
    struct tally t = {0};
    for (unsigned pa = 0; pa < 2; pa++) {
        unsigned flags = pa ? CM_BL_PLAN_AWARE : 0;
        const struct cm_vector *m[TL_SET_MAX];
        for (size_t i = 0; i < s->n; i++)
            m[i] = &s->vec[i];
        check_baseline(m, s->n, flags, s, &t);
        for (size_t i = 0; i < s->n; i++)
            check_baseline(&m[i], 1, flags, s, &t);
        for (size_t i = 0; i < s->n; i++)
            for (size_t j = i + 1; j < s->n; j++) {
                const struct cm_vector *p[3] = {&s->vec[i], &s->vec[j]};
                check_baseline(p, 2, flags, s, &t);
                for (size_t k = j + 1; k < s->n && s->n <= 6; k++) {
                    p[2] = &s->vec[k];
                    check_baseline(p, 3, flags, s, &t);
                }
            }
    }
    fprintf(stderr, "%s: %zu verdicts equal (%zu enforceable, %zu blocked)\n", what, t.checked, t.enforceable,
            t.blocked);
    /* both outcomes occur, so the comparison could have failed either way */
    ck_assert_uint_gt(t.enforceable, 0);
    ck_assert_uint_gt(t.blocked, 0);
}

/* One loop iteration per fleet (tl_set_fleet). */
START_TEST(fleet)
{
    struct tl_set s;
    const char *what = tl_set_fleet(&s, _i);
    check_set(&s, what);
    tl_set_free(&s);
}
END_TEST

/* Two files of one kind share a verdict only when equal in everything the
 * rule may read: every change below (a register value, the kernel, a
 * capability, a CPUID entry, an MSR) makes the content differ. */
START_TEST(snapshot_content)
{
    struct cm_snapshot *arm = tl_load("ARM_NEOVERSE_N1_6.1"), *x86 = tl_load("AMD_MILAN_6.1");
    struct cm_snapshot *base[2] = {arm, x86};
    for (int b = 0; b < 2; b++) {
        const struct cm_snapshot *s = base[b];
        for (int change = 0; change < 5; change++) {
            struct cm_snapshot *d = other_file(s, change, false);
            bool changed = true;
            switch (change) {
            case 0:
                ck_assert_uint_gt(d->nwords, 0);
                d->words[d->nwords / 2] ^= 1;
                break;
            case 1:
                cm_snapshot_set_str(&d->kernel, "9.9.9-test");
                break;
            case 2:
                if ((changed = d->ncaps > 0))
                    d->caps[0].sys++;
                break;
            case 3:
                if ((changed = d->ncpuid > 0))
                    d->cpuid[d->ncpuid - 1].ecx ^= 1u << 5;
                break;
            case 4:
                if ((changed = d->nmsrs > 0))
                    d->msrs[0].value ^= 1;
                break;
            }
            if (changed)
                ck_assert_msg(!cm_snapshot_same_content(s, d), "%s: change %d not seen", s->host, change);
            cm_snapshot_free(d);
        }
    }
    ck_assert(!cm_snapshot_same_content(arm, x86));
    ck_assert(!cm_snapshot_same_content(arm, NULL));
    ck_assert(cm_snapshot_same_content(NULL, NULL));
    cm_snapshot_free(arm);
    cm_snapshot_free(x86);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("verdicts");
    TCase *tc = tcase_create("fast_equals_text");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, fleet, 0, TL_FLEETS);
    tcase_add_test(tc, snapshot_content);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
