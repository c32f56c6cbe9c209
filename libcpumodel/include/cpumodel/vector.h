/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The feature vector: a host (or model) normalised for negotiation.  It is
 * self-contained (the snapshot may be freed): the values of the arch's feature
 * words, which words the host lists, the full sorted register list, and the
 * host facts enforceability needs (kernel version, init features, masks).
 */
#ifndef CPUMODEL_VECTOR_H
#define CPUMODEL_VECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/error.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/util.h"

struct cm_arch_ops;

struct cm_vector {
    const struct cm_arch_ops *ops;
    char *name;
    bool is_model;
    cm_kver kver;               /* host kernel; for models the oldest member's */
    bool has_vcpu_features;
    uint32_t vcpu_features;     /* arm64 init features the values were read with */
    uint64_t *masks;            /* arm64 writable masks (CM_ARM64_MASKS_LEN) or NULL */
    uint32_t host_flags;        /* arch-specific host facts (e.g. riscv host-has bits) */

    uint64_t *val;              /* ops->nwords values */
    uint8_t *present;           /* ops->nwords: 1 = the host lists/reports this word */
    uint8_t *novalue;           /* ops->nwords: 1 = present but no agreed value (identity differs) */

    uint64_t *reg_ids;          /* the complete register list, sorted */
    size_t nregs;
    bool reg_ids_borrowed;      /* reg_ids belongs to another vector that outlives this one
                                   (cm_vector_share_regs): never written, never freed here */
    const struct cm_snapshot *snap; /* optional back reference, may be NULL */
};

/* Decodes a snapshot with its arch's driver.  Fails on an unknown arch or
 * a snapshot the driver rejects (the error names the host). */
int cm_vector_from_snapshot(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err);
/* cm_vector_from_snapshot for snaps[0..n) into vecs[0..n), each content once:
 * a snapshot equal in content to an earlier one (cm_snapshot_same_content:
 * another host's file of the same kind) gets the earlier vector's copy under
 * its own name and snapshot, borrowing its register list (free all of vecs
 * together).  Returns how many vectors it made: n, or fewer with err set by
 * the first snapshot that failed (vecs[returned] is not made). */
size_t cm_vectors_from_snapshots(const struct cm_snapshot *const *snaps, size_t n, struct cm_vector *vecs,
                                 cm_error *err);
void cm_vector_init(struct cm_vector *v, const struct cm_arch_ops *ops, const char *name);
void cm_vector_copy(struct cm_vector *dst, const struct cm_vector *src);
void cm_vector_free(struct cm_vector *v);
/* When v's register list equals owner's, drops v's copy and borrows owner's
 * (owner must outlive v).  A fleet of 100,000 hosts of a few kinds then holds
 * a few lists instead of 100,000 (2.6 KiB each on arm64).  True if shared. */
bool cm_vector_share_regs(struct cm_vector *v, const struct cm_vector *owner);
bool cm_vector_has_reg(const struct cm_vector *v, uint64_t id);
/* Binary search in a sorted id list. */
bool cm_ids_has(const uint64_t *ids, size_t n, uint64_t id);
/* The list `host` presents under `model` (arch effective_regs, else its own
 * list, copied).  Caller frees *ids. */
void cm_vector_effective_regs(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids,
                              size_t *n);
/* Index of the word with this id, or -1. */
long cm_vector_word_index(const struct cm_vector *v, uint64_t id);
/* Bytes this vector holds on the heap (for the benchmark's memory figure). */
size_t cm_vector_heap_bytes(const struct cm_vector *v);

#endif
