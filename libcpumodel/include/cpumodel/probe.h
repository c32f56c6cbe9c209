/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live probe: reads this host's KVM (libc + ioctls, no VMM) into a
 * snapshot, and verifies a restriction plan on a scratch VM/vCPU.
 * Common code in libcpumodel/probe/probe_common.c; one file per arch
 * (probe_x86_64.c, probe_arm64.c, probe_riscv64.c), each compiled to a stub
 * on other arches.  Constants newer than the installed uapi headers live in
 * cpumodel/kvm_compat.h only.
 */
#ifndef CPUMODEL_PROBE_H
#define CPUMODEL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumodel/error.h"
#include "cpumodel/negotiate.h"
#include "cpumodel/snapshot.h"

struct cm_probe_opts {
    const char *dev;        /* default "/dev/kvm" */
    const char *host_name;  /* default: gethostname() */
    bool arm64_all_features;/* arm64: read registers with every optional init feature KVM offers
                               (PSCI 0.2, PMUv3, SVE + finalize, ptrauth) — the default is true */
    bool quiet;
};

/* Probe exit/status codes, also the CLI's (see man/cpumodeld.8):
 *  CM_E_IO     no /dev/kvm (ENOENT) or no permission (EACCES)
 *  CM_E_KVM    an ioctl failed; the message names the ioctl and errno
 *  CM_E_NOTSUP unsupported KVM API version / arch
 * A probe that fails part-way never returns a snapshot (or returns one with
 * partial = true only when opts ask for it — never presented as complete). */
int cm_probe(const struct cm_probe_opts *opts, struct cm_snapshot **out, cm_error *err);

/* Applies `plan` on a fresh scratch VM + vCPU of this host (before any
 * KVM_RUN), reads every register back and reports each register whose value
 * differs from the model, and every register the plan says vanishes but is
 * still listed.  Returns 0 when the read-back matches, 1 on mismatches (in
 * `mismatches`), -1 on error. */
int cm_verify_plan(const struct cm_plan *plan, const struct cm_vector *model, struct cm_reasons *mismatches,
                   cm_error *err);

/* The uapi name of a KVM capability number the probe records
 * ("KVM_CAP_ONE_REG"), or NULL when the probe tables do not know it. */
const char *cm_kvm_cap_name(uint32_t id);

#endif
