/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Can a host's KVM present the model's value instead of its own?
 * (KVM-FACTS §A.3: writable ID registers, §A.3.3 acceptance rules, §A.4
 * firmware registers.)  The answer is CM_ENF_SAME / WRITE / INIT_DROP / NO,
 * with the rule in `why`.
 */
#include "arm64/arm64.h"

#define KVER_WRITABLE_IDREGS CM_KVER(6, 7) /* generic writable ID registers (KVM_ARM_GET_REG_WRITABLE_MASKS) */

/* Setters that predate the generic mechanism (§A.3.1).  `kind` selects the
 * value rule: CSV = 0 or 1 and not above the host; PMU = LOWER_SAFE and, on
 * a vCPU with a PMU, not 0/IMPDEF (that is leaving PMU_V3 out instead). */
enum special_rule { SP_CSV, SP_PMU };
static const struct {
    uint64_t word_id;
    const char *field;
    cm_kver since;
    enum special_rule rule;
    const char *note;
} special_setters[] = {
    {A64_ID_AA64PFR0, "CSV2", CM_KVER(5, 10), SP_CSV, "set_id_aa64pfr0_el1, <=5.15 (believed 5.10)"},
    {A64_ID_AA64PFR0, "CSV3", CM_KVER(5, 10), SP_CSV, "set_id_aa64pfr0_el1, <=5.15 (believed 5.10)"},
    {A64_ID_AA64DFR0, "PMUVer", CM_KVER(6, 2), SP_PMU, "set_id_aa64dfr0_el1, 6.2"},
    {A64_ID_DFR0, "PerfMon", CM_KVER(6, 2), SP_PMU, "set_id_dfr0_el1, 6.2"},
};

/* Values KVM's special-case setters refuse even when the policy allows them
 * (§A.3.3 item 5): a debug architecture older than Armv8, no EL0/EL1. */
static const struct {
    uint64_t word_id;
    const char *field;
    uint64_t min;
    const char *why;
} value_floors[] = {
    {A64_ID_AA64DFR0, "DebugVer", 6, "DebugVer below IMP (Armv8 debug) is refused"},
    {A64_ID_DFR0, "CopDbg", 6, "CopDbg below Armv8 is refused"},
    {A64_ID_AA64PFR0, "EL0", 1, "EL0 must be implemented"},
    {A64_ID_AA64PFR0, "EL1", 1, "EL1 must be implemented"},
};

static const char *kv(cm_kver k, char *buf, size_t len)
{
    return cm_kver_str(k, buf, len);
}

static bool kver_ge(cm_kver have, cm_kver since)
{
    return have != CM_KVER_UNKNOWN && cm_kver_cmp(have, since) >= 0;
}

static bool special_accepts(const struct cm_vector *host, const struct cm_field *f, enum special_rule rule,
                            uint64_t have, uint64_t want)
{
    switch (rule) {
    case SP_CSV:
        return want <= 1 && want <= have;
    case SP_PMU:
        if (a64_vcpu_has(host, A64_FEAT_PMU_V3) && (want == 0 || want == 0xf))
            return false;
        return cm_field_provides(f, have, want);
    }
    return false;
}

/* value the field takes when its init feature is left out */
static bool init_absent_value(const struct cm_word *w, const struct cm_field *f, uint32_t bit, uint64_t *absent)
{
    for (size_t i = 0; i < a64_n_init_effects; i++) {
        const struct a64_init_effect *e = &a64_init_effects[i];
        if (e->bit == bit && e->word_id == w->id) {
            *absent = 0; /* a whole-word effect (ZFR0) zeroes every field */
            if (!e->field || f == a64_field(w, e->field)) {
                if (e->field)
                    *absent = e->absent;
                return true;
            }
        }
    }
    return false;
}

static enum cm_enforce enforce_idfield(const struct cm_vector *host, const struct cm_word *w,
                                       const struct cm_field *f, uint64_t have, uint64_t want, struct cm_buf *why)
{
    char k[32], s[32];
    kv(host->kver, k, sizeof(k));

    for (size_t i = 0; i < CM_ARRAY_SIZE(special_setters); i++) {
        if (special_setters[i].word_id != w->id || a64_field(w, special_setters[i].field) != f)
            continue;
        const struct cm_fact *gen =
            host->snap ? cm_snapshot_find_fact(host->snap, CM_FACT_ARM64_WRITABLE_ID_REGS) : NULL;
        if (kver_ge(host->kver, special_setters[i].since) && !kver_ge(host->kver, KVER_WRITABLE_IDREGS) &&
            !host->masks && !(gen && gen->value)) {
            if (special_accepts(host, f, special_setters[i].rule, have, want))
                return CM_ENF_WRITE;
            cm_buf_printf(why, "%s.%s: Linux %s accepts only %s (%s); host %llu, model %llu", w->name, f->name, k,
                          special_setters[i].rule == SP_CSV ? "0 or 1, not above the host's value"
                                                            : "a lower PMU version (0 means leaving PMU_V3 out)",
                          special_setters[i].note, (unsigned long long)have, (unsigned long long)want);
            return CM_ENF_NO;
        }
    }

    bool writable;
    const struct cm_fact *fact = host->snap ? cm_snapshot_find_fact(host->snap, CM_FACT_ARM64_WRITABLE_ID_REGS) : NULL;
    const char *assumed = NULL;
    if (host->masks) {
        /* ground truth: KVM_ARM_GET_REG_WRITABLE_MASKS as the host reported it */
        int idx = a64_mask_index(w->id);
        uint64_t m = idx >= 0 ? host->masks[idx] : 0;
        writable = f->writable_since != 0 && (m & cm_field_mask(f)) == cm_field_mask(f);
        if (!writable) {
            if (f->writable_since == 0)
                cm_buf_printf(why, "%s.%s: KVM never lets userspace change this field (no writable-field entry)",
                              w->name, f->name);
            else
                cm_buf_printf(why, "%s.%s: not in the writable mask Linux %s reports (0x%016llx)", w->name,
                              f->name, k, (unsigned long long)m);
            return CM_ENF_NO;
        }
    } else if (fact) {
        /* the probe's trial write (or the operator) says whether this KVM takes lowered ID values;
         * which fields, then, follows the newest kernels' table */
        if (f->writable_since == 0) {
            cm_buf_printf(why, "%s.%s: KVM never lets userspace change this field", w->name, f->name);
            return CM_ENF_NO;
        }
        if (!fact->value) {
            cm_buf_printf(why, "%s.%s: the host's KVM refuses changed ID register values (fact %s = 0)", w->name,
                          f->name, CM_FACT_ARM64_WRITABLE_ID_REGS);
            return CM_ENF_NO;
        }
        assumed = "the host's fact arm64.writable_id_regs says ID registers are writable; which fields follows "
                  "the newest kernels' writable masks";
    } else {
        if (f->writable_since == 0) {
            cm_buf_printf(why, "%s.%s: KVM never lets userspace change this field", w->name, f->name);
            return CM_ENF_NO;
        }
        if (!kver_ge(host->kver, KVER_WRITABLE_IDREGS)) {
            cm_buf_printf(why, "%s.%s: not writable on Linux %s (writable ID registers arrived in 6.7; assumed from the "
                               "kernel version: no writable masks recorded, and a backport would change this: "
                               "state it with --fact writable-id-regs=yes)",
                          w->name, f->name, k);
            return CM_ENF_NO;
        }
        if (!kver_ge(host->kver, f->writable_since)) {
            cm_buf_printf(why, "%s.%s: not writable on Linux %s (KVM lets userspace change it from %s; assumed from "
                               "the kernel version: no writable masks recorded)",
                          w->name, f->name, k, kv(f->writable_since, s, sizeof(s)));
            return CM_ENF_NO;
        }
        assumed = "writable by the kernel-version table (no writable masks recorded)";
    }
    for (size_t i = 0; i < CM_ARRAY_SIZE(value_floors); i++)
        if (value_floors[i].word_id == w->id && a64_field(w, value_floors[i].field) == f && want < value_floors[i].min) {
            cm_buf_printf(why, "%s.%s: %s (model %llu)", w->name, f->name, value_floors[i].why,
                          (unsigned long long)want);
            return CM_ENF_NO;
        }
    if (!cm_field_provides(f, have, want)) {
        const char *rule = "";
        switch ((enum cm_policy)f->policy) {
        case CM_POL_LOWER_SAFE: rule = "only values not above the host's"; break;
        case CM_POL_HIGHER_SAFE: rule = "only values not below the host's"; break;
        case CM_POL_HIGHER_OR_ZERO_SAFE: rule = "only 0 or values not below the host's"; break;
        case CM_POL_EXACT: rule = "only the host's value or the safe value"; break;
        default: rule = "only the host's value"; break;
        }
        cm_buf_printf(why, "%s.%s: Linux %s accepts %s (%s): host %llu, model %llu", w->name, f->name, k, rule,
                      cm_policy_name(f), (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    }
    if (assumed)
        cm_buf_printf(why, "%s", assumed);
    return CM_ENF_WRITE;
}

static enum cm_enforce enforce_psci(const struct cm_vector *host, uint64_t have, uint64_t want,
                                    struct cm_buf *why)
{
    char k[32], s[32];
    cm_kver since;
    kv(host->kver, k, sizeof(k));
    if (want == 0x1) {
        cm_buf_printf(why, "PSCI_VERSION: 0.1 is only offered without KVM_ARM_VCPU_PSCI_0_2");
        return CM_ENF_NO; /* the INIT_DROP case is handled by the caller */
    }
    if (have == 0x1) {
        cm_buf_printf(why, "PSCI_VERSION: the host's vCPU runs without KVM_ARM_VCPU_PSCI_0_2 (PSCI 0.1); "
                           "version 0x%llx needs that init feature", (unsigned long long)want);
        return CM_ENF_NO;
    }
    if (!a64_psci_accepted(host->kver, want, &since)) {
        if (since)
            cm_buf_printf(why, "PSCI_VERSION: Linux %s does not accept version 0x%llx (accepted from %s)", k,
                          (unsigned long long)want, kv(since, s, sizeof(s)));
        else
            cm_buf_printf(why, "PSCI_VERSION: 0x%llx is not a PSCI version KVM knows", (unsigned long long)want);
        return CM_ENF_NO;
    }
    if (want > have) {
        cm_buf_printf(why, "PSCI_VERSION: the host implements up to 0x%llx, the model wants 0x%llx",
                      (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    }
    return CM_ENF_WRITE;
}

enum cm_enforce a64_enforce(const struct cm_vector *host, size_t slot, const struct cm_field *f, uint64_t have,
                            uint64_t want, struct cm_buf *why, uint32_t *init_feature)
{
    if (have == want)
        return CM_ENF_SAME;
    if (slot >= CM_ARM64_NWORDS) {
        cm_buf_printf(why, "slot %zu is outside the arm64 vector", slot);
        return CM_ENF_NO;
    }
    const struct cm_word *w = &cm_arm64_words[slot];
    enum a64_word_kind kind = (enum a64_word_kind)w->aux;

    if (!f) {
        if (kind == A64_W_BMAP && (want & ~have) == 0)
            return CM_ENF_WRITE; /* any subset of the host's services (5.19) */
        cm_buf_printf(why, "%s: bits outside the known fields differ (host 0x%llx, model 0x%llx); KVM requires "
                           "them equal",
                      w->name, (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    }

    /* a field an init feature controls: leaving the feature out gives its "absent" value */
    if (f->aux) {
        uint32_t bit = f->aux - 1;
        uint64_t absent;
        if (init_absent_value(w, f, bit, &absent) && want == absent && a64_vcpu_has(host, bit)) {
            if (init_feature)
                *init_feature = bit;
            return CM_ENF_INIT_DROP;
        }
    }

    switch (kind) {
    case A64_W_ID:
    case A64_W_CTR:
        return enforce_idfield(host, w, f, have, want, why);
    case A64_W_IMPID:
    case A64_W_CACHE:
        return a64_enforce_identity(host, w, want, why);
    case A64_W_PSCI:
        return enforce_psci(host, have, want, why);
    case A64_W_WA:
        /* `have` may differ from the probed value: the level KVM derives from
         * the model's ID registers (a64_presented, §A.4) */
        cm_buf_printf(why, "%s: KVM only checks a written level against the host's and stores nothing; the "
                           "guest keeps seeing the host's level %llu (model %llu)%s",
                      w->name, (unsigned long long)have, (unsigned long long)want,
                      have != cm_field_get(f, host->val[slot]) ? ", the level it presents once the model's ID "
                                                                 "registers are applied"
                                                               : "");
        return CM_ENF_NO;
    case A64_W_BMAP: {
        char k[32], s[32];
        if (!kver_ge(host->kver, f->writable_since) && host->kver != CM_KVER_UNKNOWN) {
            cm_buf_printf(why, "%s.%s: not writable on Linux %s (from %s)", w->name, f->name,
                          kv(host->kver, k, sizeof(k)), kv(f->writable_since, s, sizeof(s)));
            return CM_ENF_NO;
        }
        if (want & ~have) {
            cm_buf_printf(why, "%s.%s: the host does not offer this hypercall service (KVM accepts only a subset "
                               "of the host's bits)",
                          w->name, f->name);
            return CM_ENF_NO;
        }
        return CM_ENF_WRITE;
    }
    }
    cm_buf_printf(why, "%s: unknown word kind", w->name);
    return CM_ENF_NO;
}
