/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPUID tables (struct kvm_cpuid_entry2 lists): lookup, ranges, consistency. */
#include "x86_64/x86.h"

static bool entry_matches(const struct cm_cpuid_entry *e, uint32_t leaf, uint32_t sub)
{
    if (e->function != leaf)
        return false;
    /* KVM ignores the index of an entry without SIGNIFICANT_INDEX; a lookup
     * for a non-zero subleaf must not pick up such an entry though, or 7.1
     * would silently read 7.0 of a table that lists only leaf 7. */
    if (e->flags & CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX)
        return e->index == sub;
    return sub == 0 || e->index == sub;
}

const struct cm_cpuid_entry *cm_x86_cpuid_find(const struct cm_cpuid_entry *t, size_t n, uint32_t leaf,
                                               uint32_t sub)
{
    for (size_t i = 0; i < n; i++)
        if (entry_matches(&t[i], leaf, sub))
            return &t[i];
    return NULL;
}

uint32_t cm_x86_cpuid_reg(const struct cm_cpuid_entry *e, enum cm_x86_reg r)
{
    switch (r) {
    case CM_X86_EAX: return e->eax;
    case CM_X86_EBX: return e->ebx;
    case CM_X86_ECX: return e->ecx;
    case CM_X86_EDX: return e->edx;
    }
    return 0;
}

void cm_x86_cpuid_set_reg(struct cm_cpuid_entry *e, enum cm_x86_reg r, uint32_t v)
{
    switch (r) {
    case CM_X86_EAX: e->eax = v; break;
    case CM_X86_EBX: e->ebx = v; break;
    case CM_X86_ECX: e->ecx = v; break;
    case CM_X86_EDX: e->edx = v; break;
    }
}

static uint32_t range_base(uint32_t leaf)
{
    return leaf & 0xf0000000u ? leaf & 0xffff0000u : 0;
}

uint32_t cm_x86_range_max(const struct cm_cpuid_entry *t, size_t n, uint32_t leaf)
{
    const struct cm_cpuid_entry *e = cm_x86_cpuid_find(t, n, range_base(leaf), 0);
    return e ? e->eax : 0;
}

bool cm_x86_leaf_in_range(uint32_t leaf, uint32_t range_max)
{
    uint32_t base = range_base(leaf);
    if (leaf == base)
        return true; /* the range's first leaf states the maximum itself */
    /* a maximum outside the range (0 when the first leaf is missing) means the range is empty */
    return range_base(range_max) == base && leaf <= range_max;
}

int cm_x86_cpuid_check(const struct cm_cpuid_entry *t, size_t n, const char *what, cm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (t[i].function != t[j].function)
                continue;
            bool indexed = (t[i].flags & t[j].flags & CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX) != 0;
            if (indexed && t[i].index != t[j].index)
                continue;
            if (!indexed && t[i].index != t[j].index &&
                ((t[i].flags | t[j].flags) & CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX))
                return cm_fail(err, CM_E_INPUT,
                               "%s: CPUID leaf 0x%x is listed both with and without a significant subleaf "
                               "(entries %zu and %zu)",
                               what, t[i].function, i, j);
            return cm_fail(err, CM_E_INPUT,
                           "%s: CPUID leaf 0x%x subleaf %u appears twice (entries %zu and %zu); a table "
                           "for KVM_SET_CPUID2 has one entry per leaf/subleaf",
                           what, t[i].function, t[j].index, i, j);
        }
    }
    return 0;
}
