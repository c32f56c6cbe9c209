/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Maps an arch to its driver.  Strong references: they also make the static
 * library pull each driver's object file into every program. */
#include <stddef.h>

#include "cpumodel/arch.h"

const struct cm_arch_ops *cm_arch_ops(enum cm_arch arch)
{
    switch (arch) {
    case CM_ARCH_ARM64: return &cm_arm64_ops;
    case CM_ARCH_RISCV64: return &cm_riscv64_ops;
    case CM_ARCH_X86_64: return &cm_x86_64_ops;
    case CM_ARCH_UNKNOWN: break;
    }
    return NULL;
}
