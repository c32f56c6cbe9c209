/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Identity registers (MIDR_EL1, REVIDR_EL1, AIDR_EL1) and cache geometry
 * (CLIDR_EL1, the CCSIDR demux values) in a migration, the fields newer
 * kernels hide but still accept on restore, and the pointer-auth group.
 *
 * A migration restores every saved register, these included.  Whether the
 * destination takes a value other than its own (KVM-FACTS §A.3.1, §A.3.3
 * item 6, §A.5; arch/arm64/kvm/sys_regs.c):
 *
 *   MIDR/REVIDR/AIDR  up to 6.14 invariant: the boot CPU's value or EINVAL.
 *                     From 6.15 writable (MIDR bits 31:0) until the first
 *                     KVM_RUN, but only when the VMM enabled
 *                     KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239) on the VM before
 *                     creating vCPUs; only then does the guest see the VM's
 *                     value.
 *   CLIDR_EL1         up to 6.2 invariant (host value or EINVAL).  From 6.3
 *                     per vCPU (set_clidr()): RES0 bits 63:47 must be 0, and a
 *                     value saying "no cache maintenance to the PoU needed"
 *                     (LoC == 0, or LoUIS == LoUU == 0) needs CTR_EL0.IDC on
 *                     the host, else EINVAL.
 *   CCSIDR[csselr]    up to 6.2 only the host's real caches are listed, each
 *                     invariant.  From 6.3 all 14 CSSELR slots are listed and
 *                     emulated (set_ccsidr()): a value whose line size is below
 *                     the host's minimum (CTR_EL0.DminLine for data/unified,
 *                     IminLine for instruction caches) is EINVAL.
 *
 * "Cannot" here is CM_ENF_HOST_VALUE: a fresh boot simply sees the host's
 * value; a restore of another value is refused.  The version table is an
 * assumption for a dump that did not record what its kernel accepts; a probed
 * snapshot's capability list (cap 239) or the fact
 * `arm64.writable_imp_id_regs` wins.
 */
#include <string.h>

#include "arm64/arm64.h"
#include "cpumodel/kvm_compat.h"

#define KVER_IMPID CM_KVER(6, 15)
#define KVER_CACHE CM_KVER(6, 3)
#define FACT_IMPID CM_FACT_ARM64_WRITABLE_IMP_ID_REGS

#define CLIDR_RES0 (~0ULL << 47)
#define CTR_IDC (1ULL << 28)

/* Whether the VM can take another identity value: 1 yes, 0 no; *basis says why. */
static bool impid_writable(const struct cm_vector *host, const char **basis)
{
    const struct cm_snapshot *s = host->snap;
    const struct cm_fact *fact = s ? cm_snapshot_find_fact(s, FACT_IMPID) : NULL;
    if (fact) {
        *basis = fact->value ? "the host's fact arm64.writable_imp_id_regs says yes"
                             : "the host's fact arm64.writable_imp_id_regs says no";
        return fact->value != 0;
    }
    const struct cm_cap *c = s ? cm_snapshot_find_cap(s, KVM_CAP_ARM_WRITABLE_IMP_ID_REGS) : NULL;
    if (c) {
        bool on = (c->has_vm ? c->vm : c->sys) > 0;
        *basis = on ? "the host's KVM reports KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"
                    : "the host's KVM does not report KVM_CAP_ARM_WRITABLE_IMP_ID_REGS";
        return on;
    }
    bool on = host->kver != CM_KVER_UNKNOWN && cm_kver_cmp(host->kver, KVER_IMPID) >= 0;
    *basis = on ? "assumed from the kernel version (6.15+); the dump does not say whether KVM reports "
                  "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"
                : "assumed from the kernel version (writable from 6.15); a backport would change this: state "
                  "it with --fact writable-imp-id-regs=yes";
    return on;
}

static bool cache_writable(const struct cm_vector *host)
{
    return host->kver != CM_KVER_UNKNOWN && cm_kver_cmp(host->kver, KVER_CACHE) >= 0;
}

bool a64_pinned(const struct cm_vector *host, size_t slot)
{
    const char *basis;
    switch ((enum a64_word_kind)cm_arm64_words[slot].aux) {
    case A64_W_IMPID:
        return !impid_writable(host, &basis);
    case A64_W_CACHE:
        return !cache_writable(host);
    default:
        return false;
    }
}

static bool host_ctr(const struct cm_vector *host, uint64_t *ctr)
{
    long slot = a64_slot(A64_CTR_EL0);
    if (slot < 0 || !host->present[slot] || host->novalue[slot])
        return false;
    *ctr = host->val[slot];
    return true;
}

enum cm_enforce a64_enforce_identity(const struct cm_vector *host, const struct cm_word *w, uint64_t want,
                                     struct cm_buf *why)
{
    char k[32];
    cm_kver_str(host->kver, k, sizeof(k));
    if (w->aux == A64_W_IMPID) {
        const char *basis;
        if (impid_writable(host, &basis)) {
            if (!strncmp(basis, "assumed", 7))
                cm_buf_printf(why, "%s", basis);
            return CM_ENF_WRITE;
        }
        cm_buf_printf(why, "%s is invariant on Linux %s: writable only from 6.15 with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS "
                           "enabled on the VM (%s)",
                      w->name, k, basis);
        return CM_ENF_HOST_VALUE;
    }
    /* A64_W_CACHE */
    if (!cache_writable(host)) {
        cm_buf_printf(why, "%s is the host's invariant cache geometry on Linux %s (emulated and writable from 6.3)",
                      w->name, k);
        return CM_ENF_HOST_VALUE;
    }
    uint64_t ctr;
    bool have_ctr = host_ctr(host, &ctr);
    if (w->id == A64_CLIDR_EL1) {
        if (want & CLIDR_RES0) {
            cm_buf_printf(why, "CLIDR_EL1 bits 63:47 are RES0 (set_clidr: EINVAL)");
            return CM_ENF_HOST_VALUE;
        }
        unsigned loc = (want >> 24) & 7, louis = (want >> 21) & 7, louu = (want >> 27) & 7;
        bool says_idc = loc == 0 || (louis == 0 && louu == 0);
        if (says_idc && (!have_ctr || !(ctr & CTR_IDC))) {
            cm_buf_printf(why, "CLIDR_EL1 0x%llx needs no cache clean to the PoU, which the host's CTR_EL0.IDC does "
                               "not allow (set_clidr: EINVAL)",
                          (unsigned long long)want);
            return CM_ENF_HOST_VALUE;
        }
        return CM_ENF_WRITE;
    }
    unsigned csselr = (unsigned)(w->id & 0xff);
    unsigned line = (unsigned)(want & 7) + 4;
    if (!have_ctr) {
        cm_buf_printf(why, "%s: the host reports no CTR_EL0, so the minimum line size is unknown", w->name);
        return CM_ENF_HOST_VALUE;
    }
    unsigned min = (unsigned)((csselr & 1) ? (ctr & 0xf) : ((ctr >> 16) & 0xf)) + 2;
    if (line < min) {
        cm_buf_printf(why, "%s: a line of %u bytes is below the host's minimum %u (CTR_EL0 %s; set_ccsidr: EINVAL)",
                      w->name, 1u << line, 1u << min, (csselr & 1) ? "IminLine" : "DminLine");
        return CM_ENF_HOST_VALUE;
    }
    return CM_ENF_WRITE;
}

uint32_t a64_write_needs_cap(size_t slot, const char **name)
{
    if (slot < CM_ARM64_NWORDS && cm_arm64_words[slot].aux == A64_W_IMPID) {
        *name = "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS";
        return KVM_CAP_ARM_WRITABLE_IMP_ID_REGS;
    }
    return 0;
}

/* Fields newer kernels hide (read 0) while deliberately accepting a restore
 * of the host's own value, which older kernels exposed, and clearing it
 * (KVM-FACTS §A.3.3 item 5: set_id_aa64pfr0_el1(), set_id_aa64pfr1_el1(),
 * set_id_aa64mmfr2_el1()).  `since`: the first kernel the rule is taken from
 * (present in the sampled 6.18 and 6.19 trees; older kernels carrying it are
 * treated as not having it, which can only make a verdict stricter). */
static const struct {
    uint64_t word_id;
    const char *field;
    cm_kver since;
    const char *feature;
} restore_cleared[] = {
    {A64_ID_AA64PFR0, "MPAM", CM_KVER(6, 18), "MPAM (memory partitioning and monitoring)"},
    {A64_ID_AA64PFR1, "MPAM_frac", CM_KVER(6, 18), "MPAM (memory partitioning and monitoring)"},
    {A64_ID_AA64MMFR2, "NV", CM_KVER(6, 18), "nested virtualisation (FEAT_NV/NV2)"},
};

static bool word_value(const struct cm_vector *v, uint64_t id, uint64_t *out)
{
    long slot = a64_slot(id);
    if (slot < 0 || !v->present[slot] || v->novalue[slot])
        return false;
    *out = v->val[slot];
    return true;
}

bool a64_restore_ignored(const struct cm_vector *model, const struct cm_vector *host, size_t slot,
                         const struct cm_field *f, uint64_t want, struct cm_buf *why)
{
    const struct cm_word *w = &cm_arm64_words[slot];
    for (size_t i = 0; i < CM_ARRAY_SIZE(restore_cleared); i++) {
        if (restore_cleared[i].word_id != w->id || a64_field(w, restore_cleared[i].field) != f)
            continue;
        if (host->kver == CM_KVER_UNKNOWN || cm_kver_cmp(host->kver, restore_cleared[i].since) < 0)
            return false;
        if (cm_field_get(f, host->val[slot]) != 0 || want == 0)
            return false;
        /* KVM clears only a value equal to its hardware's, which it no longer
         * shows: the same CPU implementation (equal MIDR_EL1) has it. */
        uint64_t hm, mm;
        if (!word_value(host, A64_MIDR_EL1, &hm) || !word_value(model, A64_MIDR_EL1, &mm) || hm != mm)
            return false;
        char k[32];
        cm_buf_printf(why, "Linux %s hides %s (reads 0) and accepts a restore of the value older kernels exposed on "
                           "this CPU (MIDR_EL1 0x%llx on both sides), clearing it: after the migration the guest "
                           "stops seeing %s (%s 0x%llx -> 0)",
                      cm_kver_str(host->kver, k, sizeof(k)), restore_cleared[i].feature, (unsigned long long)hm,
                      restore_cleared[i].feature, f->name, (unsigned long long)want);
        return true;
    }
    return false;
}

/* Pointer authentication is one vCPU feature: KVM_ARM_VCPU_INIT takes the
 * address and generic bits only together, and a vCPU with it shows the
 * host's APA/API/GPA/GPI/APA3/GPA3 (none writable), one without it zeroes
 * all six (KVM-FACTS §A.3.4).  So a model keeps all six or none. */
static const struct cm_field_group_part ptrauth_parts[] = {
    {A64_ID_AA64ISAR1, 0xff000ff0ULL}, /* GPI 31:28, GPA 27:24, API 11:8, APA 7:4 */
    {A64_ID_AA64ISAR2, 0x0000ff00ULL}, /* APA3 15:12, GPA3 11:8 */
};
const struct cm_field_group a64_field_groups[A64_N_FIELD_GROUPS] = {
    {"pointer authentication", ptrauth_parts, CM_ARRAY_SIZE(ptrauth_parts)},
};
