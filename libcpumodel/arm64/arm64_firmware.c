/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Merge/provide rules of the firmware pseudo-registers (KVM-FACTS §A.4).
 * These are not ID-register fields: their values are version numbers and
 * ordered "workaround levels", so each gets a custom policy.
 */
#include "arm64/arm64.h"

/* PSCI versions KVM accepts on KVM_SET_ONE_REG(PSCI_VERSION), with the first
 * kernel that accepts each (0 = since the register exists, 4.16). */
static const struct {
    uint64_t version;
    cm_kver since;
} psci_versions[] = {
    {0x00000001, 0},                /* 0.1, only without KVM_ARM_VCPU_PSCI_0_2 */
    {0x00000002, 0},                /* 0.2 */
    {0x00010000, 0},                /* 1.0 */
    {0x00010001, CM_KVER(5, 17)},   /* 1.1: 5.16-5.19, believed 5.17 */
    {0x00010002, CM_KVER(6, 13)},   /* 1.2 */
    {0x00010003, CM_KVER(6, 13)},   /* 1.3 (SYSTEM_OFF2) */
};

bool a64_psci_accepted(cm_kver kver, uint64_t version, cm_kver *since)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(psci_versions); i++)
        if (psci_versions[i].version == version) {
            if (since)
                *since = psci_versions[i].since;
            /* an unknown host kernel: only the value order can be checked */
            return kver == CM_KVER_UNKNOWN || cm_kver_cmp(kver, psci_versions[i].since) >= 0;
        }
    if (since)
        *since = 0;
    return false;
}

static bool psci_known(uint64_t v)
{
    cm_kver since;
    return a64_psci_accepted(CM_KVER_UNKNOWN, v, &since);
}

/* The common version is the lower one: every host accepts any known version
 * up to its own default (which is its kernel's latest). */
static bool psci_merge(uint64_t a, uint64_t b, uint64_t *out)
{
    *out = a < b ? a : b;
    return psci_known(*out) || a == b;
}

static bool psci_provides(uint64_t host, uint64_t want)
{
    return want == host || (want < host && psci_known(want));
}

const struct cm_custom_policy cm_arm64_psci_policy = {"PSCI_VERSION", psci_merge, psci_provides};

/* WORKAROUND_1 / _3: NOT_AVAIL(0) < AVAIL(1) < NOT_REQUIRED(2); KVM accepts a
 * written level iff it is <= the host level. */
static bool wa_merge(uint64_t a, uint64_t b, uint64_t *out)
{
    *out = a < b ? a : b;
    return (a <= 2 && b <= 2) || a == b; /* an unknown level is common only with itself */
}

static bool wa_provides(uint64_t host, uint64_t want)
{
    return want <= 2 && want <= host;
}

const struct cm_custom_policy cm_arm64_wa_policy = {"SMCCC_WA_LEVEL", wa_merge, wa_provides};

/* WORKAROUND_2: bits 3:0 level (0 NOT_AVAIL, 1 UNKNOWN, 2 AVAIL, 3 NOT_REQUIRED),
 * bit 4 ENABLED (only with AVAIL).  KVM maps {0,1} -> 0 and {2,3} -> 3 and
 * accepts the write iff mapped <= host level; hosts report only 0 or 3. */
bool a64_wa2_mapped(uint64_t v, uint64_t *mapped)
{
    uint64_t level = v & 0xf;
    if (v & ~0x1fULL)
        return false;
    if ((v & 0x10) && level != 2)
        return false;
    if (level > 3)
        return false;
    *mapped = level <= 1 ? 0 : 3;
    return true;
}

/* Exact rule: the merged value is the input whose mapped level is lower (an
 * incoming 0/1 is accepted by every host, 2/3 only by hosts reporting 3); on
 * equal mapped levels the numerically smaller encoding.  Invalid encodings
 * have no common value. */
static bool wa2_merge(uint64_t a, uint64_t b, uint64_t *out)
{
    uint64_t ma, mb;
    *out = a;
    if (!a64_wa2_mapped(a, &ma) || !a64_wa2_mapped(b, &mb))
        return a == b; /* an unknown state is common only with itself */
    if (ma != mb)
        *out = ma < mb ? a : b;
    else
        *out = a < b ? a : b;
    return true;
}

static bool wa2_provides(uint64_t host, uint64_t want)
{
    uint64_t mh, mw;
    if (!a64_wa2_mapped(want, &mw))
        return false;
    if (!a64_wa2_mapped(host, &mh))
        return want == host;
    return mw <= mh;
}

const struct cm_custom_policy cm_arm64_wa2_policy = {"SMCCC_WA2_STATE", wa2_merge, wa2_provides};
