/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM constants newer than the installed uapi headers (Debian 12 ships
 * linux-libc-dev 6.1).  This is the only place such numbers are defined:
 * code names a capability (KVM_CAP_*), never its number, and the older ones
 * come from <linux/kvm.h> itself;
 * each one is guarded so that newer headers win when present.  Values are
 * from KVM-FACTS.md (§A.3.2, §C.1, §D); the comment gives the kernel that
 * introduced them.  Append new constants at the end of the matching section.
 */
#ifndef CPUMODEL_KVM_COMPAT_H
#define CPUMODEL_KVM_COMPAT_H

#include <linux/kvm.h>
#include <stdint.h>

/* ---- generic capabilities newer than 6.1 (§D) ---------------------------- */
#ifndef KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP
#define KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP 225 /* 6.3 */
#endif
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227 /* 6.4 */
#endif
#ifndef KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE
#define KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE 228 /* 6.5 */
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230 /* 6.7 */
#endif
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231 /* 6.8 */
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233 /* 6.8 */
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234 /* 6.8 */
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235 /* 6.8 */
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236 /* 6.11, believed */
#endif
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237 /* 6.11, believed */
#endif
#ifndef KVM_CAP_X86_GUEST_MODE
#define KVM_CAP_X86_GUEST_MODE 238 /* 6.11, believed */
#endif
#ifndef KVM_CAP_ARM_WRITABLE_IMP_ID_REGS
#define KVM_CAP_ARM_WRITABLE_IMP_ID_REGS 239 /* 6.15 */
#endif
#ifndef KVM_CAP_ARM_EL2
#define KVM_CAP_ARM_EL2 240 /* 6.16, believed (§A.3.4) */
#endif
#ifndef KVM_CAP_ARM_EL2_E2H0
#define KVM_CAP_ARM_EL2_E2H0 241 /* 6.16, believed (§A.3.4) */
#endif
#ifndef KVM_CAP_RISCV_MP_STATE_RESET
#define KVM_CAP_RISCV_MP_STATE_RESET 242 /* 6.16, believed */
#endif
#ifndef KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED
#define KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED 243 /* 6.17, believed */
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244 /* 6.18 */
#endif
#ifndef KVM_CAP_ARM_SEA_TO_USER
#define KVM_CAP_ARM_SEA_TO_USER 245 /* 6.19 */
#endif
#ifndef KVM_CAP_RISCV_SET_HGATP_MODE
#define KVM_CAP_RISCV_SET_HGATP_MODE 247 /* after 6.19, unverified (§B): riscv satp_mode writable */
#endif

/* ---- x86 ONE_REG (6.18, §C.1) -------------------------------------------- */
#ifndef KVM_CAP_ONE_REG
#define KVM_CAP_ONE_REG 70
#endif
#ifndef KVM_X86_REG_TYPE_MSR
#define KVM_X86_REG_TYPE_MSR 2
#endif
#ifndef KVM_X86_REG_TYPE_KVM
#define KVM_X86_REG_TYPE_KVM 3
#endif
#ifndef KVM_REG_GUEST_SSP
#define KVM_REG_GUEST_SSP 0
#endif
/* KVM_X86_REG_ID(type, index) = KVM_REG_X86 | (type << 32) | size | index;
 * MSRs are always U64 (0x0030000000000000). */
#define CM_X86_REG_MSR_BASE 0x2030000200000000ULL
#define CM_X86_REG_MSR(index) (CM_X86_REG_MSR_BASE | (uint32_t)(index))
#define CM_X86_REG_IS_MSR(id) (((id) & 0xffffffff00000000ULL) == CM_X86_REG_MSR_BASE)
#define CM_X86_REG_SSP 0x2030000300000000ULL

/* ---- arm64 (§A.3.2) ------------------------------------------------------ */
#ifndef KVM_ARM_FEATURE_ID_RANGE
#define KVM_ARM_FEATURE_ID_RANGE 0
#define KVM_ARM_FEATURE_ID_RANGE_SIZE (3 * 8 * 8)
struct reg_mask_range {
    __u64 addr;          /* pointer to KVM_ARM_FEATURE_ID_RANGE_SIZE __u64s */
    __u32 range;         /* KVM_ARM_FEATURE_ID_RANGE */
    __u32 reserved[13];  /* must be zero */
};
#endif
#ifndef KVM_ARM_GET_REG_WRITABLE_MASKS
#define KVM_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct reg_mask_range) /* VM ioctl, 6.7 */
#endif

/* ---- riscv64 -------------------------------------------------------------- */
/* linux/kvm.h defines KVM_CAP_SET_GUEST_DEBUG only where the arch headers set
 * __KVM_HAVE_GUEST_DEBUG (not riscv in 6.1); the number is generic (§D). */
#ifndef KVM_CAP_SET_GUEST_DEBUG
#define KVM_CAP_SET_GUEST_DEBUG 23
#endif
#ifndef KVM_CAP_VM_GPA_BITS
#define KVM_CAP_VM_GPA_BITS 207 /* riscv: guest physical address bits */
#endif

#endif
