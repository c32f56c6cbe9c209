/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A register list for x86 snapshots: CPUID leaves and MSRs (see x86.h). */
#include "x86_64/x86.h"

static int add(struct cm_snapshot *s, uint64_t id, const uint64_t *val, uint32_t flags, cm_error *err)
{
    if (cm_snapshot_find_reg(s, id))
        return 0;
    return cm_snapshot_add_reg(s, id, val, flags, err);
}

int cm_x86_snapshot_registers(struct cm_snapshot *s, cm_error *err)
{
    if (s->arch != CM_ARCH_X86_64)
        return 0;
    if (cm_snapshot_finish(s, err) < 0) /* lookups below need a sorted list */
        return -1;
    for (size_t i = 0; i < s->ncpuid; i++) {
        const struct cm_cpuid_entry *e = &s->cpuid[i];
        uint32_t sub = e->flags & CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX ? e->index : 0;
        if (sub > 0xff)
            continue; /* no room in the id; no KVM leaf has such subleaves today */
        uint64_t v[2] = {e->eax | (uint64_t)e->ebx << 32, e->ecx | (uint64_t)e->edx << 32};
        if (add(s, CM_X86_LEAF_ID(e->function, sub), v, 0, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < s->nmsrs; i++) {
        const struct cm_x86_msr_info *mi = cm_x86_msr_info(s->msrs[i].index);
        uint64_t v = s->msrs[i].value;
        if (add(s, CM_X86_MSR_ID(s->msrs[i].index), &v, mi && mi->is_volatile ? CM_REGF_VOLATILE : 0, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < s->nmsr_index_list; i++)
        if (add(s, CM_X86_MSR_ID(s->msr_index_list[i]), NULL, CM_REGF_NOVALUE, err) < 0)
            return -1;
    return cm_snapshot_finish(s, err);
}
