/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The merge's shortcuts give the field-by-field answer.  cm_merge folds most
 * fields a whole word at a time (SWAR min/max on nibbles, AND/OR masks),
 * skips values a word already absorbed, and computes the register list once
 * per distinct kind of host.  Expected values here come from cm_field_merge()
 * applied field by field (the kernel's arm64_ftr_safe_value() rules, tested
 * on their own in test_arm64_decode) and from merging the distinct hosts
 * only — never from the shortcut paths under test.
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random value for a word that keeps nibble fields small or large, so
 * signed fields see both signs and unsigned ones both orders. */
static uint64_t random_word(void)
{
    uint64_t v = next_rand();
    if (next_rand() & 1)
        v &= 0x7777777777777777ULL;
    return v;
}

/* Every field of a two-host merge equals cm_field_merge() of the two values;
 * raw bits are the AND.  Words where some field has no common value (EQUAL,
 * IDENTITY, a failing custom rule) are left to the policy tests. */
static void check_pairs(struct cm_vector *a, struct cm_vector *b, int rounds)
{
    const struct cm_arch_ops *ops = a->ops;
    size_t checked = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t s = 0; s < ops->nwords; s++) {
            if (!a->present[s] || !b->present[s] || a->novalue[s] || b->novalue[s])
                continue;
            if (ops->words[s].flags & (CM_WORDF_NOVALUE | CM_WORDF_DERIVED))
                continue;
            a->val[s] = random_word();
            b->val[s] = next_rand() & 3 ? random_word() : a->val[s];
        }
        const struct cm_vector *pair[2] = {a, b};
        struct cm_vector m;
        cm_error err = {0};
        ck_assert_msg(cm_merge(pair, 2, &m, NULL, NULL, &err) == 0, "%s", err.msg);
        /* all-or-nothing field groups (arm64 pointer auth: one vCPU feature, KVM-FACTS §A.3.4): where
         * the two differ anywhere in a group, every bit of it is 0 */
        uint64_t *cleared = calloc(ops->nwords, sizeof(uint64_t));
        for (size_t g = 0; g < ops->ngroups; g++) {
            bool differ = false;
            for (size_t k = 0; k < ops->groups[g].nparts; k++) {
                long s = cm_vector_word_index(a, ops->groups[g].parts[k].word_id);
                differ |= s >= 0 && ((a->val[s] ^ b->val[s]) & ops->groups[g].parts[k].mask);
            }
            for (size_t k = 0; differ && k < ops->groups[g].nparts; k++) {
                long s = cm_vector_word_index(a, ops->groups[g].parts[k].word_id);
                if (s >= 0)
                    cleared[s] |= ops->groups[g].parts[k].mask;
            }
        }
        for (size_t s = 0; s < ops->nwords; s++) {
            const struct cm_word *w = &ops->words[s];
            if (!m.present[s] || m.novalue[s] || (w->flags & (CM_WORDF_NOVALUE | CM_WORDF_DERIVED)))
                continue;
            uint64_t want = a->val[s];
            bool common = true;
            for (uint16_t fi = 0; fi < w->nfields && common; fi++) {
                const struct cm_field *f = &w->fields[fi];
                uint64_t fv;
                common = cm_field_merge(f, cm_field_get(f, a->val[s]), cm_field_get(f, b->val[s]), &fv);
                want = cm_field_put(f, want, fv);
            }
            if (!common)
                continue;
            uint64_t raw = cm_word_raw_mask(w);
            want = (want & ~raw) | (a->val[s] & b->val[s] & raw);
            want &= ~cleared[s];
            ck_assert_msg(m.val[s] == want, "%s %s: merge(0x%llx, 0x%llx) = 0x%llx, field by field 0x%llx",
                          cm_arch_name(ops->arch), w->name, (unsigned long long)a->val[s],
                          (unsigned long long)b->val[s], (unsigned long long)m.val[s], (unsigned long long)want);
            checked++;
        }
        free(cleared);
        cm_vector_free(&m);
    }
    ck_assert_msg(checked > 100, "only %zu words compared", checked);
}

/* check_pairs() over two real dumps of one architecture */
static void check_dumps(const char *na, const char *nb)
{
    struct cm_vector a, b;
    struct cm_snapshot *sa = tl_vec(na, &a), *sb = tl_vec(nb, &b);
    check_pairs(&a, &b, 300);
    cm_vector_free(&a);
    cm_vector_free(&b);
    cm_snapshot_free(sa);
    cm_snapshot_free(sb);
}

START_TEST(arm64_words_match_field_rules)
{
    check_dumps("ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1");
}
END_TEST

START_TEST(x86_words_match_field_rules)
{
    check_dumps("INTEL_CASCADELAKE_6.1", "INTEL_ICELAKE_6.1");
}
END_TEST

static struct cm_snapshot *load_rv(const char *file, struct cm_vector *v)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fixtures/riscv64/%s", CPUMODEL_SOURCE_DIR, file);
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_load(path, &s, &err) == 0 && cm_vector_from_snapshot(s, v, &err) == 0, "%s: %s", file,
                  err.msg);
    return s;
}

START_TEST(riscv64_words_match_field_rules)
{
    struct cm_vector a, b;
    struct cm_snapshot *sa = load_rv("rv64-qemu-6.12.json", &a), *sb = load_rv("rv64-qemu-7.2.json", &b);
    check_pairs(&a, &b, 300);
    cm_vector_free(&a);
    cm_vector_free(&b);
    cm_snapshot_free(sa);
    cm_snapshot_free(sb);
}
END_TEST

/* Frees a fleet of n copies and the nseeds hosts they were copied from. */
static void free_fleet(struct cm_vector *fleet, const struct cm_vector **pf, size_t n, struct cm_vector *seeds,
                       struct cm_snapshot **snaps, size_t nseeds)
{
    for (size_t i = 0; i < n; i++)
        cm_vector_free(&fleet[i]);
    free(fleet);
    free(pf);
    for (size_t i = 0; i < nseeds; i++) {
        cm_vector_free(&seeds[i]);
        cm_snapshot_free(snaps[i]);
    }
}

/* A fleet of many copies of a few real hosts (plus lowered copies) merges to
 * what the distinct hosts merge to: values, presence and register list. */
static void check_fleet(const char *const *names, size_t nnames)
{
    struct cm_vector seeds[6];
    struct cm_snapshot *snaps[6];
    for (size_t i = 0; i < nnames; i++)
        snaps[i] = tl_vec(names[i], &seeds[i]);
    const size_t n = 3000;
    struct cm_vector *fleet = calloc(n, sizeof(*fleet));
    const struct cm_vector **pf = calloc(n, sizeof(*pf));
    const struct cm_vector *distinct[6];
    for (size_t i = 0; i < nnames; i++)
        distinct[i] = &seeds[i];
    for (size_t i = 0; i < n; i++) {
        cm_vector_copy(&fleet[i], &seeds[i % nnames]);
        /* half the fleet borrows its kind's register list, as a registry does */
        if (i % 2)
            ck_assert(cm_vector_share_regs(&fleet[i], &seeds[i % nnames]));
        pf[i] = &fleet[i];
    }
    struct cm_vector big, small;
    cm_error err = {0};
    ck_assert_msg(cm_merge(pf, n, &big, NULL, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(cm_merge(distinct, nnames, &small, NULL, NULL, &err) == 0, "%s", err.msg);
    char why[256];
    ck_assert_msg(tl_same_values(&big, &small, why, sizeof(why)), "%s fleet of %zu: %s", names[0], n, why);
    cm_vector_free(&big);
    cm_vector_free(&small);
    free_fleet(fleet, pf, n, seeds, snaps, nnames);
}

START_TEST(fleet_of_copies_merges_like_distinct_hosts)
{
    static const char *const arm[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1", "ARM_NEOVERSE_N1_5.10",
                                      "ARM_NEOVERSE_V1_5.10", "ARM_NEOVERSE_V1_4.14"};
    static const char *const x86[] = {"INTEL_SKYLAKE_6.1", "INTEL_CASCADELAKE_5.10", "INTEL_ICELAKE_6.1"};
    check_fleet(arm, 5);
    check_fleet(x86, 3);
}
END_TEST

/* Hosts whose register lists differ only where the model hides a feature
 * still intersect correctly when many copies of each come in any order: the
 * per-kind register list must be recomputed for each kind, never reused
 * across kinds.  V1 (SVE, ptrauth) and N1 differ in exactly those inputs. */
START_TEST(register_list_per_kind)
{
    struct cm_vector n1, v1;
    struct cm_snapshot *sn = tl_vec("ARM_NEOVERSE_N1_6.1", &n1), *sv = tl_vec("ARM_NEOVERSE_V1_6.1", &v1);
    const size_t n = 64;
    struct cm_vector *fleet = calloc(n, sizeof(*fleet));
    const struct cm_vector **pf = calloc(n, sizeof(*pf));
    for (size_t i = 0; i < n; i++) {
        cm_vector_copy(&fleet[i], next_rand() & 1 ? &n1 : &v1);
        pf[i] = &fleet[i];
    }
    struct cm_vector big, pair_model;
    const struct cm_vector *pair[2] = {&n1, &v1};
    cm_error err = {0};
    ck_assert(cm_merge(pf, n, &big, NULL, NULL, &err) == 0);
    ck_assert(cm_merge(pair, 2, &pair_model, NULL, NULL, &err) == 0);
    /* the expected list, built here: each host's effective list, intersected */
    uint64_t *a, *b;
    size_t na, nb;
    cm_vector_effective_regs(&n1, &pair_model, &a, &na);
    cm_vector_effective_regs(&v1, &pair_model, &b, &nb);
    size_t k = 0;
    for (size_t i = 0, j = 0; i < na && j < nb;) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            ck_assert_msg(k < big.nregs && big.reg_ids[k] == a[i], "register %zu: 0x%llx missing or out of order", k,
                          (unsigned long long)a[i]);
            k++, i++, j++;
        }
    }
    ck_assert_uint_eq(k, big.nregs);
    free(a);
    free(b);
    cm_vector_free(&big);
    cm_vector_free(&pair_model);
    for (size_t i = 0; i < n; i++)
        cm_vector_free(&fleet[i]);
    free(fleet);
    free(pf);
    cm_vector_free(&n1);
    cm_vector_free(&v1);
    cm_snapshot_free(sn);
    cm_snapshot_free(sv);
}
END_TEST

/* Reports stay per host when a fleet repeats kinds: every host whose value
 * has no common value with what was merged before it is reported, in host
 * order, however many copies of its kind came before (cm_merge folds each
 * kind once and only re-folds kinds that reported).  The expected list is a
 * plain fold written here: host by host, word by word, field by field with
 * cm_field_merge, no shortcut. */
static void check_reports(const char *const *names, size_t nnames, size_t n)
{
    struct cm_vector seeds[8];
    struct cm_snapshot *snaps[8];
    for (size_t i = 0; i < nnames; i++)
        snaps[i] = tl_vec(names[i], &seeds[i]);
    struct cm_vector *fleet = calloc(n, sizeof(*fleet));
    const struct cm_vector **pf = calloc(n, sizeof(*pf));
    for (size_t i = 0; i < n; i++) {
        cm_vector_copy(&fleet[i], &seeds[i < nnames ? i : next_rand() % nnames]);
        free(fleet[i].name);
        fleet[i].name = cm_xasprintf("h%04zu", i);
        pf[i] = &fleet[i];
    }
    const struct cm_arch_ops *ops = seeds[0].ops;
    struct expected {
        const char *host, *field;
        uint64_t reg;
    } *want = NULL;
    size_t nwant = 0;
    uint64_t *acc = calloc(ops->nwords, sizeof(uint64_t));
    bool *live = calloc(ops->nwords, sizeof(bool));
    for (size_t s = 0; s < ops->nwords; s++) {
        live[s] = !pf[0]->novalue[s];
        for (size_t h = 0; h < n; h++)
            live[s] &= pf[h]->present[s] && !pf[h]->novalue[s];
        acc[s] = pf[0]->val[s];
    }
    for (size_t h = 1; h < n; h++)
        for (size_t s = 0; s < ops->nwords; s++) {
            const struct cm_word *w = &ops->words[s];
            for (uint16_t fi = 0; live[s] && fi < w->nfields; fi++) {
                const struct cm_field *f = &w->fields[fi];
                uint64_t m;
                if (cm_field_merge(f, cm_field_get(f, acc[s]), cm_field_get(f, pf[h]->val[s]), &m))
                    acc[s] = cm_field_put(f, acc[s], m);
                else if (f->policy == CM_POL_IDENTITY)
                    live[s] = false; /* the word leaves the fold with no value (a warning, not a report) */
                else {
                    want = realloc(want, (nwant + 1) * sizeof(*want));
                    want[nwant++] = (struct expected){pf[h]->name, f->name, w->id};
                }
            }
        }
    struct cm_vector model;
    struct cm_reasons got = {0}, notes = {0};
    cm_error err = {0};
    ck_assert_msg(cm_merge(pf, n, &model, &got, &notes, &err) == 0, "%s", err.msg);
    ck_assert_msg(nwant > nnames, "%s: the fleet should have hosts with no common value (%zu)", names[0], nwant);
    ck_assert_msg(got.n == nwant, "%s fleet of %zu: %zu reports, the plain fold gives %zu", names[0], n, got.n,
                  nwant);
    for (size_t r = 0; r < nwant; r++)
        ck_assert_msg(!strcmp(got.v[r].host, want[r].host) && got.v[r].reg == want[r].reg &&
                          !strcmp(got.v[r].field, want[r].field),
                      "report %zu: %s %s, the plain fold gives %s %s", r, got.v[r].host, got.v[r].field,
                      want[r].host, want[r].field);
    free(want);
    cm_reasons_free(&got);
    cm_reasons_free(&notes);
    cm_vector_free(&model);
    free(acc);
    free(live);
    free_fleet(fleet, pf, n, seeds, snaps, nnames);
}

START_TEST(reports_stay_per_host_across_kinds)
{
    /* Intel and AMD: the vendor words are EQUAL, so every host of the other
     * vendor than the first is reported; 17 hosts is just above where the
     * merge starts finding kinds */
    static const char *const x86[] = {"INTEL_SKYLAKE_6.1", "AMD_MILAN_6.1", "INTEL_ICELAKE_5.10", "AMD_MILAN_5.10"};
    check_reports(x86, 4, 400);
    check_reports(x86, 4, 17);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("merge_paths");
    TCase *tc = tcase_create("paths");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, arm64_words_match_field_rules);
    tcase_add_test(tc, x86_words_match_field_rules);
    tcase_add_test(tc, riscv64_words_match_field_rules);
    tcase_add_test(tc, fleet_of_copies_merges_like_distinct_hosts);
    tcase_add_test(tc, register_list_per_kind);
    tcase_add_test(tc, reports_stay_per_host_across_kinds);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
