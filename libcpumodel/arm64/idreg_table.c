/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GENERATED FILE - do not edit.  Regenerate with
 *   tools/gen_arm64_idregs.py > libcpumodel/arm64/idreg_table.c
 * from data/arm64/idreg_tables.md (docs/KVM-FACTS.md §A.2, Linux 6.19 cpufeature/sysreg),
 * idspace.md (§A.1) and the firmware registers of §A.4 declared in the generator.
 *
 * One line per field: name, shift, width, signed, policy, safe value, custom policy,
 * writable_since (first kernel whose KVM lets userspace change the field through the
 * generic writable-ID-register mechanism; 0 = never / no ftr entry), aux (init feature
 * bit + 1 that controls the field).  Special setters that predate 6.7 (CSV2/CSV3, PMUVer,
 * PerfMon) live in arm64_enforce.c.
 */
#include "arm64/arm64.h"

static const struct cm_field f_id_pfr0_el1[] = {
    {"RAS", 28, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"DIT", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"AMU", 20, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"CSV2", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"State3", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"State2", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"State1", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"State0", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_pfr1_el1[] = {
    {"GIC", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Virt_frac", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Sec_frac", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"GenTimer", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Virtualization", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MProgMod", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Security", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"ProgMod", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_dfr0_el1[] = {
    {"TraceFilt", 28, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"PerfMon", 24, 4, false, CM_POL_CUSTOM, 0x0, &cm_arm64_pmu_policy, CM_KVER(6, 7), 4}, /* cpufeature EXACT, KVM treats it LOWER_SAFE; unsigned, 0xF = IMPLEMENTATION DEFINED (as 0 for a guest) */
    {"MProfDbg", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MMapTrc", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CopTrc", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MMapDbg", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CopSDbg", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CopDbg", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_mmfr0_el1[] = {
    {"InnerShr", 28, 4, true, CM_POL_LOWER_SAFE, 0xf, NULL, CM_KVER(6, 18), 0},
    {"FCSE", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"AuxReg", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"TCM", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"ShareLvl", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"OuterShr", 8, 4, true, CM_POL_LOWER_SAFE, 0xf, NULL, CM_KVER(6, 18), 0},
    {"PMSA", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"VMSA", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_mmfr1_el1[] = {
    {"BPred", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1TstCln", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1Uni", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1Hvd", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1UniSW", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1HvdSW", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1UniVA", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1HvdVA", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_mmfr2_el1[] = {
    {"HWAccFlg", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"WFIStall", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MemBarr", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"UniTLB", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"HvdTLB", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1HvdRng", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1HvdBG", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"L1HvdFG", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_mmfr3_el1[] = {
    {"Supersec", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CMemSz", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CohWalk", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"PAN", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MaintBcst", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"BPMaint", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CMaintSW", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CMaintVA", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar0_el1[] = {
    {"Divide", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Debug", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Coproc", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CmpBranch", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"BitField", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"BitCount", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Swap", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar1_el1[] = {
    {"Jazelle", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Interwork", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Immediate", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"IfThen", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Extend", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Except_AR", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Except", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Endian", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar2_el1[] = {
    {"Reversal", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"PSR_AR", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MultU", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MultS", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Mult", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MultiAccessInt", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"MemHint", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"LoadStore", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar3_el1[] = {
    {"T32EE", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"TrueNOP", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"T32Copy", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"TabBranch", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SynchPrim", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SVC", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMD", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Saturate", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar4_el1[] = {
    {"SWP_frac", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"PSR_M", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SynchPrim_frac", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Barrier", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SMC", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Writeback", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"WithShifts", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"Unpriv", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar5_el1[] = {
    {"VCMA", 28, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"RDM", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CRC32", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SHA2", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SHA1", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"AES", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SEVL", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_mmfr4_el1[] = {
    {"EVT", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CCIDX", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"LSM", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"HPDS", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CnP", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"XNX", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"AC2", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SpecSEI", 0, 4, false, CM_POL_HIGHER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_isar6_el1[] = {
    {"I8MM", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"BF16", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SPECRES", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SB", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FHM", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"DP", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"JSCVT", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_mvfr0_el1[] = {
    {"FPRound", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPShVec", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPSqrt", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPDivide", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPTrap", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPDP", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPSP", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMDReg", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_mvfr1_el1[] = {
    {"SIMDFMAC", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPHP", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMDHP", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMDSP", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMDInt", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMDLS", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPDNaN", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"FPFtZ", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_mvfr2_el1[] = {
    {"FPMisc", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"SIMDMisc", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_pfr2_el1[] = {
    {"RAS_frac", 8, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SSBS", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"CSV3", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_mmfr5_el1[] = {
    {"nTLBPA", 4, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ETS", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
};

static const struct cm_field f_id_aa64pfr0_el1[] = {
    {"CSV3", 60, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"CSV2", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"RME", 52, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"DIT", 48, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"AMU", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"MPAM", 40, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"SEL2", 36, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SVE", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 5},
    {"RAS", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"GIC", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"AdvSIMD", 20, 4, true, CM_POL_LOWER_SAFE, 0xf, NULL, 0, 0},
    {"FP", 16, 4, true, CM_POL_LOWER_SAFE, 0xf, NULL, 0, 0},
    {"EL3", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"EL2", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"EL1", 4, 4, false, CM_POL_LOWER_SAFE, 0x1, NULL, CM_KVER(6, 7), 0},
    {"EL0", 0, 4, false, CM_POL_LOWER_SAFE, 0x1, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64pfr1_el1[] = {
    {"PFAR", 60, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"DF2", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"MTEX", 52, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"THE", 48, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"GCS", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"MTE_frac", 40, 4, true, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"NMI", 36, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"CSV2_frac", 32, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"RNDR_trap", 28, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SME", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"MPAM_frac", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"RAS_frac", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"MTE", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"SSBS", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"BT", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
};

static const struct cm_field f_id_aa64pfr2_el1[] = {
    {"FPMR", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"UINJ", 16, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"GCIE", 12, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"MTEFAR", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"MTESTOREONLY", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"MTEPERM", 0, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
};

static const struct cm_field f_id_aa64zfr0_el1[] = {
    {"F64MM", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"F32MM", 52, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"F16MM", 48, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 14), 5},
    {"I8MM", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"SM4", 40, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"SHA3", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"B16B16", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"BF16", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"BitPerm", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"EltPerm", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 14), 5},
    {"AES", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
    {"SVEver", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 5},
};

static const struct cm_field f_id_aa64fpfr0_el1[] = {
    {"F8CVT", 31, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 12), 0},
    {"F8FMA", 30, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 12), 0},
    {"F8DP4", 29, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 12), 0},
    {"F8DP2", 28, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 12), 0},
    {"F8MM8", 27, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 14), 0},
    {"F8MM4", 26, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 14), 0},
    {"F8E4M3", 1, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 12), 0},
    {"F8E5M2", 0, 1, false, CM_POL_EXACT, 0x0, NULL, CM_KVER(6, 12), 0},
};

static const struct cm_field f_id_aa64dfr0_el1[] = {
    {"HPMN0", 60, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ExtTrcBuff", 56, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"BRBE", 52, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"MTPMU", 48, 4, true, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"TraceBuffer", 44, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"TraceFilt", 40, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"DoubleLock", 36, 4, true, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"PMSVer", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"CTX_CMPs", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"SEBEP", 24, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"WRPs", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"PMSS", 16, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"BRPs", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"PMUVer", 8, 4, false, CM_POL_CUSTOM, 0x0, &cm_arm64_pmu_policy, CM_KVER(6, 7), 4}, /* cpufeature EXACT, KVM treats it LOWER_SAFE; unsigned, 0xF = IMPLEMENTATION DEFINED (as 0 for a guest) */
    {"TraceVer", 4, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"DebugVer", 0, 4, false, CM_POL_LOWER_SAFE, 0x6, NULL, CM_KVER(6, 7), 0}, /* cpufeature EXACT, KVM treats it LOWER_SAFE */
};

static const struct cm_field f_id_aa64dfr1_el1[] = {
    {"ABL_CMPs", 56, 8, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"DPFZS", 52, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"EBEP", 48, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ITE", 44, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ABLE", 40, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"PMICNTR", 36, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SPMU", 32, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"CTX_CMPs", 24, 8, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"WRPs", 16, 8, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"BRPs", 8, 8, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SYSPMUID", 0, 8, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
};

static const struct cm_field f_id_aa64isar0_el1[] = {
    {"RNDR", 60, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"TLB", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"TS", 52, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"FHM", 48, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"DP", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SM4", 40, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SM3", 36, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SHA3", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"RDM", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"TME", 24, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ATOMIC", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"CRC32", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SHA2", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SHA1", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"AES", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64isar1_el1[] = {
    {"LS64", 60, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"XS", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 10), 0},
    {"I8MM", 52, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"DGH", 48, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"BF16", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SPECRES", 40, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SB", 36, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"FRINTTS", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"GPI", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 6},
    {"GPA", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 6},
    {"LRCPC", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"FCMA", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"JSCVT", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"API", 8, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 6},
    {"APA", 4, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 6},
    {"DPB", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64isar2_el1[] = {
    {"ATS1A", 60, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"LUT", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 9), 0},
    {"CSSC", 52, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"RPRFM", 48, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"PCDPHINT", 44, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"PRFMSLC", 40, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SYSINSTR_128", 36, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SYSREG_128", 32, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"CLRBHB", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"PAC_frac", 24, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"BC", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"MOPS", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"APA3", 12, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 6},
    {"GPA3", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 6},
    {"RPRES", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"WFxT", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64isar3_el1[] = {
    {"FPRCVT", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 14), 0},
    {"LSUI", 24, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"OCCMO", 20, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"LSFE", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"PACM", 12, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"TLBIW", 8, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"FAMINMAX", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 14), 0},
    {"CPA", 0, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
};

static const struct cm_field f_id_aa64mmfr0_el1[] = {
    {"ECV", 60, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"FGT", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"EXS", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"TGRAN4_2", 40, 4, false, CM_POL_EXACT, 0x1, NULL, CM_KVER(6, 15), 0},
    {"TGRAN64_2", 36, 4, false, CM_POL_EXACT, 0x1, NULL, CM_KVER(6, 15), 0},
    {"TGRAN16_2", 32, 4, false, CM_POL_EXACT, 0x1, NULL, CM_KVER(6, 15), 0},
    {"TGRAN4", 28, 4, true, CM_POL_LOWER_SAFE, 0xf, NULL, CM_KVER(6, 7), 0},
    {"TGRAN64", 24, 4, true, CM_POL_LOWER_SAFE, 0xf, NULL, CM_KVER(6, 7), 0},
    {"TGRAN16", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"BIGENDEL0", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"SNSMEM", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"BIGEND", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"ASIDBITS", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0}, /* writable only 6.7-6.11, read-only from 6.12: modelled as not writable */
    {"PARANGE", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64mmfr1_el1[] = {
    {"ECBHB", 60, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 10), 0},
    {"CMOW", 56, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"TIDCP1", 52, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"nTLBPA", 48, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"AFP", 44, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"HCX", 40, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"ETS", 36, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"TWED", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 18), 0},
    {"XNX", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"SpecSEI", 24, 4, false, CM_POL_HIGHER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"PAN", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"LO", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"HPDS", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"VH", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"VMIDBits", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"HAFDBS", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64mmfr2_el1[] = {
    {"E0PD", 60, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"EVT", 56, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"BBM", 52, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"TTL", 48, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"FWB", 40, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"IDS", 36, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"AT", 32, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"ST", 28, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"NV", 24, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"CCIDX", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"VARange", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"IESB", 12, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"LSM", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"UAO", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
    {"CnP", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 7), 0},
};

static const struct cm_field f_id_aa64mmfr3_el1[] = {
    {"Spec_FPACC", 60, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ADERR", 56, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SDERR", 52, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ANERR", 44, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"SNERR", 40, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"D128_2", 36, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"D128", 32, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"MEC", 28, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"AIE", 24, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"S2POE", 20, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"S1POE", 16, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"S2PIE", 12, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"S1PIE", 8, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
    {"SCTLRX", 4, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"TCRX", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 12), 0},
};

static const struct cm_field f_id_aa64mmfr4_el1[] = {
    {"SRMASK", 44, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"E3DSE", 36, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"RMEGDI", 28, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"E2H0", 24, 4, true, CM_POL_LOWER_SAFE, 0x0, NULL, 0, 0},
    {"NV_frac", 20, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 15), 0},
    {"FGWTE3", 16, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"HACDBS", 12, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"ASID2", 8, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"EIESB", 4, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"PoPS", 0, 4, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
};

static const struct cm_field f_ctr_el0[] = {
    {"TminLine", 32, 6, false, CM_POL_EXACT, 0x0, NULL, 0, 0}, /* not in ftr table: masked to 0, always 0 for guests */
    {"RES1", 31, 1, false, CM_POL_EXACT, 0x1, NULL, 0, 0},
    {"DIC", 29, 1, false, CM_POL_LOWER_SAFE, 0x1, NULL, CM_KVER(6, 11), 0}, /* CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11 */
    {"IDC", 28, 1, false, CM_POL_LOWER_SAFE, 0x1, NULL, CM_KVER(6, 11), 0}, /* CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11 */
    {"CWG", 24, 4, false, CM_POL_HIGHER_OR_ZERO_SAFE, 0x0, NULL, 0, 0},
    {"ERG", 20, 4, false, CM_POL_HIGHER_OR_ZERO_SAFE, 0x0, NULL, 0, 0},
    {"DminLine", 16, 4, false, CM_POL_LOWER_SAFE, 0x1, NULL, CM_KVER(6, 11), 0}, /* CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11 */
    {"L1Ip", 14, 2, false, CM_POL_EXACT, 0x2, NULL, CM_KVER(6, 13), 0}, /* only VIPT(2)/PIPT(3) accepted (set_ctr_el0) */
    {"IminLine", 0, 4, false, CM_POL_LOWER_SAFE, 0x0, NULL, CM_KVER(6, 11), 0}, /* CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11 */
};

static const struct cm_field f_midr_el1[] = {
    {"MIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 15), 0}, /* writable only with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239) */
};

static const struct cm_field f_revidr_el1[] = {
    {"REVIDR", 0, 64, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 15), 0}, /* writable only with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239) */
};

static const struct cm_field f_aidr_el1[] = {
    {"AIDR", 0, 64, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 15), 0}, /* writable only with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239) */
};

static const struct cm_field f_clidr_el1[] = {
    {"CLIDR", 0, 47, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* bits 63:47 RES0; invariant up to 6.2, writable per vCPU from 6.3 (set_clidr) */
};

static const struct cm_field f_ccsidr_l1d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 0; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l1i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 1; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l2d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 2; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l2i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 3; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l3d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 4; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l3i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 5; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l4d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 6; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l4i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 7; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l5d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 8; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l5i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 9; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l6d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 10; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l6i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 11; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l7d[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 12; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_ccsidr_l7i[] = {
    {"CCSIDR", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_value_policy, CM_KVER(6, 3), 0}, /* CSSELR 13; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr) */
};

static const struct cm_field f_psci_version[] = {
    {"version", 0, 32, false, CM_POL_CUSTOM, 0x0, &cm_arm64_psci_policy, CM_KVER(4, 16), 3}, /* major<<16|minor; 0.1 only without KVM_ARM_VCPU_PSCI_0_2 */
};

static const struct cm_field f_smccc_arch_workaround_1[] = {
    {"level", 0, 4, false, CM_POL_CUSTOM, 0x0, &cm_arm64_wa_policy, 0, 0}, /* 0 NOT_AVAIL < 1 AVAIL < 2 NOT_REQUIRED; nothing stored */
};

static const struct cm_field f_smccc_arch_workaround_2[] = {
    {"state", 0, 5, false, CM_POL_CUSTOM, 0x0, &cm_arm64_wa2_policy, 0, 0}, /* host reports 0 or 3; bit 4 ENABLED */
};

static const struct cm_field f_smccc_arch_workaround_3[] = {
    {"level", 0, 4, false, CM_POL_CUSTOM, 0x0, &cm_arm64_wa_policy, 0, 0}, /* as WORKAROUND_1 (Spectre-BHB), 5.17 */
};

static const struct cm_field f_std_bmap[] = {
    {"TRNG_V1_0", 0, 1, false, CM_POL_BITMAP, 0x0, NULL, CM_KVER(5, 19), 0}, /* Arm TRNG v1.0 */
};

static const struct cm_field f_std_hyp_bmap[] = {
    {"PV_TIME", 0, 1, false, CM_POL_BITMAP, 0x0, NULL, CM_KVER(5, 19), 0}, /* PV time */
};

static const struct cm_field f_vendor_hyp_bmap[] = {
    {"FUNC_FEAT", 0, 1, false, CM_POL_BITMAP, 0x0, NULL, CM_KVER(5, 19), 0}, /* KVM vendor FEATURES and CALL_UID */
    {"PTP", 1, 1, false, CM_POL_BITMAP, 0x0, NULL, CM_KVER(5, 19), 0}, /* KVM PTP service */
};

static const struct cm_field f_vendor_hyp_bmap_2[] = {
    {"DISCOVER_IMPL_VER", 0, 1, false, CM_POL_BITMAP, 0x0, NULL, CM_KVER(6, 15), 0}, /* discovery hypercall, default off */
    {"DISCOVER_IMPL_CPUS", 1, 1, false, CM_POL_BITMAP, 0x0, NULL, CM_KVER(6, 15), 0}, /* discovery hypercall, default off */
};

const struct cm_word cm_arm64_words[CM_ARM64_NWORDS] = {
    {0x603000000013c008ULL, "ID_PFR0_EL1", f_id_pfr0_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c009ULL, "ID_PFR1_EL1", f_id_pfr1_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c00aULL, "ID_DFR0_EL1", f_id_dfr0_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* open-coded */
    {0x603000000013c00bULL, "ID_AFR0_EL1", NULL, 0, CM_ORDER_ID, 32, CM_WORDF_RAZ, A64_W_ID}, /* hidden/unallocated for KVM: RAZ */
    {0x603000000013c00cULL, "ID_MMFR0_EL1", f_id_mmfr0_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c00dULL, "ID_MMFR1_EL1", f_id_mmfr1_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c00eULL, "ID_MMFR2_EL1", f_id_mmfr2_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c00fULL, "ID_MMFR3_EL1", f_id_mmfr3_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c010ULL, "ID_ISAR0_EL1", f_id_isar0_el1, 7, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c011ULL, "ID_ISAR1_EL1", f_id_isar1_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c012ULL, "ID_ISAR2_EL1", f_id_isar2_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c013ULL, "ID_ISAR3_EL1", f_id_isar3_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c014ULL, "ID_ISAR4_EL1", f_id_isar4_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c015ULL, "ID_ISAR5_EL1", f_id_isar5_el1, 7, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c016ULL, "ID_MMFR4_EL1", f_id_mmfr4_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c017ULL, "ID_ISAR6_EL1", f_id_isar6_el1, 7, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c018ULL, "MVFR0_EL1", f_mvfr0_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c019ULL, "MVFR1_EL1", f_mvfr1_el1, 8, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c01aULL, "MVFR2_EL1", f_mvfr2_el1, 2, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c01bULL, "S3_0_C0_C3_3", NULL, 0, CM_ORDER_ID, 32, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c01cULL, "ID_PFR2_EL1", f_id_pfr2_el1, 3, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c01dULL, "ID_DFR1_EL1", NULL, 0, CM_ORDER_ID, 32, CM_WORDF_RAZ, A64_W_ID}, /* hidden/unallocated for KVM: RAZ */
    {0x603000000013c01eULL, "ID_MMFR5_EL1", f_id_mmfr5_el1, 2, CM_ORDER_ID, 32, 0, A64_W_ID}, /* AA32_ID_WRITABLE */
    {0x603000000013c01fULL, "S3_0_C0_C3_7", NULL, 0, CM_ORDER_ID, 32, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c020ULL, "ID_AA64PFR0_EL1", f_id_aa64pfr0_el1, 16, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_FILTERED */
    {0x603000000013c021ULL, "ID_AA64PFR1_EL1", f_id_aa64pfr1_el1, 15, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_FILTERED */
    {0x603000000013c022ULL, "ID_AA64PFR2_EL1", f_id_aa64pfr2_el1, 6, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c023ULL, "S3_0_C0_C4_3", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c024ULL, "ID_AA64ZFR0_EL1", f_id_aa64zfr0_el1, 12, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c025ULL, "ID_AA64SMFR0_EL1", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* hidden/unallocated for KVM: RAZ */
    {0x603000000013c026ULL, "S3_0_C0_C4_6", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c027ULL, "ID_AA64FPFR0_EL1", f_id_aa64fpfr0_el1, 8, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c028ULL, "ID_AA64DFR0_EL1", f_id_aa64dfr0_el1, 16, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_FILTERED */
    {0x603000000013c029ULL, "ID_AA64DFR1_EL1", f_id_aa64dfr1_el1, 11, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_SANITISED */
    {0x603000000013c02aULL, "ID_AA64DFR2_EL1", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* hidden/unallocated for KVM: RAZ */
    {0x603000000013c02bULL, "S3_0_C0_C5_3", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c02cULL, "ID_AA64AFR0_EL1", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* hidden/unallocated for KVM: RAZ */
    {0x603000000013c02dULL, "ID_AA64AFR1_EL1", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* hidden/unallocated for KVM: RAZ */
    {0x603000000013c02eULL, "S3_0_C0_C5_6", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c02fULL, "S3_0_C0_C5_7", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c030ULL, "ID_AA64ISAR0_EL1", f_id_aa64isar0_el1, 15, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c031ULL, "ID_AA64ISAR1_EL1", f_id_aa64isar1_el1, 16, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c032ULL, "ID_AA64ISAR2_EL1", f_id_aa64isar2_el1, 16, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c033ULL, "ID_AA64ISAR3_EL1", f_id_aa64isar3_el1, 8, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c034ULL, "S3_0_C0_C6_4", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c035ULL, "S3_0_C0_C6_5", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c036ULL, "S3_0_C0_C6_6", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c037ULL, "S3_0_C0_C6_7", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c038ULL, "ID_AA64MMFR0_EL1", f_id_aa64mmfr0_el1, 14, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_FILTERED */
    {0x603000000013c039ULL, "ID_AA64MMFR1_EL1", f_id_aa64mmfr1_el1, 16, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c03aULL, "ID_AA64MMFR2_EL1", f_id_aa64mmfr2_el1, 15, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_FILTERED */
    {0x603000000013c03bULL, "ID_AA64MMFR3_EL1", f_id_aa64mmfr3_el1, 15, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c03cULL, "ID_AA64MMFR4_EL1", f_id_aa64mmfr4_el1, 10, CM_ORDER_ID, 64, 0, A64_W_ID}, /* ID_WRITABLE */
    {0x603000000013c03dULL, "S3_0_C0_C7_5", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c03eULL, "S3_0_C0_C7_6", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013c03fULL, "S3_0_C0_C7_7", NULL, 0, CM_ORDER_ID, 64, CM_WORDF_RAZ, A64_W_ID}, /* unallocated: RAZ */
    {0x603000000013d801ULL, "CTR_EL0", f_ctr_el0, 9, CM_ORDER_ID, 64, 0, A64_W_CTR}, /* VM-scoped; invariant before 6.10 */
    {0x603000000013c000ULL, "MIDR_EL1", f_midr_el1, 1, CM_ORDER_ID, 64, CM_WORDF_PINNABLE, A64_W_IMPID}, /* identity */
    {0x603000000013c006ULL, "REVIDR_EL1", f_revidr_el1, 1, CM_ORDER_ID, 64, CM_WORDF_PINNABLE, A64_W_IMPID}, /* identity */
    {0x603000000013c807ULL, "AIDR_EL1", f_aidr_el1, 1, CM_ORDER_ID, 64, CM_WORDF_PINNABLE, A64_W_IMPID}, /* identity */
    {0x603000000013c801ULL, "CLIDR_EL1", f_clidr_el1, 1, CM_ORDER_ID, 64, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110000ULL, "CCSIDR_L1D", f_ccsidr_l1d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110001ULL, "CCSIDR_L1I", f_ccsidr_l1i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110002ULL, "CCSIDR_L2D", f_ccsidr_l2d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110003ULL, "CCSIDR_L2I", f_ccsidr_l2i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110004ULL, "CCSIDR_L3D", f_ccsidr_l3d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110005ULL, "CCSIDR_L3I", f_ccsidr_l3i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110006ULL, "CCSIDR_L4D", f_ccsidr_l4d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110007ULL, "CCSIDR_L4I", f_ccsidr_l4i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110008ULL, "CCSIDR_L5D", f_ccsidr_l5d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6020000000110009ULL, "CCSIDR_L5I", f_ccsidr_l5i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x602000000011000aULL, "CCSIDR_L6D", f_ccsidr_l6d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x602000000011000bULL, "CCSIDR_L6I", f_ccsidr_l6i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x602000000011000cULL, "CCSIDR_L7D", f_ccsidr_l7d, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x602000000011000dULL, "CCSIDR_L7I", f_ccsidr_l7i, 1, CM_ORDER_ID, 32, CM_WORDF_PINNABLE, A64_W_CACHE}, /* cache geometry */
    {0x6030000000140000ULL, "PSCI_VERSION", f_psci_version, 1, CM_ORDER_FIRMWARE, 64, 0, A64_W_PSCI}, /* firmware */
    {0x6030000000140001ULL, "SMCCC_ARCH_WORKAROUND_1", f_smccc_arch_workaround_1, 1, CM_ORDER_FIRMWARE, 64, 0, A64_W_WA}, /* firmware */
    {0x6030000000140002ULL, "SMCCC_ARCH_WORKAROUND_2", f_smccc_arch_workaround_2, 1, CM_ORDER_FIRMWARE, 64, CM_WORDF_DERIVED, A64_W_WA}, /* firmware */
    {0x6030000000140003ULL, "SMCCC_ARCH_WORKAROUND_3", f_smccc_arch_workaround_3, 1, CM_ORDER_FIRMWARE, 64, 0, A64_W_WA}, /* firmware */
    {0x6030000000160000ULL, "STD_BMAP", f_std_bmap, 1, CM_ORDER_FIRMWARE, 64, 0, A64_W_BMAP}, /* firmware */
    {0x6030000000160001ULL, "STD_HYP_BMAP", f_std_hyp_bmap, 1, CM_ORDER_FIRMWARE, 64, 0, A64_W_BMAP}, /* firmware */
    {0x6030000000160002ULL, "VENDOR_HYP_BMAP", f_vendor_hyp_bmap, 2, CM_ORDER_FIRMWARE, 64, 0, A64_W_BMAP}, /* firmware */
    {0x6030000000160003ULL, "VENDOR_HYP_BMAP_2", f_vendor_hyp_bmap_2, 2, CM_ORDER_FIRMWARE, 64, 0, A64_W_BMAP}, /* firmware */
};
_Static_assert(CM_ARRAY_SIZE(cm_arm64_words) == 83, "vector layout");
