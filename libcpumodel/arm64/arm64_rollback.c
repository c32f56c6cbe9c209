/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Register-list differences (KVM-FACTS §A.5): which host registers vanish
 * once the host is restricted to a model, and how to treat a register the
 * host lists but an older member kernel does not.
 */
#include <string.h>

#include "arm64/arm64.h"

/* Registers KVM hides when an ID field says the feature is absent.
 * `hook_since`: first kernel with the visibility hook; 0 = the register was
 * hidden from the day it was listed (a host listing it has the hook).
 * TCR2/PIRE0/PIR were listed unconditionally in 6.5-6.12 (no hook in the
 * 6.8 and 6.11 trees); hidden from 6.12-6.13, taken as 6.13. */
static const struct {
    uint64_t id;
    cm_kver hook_since;
    uint64_t word_id;
    const char *field;
    uint64_t min;
} feature_hidden[] = {
    {A64_TCR2_EL1, CM_KVER(6, 13), A64_ID_AA64MMFR3, "TCRX", 1},
    {A64_PIRE0_EL1, CM_KVER(6, 13), A64_ID_AA64MMFR3, "S1PIE", 1},
    {A64_PIR_EL1, CM_KVER(6, 13), A64_ID_AA64MMFR3, "S1PIE", 1},
    {A64_POR_EL1, 0, A64_ID_AA64MMFR3, "S1POE", 1},
    {A64_POR_EL0, 0, A64_ID_AA64MMFR3, "S1POE", 1},
    {A64_FPMR, 0, A64_ID_AA64PFR2, "FPMR", 1},
    {A64_SCTLR2_EL1, 0, A64_ID_AA64MMFR3, "SCTLRX", 1},
};

/* What an older kernel that does not list a register behaves as.
 * `absent_before`: the first kernel that lists it.  `write`: the plan sets
 * the register to `value` first, so the guest sees what the older kernel
 * gives it. */
static const struct {
    uint64_t id;
    cm_kver absent_before;
    uint64_t value;
    bool write;
    const char *why;
} implicit_values[] = {
    /* Hypercall-service bitmaps (5.19).  Older kernels have no bitmap.  Writing 0 means the
     * guest never discovers TRNG / PV time / PTP: discovery happens at guest boot, and the plan
     * runs before the first KVM_RUN, so a guest never sees a service vanish under it. */
    {A64_STD_BMAP, CM_KVER(5, 19), 0, true, "written 0 so the guest never discovers the services"},
    {A64_STD_HYP_BMAP, CM_KVER(5, 19), 0, true, "written 0 so the guest never discovers the services"},
    {A64_VENDOR_HYP_BMAP, CM_KVER(5, 19), 0, true, "written 0 so the guest never discovers the services"},
    /* 6.15; defaults to 0 (discovery hypercalls are opt-in): older kernels behave as 0 */
    {A64_VENDOR_HYP_BMAP_2, CM_KVER(6, 15), 0, true, "older kernels behave as 0 (no discovery hypercalls)"},
    /* OS lock rework in 5.19 added OSLSR_EL1 to the list.  0x8 = OSLM 0b10 (OS lock
     * implemented), OSLK 0 (unlocked): the value older kernels emulate for every guest
     * (ASSUMPTION, see the report: trap_oslsr_el1 returning 1<<3 before 5.19). */
    {A64_OSLSR_EL1, CM_KVER(5, 19), 0x8, false, "older kernels report OSLM implemented, unlocked (0x8)"},
    /* SMCCC workaround registers: an older kernel without the register behaves as "not available" */
    {A64_WA1, CM_KVER(5, 2), 0, false, "older kernels behave as NOT_AVAIL (0)"},
    {A64_WA2, CM_KVER(5, 2), 0, false, "older kernels behave as NOT_AVAIL (0)"},
    {A64_WA3, CM_KVER(5, 17), 0, false, "older kernels behave as NOT_AVAIL (0)"},
};

static bool model_field(const struct cm_vector *v, uint64_t word_id, const char *field, uint64_t *out)
{
    long slot = a64_slot(word_id);
    if (slot < 0 || !v->present[slot] || v->novalue[slot])
        return false;
    const struct cm_field *f = a64_field(&cm_arm64_words[slot], field);
    if (!f)
        return false;
    *out = cm_field_get(f, v->val[slot]);
    return true;
}

/* Appends id; grows the array by doubling (capacity is the next power of
 * two of *n, so no separate capacity is kept).  `dedup` scans what is there. */
static void push_ex(uint64_t **ids, size_t *n, uint64_t id, bool dedup)
{
    if (dedup)
        for (size_t i = 0; i < *n; i++)
            if ((*ids)[i] == id)
                return;
    if (*n == 0 || (*n & (*n - 1)) == 0)
        *ids = cm_xrealloc(*ids, (*n ? *n * 2 : 8) * sizeof(uint64_t));
    (*ids)[(*n)++] = id;
}

static void push(uint64_t **ids, size_t *n, uint64_t id)
{
    push_ex(ids, n, id, true);
}

void a64_vanishing(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(feature_hidden); i++) {
        uint64_t mv, hv;
        if (!cm_vector_has_reg(host, feature_hidden[i].id))
            continue;
        if (feature_hidden[i].hook_since &&
            (host->kver == CM_KVER_UNKNOWN || cm_kver_cmp(host->kver, feature_hidden[i].hook_since) < 0))
            continue; /* listed unconditionally on this kernel: it stays */
        if (!model_field(model, feature_hidden[i].word_id, feature_hidden[i].field, &mv) ||
            mv >= feature_hidden[i].min)
            continue;
        if (model_field(host, feature_hidden[i].word_id, feature_hidden[i].field, &hv) &&
            hv < feature_hidden[i].min)
            continue; /* the host already lacks it yet lists it: not our doing */
        push(ids, n, feature_hidden[i].id);
    }
    static const uint32_t feats[] = {A64_FEAT_PMU_V3, A64_FEAT_SVE, A64_FEAT_PTRAUTH_ADDRESS};
    for (size_t k = 0; k < CM_ARRAY_SIZE(feats); k++) {
        if (!a64_feature_dropped(host, model, feats[k]))
            continue;
        /* host ids are unique and none is in feature_hidden[]: no dedup needed */
        for (size_t i = 0; i < host->nregs; i++) {
            uint32_t bit;
            if (a64_reg_needs_feature(host->reg_ids[i], &bit) && bit == feats[k])
                push_ex(ids, n, host->reg_ids[i], false);
        }
    }
}

/* Does the model hide init feature `bit` (every controlled field it has is absent)? */
static bool model_hides_feature(const struct cm_vector *model, uint32_t bit)
{
    bool seen = false;
    for (size_t i = 0; i < a64_n_init_effects; i++) {
        const struct a64_init_effect *e = &a64_init_effects[i];
        long slot = a64_slot(e->word_id);
        if (e->bit != bit || slot < 0 || !model->present[slot] || model->novalue[slot])
            continue;
        const struct cm_field *f = e->field ? a64_field(&cm_arm64_words[slot], e->field) : NULL;
        uint64_t v = f ? cm_field_get(f, model->val[slot]) : model->val[slot];
        if (v != e->absent)
            return false;
        seen = true;
    }
    return seen;
}

/* Does CLIDR_EL1 describe the cache CSSELR value `csselr` selects?  Ctype<n>
 * (bits 3n-1:3n-3): 1 instruction only, 2 data only, 3 separate, 4 unified. */
static bool clidr_has(uint64_t clidr, unsigned csselr)
{
    unsigned level = csselr / 2 + 1, ctype = (unsigned)(clidr >> (3 * (level - 1))) & 7;
    return (csselr & 1) ? (ctype == 1 || ctype == 3) : (ctype >= 2 && ctype <= 4);
}

enum cm_rollback a64_classify_missing(const struct cm_snapshot *host, const struct cm_vector *model, uint64_t id,
                                      const uint64_t *value, bool *write, uint64_t *write_value,
                                      struct cm_buf *why)
{
    char name[64], k[48], s[32];
    a64_reg_name(id, name, sizeof(name));
    /* the destination of a rollback: the model's (oldest) kernel */
    if (model->kver == CM_KVER_UNKNOWN)
        snprintf(k, sizeof(k), "the model's kernel");
    else
        snprintf(k, sizeof(k), "Linux %s", cm_kver_str(model->kver, s, sizeof(s)));
    if (write)
        *write = false;

    for (size_t i = 0; i < CM_ARRAY_SIZE(feature_hidden); i++) {
        uint64_t mv;
        if (feature_hidden[i].id != id)
            continue;
        if (model_field(model, feature_hidden[i].word_id, feature_hidden[i].field, &mv) &&
            mv < feature_hidden[i].min) {
            if (value && *value == 0) {
                cm_buf_printf(why, "%s: the model hides the feature (%s.%s = %llu) and the register is 0; "
                                   "a kernel without it (or hiding it) loses nothing",
                              name, cm_arm64_words[a64_slot(feature_hidden[i].word_id)].name,
                              feature_hidden[i].field, (unsigned long long)mv);
                return CM_RB_HIDDEN;
            }
            cm_buf_printf(why, "%s: the model hides the feature but the register holds 0x%llx, which %s "
                               "cannot restore",
                          name, value ? (unsigned long long)*value : 0ULL, k);
            return CM_RB_BLOCKING;
        }
        break;
    }

    uint32_t bit;
    if (a64_reg_needs_feature(id, &bit) && model_hides_feature(model, bit)) {
        cm_buf_printf(why, "%s: exists only with the %s vCPU feature, which the model leaves out", name,
                      a64_init_feature_name(bit));
        return CM_RB_HIDDEN;
    }

    for (size_t i = 0; i < CM_ARRAY_SIZE(implicit_values); i++) {
        if (implicit_values[i].id != id)
            continue;
        if (model->kver != CM_KVER_UNKNOWN && cm_kver_cmp(model->kver, implicit_values[i].absent_before) >= 0) {
            cm_buf_printf(why, "%s: %s should list it (listed since %s) but the model lacks it", name, k,
                          cm_kver_str(implicit_values[i].absent_before, s, sizeof(s)));
            return CM_RB_BLOCKING;
        }
        if (value && *value == implicit_values[i].value) {
            cm_buf_printf(why, "%s: 0x%llx is what %s behaves as (%s)", name,
                          (unsigned long long)implicit_values[i].value, k, implicit_values[i].why);
            return CM_RB_DROPPABLE;
        }
        if (implicit_values[i].write && write && write_value) {
            *write = true;
            *write_value = implicit_values[i].value;
            cm_buf_printf(why, "%s: droppable after writing 0x%llx (%s)", name,
                          (unsigned long long)implicit_values[i].value, implicit_values[i].why);
            return CM_RB_DROPPABLE;
        }
        cm_buf_printf(why, "%s: holds 0x%llx but %s behaves as 0x%llx and cannot restore it", name,
                      value ? (unsigned long long)*value : 0ULL, k, (unsigned long long)implicit_values[i].value);
        return CM_RB_BLOCKING;
    }

    /* A CCSIDR slot for a cache the guest's CLIDR_EL1 does not describe (6.3+ lists all 14
     * slots, up to 6.2 only the host's real caches, §A.5): a guest never selects it, and
     * CCSIDR for a cache that does not exist is UNKNOWN (Arm ARM, CSSELR_EL1), so leaving it
     * out changes nothing the guest can rely on.  The guest's CLIDR is the snapshot's or the
     * model's: droppable only when neither describes the cache. */
    if (A64_GROUP(id) == A64_GROUP_DEMUX && (id & 0xff) < A64_CSSELR_SLOTS) {
        uint64_t clidr;
        long cs = a64_slot(A64_CLIDR_EL1);
        bool in_snap = cm_snapshot_get_u64(host, A64_CLIDR_EL1, &clidr) && clidr_has(clidr, (unsigned)(id & 0xff));
        bool in_model = cs >= 0 && model->present[cs] && !model->novalue[cs] &&
                        clidr_has(model->val[cs], (unsigned)(id & 0xff));
        if (cm_snapshot_find_reg(host, A64_CLIDR_EL1) && !in_snap && !in_model) {
            cm_buf_printf(why, "%s: a cache level the guest's CLIDR_EL1 does not describe (a guest never selects it; "
                               "kernels up to 6.2 list only the host's real caches)",
                          name);
            return CM_RB_DROPPABLE;
        }
    }

    cm_buf_printf(why, "%s: listed by %s (Linux %s) but not by the model's kernel (%s): its value cannot be "
                       "restored there",
                  name, cm_snapshot_name(host), cm_kver_str(host->kver, s, sizeof(s)), k);
    return CM_RB_BLOCKING;
}

/* The host bits a64_vanishing() reads from feature_hidden[]. */
void a64_vanishing_deps(uint64_t *mask)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(feature_hidden); i++) {
        long slot = a64_slot(feature_hidden[i].word_id);
        const struct cm_field *f = slot < 0 ? NULL : a64_field(&cm_arm64_words[slot], feature_hidden[i].field);
        if (slot >= 0)
            mask[slot] |= f ? cm_field_mask(f) : ~0ULL;
    }
}
