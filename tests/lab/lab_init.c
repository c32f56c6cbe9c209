/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /init of the lab's emulated arm64/riscv64 KVM hosts.
 *
 Cross-compiled statically together with the project's own probe code
 * (libcpumodel/probe/probe_common.c, probe_<arch>.c, verify_<arch>.c,
 * onereg.c and the json-free core files): cm_probe() itself runs here, so what runs inside the guest kernel is the real
 * probe talking to real KVM.  There is no json-c for the cross targets, so
 * the snapshot goes out on the console as lines that tests/lab/lab_convert.c
 * turns back into snapshot JSON on the build host:
 *
 *   CMLAB BEGIN <mode>            mode: probe | verify
 *   CMLAB META <key> <value...>   arch, kernel, host, api, features, target,
 *                                 base_regs, probe_ms
 *   CMLAB CAP <id> <sys> <has_vm 0|1> <vm>
 *   CMLAB REG <id> <flags> <value, full width, hex, most significant first>
 *   CMLAB FACT <name> <0x value>  probe facts (snapshot.h, e.g. arm64.wa2_without_ssbs)
 *   CMLAB MASK <index> <value>    non-zero writable masks (after MASKS)
 *   CMLAB MASKS present
 *   CMLAB MISMATCH <rule> <id> <text>   (verify; rules in onereg.h)
 *   CMLAB END <status>            0 ok, 1 mismatches, else failure
 *   CMLAB ERROR <message>
 *
 * Kernel command-line words key=value arrive as environment variables:
 *   cmlab_mode=probe|verify  cmlab_host=<name>  cmlab_module=/kvm.ko (riscv)
 * verify reads the plan from /plan.txt and, when present, the model from
 * /model.txt (lab_lines.h format); it runs cm_verify_plan() (printing
 * "META verify_plan <rc> <mismatches>") and the arch verifier again to print
 * the read-back.  /plan.txt lines (written by lab_convert plan):
 *   DROP <hex init features>  WRITE <id> <value> <order> [name]  VANISH <id>
 *   HIDDEN <id> [name]   (a rollback register of class "hidden")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "cpumodel/negotiate.h"
#include "cpumodel/probe.h"
#include "cpumodel/snapshot.h"
#include "probe/arch_probe.h"
#include "probe/onereg.h"
#include "cpumodel/vector.h"
#include "lab_lines.h"
#include "lab_migrate.h"

#if defined(__aarch64__)
#define LAB_ARCH CM_ARCH_ARM64
#elif defined(__riscv)
#define LAB_ARCH CM_ARCH_RISCV64
#else
#define LAB_ARCH CM_ARCH_X86_64 /* builds on the host for a compile check only */
#endif

static void finish(int status)
{
    printf("CMLAB END %d\n", status);
    fflush(stdout);
    /* the console is a slow emulated UART: let it drain before powering off,
     * or the tail of the output is lost */
    tcdrain(STDOUT_FILENO);
    sync();
    if (getpid() == 1) {
        reboot(RB_POWER_OFF);
        for (;;)
            pause();
    }
    exit(status);
}

static void fail(const char *what, const cm_error *err)
{
    printf("CMLAB ERROR %s: %s\n", what, err ? err->msg : strerror(errno));
    finish(2);
}

static void setup(void)
{
    if (getpid() != 1)
        return;
    mkdir("/dev", 0755);
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    /* the initramfs has no device nodes: the console comes from devtmpfs */
    int c = open("/dev/console", O_RDWR);
    if (c >= 0) {
        dup2(c, 0);
        dup2(c, 1);
        dup2(c, 2);
        if (c > 2)
            close(c);
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
}

static void load_module(const char *path)
{
    if (!path || !*path)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) < 0) {
        if (errno != EEXIST)
            fail(path, NULL);
    }
    if (fd >= 0)
        close(fd);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int open_kvm(int *api)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        fail("/dev/kvm", NULL);
    *api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    return kvm;
}

static void do_probe(const char *host)
{
    cm_error err = {0};
    struct cm_probe_opts o = {.arm64_all_features = true, .host_name = host};
    struct cm_snapshot *s = NULL;
    double t0 = now_ms();
    if (cm_probe(&o, &s, &err) < 0)
        fail("probe", &err);
    double ms = now_ms() - t0;
    printf("CMLAB BEGIN probe\n");
    printf("CMLAB META probe_ms %.1f\n", ms);
#if defined(__aarch64__)
    int api, kvm = open_kvm(&api);
    size_t base = 0;
    if (cm_probe_arm64_base_count(kvm, &base, &err) < 0)
        fail("base-feature register count", &err);
    printf("CMLAB META base_regs %zu\n", base);
    close(kvm);
#endif
    lab_print_snapshot(stdout, "CMLAB ", s);
    cm_snapshot_free(s);
    finish(0);
}

/* /model.txt (lab_lines format, from `lab_convert model`) -> a vector, or
 * false when there is no model file. */
static bool read_model(const char *path, struct cm_snapshot **ms, struct cm_vector *v)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_UNKNOWN);
    char line[1100], msg[1100];
    cm_error err = {0};
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (lab_parse_line(s, line, msg, sizeof(msg)) < 0) {
            printf("CMLAB ERROR %s: %s\n", path, msg);
            finish(2);
        }
    }
    fclose(f);
    if (cm_snapshot_finish(s, &err) < 0 || cm_vector_from_snapshot(s, v, &err) < 0)
        fail(path, &err);
    *ms = s;
    return true;
}

static void print_mismatches(const char *what, const struct cm_reasons *m)
{
    for (size_t i = 0; i < m->n; i++)
        printf("CMLAB %s %s 0x%016llx %s\n", what, m->v[i].rule, (unsigned long long)m->v[i].reg, m->v[i].text);
}

static void do_verify(const char *host)
{
    cm_error err = {0};
    int api, kvm = open_kvm(&api);
    struct cm_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.host = cm_xstrdup(host);
    if (lab_read_plan("/plan.txt", &plan) < 0)
        fail("/plan.txt", NULL);
    struct cm_snapshot *ms = NULL;
    struct cm_vector model;
    bool have_model = read_model("/model.txt", &ms, &model);

    /* the library's entry point, as the daemon calls it */
    struct cm_reasons pub = {0};
    int rp = cm_verify_plan(&plan, have_model ? &model : NULL, &pub, &err);
    if (rp < 0)
        fail("cm_verify_plan", &err);

    /* the same on a second scratch VM, keeping the read-back to print */
    struct cm_reasons mism = {0};
    struct cm_snapshot *rb = NULL;
#if defined(__aarch64__)
    int r = cm_verify_arm64_ex(kvm, &plan, have_model ? &model : NULL, &mism, &rb, &err);
#else
    int r = cm_verify_riscv64_ex(kvm, &plan, have_model ? &model : NULL, &mism, &rb, &err);
#endif
    if (r < 0)
        fail("verify", &err);
    printf("CMLAB BEGIN verify\n");
    printf("CMLAB META writes %zu\n", plan.nwrites);
    printf("CMLAB META model %d\n", have_model);
    printf("CMLAB META verify_plan %d %zu\n", rp, pub.n);
    print_mismatches("MISMATCH", &mism);
    struct utsname u;
    uname(&u);
    rb->api_version = api;
    cm_snapshot_set_str(&rb->kernel, u.release);
    lab_print_snapshot(stdout, "CMLAB ", rb);
    cm_snapshot_free(rb);
    cm_reasons_free(&mism);
    cm_reasons_free(&pub);
    if (have_model) {
        cm_vector_free(&model);
        cm_snapshot_free(ms);
    }
    finish(r);
}

int main(void)
{
    setup();
    const char *mode = getenv("cmlab_mode"), *host = getenv("cmlab_host");
    if (!host)
        host = "lab";
    load_module(getenv("cmlab_module"));
    if (mode && !strcmp(mode, "verify"))
        do_verify(host);
    if (mode && (!strcmp(mode, "migsrc") || !strcmp(mode, "migdst"))) {
        int api, kvm = open_kvm(&api);
        lab_migrate(kvm, !strcmp(mode, "migdst"));
        finish(0);
    }
    do_probe(host);
    return 0;
}
