/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registers that exist only with a vCPU init feature (KVM-FACTS §A.5
 * "Registers hidden when a feature is absent"): one line per id range.
 */
#include "arm64/arm64.h"

static const struct {
    uint64_t lo, hi; /* inclusive id range */
    uint32_t bit;
    const char *what;
} feature_regs[] = {
    /* PMU (pmu_visibility, <=5.15) */
    {A64_SYSREG(3, 0, 9, 14, 1), A64_SYSREG(3, 0, 9, 14, 2), A64_FEAT_PMU_V3, "PMINTENSET/CLR_EL1"},
    {A64_SYSREG(3, 0, 9, 14, 6), A64_SYSREG(3, 0, 9, 14, 6), A64_FEAT_PMU_V3, "PMMIR_EL1"},
    {A64_SYSREG(3, 3, 9, 12, 0), A64_SYSREG(3, 3, 9, 12, 7), A64_FEAT_PMU_V3, "PMCR..PMCEID1_EL0"},
    {A64_SYSREG(3, 3, 9, 13, 0), A64_SYSREG(3, 3, 9, 13, 2), A64_FEAT_PMU_V3, "PMCCNTR/PMXEV*_EL0"},
    {A64_SYSREG(3, 3, 9, 14, 0), A64_SYSREG(3, 3, 9, 14, 0), A64_FEAT_PMU_V3, "PMUSERENR_EL0"},
    {A64_SYSREG(3, 3, 9, 14, 3), A64_SYSREG(3, 3, 9, 14, 3), A64_FEAT_PMU_V3, "PMOVSSET_EL0"},
    {A64_SYSREG(3, 3, 14, 8, 0), A64_SYSREG(3, 3, 14, 11, 6), A64_FEAT_PMU_V3, "PMEVCNTR<n>_EL0"},
    {A64_SYSREG(3, 3, 14, 12, 0), A64_SYSREG(3, 3, 14, 15, 7), A64_FEAT_PMU_V3, "PMEVTYPER<n>_EL0, PMCCFILTR_EL0"},
    /* pointer authentication keys (ptrauth_visibility, <=5.15) */
    {A64_SYSREG(3, 0, 2, 1, 0), A64_SYSREG(3, 0, 2, 1, 3), A64_FEAT_PTRAUTH_ADDRESS, "APIA/APIB keys"},
    {A64_SYSREG(3, 0, 2, 2, 0), A64_SYSREG(3, 0, 2, 2, 3), A64_FEAT_PTRAUTH_ADDRESS, "APDA/APDB keys"},
    {A64_SYSREG(3, 0, 2, 3, 0), A64_SYSREG(3, 0, 2, 3, 1), A64_FEAT_PTRAUTH_ADDRESS, "APGA key"},
    /* SVE: ZCR_EL1 and the whole SVE group (Z/P/FFR slices, VLS) */
    {A64_ZCR_EL1, A64_ZCR_EL1, A64_FEAT_SVE, "ZCR_EL1"},
};

bool a64_reg_needs_feature(uint64_t id, uint32_t *bit)
{
    if ((id & CM_REG_ARCH_MASK) == CM_REG_ARM64 && A64_GROUP(id) == A64_GROUP_SVE) {
        *bit = A64_FEAT_SVE;
        return true;
    }
    /* quick reject: every range above is a sysreg with CRn 2, 9 or 14, or ZCR_EL1
     * (this runs for every register of every host in a large baseline) */
    if ((id & 0xffffffffffff0000ULL) != 0x6030000000130000ULL)
        return false;
    unsigned crn = (unsigned)(id >> 7) & 0xf;
    if (crn != 2 && crn != 9 && crn != 14 && id != A64_ZCR_EL1)
        return false;
    for (size_t i = 0; i < CM_ARRAY_SIZE(feature_regs); i++)
        if (id >= feature_regs[i].lo && id <= feature_regs[i].hi) {
            *bit = feature_regs[i].bit;
            return true;
        }
    return false;
}
