/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one list of architectures: what each is called, how KVM numbers its
 * registers, and its driver.  Adding an architecture adds a line here (and
 * its enum value in snapshot.h); everything else about it lives in its own
 * directory behind struct cm_arch_ops (docs/ARCHITECTURE.md, "Adding an
 * architecture").  The driver references are strong: they also make the
 * static library pull each driver's object file into every program. */
#include <stddef.h>
#include <strings.h>

#include "cpumodel/arch.h"

static const struct cm_arch_entry {
    enum cm_arch arch;
    const char *name;  /* in snapshots, JSON and the CLI */
    const char *alias; /* what uname -m or Debian call it, accepted on input; NULL if the same */
    uint64_t reg_prefix; /* KVM_REG_<ARCH>: the top byte of its ONE_REG ids (uapi linux/kvm.h) */
    bool cpuid_tables;   /* its snapshots always carry the CPUID/MSR tables, even empty */
    const struct cm_arch_ops *ops;
} arches[] = {
    {CM_ARCH_ARM64, "arm64", "aarch64", CM_REG_ARM64, false, &cm_arm64_ops},
    {CM_ARCH_RISCV64, "riscv64", NULL, CM_REG_RISCV, false, &cm_riscv64_ops},
    {CM_ARCH_X86_64, "x86_64", "amd64", CM_REG_X86, true, &cm_x86_64_ops},
};

static const struct cm_arch_entry *entry(enum cm_arch arch)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(arches); i++)
        if (arches[i].arch == arch)
            return &arches[i];
    return NULL;
}

const struct cm_arch_ops *cm_arch_ops(enum cm_arch arch)
{
    const struct cm_arch_entry *e = entry(arch);
    return e ? e->ops : NULL;
}

const char *cm_arch_name(enum cm_arch arch)
{
    const struct cm_arch_entry *e = entry(arch);
    return e ? e->name : "unknown";
}

enum cm_arch cm_arch_from_name(const char *name)
{
    for (size_t i = 0; name && i < CM_ARRAY_SIZE(arches); i++)
        if (!strcasecmp(name, arches[i].name) || (arches[i].alias && !strcasecmp(name, arches[i].alias)))
            return arches[i].arch;
    return CM_ARCH_UNKNOWN;
}

enum cm_arch cm_arch_at(size_t i)
{
    return i < CM_ARRAY_SIZE(arches) ? arches[i].arch : CM_ARCH_UNKNOWN;
}

uint64_t cm_arch_reg_prefix(enum cm_arch arch)
{
    const struct cm_arch_entry *e = entry(arch);
    return e ? e->reg_prefix : UINT64_MAX;
}

bool cm_arch_has_cpuid_tables(enum cm_arch arch)
{
    const struct cm_arch_entry *e = entry(arch);
    return e && e->cpuid_tables;
}
