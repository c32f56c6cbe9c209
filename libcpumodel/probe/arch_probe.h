/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 / riscv64 halves of the live probe and of plan verification (H5b).
 *
 * Hook used by probe_common.c (H5a): after opening /dev/kvm and creating the
 * VM (type 0), the common code calls cm_probe_arch_<arch>() which fills the
 * snapshot's arch part (caps, init features, registers, masks).  The common
 * cm_verify_plan() calls cm_verify_arch_<arch>().  On other arches these are
 * stubs returning CM_E_NOTSUP.
 */
#ifndef CPUMODEL_PROBE_ARCH_PROBE_H
#define CPUMODEL_PROBE_ARCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "cpumodel/negotiate.h"
#include "cpumodel/probe.h"
#include "cpumodel/snapshot.h"

int cm_probe_arch_arm64(int kvm_fd, int vm_fd, struct cm_snapshot *s, const struct cm_probe_opts *o, cm_error *err);
int cm_probe_arch_riscv64(int kvm_fd, int vm_fd, struct cm_snapshot *s, const struct cm_probe_opts *o,
                          cm_error *err);

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
bool cm_arm64_reg_volatile(uint64_t id);
#endif

int cm_verify_arch_arm64(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                         struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err);
int cm_verify_arch_riscv64(int kvm_fd, const struct cm_plan *plan, const struct cm_vector *model,
                           struct cm_reasons *mismatches, struct cm_snapshot **readback, cm_error *err);

#endif
