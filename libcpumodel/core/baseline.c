/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline = merge + a verdict per host + compatibility groups when one model
 * does not fit everyone.  Groups are built greedily in a canonical host order
 * (by name) so the result does not depend on the order hosts were given: a
 * host joins the first group whose merged model stays enforceable on every
 * member (and has no incompatibility); otherwise it starts a new group.  The
 * first reason that kept it out is the group's explanation.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

static int by_name(const void *a, const void *b, void *hosts)
{
    const struct cm_vector *const *h = hosts;
    const struct cm_vector *x = h[*(const size_t *)a], *y = h[*(const size_t *)b];
    int c = strcmp(x->name, y->name);
    return c ? c : (*(const size_t *)a < *(const size_t *)b ? -1 : 1);
}

static bool same_model(const struct cm_vector *a, const struct cm_vector *b)
{
    size_t n = a->ops->nwords;
    return a->nregs == b->nregs && !memcmp(a->reg_ids, b->reg_ids, a->nregs * sizeof(uint64_t)) &&
           !memcmp(a->val, b->val, n * sizeof(uint64_t)) && !memcmp(a->present, b->present, n) &&
           !memcmp(a->novalue, b->novalue, n);
}

/* Merges the group's model with `extra` (the merge is associative, so this
 * equals merging all members) and checks the members.  When the model did
 * not move, only the newcomer needs checking. */
static bool try_group(const struct cm_vector *const *hosts, const struct cm_group *grp, size_t extra,
                      const struct cm_assume *assume, struct cm_vector *model, struct cm_reasons *why)
{
    const struct cm_vector *pair[2] = {&grp->model, hosts[extra]};
    struct cm_reasons incompat = {0};
    bool ok = cm_merge(pair, 2, model, &incompat, NULL, NULL) == 0;
    if (ok && incompat.n) {
        ok = false;
        for (size_t r = 0; r < incompat.n; r++)
            cm_reasons_add(why, &incompat.v[r]);
    }
    bool unchanged = ok && same_model(model, &grp->model);
    for (size_t k = 0; ok && k <= grp->nmembers; k++) {
        const struct cm_vector *h = k < grp->nmembers ? hosts[grp->members[k]] : hosts[extra];
        if (unchanged && k < grp->nmembers)
            continue;
        struct cm_reasons rs = {0};
        if (!cm_enforce_rule(model, h, assume, 0, &rs, 0, NULL)) {
            ok = false;
            for (size_t r = 0; r < rs.n; r++)
                if (rs.v[r].sev == CM_SEV_ERROR)
                    cm_reasons_add(why, &rs.v[r]);
        }
        cm_reasons_free(&rs);
    }
    cm_reasons_free(&incompat);
    if (!ok)
        cm_vector_free(model);
    return ok;
}

static void compute_groups(struct cm_baseline *b)
{
    size_t n = b->nhosts;
    size_t *order = cm_xmalloc(n * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(size_t), by_name, (void *)b->hosts);

    b->groups = cm_xcalloc(n, sizeof(*b->groups));
    for (size_t oi = 0; oi < n; oi++) {
        size_t h = order[oi];
        struct cm_reasons why = {0};
        bool placed = false;
        for (size_t g = 0; g < b->ngroups && !placed; g++) {
            struct cm_group *grp = &b->groups[g];
            struct cm_vector model;
            if (try_group(b->hosts, grp, h, &b->assume, &model, &why)) {
                cm_vector_free(&grp->model);
                grp->model = model;
                grp->members = cm_xrealloc(grp->members, (grp->nmembers + 1) * sizeof(size_t));
                grp->members[grp->nmembers++] = h;
                placed = true;
            }
        }
        if (!placed) {
            struct cm_group *grp = &b->groups[b->ngroups++];
            grp->members = cm_xmalloc(sizeof(size_t));
            grp->members[0] = h;
            grp->nmembers = 1;
            const struct cm_vector *one[1] = {b->hosts[h]};
            cm_merge(one, 1, &grp->model, NULL, NULL, NULL);
            if (b->ngroups == 1)
                grp->why = cm_xasprintf("first group (hosts in name order)");
            else if (why.n) {
                struct cm_buf t = {0};
                cm_buf_printf(&t, "%s cannot join an earlier group: %s", b->hosts[h]->name, why.v[0].text);
                if (why.n > 1)
                    cm_buf_printf(&t, " (+%zu more reasons)", why.n - 1);
                grp->why = cm_buf_steal(&t);
            } else
                grp->why = cm_xasprintf("%s cannot join an earlier group", b->hosts[h]->name);
        }
        cm_reasons_free(&why);
    }
    free(order);
}

int cm_baseline(const struct cm_vector *const *hosts, size_t n, bool with_groups, struct cm_baseline *out,
                cm_error *err)
{
    return cm_baseline_ex(hosts, n, with_groups ? CM_BL_GROUPS : 0, out, err);
}

int cm_baseline_ex(const struct cm_vector *const *hosts, size_t n, unsigned flags, struct cm_baseline *out,
                   cm_error *err)
{
    memset(out, 0, sizeof(*out));
    out->nhosts = n;
    out->hosts = hosts;
    if (cm_merge(hosts, n, &out->model, &out->incompat, &out->notes, err) < 0)
        return -1;
    out->assume.reading = CM_READ_MIGRATION;
    out->assume.restore = flags & CM_BL_PLAN_AWARE ? CM_RESTORE_PLAN_AWARE : CM_RESTORE_ALL;
    out->verdicts = cm_xcalloc(n, sizeof(*out->verdicts));
    out->enforceable_everywhere = out->incompat.n == 0;
    if (flags & CM_BL_LAZY)
        cm_verdicts(&out->model, hosts, n, &out->assume, out->verdicts);
    for (size_t h = 0; h < n && (flags & CM_BL_LAZY); h++)
        out->enforceable_everywhere &= out->verdicts[h].enforceable;
    for (size_t h = 0; h < n && !(flags & CM_BL_LAZY); h++) {
        out->verdicts[h].enforceable = cm_enforce_rule(&out->model, hosts[h], &out->assume, 0,
                                                       &out->verdicts[h].reasons,
                                                       flags & CM_BL_FIRST_REASON ? 1 : 0, NULL);
        out->enforceable_everywhere &= out->verdicts[h].enforceable;
    }
    if ((flags & CM_BL_GROUPS) && !out->enforceable_everywhere)
        compute_groups(out);
    return 0;
}

bool cm_baseline_host_reasons(const struct cm_baseline *b, size_t h, size_t max_errors, struct cm_reasons *out)
{
    return cm_enforce_rule(&b->model, b->hosts[h], &b->assume, 0, out, max_errors, NULL);
}

void cm_baseline_free(struct cm_baseline *b)
{
    cm_vector_free(&b->model);
    for (size_t h = 0; b->verdicts && h < b->nhosts; h++)
        cm_reasons_free(&b->verdicts[h].reasons);
    free(b->verdicts);
    cm_reasons_free(&b->incompat);
    cm_reasons_free(&b->notes);
    for (size_t g = 0; g < b->ngroups; g++) {
        free(b->groups[g].members);
        cm_vector_free(&b->groups[g].model);
        free(b->groups[g].why);
    }
    free(b->groups);
    memset(b, 0, sizeof(*b));
}
