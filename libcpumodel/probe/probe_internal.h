/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal interface between the common probe (probe_common.c) and the
 * per-arch probe files (probe_x86_64.c, probe_arm64.c, probe_riscv64.c,
 * verify_*.c).  Each arch file defines its `struct cm_probe_arch` on every
 * architecture; off its own arch the hooks are NULL (the code is #if'd out),
 * so the common code reports CM_E_NOTSUP instead of calling them.
 */
#ifndef CPUMODEL_PROBE_INTERNAL_H
#define CPUMODEL_PROBE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cpumodel/error.h"
#include "cpumodel/negotiate.h"
#include "cpumodel/probe.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/vector.h"

/* What the common code hands an arch hook. */
struct cm_probe_ctx {
    const struct cm_probe_opts *opts;
    const char *dev;       /* the device path, for messages */
    int kvm;               /* the system fd (/dev/kvm) */
    int vm;                /* a VM fd of type arch->vm_type created by the common code */
    struct cm_snapshot *s; /* being filled; caps, identity and kernel are already there */
};

/* A capability to record: number and uapi name (for display). */
struct cm_kvm_cap {
    uint32_t id;
    const char *name;
};

struct cm_probe_arch {
    enum cm_arch arch;
    unsigned long vm_type;          /* KVM_CREATE_VM type used for the probe VM */
    const struct cm_kvm_cap *caps;  /* arch capabilities, recorded with the generic ones */
    size_t ncaps;
    /* Fills the arch part of c->s (registers, CPUID, MSRs, masks…).  May
     * create vCPUs on c->vm.  Returns 0 or -1 with err set. */
    int (*probe)(struct cm_probe_ctx *c, cm_error *err);
    /* cm_verify_plan for this arch: `kvm` is the open system fd. */
    int (*verify)(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                  struct cm_reasons *mismatches, cm_error *err);
};

extern const struct cm_probe_arch cm_probe_arch_x86_64;
extern const struct cm_probe_arch cm_probe_arch_arm64;
extern const struct cm_probe_arch cm_probe_arch_riscv64;

/* ---- helpers (probe_common.c) ------------------------------------------- */

/* ioctl with EINTR retry.  On failure sets err to CM_E_KVM
 * "<what>: <strerror> (errno N)" and returns -1 with errno preserved;
 * otherwise the ioctl's (non-negative) return value. */
int cm_kvm_ioctl(int fd, unsigned long req, void *arg, const char *what, cm_error *err);
/* ioctl with EINTR retry, no error reporting: returns the result or -errno. */
long cm_kvm_ioctl_raw(int fd, unsigned long req, void *arg);
/* Opens the KVM device read-write, checks KVM_GET_API_VERSION == 12.
 * ENOENT / EACCES give CM_E_IO naming the path; an ioctl failure on a
 * device that is not KVM gives CM_E_KVM.  *api gets the version. */
int cm_kvm_open(const char *dev, int *api, cm_error *err);
int cm_kvm_create_vm(int kvm, unsigned long type, cm_error *err);
int cm_kvm_create_vcpu(int vm, unsigned long id, cm_error *err);

/* ---- x86_64, shared by probe_x86_64.c and verify_x86_64.c --------------- */
struct kvm_cpuid2;
/* KVM_GET_SUPPORTED_CPUID / KVM_GET_EMULATED_CPUID with grow-and-retry on
 * E2BIG; caller frees.  NULL with err set on failure. */
struct kvm_cpuid2 *cm_x86_get_cpuid(int kvm, unsigned long req, const char *what, cm_error *err);

#endif
