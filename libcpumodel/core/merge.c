/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The merge: per feature word, per field, the value every host can give a
 * guest (its policy's meet).  Words some host does not list leave the model;
 * the register list is the intersection.  The merge is commutative,
 * associative and idempotent (tests/unit/test_baseline_properties.c), which
 * is what lets a model be merged again with more hosts.
 */
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

/* Sorted-list intersection, in place into a (keeps a's order). */
static size_t intersect(uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            a[k++] = a[i];
            i++;
            j++;
        }
    }
    return k;
}

static void note_unlisted(struct cm_reasons *notes, const struct cm_vector *const *hosts, size_t n, size_t slot)
{
    const struct cm_arch_ops *ops = hosts[0]->ops;
    struct cm_buf who = {0};
    size_t missing = 0;
    for (size_t h = 0; h < n; h++)
        if (!hosts[h]->present[slot]) {
            cm_buf_printf(&who, "%s%s", missing ? ", " : "", hosts[h]->name);
            missing++;
        }
    cm_reason_addf(notes, CM_SEV_INFO, NULL, ops, ops->words[slot].id, NULL, false, 0, 0, "not-listed",
                   "%s is not listed by %s; it is left out of the model", ops->words[slot].name, who.s);
    cm_buf_free(&who);
}

/* Folds host h into the accumulated word `slot` of out (host-major order:
 * each host's values are read contiguously, which is what keeps 10,000 hosts
 * in cache budget).  `raw` holds the raw bits still agreed on. */
static void fold_word(const struct cm_vector *const *hosts, size_t h, size_t slot, struct cm_vector *out,
                      uint64_t *raw, struct cm_reasons *incompat, struct cm_reasons *notes)
{
    const struct cm_arch_ops *ops = hosts[0]->ops;
    const struct cm_word *w = &ops->words[slot];
    if (out->novalue[slot])
        return;
    if (hosts[h]->novalue[slot]) {
        out->novalue[slot] = 1;
        return;
    }
    uint64_t val = out->val[slot], hv = hosts[h]->val[slot];
    if (hv == val)
        return; /* merge(a, a) == a under every policy: the common case in big clusters */
    *raw &= hv; /* raw bits: kept where every host sets them */
    for (uint16_t fi = 0; fi < w->nfields; fi++) {
        const struct cm_field *f = &w->fields[fi];
        uint64_t a = cm_field_get(f, val), b = cm_field_get(f, hv), m;
        if (cm_field_merge(f, a, b, &m)) {
            val = cm_field_put(f, val, m);
            continue;
        }
        if (f->policy == CM_POL_IDENTITY) {
            cm_reason_addf(notes, CM_SEV_WARNING, hosts[h]->name, ops, w->id, f->name, true, b, a, "identity",
                           "%s.%s differs (%s has 0x%llx, %s has 0x%llx); the model carries no value for it",
                           w->name, f->name, hosts[0]->name, (unsigned long long)a, hosts[h]->name,
                           (unsigned long long)b);
            out->novalue[slot] = 1;
            return;
        }
        cm_reason_addf(incompat, CM_SEV_ERROR, hosts[h]->name, ops, w->id, f->name, true, b, a, cm_policy_name(f),
                       "%s.%s has no common value: %s has 0x%llx, %s has 0x%llx (policy %s)", w->name, f->name,
                       hosts[0]->name, (unsigned long long)a, hosts[h]->name, (unsigned long long)b,
                       cm_policy_name(f));
    }
    out->val[slot] = val;
}

/* Words KVM derives per VM from other registers (arm64 WA2 follows SSBS):
 * what a host presents depends on the merged model, so merge what each host
 * presents under it rather than what it read.  When some host cannot tell
 * (the driver's presented() says so), the read values stand; enforce then
 * reports that host. */
static void remerge_derived(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out)
{
    const struct cm_arch_ops *ops = out->ops;
    if (!ops->presented)
        return;
    for (size_t slot = 0; slot < ops->nwords; slot++) {
        const struct cm_word *w = &ops->words[slot];
        if (!(w->flags & CM_WORDF_DERIVED) || !out->present[slot] || out->novalue[slot])
            continue;
        uint64_t acc = 0;
        bool known = true;
        for (size_t h = 0; h < n && known; h++) {
            uint64_t pv;
            struct cm_buf why = {0};
            known = ops->presented(hosts[h], out, slot, &pv, &why);
            cm_buf_free(&why);
            if (!known)
                break;
            if (h == 0) {
                acc = pv;
                continue;
            }
            for (uint16_t fi = 0; fi < w->nfields; fi++) {
                const struct cm_field *f = &w->fields[fi];
                uint64_t m;
                if (cm_field_merge(f, cm_field_get(f, acc), cm_field_get(f, pv), &m))
                    acc = cm_field_put(f, acc, m);
            }
        }
        if (known)
            out->val[slot] = acc;
    }
}

/* Words some kernels cannot change at all (identity, invariant cache
 * geometry): when a member cannot, the model takes that member's value (the
 * lowest such, if several cannot; enforce then reports the others), so the
 * members that can write it do.  Otherwise the per-field fold stands.  As a
 * function of the multiset of hosts this stays commutative, associative and
 * idempotent (a model keeps "cannot change" through its oldest kernel). */
static void pin_words(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out)
{
    const struct cm_arch_ops *ops = out->ops;
    if (!ops->pinned)
        return;
    for (size_t slot = 0; slot < ops->nwords; slot++) {
        if (!(ops->words[slot].flags & CM_WORDF_PINNABLE) || !cm_word_valued(out, slot))
            continue;
        bool any = false;
        uint64_t best = 0;
        for (size_t h = 0; h < n; h++) {
            if (hosts[h]->novalue[slot] || !ops->pinned(hosts[h], slot))
                continue;
            if (!any || hosts[h]->val[slot] < best)
                best = hosts[h]->val[slot];
            any = true;
        }
        if (any)
            out->val[slot] = best;
    }
}

/* All-or-nothing field groups (arm64 pointer authentication): kept only
 * where every host has the same bits, else cleared together, so the model
 * never has half a feature no vCPU can present. */
static void merge_groups(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out)
{
    const struct cm_arch_ops *ops = out->ops;
    for (size_t g = 0; g < ops->ngroups; g++) {
        const struct cm_field_group *grp = &ops->groups[g];
        bool differ = false;
        for (size_t k = 0; k < grp->nparts && !differ; k++) {
            long slot = cm_vector_word_index(out, grp->parts[k].word_id);
            if (slot < 0 || !cm_word_valued(out, (size_t)slot))
                continue;
            for (size_t h = 1; h < n && !differ; h++)
                differ = ((hosts[h]->val[slot] ^ hosts[0]->val[slot]) & grp->parts[k].mask) != 0;
        }
        if (!differ)
            continue;
        for (size_t k = 0; k < grp->nparts; k++) {
            long slot = cm_vector_word_index(out, grp->parts[k].word_id);
            if (slot >= 0 && cm_word_valued(out, (size_t)slot))
                out->val[slot] &= ~grp->parts[k].mask;
        }
    }
}

int cm_merge(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out, struct cm_reasons *incompat,
             struct cm_reasons *notes, cm_error *err)
{
    if (n == 0)
        return cm_fail(err, CM_E_INPUT, "baseline needs at least one host");
    const struct cm_arch_ops *ops = hosts[0]->ops;
    for (size_t h = 1; h < n; h++)
        if (hosts[h]->ops != ops)
            return cm_fail(err, CM_E_MISMATCH,
                           "cannot merge hosts of different architectures: %s is %s, %s is %s (use --groups to "
                           "group by architecture)",
                           hosts[0]->name, cm_arch_name(ops->arch), hosts[h]->name,
                           cm_arch_name(hosts[h]->ops->arch));

    cm_vector_init(out, ops, "baseline");
    out->is_model = true;
    out->kver = hosts[0]->kver;
    out->has_vcpu_features = true;
    out->vcpu_features = ~0u;
    out->host_flags = hosts[0]->host_flags;
    for (size_t h = 0; h < n; h++) {
        const struct cm_vector *v = hosts[h];
        if (v->kver && (!out->kver || cm_kver_cmp(v->kver, out->kver) < 0))
            out->kver = v->kver;
        if (v->has_vcpu_features)
            out->vcpu_features &= v->vcpu_features;
        else
            out->has_vcpu_features = false;
        out->host_flags &= v->host_flags;
    }
    if (!out->has_vcpu_features)
        out->vcpu_features = 0;


    /* Words every host reports; the others leave the model (noted). */
    size_t nw = ops->nwords;
    uint32_t *have = cm_xcalloc(nw, sizeof(uint32_t));
    for (size_t h = 0; h < n; h++)
        for (size_t slot = 0; slot < nw; slot++)
            have[slot] += hosts[h]->present[slot] != 0;
    uint64_t *raw = cm_xcalloc(nw, sizeof(uint64_t));
    for (size_t slot = 0; slot < nw; slot++) {
        if (have[slot] != n) {
            if (have[slot] && notes)
                note_unlisted(notes, hosts, n, slot);
            continue;
        }
        const struct cm_word *w = &ops->words[slot];
        out->present[slot] = 1;
        out->novalue[slot] = hosts[0]->novalue[slot];
        out->val[slot] = hosts[0]->val[slot];
        raw[slot] = w->flags & CM_WORDF_NOVALUE ? 0 : out->val[slot] & cm_word_raw_mask(w);
    }
    for (size_t h = 1; h < n; h++)
        for (size_t slot = 0; slot < nw; slot++)
            if (out->present[slot])
                fold_word(hosts, h, slot, out, &raw[slot], incompat, notes);
    for (size_t slot = 0; slot < nw; slot++) {
        if (!out->present[slot])
            continue;
        if (out->novalue[slot])
            out->val[slot] = 0;
        else
            out->val[slot] = (out->val[slot] & ~cm_word_raw_mask(&ops->words[slot])) | raw[slot];
    }
    free(raw);
    free(have);
    pin_words(hosts, n, out);
    merge_groups(hosts, n, out);
    remerge_derived(hosts, n, out);

    /* The register list: what every host presents once restricted to the
     * merged values (a host that drops SVE lists V0-V31 again, …). */
    if (!ops->effective_regs) {
        out->nregs = hosts[0]->nregs;
        out->reg_ids = cm_xmalloc((out->nregs ? out->nregs : 1) * sizeof(uint64_t));
        if (out->nregs)
            memcpy(out->reg_ids, hosts[0]->reg_ids, out->nregs * sizeof(uint64_t));
        for (size_t h = 1; h < n; h++)
            out->nregs = intersect(out->reg_ids, out->nregs, hosts[h]->reg_ids, hosts[h]->nregs);
        return 0;
    }
    cm_vector_effective_regs(hosts[0], out, &out->reg_ids, &out->nregs);
    for (size_t h = 1; h < n; h++) {
        uint64_t *ids;
        size_t nids;
        cm_vector_effective_regs(hosts[h], out, &ids, &nids);
        out->nregs = intersect(out->reg_ids, out->nregs, ids, nids);
        free(ids);
    }
    return 0;
}

size_t cm_limited_by(const struct cm_vector *const *hosts, size_t n, const struct cm_vector *model, size_t slot,
                     const struct cm_field *f, size_t *idx)
{
    if (!cm_word_valued(model, slot))
        return 0;
    uint64_t mv = cm_field_get(f, model->val[slot]);
    bool differ = false;
    for (size_t h = 1; h < n && !differ; h++)
        differ = cm_field_get(f, hosts[h]->val[slot]) != cm_field_get(f, hosts[0]->val[slot]);
    if (!differ)
        return 0;
    size_t k = 0;
    for (size_t h = 0; h < n; h++)
        if (cm_field_get(f, hosts[h]->val[slot]) == mv)
            idx[k++] = h;
    if (k == 0) /* EXACT fields that disagree fall to the safe value: every host is part of the limit */
        for (size_t h = 0; h < n; h++)
            idx[k++] = h;
    return k;
}
