/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 plan verification on a scratch VM (KVM-FACTS §A.3.3, §A.5).
 *
 * The scratch vCPU is initialised like the probe's (PSCI 0.2 + every optional
 * feature KVM offers) minus plan->drop_init_features; when the plan rewrites
 * MIDR/REVIDR/AIDR and KVM has KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, the VM
 * enables it before the vCPU exists (it is refused afterwards).  Writes go
 * ID registers first, then firmware, then the rest (onereg.c), then every
 * register is read back.  Nothing ever runs: no KVM_RUN, so the writes stay
 * legal (EBUSY after a first run).
 * Compiled to a stub unless __aarch64__; the common cm_verify_plan() calls
 * cm_verify_arm64_ex().
 */
#include <errno.h>
#include <string.h>

#include "probe/arch_probe.h"

#if defined(__aarch64__)
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64/arm64.h"
#include "cpumodel/kvm_compat.h"
#include "probe/onereg.h"

/* Implementation-ID registers whose writes need the VM capability (§A.3.3). */
static const uint64_t arm64_imp_id_regs[] = {
    0x603000000013C000ULL, /* MIDR_EL1 */
    0x603000000013C006ULL, /* REVIDR_EL1 */
    0x603000000013C807ULL, /* AIDR_EL1 */
};

/* SMCCC workaround levels: a write is only checked against the host's level
 * and nothing is stored (§A.4), so reading back gives the host's level. */
static const uint64_t arm64_check_only_regs[] = {
    0x6030000000140001ULL, /* KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1 */
    0x6030000000140002ULL, /* KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2 */
    0x6030000000140003ULL, /* KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3 */
};

static bool in_list(const uint64_t *l, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] == id)
            return true;
    return false;
}

static bool arm64_check_only(uint64_t id)
{
    return in_list(arm64_check_only_regs, CM_ARRAY_SIZE(arm64_check_only_regs), id);
}

int cm_verify_arm64_ex(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                         struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err)
{
    uint32_t features = 0;
    if (cm_probe_arm64_features(kvm_fd, true, &features, err) < 0)
        return -1;
    /* ptrauth address/generic only go together (§A.3.4) */
    features = a64_init_features_whole(features & ~plan->drop_init_features);

    int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
    if (vm < 0)
        return cm_fail(err, CM_E_KVM, "verify: KVM_CREATE_VM: %s", strerror(errno));

    bool imp = false;
    for (size_t i = 0; i < plan->nwrites; i++)
        imp |= in_list(arm64_imp_id_regs, CM_ARRAY_SIZE(arm64_imp_id_regs), plan->writes[i].id);
    if (imp && ioctl(kvm_fd, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_ARM_WRITABLE_IMP_ID_REGS) > 0) {
        struct kvm_enable_cap cap;
        memset(&cap, 0, sizeof(cap));
        cap.cap = KVM_CAP_ARM_WRITABLE_IMP_ID_REGS;
        if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0) {
            int e = errno;
            close(vm);
            return cm_fail(err, CM_E_KVM, "verify: KVM_ENABLE_CAP(KVM_CAP_ARM_WRITABLE_IMP_ID_REGS): %s",
                           strerror(e));
        }
    }

    int vcpu = cm_arm64_vcpu_create(vm, features, NULL, err);
    if (vcpu < 0) {
        close(vm);
        return cm_fail_prefix(err, "verify");
    }
    const struct cm_verify_arch va = {
        .arch = "arm64",
        .check_only = arm64_check_only,
        .is_volatile = cm_arm64_ops.reg_volatile, /* the driver's one list */
    };
    int r = cm_onereg_verify(vcpu, &va, plan, model, mismatches, readback, err);
    if (r >= 0 && readback && *readback) {
        (*readback)->has_vcpu_features = true;
        (*readback)->vcpu_features = features;
    }
    close(vcpu);
    close(vm);
    return r;
}


int cm_verify_arm64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                 struct cm_reasons *mismatches, cm_error *err)
{
    int r = cm_verify_arm64_ex(kvm, plan, model, mismatches, NULL, err);
    if (r < 0)
        cm_fail_prefix(err, "%s", dev);
    return r;
}

#else /* !__aarch64__ */

int cm_verify_arm64_ex(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                         struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err)
{
    return cm_fail(err, CM_E_NOTSUP, "arm64 plans can be verified only on an arm64 host");
}

#endif
