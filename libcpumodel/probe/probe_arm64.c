/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arm64 half of the live probe (KVM-FACTS §A.3–A.5, §D).
 *
 * Plugs into probe_common.c through `cm_probe_arch_arm64` (probe_internal.h):
 * the common code opens /dev/kvm, records identity and capabilities (the
 * generic ones and arm64_caps[] below), creates the VM and calls ->probe.
 *
 * One snapshot per host: the vCPU is initialised with PSCI 0.2 plus every
 * optional feature KVM offers (PMUv3, SVE + finalize, both ptrauth flavours),
 * because a feature left out hides its ID fields and registers, and the
 * negotiation must see everything the host can give.  Plans then drop init
 * features instead (cm_plan.drop_init_features).
 * Compiled to stubs unless __aarch64__.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/arch_probe.h"

#if defined(__aarch64__)
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64/arm64.h"
#include "cpumodel/kvm_compat.h"
#include "probe/onereg.h"

/* Capabilities recorded in an arm64 snapshot besides the generic ones
 * (KVM-FACTS §D "migration-relevant, arm64"); the common code asks both the
 * system fd and the VM fd. */
static const struct cm_kvm_cap arm64_caps[] = {
    {KVM_CAP_ARM_EL1_32BIT, "KVM_CAP_ARM_EL1_32BIT"},
    {KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2"},
    {KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3"},
    {KVM_CAP_VCPU_ATTRIBUTES, "KVM_CAP_VCPU_ATTRIBUTES"},
    {KVM_CAP_ARM_USER_IRQ, "KVM_CAP_ARM_USER_IRQ"},
    {KVM_CAP_ARM_INJECT_SERROR_ESR, "KVM_CAP_ARM_INJECT_SERROR_ESR"},
    {KVM_CAP_ARM_VM_IPA_SIZE, "KVM_CAP_ARM_VM_IPA_SIZE"}, /* the IPA size limit: a VM's IPA bits must fit the destination */
    {KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE"},
    {KVM_CAP_ARM_PTRAUTH_ADDRESS, "KVM_CAP_ARM_PTRAUTH_ADDRESS"},
    {KVM_CAP_ARM_PTRAUTH_GENERIC, "KVM_CAP_ARM_PTRAUTH_GENERIC"},
    {KVM_CAP_ARM_IRQ_LINE_LAYOUT_2, "KVM_CAP_ARM_IRQ_LINE_LAYOUT_2"},
    {KVM_CAP_ARM_NISV_TO_USER, "KVM_CAP_ARM_NISV_TO_USER"},
    {KVM_CAP_ARM_INJECT_EXT_DABT, "KVM_CAP_ARM_INJECT_EXT_DABT"},
    {KVM_CAP_STEAL_TIME, "KVM_CAP_STEAL_TIME"},
    {KVM_CAP_PTP_KVM, "KVM_CAP_PTP_KVM"},
    {KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE"},
    {KVM_CAP_ARM_SYSTEM_SUSPEND, "KVM_CAP_ARM_SYSTEM_SUSPEND"},
    {KVM_CAP_COUNTER_OFFSET, "KVM_CAP_COUNTER_OFFSET"},
    {KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES, "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES"},
    {KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"},
    {KVM_CAP_ARM_EL2, "KVM_CAP_ARM_EL2"},
    {KVM_CAP_ARM_EL2_E2H0, "KVM_CAP_ARM_EL2_E2H0"},
    {KVM_CAP_ARM_SEA_TO_USER, "KVM_CAP_ARM_SEA_TO_USER"},
};

/* The driver's A64_FEAT_* bits (arm64.h) are the uapi's KVM_ARM_VCPU_* ones. */
_Static_assert(A64_FEAT_PSCI_0_2 == KVM_ARM_VCPU_PSCI_0_2, "PSCI_0_2 bit");
_Static_assert(A64_FEAT_PMU_V3 == KVM_ARM_VCPU_PMU_V3, "PMU_V3 bit");
_Static_assert(A64_FEAT_SVE == KVM_ARM_VCPU_SVE, "SVE bit");
_Static_assert(A64_FEAT_PTRAUTH_ADDRESS == KVM_ARM_VCPU_PTRAUTH_ADDRESS, "PTRAUTH_ADDRESS bit");
_Static_assert(A64_FEAT_PTRAUTH_GENERIC == KVM_ARM_VCPU_PTRAUTH_GENERIC, "PTRAUTH_GENERIC bit");

static int64_t check_ext(int fd, uint32_t cap)
{
    int r = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)cap);
    return r < 0 ? 0 : r;
}

static bool kvm_has_cap(void *kvm_fd, uint32_t cap)
{
    return check_ext(*(int *)kvm_fd, cap) > 0;
}

int cm_probe_arm64_features(int kvm_fd, bool all, uint32_t *features, cm_error *err)
{
    if (!check_ext(kvm_fd, KVM_CAP_ARM_PSCI_0_2))
        return cm_fail(err, CM_E_NOTSUP, "KVM_CAP_ARM_PSCI_0_2 is missing: this KVM is too old");
    /* the init-feature table is the driver's (arm64_initfeat.c) */
    *features = a64_init_features_offered(all, kvm_has_cap, &kvm_fd);
    return 0;
}

int cm_arm64_vcpu_create(int vm_fd, uint32_t features, uint32_t *target, cm_error *err)
{
    struct kvm_vcpu_init init;
    memset(&init, 0, sizeof(init));
    if (cm_onereg_ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
        return cm_fail(err, CM_E_KVM, "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
    if (target)
        *target = init.target;
    memset(init.features, 0, sizeof(init.features));
    init.features[0] = features;
    int vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0)
        return cm_fail(err, CM_E_KVM, "KVM_CREATE_VCPU: %s", strerror(errno));
    if (cm_onereg_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0) {
        int e = errno;
        close(vcpu);
        return cm_fail(err, CM_E_KVM, "KVM_ARM_VCPU_INIT (target %u, features 0x%x): %s", init.target, features,
                       strerror(e));
    }
    /* With SVE the register list is refused (EPERM) until finalized (§A.3.4). */
    if (features & (1u << KVM_ARM_VCPU_SVE)) {
        int what = KVM_ARM_VCPU_SVE;
        if (cm_onereg_ioctl(vcpu, KVM_ARM_VCPU_FINALIZE, &what) < 0) {
            int e = errno;
            close(vcpu);
            return cm_fail(err, CM_E_KVM, "KVM_ARM_VCPU_FINALIZE(SVE): %s", strerror(e));
        }
    }
    return vcpu;
}

int cm_probe_arm64_base_count(int kvm_fd, size_t *n, cm_error *err)
{
    int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
    if (vm < 0)
        return cm_fail(err, CM_E_KVM, "KVM_CREATE_VM: %s", strerror(errno));
    int vcpu = cm_arm64_vcpu_create(vm, 1u << A64_FEAT_PSCI_0_2, NULL, err);
    int r = -1;
    if (vcpu >= 0) {
        _cleanup_free_ uint64_t *ids = NULL;
        r = cm_onereg_list(vcpu, &ids, n, err);
        close(vcpu);
    }
    close(vm);
    return r;
}

/* ONE_REG ids and the field (KVM-FACTS §A.1, §A.4) the WA2 measurement needs */
#define PFR1_ID 0x603000000013C021ULL /* ID_AA64PFR1_EL1 */
#define WA2_ID 0x6030000000140002ULL  /* KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2 */
#define PFR1_SSBS_SHIFT 4             /* ID_AA64PFR1_EL1.SSBS, bits 7:4 */
#define PFR1_SSBS_MASK (0xfULL << PFR1_SSBS_SHIFT)

/*
 * From Linux 6.12 KVM derives SMCCC_ARCH_WORKAROUND_2 from the VM's
 * ID_AA64PFR1_EL1.SSBS: a mitigated host reports 0 to a VM with SSBS and 3
 * to one without, a vulnerable host 0 either way (§A.4).  The full-feature
 * vCPU shows SSBS, so its 0 cannot tell the two apart; reading the level
 * once more on a scratch VM whose SSBS was written to 0 (ID registers are
 * VM-scoped and writable until the first KVM_RUN) measures what the host
 * presents to a model without SSBS.  Best effort: a refused step records
 * nothing, and the driver keeps reporting the level as unpredictable.
 */
static void probe_wa2_without_ssbs(struct cm_probe_ctx *c, uint32_t features)
{
    struct cm_snapshot *s = c->s;
    uint64_t pfr1;
    if (s->kver == CM_KVER_UNKNOWN || cm_kver_cmp(s->kver, CM_KVER(6, 12)) < 0)
        return;
    if (!cm_snapshot_get_u64(s, PFR1_ID, &pfr1) || !(pfr1 & PFR1_SSBS_MASK) ||
        !cm_snapshot_find_reg(s, WA2_ID))
        return;
    int vm = cm_kvm_create_vm(c->kvm, cm_probe_arch_arm64.vm_type, NULL);
    if (vm < 0)
        return;
    int vcpu = cm_arm64_vcpu_create(vm, features, NULL, NULL);
    if (vcpu >= 0) {
        uint64_t v[1], wa2[1];
        if (cm_onereg_get(vcpu, PFR1_ID, v) == 0) {
            v[0] &= ~PFR1_SSBS_MASK;
            if (cm_onereg_set(vcpu, PFR1_ID, v) == 0 && cm_onereg_get(vcpu, WA2_ID, wa2) == 0)
                cm_snapshot_add_fact(s, CM_FACT_ARM64_WA2_WITHOUT_SSBS, wa2[0], NULL);
        }
        close(vcpu);
    }
    close(vm);
}

/*
 * Writability ground truth (issue 9 item 6, KVM-FACTS §A.3): distribution
 * kernels carry backports, so a kernel version only guesses what KVM takes.
 * Where KVM_ARM_GET_REG_WRITABLE_MASKS exists the masks are the answer;
 * otherwise lower one writable LOWER_SAFE field of ID_AA64ISAR0_EL1 on a
 * scratch vCPU (ID registers are VM-scoped and writable until the first
 * KVM_RUN) and record whether KVM took it (fact arm64.writable_id_regs: 1
 * taken, 0 EINVAL).  The identity registers: enable
 * KVM_CAP_ARM_WRITABLE_IMP_ID_REGS on a scratch VM before its vCPU exists and
 * write another MIDR_EL1 revision (fact arm64.writable_imp_id_regs).  Best
 * effort: a step failing for another reason records nothing.
 */
static int scratch_vcpu(struct cm_probe_ctx *c, uint32_t features, bool impid, int *vm_out)
{
    int vm = cm_kvm_create_vm(c->kvm, cm_probe_arch_arm64.vm_type, NULL);
    if (vm < 0)
        return -1;
    if (impid) {
        struct kvm_enable_cap cap;
        memset(&cap, 0, sizeof(cap));
        cap.cap = KVM_CAP_ARM_WRITABLE_IMP_ID_REGS;
        if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0) {
            int e = errno;
            close(vm);
            errno = e;
            return -2;
        }
    }
    int vcpu = cm_arm64_vcpu_create(vm, features, NULL, NULL);
    if (vcpu < 0) {
        close(vm);
        return -1;
    }
    *vm_out = vm;
    return vcpu;
}

static void probe_writable_id_regs(struct cm_probe_ctx *c, uint32_t features)
{
    struct cm_snapshot *s = c->s;
    if (s->writable_masks) /* the masks say it field by field */
        return;
    long slot = a64_slot(A64_ID_AA64ISAR0);
    uint64_t isar0;
    if (slot < 0 || !cm_snapshot_get_u64(s, A64_ID_AA64ISAR0, &isar0))
        return;
    const struct cm_word *w = &cm_arm64_words[slot];
    const struct cm_field *f = NULL;
    for (uint16_t i = 0; i < w->nfields && !f; i++)
        if (w->fields[i].policy == CM_POL_LOWER_SAFE && !w->fields[i].is_signed && w->fields[i].writable_since &&
            cm_field_get(&w->fields[i], isar0) > 0)
            f = &w->fields[i];
    if (!f)
        return;
    int vm, vcpu = scratch_vcpu(c, features, false, &vm);
    if (vcpu < 0)
        return;
    uint64_t v[1] = {cm_field_put(f, isar0, cm_field_get(f, isar0) - 1)};
    int r = cm_onereg_set(vcpu, A64_ID_AA64ISAR0, v);
    if (r == 0)
        cm_snapshot_add_fact(s, CM_FACT_ARM64_WRITABLE_ID_REGS, 1, NULL);
    else if (r == -EINVAL)
        cm_snapshot_add_fact(s, CM_FACT_ARM64_WRITABLE_ID_REGS, 0, NULL);
    close(vcpu);
    close(vm);
}

static void probe_writable_imp_id_regs(struct cm_probe_ctx *c, uint32_t features)
{
    struct cm_snapshot *s = c->s;
    uint64_t midr;
    if (!cm_snapshot_get_u64(s, A64_MIDR_EL1, &midr))
        return;
    if (check_ext(c->kvm, KVM_CAP_ARM_WRITABLE_IMP_ID_REGS) <= 0) {
        cm_snapshot_add_fact(s, CM_FACT_ARM64_WRITABLE_IMP_ID_REGS, 0, NULL);
        return;
    }
    int vm, vcpu = scratch_vcpu(c, features, true, &vm);
    if (vcpu == -2 && errno == EINVAL) {
        cm_snapshot_add_fact(s, CM_FACT_ARM64_WRITABLE_IMP_ID_REGS, 0, NULL);
        return;
    }
    if (vcpu < 0)
        return;
    uint64_t v[1] = {midr ^ 1}; /* another revision (bits 3:0) */
    int r = cm_onereg_set(vcpu, A64_MIDR_EL1, v);
    if (r == 0)
        cm_snapshot_add_fact(s, CM_FACT_ARM64_WRITABLE_IMP_ID_REGS, 1, NULL);
    else if (r == -EINVAL)
        cm_snapshot_add_fact(s, CM_FACT_ARM64_WRITABLE_IMP_ID_REGS, 0, NULL);
    close(vcpu);
    close(vm);
}

static int arm64_probe(struct cm_probe_ctx *c, cm_error *err)
{
    struct cm_snapshot *s = c->s;
    bool all = c->opts ? c->opts->arm64_all_features : true;

    uint32_t features = 0;
    if (cm_probe_arm64_features(c->kvm, all, &features, err) < 0)
        return -1;
    uint32_t target = 0;
    int vcpu = cm_arm64_vcpu_create(c->vm, features, &target, err);
    if (vcpu < 0)
        return -1;
    s->has_vcpu_features = true;
    s->vcpu_features = features;
    s->preferred_target = target;

    int r = cm_onereg_read_all(vcpu, s, cm_arm64_ops.reg_volatile, err);
    close(vcpu);
    if (r < 0)
        return -1;

    /* The writable masks are a VM ioctl; bit 0 of the cap = the feature ID range. */
    if (check_ext(c->vm, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) & (1 << KVM_ARM_FEATURE_ID_RANGE)) {
        uint64_t *masks = cm_xcalloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
        struct reg_mask_range range;
        memset(&range, 0, sizeof(range));
        range.addr = (uint64_t)(uintptr_t)masks;
        range.range = KVM_ARM_FEATURE_ID_RANGE;
        if (cm_onereg_ioctl(c->vm, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0) {
            int e = errno;
            free(masks);
            return cm_fail(err, CM_E_KVM, "KVM_ARM_GET_REG_WRITABLE_MASKS: %s", strerror(e));
        }
        free(s->writable_masks);
        s->writable_masks = masks;
    }

    probe_wa2_without_ssbs(c, features);
    probe_writable_id_regs(c, features);
    probe_writable_imp_id_regs(c, features);

    if (!s->cpu) {
        uint64_t midr;
        if (cm_snapshot_get_u64(s, 0x603000000013C000ULL, &midr)) /* MIDR_EL1 */
            s->cpu = cm_xasprintf("MIDR_EL1 0x%08llx", (unsigned long long)midr);
    }
    return 0;
}

const struct cm_probe_arch cm_probe_arch_arm64 = {
    .arch = CM_ARCH_ARM64,
    .vm_type = 0, /* default IPA size (40 bits); the limit is recorded as KVM_CAP_ARM_VM_IPA_SIZE */
    .caps = arm64_caps,
    .ncaps = CM_ARRAY_SIZE(arm64_caps),
    .probe = arm64_probe,
    .verify = cm_verify_arm64,
};

#else /* !__aarch64__ */

int cm_probe_arm64_base_count(int kvm_fd, size_t *n, cm_error *err)
{
    return cm_fail(err, CM_E_NOTSUP, "the arm64 probe runs only on an arm64 host");
}

int cm_probe_arm64_features(int kvm_fd, bool all, uint32_t *features, cm_error *err)
{
    return cm_fail(err, CM_E_NOTSUP, "the arm64 probe runs only on an arm64 host");
}

/* Off arm64 the hooks are NULL: the common code answers CM_E_NOTSUP. */
const struct cm_probe_arch cm_probe_arch_arm64 = {.arch = CM_ARCH_ARM64};

#endif
