/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the driver knows about MSRs a VMM saves (KVM_GET_MSR_INDEX_LIST,
 * KVM-FACTS.md §C.2): the name, the CPUID flag without which a guest never
 * uses it (so a model hiding that flag hides the MSR), and the value a kernel
 * that does not save it leaves the guest with (so that value is droppable).
 * Names from Linux msr-index.h / kvm_para.h; gates are the documented feature
 * bits (KVM_FEATURE_* in CPUID 0x40000001 EAX, etc.).  "Old" (O) marks the
 * MSRs every 4.14 Firecracker dump of a CPU having them lists: no kernel this
 * project supports lacks them, so a model "without" one only has a member
 * whose snapshot did not list it.
 */
#include "x86_64/x86.h"

#define KVMF CM_X86_CPUID_ID(0x40000001, 0, CM_X86_EAX)
#define L1ECX CM_X86_CPUID_ID(0x1, 0, CM_X86_ECX)
#define L7EBX CM_X86_CPUID_ID(0x7, 0, CM_X86_EBX)
#define L7EDX CM_X86_CPUID_ID(0x7, 0, CM_X86_EDX)
#define E1EDX CM_X86_CPUID_ID(0x80000001, 0, CM_X86_EDX)
#define E8EBX CM_X86_CPUID_ID(0x80000008, 0, CM_X86_EBX)
#define E22EAX CM_X86_CPUID_ID(0x80000022, 0, CM_X86_EAX) /* perfmon_v2 */

/* index, name, gate word, gate bit, default value; O(...) = also saved by 4.14 */
#define M(i, n, g, b, d) {.index = (i), .name = (n), .gate = (g), .gate_bit = (b), .dflt = (d)}
#define O(i, n, g, b, d) {.index = (i), .name = (n), .gate = (g), .gate_bit = (b), .dflt = (d), .since_4_14 = true}

static const struct cm_x86_msr_info msrs[] = {
    {.index = 0x10, .name = "IA32_TSC", .is_volatile = true, .since_4_14 = true}, /* §C.2 list; Firecracker omits it */
    O(0x11, "MSR_KVM_WALL_CLOCK", KVMF, 0, 0),
    O(0x12, "MSR_KVM_SYSTEM_TIME", KVMF, 0, 0),
    M(0x1b, "IA32_APICBASE", 0, 0, 0xfee00900),
    M(0x34, "MSR_SMI_COUNT", 0, 0, 0),
    O(0x3a, "IA32_FEATURE_CONTROL", 0, 0, 0),
    O(0x3b, "IA32_TSC_ADJUST", L7EBX, 1, 0),
    O(0x48, "IA32_SPEC_CTRL", 0, 0, 0),
    {.index = CM_X86_MSR_UCODE_REV, .name = "IA32_UCODE_REV", .identity = true},
    O(0x9e, "IA32_SMBASE", 0, 0, 0),
    O(CM_X86_MSR_PLATFORM_INFO, "MSR_PLATFORM_INFO", 0, 0, 0),
    O(CM_X86_MSR_ARCH_CAPABILITIES, "IA32_ARCH_CAPABILITIES", L7EDX, 29, 0),
    M(0x122, "IA32_TSX_CTRL", 0, 0, 0),
    O(0x140, "MSR_MISC_FEATURES_ENABLES", 0, 0, 0),
    O(0x174, "IA32_SYSENTER_CS", 0, 0, 0),
    O(0x175, "IA32_SYSENTER_ESP", 0, 0, 0),
    O(0x176, "IA32_SYSENTER_EIP", 0, 0, 0),
    O(0x1a0, "IA32_MISC_ENABLE", 0, 0, 0),
    M(0x17a, "IA32_MCG_STATUS", 0, 0, 0),
    M(0x17b, "IA32_MCG_CTL", 0, 0, 0),
    M(0x1d9, "IA32_DEBUGCTL", 0, 0, 0),
    M(0x1db, "MSR_IA32_LASTBRANCHFROMIP", 0, 0, 0),
    M(0x1dc, "MSR_IA32_LASTBRANCHTOIP", 0, 0, 0),
    M(0x1dd, "MSR_IA32_LASTINTFROMIP", 0, 0, 0),
    M(0x1de, "MSR_IA32_LASTINTTOIP", 0, 0, 0),
    M(0x1fc, "MSR_IA32_POWER_CTL", 0, 0, 0),
    O(0x277, "IA32_PAT", 0, 0, 0x0007040600070406ULL),
    M(CM_X86_MSR_PERF_CAPABILITIES, "IA32_PERF_CAPABILITIES", L1ECX, 15, 0),
    M(0x6e0, "IA32_TSC_DEADLINE", L1ECX, 24, 0),
    O(0xd90, "IA32_BNDCFGS", L7EBX, 14, 0),
    M(0xc0000080, "IA32_EFER", 0, 0, 0),
    O(0xc0000081, "MSR_STAR", 0, 0, 0),
    O(0xc0000082, "MSR_LSTAR", 0, 0, 0),
    O(0xc0000083, "MSR_CSTAR", 0, 0, 0),
    O(0xc0000084, "MSR_SYSCALL_MASK", 0, 0, 0),
    O(0xc0000102, "MSR_KERNEL_GS_BASE", 0, 0, 0),
    O(0xc0000103, "MSR_TSC_AUX", E1EDX, 27, 0),
    M(0xc0000104, "MSR_AMD64_TSC_RATIO", 0, 0, 0x0000000100000000ULL), /* 1.0 in 8.32 fixed point */
    /* AMD PerfMonV2 global counter control (AMD APM vol. 2 "Performance Monitor
     * Counters", msr-index.h MSR_AMD64_PERF_CNTR_GLOBAL_*): KVM saves them only
     * when it offers PerfMonV2 and lets a guest use them only with the flag */
    M(0xc0000300, "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS", E22EAX, 0, 0),
    M(0xc0000301, "MSR_AMD64_PERF_CNTR_GLOBAL_CTL", E22EAX, 0, 0),
    M(0xc0000302, "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR", E22EAX, 0, 0),
    M(0xc0000303, "MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET", E22EAX, 0, 0),
    M(0xc0010015, "MSR_K7_HWCR", 0, 0, 0),
    O(0xc0010117, "MSR_VM_HSAVE_PA", 0, 0, 0),
    O(0xc001011f, "MSR_AMD64_VIRT_SPEC_CTRL", E8EBX, 25, 0),
    O(0x4b564d00, "MSR_KVM_WALL_CLOCK_NEW", KVMF, 3, 0),
    O(0x4b564d01, "MSR_KVM_SYSTEM_TIME_NEW", KVMF, 3, 0),
    O(0x4b564d02, "MSR_KVM_ASYNC_PF_EN", KVMF, 4, 0),
    O(0x4b564d03, "MSR_KVM_STEAL_TIME", KVMF, 5, 0),
    O(0x4b564d04, "MSR_KVM_PV_EOI_EN", KVMF, 6, 0),
    M(0x4b564d05, "MSR_KVM_POLL_CONTROL", KVMF, 12, 1), /* KVM resets it to 1 (polling allowed) */
    M(0x4b564d06, "MSR_KVM_ASYNC_PF_INT", KVMF, 14, 0),
    M(0x4b564d07, "MSR_KVM_ASYNC_PF_ACK", KVMF, 14, 0),
};

const struct cm_x86_msr_info *cm_x86_msr_info(uint32_t index)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(msrs); i++)
        if (msrs[i].index == index)
            return &msrs[i];
    return NULL;
}

const char *cm_x86_msr_name(uint32_t index)
{
    const struct cm_x86_msr_info *m = cm_x86_msr_info(index);
    return m ? m->name : NULL;
}
