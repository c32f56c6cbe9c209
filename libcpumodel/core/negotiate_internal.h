/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the negotiation files (merge, enforce, compare, plan). */
#ifndef CPUMODEL_NEGOTIATE_INTERNAL_H
#define CPUMODEL_NEGOTIATE_INTERNAL_H

#include "cpumodel/negotiate.h"

/* The register's display name through the arch driver. */
const char *cm_regname(const struct cm_arch_ops *ops, uint64_t id, char *buf, size_t len);

/* Appends a reason built from printf text. */
void cm_reason_addf(struct cm_reasons *r, enum cm_severity sev, const char *host, const struct cm_arch_ops *ops,
                    uint64_t reg, const char *field, bool has_values, uint64_t have, uint64_t want,
                    const char *rule, const char *fmt, ...) __attribute__((format(printf, 11, 12)));

/* A word is comparable when present with an agreed value. */
static inline bool cm_word_valued(const struct cm_vector *v, size_t i)
{
    return v->present[i] && !v->novalue[i];
}

/* Is id in an unsorted id list (vanishing lists are short)? */
bool cm_ids_in(const uint64_t *ids, size_t n, uint64_t id);

/* Classifies register `id` that `snap` lists and `model` does not, through
 * the arch driver; CM_RB_BLOCKING when there is no hook or `snap` lacks it. */
enum cm_rollback cm_classify_extra(const struct cm_arch_ops *ops, const struct cm_snapshot *snap,
                                   const struct cm_vector *model, uint64_t id, bool *write, uint64_t *write_value,
                                   struct cm_buf *why);

/* Registers every CPU of v's arch has that v does not list (a kernel that
 * cannot report its ID registers, unreported.c): their names, ", "-joined
 * into names (len bytes); returns how many. */
size_t cm_unreported_ids(const struct cm_vector *v, char *names, size_t len);
/* Adds the "id-registers-unreported" warning for v (a host or a model built
 * with one) when it has such registers; every verdict calls it per side. */
void cm_note_unreported(struct cm_reasons *r, const struct cm_vector *v);

/* A hash over 64-bit words for the kind tables below: eight independent
 * multiply lanes started from `head` (so the multiplies overlap and a host's
 * ~100 words hash about as fast as they are read), folded with rotations and
 * murmur3's finaliser (the lanes carry differences mostly in their high
 * bits; tables index by the low ones).  Equality decides kinds; a collision
 * costs a compare, never a wrong kind. */
static inline uint64_t cm_hash_words(const uint64_t head[8], const uint64_t *w, size_t n)
{
    uint64_t l[8];
    for (int k = 0; k < 8; k++)
        l[k] = head[k];
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            l[k] = (l[k] ^ w[i + k]) * 0x9e3779b97f4a7c15ULL;
    for (; i < n; i++)
        l[i & 7] = (l[i & 7] ^ w[i]) * 0x9e3779b97f4a7c15ULL;
    uint64_t h = n;
    for (unsigned k = 0; k < 8; k++)
        h ^= k ? l[k] << (8 * k) | l[k] >> (64 - 8 * k) : l[k];
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ h >> 33;
}

/* Numbers the kinds among items 0..n-1 in order of first appearance:
 * kind_of[i] for every item, first_of[k] the first item of kind k (both n
 * long); returns how many kinds.  Two items are one kind when same(ctx, a,
 * b); hash(ctx, i) must give them one hash.  At most 2^32 - 1 items. */
size_t cm_kinds_of(size_t n, uint64_t (*hash)(const void *ctx, size_t i),
                   bool (*same)(const void *ctx, size_t a, size_t b), const void *ctx, uint32_t *kind_of,
                   size_t *first_of);

/* Kinds of host (verdicts.c): equal kinds get one verdict.  The hash covers
 * values, listed words and the scalar facts; equality every input of the
 * enforcement rule (the register list and masks by content). */
uint64_t cm_vector_kind_hash(const struct cm_vector *v);
bool cm_vector_same_kind(const struct cm_vector *a, const struct cm_vector *b);
/* cm_kinds_of over hosts[0..n) by cm_vector_same_kind. */
size_t cm_vector_kinds(const struct cm_vector *const *hosts, size_t n, uint32_t *kind_of, size_t *first_of);

/* The kinds of one fleet, found once and shared by its merge, verdicts and
 * groups.  kind_of NULL: not found (a handful of hosts, or more than 2^32 - 1):
 * every host counts as a kind of its own. */
struct cm_kinds {
    uint32_t *kind_of;
    size_t *first_of;
    size_t n;
};
void cm_kinds_find(const struct cm_vector *const *hosts, size_t n, struct cm_kinds *k);
void cm_kinds_free(struct cm_kinds *k);
/* Is host h the first of its kind (always, without kinds)? */
static inline bool cm_kinds_first(const struct cm_kinds *k, size_t h)
{
    return !k || !k->kind_of || k->first_of[k->kind_of[h]] == h;
}

/* cm_merge and cm_verdicts over kinds already found.  cm_merge_kinds with
 * NULL finds them itself (from MERGE_KINDS_MIN hosts on); cm_verdicts_kinds
 * with NULL takes the rule host by host.  A host of a kind already folded
 * without a report adds nothing to the model (every policy absorbs a value it
 * merged) and is skipped; a kind that reported is folded again, host by host,
 * so the reports stay per host. */
int cm_merge_kinds(const struct cm_vector *const *hosts, size_t n, const struct cm_kinds *kinds,
                   struct cm_vector *out, struct cm_reasons *incompat, struct cm_reasons *notes, cm_error *err);
void cm_verdicts_kinds(const struct cm_vector *model, const struct cm_vector *const *hosts, size_t n,
                       const struct cm_kinds *kinds, const struct cm_assume *assume, struct cm_host_verdict *out);

#endif
