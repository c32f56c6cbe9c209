/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* riscv64 register names (KVM-FACTS.md §B.1 struct layouts) and run-to-run noise. */
#include <stdio.h>

#include "rv_internal.h"

/* struct kvm_riscv_core: regs (user_regs_struct) then mode */
static const char *const core_names[] = {
    "pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6",
    "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6", "mode",
};
static const char *const csr_general[] = {
    "sstatus", "sie", "stvec", "sscratch", "sepc", "scause", "stval", "sip", "satp", "scounteren", "senvcfg",
};
static const char *const csr_aia[] = {"siselect", "iprio1", "iprio2", "sieh", "siph", "iprio1h", "iprio2h"};
static const char *const csr_smstateen[] = {"sstateen0"};
static const char *const timer_names[] = {"frequency", "time", "compare", "state"};
static const char *const vector_csrs[] = {"vstart", "vl", "vtype", "vcsr", "vlenb"};
static const char *const sta_names[] = {"shmem_lo", "shmem_hi"};
static const char *const fwft_names[] = {
    "misaligned_deleg.enable", "misaligned_deleg.flags", "misaligned_deleg.value",
    "pointer_masking.enable", "pointer_masking.flags", "pointer_masking.value",
};

#define PICK(arr, n) ((n) < CM_ARRAY_SIZE(arr) ? (arr)[n] : NULL)

const char *rv_reg_name(uint64_t id, char *buf, size_t len)
{
    unsigned t = rv_type(id), sub = rv_subtype(id), n = rv_num(id);
    const char *s = NULL;
    if (!rv_is_riscv(id))
        goto raw;
    switch (t) {
    case RV_T_CONFIG:
        if (sub == 0 && n < RV_NCONFIG) {
            snprintf(buf, len, "config.%s", rv_configs[n].name);
            return buf;
        }
        break;
    case RV_T_CORE:
        if (sub == 0 && (s = PICK(core_names, n))) {
            snprintf(buf, len, "core.%s", s);
            return buf;
        }
        break;
    case RV_T_CSR:
        s = sub == RV_CSR_GENERAL ? PICK(csr_general, n)
            : sub == RV_CSR_AIA   ? PICK(csr_aia, n)
            : sub == RV_CSR_SMSTATEEN ? PICK(csr_smstateen, n) : NULL;
        if (s) {
            snprintf(buf, len, "csr.%s%s", sub == RV_CSR_AIA ? "aia." : sub == RV_CSR_SMSTATEEN ? "smstateen." : "", s);
            return buf;
        }
        break;
    case RV_T_TIMER:
        if (sub == 0 && (s = PICK(timer_names, n))) {
            snprintf(buf, len, "timer.%s", s);
            return buf;
        }
        break;
    case RV_T_FP_F:
    case RV_T_FP_D:
        if (sub == 0 && n <= 32) {
            const char *fd = t == RV_T_FP_F ? "f" : "d";
            if (n == 32)
                snprintf(buf, len, "fp.%s.fcsr", fd);
            else
                snprintf(buf, len, "fp.%s.f%u", fd, n);
            return buf;
        }
        break;
    case RV_T_ISA_EXT:
    case RV_T_SBI_EXT: {
        const char *kind = t == RV_T_ISA_EXT ? "ISA_EXT" : "SBI_EXT";
        if (sub == RV_SUB_SINGLE) {
            if (t == RV_T_ISA_EXT && n < RV_NISA)
                snprintf(buf, len, "ISA_EXT.%s", rv_isa_exts[n].name);
            else if (t == RV_T_SBI_EXT && n < RV_NSBI)
                snprintf(buf, len, "SBI_EXT.%s", rv_sbi_exts[n].name);
            else
                snprintf(buf, len, "%s.%u", kind, n); /* an id newer than the tables */
            return buf;
        }
        if (sub == RV_SUB_MULTI_EN || sub == RV_SUB_MULTI_DIS) {
            snprintf(buf, len, "%s_MULTI_%s[%u]", kind, sub == RV_SUB_MULTI_EN ? "EN" : "DIS", n);
            return buf;
        }
        break;
    }
    case RV_T_VECTOR:
        if (sub == 0 && (s = PICK(vector_csrs, n))) {
            snprintf(buf, len, "vector.%s", s);
            return buf;
        }
        if (sub == 0 && n >= 6 && n < 6 + 32) { /* v0 = 6 on rv64: 5 CSRs + datap precede the registers */
            snprintf(buf, len, "vector.v%u", n - 6);
            return buf;
        }
        break;
    case RV_T_SBI_STATE:
        s = sub == RV_STATE_STA ? PICK(sta_names, n) : sub == RV_STATE_FWFT ? PICK(fwft_names, n) : NULL;
        if (s) {
            snprintf(buf, len, "sbi_state.%s.%s", sub == RV_STATE_STA ? "sta" : "fwft", s);
            return buf;
        }
        break;
    }
raw:
    snprintf(buf, len, "0x%016llx", (unsigned long long)id);
    return buf;
}

/* Run-to-run noise: timer.time is the guest's view of the host timebase
 * counter (lab README: the only riscv register that differs between probes). */
bool rv_reg_volatile(uint64_t id)
{
    return rv_nosize(id) == rv_nosize(RV_TIMER_TIME_ID);
}
