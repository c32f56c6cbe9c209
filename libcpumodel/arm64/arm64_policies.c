/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Custom merge rules of arm64 fields that are not capability levels.
 *
 * VALUE (identity registers MIDR/REVIDR/AIDR, CLIDR_EL1, the CCSIDR values):
 * any value is as good as another as far as the guest's capabilities go; what
 * matters is whether a host's KVM can take it, which the driver's enforce()
 * decides (KVM-FACTS §A.3.3 item 6, §A.5).  The merge keeps an equal value
 * and otherwise picks the lowest (deterministic, so commutative, associative
 * and idempotent); the core then pins the words to a member that cannot
 * change them (cm_arch_ops.pinned).
 *
 * PMU version (ID_AA64DFR0_EL1.PMUVer, ID_DFR0_EL1.PerfMon): unsigned, as in
 * current kernels' cpufeature tables, and LOWER_SAFE for KVM
 * (kvm_arm64_ftr_safe_value()), with 0xF = IMPLEMENTATION DEFINED: a PMU that
 * is not PMUv3, i.e. no architected PMU a guest could use.  KVM rewrites a
 * written 0xF to 0 (set_id_aa64dfr0_el1() / set_id_dfr0_el1(), §A.3.3 item
 * 5), so for a guest 0xF ranks as 0, the lowest level.
 */
#include "arm64/arm64.h"

static bool value_merge(uint64_t a, uint64_t b, uint64_t *out)
{
    *out = a < b ? a : b;
    return true;
}

static bool value_provides(uint64_t host, uint64_t want)
{
    (void)host;
    (void)want;
    return true; /* any value, if the kernel takes it: enforce() decides */
}

const struct cm_custom_policy cm_arm64_value_policy = {"VALUE", value_merge, value_provides};

static uint64_t pmu_rank(uint64_t v)
{
    return v == A64_PMU_IMP_DEF ? 0 : v;
}

static bool pmu_merge(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a == b)
        *out = a;
    else
        *out = pmu_rank(a) <= pmu_rank(b) ? pmu_rank(a) : pmu_rank(b);
    return true;
}

static bool pmu_provides(uint64_t host, uint64_t want)
{
    return want == host || pmu_rank(want) <= pmu_rank(host);
}

const struct cm_custom_policy cm_arm64_pmu_policy = {
    "LOWER_SAFE, unsigned; 0xF = IMPLEMENTATION DEFINED PMU (no PMUv3), ranks as 0", pmu_merge, pmu_provides};
