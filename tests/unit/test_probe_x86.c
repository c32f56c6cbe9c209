/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live probe and plan verification against this machine's real
 * /dev/kvm.  Every check compares the probe with a fact this test obtains on
 * its own: uname(2), the CPUID instruction, its own KVM ioctls, and the rules
 * in KVM-FACTS.md §C (ONE_REG on 6.18, IA32_APICBASE enable bit 11, feature
 * MSR 0x10a, system-fd vs VM-fd capabilities).
 * SKIPs (exit 77, "SKIP:" on stderr) when /dev/kvm is absent or not openable,
 * or when not on x86_64.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <json-c/json.h>

#include "cpumodel/arch.h"
#include "cpumodel/kvm_compat.h"
#include "cpumodel/probe.h"
#include "cpumodel/vector.h"
#include "testlib.h"

#if defined(__x86_64__)

static struct cm_snapshot *snap; /* probed once, in main() */

/* KVM ioctl buffers: a header with a flexible array and room behind it, as
 * unions (clang refuses a member after a flexible array). */
#define MSRS_ONE(name)                                                                                       \
    union {                                                                                                  \
        struct kvm_msrs h;                                                                                   \
        unsigned char room[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];                          \
    } name;                                                                                                  \
    memset(&name, 0, sizeof(name));                                                                          \
    name.h.nmsrs = 1
#define MSR_LIST(n)                                                                                          \
    union {                                                                                                  \
        struct kvm_msr_list h;                                                                               \
        unsigned char room[sizeof(struct kvm_msr_list) + (n) * sizeof(uint32_t)];                            \
    }

static int kvm_fd(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "open /dev/kvm: %s", strerror(errno));
    return fd;
}

START_TEST(test_identity)
{
    struct utsname u;
    ck_assert_int_eq(uname(&u), 0);
    ck_assert_ptr_nonnull(snap->kernel);
    ck_assert_str_eq(snap->kernel, u.release);
    ck_assert_int_eq(snap->kver, cm_kver_parse(u.release));
    ck_assert_int_eq(snap->api_version, 12); /* KVM_API_VERSION, fixed since 2.6.22 */
    ck_assert_int_eq(snap->arch, CM_ARCH_X86_64);
    ck_assert_int_eq(snap->kind, CM_KIND_HOST);
    ck_assert(!snap->partial);
    ck_assert(snap->probe_ms > 0.0);
    ck_assert_ptr_nonnull(snap->created);
    ck_assert_msg(strlen(snap->created) == 20 && snap->created[10] == 'T' && snap->created[19] == 'Z',
                  "created is not ISO 8601 UTC: %s", snap->created);
    ck_assert_ptr_nonnull(snap->host);
    ck_assert_str_eq(snap->source, "probe");
}
END_TEST

/* Leaf 0: the vendor KVM reports is the vendor of the CPU this test runs on
 * (KVM never changes the vendor; §C.2: GenuineIntel under PVM here). */
START_TEST(test_cpuid_vendor)
{
    unsigned a, b, c, d;
    ck_assert(__get_cpuid(0, &a, &b, &c, &d));
    const struct cm_cpuid_entry *e = cm_snapshot_find_cpuid(snap, 0, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_gt(e->eax, 0);
    char hw[13], kv[13];
    memcpy(hw, &b, 4), memcpy(hw + 4, &d, 4), memcpy(hw + 8, &c, 4), hw[12] = 0;
    memcpy(kv, &e->ebx, 4), memcpy(kv + 4, &e->edx, 4), memcpy(kv + 8, &e->ecx, 4), kv[12] = 0;
    ck_assert_str_eq(kv, hw);
    /* 0x40000000 carries KVM's own signature "KVMKVMKVM\0\0\0" */
    const struct cm_cpuid_entry *h = cm_snapshot_find_cpuid(snap, 0x40000000, 0);
    ck_assert_ptr_nonnull(h);
    char sig[13];
    memcpy(sig, &h->ebx, 4), memcpy(sig + 4, &h->ecx, 4), memcpy(sig + 8, &h->edx, 4), sig[12] = 0;
    ck_assert_str_eq(sig, "KVMKVMKVM");
}
END_TEST

/* The probe's table equals a fresh KVM_GET_SUPPORTED_CPUID of the test's
 * own, except the APIC ids of whichever host CPU ran the ioctl (Intel SDM:
 * CPUID.1:EBX[31:24], CPUID.0xB/0x1F:EDX; AMD CPUID.0x8000001E:EAX), which
 * the probe zeroes so that two probes of one host are identical. */
static uint32_t apic_id_bits(uint32_t fn, int reg)
{
    if (fn == 1 && reg == 1)
        return 0xff000000u;
    if ((fn == 0xb || fn == 0x1f) && reg == 3)
        return ~0u;
    if (fn == 0x8000001e && reg == 0)
        return ~0u;
    return 0;
}

START_TEST(test_cpuid_table_fresh)
{
    int fd = kvm_fd();
    size_t n = 1024;
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
    c->nent = (uint32_t)n;
    ck_assert_int_eq(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), 0);
    ck_assert_uint_eq(c->nent, snap->ncpuid);
    for (uint32_t i = 0; i < c->nent; i++) {
        const struct cm_cpuid_entry *e = &snap->cpuid[i];
        ck_assert_uint_eq(e->function, c->entries[i].function);
        ck_assert_uint_eq(e->index, c->entries[i].index);
        ck_assert_uint_eq(e->flags, c->entries[i].flags);
        uint32_t sv[4] = {e->eax, e->ebx, e->ecx, e->edx};
        uint32_t kv[4] = {c->entries[i].eax, c->entries[i].ebx, c->entries[i].ecx, c->entries[i].edx};
        for (int r = 0; r < 4; r++) {
            uint32_t m = apic_id_bits(e->function, r);
            ck_assert_msg((sv[r] & ~m) == (kv[r] & ~m), "CPUID 0x%x.%u reg %d: probe 0x%08x, fresh 0x%08x",
                          e->function, e->index, r, sv[r], kv[r]);
            ck_assert_uint_eq(sv[r] & m, 0);
        }
    }
    free(c);
    close(fd);
}
END_TEST

/* A too-small buffer gives E2BIG without updating nent (§C.2): the probe must
 * have grown and retried rather than stored a truncated table.  The test
 * checks the kernel fact the probe relies on. */
START_TEST(test_cpuid_e2big_fact)
{
    int fd = kvm_fd();
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 4 * sizeof(struct kvm_cpuid_entry2));
    c->nent = 4;
    ck_assert_int_eq(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), -1);
    ck_assert_int_eq(errno, E2BIG);
    ck_assert_uint_gt(snap->ncpuid, 4);
    free(c);
    close(fd);
}
END_TEST

START_TEST(test_feature_msr_10a)
{
    const struct cm_msr *m = cm_snapshot_find_msr(snap, 0x10a);
    ck_assert_msg(m, "IA32_ARCH_CAPABILITIES (0x10a) is not among the feature MSRs");
    int fd = kvm_fd();
    MSRS_ONE(b);
    b.h.entries[0].index = 0x10a;
    ck_assert_int_eq(ioctl(fd, KVM_GET_MSRS, &b), 1); /* the count processed */
    ck_assert_uint_eq(m->value, b.h.entries[0].data);
    /* every stored feature MSR is one KVM_GET_MSR_FEATURE_INDEX_LIST lists */
    MSR_LIST(256) l;
    memset(&l, 0, sizeof(l));
    l.h.nmsrs = 256;
    ck_assert_int_eq(ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &l), 0);
    ck_assert_uint_eq(l.h.nmsrs, snap->nmsrs);
    for (size_t i = 0; i < snap->nmsrs; i++) {
        bool listed = false;
        for (uint32_t j = 0; j < l.h.nmsrs; j++)
            listed |= l.h.indices[j] == snap->msrs[i].index;
        ck_assert_msg(listed, "feature MSR 0x%x not in KVM_GET_MSR_FEATURE_INDEX_LIST", snap->msrs[i].index);
    }
    close(fd);
}
END_TEST

/* The KVM rule the driver's decode rests on (x86.c kvm_set_msr_common,
 * kvm_do_msr_access): a host write of a non-zero IA32_ARCH_CAPABILITIES is
 * taken only when the vCPU's CPUID has arch_capabilities (7.0 EDX bit 29); a
 * write of 0 always is.  Checked on this host's own KVM, Intel or AMD. */
static int set_arch_cap(int vm, uint32_t id, bool flag, uint64_t value)
{
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, id);
    ck_assert_msg(vcpu >= 0, "KVM_CREATE_VCPU: %s", strerror(errno));
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + snap->ncpuid * sizeof(struct kvm_cpuid_entry2));
    c->nent = (uint32_t)snap->ncpuid;
    for (size_t i = 0; i < snap->ncpuid; i++) {
        const struct cm_cpuid_entry *e = &snap->cpuid[i];
        c->entries[i] = (struct kvm_cpuid_entry2){.function = e->function, .index = e->index, .flags = e->flags,
                                                  .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx};
        if (e->function == 7 && e->index == 0)
            c->entries[i].edx = flag ? e->edx | (1u << 29) : e->edx & ~(1u << 29);
    }
    ck_assert_int_eq(ioctl(vcpu, KVM_SET_CPUID2, c), 0);
    free(c);
    MSRS_ONE(b);
    b.h.entries[0].index = 0x10a;
    b.h.entries[0].data = value;
    int r = ioctl(vcpu, KVM_SET_MSRS, &b); /* the number of MSRs taken */
    close(vcpu);
    return r;
}

START_TEST(test_arch_cap_write_rule)
{
    const struct cm_msr *m = cm_snapshot_find_msr(snap, 0x10a);
    const struct cm_cpuid_entry *l7 = cm_snapshot_find_cpuid(snap, 7, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(l7);
    int fd = kvm_fd(), vm = ioctl(fd, KVM_CREATE_VM, 0);
    ck_assert_msg(vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
    ck_assert_int_eq(set_arch_cap(vm, 0, false, 0), 1);
    if (m->value)
        ck_assert_int_eq(set_arch_cap(vm, 1, false, m->value), 0);
    if (l7->edx & (1u << 29))
        ck_assert_int_eq(set_arch_cap(vm, 2, true, m->value), 1);
    else
        fprintf(stderr, "note: this KVM does not offer arch_capabilities (7.0 EDX[29]): the model leaves "
                        "IA32_ARCH_CAPABILITIES out\n");
    /* and the driver agrees: the host's own vector has the word exactly when KVM offers the flag */
    struct cm_vector v;
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(snap, &v, &err) == 0, "%s", err.msg);
    long w = cm_vector_word_index(&v, 0x203000020000010aULL);
    if (w >= 0)
        ck_assert_int_eq(v.present[w] != 0, (l7->edx >> 29) & 1);
    cm_vector_free(&v);
    close(vm);
    close(fd);
}
END_TEST

START_TEST(test_msr_index_list_fresh)
{
    int fd = kvm_fd();
    MSR_LIST(4096) *l = calloc(1, sizeof(*l));
    l->h.nmsrs = 4096;
    ck_assert_int_eq(ioctl(fd, KVM_GET_MSR_INDEX_LIST, l), 0);
    ck_assert_uint_eq(l->h.nmsrs, snap->nmsr_index_list);
    for (uint32_t i = 0; i < l->h.nmsrs; i++)
        ck_assert_uint_eq(l->h.indices[i], snap->msr_index_list[i]);
    /* IA32_TSC (0x10) is saved/restored by every KVM */
    bool tsc = false;
    for (size_t i = 0; i < snap->nmsr_index_list; i++)
        tsc |= snap->msr_index_list[i] == 0x10;
    ck_assert(tsc);
    free(l);
    close(fd);
}
END_TEST

/* §C.1: KVM_CAP_ONE_REG = 1 on x86 from 6.18; IA32_APICBASE of a fresh vCPU
 * has the global enable bit 11 (and BSP bit 8 on vCPU 0). */
START_TEST(test_one_reg)
{
    const struct cm_cap *c = cm_snapshot_find_cap(snap, KVM_CAP_ONE_REG);
    ck_assert_ptr_nonnull(c);
    if (cm_kver_cmp(snap->kver, CM_KVER(6, 18)) < 0) {
        ck_assert_int_eq(c->sys, 0);
        fprintf(stderr, "note: kernel %s < 6.18: no x86 ONE_REG, register checks not run\n", snap->kernel);
        return;
    }
    ck_assert_int_eq(c->sys, 1);
    ck_assert(c->has_vm);
    ck_assert_int_eq(c->vm, 1);
    uint64_t apic = 0;
    ck_assert_msg(cm_snapshot_get_u64(snap, 0x203000020000001bULL, &apic), "IA32_APICBASE not in the snapshot");
    ck_assert_msg(apic & (1ull << 11), "IA32_APICBASE 0x%llx lacks the enable bit 11", (unsigned long long)apic);
    ck_assert_msg(apic & (1ull << 8), "vCPU 0 is not BSP: 0x%llx", (unsigned long long)apic);
    ck_assert_uint_eq(apic & 0xfffff000ull, 0xfee00000ull); /* the architectural default base */
    /* every MSR register is one the MSR index list names, or one of the two
     * a VMM carries in KVM_GET_SREGS (APIC base, EFER); TSC is volatile */
    for (size_t i = 0; i < snap->nregs; i++) {
        uint64_t id = snap->regs[i].id;
        if (!CM_X86_REG_IS_MSR(id))
            continue;
        bool listed = id == CM_X86_REG_MSR(0x1b) || id == CM_X86_REG_MSR(0xc0000080);
        for (size_t j = 0; j < snap->nmsr_index_list; j++)
            listed |= CM_X86_REG_MSR(snap->msr_index_list[j]) == id;
        ck_assert_msg(listed, "register 0x%016llx is not in KVM_GET_MSR_INDEX_LIST", (unsigned long long)id);
    }
    const struct cm_reg *tsc = cm_snapshot_find_reg(snap, CM_X86_REG_MSR(0x10));
    ck_assert_ptr_nonnull(tsc);
    ck_assert(tsc->flags & CM_REGF_VOLATILE);
}
END_TEST

/* Every recorded capability equals a fresh KVM_CHECK_EXTENSION on the system
 * fd and on a fresh VM fd (X2APIC_API differs between the two here, §C.2). */
START_TEST(test_caps_fresh)
{
    int fd = kvm_fd();
    int vm = ioctl(fd, KVM_CREATE_VM, 0);
    ck_assert_int_ge(vm, 0);
    ck_assert_uint_ge(snap->ncaps, 40);
    const struct cm_cap *x2 = cm_snapshot_find_cap(snap, KVM_CAP_X2APIC_API);
    ck_assert_ptr_nonnull(x2);
    ck_assert(x2->has_vm);
    for (size_t i = 0; i < snap->ncaps; i++) {
        const struct cm_cap *c = &snap->caps[i];
        long sys = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)c->id);
        long vmv = ioctl(vm, KVM_CHECK_EXTENSION, (unsigned long)c->id);
        if (sys < 0)
            sys = -errno;
        ck_assert_msg(c->sys == sys, "cap %u: recorded %lld, fresh %ld", c->id, (long long)c->sys, sys);
        ck_assert(c->has_vm);
        ck_assert_msg(c->vm == vmv, "cap %u (VM fd): recorded %lld, fresh %ld", c->id, (long long)c->vm, vmv);
        ck_assert_ptr_nonnull(cm_kvm_cap_name(c->id));
    }
    close(vm);
    close(fd);
}
END_TEST

/* Two probes of one host agree on everything but volatile registers. */
START_TEST(test_probe_stable)
{
    struct cm_snapshot *b = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_probe(NULL, &b, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(b->ncpuid, snap->ncpuid);
    ck_assert_int_eq(memcmp(b->cpuid, snap->cpuid, b->ncpuid * sizeof(*b->cpuid)), 0);
    ck_assert_uint_eq(b->ncaps, snap->ncaps);
    for (size_t i = 0; i < b->ncaps; i++) {
        ck_assert_uint_eq(b->caps[i].id, snap->caps[i].id);
        ck_assert_int_eq(b->caps[i].sys, snap->caps[i].sys);
        ck_assert_int_eq(b->caps[i].vm, snap->caps[i].vm);
        ck_assert_int_eq(b->caps[i].has_vm, snap->caps[i].has_vm);
    }
    ck_assert_uint_eq(b->nmsrs, snap->nmsrs);
    for (size_t i = 0; i < b->nmsrs; i++) {
        ck_assert_uint_eq(b->msrs[i].index, snap->msrs[i].index);
        ck_assert_uint_eq(b->msrs[i].value, snap->msrs[i].value);
    }
    ck_assert_uint_eq(b->nregs, snap->nregs);
    for (size_t i = 0; i < b->nregs; i++) {
        ck_assert_uint_eq(b->regs[i].id, snap->regs[i].id);
        ck_assert_uint_eq(b->regs[i].flags, snap->regs[i].flags);
        if (!(b->regs[i].flags & CM_REGF_VOLATILE))
            ck_assert_msg(b->words[b->regs[i].off] == snap->words[snap->regs[i].off], "register 0x%016llx differs",
                          (unsigned long long)b->regs[i].id);
    }
    cm_snapshot_free(b);
}
END_TEST

static void expect_probe_error(const char *dev, const char *needle)
{
    struct cm_probe_opts o = {.dev = dev};
    struct cm_snapshot *s = (struct cm_snapshot *)1;
    cm_error err = {0};
    ck_assert_int_eq(cm_probe(&o, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.msg, dev), "message does not name %s: %s", dev, err.msg);
    ck_assert_msg(strstr(err.msg, needle), "message lacks '%s': %s", needle, err.msg);
    ck_assert(err.code == CM_E_IO || err.code == CM_E_KVM);
}

START_TEST(test_errors)
{
    struct cm_probe_opts o = {.dev = "/nonexistent"};
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    ck_assert_int_eq(cm_probe(&o, &s, &err), -1);
    ck_assert_int_eq(err.code, CM_E_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent"));
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
    ck_assert_ptr_null(s);
    /* a char device that is not KVM */
    expect_probe_error("/dev/null", "not a KVM device");
    /* a regular file */
    char tmp[] = "/tmp/cm-probe-XXXXXX";
    int fd = mkstemp(tmp);
    ck_assert_int_ge(fd, 0);
    close(fd);
    expect_probe_error(tmp, "not a character device");
    unlink(tmp);
}
END_TEST

/* EACCES: an unprivileged user on a 0600 root /dev/kvm (a child drops to
 * nobody).  Only meaningful when we are root and the device is not
 * world-accessible. */
START_TEST(test_eacces)
{
    if (getuid() != 0 || access("/dev/kvm", R_OK | W_OK) != 0) {
        fprintf(stderr, "note: not root, EACCES case not run\n");
        return;
    }
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(10);
        if (open("/dev/kvm", O_RDWR) >= 0)
            _exit(11); /* world-accessible: nothing to test */
        struct cm_snapshot *s = NULL;
        cm_error err = {0};
        if (cm_probe(NULL, &s, &err) != -1 || s)
            _exit(1);
        if (err.code != CM_E_IO || !strstr(err.msg, "/dev/kvm") || !strstr(err.msg, "permission"))
            _exit(2);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    if (WEXITSTATUS(st) == 11)
        return;
    ck_assert_msg(WEXITSTATUS(st) == 0, "EACCES child failed with %d", WEXITSTATUS(st));
}
END_TEST

/* The JSON rendering keeps what the probe found. */
START_TEST(test_json_roundtrip)
{
    char *text = NULL;
    ck_assert_int_eq(cm_snapshot_to_json_string(snap, &text), 0);
    struct cm_snapshot *back = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_parse(text, strlen(text), "probe", &back, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(back->ncpuid, snap->ncpuid);
    ck_assert_uint_eq(back->nmsrs, snap->nmsrs);
    ck_assert_uint_eq(back->nregs, snap->nregs);
    ck_assert_uint_eq(back->ncaps, snap->ncaps);
    ck_assert_str_eq(back->kernel, snap->kernel);
    cm_snapshot_free(back);
    free(text);
}
END_TEST

/* ---- verify ---------------------------------------------------------------- */

static struct json_object *hexs(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof(b), "0x%x", v);
    return json_object_new_string(b);
}

/* A plan whose extra.cpuid is `t` (ncpuid entries). */
static void plan_with_table(struct cm_plan *p, const struct cm_cpuid_entry *t, size_t n)
{
    memset(p, 0, sizeof(*p));
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "function", hexs(t[i].function));
        json_object_object_add(o, "index", hexs(t[i].index));
        json_object_object_add(o, "flags", hexs(t[i].flags));
        json_object_object_add(o, "eax", hexs(t[i].eax));
        json_object_object_add(o, "ebx", hexs(t[i].ebx));
        json_object_object_add(o, "ecx", hexs(t[i].ecx));
        json_object_object_add(o, "edx", hexs(t[i].edx));
        json_object_array_add(arr, o);
    }
    p->extra = json_object_new_object();
    json_object_object_add(p->extra, "cpuid", arr);
}

static struct cm_cpuid_entry *table_copy(void)
{
    struct cm_cpuid_entry *t = malloc(snap->ncpuid * sizeof(*t));
    memcpy(t, snap->cpuid, snap->ncpuid * sizeof(*t));
    return t;
}

static struct cm_cpuid_entry *find(struct cm_cpuid_entry *t, uint32_t fn, uint32_t idx)
{
    for (size_t i = 0; i < snap->ncpuid; i++)
        if (t[i].function == fn && t[i].index == idx)
            return &t[i];
    return NULL;
}

/* Lowest set / clear bit of v within mask (-1 if none). */
static int pick_bit(uint32_t v, uint32_t mask, bool set)
{
    for (int b = 0; b < 32; b++)
        if ((mask >> b & 1) && ((v >> b & 1) == set))
            return b;
    return -1;
}

/* Bits KVM itself rewrites in a vCPU's CPUID (OSXSAVE, OSPKE, the APIC bit,
 * the XSAVE sizes of leaf 0xD): not part of what a model can fix. */
static uint32_t dynamic_bits(uint32_t fn, uint32_t idx, int reg)
{
    if (fn == 1 && reg == 2)
        return (1u << 27) | (1u << 3);
    if (fn == 1 && reg == 3)
        return 1u << 9;
    if (fn == 7 && idx == 0 && reg == 2)
        return 1u << 4;
    if (fn == 0xd && idx <= 1 && reg == 1)
        return ~0u;
    return 0;
}

/* The test's own KVM_SET_CPUID2 + KVM_GET_CPUID2 of table t: the number of
 * registers whose read-back differs outside the dynamic bits.  Upstream KVM
 * stores the table as given (0); this host's PVM backend reports its own
 * guest-visible CPUID instead, which verification must then flag. */
static size_t own_readback_diffs(const struct cm_cpuid_entry *t, size_t n)
{
    int fd = kvm_fd(), vm = ioctl(fd, KVM_CREATE_VM, 0);
    ck_assert_int_ge(vm, 0);
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    ck_assert_int_ge(vcpu, 0);
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 1024 * sizeof(struct kvm_cpuid_entry2));
    c->nent = (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        c->entries[i] = (struct kvm_cpuid_entry2){.function = t[i].function, .index = t[i].index,
                                                  .flags = t[i].flags, .eax = t[i].eax, .ebx = t[i].ebx,
                                                  .ecx = t[i].ecx, .edx = t[i].edx};
    ck_assert_int_eq(ioctl(vcpu, KVM_SET_CPUID2, c), 0);
    memset(c, 0, sizeof(*c) + 1024 * sizeof(struct kvm_cpuid_entry2));
    c->nent = 1024;
    ck_assert_int_eq(ioctl(vcpu, KVM_GET_CPUID2, c), 0);
    size_t diffs = 0;
    for (size_t i = 0; i < n; i++) {
        const struct kvm_cpuid_entry2 *g = NULL;
        for (uint32_t j = 0; j < n && !g; j++) /* the first n: some kernels leave nent as passed */
            if (c->entries[j].function == t[i].function && c->entries[j].index == t[i].index)
                g = &c->entries[j];
        ck_assert_ptr_nonnull(g);
        uint32_t gv[4] = {g->eax, g->ebx, g->ecx, g->edx}, tv[4] = {t[i].eax, t[i].ebx, t[i].ecx, t[i].edx};
        for (int r = 0; r < 4; r++)
            diffs += ((gv[r] ^ tv[r]) & ~dynamic_bits(t[i].function, t[i].index, r)) != 0;
    }
    free(c);
    close(vcpu);
    close(vm);
    close(fd);
    return diffs;
}

static size_t count_rule(const struct cm_reasons *mm, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < mm->n; i++)
        n += mm->v[i].rule && !strcmp(mm->v[i].rule, rule);
    return n;
}

START_TEST(test_verify_reduced_model)
{
    struct cm_cpuid_entry *t = table_copy();
    struct cm_cpuid_entry *l1 = find(t, 1, 0);
    ck_assert_ptr_nonnull(l1);
    /* clear two supported feature bits (not OSXSAVE 27 / hypervisor 31) */
    int b1 = pick_bit(l1->ecx, 0x77ffffffu, true), b2 = pick_bit(l1->edx, ~(1u << 9), true);
    ck_assert_int_ge(b1, 0);
    ck_assert_int_ge(b2, 0);
    l1->ecx &= ~(1u << b1);
    l1->edx &= ~(1u << b2);
    struct cm_plan p;
    plan_with_table(&p, t, snap->ncpuid);
    struct cm_reasons mm = {0};
    cm_error err = {0};
    int r = cm_verify_plan(&p, NULL, &mm, &err);
    ck_assert_msg(r != -1, "%s", err.msg);
    /* Nothing but read-back differences, and exactly the ones this test's
     * own SET/GET_CPUID2 of the same table shows (0 on upstream KVM). */
    size_t expect = own_readback_diffs(t, snap->ncpuid);
    for (size_t i = 0; i < mm.n; i++)
        fprintf(stderr, "%s: %s\n", expect ? "note (kernel rewrites CPUID)" : "unexpected", mm.v[i].text);
    ck_assert_uint_eq(count_rule(&mm, "readback"), expect);
    ck_assert_uint_eq(mm.n, expect);
    ck_assert_int_eq(r, expect ? 1 : 0);
    cm_reasons_free(&mm);
    cm_plan_free(&p);
    free(t);
}
END_TEST

/* A model bit the host's KVM neither supports nor emulates is refused. */
START_TEST(test_verify_bit_host_lacks)
{
    struct cm_cpuid_entry *t = table_copy();
    struct cm_cpuid_entry *l7 = find(t, 7, 0);
    ck_assert_ptr_nonnull(l7);
    const struct cm_cpuid_entry *em = NULL;
    for (size_t i = 0; i < snap->ncpuid_emulated; i++)
        if (snap->cpuid_emulated[i].function == 7 && snap->cpuid_emulated[i].index == 0)
            em = &snap->cpuid_emulated[i];
    int b = pick_bit(l7->ebx | (em ? em->ebx : 0), ~0u, false);
    ck_assert_msg(b >= 0, "the host offers every CPUID.7.0.EBX bit: pick another register");
    l7->ebx |= 1u << b;
    struct cm_plan p;
    plan_with_table(&p, t, snap->ncpuid);
    struct cm_reasons mm = {0};
    cm_error err = {0};
    ck_assert_int_eq(cm_verify_plan(&p, NULL, &mm, &err), 1);
    bool named = false;
    for (size_t i = 0; i < mm.n; i++)
        named |= mm.v[i].rule && !strcmp(mm.v[i].rule, "not-offered") && mm.v[i].reg_name &&
                 strstr(mm.v[i].reg_name, "0x7.0.EBX") && mm.v[i].want == l7->ebx;
    ck_assert_msg(named, "no not-offered reason for CPUID.0x7.0.EBX bit %d", b);
    cm_reasons_free(&mm);
    cm_plan_free(&p);
    free(t);
}
END_TEST

/* MSR writes: SYSENTER_CS takes 0x20 (§C.2); an MSR KVM does not know is refused. */
START_TEST(test_verify_msr_writes)
{
    if (cm_kver_cmp(snap->kver, CM_KVER(6, 18)) < 0)
        fprintf(stderr, "note: kernel < 6.18: MSR writes go through KVM_SET_MSRS\n");
    struct cm_plan p;
    plan_with_table(&p, snap->cpuid, snap->ncpuid);
    struct cm_write w[2] = {
        {.id = CM_X86_REG_MSR(0x174), .name = "IA32_SYSENTER_CS", .order = CM_ORDER_OTHER, .new_value = 0x20},
        {.id = CM_X86_REG_MSR(0x12345678), .name = "MSR_UNKNOWN", .order = CM_ORDER_OTHER, .new_value = 1},
    };
    p.writes = w;
    p.nwrites = 1;
    struct cm_reasons mm = {0};
    cm_error err = {0};
    size_t cpuid_diffs = own_readback_diffs(snap->cpuid, snap->ncpuid);
    ck_assert_int_eq(cm_verify_plan(&p, NULL, &mm, &err), cpuid_diffs ? 1 : 0);
    ck_assert_uint_eq(count_rule(&mm, "readback"), cpuid_diffs); /* CPUID only: the MSR took its value */
    ck_assert_uint_eq(mm.n, cpuid_diffs);
    cm_reasons_free(&mm);
    p.nwrites = 2;
    ck_assert_int_eq(cm_verify_plan(&p, NULL, &mm, &err), 1);
    ck_assert_uint_eq(count_rule(&mm, "write-refused"), 1);
    ck_assert_uint_eq(mm.n, cpuid_diffs + 1);
    bool named = false;
    for (size_t i = 0; i < mm.n; i++)
        named |= !strcmp(mm.v[i].rule, "write-refused") && !strcmp(mm.v[i].reg_name, "MSR_UNKNOWN");
    ck_assert(named);
    cm_reasons_free(&mm);
    p.writes = NULL;
    p.nwrites = 0;
    cm_plan_free(&p);
}
END_TEST

/* No table and no model: an input error, not a crash or a silent pass. */
START_TEST(test_verify_no_table)
{
    struct cm_plan p = {0};
    struct cm_reasons mm = {0};
    cm_error err = {0};
    ck_assert_int_eq(cm_verify_plan(&p, NULL, &mm, &err), -1);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "CPUID"));
}
END_TEST

/* With the x86 driver: the probed host as its own model verifies clean. */
START_TEST(test_verify_driver_model)
{
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_X86_64);
    if (!ops || !ops->encode) {
        fprintf(stderr, "note: x86_64 driver not built: driver-encoded verify not run\n");
        return;
    }
    struct cm_vector v;
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(snap, &v, &err) == 0, "%s", err.msg);
    struct cm_plan p = {0};
    struct cm_reasons mm = {0};
    int r = cm_verify_plan(&p, &v, &mm, &err);
    ck_assert_msg(r != -1, "%s", err.msg);
    for (size_t i = 0; i < mm.n; i++)
        fprintf(stderr, "note: %s\n", mm.v[i].text);
    /* the host's own model asks for nothing the host lacks; only a kernel
     * that rewrites CPUID (see test_verify_reduced_model) adds read-back notes */
    ck_assert_uint_eq(count_rule(&mm, "not-offered"), 0);
    ck_assert_uint_eq(count_rule(&mm, "vendor"), 0);
    ck_assert_uint_eq(count_rule(&mm, "set-refused"), 0);
    ck_assert_uint_eq(count_rule(&mm, "readback"), mm.n);
    ck_assert_int_eq(r, mm.n ? 1 : 0);
    cm_reasons_free(&mm);
    cm_vector_free(&v);
}
END_TEST

/* The x86 driver's pseudo-id of a CPUID output register (docs/x86_64.md:
 * arch 0x20, size U32, subleaf in 47:40, type 0xC0|reg in 39:32, leaf). */
#define DRIVER_CPUID_ID(leaf, sub, reg) \
    (0x2020000000000000ULL | ((uint64_t)(sub) << 40) | ((uint64_t)(0xC0u | (reg)) << 32) | (uint32_t)(leaf))

/* A model from the driver with one supported CPUID.7.0.EBX bit cleared
 * verifies without "not-offered"; with a bit the host lacks, it is refused. */
START_TEST(test_verify_driver_restricted)
{
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_X86_64);
    if (!ops || !ops->encode) {
        fprintf(stderr, "note: x86_64 driver not built: driver-restricted verify not run\n");
        return;
    }
    struct cm_vector v;
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(snap, &v, &err) == 0, "%s", err.msg);
    long w = cm_vector_word_index(&v, DRIVER_CPUID_ID(7, 0, 1));
    ck_assert_msg(w >= 0, "the driver has no CPUID.7.0.EBX word");
    const struct cm_cpuid_entry *l7 = cm_snapshot_find_cpuid(snap, 7, 0);
    ck_assert_ptr_nonnull(l7);
    ck_assert_uint_eq((uint32_t)v.val[w], l7->ebx); /* decoded from the probe */
    int have = pick_bit(l7->ebx, ~0u, true);
    ck_assert_int_ge(have, 0);

    v.val[w] &= ~(1ull << have);
    struct cm_plan p = {0};
    struct cm_reasons mm = {0};
    int r = cm_verify_plan(&p, &v, &mm, &err);
    ck_assert_msg(r != -1, "%s", err.msg);
    ck_assert_uint_eq(count_rule(&mm, "not-offered"), 0);
    ck_assert_uint_eq(count_rule(&mm, "readback"), mm.n);
    cm_reasons_free(&mm);

    const struct cm_cpuid_entry *em = NULL;
    for (size_t i = 0; i < snap->ncpuid_emulated; i++)
        if (snap->cpuid_emulated[i].function == 7 && snap->cpuid_emulated[i].index == 0)
            em = &snap->cpuid_emulated[i];
    int lacks = pick_bit(l7->ebx | (em ? em->ebx : 0), ~0u, false);
    ck_assert_int_ge(lacks, 0);
    v.val[w] |= 1ull << lacks;
    ck_assert_int_eq(cm_verify_plan(&p, &v, &mm, &err), 1);
    ck_assert_uint_eq(count_rule(&mm, "not-offered"), 1);
    cm_reasons_free(&mm);
    cm_vector_free(&v);
}
END_TEST

int main(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "SKIP: /dev/kvm not openable (%s): the live probe tests did NOT run\n", strerror(errno));
        return 77;
    }
    close(fd);
    cm_error err = {0};
    if (cm_probe(NULL, &snap, &err) < 0) {
        fprintf(stderr, "FAIL: cm_probe: %s\n", err.msg);
        return 1;
    }
    Suite *s = suite_create("probe_x86");
    TCase *tc = tcase_create("probe");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_identity);
    tcase_add_test(tc, test_cpuid_vendor);
    tcase_add_test(tc, test_cpuid_table_fresh);
    tcase_add_test(tc, test_cpuid_e2big_fact);
    tcase_add_test(tc, test_feature_msr_10a);
    tcase_add_test(tc, test_arch_cap_write_rule);
    tcase_add_test(tc, test_msr_index_list_fresh);
    tcase_add_test(tc, test_one_reg);
    tcase_add_test(tc, test_caps_fresh);
    tcase_add_test(tc, test_probe_stable);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_eacces);
    tcase_add_test(tc, test_json_roundtrip);
    suite_add_tcase(s, tc);
    TCase *tv = tcase_create("verify");
    tcase_set_timeout(tv, 60);
    tcase_add_test(tv, test_verify_reduced_model);
    tcase_add_test(tv, test_verify_bit_host_lacks);
    tcase_add_test(tv, test_verify_msr_writes);
    tcase_add_test(tv, test_verify_no_table);
    tcase_add_test(tv, test_verify_driver_model);
    tcase_add_test(tv, test_verify_driver_restricted);
    suite_add_tcase(s, tv);
    int rc = tl_run(s);
    cm_snapshot_free(snap);
    return rc;
}

#else

int main(void)
{
    fprintf(stderr, "SKIP: not an x86_64 host: the x86 live probe tests did NOT run\n");
    return 77;
}

#endif
