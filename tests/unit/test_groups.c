/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compatibility groups (issue 14): the baseline builds them with text-free
 * verdicts and skips, for a host whose kind was seen before, the groups that
 * rejected that kind while they have not changed.  Whatever the shortcuts,
 * the groups must be exactly the ones the rule defines (docs, baseline.c):
 * hosts in name order, each joins the first group whose merged model has no
 * incompatibility and is enforceable on every member and on the newcomer,
 * else it starts a group.  That definition is written out here with the
 * public merge and the text path's enforcement rule, and compared with the
 * baseline's groups on fleets of the real dumps: every dump repeated under
 * interleaved names (so a kind's later hosts meet groups that changed since
 * its first), in several orders, under both VMM restore assumptions.  Each
 * group's explanation names the host that started it.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumodel/negotiate.h"
#include "testlib.h"

#define COPIES 7
#define MAXH (TL_SET_MAX * COPIES)

struct ref_group {
    size_t members[MAXH];
    size_t n;
    struct cm_vector model;
};

static int by_name(const void *a, const void *b, void *hosts)
{
    const struct cm_vector *const *h = hosts;
    return strcmp(h[*(const size_t *)a]->name, h[*(const size_t *)b]->name);
}

/* The definition, one try at a time, with every member checked. */
static size_t reference_groups(const struct cm_vector *const *hosts, size_t n, const struct cm_assume *a,
                               struct ref_group *g)
{
    size_t order[MAXH], ng = 0;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(size_t), by_name, (void *)hosts);
    for (size_t oi = 0; oi < n; oi++) {
        size_t h = order[oi];
        bool placed = false;
        for (size_t k = 0; k < ng && !placed; k++) {
            const struct cm_vector *pair[2] = {&g[k].model, hosts[h]};
            struct cm_vector m;
            struct cm_reasons incompat = {0};
            cm_error err = {0};
            ck_assert_int_eq(cm_merge(pair, 2, &m, &incompat, NULL, &err), 0);
            bool ok = incompat.n == 0;
            cm_reasons_free(&incompat);
            for (size_t j = 0; ok && j <= g[k].n; j++)
                ok = cm_enforceable_ex(&m, j < g[k].n ? hosts[g[k].members[j]] : hosts[h], a, NULL, 0);
            if (ok) {
                cm_vector_free(&g[k].model);
                g[k].model = m;
                g[k].members[g[k].n++] = h;
                placed = true;
            } else
                cm_vector_free(&m);
        }
        if (!placed) {
            const struct cm_vector *one[1] = {hosts[h]};
            g[ng].n = 0;
            g[ng].members[g[ng].n++] = h;
            ck_assert_int_eq(cm_merge(one, 1, &g[ng].model, NULL, NULL, NULL), 0);
            ng++;
        }
    }
    return ng;
}

/* `copies` hosts per dump, named so that the dumps interleave in name order
 * (the permutation `stride` decides how). */
static size_t check_fleet(struct tl_set *s, size_t copies, size_t stride, unsigned flags)
{
    static struct cm_vector fleet[MAXH];
    const struct cm_vector *hosts[MAXH];
    size_t n = s->n * copies;
    for (size_t i = 0; i < n; i++) {
        cm_vector_copy(&fleet[i], &s->vec[i % s->n]);
        free(fleet[i].name);
        fleet[i].name = cm_xasprintf("h%03zu", (i * stride) % n);
        hosts[i] = &fleet[i];
    }
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert_int_eq(cm_baseline_ex(hosts, n, flags | CM_BL_GROUPS | CM_BL_LAZY, &b, &err), 0);
    static struct ref_group ref[MAXH];
    size_t nref = b.enforceable_everywhere ? 0 : reference_groups(hosts, n, &b.assume, ref);
    ck_assert_uint_eq(b.ngroups, nref);
    for (size_t g = 0; g < nref; g++) {
        ck_assert_uint_eq(b.groups[g].nmembers, ref[g].n);
        for (size_t k = 0; k < ref[g].n; k++)
            ck_assert_msg(b.groups[g].members[k] == ref[g].members[k], "group %zu member %zu: %s, defined: %s", g,
                          k, hosts[b.groups[g].members[k]]->name, hosts[ref[g].members[k]]->name);
        char why_head[64];
        snprintf(why_head, sizeof(why_head), "%s cannot join", hosts[ref[g].members[0]]->name);
        ck_assert_msg(g == 0 || !strncmp(b.groups[g].why, why_head, strlen(why_head)), "group %zu: why \"%s\"", g,
                      b.groups[g].why);
        cm_vector_free(&ref[g].model);
    }
    cm_baseline_free(&b);
    for (size_t i = 0; i < n; i++)
        cm_vector_free(&fleet[i]);
    return nref;
}

static void check_set(struct tl_set *s, const char *what)
{
    size_t split = 0, runs = 0;
    static const size_t strides[] = {1, 5, 11, 13};
    for (unsigned pa = 0; pa < 2; pa++)
        for (size_t k = 0; k < CM_ARRAY_SIZE(strides); k++) {
            size_t n = s->n * COPIES;
            if (n % strides[k] == 0 && strides[k] > 1) /* not a permutation of 0..n-1 */
                continue;
            split += check_fleet(s, COPIES, strides[k], pa ? CM_BL_PLAN_AWARE : 0) > 1;
            runs++;
        }
    fprintf(stderr, "%s: %zu fleets of %zu hosts, %zu split into groups, all as defined\n", what, runs,
            s->n * COPIES, split);
    ck_assert_uint_gt(split, 0); /* the comparison saw groups */
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

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("groups");
    TCase *tc = tcase_create("groups_as_defined");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, fleet, 0, TL_FLEETS);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
