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

#define NOTE_NAMES_MAX 8

static void note_unlisted(struct cm_reasons *notes, const struct cm_vector *const *hosts, size_t n, size_t slot)
{
    const struct cm_arch_ops *ops = hosts[0]->ops;
    struct cm_buf who = {0};
    size_t missing = 0;
    /* a note is read by people: a few names, then how many more (a fleet
     * of 10,000 hosts would otherwise give one line of 5,000 names) */
    for (size_t h = 0; h < n; h++)
        if (!hosts[h]->present[slot] && missing++ < NOTE_NAMES_MAX)
            cm_buf_printf(&who, "%s%s", missing > 1 ? ", " : "", hosts[h]->name);
    if (missing > NOTE_NAMES_MAX)
        cm_buf_printf(&who, " and %zu more hosts", missing - NOTE_NAMES_MAX);
    cm_reason_addf(notes, CM_SEV_INFO, NULL, ops, ops->words[slot].id, NULL, false, 0, 0, "not-listed",
                   "%s is not listed by %s; it is left out of the model", ops->words[slot].name, who.s);
    cm_buf_free(&who);
}

/* Whole-word lanes: the fields the merge can fold for every host at once with
 * word arithmetic instead of field by field.  4-bit fields on nibble
 * boundaries under LOWER_SAFE/HIGHER_SAFE (almost every arm64 ID field) take a
 * SWAR min/max over all nibbles (signed ones flipped into unsigned order
 * first); BITMAP fields and one-bit LOWER_SAFE fields are an AND, inverted
 * bitmaps and one-bit HIGHER_SAFE fields an OR, IGNORE fields keep the first
 * host's bits.  Each lane gives exactly cm_field_merge()'s answer; everything
 * else (EXACT, EQUAL, IDENTITY, CUSTOM, wider numbers) stays field by field. */
struct lanes {
    uint64_t min_u, min_s, max_u, and_m, or_m;
    bool slow; /* some field needs the per-field path */
};

enum lane { LANE_SLOW, LANE_KEEP, LANE_MIN_U, LANE_MIN_S, LANE_MAX_U, LANE_AND, LANE_OR };

static enum lane field_lane(const struct cm_field *f)
{
    bool nibble = f->width == 4 && f->shift % 4 == 0;
    switch ((enum cm_policy)f->policy) {
    case CM_POL_IGNORE:
        return LANE_KEEP;
    case CM_POL_BITMAP:
        return LANE_AND;
    case CM_POL_BITMAP_INVERTED:
        return LANE_OR;
    case CM_POL_LOWER_SAFE:
        if (f->width == 1 && !f->is_signed)
            return LANE_AND;
        return nibble ? (f->is_signed ? LANE_MIN_S : LANE_MIN_U) : LANE_SLOW;
    case CM_POL_HIGHER_SAFE:
        if (f->width == 1 && !f->is_signed)
            return LANE_OR;
        return nibble && !f->is_signed ? LANE_MAX_U : LANE_SLOW;
    default:
        return LANE_SLOW;
    }
}

static void word_lanes(const struct cm_word *w, struct lanes *l)
{
    memset(l, 0, sizeof(*l));
    for (uint16_t fi = 0; fi < w->nfields; fi++) {
        const struct cm_field *f = &w->fields[fi];
        uint64_t m = cm_field_mask(f);
        switch (field_lane(f)) {
        case LANE_SLOW: l->slow = true; break;
        case LANE_KEEP: break;
        case LANE_MIN_U: l->min_u |= m; break;
        case LANE_MIN_S: l->min_s |= m; break;
        case LANE_MAX_U: l->max_u |= m; break;
        case LANE_AND: l->and_m |= m; break;
        case LANE_OR: l->or_m |= m; break;
        }
    }
}

#define NIBBLES_EVEN 0x0F0F0F0F0F0F0F0FULL
#define NIBBLE_SIGNS 0x8888888888888888ULL

/* Per byte lane holding 0..15: 0x0F where a >= b, else 0 ((16 + a) - b never
 * borrows from the next lane, and bit 4 says a >= b). */
static inline uint64_t lanes_ge(uint64_t a, uint64_t b)
{
    return ((((a | 0x1010101010101010ULL) - b) >> 4) & 0x0101010101010101ULL) * 0x0F;
}

/* Unsigned min (want_max false) or max of every nibble of a and b. */
static inline uint64_t nibble_minmax(uint64_t a, uint64_t b, bool want_max)
{
    uint64_t ae = a & NIBBLES_EVEN, be = b & NIBBLES_EVEN;
    uint64_t ao = (a >> 4) & NIBBLES_EVEN, bo = (b >> 4) & NIBBLES_EVEN;
    uint64_t ge = lanes_ge(ae, be), go = lanes_ge(ao, bo);
    if (want_max) {
        ge = ~ge & NIBBLES_EVEN;
        go = ~go & NIBBLES_EVEN;
    }
    uint64_t e = (be & ge) | (ae & ~ge), o = (bo & go) | (ao & ~go);
    return (e & NIBBLES_EVEN) | ((o & NIBBLES_EVEN) << 4);
}

static inline uint64_t fold_lanes(const struct lanes *l, uint64_t val, uint64_t hv)
{
    uint64_t r = val;
    if (l->min_u)
        r = (r & ~l->min_u) | (nibble_minmax(val, hv, false) & l->min_u);
    if (l->min_s)
        r = (r & ~l->min_s) | ((nibble_minmax(val ^ NIBBLE_SIGNS, hv ^ NIBBLE_SIGNS, false) ^ NIBBLE_SIGNS) & l->min_s);
    if (l->max_u)
        r = (r & ~l->max_u) | (nibble_minmax(val, hv, true) & l->max_u);
    r = (r & ~l->and_m) | (val & hv & l->and_m);
    r = (r & ~l->or_m) | ((val | hv) & l->or_m);
    return r;
}

/* Folds host h into the accumulated word `slot` of out (host-major order:
 * each host's values are read contiguously, which is what keeps 10,000 hosts
 * in cache budget).  `raw` holds the raw bits still agreed on.  The word
 * differs (hv != out->val[slot], both valued): the caller's loop keeps the
 * equal case, by far the most common one, free of this.  Returns false when
 * a field had no common value (reported in incompat): folding the same value
 * again would report again. */
static __attribute__((noinline)) bool fold_word(const struct cm_vector *const *hosts, size_t h, size_t slot,
                                                const struct lanes *l, struct cm_vector *out, uint64_t *raw,
                                                struct cm_reasons *incompat, struct cm_reasons *notes)
{
    const struct cm_arch_ops *ops = hosts[0]->ops;
    const struct cm_word *w = &ops->words[slot];
    uint64_t val = out->val[slot], hv = hosts[h]->val[slot];
    bool clean = true;
    *raw &= hv; /* raw bits: kept where every host sets them */
    val = fold_lanes(l, val, hv);
    for (uint16_t fi = 0; l->slow && fi < w->nfields; fi++) {
        const struct cm_field *f = &w->fields[fi];
        if (field_lane(f) != LANE_SLOW)
            continue;
        uint64_t a = cm_field_get(f, val), b = cm_field_get(f, hv), m;
        if (cm_field_merge(f, a, b, &m)) {
            val = cm_field_put(f, val, m);
            continue;
        }
        char at[128] = "", bt[128] = ""; /* values in words (vendors by name, field meanings), for text */
        if (incompat || notes) {
            cm_value_text(ops, w, f, a, at, sizeof(at));
            cm_value_text(ops, w, f, b, bt, sizeof(bt));
        }
        if (f->policy == CM_POL_IDENTITY) {
            cm_reason_addf(notes, CM_SEV_WARNING, hosts[h]->name, ops, w->id, f->name, true, b, a, "identity",
                           "%s.%s differs (%s has %s, %s has %s); the model carries no value for it", w->name,
                           f->name, hosts[0]->name, at, hosts[h]->name, bt);
            out->novalue[slot] = 1; /* the word is out of the fold for good */
            return true;
        }
        clean = false;
        cm_reason_addf(incompat, CM_SEV_ERROR, hosts[h]->name, ops, w->id, f->name, true, b, a, cm_policy_name(f),
                       "%s.%s has no common value: %s has %s, %s has %s (policy %s)", w->name, f->name,
                       hosts[0]->name, at, hosts[h]->name, bt, cm_policy_name(f));
    }
    out->val[slot] = val;
    return clean;
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
        bool differ = false; /* a uniform fleet: nothing to pin (the common case, one scan) */
        for (size_t h = 1; h < n && !differ; h++)
            differ = hosts[h]->val[slot] != hosts[0]->val[slot];
        if (!differ)
            continue;
        uint64_t fields = 0; /* bits no field covers keep their own rule */
        for (uint16_t fi = 0; fi < ops->words[slot].nfields; fi++)
            fields |= cm_field_mask(&ops->words[slot].fields[fi]);
        bool any = false;
        uint64_t best = 0;
        for (size_t h = 0; h < n; h++) {
            if (hosts[h]->novalue[slot] || !ops->pinned(hosts[h], slot))
                continue;
            uint64_t v = hosts[h]->val[slot] & fields;
            if (!any || v < best)
                best = v;
            any = true;
        }
        if (any)
            out->val[slot] = (out->val[slot] & ~fields) | best;
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

/* Do a and b present the same register list under any one model?  Same
 * list, kernel, vCPU features and flags, and the same bits where the driver's
 * effective_regs() looks (dep_slots/deps). */
static bool same_list_inputs(const struct cm_vector *a, const struct cm_vector *b, const size_t *dep_slots,
                             size_t ndeps, const uint64_t *deps)
{
    if (a->nregs != b->nregs || a->kver != b->kver || a->has_vcpu_features != b->has_vcpu_features ||
        a->vcpu_features != b->vcpu_features || a->host_flags != b->host_flags)
        return false;
    for (size_t k = 0; k < ndeps; k++) {
        size_t s = dep_slots[k];
        if (a->present[s] != b->present[s] || a->novalue[s] != b->novalue[s] || ((a->val[s] ^ b->val[s]) & deps[s]))
            return false;
    }
    return a->reg_ids == b->reg_ids || !memcmp(a->reg_ids, b->reg_ids, a->nregs * sizeof(uint64_t));
}

/* The register list: what every host presents once restricted to the merged
 * values (a host that drops SVE lists V0-V31 again, …), intersected.  The
 * intersection is idempotent, so a host whose list inputs equal an earlier
 * host's adds nothing: a fleet of 10,000 hosts from a few dozen kinds of
 * machine computes a few dozen lists.  Hosts whose list the driver cannot
 * vouch for (no effective_deps) are computed one by one. */
#define DISTINCT_LISTS_MAX 256
static void merge_reg_lists(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out)
{
    const struct cm_arch_ops *ops = out->ops;
    size_t nw = ops->nwords;
    bool memo = !ops->effective_regs || ops->effective_deps;
    uint64_t *deps = cm_xcalloc(nw, sizeof(uint64_t));
    size_t *dep_slots = cm_xmalloc(nw * sizeof(size_t)), ndeps = 0;
    if (ops->effective_deps)
        ops->effective_deps(deps);
    for (size_t s = 0; s < nw; s++)
        if (deps[s])
            dep_slots[ndeps++] = s;
    const struct cm_vector *seen[DISTINCT_LISTS_MAX];
    size_t nseen = 0;
    out->reg_ids = NULL;
    for (size_t h = 0; h < n; h++) {
        bool known = false;
        for (size_t k = nseen; memo && !known && k-- > 0;) /* newest first: fleets come in runs */
            known = same_list_inputs(hosts[h], seen[k], dep_slots, ndeps, deps);
        if (known)
            continue;
        if (memo && nseen < DISTINCT_LISTS_MAX)
            seen[nseen++] = hosts[h];
        uint64_t *ids;
        size_t nids;
        cm_vector_effective_regs(hosts[h], out, &ids, &nids);
        if (!out->reg_ids) {
            out->reg_ids = ids;
            out->nregs = nids;
            continue;
        }
        out->nregs = intersect(out->reg_ids, out->nregs, ids, nids);
        free(ids);
    }
    free(deps);
    free(dep_slots);
}

/* Below this many hosts finding kinds costs more than it saves. */
#define MERGE_KINDS_MIN 16

int cm_merge(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out, struct cm_reasons *incompat,
             struct cm_reasons *notes, cm_error *err)
{
    return cm_merge_kinds(hosts, n, NULL, out, incompat, notes, err);
}

int cm_merge_kinds(const struct cm_vector *const *hosts, size_t n, const struct cm_kinds *kinds,
                   struct cm_vector *out, struct cm_reasons *incompat, struct cm_reasons *notes, cm_error *err)
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
    struct cm_kinds own = {0};
    if (!kinds && n >= MERGE_KINDS_MIN) {
        cm_kinds_find(hosts, n, &own);
        kinds = &own;
    }
    /* One host per kind: everything that is a function of the set of hosts
     * (every pass below but the fold, whose reports name hosts) runs over
     * these. */
    const struct cm_vector **reps = (const struct cm_vector **)hosts;
    size_t nreps = n;
    if (kinds && kinds->kind_of) {
        nreps = kinds->n;
        reps = cm_xmalloc(nreps * sizeof(*reps));
        for (size_t k = 0; k < nreps; k++)
            reps[k] = hosts[kinds->first_of[k]];
    }

    cm_vector_init(out, ops, "baseline");
    out->is_model = true;
    out->kver = hosts[0]->kver;
    out->has_vcpu_features = true;
    out->vcpu_features = ~0u;
    out->host_flags = hosts[0]->host_flags;
    for (size_t h = 0; h < nreps; h++) {
        const struct cm_vector *v = reps[h];
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
    for (size_t h = 0; h < nreps; h++)
        for (size_t slot = 0; slot < nw; slot++)
            have[slot] += reps[h]->present[slot] != 0;
    uint64_t *raw = cm_xcalloc(nw, sizeof(uint64_t));
    for (size_t slot = 0; slot < nw; slot++) {
        if (have[slot] != nreps) {
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
    struct lanes *lanes = cm_xmalloc(nw * sizeof(*lanes));
    for (size_t slot = 0; slot < nw; slot++)
        word_lanes(&ops->words[slot], &lanes[slot]);
    /* Host-major: each host's values are read contiguously, which keeps
     * 10,000 hosts within the cache budget.  A word equal to the running value
     * (merge(a, a) == a under every policy) costs one compare, and so does a
     * value this word already folded in without a report: every policy
     * absorbs it for good (field.h: a value that merged once keeps merging
     * without changing the result), so a fleet of a few kinds of machine
     * folds each distinct value once.  The last ABSORBED values per word are
     * remembered.  A host of a kind already folded without a report brings
     * only such values and is skipped whole; a kind that had a report is
     * folded again, so each of its hosts is reported as before. */
#define ABSORBED 4
    uint64_t (*absorbed)[ABSORBED] = cm_xmalloc(nw * sizeof(*absorbed));
    uint8_t *next_absorbed = cm_xcalloc(nw, 1);
    for (size_t slot = 0; slot < nw; slot++)
        for (int k = 0; k < ABSORBED; k++)
            absorbed[slot][k] = out->val[slot];
    const uint32_t *kind_of = kinds ? kinds->kind_of : NULL;
    uint8_t *reported = kind_of ? cm_xcalloc(kinds->n ? kinds->n : 1, 1) : NULL;
    uint8_t *restrict op = out->present, *restrict onv = out->novalue;
    uint64_t *restrict ov = out->val;
    for (size_t h = 1; h < n; h++) {
        if (kind_of && !reported[kind_of[h]] && !cm_kinds_first(kinds, h))
            continue;
        const uint64_t *hv = hosts[h]->val;
        const uint8_t *hnv = hosts[h]->novalue;
        for (size_t slot = 0; slot < nw; slot++) {
            if (!op[slot] || onv[slot])
                continue;
            uint64_t x = hv[slot];
            if (hnv[slot]) {
                onv[slot] = 1;
                continue;
            }
            if (x == ov[slot])
                continue;
            const uint64_t *seen = absorbed[slot];
            if (x == seen[0] || x == seen[1] || x == seen[2] || x == seen[3])
                continue;
            if (fold_word(hosts, h, slot, &lanes[slot], out, &raw[slot], incompat, notes))
                absorbed[slot][next_absorbed[slot]++ % ABSORBED] = x;
            else if (reported)
                reported[kind_of[h]] = 1;
        }
    }
    free(reported);
    free(absorbed);
    free(next_absorbed);
    free(lanes);
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
    pin_words(reps, nreps, out);
    merge_groups(reps, nreps, out);
    remerge_derived(reps, nreps, out);
    merge_reg_lists(reps, nreps, out);
    if (reps != (const struct cm_vector **)hosts)
        free(reps);
    cm_kinds_free(&own);
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
