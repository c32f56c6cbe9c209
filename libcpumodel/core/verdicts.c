/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A verdict per host for a large fleet, without text.  The verdict is the
 * enforcement rule's (cm_enforce_verdict: the same function the text path
 * runs, with no reasons wanted), memoised per kind of host: two hosts whose
 * every input to the rule is equal (values, listed words, register list,
 * kernel, init features, masks, arch facts, snapshot) get one evaluation.
 * A fleet is made of few kinds (CPU model x stepping x firmware x kernel),
 * so 10,000 hosts cost a hash of each host's values plus one rule per kind.
 * The name is not an input: it only appears in text.
 */
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t bytes_hash(uint64_t h, const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, b + i, 8);
        h = mix(h, x);
    }
    uint64_t tail = 0;
    memcpy(&tail, b + i, n - i);
    return mix(h, tail);
}

/* Over what differs between kinds cheaply; equality below decides. */
uint64_t cm_vector_kind_hash(const struct cm_vector *v)
{
    size_t n = v->ops->nwords;
    uint64_t h = mix((uintptr_t)v->ops, v->kver);
    h = mix(h, (uint64_t)v->vcpu_features << 2 | (uint64_t)v->has_vcpu_features << 1 | v->is_model);
    h = mix(h, v->host_flags);
    h = mix(h, v->nregs);
    h = mix(h, (uintptr_t)v->snap);
    for (size_t i = 0; i < n; i++)
        h = mix(h, v->val[i]);
    h = bytes_hash(h, v->present, n);
    return bytes_hash(h, v->novalue, n);
}

/* Every input of the enforcement rule equal (see the top of the file). */
bool cm_vector_same_kind(const struct cm_vector *a, const struct cm_vector *b)
{
    if (a->ops != b->ops || a->is_model != b->is_model || a->kver != b->kver ||
        a->has_vcpu_features != b->has_vcpu_features || a->vcpu_features != b->vcpu_features ||
        a->host_flags != b->host_flags || a->snap != b->snap || a->nregs != b->nregs)
        return false;
    if (!a->masks != !b->masks ||
        (a->masks && a->masks != b->masks && memcmp(a->masks, b->masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t))))
        return false;
    size_t n = a->ops->nwords;
    if (memcmp(a->val, b->val, n * sizeof(uint64_t)) || memcmp(a->present, b->present, n) ||
        memcmp(a->novalue, b->novalue, n))
        return false;
    return a->reg_ids == b->reg_ids || !memcmp(a->reg_ids, b->reg_ids, a->nregs * sizeof(uint64_t));
}

void cm_verdicts(const struct cm_vector *model, const struct cm_vector *const *hosts, size_t n,
                 const struct cm_assume *assume, struct cm_host_verdict *out)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    /* open addressing: slot -> 1 + index of the first host of a kind */
    size_t *slot = cm_xcalloc(cap, sizeof(size_t));
    uint64_t *slot_hash = cm_xmalloc(cap * sizeof(uint64_t));
    for (size_t h = 0; h < n; h++) {
        uint64_t hh = cm_vector_kind_hash(hosts[h]);
        size_t s = hh & (cap - 1);
        for (; slot[s]; s = (s + 1) & (cap - 1)) {
            size_t k = slot[s] - 1;
            if (slot_hash[s] == hh && cm_vector_same_kind(hosts[k], hosts[h]))
                break;
        }
        if (slot[s]) {
            size_t k = slot[s] - 1;
            out[h].enforceable = out[k].enforceable;
            out[h].block = out[k].block;
            continue;
        }
        slot[s] = h + 1;
        slot_hash[s] = hh;
        out[h].enforceable = cm_enforce_verdict(model, hosts[h], assume, &out[h].block);
    }
    free(slot);
    free(slot_hash);
}
