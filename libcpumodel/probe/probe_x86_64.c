/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live probe, x86_64 part (KVM-FACTS.md §C.1, §C.2):
 *  - KVM_GET_SUPPORTED_CPUID / KVM_GET_EMULATED_CPUID (system fd; grow on E2BIG,
 *    nent is not updated by the kernel),
 *  - KVM_GET_MSR_INDEX_LIST (the MSRs a VMM saves/restores),
 *  - KVM_GET_MSR_FEATURE_INDEX_LIST + KVM_GET_MSRS on the system fd: the
 *    feature MSRs (ARCH_CAPABILITIES…) go to s->msrs,
 *  - with KVM_CAP_ONE_REG (6.18+): a vCPU configured with the supported
 *    CPUID, its KVM_GET_REG_LIST, and a ONE_REG read of every listed MSR
 *    plus the two that live in KVM_GET_SREGS (APIC base, EFER); the readable
 *    ones are stored as registers (they are vCPU state).
 * Compiled to an empty hook table on other architectures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <asm/prctl.h>
#endif

#include "cpumodel/kvm_compat.h"
#include "probe/probe_internal.h"

#if defined(__x86_64__)

/* x86 capabilities that matter for migration (§D, "x86"), one per line.
 * (Several are defined by linux/kvm.h only for x86: __KVM_HAVE_XSAVE…) */
static const struct cm_kvm_cap x86_caps[] = {
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_MCE, "KVM_CAP_MCE"},
    {KVM_CAP_ADJUST_CLOCK, "KVM_CAP_ADJUST_CLOCK"},
    {KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS"},
    {KVM_CAP_XSAVE, "KVM_CAP_XSAVE"},
    {KVM_CAP_XCRS, "KVM_CAP_XCRS"},
    {KVM_CAP_TSC_CONTROL, "KVM_CAP_TSC_CONTROL"},
    {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},
    {KVM_CAP_TSC_DEADLINE_TIMER, "KVM_CAP_TSC_DEADLINE_TIMER"},
    {KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS"},
    {KVM_CAP_EXT_EMUL_CPUID, "KVM_CAP_EXT_EMUL_CPUID"},
    {KVM_CAP_X86_SMM, "KVM_CAP_X86_SMM"},
    {KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP"},
    {KVM_CAP_X2APIC_API, "KVM_CAP_X2APIC_API"},
    {KVM_CAP_X86_DISABLE_EXITS, "KVM_CAP_X86_DISABLE_EXITS"},
    {KVM_CAP_GET_MSR_FEATURES, "KVM_CAP_GET_MSR_FEATURES"},
    {KVM_CAP_NESTED_STATE, "KVM_CAP_NESTED_STATE"},
    {KVM_CAP_MSR_PLATFORM_INFO, "KVM_CAP_MSR_PLATFORM_INFO"},
    {KVM_CAP_EXCEPTION_PAYLOAD, "KVM_CAP_EXCEPTION_PAYLOAD"},
    {KVM_CAP_HYPERV_CPUID, "KVM_CAP_HYPERV_CPUID"},
    {KVM_CAP_PMU_EVENT_FILTER, "KVM_CAP_PMU_EVENT_FILTER"},
    {KVM_CAP_SMALLER_MAXPHYADDR, "KVM_CAP_SMALLER_MAXPHYADDR"},
    {KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR"},
    {KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER"},
    {KVM_CAP_ENFORCE_PV_FEATURE_CPUID, "KVM_CAP_ENFORCE_PV_FEATURE_CPUID"},
    {KVM_CAP_X86_BUS_LOCK_EXIT, "KVM_CAP_X86_BUS_LOCK_EXIT"},
    {KVM_CAP_SREGS2, "KVM_CAP_SREGS2"},
    {KVM_CAP_XSAVE2, "KVM_CAP_XSAVE2"},
    {KVM_CAP_PMU_CAPABILITY, "KVM_CAP_PMU_CAPABILITY"},
    {KVM_CAP_DISABLE_QUIRKS2, "KVM_CAP_DISABLE_QUIRKS2"},
    {KVM_CAP_VM_TSC_CONTROL, "KVM_CAP_VM_TSC_CONTROL"},
    {KVM_CAP_X86_TRIPLE_FAULT_EVENT, "KVM_CAP_X86_TRIPLE_FAULT_EVENT"},
    {KVM_CAP_X86_NOTIFY_VMEXIT, "KVM_CAP_X86_NOTIFY_VMEXIT"},
    {KVM_CAP_VM_TYPES, "KVM_CAP_VM_TYPES"},
    {KVM_CAP_X86_APIC_BUS_CYCLES_NS, "KVM_CAP_X86_APIC_BUS_CYCLES_NS"},
    {KVM_CAP_X86_GUEST_MODE, "KVM_CAP_X86_GUEST_MODE"},
};

/* State MSRs a VMM carries in KVM_GET_SREGS instead of the MSR list, so
 * KVM_GET_MSR_INDEX_LIST does not name them; ONE_REG reads them (§C.2). */
static const uint32_t sregs_msrs[] = {
    0x1b,       /* IA32_APICBASE (sregs.apic_base) */
    0xc0000080, /* IA32_EFER (sregs.efer) */
};

/* Largest tables we accept: far above any kernel (60 CPUID entries, ~50 MSRs
 * on 6.18) but bounded so a broken kernel cannot make us allocate forever. */
#define CPUID_MAX_ENTRIES 4096
#define MSR_LIST_MAX 16384

/* KVM_GET_SUPPORTED_CPUID / KVM_GET_EMULATED_CPUID.  On E2BIG the kernel
 * does not update nent (§C.2), so double the buffer and retry. */
struct kvm_cpuid2 *cm_x86_get_cpuid(int kvm, unsigned long req, const char *what, cm_error *err)
{
    for (uint32_t n = 128; n <= CPUID_MAX_ENTRIES; n *= 2) {
        struct kvm_cpuid2 *c = cm_xcalloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
        c->nent = n;
        long r = cm_kvm_ioctl_raw(kvm, req, c);
        if (r >= 0) {
            if (c->nent > n) {
                uint32_t got = c->nent;
                free(c);
                cm_fail(err, CM_E_KVM, "%s: the kernel reported %u entries for a buffer of %u", what, got, n);
                return NULL;
            }
            return c;
        }
        free(c);
        if (r != -E2BIG) {
            cm_fail(err, CM_E_KVM, "%s: %s (errno %ld)", what, strerror((int)-r), -r);
            return NULL;
        }
    }
    cm_fail(err, CM_E_KVM, "%s: more than %u entries (E2BIG at every size)", what, CPUID_MAX_ENTRIES);
    return NULL;
}

/* Fields KVM_GET_SUPPORTED_CPUID fills from the host CPU the ioctl happened
 * to run on (its APIC id): run-to-run noise, and per vCPU in a guest (the VMM
 * sets them).  Zeroed so two probes of one host are identical. */
static const struct {
    uint32_t function;
    uint8_t reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
    uint32_t mask;
} per_cpu_fields[] = {
    {0x1, 1, 0xff000000u},  /* EBX[31:24] initial APIC id */
    {0xb, 3, 0xffffffffu},  /* EDX x2APIC id (every subleaf) */
    {0x1f, 3, 0xffffffffu}, /* EDX x2APIC id (every subleaf) */
    {0x8000001e, 0, 0xffffffffu}, /* EAX extended APIC id (AMD) */
};

static void cpuid_entry_from_kvm(struct cm_cpuid_entry *o, const struct kvm_cpuid_entry2 *e)
{
    *o = (struct cm_cpuid_entry){.function = e->function, .index = e->index, .flags = e->flags,
                                 .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx};
    uint32_t *regs[] = {&o->eax, &o->ebx, &o->ecx, &o->edx};
    for (size_t i = 0; i < CM_ARRAY_SIZE(per_cpu_fields); i++)
        if (per_cpu_fields[i].function == o->function)
            *regs[per_cpu_fields[i].reg] &= ~per_cpu_fields[i].mask;
}

/* KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST: ask with nmsrs=0
 * (E2BIG, nmsrs updated), then fetch. */
static struct kvm_msr_list *get_msr_list(int kvm, unsigned long req, const char *what, cm_error *err)
{
    struct kvm_msr_list probe = {.nmsrs = 0};
    long r = cm_kvm_ioctl_raw(kvm, req, &probe);
    if (r < 0 && r != -E2BIG) {
        cm_fail(err, CM_E_KVM, "%s: %s (errno %ld)", what, strerror((int)-r), -r);
        return NULL;
    }
    for (int attempt = 0; attempt < 4; attempt++) {
        uint32_t n = probe.nmsrs + 16; /* slack in case the list grows between calls */
        if (n > MSR_LIST_MAX) {
            cm_fail(err, CM_E_KVM, "%s: the kernel reported %u MSRs", what, probe.nmsrs);
            return NULL;
        }
        struct kvm_msr_list *l = cm_xcalloc(1, sizeof(*l) + n * sizeof(uint32_t));
        l->nmsrs = n;
        r = cm_kvm_ioctl_raw(kvm, req, l);
        if (r >= 0)
            return l;
        probe.nmsrs = l->nmsrs;
        free(l);
        if (r != -E2BIG)
            break;
    }
    cm_fail(err, CM_E_KVM, "%s: %s (errno %ld)", what, strerror((int)-r), -r);
    return NULL;
}

/* Feature MSRs: KVM_GET_MSRS on the system fd for exactly the indices KVM
 * lists (a 0 for any other index cannot be told from "not a feature", §C.2).
 * The ioctl returns how many entries it processed; fewer than asked means a
 * listed feature MSR could not be read, which we report rather than store a
 * half table. */
static int probe_feature_msrs(struct cm_probe_ctx *c, cm_error *err)
{
    const struct cm_cap *cap = cm_snapshot_find_cap(c->s, KVM_CAP_GET_MSR_FEATURES);
    if (!cap || cap->sys <= 0)
        return 0; /* before 4.17: no feature MSRs to report */
    struct kvm_msr_list *l = get_msr_list(c->kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, "KVM_GET_MSR_FEATURE_INDEX_LIST",
                                          err);
    if (!l)
        return -1;
    int rc = 0;
    if (l->nmsrs) {
        struct kvm_msrs *m = cm_xcalloc(1, sizeof(*m) + l->nmsrs * sizeof(struct kvm_msr_entry));
        m->nmsrs = l->nmsrs;
        for (uint32_t i = 0; i < l->nmsrs; i++)
            m->entries[i].index = l->indices[i];
        int r = cm_kvm_ioctl(c->kvm, KVM_GET_MSRS, m, "KVM_GET_MSRS (system fd, feature MSRs)", err);
        if (r < 0) {
            rc = -1;
        } else if ((uint32_t)r != l->nmsrs) {
            rc = cm_fail(err, CM_E_KVM, "KVM_GET_MSRS (system fd): read %d of %u feature MSRs; MSR 0x%x, listed by "
                         "KVM_GET_MSR_FEATURE_INDEX_LIST, could not be read", r, l->nmsrs,
                         l->indices[r]);
        } else {
            for (uint32_t i = 0; i < l->nmsrs; i++)
                cm_snapshot_add_msr(c->s, m->entries[i].index, m->entries[i].data);
        }
        free(m);
    }
    free(l);
    return rc;
}

/* KVM_GET_REG_LIST on x86 lists only KVM-type registers (SSP), never MSRs. */
static int probe_reg_list(struct cm_probe_ctx *c, int vcpu, cm_error *err)
{
    struct kvm_reg_list probe = {.n = 0};
    long r = cm_kvm_ioctl_raw(vcpu, KVM_GET_REG_LIST, &probe);
    if (r < 0 && r != -E2BIG)
        return cm_fail(err, CM_E_KVM, "KVM_GET_REG_LIST: %s (errno %ld)", strerror((int)-r), -r);
    if (r >= 0 || probe.n == 0)
        return 0;
    uint64_t n = probe.n;
    _cleanup_free_ struct kvm_reg_list *l = cm_xcalloc(1, sizeof(*l) + n * sizeof(uint64_t));
    l->n = n;
    if (cm_kvm_ioctl(vcpu, KVM_GET_REG_LIST, l, "KVM_GET_REG_LIST", err) < 0)
        return -1;
    for (uint64_t i = 0; i < l->n; i++) {
        uint64_t id = l->reg[i], val[64] = {0};
        if (cm_reg_words(id) > CM_ARRAY_SIZE(val))
            return cm_fail(err, CM_E_KVM, "KVM_GET_REG_LIST: register 0x%016llx is wider than 4096 bits",
                           (unsigned long long)id);
        struct kvm_one_reg one = {.id = id, .addr = (uintptr_t)val};
        if (cm_kvm_ioctl(vcpu, KVM_GET_ONE_REG, &one, "KVM_GET_ONE_REG", err) < 0)
            return cm_fail_prefix(err, "register 0x%016llx", (unsigned long long)id);
        if (!cm_snapshot_find_reg(c->s, id) && cm_snapshot_add_reg(c->s, id, val, 0, err) < 0)
            return -1;
    }
    return 0;
}

/* MSR state through ONE_REG (6.18): every MSR in KVM_GET_MSR_INDEX_LIST that
 * the vCPU lets the host read.  EINVAL means "not readable on this vCPU"
 * (e.g. needs a CPUID bit the host lacks); any other error is real. */
static int probe_onereg_msrs(struct cm_probe_ctx *c, int vcpu, cm_error *err)
{
    size_t nlist = c->s->nmsr_index_list;
    for (size_t i = 0; i < nlist + CM_ARRAY_SIZE(sregs_msrs); i++) {
        uint32_t index = i < nlist ? c->s->msr_index_list[i] : sregs_msrs[i - nlist];
        uint64_t id = CM_X86_REG_MSR(index), val = 0;
        if (cm_snapshot_find_reg(c->s, id))
            continue; /* some kernels list an MSR twice */
        struct kvm_one_reg one = {.id = id, .addr = (uintptr_t)&val};
        long r = cm_kvm_ioctl_raw(vcpu, KVM_GET_ONE_REG, &one);
        if (r == -EINVAL)
            continue;
        if (r < 0)
            return cm_fail(err, CM_E_KVM, "KVM_GET_ONE_REG 0x%016llx (MSR 0x%x): %s (errno %ld)",
                           (unsigned long long)id, index, strerror((int)-r), -r);
        if (cm_snapshot_add_reg(c->s, id, &val, cm_x86_64_ops.reg_volatile(id) ? CM_REGF_VOLATILE : 0, err) < 0)
            return -1;
    }
    return 0;
}

/* A vCPU configured as a VMM would for this host's full model: the supported
 * CPUID table, so that CPUID-gated MSRs (ARCH_CAPABILITIES…) read their real
 * values instead of the 0 a fresh vCPU reports (§C.2). */
static int probe_vcpu(struct cm_probe_ctx *c, const struct kvm_cpuid2 *supported, cm_error *err)
{
    const struct cm_cap *one_reg = cm_snapshot_find_cap(c->s, KVM_CAP_ONE_REG);
    if (!one_reg || one_reg->vm <= 0)
        return 0; /* before 6.18 x86 has no ONE_REG: the MSR list is all we have */
    int vcpu = cm_kvm_create_vcpu(c->vm, 0, err);
    if (vcpu < 0)
        return -1;
    int rc = -1;
    if (cm_kvm_ioctl(vcpu, KVM_SET_CPUID2, (void *)supported, "KVM_SET_CPUID2 (the supported table)", err) < 0)
        goto out;
    if (probe_reg_list(c, vcpu, err) < 0 || probe_onereg_msrs(c, vcpu, err) < 0)
        goto out;
    rc = 0;
out:
    close(vcpu);
    return rc;
}

/* KVM filters the XCR0 it reports (CPUID 0xD, KVM_CAP_XSAVE2) by the calling
 * process's guest permission for dynamic xfeatures (§C.2): without asking
 * first, an AMX host would look as if it had no AMX.  Best effort: the request
 * fails harmlessly on CPUs/kernels without dynamic features. */
static void request_dynamic_xfeatures(void)
{
    uint64_t supp = 0;
    if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_SUPP, &supp) != 0)
        return;
    for (unsigned bit = 18; bit < 64; bit++) /* 18 = XTILEDATA, the first dynamic feature */
        if (supp >> bit & 1)
            (void)syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM, (unsigned long)bit);
}

static int probe_x86_64(struct cm_probe_ctx *c, cm_error *err)
{
    struct cm_snapshot *s = c->s;
    request_dynamic_xfeatures();
    _cleanup_free_ struct kvm_cpuid2 *sup = cm_x86_get_cpuid(c->kvm, KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID", err);
    if (!sup)
        return -1;
    if (sup->nent == 0)
        return cm_fail(err, CM_E_KVM, "KVM_GET_SUPPORTED_CPUID: returned no entries");
    for (uint32_t i = 0; i < sup->nent; i++) {
        struct cm_cpuid_entry e;
        cpuid_entry_from_kvm(&e, &sup->entries[i]);
        cm_snapshot_add_cpuid(s, &e);
    }

    const struct cm_cap *emul = cm_snapshot_find_cap(s, KVM_CAP_EXT_EMUL_CPUID);
    if (emul && emul->sys > 0) {
        _cleanup_free_ struct kvm_cpuid2 *em = cm_x86_get_cpuid(c->kvm, KVM_GET_EMULATED_CPUID, "KVM_GET_EMULATED_CPUID",
                                                         err);
        if (!em)
            return -1;
        for (uint32_t i = 0; i < em->nent; i++) {
            struct cm_cpuid_entry e;
            cpuid_entry_from_kvm(&e, &em->entries[i]);
            cm_snapshot_add_cpuid_emulated(s, &e);
        }
    }

    _cleanup_free_ struct kvm_msr_list *ml = get_msr_list(c->kvm, KVM_GET_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST",
                                                          err);
    if (!ml)
        return -1;
    for (uint32_t i = 0; i < ml->nmsrs; i++)
        cm_snapshot_add_msr_index(s, ml->indices[i]);

    if (probe_feature_msrs(c, err) < 0)
        return -1;
    return probe_vcpu(c, sup, err);
}

int cm_verify_x86_64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                     struct cm_reasons *mismatches, cm_error *err);

const struct cm_probe_arch cm_probe_arch_x86_64 = {
    .arch = CM_ARCH_X86_64,
    .vm_type = 0, /* KVM_X86_DEFAULT_VM */
    .caps = x86_caps,
    .ncaps = CM_ARRAY_SIZE(x86_caps),
    .probe = probe_x86_64,
    .verify = cm_verify_x86_64,
};

#else /* not x86_64: no hooks, so probe_common.c reports "not supported" */

const struct cm_probe_arch cm_probe_arch_x86_64 = {.arch = CM_ARCH_X86_64};

#endif
