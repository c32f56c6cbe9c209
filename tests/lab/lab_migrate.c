/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration lab's two /init modes (tests/test_lab_migrate.sh,
 * docs/migration-lab.md): a vCPU's state moved between emulated KVM hosts
 * the way a VMM moves it, one fresh VM per job.
 *
 * cmlab_mode=migsrc  (the source host; one job per /mig/<job>.plan)
 *   KVM_CREATE_VM, vCPU init with the probe's features minus the plan's DROP
 *   (arm64), the plan's writes (the project's verifier, cm_onereg_verify),
 *   then every register KVM_GET_REG_LIST lists is read ("saved"):
 *     CMLAB J <job> MISMATCH <rule> <id> <text>   a plan write KVM refused
 *     CMLAB J <job> <snapshot line>               META features, REG …
 *     CMLAB J <job> DONE <status>
 * cmlab_mode=migdst  (the destination; /mig/<job>.plan + /mig/<job>.state)
 *   a fresh VM (the plan's "ENABLECAP <n>" capabilities enabled first, and
 *   KVM_CAP_ARM_WRITABLE_IMP_ID_REGS when it writes MIDR/REVIDR/AIDR), vCPU init with the
 *   *source's* features (a VMM configures both ends alike), the destination
 *   plan's writes, then KVM_SET_ONE_REG of every saved register in the saved
 *   order, all of them, like a VMM restoring every register:
 *     CMLAB J <job> INIT-FAIL <errno>
 *     CMLAB J <job> RESTORE-FAIL <id> <errno>
 *     CMLAB J <job> RESULT <failures> <first id|-> <first errno|0>
 *   and after an accepted restore (arm64) a few guest instructions run in
 *   that vCPU (KVM_RUN): MRS of ID registers, each stored to an MMIO address
 *   outside guest memory, so every store exits to here:
 *     CMLAB J <job> GUEST <id> <value>
 * Both modes end with "CMLAB END <status>".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "cpumodel/kvm_compat.h"
#if defined(__aarch64__)
#include "arm64/arm64.h"
#endif
#include "cpumodel/negotiate.h"
#include "probe/arch_probe.h"
#include "probe/onereg.h"
#include "lab_lines.h"
#include "lab_migrate.h"

#define MIGDIR "/mig"

/* MIDR_EL1, REVIDR_EL1, AIDR_EL1: writable only with the VM capability
 * (KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, Linux 6.15+), enabled before any vCPU. */
static const uint64_t imp_id_regs[] = {0x603000000013C000ULL, 0x603000000013C006ULL, 0x603000000013C807ULL};

/* Capabilities to enable on the VM before its vCPU: "ENABLECAP <n>" lines of
 * the plan file (the plan's enable_vm_capabilities), and, like the project's
 * verifier, KVM_CAP_ARM_WRITABLE_IMP_ID_REGS when the plan writes
 * MIDR/REVIDR/AIDR.  Returns how many went into caps[]. */
static size_t plan_caps(const struct cm_plan *p, const char *planfile, unsigned *caps, size_t max)
{
    size_t n = 0;
    FILE *f = fopen(planfile, "re");
    char line[512];
    unsigned c;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "ENABLECAP %u", &c) == 1 && n < max)
            caps[n++] = c;
    if (f)
        fclose(f);
    bool imp = false;
    for (size_t i = 0; i < p->nwrites; i++)
        for (size_t j = 0; j < CM_ARRAY_SIZE(imp_id_regs); j++)
            imp |= p->writes[i].id == imp_id_regs[j];
    for (size_t i = 0; i < n; i++)
        imp &= caps[i] != KVM_CAP_ARM_WRITABLE_IMP_ID_REGS;
    if (imp && n < max)
        caps[n++] = KVM_CAP_ARM_WRITABLE_IMP_ID_REGS;
    return n;
}

static int jobs_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && !strcmp(d->d_name + n - 5, ".plan");
}

static void free_plan(struct cm_plan *p)
{
    for (size_t i = 0; i < p->nwrites; i++)
        free((char *)p->writes[i].name);
    for (size_t i = 0; i < p->nrollback; i++)
        free((char *)p->rollback[i].name);
    free(p->writes);
    free(p->rollback);
    free(p->vanishing);
    free(p->host);
    memset(p, 0, sizeof(*p));
}

/* run-to-run registers: the arch driver's list (cm_arch_ops.reg_volatile) */
static bool lab_reg_volatile(uint64_t id)
{
#if defined(__aarch64__)
    return cm_arm64_ops.reg_volatile(id);
#elif defined(__riscv)
    return cm_riscv64_ops.reg_volatile(id);
#else
    (void)id;
    return false;
#endif
}

static const struct cm_verify_arch lab_va = {
#if defined(__aarch64__)
    .arch = "arm64",
#elif defined(__riscv)
    .arch = "riscv64",
#else
    .arch = "none",
#endif
    .is_volatile = lab_reg_volatile,
};

/* A fresh VM and its vCPU 0 (arm64: with `features`); the vCPU fd, or
 * -errno of the failing step (*what names it). */
static int new_vcpu(int kvm, const unsigned *caps, size_t ncaps, uint32_t features, int *vm_out, const char **what,
                    const char *job)
{
    int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
    if (vm < 0)
        return *what = "KVM_CREATE_VM", -errno;
    *vm_out = vm;
    for (size_t i = 0; i < ncaps; i++) {
        /* a capability this KVM lacks is left out, as a VMM would */
        if (ioctl(kvm, KVM_CHECK_EXTENSION, (unsigned long)caps[i]) <= 0) {
            printf("CMLAB J %s CAP %u absent\n", job, caps[i]);
            continue;
        }
        struct kvm_enable_cap cap;
        memset(&cap, 0, sizeof(cap));
        cap.cap = caps[i];
        if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
            return *what = "KVM_ENABLE_CAP", -errno;
        printf("CMLAB J %s CAP %u enabled\n", job, caps[i]);
    }
#if defined(__aarch64__)
    cm_error err = {0};
    int vcpu = cm_arm64_vcpu_create(vm, features, NULL, &err);
    if (vcpu < 0)
        return *what = "KVM_ARM_VCPU_INIT", -(errno ? errno : EINVAL);
    return vcpu;
#else
    (void)features;
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0)
        return *what = "KVM_CREATE_VCPU", -errno;
    return vcpu;
#endif
}

/* The probe's init features minus the plan's DROP (arm64; 0 elsewhere). */
static uint32_t source_features(int kvm, const struct cm_plan *p)
{
#if defined(__aarch64__)
    cm_error err = {0};
    uint32_t f = 0;
    if (cm_probe_arm64_features(kvm, true, &f, &err) < 0)
        return 0;
    /* pointer authentication: address and generic only together */
    return a64_init_features_whole(f & ~p->drop_init_features);
#else
    (void)kvm;
    (void)p;
    return 0;
#endif
}

static void source_job(int kvm, const char *job, const char *planfile)
{
    struct cm_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.host = cm_xstrdup(job);
    lab_read_plan(planfile, &plan);
    uint32_t features = source_features(kvm, &plan);
    int vm = -1;
    const char *what = "";
    unsigned caps[8];
    size_t ncaps = plan_caps(&plan, planfile, caps, CM_ARRAY_SIZE(caps));
    int vcpu = new_vcpu(kvm, caps, ncaps, features, &vm, &what, job);
    if (vcpu < 0) {
        printf("CMLAB J %s ERROR %s: %s\n", job, what, strerror(-vcpu));
        printf("CMLAB J %s DONE 2\n", job);
    } else {
        struct cm_reasons mism = {0};
        struct cm_snapshot *rb = NULL;
        cm_error err = {0};
        int r = cm_onereg_verify(vcpu, &lab_va, &plan, NULL, &mism, &rb, &err);
        for (size_t i = 0; i < mism.n; i++)
            if (!strcmp(mism.v[i].rule, "write-refused"))
                printf("CMLAB J %s MISMATCH %s 0x%016llx %s\n", job, mism.v[i].rule,
                       (unsigned long long)mism.v[i].reg, mism.v[i].text);
        if (r < 0) {
            printf("CMLAB J %s ERROR %s\n", job, err.msg);
        } else {
            char prefix[300];
            snprintf(prefix, sizeof(prefix), "CMLAB J %s ", job);
            rb->has_vcpu_features = true;
            rb->vcpu_features = features;
            lab_print_snapshot(stdout, prefix, rb);
        }
        printf("CMLAB J %s DONE %d\n", job, r < 0 ? 2 : 0);
        cm_snapshot_free(rb);
        cm_reasons_free(&mism);
        close(vcpu);
    }
    if (vm >= 0)
        close(vm);
    free_plan(&plan);
    fflush(stdout);
}

/* State registers a VMM does not write back at their reset value.  riscv
 * timer.state = 0 (off): KVM cancels the timer, and cancelling one that was
 * never armed is EINVAL (kvm_riscv_vcpu_timer_cancel; measured on 6.12 and
 * 7.2 for every pair, the same host included) -- a VMM writes the timer
 * state only when it is on.  Nothing a CPU model decides. */
static const struct {
    uint64_t id, reset;
} vmm_skip[] = {
    {0x8030000004000003ULL, 0}, /* KVM_REG_RISCV_TIMER_REG(state) */
};

static bool vmm_skips(uint64_t id, uint64_t value)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(vmm_skip); i++)
        if (vmm_skip[i].id == id && vmm_skip[i].reset == value)
            return true;
    return false;
}

/* The saved state of a job (lab_lines format) as a snapshot, or NULL. */
static struct cm_snapshot *read_state(const char *path, char *msg, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(msg, len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_UNKNOWN);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = 0;
        if (lab_parse_line(s, line, msg, len) < 0) {
            cm_snapshot_free(s);
            s = NULL;
            break;
        }
    }
    free(line);
    fclose(f);
    return s;
}

#if defined(__aarch64__)
/* ID registers the guest reads after the restore (ONE_REG ids; the low 16
 * bits are op0:op1:CRn:CRm:op2, which is also what MRS encodes). */
static const uint64_t guest_regs[] = {
    0x603000000013C000ULL, /* MIDR_EL1 */
    0x603000000013C006ULL, /* REVIDR_EL1 */
    0x603000000013C020ULL, /* ID_AA64PFR0_EL1 */
    0x603000000013C021ULL, /* ID_AA64PFR1_EL1 */
    0x603000000013C028ULL, /* ID_AA64DFR0_EL1 */
    0x603000000013C030ULL, /* ID_AA64ISAR0_EL1 */
    0x603000000013C031ULL, /* ID_AA64ISAR1_EL1 */
    0x603000000013C038ULL, /* ID_AA64MMFR0_EL1 */
    0x603000000013C039ULL, /* ID_AA64MMFR1_EL1 */
    0x603000000013C03AULL, /* ID_AA64MMFR2_EL1 */
    0x603000000013C801ULL, /* CLIDR_EL1 */
    0x603000000013C807ULL, /* AIDR_EL1 */
    0x603000000013D801ULL, /* CTR_EL0 */
};
#define GUEST_MMIO 0x10000000ULL /* outside the one memory slot: every store exits */
#define GUEST_PC_ID 0x6030000000100040ULL /* KVM_REG_ARM_CORE_REG(regs.pc) */

static uint32_t a64_mrs(unsigned rt, uint64_t id)
{
    unsigned enc = (unsigned)(id & 0xffff);
    unsigned op0 = enc >> 14 & 3, op1 = enc >> 11 & 7, crn = enc >> 7 & 15, crm = enc >> 3 & 15, op2 = enc & 7;
    return 0xD5300000u | (op0 - 2) << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5 | rt;
}

/* Runs MRS + STR per guest register in vcpu (guest memory at IPA 0, PC 0)
 * and prints what each store carried. */
static void guest_reads(int kvm, int vm, int vcpu, const char *job)
{
    const size_t memsz = 0x10000;
    uint32_t *code = mmap(NULL, memsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        printf("CMLAB J %s GUEST-ERROR mmap %s\n", job, strerror(errno));
        return;
    }
    size_t n = 0;
    code[n++] = 0xD2A00000u | (uint32_t)(GUEST_MMIO >> 16) << 5 | 10; /* movz x10, #hi, lsl #16 */
    for (size_t i = 0; i < CM_ARRAY_SIZE(guest_regs); i++) {
        code[n++] = a64_mrs(0, guest_regs[i]);                     /* mrs x0, <reg> */
        code[n++] = 0xF9000000u | (uint32_t)i << 10 | 10u << 5 | 0; /* str x0, [x10, #8*i] */
    }
    code[n++] = 0x14000000u; /* b . */
    struct kvm_userspace_memory_region mr = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = memsz, .userspace_addr = (uintptr_t)code};
    int msz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = msz > 0 ? mmap(NULL, (size_t)msz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) : MAP_FAILED;
    uint64_t pc[1] = {0};
    /* a vCPU with PMUv3 runs only once its PMU is initialised (KVM_RUN
     * gives EINVAL otherwise); without an in-kernel irqchip no IRQ is needed */
    struct kvm_device_attr pmu = {.group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = KVM_ARM_VCPU_PMU_V3_INIT};
    if (ioctl(vcpu, KVM_HAS_DEVICE_ATTR, &pmu) == 0 && ioctl(vcpu, KVM_SET_DEVICE_ATTR, &pmu) < 0)
        printf("CMLAB J %s GUEST-NOTE PMU init %s\n", job, strerror(errno));
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0 || run == MAP_FAILED || cm_onereg_set(vcpu, GUEST_PC_ID, pc) < 0) {
        printf("CMLAB J %s GUEST-ERROR setup %s\n", job, strerror(errno));
        goto out;
    }
    for (size_t got = 0, loops = 0; got < CM_ARRAY_SIZE(guest_regs) && loops < 64; loops++) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            printf("CMLAB J %s GUEST-ERROR KVM_RUN %s\n", job, strerror(errno));
            break;
        }
        if (run->exit_reason != KVM_EXIT_MMIO) {
            printf("CMLAB J %s GUEST-ERROR exit %u\n", job, run->exit_reason);
            break;
        }
        uint64_t a = run->mmio.phys_addr - GUEST_MMIO, v = 0;
        memcpy(&v, run->mmio.data, sizeof(v));
        if (run->mmio.is_write && run->mmio.len == 8 && a / 8 < CM_ARRAY_SIZE(guest_regs)) {
            printf("CMLAB J %s GUEST 0x%016llx %016llx\n", job, (unsigned long long)guest_regs[a / 8],
                   (unsigned long long)v);
            got++;
        }
    }
out:
    if (run != MAP_FAILED)
        munmap(run, (size_t)msz);
    munmap(code, memsz);
}
#endif

static void dest_job(int kvm, const char *job, const char *planfile)
{
    char statefile[300], msg[1100];
    snprintf(statefile, sizeof(statefile), "%.*s.state", (int)(strlen(planfile) - 5), planfile);
    struct cm_snapshot *st = read_state(statefile, msg, sizeof(msg));
    if (!st) {
        printf("CMLAB J %s ERROR %s\n", job, msg);
        return;
    }
    struct cm_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.host = cm_xstrdup(job);
    lab_read_plan(planfile, &plan);
    int vm = -1;
    const char *what = "";
    unsigned caps[8];
    size_t ncaps = plan_caps(&plan, planfile, caps, CM_ARRAY_SIZE(caps));
    int vcpu = new_vcpu(kvm, caps, ncaps, st->vcpu_features, &vm, &what, job);
    if (vcpu < 0) {
        printf("CMLAB J %s INIT-FAIL %d %s\n", job, -vcpu, what);
        printf("CMLAB J %s RESULT 1 - %d\n", job, -vcpu);
    } else {
        struct cm_reasons mism = {0};
        cm_error err = {0};
        if (cm_onereg_verify(vcpu, &lab_va, &plan, NULL, &mism, NULL, &err) < 0)
            printf("CMLAB J %s ERROR plan: %s\n", job, err.msg);
        for (size_t i = 0; i < mism.n; i++)
            if (!strcmp(mism.v[i].rule, "write-refused"))
                printf("CMLAB J %s MISMATCH %s 0x%016llx %s\n", job, mism.v[i].rule,
                       (unsigned long long)mism.v[i].reg, mism.v[i].text);
        cm_reasons_free(&mism);
        /* the restore: every saved register, in the saved (KVM list) order */
        size_t nfail = 0;
        uint64_t first = 0;
        int first_errno = 0;
        for (size_t i = 0; i < st->nregs; i++) {
            const struct cm_reg *r = &st->regs[i];
            if (vmm_skips(r->id, cm_snapshot_reg_val(st, r)[0])) {
                printf("CMLAB J %s RESTORE-SKIP 0x%016llx\n", job, (unsigned long long)r->id);
                continue;
            }
            int rc = cm_onereg_set(vcpu, r->id, cm_snapshot_reg_val(st, r));
            if (rc < 0) {
                printf("CMLAB J %s RESTORE-FAIL 0x%016llx %d\n", job, (unsigned long long)r->id, -rc);
                if (!nfail++)
                    first = r->id, first_errno = -rc;
            }
        }
        if (nfail)
            printf("CMLAB J %s RESULT %zu 0x%016llx %d\n", job, nfail, (unsigned long long)first, first_errno);
        else
            printf("CMLAB J %s RESULT 0 - 0\n", job);
#if defined(__aarch64__)
        if (!nfail)
            guest_reads(kvm, vm, vcpu, job);
#endif
        close(vcpu);
    }
    if (vm >= 0)
        close(vm);
    free_plan(&plan);
    cm_snapshot_free(st);
    fflush(stdout);
}

void lab_migrate(int kvm, bool dest)
{
    struct dirent **ents = NULL;
    int n = scandir(MIGDIR, &ents, jobs_filter, alphasort);
    printf("CMLAB BEGIN %s\n", dest ? "migdst" : "migsrc");
    printf("CMLAB META jobs %d\n", n);
    for (int i = 0; i < n; i++) {
        char path[300], job[256];
        size_t len = strlen(ents[i]->d_name) - 5;
        snprintf(job, sizeof(job), "%.*s", (int)len, ents[i]->d_name);
        snprintf(path, sizeof(path), MIGDIR "/%s", ents[i]->d_name);
        if (dest)
            dest_job(kvm, job, path);
        else
            source_job(kvm, job, path);
        free(ents[i]);
    }
    free(ents);
}
