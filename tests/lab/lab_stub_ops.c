/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lab's /init links the negotiation driver of its own arch only (the x86
 * driver needs json-c, which the cross targets lack).  The arch registry
 * refers to every driver, so the other two are defined here as empty drivers
 * (no words, no hooks): nothing in the probe or verifier uses them.
 */
#include "cpumodel/arch.h"

#if !defined(__aarch64__)
const struct cm_arch_ops cm_arm64_ops = {.arch = CM_ARCH_ARM64};
#endif
#if !defined(__riscv)
const struct cm_arch_ops cm_riscv64_ops = {.arch = CM_ARCH_RISCV64};
#endif
const struct cm_arch_ops cm_x86_64_ops = {.arch = CM_ARCH_X86_64};
