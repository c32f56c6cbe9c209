/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A verdict per host for a large fleet, without text.  The verdict is the
 * enforcement rule's (cm_enforce_verdict: the same function the text path
 * runs, with no reasons wanted), memoised per kind of host: two hosts whose
 * every input to the rule is equal (values, listed words, register list,
 * kernel, init features, masks, arch facts, the snapshot's content: all but
 * its names and dates, cm_snapshot_same_content) get one evaluation.
 * A fleet is made of few kinds (CPU model x stepping x firmware x kernel),
 * so 10,000 hosts cost a hash of each host's values plus one rule per kind.
 * The name is not an input: it only appears in text.
 */
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

/* Over the values only: which words a host lists (present, novalue)
 * almost never differs between hosts whose values are all equal, and leaving
 * it to the compare saves reading two more arrays per host (~15% of the
 * pass).  Not the snapshot either: hosts read from two files can be one kind. */
uint64_t cm_vector_kind_hash(const struct cm_vector *v)
{
    const uint64_t head[8] = {(uintptr_t)v->ops,
                              v->kver,
                              (uint64_t)v->vcpu_features << 2 | (uint64_t)v->has_vcpu_features << 1 | v->is_model,
                              v->host_flags,
                              v->nregs,
                              0x452821e638d01377ULL,
                              0x243f6a8885a308d3ULL,
                              0x13198a2e03707344ULL};
    return cm_hash_words(head, v->val, v->ops->nwords);
}

/* Every input of the enforcement rule equal (see the top of the file). */
bool cm_vector_same_kind(const struct cm_vector *a, const struct cm_vector *b)
{
    if (a->ops != b->ops || a->is_model != b->is_model || a->kver != b->kver ||
        a->has_vcpu_features != b->has_vcpu_features || a->vcpu_features != b->vcpu_features ||
        a->host_flags != b->host_flags || a->nregs != b->nregs)
        return false;
    if (!a->masks != !b->masks ||
        (a->masks && a->masks != b->masks && memcmp(a->masks, b->masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t))))
        return false;
    size_t n = a->ops->nwords;
    if (memcmp(a->val, b->val, n * sizeof(uint64_t)) || memcmp(a->present, b->present, n) ||
        memcmp(a->novalue, b->novalue, n))
        return false;
    if (a->reg_ids != b->reg_ids && memcmp(a->reg_ids, b->reg_ids, a->nregs * sizeof(uint64_t)))
        return false;
    /* the rule reads the snapshot too (facts, register values): equal in
     * content, not only the same object (every file its own) */
    return cm_snapshot_same_content(a->snap, b->snap);
}

/* Open addressing over the kinds seen so far: 1 + index of a kind's first
 * item, and its hash.  Sized by the kinds, not the items (a fleet of 10,000
 * hosts of 50 kinds touches a few cache lines, not a table of 10,000). */
struct kind_table {
    uint32_t *first;
    uint64_t *hash;
    size_t cap, used;
};

static void kind_grow(struct kind_table *t)
{
    struct kind_table n = {cm_xcalloc(t->cap * 2, sizeof(uint32_t)), cm_xmalloc(t->cap * 2 * sizeof(uint64_t)),
                           t->cap * 2, t->used};
    for (size_t s = 0; s < t->cap; s++) {
        if (!t->first[s])
            continue;
        size_t d = t->hash[s] & (n.cap - 1);
        while (n.first[d])
            d = (d + 1) & (n.cap - 1);
        n.first[d] = t->first[s];
        n.hash[d] = t->hash[s];
    }
    free(t->first);
    free(t->hash);
    *t = n;
}

size_t cm_kinds_of(size_t n, uint64_t (*hash)(const void *ctx, size_t i),
                   bool (*same)(const void *ctx, size_t a, size_t b), const void *ctx, uint32_t *kind_of,
                   size_t *first_of)
{
    struct kind_table t = {cm_xcalloc(256, sizeof(uint32_t)), cm_xmalloc(256 * sizeof(uint64_t)), 256, 0};
    size_t nkinds = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t hh = hash(ctx, i);
        size_t s = hh & (t.cap - 1);
        for (; t.first[s]; s = (s + 1) & (t.cap - 1))
            if (t.hash[s] == hh && same(ctx, t.first[s] - 1, i))
                break;
        if (t.first[s]) {
            kind_of[i] = kind_of[t.first[s] - 1];
            continue;
        }
        first_of[nkinds] = i;
        kind_of[i] = (uint32_t)nkinds++;
        t.first[s] = (uint32_t)i + 1;
        t.hash[s] = hh;
        if (++t.used * 2 > t.cap)
            kind_grow(&t);
    }
    free(t.first);
    free(t.hash);
    return nkinds;
}

static uint64_t host_hash(const void *hosts, size_t i)
{
    return cm_vector_kind_hash(((const struct cm_vector *const *)hosts)[i]);
}

static bool host_same(const void *hosts, size_t a, size_t b)
{
    const struct cm_vector *const *h = hosts;
    return cm_vector_same_kind(h[a], h[b]);
}

size_t cm_vector_kinds(const struct cm_vector *const *hosts, size_t n, uint32_t *kind_of, size_t *first_of)
{
    return cm_kinds_of(n, host_hash, host_same, hosts, kind_of, first_of);
}

void cm_kinds_find(const struct cm_vector *const *hosts, size_t n, struct cm_kinds *k)
{
    memset(k, 0, sizeof(*k));
    if (n >= UINT32_MAX)
        return;
    k->kind_of = cm_xmalloc((n ? n : 1) * sizeof(*k->kind_of));
    k->first_of = cm_xmalloc((n ? n : 1) * sizeof(*k->first_of));
    k->n = cm_vector_kinds(hosts, n, k->kind_of, k->first_of);
}

void cm_kinds_free(struct cm_kinds *k)
{
    free(k->kind_of);
    free(k->first_of);
    memset(k, 0, sizeof(*k));
}

void cm_verdicts_kinds(const struct cm_vector *model, const struct cm_vector *const *hosts, size_t n,
                       const struct cm_kinds *kinds, const struct cm_assume *assume, struct cm_host_verdict *out)
{
    if (!kinds || !kinds->kind_of) { /* beyond 4 billion hosts: the rule per host */
        for (size_t h = 0; h < n; h++)
            out[h].enforceable = cm_enforce_verdict(model, hosts[h], assume, &out[h].block);
        return;
    }
    for (size_t k = 0; k < kinds->n; k++) {
        size_t h = kinds->first_of[k];
        out[h].enforceable = cm_enforce_verdict(model, hosts[h], assume, &out[h].block);
    }
    for (size_t h = 0; h < n; h++)
        if (!cm_kinds_first(kinds, h))
            out[h] = out[kinds->first_of[kinds->kind_of[h]]];
}

void cm_verdicts(const struct cm_vector *model, const struct cm_vector *const *hosts, size_t n,
                 const struct cm_assume *assume, struct cm_host_verdict *out)
{
    struct cm_kinds k;
    cm_kinds_find(hosts, n, &k);
    cm_verdicts_kinds(model, hosts, n, &k, assume, out);
    cm_kinds_free(&k);
}
