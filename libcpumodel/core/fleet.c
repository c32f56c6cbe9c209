/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An incremental baseline (a registry's view of its cluster): one host added,
 * changed or removed updates the model and the verdicts without redoing the
 * fleet.
 *
 * The model is the root of a tree of partial merges over the host slots
 * (the merge is associative and commutative: a node is the merge of its two
 * children, an empty side is the other side).  A change re-merges the nodes
 * above its slot, log2(slots) merges, and stops where a node comes out as it
 * was (nothing above it can change).
 *
 * Verdicts are kept per kind of host (verdicts.c: hosts equal in every input
 * of the enforcement rule).  When the model does not move, only the changed
 * host's kind may need its first verdict; when it moves, each kind in use is
 * decided again, one rule per kind, not per host.
 */
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

struct kind {
    struct cm_vector rep;          /* a copy: the host it came from may go */
    uint64_t hash;
    size_t users;                  /* slots of this kind; 0 = free entry */
    struct cm_host_verdict verdict;
};

struct cm_fleet {
    const struct cm_arch_ops *ops; /* the first host's; others must match */
    struct cm_assume assume;
    size_t cap;                    /* leaves: a power of two */
    const struct cm_vector **host; /* cap slots, borrowed */
    size_t *kind_of;               /* cap: index into kinds */
    struct cm_vector *node;        /* 2*cap, 1-based heap order; node[cap + s] unused (leaves are hosts) */
    uint8_t *has;                  /* 2*cap: the node holds a merge (else the subtree is empty) */
    struct kind *kinds;
    size_t nkinds, kinds_cap;
    size_t nhosts;
    bool verdicts_stale;           /* the model moved since kinds were decided */
};

struct cm_fleet *cm_fleet_new(const struct cm_assume *assume)
{
    struct cm_fleet *f = cm_xcalloc(1, sizeof(*f));
    if (assume)
        f->assume = *assume;
    f->cap = 2; /* the root is always a merge node, even for one host */
    f->host = cm_xcalloc(2, sizeof(*f->host));
    f->kind_of = cm_xcalloc(2, sizeof(size_t));
    f->node = cm_xcalloc(4, sizeof(*f->node));
    f->has = cm_xcalloc(4, 1);
    return f;
}

void cm_fleet_free(struct cm_fleet *f)
{
    if (!f)
        return;
    for (size_t i = 1; i < f->cap; i++)
        if (f->has[i])
            cm_vector_free(&f->node[i]);
    for (size_t k = 0; k < f->nkinds; k++)
        if (f->kinds[k].users)
            cm_vector_free(&f->kinds[k].rep);
    free(f->kinds);
    free(f->node);
    free(f->has);
    free(f->host);
    free(f->kind_of);
    free(f);
}

/* The vector at node i: a merge, or a leaf's host; NULL when empty. */
static const struct cm_vector *at(const struct cm_fleet *f, size_t i)
{
    if (i >= f->cap)
        return f->host[i - f->cap];
    return f->has[i] ? &f->node[i] : NULL;
}

static bool same_values(const struct cm_vector *a, const struct cm_vector *b)
{
    size_t n = a->ops->nwords;
    return a->nregs == b->nregs && a->kver == b->kver && a->vcpu_features == b->vcpu_features &&
           a->has_vcpu_features == b->has_vcpu_features && !memcmp(a->val, b->val, n * sizeof(uint64_t)) &&
           !memcmp(a->present, b->present, n) && !memcmp(a->novalue, b->novalue, n) &&
           !memcmp(a->reg_ids, b->reg_ids, a->nregs * sizeof(uint64_t));
}

/* Re-merges node i from its children; false when it came out as it was. */
static bool remerge(struct cm_fleet *f, size_t i)
{
    const struct cm_vector *l = at(f, 2 * i), *r = at(f, 2 * i + 1);
    struct cm_vector m;
    bool has = l || r;
    if (has) {
        const struct cm_vector *pair[2] = {l ? l : r, r};
        cm_merge(pair, l && r ? 2 : 1, &m, NULL, NULL, NULL);
    }
    bool same = has == f->has[i] && (!has || same_values(&m, &f->node[i]));
    if (f->has[i])
        cm_vector_free(&f->node[i]);
    f->has[i] = has;
    if (has)
        f->node[i] = m;
    return !same;
}

static void update_path(struct cm_fleet *f, size_t slot)
{
    for (size_t i = (f->cap + slot) / 2; i >= 1; i /= 2)
        if (!remerge(f, i))
            return;
    f->verdicts_stale = true;
}

/* Doubles the leaves; the old tree becomes the left half of the new one. */
static void grow(struct cm_fleet *f)
{
    size_t old = f->cap, cap = old * 2;
    struct cm_fleet n = *f;
    n.cap = cap;
    n.host = cm_xcalloc(cap, sizeof(*n.host));
    n.kind_of = cm_xcalloc(cap, sizeof(size_t));
    n.node = cm_xcalloc(2 * cap, sizeof(*n.node));
    n.has = cm_xcalloc(2 * cap, 1);
    memcpy(n.host, f->host, old * sizeof(*n.host));
    memcpy(n.kind_of, f->kind_of, old * sizeof(size_t));
    /* old node at depth d, position p (index 2^d + p) -> index 2^(d+1) + p */
    for (size_t d = 1; d < old; d *= 2)
        for (size_t p = 0; p < d; p++) {
            n.node[2 * d + p] = f->node[d + p];
            n.has[2 * d + p] = f->has[d + p];
        }
    free(f->host);
    free(f->kind_of);
    free(f->node);
    free(f->has);
    *f = n;
    if (remerge(f, 1)) /* the new root: the old tree alone */
        f->verdicts_stale = true;
}

static size_t kind_find(struct cm_fleet *f, const struct cm_vector *h)
{
    uint64_t hh = cm_vector_kind_hash(h);
    size_t free_k = f->nkinds;
    for (size_t k = 0; k < f->nkinds; k++) {
        if (!f->kinds[k].users) {
            free_k = free_k < f->nkinds ? free_k : k;
            continue;
        }
        if (f->kinds[k].hash == hh && cm_vector_same_kind(&f->kinds[k].rep, h))
            return k;
    }
    if (free_k == f->nkinds) {
        cm_grow(&f->kinds, &f->kinds_cap, f->nkinds + 1, sizeof(*f->kinds));
        f->nkinds++;
    }
    struct kind *k = &f->kinds[free_k];
    memset(k, 0, sizeof(*k));
    cm_vector_copy(&k->rep, h);
    k->hash = hh;
    k->verdict.enforceable = false;
    k->users = 0;
    return free_k | (size_t)1 << (sizeof(size_t) * 8 - 1); /* new: needs a verdict */
}

static void decide(struct cm_fleet *f, struct kind *k)
{
    const struct cm_vector *model = at(f, 1);
    k->verdict.enforceable = model && cm_enforce_verdict(model, &k->rep, &f->assume, &k->verdict.block);
}

int cm_fleet_set(struct cm_fleet *f, size_t slot, const struct cm_vector *host, cm_error *err)
{
    if (f->ops && host->ops != f->ops)
        return cm_fail(err, CM_E_MISMATCH, "%s is %s, the fleet is %s", host->name, cm_arch_name(host->ops->arch),
                      cm_arch_name(f->ops->arch));
    f->ops = host->ops;
    while (slot >= f->cap)
        grow(f);
    const size_t NEW = (size_t)1 << (sizeof(size_t) * 8 - 1);
    size_t k = kind_find(f, host);
    bool fresh = k & NEW;
    k &= ~NEW;
    f->kinds[k].users++; /* before the old kind is released: it may be the same */
    if (f->host[slot]) {
        struct kind *old = &f->kinds[f->kind_of[slot]];
        if (!--old->users)
            cm_vector_free(&old->rep);
    } else
        f->nhosts++;
    f->host[slot] = host;
    f->kind_of[slot] = k;
    update_path(f, slot);
    if (fresh && !f->verdicts_stale)
        decide(f, &f->kinds[k]);
    return 0;
}

void cm_fleet_remove(struct cm_fleet *f, size_t slot)
{
    if (slot >= f->cap || !f->host[slot])
        return;
    struct kind *old = &f->kinds[f->kind_of[slot]];
    if (!--old->users)
        cm_vector_free(&old->rep);
    f->host[slot] = NULL;
    f->nhosts--;
    update_path(f, slot);
}

const struct cm_vector *cm_fleet_model(const struct cm_fleet *f)
{
    return at(f, 1);
}

size_t cm_fleet_count(const struct cm_fleet *f)
{
    return f->nhosts;
}

/* After a model move: each kind in use decided again. */
static void refresh(struct cm_fleet *f)
{
    if (!f->verdicts_stale)
        return;
    for (size_t k = 0; k < f->nkinds; k++)
        if (f->kinds[k].users)
            decide(f, &f->kinds[k]);
    f->verdicts_stale = false;
}

const struct cm_host_verdict *cm_fleet_verdict(struct cm_fleet *f, size_t slot)
{
    if (slot >= f->cap || !f->host[slot])
        return NULL;
    refresh(f);
    return &f->kinds[f->kind_of[slot]].verdict;
}

void cm_fleet_update_verdicts(struct cm_fleet *f)
{
    refresh(f);
}

bool cm_fleet_host_reasons(const struct cm_fleet *f, size_t slot, size_t max_errors, struct cm_reasons *out)
{
    const struct cm_vector *model = at(f, 1);
    if (slot >= f->cap || !f->host[slot] || !model)
        return false;
    return cm_enforce_rule(model, f->host[slot], &f->assume, 0, out, max_errors, NULL);
}
