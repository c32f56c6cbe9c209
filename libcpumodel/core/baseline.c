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

/* A group while the groups are built: its version changes whenever what a
 * try against it depends on changes (its model, or a member of a kind it
 * may not have had), so a kind it rejected at one version it rejects again
 * at that version. */
struct group_state {
    uint64_t version;
};

/* What a kind learnt when one of its hosts was placed: the group it joined
 * and the sum of the earlier groups' versions then.  While that sum holds,
 * every earlier group still rejects the kind (versions only grow).  While
 * the group it joined also keeps the version it had after the join, the
 * kind's next host joins it too, leaving its model as it is (the merge is
 * idempotent: the model already holds the kind's values, and the kind's
 * verdict under that model was taken). */
struct kind_memo {
    size_t group; /* SIZE_MAX: not placed yet */
    uint64_t stamp;
    uint64_t joined; /* the group's version after the kind's last host joined it */
};

/* Merges the group's model with host `extra` (the merge is associative, so
 * this equals merging all members) and checks the members with the
 * text-free rule; when the model did not move only the newcomer needs
 * checking.  The first host the merged model does not fit stops the try:
 * *blocked names it (NULL: the merge itself found no common value). */
static bool try_group(const struct cm_vector *const *hosts, const struct cm_group *grp, size_t extra,
                      const struct cm_assume *assume, struct cm_vector *model, struct cm_reasons *incompat,
                      const struct cm_vector **blocked)
{
    const struct cm_vector *pair[2] = {&grp->model, hosts[extra]};
    *blocked = NULL;
    bool ok = cm_merge(pair, 2, model, incompat, NULL, NULL) == 0 && !incompat->n;
    bool unchanged = ok && same_model(model, &grp->model);
    /* the newcomer first: the likeliest to fail */
    for (size_t k = 0; ok && k <= grp->nmembers; k++) {
        const struct cm_vector *h = k == 0 ? hosts[extra] : hosts[grp->members[k - 1]];
        if (k > 0 && unchanged)
            break;
        if (!cm_enforce_verdict(model, h, assume, NULL)) {
            ok = false;
            *blocked = h;
        }
    }
    if (!ok)
        cm_vector_free(model);
    return ok;
}

/* Why host h starts a new group: the tries again, with words, for the
 * earlier groups (only for the few hosts that start one). */
static char *why_new_group(const struct cm_baseline *b, size_t h)
{
    struct cm_reasons why = {0};
    const char *first_blocked = NULL;
    for (size_t g = 0; g < b->ngroups; g++) {
        struct cm_vector model;
        struct cm_reasons incompat = {0};
        const struct cm_vector *blocked;
        if (try_group(b->hosts, &b->groups[g], h, &b->assume, &model, &incompat, &blocked)) {
            cm_vector_free(&model); /* cannot happen: the text-free pass said no */
            cm_reasons_free(&incompat);
            continue;
        }
        for (size_t r = 0; r < incompat.n; r++)
            cm_reasons_add(&why, &incompat.v[r]);
        cm_reasons_free(&incompat);
        if (blocked) {
            const struct cm_vector *pair[2] = {&b->groups[g].model, b->hosts[h]};
            struct cm_reasons rs = {0};
            cm_merge(pair, 2, &model, NULL, NULL, NULL);
            cm_enforce_rule(&model, blocked, &b->assume, 0, &rs, 0, NULL);
            cm_vector_free(&model);
            for (size_t r = 0; r < rs.n; r++)
                if (rs.v[r].sev == CM_SEV_ERROR) {
                    if (!why.n && blocked != b->hosts[h])
                        first_blocked = blocked->name;
                    cm_reasons_add(&why, &rs.v[r]);
                }
            cm_reasons_free(&rs);
        }
    }
    struct cm_buf t = {0};
    if (!why.n)
        cm_buf_printf(&t, "%s cannot join an earlier group", b->hosts[h]->name);
    else if (first_blocked)
        cm_buf_printf(&t, "%s cannot join an earlier group: the merged model would not fit %s: %s", b->hosts[h]->name,
                      first_blocked, why.v[0].text);
    else
        cm_buf_printf(&t, "%s cannot join an earlier group: %s", b->hosts[h]->name, why.v[0].text);
    if (why.n > 1)
        cm_buf_printf(&t, " (+%zu more reasons)", why.n - 1);
    cm_reasons_free(&why);
    return cm_buf_steal(&t);
}

/* The group a kind's earlier host joined (SIZE_MAX: none yet, or no memo). */
static size_t km_group(const struct kind_memo *km)
{
    return km ? km->group : SIZE_MAX;
}

/* Greedy in name order: each host joins the first group that takes it.
 * Verdicts without text; a kind's hosts after its first skip the groups
 * that rejected it while those have not changed (a fleet of 10,000 hosts of
 * a few kinds costs a few tries per kind, not per host). */
static void compute_groups(struct cm_baseline *b, const struct cm_kinds *kinds)
{
    size_t n = b->nhosts;
    size_t *order = cm_xmalloc(n * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(size_t), by_name, (void *)b->hosts);
    const uint32_t *kind_of = kinds->kind_of;
    struct kind_memo *memo = NULL;
    if (kind_of) {
        memo = cm_xmalloc((kinds->n ? kinds->n : 1) * sizeof(*memo));
        for (size_t k = 0; k < kinds->n; k++)
            memo[k].group = SIZE_MAX;
    }
    struct group_state *gs = cm_xcalloc(n, sizeof(*gs));
    b->groups = cm_xcalloc(n, sizeof(*b->groups));
    for (size_t oi = 0; oi < n; oi++) {
        size_t h = order[oi], start = 0;
        struct kind_memo *km = memo ? &memo[kind_of[h]] : NULL;
        uint64_t stamp = 0;
        if (km && km->group != SIZE_MAX) {
            for (size_t g = 0; g < km->group; g++)
                stamp += gs[g].version;
            if (stamp == km->stamp)
                start = km->group;
        }
        size_t placed = SIZE_MAX;
        if (start == km_group(km) && start < b->ngroups && gs[start].version == km->joined) {
            struct cm_group *grp = &b->groups[start];
            grp->members = cm_xrealloc(grp->members, (grp->nmembers + 1) * sizeof(size_t));
            grp->members[grp->nmembers++] = h;
            placed = start;
        }
        for (size_t g = start; g < b->ngroups && placed == SIZE_MAX; g++) {
            struct cm_group *grp = &b->groups[g];
            struct cm_vector model;
            struct cm_reasons incompat = {0};
            const struct cm_vector *blocked;
            bool ok = try_group(b->hosts, grp, h, &b->assume, &model, &incompat, &blocked);
            cm_reasons_free(&incompat);
            if (!ok)
                continue;
            bool moved = !same_model(&model, &grp->model);
            cm_vector_free(&grp->model);
            grp->model = model;
            grp->members = cm_xrealloc(grp->members, (grp->nmembers + 1) * sizeof(size_t));
            grp->members[grp->nmembers++] = h;
            if (moved || !km || km->group != g) /* a kind it may not have had */
                gs[g].version++;
            placed = g;
        }
        if (placed == SIZE_MAX) {
            char *why = b->ngroups ? why_new_group(b, h) : cm_xasprintf("first group (hosts in name order)");
            placed = b->ngroups++;
            struct cm_group *grp = &b->groups[placed];
            grp->members = cm_xmalloc(sizeof(size_t));
            grp->members[0] = h;
            grp->nmembers = 1;
            grp->why = why;
            const struct cm_vector *one[1] = {b->hosts[h]};
            cm_merge(one, 1, &grp->model, NULL, NULL, NULL);
            gs[placed].version = 1;
        }
        if (km) {
            km->group = placed;
            km->stamp = 0;
            for (size_t g = 0; g < placed; g++)
                km->stamp += gs[g].version;
            km->joined = gs[placed].version;
        }
    }
    free(gs);
    free(memo);
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
    /* the kinds of host, found once for the merge, the verdicts and the groups */
    struct cm_kinds kinds;
    cm_kinds_find(hosts, n, &kinds);
    if (cm_merge_kinds(hosts, n, &kinds, &out->model, &out->incompat, &out->notes, err) < 0) {
        cm_kinds_free(&kinds);
        return -1;
    }
    out->assume.reading = CM_READ_MIGRATION;
    out->assume.restore = flags & CM_BL_PLAN_AWARE ? CM_RESTORE_PLAN_AWARE : CM_RESTORE_ALL;
    out->verdicts = cm_xcalloc(n, sizeof(*out->verdicts));
    out->enforceable_everywhere = out->incompat.n == 0;
    if (flags & CM_BL_LAZY)
        cm_verdicts_kinds(&out->model, hosts, n, &kinds, &out->assume, out->verdicts);
    for (size_t h = 0; h < n && (flags & CM_BL_LAZY); h++)
        out->enforceable_everywhere &= out->verdicts[h].enforceable;
    for (size_t h = 0; h < n && !(flags & CM_BL_LAZY); h++) {
        out->verdicts[h].enforceable = cm_enforce_rule(&out->model, hosts[h], &out->assume, 0,
                                                       &out->verdicts[h].reasons,
                                                       flags & CM_BL_FIRST_REASON ? 1 : 0, NULL);
        out->enforceable_everywhere &= out->verdicts[h].enforceable;
    }
    if ((flags & CM_BL_GROUPS) && !out->enforceable_everywhere)
        compute_groups(out, &kinds);
    cm_kinds_free(&kinds);
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
