/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 plan verification on a scratch VM (KVM-FACTS §B.1).
 *
 * A plan on riscv turns extensions off (ISA_EXT.<ext> = 0, config.isa bits,
 * SBI_EXT.<ext> = 0) and sets config registers, all before the first run;
 * onereg.c applies them in the plan's order classes and reads every register
 * back.  ISA_EXT registers stay listed when disabled (the list follows the
 * host), so the read-back value is what shows the plan took.
 * Compiled to a stub unless __riscv; the common cm_verify_plan() calls
 * cm_verify_riscv64_ex().
 */
#include <errno.h>
#include <string.h>

#include "probe/arch_probe.h"

#if defined(__riscv)
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "probe/onereg.h"

int cm_verify_riscv64_ex(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                           struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err)
{
    int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
    if (vm < 0)
        return cm_fail(err, CM_E_KVM, "verify: KVM_CREATE_VM: %s", strerror(errno));
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0) {
        int e = errno;
        close(vm);
        return cm_fail(err, CM_E_KVM, "verify: KVM_CREATE_VCPU: %s", strerror(e));
    }
    const struct cm_verify_arch va = {
        .arch = "riscv64",
        .check_only = NULL,
        .is_volatile = cm_riscv64_ops.reg_volatile, /* the driver's one list */
    };
    int r = cm_onereg_verify(vcpu, &va, plan, model, mismatches, readback, err);
    close(vcpu);
    close(vm);
    return r;
}


int cm_verify_riscv64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                 struct cm_reasons *mismatches, cm_error *err)
{
    int r = cm_verify_riscv64_ex(kvm, plan, model, mismatches, NULL, err);
    if (r < 0)
        cm_fail_prefix(err, "%s", dev);
    return r;
}

#else /* !__riscv */

int cm_verify_riscv64_ex(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                           struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err)
{
    return cm_fail(err, CM_E_NOTSUP, "riscv64 plans can be verified only on a riscv64 host");
}

#endif
