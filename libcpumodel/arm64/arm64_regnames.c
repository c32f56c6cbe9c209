/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Register names for display (KVM-FACTS §A.1, §A.5; encodings from the Arm
 * ARM system register index).  Unknown system registers render as
 * S<op0>_<op1>_C<crn>_C<crm>_<op2>, anything else as the hex id.
 */
#include <stdio.h>

#include "arm64/arm64.h"

#define R(op0, op1, crn, crm, op2, name) {A64_SYSREG(op0, op1, crn, crm, op2), name}
static const struct {
    uint64_t id;
    const char *name;
} sysreg_names[] = {
    R(2, 0, 0, 2, 0, "MDCCINT_EL1"),
    R(2, 0, 0, 2, 2, "MDSCR_EL1"),
    R(2, 0, 1, 0, 0, "MDRAR_EL1"),
    R(2, 0, 1, 0, 4, "OSLAR_EL1"),
    R(2, 0, 1, 1, 4, "OSLSR_EL1"),
    R(2, 0, 1, 3, 4, "OSDLR_EL1"),
    R(2, 0, 0, 0, 2, "OSDTRRX_EL1"),
    R(2, 0, 0, 3, 2, "OSDTRTX_EL1"),
    R(2, 0, 0, 6, 2, "OSECCR_EL1"),
    R(2, 0, 7, 8, 6, "DBGCLAIMSET_EL1"),
    R(2, 0, 7, 9, 6, "DBGCLAIMCLR_EL1"),
    R(2, 0, 7, 14, 6, "DBGAUTHSTATUS_EL1"),
    R(2, 3, 0, 1, 0, "MDCCSR_EL0"),
    R(2, 3, 0, 4, 0, "DBGDTR_EL0"),
    R(2, 3, 0, 5, 0, "DBGDTRRX_EL0"),
    R(2, 4, 0, 7, 0, "DBGVCR32_EL2"),
    R(3, 0, 0, 0, 0, "MIDR_EL1"),
    R(3, 0, 0, 0, 5, "MPIDR_EL1"),
    R(3, 0, 0, 0, 6, "REVIDR_EL1"),
    R(3, 0, 1, 0, 0, "SCTLR_EL1"),
    R(3, 0, 1, 0, 1, "ACTLR_EL1"),
    R(3, 0, 1, 0, 2, "CPACR_EL1"),
    R(3, 0, 1, 0, 3, "SCTLR2_EL1"),
    R(3, 0, 1, 0, 5, "RGSR_EL1"),
    R(3, 0, 1, 0, 6, "GCR_EL1"),
    R(3, 0, 1, 2, 0, "ZCR_EL1"),
    R(3, 0, 1, 2, 1, "TRFCR_EL1"),
    R(3, 0, 1, 2, 6, "SMCR_EL1"),
    R(3, 0, 2, 0, 0, "TTBR0_EL1"),
    R(3, 0, 2, 0, 1, "TTBR1_EL1"),
    R(3, 0, 2, 0, 2, "TCR_EL1"),
    R(3, 0, 2, 0, 3, "TCR2_EL1"),
    R(3, 0, 2, 1, 0, "APIAKEYLO_EL1"),
    R(3, 0, 2, 1, 1, "APIAKEYHI_EL1"),
    R(3, 0, 2, 1, 2, "APIBKEYLO_EL1"),
    R(3, 0, 2, 1, 3, "APIBKEYHI_EL1"),
    R(3, 0, 2, 2, 0, "APDAKEYLO_EL1"),
    R(3, 0, 2, 2, 1, "APDAKEYHI_EL1"),
    R(3, 0, 2, 2, 2, "APDBKEYLO_EL1"),
    R(3, 0, 2, 2, 3, "APDBKEYHI_EL1"),
    R(3, 0, 2, 3, 0, "APGAKEYLO_EL1"),
    R(3, 0, 2, 3, 1, "APGAKEYHI_EL1"),
    R(3, 0, 4, 0, 0, "SPSR_EL1"),
    R(3, 0, 4, 0, 1, "ELR_EL1"),
    R(3, 0, 4, 1, 0, "SP_EL0"),
    R(3, 0, 5, 1, 0, "AFSR0_EL1"),
    R(3, 0, 5, 1, 1, "AFSR1_EL1"),
    R(3, 0, 5, 2, 0, "ESR_EL1"),
    R(3, 0, 5, 6, 0, "TFSR_EL1"),
    R(3, 0, 5, 6, 1, "TFSRE0_EL1"),
    R(3, 0, 6, 0, 0, "FAR_EL1"),
    R(3, 0, 7, 4, 0, "PAR_EL1"),
    R(3, 0, 9, 14, 1, "PMINTENSET_EL1"),
    R(3, 0, 9, 14, 2, "PMINTENCLR_EL1"),
    R(3, 0, 9, 14, 6, "PMMIR_EL1"),
    R(3, 0, 10, 2, 0, "MAIR_EL1"),
    R(3, 0, 10, 2, 2, "PIRE0_EL1"),
    R(3, 0, 10, 2, 3, "PIR_EL1"),
    R(3, 0, 10, 2, 4, "POR_EL1"),
    R(3, 0, 10, 3, 0, "AMAIR_EL1"),
    R(3, 0, 12, 0, 0, "VBAR_EL1"),
    R(3, 0, 12, 1, 1, "DISR_EL1"),
    R(3, 0, 13, 0, 1, "CONTEXTIDR_EL1"),
    R(3, 0, 13, 0, 4, "TPIDR_EL1"),
    R(3, 0, 13, 0, 7, "SCXTNUM_EL1"),
    R(3, 0, 14, 1, 0, "CNTKCTL_EL1"),
    R(3, 1, 0, 0, 0, "CCSIDR_EL1"),
    R(3, 1, 0, 0, 1, "CLIDR_EL1"),
    R(3, 1, 0, 0, 2, "CCSIDR2_EL1"),
    R(3, 1, 0, 0, 4, "GMID_EL1"),
    R(3, 1, 0, 0, 6, "SMIDR_EL1"),
    R(3, 1, 0, 0, 7, "AIDR_EL1"),
    R(3, 2, 0, 0, 0, "CSSELR_EL1"),
    R(3, 3, 0, 0, 1, "CTR_EL0"),
    R(3, 3, 0, 0, 7, "DCZID_EL0"),
    R(3, 3, 4, 2, 2, "SVCR"),
    R(3, 3, 4, 4, 2, "FPMR"),
    R(3, 3, 9, 12, 0, "PMCR_EL0"),
    R(3, 3, 9, 12, 1, "PMCNTENSET_EL0"),
    R(3, 3, 9, 12, 2, "PMCNTENCLR_EL0"),
    R(3, 3, 9, 12, 3, "PMOVSCLR_EL0"),
    R(3, 3, 9, 12, 4, "PMSWINC_EL0"),
    R(3, 3, 9, 12, 5, "PMSELR_EL0"),
    R(3, 3, 9, 12, 6, "PMCEID0_EL0"),
    R(3, 3, 9, 12, 7, "PMCEID1_EL0"),
    R(3, 3, 9, 13, 0, "PMCCNTR_EL0"),
    R(3, 3, 9, 13, 1, "PMXEVTYPER_EL0"),
    R(3, 3, 9, 13, 2, "PMXEVCNTR_EL0"),
    R(3, 3, 9, 14, 0, "PMUSERENR_EL0"),
    R(3, 3, 9, 14, 3, "PMOVSSET_EL0"),
    R(3, 3, 10, 2, 4, "POR_EL0"),
    R(3, 3, 13, 0, 2, "TPIDR_EL0"),
    R(3, 3, 13, 0, 3, "TPIDRRO_EL0"),
    R(3, 3, 13, 0, 5, "TPIDR2_EL0"),
    R(3, 3, 13, 0, 7, "SCXTNUM_EL0"),
    /* timers: the uapi's KVM_REG_ARM_TIMER_CVAL/CNT ids are swapped against the
     * architectural encodings; named here by what KVM returns for them (§A.1) */
    R(3, 3, 14, 3, 1, "CNTV_CTL_EL0"),
    R(3, 3, 14, 0, 2, "CNTV_CVAL_EL0"), /* KVM_REG_ARM_TIMER_CVAL */
    R(3, 3, 14, 3, 2, "CNTVCT_EL0"),    /* KVM_REG_ARM_TIMER_CNT */
    R(3, 3, 14, 2, 1, "CNTP_CTL_EL0"),
    R(3, 3, 14, 2, 2, "CNTP_CVAL_EL0"),
    R(3, 3, 14, 0, 1, "CNTPCT_EL0"),
    R(3, 3, 14, 15, 7, "PMCCFILTR_EL0"),
    R(3, 4, 3, 0, 0, "DACR32_EL2"),
    R(3, 4, 5, 0, 1, "IFSR32_EL2"),
    R(3, 4, 5, 3, 0, "FPEXC32_EL2"),
};
#undef R

static const char *core_name(unsigned idx, size_t bytes, char *buf, size_t len)
{
    if (bytes == 8) {
        if (idx <= 0x3c && idx % 2 == 0)
            return snprintf(buf, len, "x%u", idx / 2), buf;
        if (idx >= 0x48 && idx <= 0x50 && idx % 2 == 0)
            return snprintf(buf, len, "spsr[%u]", (idx - 0x48) / 2), buf;
        static const struct {
            unsigned idx;
            const char *name;
        } fixed[] = {{0x3e, "sp"}, {0x40, "pc"}, {0x42, "pstate"}, {0x44, "sp_el1"}, {0x46, "elr_el1"}};
        for (size_t i = 0; i < CM_ARRAY_SIZE(fixed); i++)
            if (fixed[i].idx == idx)
                return snprintf(buf, len, "%s", fixed[i].name), buf;
    } else if (bytes == 16 && idx >= 0x54 && idx <= 0xd0 && (idx - 0x54) % 4 == 0) {
        return snprintf(buf, len, "v%u", (idx - 0x54) / 4), buf;
    } else if (bytes == 4 && (idx == 0xd4 || idx == 0xd5)) {
        return snprintf(buf, len, "%s", idx == 0xd4 ? "fpsr" : "fpcr"), buf;
    }
    return NULL;
}

static const char *sve_name(uint64_t id, char *buf, size_t len)
{
    unsigned low = id & 0xffff;
    size_t bytes = cm_reg_bytes(id);
    if (id == 0x606000000015FFFFULL)
        return snprintf(buf, len, "SVE_VLS"), buf;
    if (bytes == 256 && low < 0x400) /* Z: n<<5 | slice */
        return (low & 31) ? snprintf(buf, len, "z%u[%u]", low >> 5, low & 31) : snprintf(buf, len, "z%u", low >> 5),
               buf;
    if (bytes == 32 && low >= 0x400 && low < 0x600) {
        unsigned n = (low - 0x400) >> 5, sl = low & 31;
        return sl ? snprintf(buf, len, "p%u[%u]", n, sl) : snprintf(buf, len, "p%u", n), buf;
    }
    if (bytes == 32 && low >= 0x600 && low < 0x620)
        return (low & 31) ? snprintf(buf, len, "ffr[%u]", low & 31) : snprintf(buf, len, "ffr"), buf;
    return NULL;
}

const char *a64_reg_name(uint64_t id, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    if ((id & CM_REG_ARCH_MASK) == CM_REG_ARM64) {
        unsigned group = (unsigned)A64_GROUP(id);
        const char *r = NULL;
        switch (group) {
        case A64_GROUP_CORE:
            r = core_name(id & 0xffff, cm_reg_bytes(id), buf, len);
            break;
        case A64_GROUP_DEMUX:
            if (cm_reg_bytes(id) == 4 && (id & 0xff00) == 0) {
                long slot = a64_slot(id); /* CSSELR 0..13 are words: CCSIDR_L1D, CCSIDR_L1I, … */
                r = slot >= 0 ? (snprintf(buf, len, "%s", cm_arm64_words[slot].name), buf)
                              : (snprintf(buf, len, "CCSIDR[%u]", (unsigned)(id & 0xff)), buf);
            }
            break;
        case A64_GROUP_SVE:
            r = sve_name(id, buf, len);
            break;
        case A64_GROUP_SYSREG:
        case A64_GROUP_FW:
        case A64_GROUP_FW_BMAP:
            if (cm_reg_bytes(id) != 8 || (id & 0x0000ffff00000000ULL) || (group != A64_GROUP_SYSREG && (id & 0xffff) > 0xff))
                break;
            for (size_t i = 0; i < CM_ARM64_NWORDS; i++)
                if (cm_arm64_words[i].id == id)
                    return snprintf(buf, len, "%s", cm_arm64_words[i].name), buf;
            for (size_t i = 0; i < CM_ARRAY_SIZE(sysreg_names); i++)
                if (sysreg_names[i].id == id)
                    return snprintf(buf, len, "%s", sysreg_names[i].name), buf;
            if (group == A64_GROUP_SYSREG) {
                unsigned op0 = (id >> 14) & 3, op1 = (id >> 11) & 7, crn = (id >> 7) & 15, crm = (id >> 3) & 15,
                         op2 = id & 7;
                /* debug breakpoint/watchpoint registers: DBG{B,W}{V,C}R<n>_EL1 = (2,0,0,n,4..7) */
                if (op0 == 2 && op1 == 0 && crn == 0 && op2 >= 4) {
                    static const char *const dbg[] = {"DBGBVR", "DBGBCR", "DBGWVR", "DBGWCR"};
                    return snprintf(buf, len, "%s%u_EL1", dbg[op2 - 4], crm), buf;
                }
                if (op0 == 3 && op1 == 3 && crn == 14 && crm >= 8 && !(crm == 15 && op2 == 7)) {
                    unsigned n = ((crm & 3) << 3) | op2;
                    return snprintf(buf, len, "%s%u_EL0", crm < 12 ? "PMEVCNTR" : "PMEVTYPER", n), buf;
                }
                return snprintf(buf, len, "S%u_%u_C%u_C%u_%u", op0, op1, crn, crm, op2), buf;
            }
            break;
        default:
            break;
        }
        if (r)
            return r;
    }
    snprintf(buf, len, "0x%016llx", (unsigned long long)id);
    return buf;
}

/* Run-to-run noise, never compared (KVM-FACTS §A.1 "Timer registers", lab
 * README): the virtual timer's TIMER_CNT / TIMER_CVAL ids, whose uapi names are
 * swapped against the sysreg encodings, and PTIMER_CNT = CNTPCT_EL0.  The one
 * list: the probe, the verifier, the Firecracker import and the lab all ask
 * cm_arm64_ops.reg_volatile. */
static const uint64_t volatile_regs[] = {
    0x603000000013DF1AULL, /* KVM_REG_ARM_TIMER_CNT  (3,3,14,3,2) */
    0x603000000013DF02ULL, /* KVM_REG_ARM_TIMER_CVAL (3,3,14,0,2) */
    0x603000000013DF01ULL, /* KVM_REG_ARM_PTIMER_CNT = CNTPCT_EL0 (3,3,14,0,1) */
};

bool a64_reg_volatile(uint64_t id)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(volatile_regs); i++)
        if (volatile_regs[i] == id)
            return true;
    return false;
}
