/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The generic ONE_REG plumbing of the arm64/riscv64 probes and verifiers
 * (libcpumodel/probe/onereg.c) on this machine's real /dev/kvm.  The arm64
 * and riscv64 paths themselves run against real KVM in the lab tests
 * (tests/test_lab_*.sh); here the same code meets x86 KVM, whose facts are in
 * KVM-FACTS.md §C.2 / lab README §B: KVM_GET_REG_LIST answers with 0
 * registers, KVM_GET_ONE_REG of an MSR id works on 6.18 (IA32_APICBASE
 * 0x2030000200000000|0x1b, enable bit 11), and ONE_REG sizes stop at U2048.
 * The KVM part SKIPs (exit 77) when /dev/kvm cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../libcpumodel/probe/onereg.h"
#include "testlib.h"

/* a register id of 512 bytes (size field 9): beyond ONE_REG's U2048 */
#define TOO_BIG (0x6000000000000000ULL | (9ULL << 52) | 0x150000ULL)
#define MSR_APICBASE 0x203000020000001bULL

START_TEST(test_size_guard)
{
    uint64_t v[64] = {0};
    /* refused before any ioctl: the fd is not even valid */
    ck_assert_int_eq(cm_onereg_get(-1, TOO_BIG, v), -E2BIG);
    ck_assert_int_eq(cm_onereg_set(-1, TOO_BIG, v), -E2BIG);
    /* a U2048 id is within range, so the bad fd is what fails */
    ck_assert_int_eq(cm_onereg_get(-1, 0x6080000000150000ULL, v), -EBADF);
}
END_TEST

START_TEST(test_list_error_names_ioctl)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    cm_error err = {0};
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(cm_onereg_list(fd, &ids, &n, &err), -1);
    ck_assert_int_eq(err.code, CM_E_KVM);
    ck_assert_msg(strstr(err.msg, "KVM_GET_REG_LIST"), "error does not name the ioctl: %s", err.msg);
    close(fd);
}
END_TEST

static int kvm = -1, vm = -1, vcpu = -1;

/* per test (libcheck forks, and KVM refuses ioctls from another process) */
static void kvm_setup(void)
{
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(kvm, 0);
    vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
    ck_assert_int_ge(vm, 0);
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
    ck_assert_int_ge(vcpu, 0);
}

static void kvm_teardown(void)
{
    close(vcpu);
    close(vm);
    close(kvm);
}

START_TEST(test_x86_list_is_empty)
{
    uint64_t *ids = NULL;
    size_t n = 99;
    cm_error err = {0};
    ck_assert_msg(cm_onereg_list(vcpu, &ids, &n, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(n, 0);
    free(ids);

    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_X86_64);
    ck_assert_msg(cm_onereg_read_all(vcpu, s, NULL, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(s->nregs, 0);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(test_x86_get_set_msr)
{
    if (ioctl(kvm, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_ONE_REG) <= 0) {
        fprintf(stderr, "note: KVM_CAP_ONE_REG absent on x86 (before 6.18): MSR part not run\n");
        return;
    }
    uint64_t v = 0;
    ck_assert_int_eq(cm_onereg_get(vcpu, MSR_APICBASE, &v), 0);
    ck_assert_msg(v & (1ULL << 11), "IA32_APICBASE 0x%llx lacks the enable bit", (unsigned long long)v);
    /* writing the same value back is accepted and reads back unchanged */
    ck_assert_int_eq(cm_onereg_set(vcpu, MSR_APICBASE, &v), 0);
    uint64_t again = 0;
    ck_assert_int_eq(cm_onereg_get(vcpu, MSR_APICBASE, &again), 0);
    ck_assert_uint_eq(again, v);
}
END_TEST

/* The verifier's bookkeeping on a real vCPU: a write KVM refuses is reported
 * as "write-refused" naming the register; an accepted write of a register the
 * list does not show (x86 lists nothing) is reported as no longer listed. */
START_TEST(test_verify_reports_refusals)
{
    if (ioctl(kvm, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_ONE_REG) <= 0)
        return;
    uint64_t apic = 0;
    ck_assert_int_eq(cm_onereg_get(vcpu, MSR_APICBASE, &apic), 0);
    struct cm_write w[2] = {
        {.id = 0x2030000200000000ULL | 0x4b564dffu, .name = "bogus-msr", .order = CM_ORDER_OTHER, .new_value = 1},
        {.id = MSR_APICBASE, .name = "IA32_APICBASE", .order = CM_ORDER_OTHER, .new_value = apic},
    };
    struct cm_plan plan = {.host = "this-host", .writes = w, .nwrites = 2};
    static const struct cm_verify_arch va = {.arch = "x86_64"};
    struct cm_reasons m = {0};
    struct cm_snapshot *rb = NULL;
    cm_error err = {0};
    ck_assert_int_eq(cm_onereg_verify(vcpu, &va, &plan, NULL, &m, &rb, &err), 1);
    ck_assert_ptr_nonnull(rb);
    ck_assert_uint_eq(m.n, 2);
    ck_assert_str_eq(m.v[0].rule, "write-refused");
    ck_assert_uint_eq(m.v[0].reg, w[0].id);
    ck_assert_ptr_nonnull(strstr(m.v[0].text, "bogus-msr"));
    ck_assert_str_eq(m.v[1].rule, "readback");
    ck_assert_uint_eq(m.v[1].reg, MSR_APICBASE);
    cm_reasons_free(&m);
    cm_snapshot_free(rb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("onereg");
    TCase *t = tcase_create("pure");
    tcase_add_test(t, test_size_guard);
    tcase_add_test(t, test_list_error_names_ioctl);
    suite_add_tcase(s, t);

#if defined(__x86_64__)
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), e = errno;
    if (fd >= 0) {
        close(fd);
        TCase *k = tcase_create("kvm");
        tcase_add_checked_fixture(k, kvm_setup, kvm_teardown);
        tcase_add_test(k, test_x86_list_is_empty);
        tcase_add_test(k, test_x86_get_set_msr);
        tcase_add_test(k, test_verify_reports_refusals);
        suite_add_tcase(s, k);
    } else {
        /* the pure tests still run; the KVM part is reported as skipped */
        fprintf(stderr, "SKIP (KVM part): /dev/kvm: %s\n", strerror(e));
    }
#endif
    return tl_run(s);
}
