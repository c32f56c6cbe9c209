/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The riscv64 architecture driver (see docs/riscv64.md). */
#include "rv_internal.h"

const struct cm_arch_ops cm_riscv64_ops = {
    .arch = CM_ARCH_RISCV64,
    /* KVM_SET_ONE_REG of a register the destination does not list: ENOENT,
     * measured in the migration lab (7.2 -> 6.12: config.zicbom_block_size,
     * ISA_EXT.ZAAMO …; docs/migration-lab.md) */
    .restore_fails_on_missing = true,
    .words = rv_words,
    .nwords = RV_NWORDS,
    .decode = rv_decode,
    .encode = rv_encode,
    .enforce = rv_enforce,
    .vanishing = rv_vanishing,
    .classify_missing = rv_classify_missing,
    .drop_init_feature = NULL, /* riscv has no KVM_ARM_VCPU_INIT-style features */
    .reg_name = rv_reg_name,
    .reg_volatile = rv_reg_volatile,
    .init_feature_name = NULL,
    .plan_extra = NULL,
};
