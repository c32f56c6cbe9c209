/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 snapshots built from facts (there are no real riscv64 dumps):
 * what KVM_GET_REG_LIST / KVM_GET_ONE_REG report on a fresh vCPU of a given
 * kernel for a chosen set of host extensions (KVM-FACTS.md §B.1, lab README §A).
 *
 * The extension ids below are written from the KVM uapi enum as listed in
 * KVM-FACTS.md §B.2, independently of the driver's tables.
 */
#ifndef CPUMODEL_RV_FIXTURES_H
#define CPUMODEL_RV_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumodel/snapshot.h"

enum {
    RVF_A = 0, RVF_C = 1, RVF_D = 2, RVF_F = 3, RVF_H = 4, RVF_I = 5, RVF_M = 6, RVF_SVPBMT = 7, RVF_SSTC = 8,
    RVF_SVINVAL = 9, RVF_ZIHINTPAUSE = 10, RVF_ZICBOM = 11, RVF_ZICBOZ = 12, RVF_ZBB = 13, RVF_SSAIA = 14,
    RVF_V = 15, RVF_SVNAPOT = 16, RVF_ZBA = 17, RVF_ZBS = 18, RVF_ZICNTR = 19, RVF_ZICSR = 20, RVF_ZIFENCEI = 21,
    RVF_ZIHPM = 22, RVF_SMSTATEEN = 23, RVF_ZICOND = 24, RVF_ZBC = 25, RVF_ZFH = 46, RVF_ZAWRS = 61,
    RVF_SMNPM = 62, RVF_SSNPM = 63, RVF_SVADE = 64, RVF_SVADU = 65, RVF_ZAAMO = 69, RVF_ZALRSC = 70,
    RVF_ZICBOP = 71,
};
enum {
    RVF_SBI_V01 = 0, RVF_SBI_PMU = 6, RVF_SBI_DBCN = 9, RVF_SBI_STA = 10, RVF_SBI_SUSP = 11, RVF_SBI_FWFT = 12,
    RVF_SBI_MPXY = 13,
};

/* the ids (KVM-FACTS.md §B.1) */
#define RVF_CONFIG(i) (0x8030000001000000ULL + (i))
#define RVF_ISA_EXT(e) (0x8030000007000000ULL + (e))
#define RVF_SBI_EXT(e) (0x8030000008000000ULL + (e))
#define RVF_TIMER_TIME 0x8030000004000001ULL
#define RVF_VECTOR_CSR(i) (0x8030000009000000ULL + (i))

struct rvf_opts {
    const char *host;
    const char *kernel;    /* uname -r, e.g. "6.12.107+deb13-riscv64" */
    uint64_t exts[2];      /* host-supported ISA extensions: bit e of exts[e / 64] */
    bool sbi_pmu;          /* the SBI PMU probe succeeds (host Sscofpmf) */
    bool sbi_sta;          /* steal-time probe succeeds */
    bool v_allowed;        /* riscv_v_vstate_ctrl_user_allowed() */
    uint64_t satp_mode;    /* 8 Sv39, 9 Sv48, 10 Sv57 */
    uint64_t cbom_block, cboz_block, cbop_block;
    uint64_t mvendorid, marchid, mimpid;
    unsigned vlenb;        /* vector register bytes (V) */
    bool cap_set_hgatp;    /* KVM_CAP_RISCV_SET_HGATP_MODE (247) reported */
};

static inline void rvf_set(struct rvf_opts *o, unsigned e) { o->exts[e / 64] |= 1ULL << (e % 64); }
static inline void rvf_clear(struct rvf_opts *o, unsigned e) { o->exts[e / 64] &= ~(1ULL << (e % 64)); }
static inline bool rvf_has(const struct rvf_opts *o, unsigned e) { return (o->exts[e / 64] >> (e % 64)) & 1; }

/* QEMU `-cpu rv64,h=true` (QEMU 7.2) as kernel `kernel` reports it: a c d f
 * h i m, sstc, zihintpause, zicbom, zicboz, zba, zbb, zbc, zbs, zicsr,
 * zifencei, zicntr, zihpm (implied by "i" on DT systems), zawrs; 6.15+ kernels
 * also derive zaamo and zalrsc from "a".  satp Sv57, 64-byte cache blocks. */
void rvf_defaults(struct rvf_opts *o, const char *host, const char *kernel);

/* The snapshot (registers finished, kind HOST, source "facts:rv_fixtures"). */
struct cm_snapshot *rvf_build(const struct rvf_opts *o);

/* Shorthands: the defaults on 6.12.107 / 7.2.13. */
struct cm_snapshot *rvf_host_6_12(const char *host);
struct cm_snapshot *rvf_host_7_2(const char *host);

#endif
