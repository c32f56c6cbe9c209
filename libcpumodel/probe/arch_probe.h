/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 / riscv64 helpers of the live probe and of plan verification, beyond
 * the `struct cm_probe_arch` hooks of probe_internal.h: pieces the verifier
 * and the lab's /init (tests/lab/lab_init.c) share.  Off their arch these
 * return CM_E_NOTSUP.
 */
#ifndef CPUMODEL_PROBE_ARCH_PROBE_H
#define CPUMODEL_PROBE_ARCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "cpumodel/negotiate.h"
#include "cpumodel/probe.h"
#include "cpumodel/snapshot.h"
#include "probe/probe_internal.h"

/* Register count of a vCPU initialised with PSCI 0.2 only (a scratch VM of
 * its own: KVM ≥6.7 wants one feature set per VM).  For the lab tables. */
int cm_probe_arm64_base_count(int kvm_fd, size_t *n, cm_error *err);

/* The init features the probe uses on this host (PSCI 0.2 + every optional
 * feature KVM offers when `all`).  Verification starts from these. */
int cm_probe_arm64_features(int kvm_fd, bool all, uint32_t *features, cm_error *err);

#if defined(__aarch64__)
/* Creates vCPU 0 on vm_fd with KVM_ARM_PREFERRED_TARGET and `features`
 * (finalising SVE when it is one of them); returns the vCPU fd. */
int cm_arm64_vcpu_create(int vm_fd, uint32_t features, uint32_t *target, cm_error *err);
#endif

/* Plan verification on a scratch VM of this host (verify_<arch>.c): like the
 * cm_probe_arch hooks, plus the read-back snapshot (*readback, may be NULL). */
int cm_verify_arm64_ex(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                       struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err);
int cm_verify_riscv64_ex(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                         struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err);
/* The cm_probe_arch.verify hooks. */
int cm_verify_arm64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                    struct cm_reasons *mismatches, cm_error *err);
int cm_verify_riscv64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                      struct cm_reasons *mismatches, cm_error *err);

#endif
