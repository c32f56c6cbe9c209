/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live probe, common part: opens /dev/kvm, records identity (kernel,
 * host, CPU, microcode, BIOS) and the capability table on the system fd and
 * on a VM fd, then hands over to this architecture's hook (probe_<arch>.c).
 * Only libc and KVM ioctls: no VMM, no helper processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cpumodel/kvm_compat.h"
#include "probe/probe_internal.h"

/* Capabilities every arch records (KVM-FACTS.md §D "Generic" plus the ones
 * whose VM-fd answer can differ).  One line per capability. */
static const struct cm_kvm_cap generic_caps[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
    {KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG"},
    {KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS"},
    {KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG"},
    {KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM"},
    {KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL"},
    {KVM_CAP_ENABLE_CAP_VM, "KVM_CAP_ENABLE_CAP_VM"},
    {KVM_CAP_CHECK_EXTENSION_VM, "KVM_CAP_CHECK_EXTENSION_VM"},
    {KVM_CAP_MULTI_ADDRESS_SPACE, "KVM_CAP_MULTI_ADDRESS_SPACE"},
    {KVM_CAP_MAX_VCPU_ID, "KVM_CAP_MAX_VCPU_ID"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
    {KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2"},
    {KVM_CAP_DIRTY_LOG_RING, "KVM_CAP_DIRTY_LOG_RING"},
    {KVM_CAP_BINARY_STATS_FD, "KVM_CAP_BINARY_STATS_FD"},
    {KVM_CAP_SYS_ATTRIBUTES, "KVM_CAP_SYS_ATTRIBUTES"},
    {KVM_CAP_DIRTY_LOG_RING_ACQ_REL, "KVM_CAP_DIRTY_LOG_RING_ACQ_REL"},
    {KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP"},
    {KVM_CAP_USER_MEMORY2, "KVM_CAP_USER_MEMORY2"},
    {KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES"},
    {KVM_CAP_GUEST_MEMFD, "KVM_CAP_GUEST_MEMFD"},
    {KVM_CAP_PRE_FAULT_MEMORY, "KVM_CAP_PRE_FAULT_MEMORY"},
    {KVM_CAP_GUEST_MEMFD_FLAGS, "KVM_CAP_GUEST_MEMFD_FLAGS"},
};

static const struct cm_probe_arch *host_arch(void)
{
#if defined(__x86_64__)
    return &cm_probe_arch_x86_64;
#elif defined(__aarch64__)
    return &cm_probe_arch_arm64;
#elif defined(__riscv) && __riscv_xlen == 64
    return &cm_probe_arch_riscv64;
#else
    return NULL;
#endif
}

const char *cm_kvm_cap_name(uint32_t id)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(generic_caps); i++)
        if (generic_caps[i].id == id)
            return generic_caps[i].name;
    const struct cm_probe_arch *a = host_arch();
    for (size_t i = 0; a && i < a->ncaps; i++)
        if (a->caps[i].id == id)
            return a->caps[i].name;
    return NULL;
}

long cm_kvm_ioctl_raw(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -(long)errno : r;
}

int cm_kvm_ioctl(int fd, unsigned long req, void *arg, const char *what, cm_error *err)
{
    long r = cm_kvm_ioctl_raw(fd, req, arg);
    if (r < 0) {
        int e = (int)-r;
        cm_fail(err, CM_E_KVM, "%s: %s (errno %d)", what, strerror(e), e);
        errno = e;
        return -1;
    }
    return (int)r;
}

int cm_kvm_open(const char *dev, int *api, cm_error *err)
{
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO)
            return cm_fail(err, CM_E_IO, "%s: %s (is KVM loaded?)", dev, strerror(e));
        if (e == EACCES || e == EPERM)
            return cm_fail(err, CM_E_IO, "%s: %s (no permission: run as root or as a member of the device's "
                           "group, usually 'kvm', and check its mode)", dev, strerror(e));
        return cm_fail(err, CM_E_IO, "%s: %s", dev, strerror(e));
    }
    /* A path that opens but is not the KVM device (a file, /dev/null…) must
     * say so rather than report a confusing ioctl failure later. */
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISCHR(st.st_mode)) {
        close(fd);
        return cm_fail(err, CM_E_IO, "%s: not a character device, so not the KVM device", dev);
    }
    long v = cm_kvm_ioctl_raw(fd, KVM_GET_API_VERSION, NULL);
    if (v < 0) {
        close(fd);
        return cm_fail(err, CM_E_KVM, "%s: KVM_GET_API_VERSION: %s (errno %ld): not a KVM device (char %u:%u)", dev,
                       strerror((int)-v), -v, major(st.st_rdev), minor(st.st_rdev));
    }
    if (v != KVM_API_VERSION) {
        close(fd);
        return cm_fail(err, CM_E_NOTSUP, "%s: KVM API version %ld, this program speaks %d", dev, v,
                       KVM_API_VERSION);
    }
    if (api)
        *api = (int)v;
    return fd;
}

int cm_kvm_create_vm(int kvm, unsigned long type, cm_error *err)
{
    int fd;
    /* KVM_CREATE_VM can fail transiently with EINTR while the kernel sets up
     * the address space; cm_kvm_ioctl retries that. */
    fd = cm_kvm_ioctl(kvm, KVM_CREATE_VM, (void *)type, "KVM_CREATE_VM", err);
    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

int cm_kvm_create_vcpu(int vm, unsigned long id, cm_error *err)
{
    int fd = cm_kvm_ioctl(vm, KVM_CREATE_VCPU, (void *)id, "KVM_CREATE_VCPU", err);
    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* ---- identity ------------------------------------------------------------ */

/* First line of a small sysfs/procfs file, without the newline; NULL if absent. */
static char *read_line(const char *path)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char buf[512];
    if (!fgets(buf, sizeof(buf), f))
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? cm_xstrdup(buf) : NULL;
}

/* The value of the first "key : value" line of /proc/cpuinfo with this key. */
static char *cpuinfo_value(const char *key)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return NULL;
    char line[1024];
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) || (line[kl] != ' ' && line[kl] != '\t' && line[kl] != ':'))
            continue;
        char *v = strchr(line, ':');
        if (!v)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        return v[0] ? cm_xstrdup(v) : NULL;
    }
    return NULL;
}

/* CPU identity per arch: x86 "model name"; arm64 MIDR_EL1 from sysfs (the
 * cpuinfo "CPU part" fields are a decoding of it); riscv the uarch/ids. */
static char *cpu_identity(void)
{
    char *v = cpuinfo_value("model name");
    if (v)
        return v;
    v = read_line("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1");
    if (v) {
        char *r = cm_xasprintf("MIDR_EL1 %s", v);
        free(v);
        return r;
    }
    v = cpuinfo_value("uarch");
    if (v)
        return v;
    _cleanup_free_ char *mv = cpuinfo_value("mvendorid");
    _cleanup_free_ char *ma = cpuinfo_value("marchid");
    _cleanup_free_ char *mi = cpuinfo_value("mimpid");
    if (mv || ma || mi)
        return cm_xasprintf("mvendorid %s marchid %s mimpid %s", mv ? mv : "?", ma ? ma : "?", mi ? mi : "?");
    return NULL;
}

static char *microcode(void)
{
    char *v = cpuinfo_value("microcode");
    return v ? v : read_line("/sys/devices/system/cpu/cpu0/microcode/version");
}

static char *bios_identity(void)
{
    _cleanup_free_ char *ver = read_line("/sys/class/dmi/id/bios_version");
    _cleanup_free_ char *date = read_line("/sys/class/dmi/id/bios_date");
    if (ver && date)
        return cm_xasprintf("%s %s", ver, date);
    if (ver)
        return cm_xstrdup(ver);
    return date ? cm_xasprintf("(no version) %s", date) : NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- capabilities -------------------------------------------------------- */

/* KVM_CHECK_EXTENSION returns the value, or fails (-EINVAL) for "not on this
 * fd"; a failure is recorded as the negative errno so nothing is lost. */
static void record_caps(struct cm_snapshot *s, int kvm, int vm, bool vm_ok, const struct cm_kvm_cap *caps,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cm_snapshot_find_cap(s, caps[i].id))
            continue;
        long sys = cm_kvm_ioctl_raw(kvm, KVM_CHECK_EXTENSION, (void *)(unsigned long)caps[i].id);
        long vmv = vm_ok ? cm_kvm_ioctl_raw(vm, KVM_CHECK_EXTENSION, (void *)(unsigned long)caps[i].id) : sys;
        cm_snapshot_add_cap(s, caps[i].id, sys, vm_ok, vmv);
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int cm_probe(const struct cm_probe_opts *opts, struct cm_snapshot **out, cm_error *err)
{
    static const struct cm_probe_opts defaults = {.arm64_all_features = true};
    if (!opts)
        opts = &defaults;
    const char *dev = opts->dev ? opts->dev : "/dev/kvm";
    *out = NULL;

    const struct cm_probe_arch *arch = host_arch();
    if (!arch || !arch->probe)
        return cm_fail(err, CM_E_NOTSUP, "%s: the live probe is not implemented for this architecture", dev);

    double t0 = now_ms();
    int api = 0;
    int kvm = cm_kvm_open(dev, &api, err);
    if (kvm < 0)
        return -1;

    _cleanup_snapshot_ struct cm_snapshot *s = cm_snapshot_new(arch->arch);
    int vm = -1, rc = -1;
    s->kind = CM_KIND_HOST;
    s->api_version = api;
    cm_snapshot_set_str(&s->source, "probe");

    struct utsname u;
    if (uname(&u) == 0) {
        cm_snapshot_set_str(&s->kernel, u.release);
        s->kver = cm_kver_parse(u.release);
    }
    if (opts->host_name) {
        cm_snapshot_set_str(&s->host, opts->host_name);
    } else {
        char hn[256] = "";
        if (gethostname(hn, sizeof(hn) - 1) == 0 && hn[0])
            cm_snapshot_set_str(&s->host, hn);
        else
            cm_snapshot_set_str(&s->host, u.nodename);
    }
    s->cpu = cpu_identity();
    s->microcode = microcode();
    s->bios = bios_identity();
    s->created = cm_now_iso8601();

    vm = cm_kvm_create_vm(kvm, arch->vm_type, err);
    if (vm < 0) {
        cm_fail_prefix(err, "%s", dev);
        goto out;
    }
    /* VM-fd answers exist only with KVM_CAP_CHECK_EXTENSION_VM (§D). */
    bool vm_ok = cm_kvm_ioctl_raw(kvm, KVM_CHECK_EXTENSION, (void *)(unsigned long)KVM_CAP_CHECK_EXTENSION_VM) > 0;
    record_caps(s, kvm, vm, vm_ok, generic_caps, CM_ARRAY_SIZE(generic_caps));
    record_caps(s, kvm, vm, vm_ok, arch->caps, arch->ncaps);

    struct cm_probe_ctx c = {.opts = opts, .dev = dev, .kvm = kvm, .vm = vm, .s = s};
    if (arch->probe(&c, err) < 0) {
        cm_fail_prefix(err, "%s", dev);
        goto out;
    }
    if (cm_snapshot_finish(s, err) < 0)
        goto out;
    {
        /* the arch's register view where KVM gives no list (x86 CPUID leaves) */
        const struct cm_arch_ops *ops = cm_arch_ops(s->arch);
        if (ops && ops->complete && ops->complete(s, err) < 0)
            goto out;
    }
    s->probe_ms = now_ms() - t0;
    *out = s;
    s = NULL;
    rc = 0;
out:
    close_fd(&vm);
    close_fd(&kvm);
    return rc;
}

int cm_verify_plan(const struct cm_plan *plan, const struct cm_vector *model, struct cm_reasons *mismatches,
                   cm_error *err)
{
    const char *dev = "/dev/kvm";
    const struct cm_probe_arch *arch = host_arch();
    if (!arch || !arch->verify)
        return cm_fail(err, CM_E_NOTSUP, "plan verification is not implemented for this architecture");
    if (model && model->ops && model->ops->arch != arch->arch)
        return cm_fail(err, CM_E_MISMATCH, "the model is for %s, this host is %s", cm_arch_name(model->ops->arch),
                       cm_arch_name(arch->arch));
    int kvm = cm_kvm_open(dev, NULL, err);
    if (kvm < 0)
        return -1;
    int r = arch->verify(kvm, dev, plan, model, mismatches, err);
    close(kvm);
    return r;
}
