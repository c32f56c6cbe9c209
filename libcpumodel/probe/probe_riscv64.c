/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The riscv64 half of the live probe (KVM-FACTS §B.1, §D).
 *
 * Hook for probe_common.c (H5a; the lead reconciles the name):
 *   int cm_probe_arch_riscv64(int kvm_fd, int vm_fd, struct cm_snapshot *s,
 *                             const struct cm_probe_opts *o, cm_error *err);
 * declared in probe/arch_probe.h.
 *
 * riscv vCPUs need no init call: everything KVM would give a guest is in the
 * ONE_REG list (config, core, CSR, timer, FP, ISA_EXT, SBI_EXT, vector, SBI
 * state), which exists since 6.6.  ISA_EXT lists every extension the host
 * supports, whether enabled or not, so its values (0/1) are the enablement.
 * Compiled to a stub unless __riscv.
 */
#include <errno.h>
#include <string.h>

#include "probe/arch_probe.h"

#if defined(__riscv)
#include <sys/ioctl.h>
#include <unistd.h>

#include "cpumodel/kvm_compat.h"
#include "probe/onereg.h"

/* Migration-relevant riscv capabilities (§D). */
static const uint32_t riscv_caps[] = {
    0,   /* KVM_CAP_IRQCHIP: in-kernel AIA */
    14,  /* KVM_CAP_MP_STATE */
    23,  /* KVM_CAP_SET_GUEST_DEBUG */
    66,  /* KVM_CAP_MAX_VCPUS */
    70,  /* KVM_CAP_ONE_REG */
    136, /* KVM_CAP_IMMEDIATE_EXIT */
    207, /* KVM_CAP_VM_GPA_BITS: the destination must have at least as many */
    242, /* KVM_CAP_RISCV_MP_STATE_RESET */
};

/* config registers (§B.1) */
#define RV_CONFIG(n) (0x8030000001000000ULL | (n))

/* timer.time changes run to run (lab README) */
static bool riscv_is_volatile(uint64_t id)
{
    return id == 0x8030000004000001ULL;
}

int cm_probe_arch_riscv64(int kvm_fd, int vm_fd, struct cm_snapshot *s, const struct cm_probe_opts *o,
                          cm_error *err)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(riscv_caps); i++) {
        if (cm_snapshot_find_cap(s, riscv_caps[i]))
            continue;
        int r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, (unsigned long)riscv_caps[i]);
        cm_snapshot_add_cap(s, riscv_caps[i], r < 0 ? 0 : r, false, r < 0 ? 0 : r);
    }
    if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_ONE_REG) <= 0)
        return cm_fail(err, CM_E_NOTSUP, "KVM_CAP_ONE_REG is missing");

    int vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0)
        return cm_fail(err, CM_E_KVM, "KVM_CREATE_VCPU: %s", strerror(errno));
    int r = cm_onereg_read_all(vcpu, s, riscv_is_volatile, err);
    close(vcpu);
    if (r < 0) {
        if (strstr(err->msg, "KVM_GET_REG_LIST: Invalid argument"))
            cm_fail_prefix(err, "riscv KVM_GET_REG_LIST needs Linux 6.6 or later");
        return -1;
    }

    if (!s->cpu) {
        uint64_t v = 0, a = 0, m = 0;
        cm_snapshot_get_u64(s, RV_CONFIG(2), &v);
        cm_snapshot_get_u64(s, RV_CONFIG(3), &a);
        cm_snapshot_get_u64(s, RV_CONFIG(4), &m);
        s->cpu = cm_xasprintf("mvendorid 0x%llx marchid 0x%llx mimpid 0x%llx", (unsigned long long)v,
                              (unsigned long long)a, (unsigned long long)m);
    }
    return 0;
}

#else /* !__riscv */

int cm_probe_arch_riscv64(int kvm_fd, int vm_fd, struct cm_snapshot *s, const struct cm_probe_opts *o,
                          cm_error *err)
{
    return cm_fail(err, CM_E_NOTSUP, "the riscv64 probe runs only on a riscv64 host");
}

#endif
