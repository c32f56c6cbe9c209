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
