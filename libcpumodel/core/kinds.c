/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kinds: items numbered by equality in order of first appearance, through a
 * hash table sized by the kinds.  One mechanism for hosts (verdicts.c: one
 * rule per kind) and snapshot contents (vector.c: one decode per content);
 * it needs nothing but memory, so the lab's guest build takes it too.
 */
#include <stdlib.h>

#include "negotiate_internal.h"

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
