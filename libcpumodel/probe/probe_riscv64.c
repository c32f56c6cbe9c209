/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The riscv64 half of the live probe (KVM-FACTS §B.1, §D).
 *
 * Plugs into probe_common.c through `cm_probe_arch_riscv64` (probe_internal.h):
 * the common code opens /dev/kvm, records identity and capabilities (the
 * generic ones and riscv_caps[] below), creates the VM and calls ->probe.
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

/* Migration-relevant riscv capabilities besides the generic ones (§D). */
static const struct cm_kvm_cap riscv_caps[] = {
    {KVM_CAP_VM_GPA_BITS, "KVM_CAP_VM_GPA_BITS"}, /* the destination must have at least as many */
    {KVM_CAP_RISCV_MP_STATE_RESET, "KVM_CAP_RISCV_MP_STATE_RESET"},
};

/* config registers (§B.1) */
#define RV_CONFIG(n) (0x8030000001000000ULL | (n))

static int riscv_probe(struct cm_probe_ctx *c, cm_error *err)
{
    struct cm_snapshot *s = c->s;
    if (ioctl(c->kvm, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_ONE_REG) <= 0)
        return cm_fail(err, CM_E_NOTSUP, "KVM_CAP_ONE_REG is missing");

    int vcpu = ioctl(c->vm, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0)
        return cm_fail(err, CM_E_KVM, "KVM_CREATE_VCPU: %s", strerror(errno));
    int r = cm_onereg_read_all(vcpu, s, cm_riscv64_ops.reg_volatile, err);
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

const struct cm_probe_arch cm_probe_arch_riscv64 = {
    .arch = CM_ARCH_RISCV64,
    .vm_type = 0,
    .caps = riscv_caps,
    .ncaps = CM_ARRAY_SIZE(riscv_caps),
    .probe = riscv_probe,
    .verify = cm_verify_riscv64,
};

#else /* !__riscv */

/* Off riscv64 the hooks are NULL: the common code answers CM_E_NOTSUP. */
const struct cm_probe_arch cm_probe_arch_riscv64 = {.arch = CM_ARCH_RISCV64};

#endif
