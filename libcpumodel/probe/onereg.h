/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Generic ONE_REG plumbing shared by the arm64 and riscv64 probes and plan
 * verifiers (H5b): KVM_GET_REG_LIST with the E2BIG retry, reading every listed
 * register of any size (up to U2048) into a snapshot, and the part of plan
 * verification that is the same on every arch (apply writes in KVM order,
 * read back, check vanishing registers and model values).
 * Only generic ioctls (linux/kvm.h) are used, so this builds on every arch.
 */
#ifndef CPUMODEL_PROBE_ONEREG_H
#define CPUMODEL_PROBE_ONEREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/error.h"
#include "cpumodel/negotiate.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/vector.h"

/* Largest register ONE_REG defines (U2048 = 256 bytes, arm64 SVE Z slices). */
#define CM_ONEREG_MAX_BYTES 256u

/* ioctl that retries on EINTR/EAGAIN */
int cm_onereg_ioctl(int fd, unsigned long req, void *arg);

/* KVM_GET_REG_LIST: *ids (caller frees) and *n.  Retries while KVM answers
 * E2BIG (it writes the needed count back). */
int cm_onereg_list(int vcpu_fd, uint64_t **ids, size_t *n, cm_error *err);

/* KVM_GET_ONE_REG / KVM_SET_ONE_REG of one register; `val` holds
 * cm_reg_words(id) little-endian words.  Return -errno on failure (no err). */
int cm_onereg_get(int vcpu_fd, uint64_t id, uint64_t *val);
int cm_onereg_set(int vcpu_fd, uint64_t id, const uint64_t *val);

/* Lists and reads every register into s (then cm_snapshot_finish).
 * is_volatile (may be NULL) flags run-to-run registers CM_REGF_VOLATILE. */
int cm_onereg_read_all(int vcpu_fd, struct cm_snapshot *s, bool (*is_volatile)(uint64_t id), cm_error *err);

/* The arch half of a verification. */
struct cm_verify_arch {
    const char *arch;
    /* true: the write is a compatibility check only and KVM keeps its own
     * value (arm64 SMCCC workaround levels), so the read-back is not compared */
    bool (*check_only)(uint64_t id);
    bool (*is_volatile)(uint64_t id);
};

/* Applies plan->writes on vcpu_fd ordered by enum cm_order (ID registers,
 * firmware, config, others; stable inside a class), then reads every
 * register back into *readback (may be NULL) and appends a reason to
 * `mismatches` for: a refused write ("write-refused", with errno), a
 * read-back differing from the written value ("readback"), a vanishing
 * register or a rollback register of class CM_RB_HIDDEN still listed
 * ("still-listed"), and, when model != NULL, a model
 * word whose read-back differs from the model ("model-value").
 * Returns 0 (all matched), 1 (mismatches), -1 on error. */
int cm_onereg_verify(int vcpu_fd, const struct cm_verify_arch *va, const struct cm_plan *plan,
                     const struct cm_vector *model, struct cm_reasons *mismatches, struct cm_snapshot **readback,
                     cm_error *err);

#endif
