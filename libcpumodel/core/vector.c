/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Feature vectors: decoding a snapshot through its arch driver. */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/arch.h"
#include "cpumodel/vector.h"
#include "negotiate_internal.h"

void cm_vector_init(struct cm_vector *v, const struct cm_arch_ops *ops, const char *name)
{
    memset(v, 0, sizeof(*v));
    v->ops = ops;
    v->name = cm_xstrdup(name ? name : "(unnamed)");
    v->val = cm_xcalloc(ops->nwords, sizeof(*v->val));
    v->present = cm_xcalloc(ops->nwords, 1);
    v->novalue = cm_xcalloc(ops->nwords, 1);
}

void cm_vector_free(struct cm_vector *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->masks);
    free(v->val);
    free(v->present);
    free(v->novalue);
    if (!v->reg_ids_borrowed)
        free(v->reg_ids);
    memset(v, 0, sizeof(*v));
}

bool cm_vector_share_regs(struct cm_vector *v, const struct cm_vector *owner)
{
    if (v->reg_ids == owner->reg_ids)
        return true;
    if (v->nregs != owner->nregs || memcmp(v->reg_ids, owner->reg_ids, v->nregs * sizeof(uint64_t)))
        return false;
    if (!v->reg_ids_borrowed)
        free(v->reg_ids);
    v->reg_ids = owner->reg_ids;
    v->reg_ids_borrowed = true;
    return true;
}

void cm_vector_copy(struct cm_vector *dst, const struct cm_vector *src)
{
    cm_vector_init(dst, src->ops, src->name);
    dst->is_model = src->is_model;
    dst->kver = src->kver;
    dst->has_vcpu_features = src->has_vcpu_features;
    dst->vcpu_features = src->vcpu_features;
    dst->host_flags = src->host_flags;
    dst->snap = src->snap;
    if (src->masks) {
        dst->masks = cm_xmalloc(CM_ARM64_MASKS_LEN * sizeof(uint64_t));
        memcpy(dst->masks, src->masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t));
    }
    size_t n = src->ops->nwords;
    memcpy(dst->val, src->val, n * sizeof(*dst->val));
    memcpy(dst->present, src->present, n);
    memcpy(dst->novalue, src->novalue, n);
    dst->nregs = src->nregs;
    dst->reg_ids = cm_xmalloc((src->nregs ? src->nregs : 1) * sizeof(uint64_t));
    if (src->nregs)
        memcpy(dst->reg_ids, src->reg_ids, src->nregs * sizeof(uint64_t));
}

int cm_vector_from_snapshot(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err)
{
    const struct cm_arch_ops *ops = cm_arch_ops(s->arch);
    if (!ops)
        return cm_fail(err, CM_E_NOTSUP, "%s: no negotiation driver for architecture %s", cm_snapshot_name(s),
                       cm_arch_name(s->arch));
    if (s->partial)
        return cm_fail(err, CM_E_INPUT, "%s: the snapshot is marked partial (an incomplete probe); refusing to "
                       "negotiate with it", cm_snapshot_name(s));
    cm_vector_init(v, ops, cm_snapshot_name(s));
    v->is_model = s->kind == CM_KIND_MODEL;
    v->kver = s->kver ? s->kver : cm_kver_parse(s->kernel);
    v->has_vcpu_features = s->has_vcpu_features;
    v->vcpu_features = s->vcpu_features;
    v->snap = s;
    if (s->writable_masks) {
        v->masks = cm_xmalloc(CM_ARM64_MASKS_LEN * sizeof(uint64_t));
        memcpy(v->masks, s->writable_masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t));
    }
    v->nregs = s->nregs;
    v->reg_ids = cm_xmalloc((s->nregs ? s->nregs : 1) * sizeof(uint64_t));
    for (size_t i = 0; i < s->nregs; i++)
        v->reg_ids[i] = s->regs[i].id;
    for (size_t i = 1; i < v->nregs; i++)
        if (v->reg_ids[i - 1] >= v->reg_ids[i]) {
            cm_vector_free(v);
            return cm_fail(err, CM_E_INPUT, "%s: register list not sorted/unique (call cm_snapshot_finish)",
                           cm_snapshot_name(s));
        }
    if (ops->decode(s, v, err) < 0) {
        cm_vector_free(v);
        return cm_fail_prefix(err, "%s", cm_snapshot_name(s));
    }
    /* A model's feature register without a value (hosts disagreed on an
     * identity field) stays value-less: never compared, never written. */
    for (size_t i = 0; i < ops->nwords; i++) {
        if (!v->present[i])
            continue;
        const struct cm_reg *r = cm_snapshot_find_reg(s, ops->words[i].id);
        if (r && (r->flags & CM_REGF_NOVALUE))
            v->novalue[i] = 1;
    }
    return 0;
}

/* Over what tells snapshot contents apart cheaply (register values and
 * counts); cm_snapshot_same_content decides. */
static uint64_t snapshot_hash(const void *snaps, size_t i)
{
    const struct cm_snapshot *s = ((const struct cm_snapshot *const *)snaps)[i];
    const uint64_t head[8] = {s->arch, s->nregs, s->nfacts, s->kver, 0, 0, 0, 0};
    return cm_hash_words(head, s->words, s->nwords);
}

static bool snapshot_same(const void *snaps, size_t a, size_t b)
{
    const struct cm_snapshot *const *s = snaps;
    return cm_snapshot_same_content(s[a], s[b]);
}

size_t cm_vectors_from_snapshots(const struct cm_snapshot *const *snaps, size_t n, struct cm_vector *vecs,
                                 cm_error *err)
{
    uint32_t *kind_of = NULL;
    size_t *first_of = NULL;
    if (n && n < UINT32_MAX) {
        kind_of = cm_xmalloc(n * sizeof(*kind_of));
        first_of = cm_xmalloc(n * sizeof(*first_of));
        cm_kinds_of(n, snapshot_hash, snapshot_same, snaps, kind_of, first_of);
    }
    size_t made = 0;
    for (; made < n; made++) {
        size_t first = kind_of ? first_of[kind_of[made]] : made;
        if (first == made) {
            if (cm_vector_from_snapshot(snaps[made], &vecs[made], err) < 0)
                break;
            continue;
        }
        /* the same content decodes to the same vector: only the name and the
         * snapshot it points back to are this host's */
        struct cm_vector *v = &vecs[made];
        cm_vector_copy(v, &vecs[first]);
        cm_vector_share_regs(v, &vecs[first]);
        free(v->name);
        v->name = cm_xstrdup(cm_snapshot_name(snaps[made]));
        v->snap = snaps[made];
    }
    free(kind_of);
    free(first_of);
    return made;
}

bool cm_ids_has(const uint64_t *ids, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else if (ids[mid] > id)
            hi = mid;
        else
            return true;
    }
    return false;
}

bool cm_vector_has_reg(const struct cm_vector *v, uint64_t id)
{
    return cm_ids_has(v->reg_ids, v->nregs, id);
}

void cm_vector_effective_regs(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids,
                              size_t *n)
{
    if (host->ops->effective_regs) {
        host->ops->effective_regs(host, model, ids, n);
        return;
    }
    *n = host->nregs;
    *ids = cm_xmalloc((host->nregs ? host->nregs : 1) * sizeof(uint64_t));
    if (host->nregs)
        memcpy(*ids, host->reg_ids, host->nregs * sizeof(uint64_t));
}

long cm_vector_word_index(const struct cm_vector *v, uint64_t id)
{
    for (size_t i = 0; i < v->ops->nwords; i++)
        if (v->ops->words[i].id == id)
            return (long)i;
    return -1;
}

size_t cm_vector_heap_bytes(const struct cm_vector *v)
{
    size_t n = v->ops->nwords;
    return n * (sizeof(uint64_t) + 2) + (v->reg_ids_borrowed ? 0 : v->nregs * sizeof(uint64_t)) +
           (v->name ? strlen(v->name) + 1 : 0) +
           (v->masks ? CM_ARM64_MASKS_LEN * sizeof(uint64_t) : 0);
}
