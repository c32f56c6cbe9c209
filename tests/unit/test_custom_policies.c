/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The merge contract every field policy keeps (cpumodel/field.h, struct
 * cm_custom_policy): merge(a, a) is a, and a value that merged once keeps
 * merging into the result without changing it, however the result moved on
 * since.  cm_merge folds each distinct value of a word once and each kind of
 * host once on the strength of it, so a policy that broke it would make a
 * fleet's model depend on how many copies of a host it has.
 *
 * Checked exhaustively over small value sets for every field of every word
 * of every architecture's table (built-in and custom policies alike): the
 * field's small values, its all-ones value, its safe value, and the values
 * the real dumps and riscv fixtures hold for it.  The expected behaviour is
 * the contract itself, evaluated through cm_field_merge (the one function
 * both the fold and this test call); nothing here comes from cm_merge.
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

#define DOMAIN_MAX 64

struct domain {
    uint64_t v[DOMAIN_MAX];
    size_t n;
};

static void add(struct domain *d, uint64_t x)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i] == x)
            return;
    if (d->n < DOMAIN_MAX)
        d->v[d->n++] = x;
}

/* The values the real hosts hold for field f of word `slot`. */
static void add_real(struct domain *d, const struct tl_set *s, const struct cm_arch_ops *ops, size_t slot,
                     const struct cm_field *f)
{
    for (size_t h = 0; h < s->n; h++)
        if (s->vec[h].ops == ops && s->vec[h].present[slot])
            add(d, cm_field_get(f, s->vec[h].val[slot]));
}

/* merge(m, x) as the fold applies it: a failed merge keeps m. */
static uint64_t fold(const struct cm_field *f, uint64_t m, uint64_t x)
{
    uint64_t r;
    return cm_field_merge(f, m, x, &r) ? r : m;
}

static size_t check_field(const struct cm_word *w, const struct cm_field *f, const struct domain *d)
{
    size_t checked = 0;
    for (size_t i = 0; i < d->n; i++) {
        uint64_t a = d->v[i], r;
        bool ok = cm_field_merge(f, a, a, &r);
        ck_assert_msg(ok && r == a, "%s.%s (%s): merge(0x%llx, itself) gives %s0x%llx", w->name, f->name,
                      cm_policy_name(f), (unsigned long long)a, ok ? "" : "a failure, ", (unsigned long long)r);
    }
    if (f->policy == CM_POL_IDENTITY) /* a difference takes the word out of the fold (no value) */
        return checked;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->n; j++) {
            uint64_t a = d->v[i], b = d->v[j], m;
            if (!cm_field_merge(f, a, b, &m))
                continue; /* b did not merge: it will be folded (and reported) again */
            for (size_t k = 0; k < d->n; k++) {
                uint64_t m2 = fold(f, m, d->v[k]), r;
                bool ok = cm_field_merge(f, m2, b, &r);
                ck_assert_msg(ok && r == m2,
                              "%s.%s (%s): 0x%llx merged into 0x%llx giving 0x%llx, which moved on to 0x%llx "
                              "(with 0x%llx); merging 0x%llx again gives %s0x%llx",
                              w->name, f->name, cm_policy_name(f), (unsigned long long)b, (unsigned long long)a,
                              (unsigned long long)m, (unsigned long long)m2, (unsigned long long)d->v[k],
                              (unsigned long long)b, ok ? "" : "a failure, ", (unsigned long long)r);
                checked++;
            }
        }
    return checked;
}

START_TEST(every_policy_absorbs_a_value_it_merged)
{
    struct tl_set dumps, rv;
    tl_set_dumps(&dumps, tl_x86_fixtures, 12, 0);
    struct tl_set arm;
    tl_set_dumps(&arm, tl_arm64_fixtures, 6, 0);
    tl_set_riscv(&rv);
    static const enum cm_arch arches[] = {CM_ARCH_ARM64, CM_ARCH_X86_64, CM_ARCH_RISCV64};
    size_t fields = 0, customs = 0, triples = 0;
    for (size_t ai = 0; ai < CM_ARRAY_SIZE(arches); ai++) {
        const struct cm_arch_ops *ops = cm_arch_ops(arches[ai]);
        ck_assert_ptr_nonnull(ops);
        for (size_t slot = 0; slot < ops->nwords; slot++) {
            const struct cm_word *w = &ops->words[slot];
            for (uint16_t fi = 0; fi < w->nfields; fi++) {
                const struct cm_field *f = &w->fields[fi];
                uint64_t ones = f->width >= 64 ? ~0ULL : (1ULL << f->width) - 1;
                struct domain d = {.n = 0};
                for (uint64_t x = 0; x <= 17 && x <= ones; x++)
                    add(&d, x);
                add(&d, ones);
                add(&d, ones >> 1);
                add(&d, f->safe & ones);
                if (f->policy == CM_POL_CUSTOM) /* versions as firmware encodes them: major << 16 | minor */
                    for (uint64_t major = 0; major <= 2; major++)
                        for (uint64_t minor = 0; minor <= 3; minor++)
                            add(&d, (major << 16 | minor) & ones);
                add_real(&d, &arm, ops, slot, f);
                add_real(&d, &dumps, ops, slot, f);
                add_real(&d, &rv, ops, slot, f);
                triples += check_field(w, f, &d);
                fields++;
                customs += f->policy == CM_POL_CUSTOM;
            }
        }
    }
    /* the tables are not empty, and the custom policies were among them */
    ck_assert_uint_gt(fields, 200);
    ck_assert_uint_gt(customs, 5);
    ck_assert_uint_gt(triples, 100000);
    tl_set_free(&dumps);
    tl_set_free(&arm);
    tl_set_free(&rv);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("custom_policies");
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_policy_absorbs_a_value_it_merged);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
