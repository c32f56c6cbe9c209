/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM_ARM_VCPU_INIT features and what leaving one out does to the ID
 * registers (KVM-FACTS §A.3.4): one line per controlled field.
 */
#include <string.h>

#include "arm64/arm64.h"
#include "cpumodel/kvm_compat.h"

const struct a64_init_effect a64_init_effects[] = {
    {A64_FEAT_PSCI_0_2, A64_PSCI_VERSION, "version", 0x1},   /* only PSCI 0.1 without it */
    {A64_FEAT_PMU_V3, A64_ID_AA64DFR0, "PMUVer", 0},
    {A64_FEAT_PMU_V3, A64_ID_DFR0, "PerfMon", 0},
    {A64_FEAT_SVE, A64_ID_AA64PFR0, "SVE", 0},
    {A64_FEAT_SVE, A64_ID_AA64ZFR0, NULL, 0},                /* ZFR0 is RAZ without SVE */
    /* ptrauth: ADDRESS and GENERIC are requested/left out together */
    {A64_FEAT_PTRAUTH_ADDRESS, A64_ID_AA64ISAR1, "APA", 0},
    {A64_FEAT_PTRAUTH_ADDRESS, A64_ID_AA64ISAR1, "API", 0},
    {A64_FEAT_PTRAUTH_ADDRESS, A64_ID_AA64ISAR1, "GPA", 0},
    {A64_FEAT_PTRAUTH_ADDRESS, A64_ID_AA64ISAR1, "GPI", 0},
    {A64_FEAT_PTRAUTH_ADDRESS, A64_ID_AA64ISAR2, "APA3", 0},
    {A64_FEAT_PTRAUTH_ADDRESS, A64_ID_AA64ISAR2, "GPA3", 0},
};
const size_t a64_n_init_effects = CM_ARRAY_SIZE(a64_init_effects);

/* the two ptrauth bits are one feature for our purposes */
static uint32_t canon(uint32_t bit)
{
    return bit == A64_FEAT_PTRAUTH_GENERIC ? A64_FEAT_PTRAUTH_ADDRESS : bit;
}

bool a64_vcpu_has(const struct cm_vector *v, uint32_t bit)
{
    if (!v->has_vcpu_features || bit >= 32)
        return false;
    if (canon(bit) == A64_FEAT_PTRAUTH_ADDRESS)
        return (v->vcpu_features & A64_FEAT_PTRAUTH_MASK) != 0;
    return (v->vcpu_features >> bit) & 1;
}

/* value of an effect's field (or whole word) in v; false if v lacks the word */
static bool effect_value(const struct cm_vector *v, const struct a64_init_effect *e, uint64_t *out)
{
    long slot = a64_slot(e->word_id);
    if (slot < 0 || !v->present[slot] || v->novalue[slot])
        return false;
    const struct cm_field *f = e->field ? a64_field(&cm_arm64_words[slot], e->field) : NULL;
    *out = f ? cm_field_get(f, v->val[slot]) : v->val[slot];
    return true;
}

bool a64_feature_dropped(const struct cm_vector *host, const struct cm_vector *model, uint32_t bit)
{
    bit = canon(bit);
    if (!a64_vcpu_has(host, bit))
        return false;
    bool seen = false, differs = false;
    for (size_t i = 0; i < a64_n_init_effects; i++) {
        const struct a64_init_effect *e = &a64_init_effects[i];
        uint64_t mv, hv;
        if (e->bit != bit || !effect_value(model, e, &mv))
            continue;
        if (mv != e->absent)
            return false;
        seen = true;
        if (effect_value(host, e, &hv) && hv != e->absent)
            differs = true;
    }
    return seen && differs;
}

void a64_drop_init_feature(struct cm_vector *v, uint32_t bit)
{
    bit = canon(bit);
    for (size_t i = 0; i < a64_n_init_effects; i++) {
        const struct a64_init_effect *e = &a64_init_effects[i];
        long slot = a64_slot(e->word_id);
        if (e->bit != bit || slot < 0 || !v->present[slot])
            continue;
        const struct cm_field *f = e->field ? a64_field(&cm_arm64_words[slot], e->field) : NULL;
        v->val[slot] = f ? cm_field_put(f, v->val[slot], e->absent) : e->absent;
    }
    if (v->has_vcpu_features)
        v->vcpu_features &= bit == A64_FEAT_PTRAUTH_ADDRESS ? ~A64_FEAT_PTRAUTH_MASK : ~(1u << bit);
}

/* The one table of KVM_ARM_VCPU_INIT features[0] bits (KVM-FACTS §A.3.4;
 * arch/arm64/include/uapi/asm/kvm.h): the name, the capability that says KVM
 * offers the feature (include/uapi/linux/kvm.h), and whether the probe asks
 * for it whenever KVM offers it (the optional features a host can give a
 * guest; PSCI 0.2 is always requested, EL1_32BIT / EL2 change the guest's
 * execution state and are never assumed).  The probe, the verifier, the lab
 * and the Firecracker export all read this table. */
static const struct {
    const char *name;
    uint32_t cap;
    bool optional;
} features[] = {
    [A64_FEAT_POWER_OFF] = {"POWER_OFF", 0, false},
    [A64_FEAT_EL1_32BIT] = {"EL1_32BIT", KVM_CAP_ARM_EL1_32BIT, false},
    [A64_FEAT_PSCI_0_2] = {"PSCI_0_2", KVM_CAP_ARM_PSCI_0_2, false},
    [A64_FEAT_PMU_V3] = {"PMU_V3", KVM_CAP_ARM_PMU_V3, true},
    [A64_FEAT_SVE] = {"SVE", KVM_CAP_ARM_SVE, true},
    [A64_FEAT_PTRAUTH_ADDRESS] = {"PTRAUTH_ADDRESS", KVM_CAP_ARM_PTRAUTH_ADDRESS, true},
    [A64_FEAT_PTRAUTH_GENERIC] = {"PTRAUTH_GENERIC", KVM_CAP_ARM_PTRAUTH_GENERIC, true},
    [A64_FEAT_HAS_EL2] = {"HAS_EL2", KVM_CAP_ARM_EL2, false},
    [A64_FEAT_HAS_EL2_E2H0] = {"HAS_EL2_E2H0", KVM_CAP_ARM_EL2_E2H0, false},
};

const char *a64_init_feature_name(uint32_t bit)
{
    return bit < CM_ARRAY_SIZE(features) ? features[bit].name : NULL;
}

uint32_t a64_init_feature_cap(uint32_t bit)
{
    return bit < CM_ARRAY_SIZE(features) ? features[bit].cap : 0;
}

uint32_t a64_init_features_offered(bool all, bool (*has_cap)(void *ctx, uint32_t cap), void *ctx)
{
    uint32_t f = 1u << A64_FEAT_PSCI_0_2;
    for (uint32_t bit = 0; all && bit < CM_ARRAY_SIZE(features); bit++)
        if (features[bit].optional && has_cap(ctx, features[bit].cap))
            f |= 1u << bit;
    return a64_init_features_whole(f);
}

uint32_t a64_init_features_whole(uint32_t f)
{
    for (uint32_t bit = 0; bit < 32; bit++) {
        uint32_t g = a64_init_feature_group(bit);
        if ((f & (1u << bit)) && (f & g) != g)
            f &= ~g;
    }
    return f;
}

/* KVM_ARM_VCPU_INIT refuses one pointer-auth bit without the other (A.3.4):
 * leaving one out means leaving out both. */
uint32_t a64_init_feature_group(uint32_t bit)
{
    if (canon(bit) == A64_FEAT_PTRAUTH_ADDRESS)
        return A64_FEAT_PTRAUTH_MASK;
    return bit < 32 ? 1u << bit : 0;
}

/* The host bits a64_feature_dropped() reads: every controlled field. */
void a64_init_effect_deps(uint64_t *mask)
{
    for (size_t i = 0; i < a64_n_init_effects; i++) {
        long slot = a64_slot(a64_init_effects[i].word_id);
        const struct cm_field *f =
            slot < 0 || !a64_init_effects[i].field ? NULL : a64_field(&cm_arm64_words[slot], a64_init_effects[i].field);
        if (slot >= 0)
            mask[slot] |= f ? cm_field_mask(f) : ~0ULL;
    }
}
