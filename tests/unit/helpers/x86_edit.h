/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hosts the shared dumps do not have, built from a real dump plus documented
 * facts: the Firecracker JSON is edited (a CPUID register set, a leaf or an
 * MSR added) and goes through the real importer and register-list completion,
 * exactly as a dump read from disk.  Each builder names its facts and sources.
 */
#ifndef CPUMODEL_TEST_X86_EDIT_H
#define CPUMODEL_TEST_X86_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "cpumodel/snapshot.h"

struct x86_edit {
    enum { X86E_CPUID, X86E_MSR } kind;
    uint32_t leaf, sub; /* CPUID: leaf/subleaf (added, all zero, when the dump lacks it) */
    int reg;            /* CPUID: 0 EAX, 1 EBX, 2 ECX, 3 EDX */
    uint32_t index;     /* MSR index (added when the dump lacks it) */
    uint64_t set;       /* bits to set */
    uint64_t clear;     /* bits to clear (applied first) */
};

/* fingerprint_<fixture>host.json with the edits applied, imported and completed. */
struct cm_snapshot *x86_edited(const char *fixture, const char *host_name, const struct x86_edit *e, size_t n);

/* A Zen 4 "Genoa" host as a 6.3+ KVM reports it, for the PerfMonV2 questions
 * (no Genoa dump exists): the Milan 6.1 dump plus the facts in x86_edit.c. */
struct cm_snapshot *x86_genoa_like(void);
/* The Milan 6.1 dump as a 6.3+ KVM reports it: max extended leaf 0x80000022
 * with that leaf all zero (Zen 3 has no PerfMonV2). */
struct cm_snapshot *x86_milan_newer_kernel(void);

/* The value of IA32_ARCH_CAPABILITIES KVM's kvm_get_arch_capabilities()
 * (arch/x86/kvm/x86.c, Linux 6.15+) gives on a Zen 2+ host: no Meltdown, MDS,
 * RFDS, ITS, GDS bugs -> RDCL_NO(0) MDS_NO(5) RFDS_NO(27) ITS_NO(62) GDS_NO(26);
 * always PSCHANGE_MC_NO(6); SKIP_VMENTRY_L1DFLUSH(3) while the L1TF VMX
 * mitigation is not "never" (its default on AMD); SSB_NO(4) absent (Zen has
 * the SSB bug).  It is the value the failing AMD EPYC 6.18 host reported. */
#define X86_AMD_ZEN_ARCH_CAP                                                                                   \
    ((1ULL << 0) | (1ULL << 3) | (1ULL << 5) | (1ULL << 6) | (1ULL << 26) | (1ULL << 27) | (1ULL << 62))

#endif
