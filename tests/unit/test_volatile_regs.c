/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run-to-run registers: each arch driver's reg_volatile flags exactly the
 * registers docs/KVM-FACTS.md names, and nothing else of a real host's list.
 *   arm64  §A.1 "Timer registers": KVM_REG_ARM_TIMER_CNT, KVM_REG_ARM_TIMER_CVAL
 *          and KVM_REG_ARM_PTIMER_CNT, built here with the uapi's
 *          ARM64_SYS_REG() from their encodings (arch/arm64/include/uapi/asm/kvm.h);
 *   x86_64 IA32_TSC (MSR 0x10, Intel SDM vol. 4), the only MSR that counts;
 *   riscv64 timer.time (KVM_REG_RISCV_TIMER, index 1 of struct kvm_riscv_timer).
 * The probe, the verifier and the Firecracker import all ask this hook, so a
 * second list cannot drift from it; the import is checked through the
 * snapshot's flags.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpumodel/arch.h"
#include "testlib.h"

/* uapi: KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | encoding */
static uint64_t arm64_sys_reg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
    return 0x6000000000000000ULL | 0x0030000000000000ULL | (0x0013ULL << 16) | ((uint64_t)op0 << 14) |
           ((uint64_t)op1 << 11) | ((uint64_t)crn << 7) | ((uint64_t)crm << 3) | op2;
}

static bool arm64_expected(uint64_t id)
{
    return id == arm64_sys_reg(3, 3, 14, 3, 2) || /* KVM_REG_ARM_TIMER_CNT (CNTV_CVAL's encoding) */
           id == arm64_sys_reg(3, 3, 14, 0, 2) || /* KVM_REG_ARM_TIMER_CVAL (CNTVCT's encoding) */
           id == arm64_sys_reg(3, 3, 14, 0, 1);   /* KVM_REG_ARM_PTIMER_CNT = CNTPCT_EL0 */
}

START_TEST(arm64_exactly_the_timers)
{
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_ARM64);
    struct cm_snapshot *s = tl_load(tl_arm64_fixtures[_i]);
    size_t seen = 0;
    for (size_t i = 0; i < s->nregs; i++) {
        uint64_t id = s->regs[i].id;
        bool want = arm64_expected(id);
        ck_assert_msg(ops->reg_volatile(id) == want, "%s: 0x%016llx", tl_arm64_fixtures[_i],
                      (unsigned long long)id);
        /* the import flags what the driver says */
        ck_assert_msg(!!(s->regs[i].flags & CM_REGF_VOLATILE) == want, "%s: import flag of 0x%016llx",
                      tl_arm64_fixtures[_i], (unsigned long long)id);
        seen += want;
    }
    ck_assert_uint_ge(seen, 1); /* the dumps list KVM_REG_ARM_TIMER_CVAL */
    ck_assert(ops->reg_volatile(arm64_sys_reg(3, 3, 14, 3, 2)));
    ck_assert(ops->reg_volatile(arm64_sys_reg(3, 3, 14, 0, 2)));
    ck_assert(ops->reg_volatile(arm64_sys_reg(3, 3, 14, 0, 1)));
    cm_snapshot_free(s);
}
END_TEST

START_TEST(x86_exactly_the_tsc)
{
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_X86_64);
    struct cm_snapshot *s = tl_load(tl_x86_fixtures[_i]);
    /* every MSR the host lists (Firecracker omits the TSC itself) and the TSC */
    for (size_t i = 0; i < s->nmsrs; i++) {
        uint32_t index = s->msrs[i].index;
        ck_assert_msg(ops->reg_volatile(0x2030000200000000ULL | index) == (index == 0x10), "%s: MSR 0x%x",
                      tl_x86_fixtures[_i], index);
    }
    ck_assert(ops->reg_volatile(0x2030000200000000ULL | 0x10)); /* KVM_X86_REG_MSR(IA32_TSC) */
    for (size_t i = 0; i < s->nregs; i++)
        ck_assert(!!(s->regs[i].flags & CM_REGF_VOLATILE) == ops->reg_volatile(s->regs[i].id));
    cm_snapshot_free(s);
}
END_TEST

START_TEST(riscv64_exactly_timer_time)
{
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_RISCV64);
    /* KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_TIMER (4 << 24) | index */
    const uint64_t timer = 0x8030000000000000ULL | (4ULL << 24);
    ck_assert(!ops->reg_volatile(timer | 0)); /* frequency: must equal the host's */
    ck_assert(ops->reg_volatile(timer | 1));  /* time */
    ck_assert(!ops->reg_volatile(timer | 2)); /* compare */
    ck_assert(!ops->reg_volatile(timer | 3)); /* state */
    /* no feature word of the driver is run-to-run noise */
    for (size_t i = 0; i < ops->nwords; i++)
        ck_assert_msg(!ops->reg_volatile(ops->words[i].id), "%s", ops->words[i].name);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("volatile_regs");
    TCase *tc = tcase_create("volatile");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, arm64_exactly_the_timers, 0, 6);
    tcase_add_loop_test(tc, x86_exactly_the_tsc, 0, 12);
    tcase_add_test(tc, riscv64_exactly_timer_time);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
