/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enum KVM_RISCV_ISA_EXT_ID, one line per extension (KVM-FACTS.md §B.2,
 * rv_isa_table.md).  The ids are enum positions and ABI.
 *
 * Columns:
 *   id, lower-case name,
 *   since        first kernel whose uapi has the id,
 *   nodis_from / nodis_to
 *                the kernels on which kvm_riscv_vcpu_isa_disable_allowed()
 *                refuses it: from <= K < to (to 0 = still refused on 6.19).
 *                Built from the "how the cannot-disable list grew" table.
 *                Extensions that first appear in the 6.8 sample but were
 *                added in 6.5-6.7 (SVNAPOT, ZBA, ZBS, ZICNTR, ZICSR, ZIFENCEI,
 *                ZIHPM, ZICOND; SSCOFPMF, first sampled in 6.11) are taken as
 *                non-disable-able from their first
 *                kernel: the facts call 6.6-6.7 unverified and "cannot" is the
 *                answer that never promises a write KVM might reject.
 *   dis_cond     outside the refusal window: RV_DC_NONE (disable-able),
 *                RV_DC_SMSTATEEN (only if the host has Smstateen: SSAIA from 6.8),
 *                RV_DC_HWAD (only with hardware A/D updates, i.e. the host has Svadu: SVADE)
 *   early        1 for d/f/h: before 6.1 (no per-extension rule) only these
 *                single letters could be cleared (KVM_RISCV_ISA_DISABLE_ALLOWED)
 *   enable       RV_EN_HOST (if the host has it), RV_EN_NEVER (H),
 *                RV_EN_COND (V: riscv_v_vstate_ctrl_user_allowed(); SSCOFPMF:
 *                host has Ssaia; SVADU: hardware A/D)
 *   letter       the config.isa bit ('a'..'z') for single-letter extensions, else 0
 */
#ifndef CPUMODEL_RV_ISA_LIST_H
#define CPUMODEL_RV_ISA_LIST_H

#define RV_ISA_EXTS(X) \
    X(0,  a,           K(5, 19), K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  'a') \
    X(1,  c,           K(5, 19), K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  'c') \
    X(2,  d,           K(5, 19), 0,        0,        RV_DC_NONE,      1, RV_EN_HOST,  'd') \
    X(3,  f,           K(5, 19), 0,        0,        RV_DC_NONE,      1, RV_EN_HOST,  'f') \
    X(4,  h,           K(5, 19), 0,        0,        RV_DC_NONE,      1, RV_EN_NEVER, 'h') \
    X(5,  i,           K(5, 19), K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  'i') \
    X(6,  m,           K(5, 19), K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  'm') \
    X(7,  svpbmt,      K(6, 0),  0,        0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(8,  sstc,        K(6, 0),  K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(9,  svinval,     K(6, 1),  K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(10, zihintpause, K(6, 1),  K(6, 1),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(11, zicbom,      K(6, 1),  0,        0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(12, zicboz,      K(6, 4),  0,        0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(13, zbb,         K(6, 4),  K(6, 4),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(14, ssaia,       K(6, 4),  K(6, 4),  K(6, 8),  RV_DC_SMSTATEEN, 0, RV_EN_HOST,  0) \
    X(15, v,           K(6, 5),  0,        0,        RV_DC_NONE,      0, RV_EN_COND,  'v') \
    X(16, svnapot,     K(6, 5),  K(6, 5),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(17, zba,         K(6, 6),  K(6, 6),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(18, zbs,         K(6, 6),  K(6, 6),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(19, zicntr,      K(6, 6),  K(6, 6),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(20, zicsr,       K(6, 6),  K(6, 6),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(21, zifencei,    K(6, 6),  K(6, 6),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(22, zihpm,       K(6, 6),  K(6, 6),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(23, smstateen,   K(6, 7),  0,        0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(24, zicond,      K(6, 7),  K(6, 7),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(25, zbc,         K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(26, zbkb,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(27, zbkc,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(28, zbkx,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(29, zknd,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(30, zkne,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(31, zknh,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(32, zkr,         K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(33, zksed,       K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(34, zksh,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(35, zkt,         K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(36, zvbb,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(37, zvbc,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(38, zvkb,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(39, zvkg,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(40, zvkned,      K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(41, zvknha,      K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(42, zvknhb,      K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(43, zvksed,      K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(44, zvksh,       K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(45, zvkt,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(46, zfh,         K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(47, zfhmin,      K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(48, zihintntl,   K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(49, zvfh,        K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(50, zvfhmin,     K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(51, zfa,         K(6, 8),  K(6, 8),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(52, ztso,        K(6, 9),  K(6, 9),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(53, zacas,       K(6, 9),  K(6, 9),  0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(54, sscofpmf,    K(6, 10), K(6, 10), 0,        RV_DC_NONE,      0, RV_EN_COND,  0) \
    X(55, zimop,       K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(56, zca,         K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(57, zcb,         K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(58, zcd,         K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(59, zcf,         K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(60, zcmop,       K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(61, zawrs,       K(6, 11), K(6, 11), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(62, smnpm,       K(6, 13), K(6, 13), K(6, 18), RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(63, ssnpm,       K(6, 13), K(6, 13), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(64, svade,       K(6, 13), 0,        0,        RV_DC_HWAD,      0, RV_EN_HOST,  0) \
    X(65, svadu,       K(6, 13), 0,        0,        RV_DC_NONE,      0, RV_EN_COND,  0) \
    X(66, svvptc,      K(6, 14), K(6, 14), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(67, zabha,       K(6, 14), K(6, 14), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(68, ziccrse,     K(6, 14), K(6, 14), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(69, zaamo,       K(6, 15), K(6, 15), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(70, zalrsc,      K(6, 15), K(6, 15), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(71, zicbop,      K(6, 18), K(6, 18), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(72, zfbfmin,     K(6, 18), K(6, 18), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(73, zvfbfmin,    K(6, 18), K(6, 18), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0) \
    X(74, zvfbfwma,    K(6, 18), K(6, 18), 0,        RV_DC_NONE,      0, RV_EN_HOST,  0)

/* enum KVM_RISCV_SBI_EXT_ID: id, name, since, default (6.19) */
#define RV_SBI_EXTS(X) \
    X(0,  v01,          K(6, 4),  RV_SBI_ON) \
    X(1,  time,         K(6, 4),  RV_SBI_ON) \
    X(2,  ipi,          K(6, 4),  RV_SBI_ON) \
    X(3,  rfence,       K(6, 4),  RV_SBI_ON) \
    X(4,  srst,         K(6, 4),  RV_SBI_ON) \
    X(5,  hsm,          K(6, 4),  RV_SBI_ON) \
    X(6,  pmu,          K(6, 4),  RV_SBI_PROBE) \
    X(7,  experimental, K(6, 4),  RV_SBI_ON) \
    X(8,  vendor,       K(6, 4),  RV_SBI_ON) \
    X(9,  dbcn,         K(6, 7),  RV_SBI_OFF) \
    X(10, sta,          K(6, 8),  RV_SBI_PROBE) \
    X(11, susp,         K(6, 14), RV_SBI_OFF) \
    X(12, fwft,         K(6, 18), RV_SBI_ON) \
    X(13, mpxy,         K(6, 19), RV_SBI_OFF)

#endif
