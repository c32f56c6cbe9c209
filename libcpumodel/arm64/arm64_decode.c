/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshot <-> feature vector.  A word is present iff the host lists its
 * register; its value is the register's (first) 64-bit word.
 *
 * Firecracker dumps carry no KVM_ARM_VCPU_INIT feature set, so it is
 * inferred from what the vCPU shows: a register or ID field that exists only
 * with an init feature proves the feature was requested.
 */
#include "arm64/arm64.h"

static bool field_nonzero(const struct cm_vector *v, uint64_t word_id, const char *name)
{
    long slot = a64_slot(word_id);
    if (slot < 0 || !v->present[slot])
        return false;
    const struct cm_field *f = a64_field(&cm_arm64_words[slot], name);
    return f && cm_field_get(f, v->val[slot]) != 0;
}

static uint32_t infer_features(const struct cm_snapshot *s, const struct cm_vector *v)
{
    uint32_t feat = 0;
    for (size_t i = 0; i < s->nregs; i++) {
        uint32_t bit;
        if (a64_reg_needs_feature(s->regs[i].id, &bit))
            feat |= bit == A64_FEAT_PTRAUTH_ADDRESS ? A64_FEAT_PTRAUTH_MASK : 1u << bit;
    }
    if (field_nonzero(v, A64_ID_AA64DFR0, "PMUVer"))
        feat |= 1u << A64_FEAT_PMU_V3;
    if (field_nonzero(v, A64_ID_AA64ISAR1, "API") || field_nonzero(v, A64_ID_AA64ISAR1, "APA"))
        feat |= A64_FEAT_PTRAUTH_MASK;
    uint64_t psci;
    if (cm_snapshot_get_u64(s, A64_PSCI_VERSION, &psci) && psci != 1)
        feat |= 1u << A64_FEAT_PSCI_0_2;
    return feat;
}

int a64_decode(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err)
{
    if (s->arch != CM_ARCH_ARM64)
        return cm_fail(err, CM_E_MISMATCH, "not an arm64 snapshot (%s)", cm_arch_name(s->arch));
    for (size_t i = 0; i < CM_ARM64_NWORDS; i++) {
        const struct cm_reg *r = cm_snapshot_find_reg(s, cm_arm64_words[i].id);
        if (!r || (r->flags & CM_REGF_VOLATILE))
            continue;
        v->present[i] = 1;
        if (r->flags & CM_REGF_NOVALUE)
            v->novalue[i] = 1;
        else
            v->val[i] = cm_snapshot_reg_val(s, r)[0];
    }
    if (!v->has_vcpu_features) {
        v->vcpu_features = infer_features(s, v);
        v->has_vcpu_features = true;
    }
    return 0;
}

int a64_encode(const struct cm_vector *model, struct cm_snapshot *out, cm_error *err)
{
    if (out->arch != CM_ARCH_ARM64)
        return cm_fail(err, CM_E_MISMATCH, "encode: output snapshot is %s, not arm64", cm_arch_name(out->arch));
    for (size_t i = 0; i < CM_ARM64_NWORDS; i++) {
        if (!model->present[i] || model->novalue[i])
            continue;
        cm_snapshot_set_u64(out, cm_arm64_words[i].id, model->val[i]);
        /* a value now exists: clear the "no value" flag a state-register copy may carry */
        const struct cm_reg *r = cm_snapshot_find_reg(out, cm_arm64_words[i].id);
        if (r)
            ((struct cm_reg *)r)->flags &= ~CM_REGF_NOVALUE;
    }
    return 0;
}
