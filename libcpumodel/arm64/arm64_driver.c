/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The arm64 architecture driver: the ops struct and small lookups. */
#include <string.h>

#include "arm64/arm64.h"

/* Every AArch64 CPU implements these (Arm ARM D19.2); the arm64 Linux 4.14
 * hosts in the Firecracker dumps list no ID_AA64* register, 5.10 and 6.1 all. */
static const uint64_t a64_always_listed[] = {
    A64_SYSREG(3, 0, 0, 4, 0), /* ID_AA64PFR0_EL1 */
    A64_SYSREG(3, 0, 0, 6, 0), /* ID_AA64ISAR0_EL1 */
    A64_SYSREG(3, 0, 0, 7, 0), /* ID_AA64MMFR0_EL1 */
};

const struct cm_arch_ops cm_arm64_ops = {
    .arch = CM_ARCH_ARM64,
    .restore_fails_on_missing = true, /* KVM_SET_ONE_REG: ENOENT (KVM-FACTS §A.3.3 item 2) */
    .always_listed = a64_always_listed,
    .nalways_listed = CM_ARRAY_SIZE(a64_always_listed),
    .words = cm_arm64_words,
    .nwords = CM_ARM64_NWORDS,
    .decode = a64_decode,
    .encode = a64_encode,
    .enforce = a64_enforce,
    .vanishing = a64_vanishing,
    .effective_regs = a64_effective_regs,
    .effective_deps = a64_effective_deps,
    .classify_missing = a64_classify_missing,
    .presented = a64_presented,
    .drop_init_feature = a64_drop_init_feature,
    .reg_name = a64_reg_name,
    .reg_volatile = a64_reg_volatile,
    .init_feature_name = a64_init_feature_name,
    .init_feature_group = a64_init_feature_group,
    .plan_extra = NULL,
    .pinned = a64_pinned,
    .groups = a64_field_groups,
    .ngroups = A64_N_FIELD_GROUPS,
    .write_needs_cap = a64_write_needs_cap,
    .restore_ignored = a64_restore_ignored,
};

long a64_slot(uint64_t id)
{
    /* the 56 feature-ID slots are laid out by encoding */
    if (id >= A64_SYSREG(3, 0, 0, 1, 0) && id <= A64_SYSREG(3, 0, 0, 7, 7))
        return (long)(id - A64_SYSREG(3, 0, 0, 1, 0));
    for (size_t i = 56; i < CM_ARM64_NWORDS; i++)
        if (cm_arm64_words[i].id == id)
            return (long)i;
    return -1;
}

int a64_mask_index(uint64_t id)
{
    /* KVM_ARM_FEATURE_ID_RANGE_IDX: op0=3, op1 in {0,1,3}, CRn=0, CRm 0..7 */
    if ((id & ~0xffffULL) != 0x6030000000130000ULL)
        return -1;
    unsigned op0 = (id >> 14) & 3, op1 = (id >> 11) & 7, crn = (id >> 7) & 0xf, crm = (id >> 3) & 0xf,
             op2 = id & 7;
    if (op0 != 3 || crn != 0 || crm > 7 || (op1 != 0 && op1 != 1 && op1 != 3))
        return -1;
    unsigned o = op1 == 3 ? 2 : op1;
    return (int)(o << 6 | crm << 3 | op2);
}

const struct cm_field *a64_field(const struct cm_word *w, const char *name)
{
    for (uint16_t i = 0; i < w->nfields; i++)
        if (strcmp(w->fields[i].name, name) == 0)
            return &w->fields[i];
    return NULL;
}
