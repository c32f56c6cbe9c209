/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architecture driver: one small struct of function pointers per arch
 * (libvirt src/cpu style).  Everything an arch knows lives in its directory
 * (libcpumodel/arm64, riscv64, x86_64) as tables; the common core
 * (baseline, compare, groups, plan) only calls through this struct.
 */
#ifndef CPUMODEL_ARCH_H
#define CPUMODEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/error.h"
#include "cpumodel/field.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/util.h"
#include "cpumodel/vector.h"

/* How a host can be brought from its own value to the model's value. */
enum cm_enforce {
    CM_ENF_SAME = 0,   /* nothing to do */
    CM_ENF_WRITE,      /* KVM_SET_ONE_REG (or KVM_SET_CPUID2) before the first KVM_RUN */
    CM_ENF_INIT_DROP,  /* leave a KVM_ARM_VCPU_INIT feature out (*init_feature says which) */
    CM_ENF_NO,         /* this host's kernel cannot present that value */
    CM_ENF_HOST_VALUE, /* identity / cache geometry the host cannot change: a freshly booted guest sees the
                          host's own value (harmless for a boot), a restore of another value is refused */
};

/* Fields KVM only offers all together or not at all (arm64 pointer
 * authentication: one vCPU feature, address and generic).  The merge keeps
 * the group only where every host has the same bits, else clears them all. */
struct cm_field_group_part {
    uint64_t word_id;
    uint64_t mask;
};
struct cm_field_group {
    const char *name;
    const struct cm_field_group_part *parts;
    size_t nparts;
};

/* A register the host lists but an older member kernel does not. */
enum cm_rollback {
    CM_RB_HIDDEN = 0,  /* goes away with a feature the model hides */
    CM_RB_DROPPABLE,   /* its value equals what the older kernel behaves as (after the plan's writes) */
    CM_RB_BLOCKING,    /* neither: migration to that kernel would fail or change the guest */
};

struct cm_arch_ops {
    enum cm_arch arch; /* its name and register prefix: the registry (core/arch_registry.c) */

    /* A restore writes each saved register with KVM_SET_ONE_REG, which fails
     * (ENOENT) for one the destination does not list: a VMM restoring every
     * saved register cannot get past a hidden or droppable register (arm64).
     * False where state is restored whole (x86: KVM_SET_CPUID2). */
    bool restore_fails_on_missing;

    /* Registers every CPU of the arch has: a host whose register list lacks one
     * runs a kernel that does not report ID registers (core/unreported.c). */
    const uint64_t *always_listed;
    size_t nalways_listed;

    /* The vector layout: slot i is words[i]. */
    const struct cm_word *words;
    size_t nwords;

    /* Completes a snapshot whose source gives no register list (x86: a
     * Firecracker dump or a pre-6.18 probe) with the arch's register view
     * (CPUID leaves, MSRs under their ONE_REG ids), so that register-list
     * differences between kernels are seen.  Idempotent.  May be NULL. */
    int (*complete)(struct cm_snapshot *s, cm_error *err);

    /* snapshot -> v->val / v->present (v is initialised, reg_ids filled by the core). */
    int (*decode)(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err);

    /* Writes a model vector back into a model snapshot: feature register
     * values (and on x86 the CPUID table / MSRs).  `out` already has the
     * model's register list (state registers flagged CM_REGF_NOVALUE). */
    int (*encode)(const struct cm_vector *model, struct cm_snapshot *out, cm_error *err);

    /* Can `host` present `want` instead of its own `have` for field f of word
     * `slot` (f == NULL: the word's raw bits)?  Explains the rule in `why`
     * (e.g. "ID_AA64ISAR1_EL1 is not writable before Linux 6.7").
     * For CM_ENF_INIT_DROP, *init_feature gets the feature bit. */
    enum cm_enforce (*enforce)(const struct cm_vector *host, size_t slot, const struct cm_field *f,
                               uint64_t have, uint64_t want, struct cm_buf *why, uint32_t *init_feature);

    /* After `host` is restricted to `model`, which of the host's registers
     * leave its KVM_GET_REG_LIST (FPMR, POR_EL1, TCR2_EL1, … on arm64)?
     * Appends ids to *ids (caller frees).  May be NULL. */
    void (*vanishing)(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n);

    /* The register list `host` presents once restricted to `model`: its own
     * list minus what vanishes, plus what appears (arm64: without SVE the
     * V0–V31 registers replace the SVE group).  Sorted, unique; caller frees.
     * May be NULL (the host's own list). */
    void (*effective_regs)(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids,
                           size_t *n);
    /* The host bits effective_regs() reads besides the register list, the
     * kernel version, the vCPU features and host_flags: ORs them into
     * mask[slot] (nwords entries).  Hosts that agree on all of these present
     * the same list under one model, so a merge of 10,000 hosts computes it
     * once per distinct host.  May be NULL (computed for every host). */
    void (*effective_deps)(uint64_t *mask);

    /* A register `host` lists and the model (an older member kernel) does not.
     * `value` is the host's value; on CM_RB_DROPPABLE the driver may ask for a
     * write first (*write = true, *write_value).  May be NULL (all blocking). */
    enum cm_rollback (*classify_missing)(const struct cm_snapshot *host, const struct cm_vector *model, uint64_t id,
                                         const uint64_t *value, bool *write, uint64_t *write_value,
                                         struct cm_buf *why);

    /* Values KVM derives per VM from other values instead of storing a write
     * (arm64 from Linux 6.12: SMCCC_ARCH_WORKAROUND_2 follows the VM's
     * ID_AA64PFR1_EL1.SSBS).  Sets *value to what `host` presents in word
     * `slot` once restricted to `model` (its own value when nothing follows)
     * and returns true; returns false when the probed values cannot tell,
     * with the reason in `why` (the word is then an error until verified on
     * the host).  May be NULL (every word presents the host's own value). */
    bool (*presented)(const struct cm_vector *host, const struct cm_vector *model, size_t slot, uint64_t *value,
                      struct cm_buf *why);

    /* Can `host`'s KVM not change word `slot` at all (an invariant identity or
     * cache register)?  The merge then takes a value such a host has, so the
     * others can write it.  Used for words flagged CM_WORDF_PINNABLE.  May be NULL. */
    bool (*pinned)(const struct cm_vector *host, size_t slot);

    /* The host cannot provide `want` for field f of word `slot`, yet KVM
     * accepts a restore of it and presents its own value (a field newer
     * kernels hide and deliberately accept the value older kernels exposed
     * for, so that the migration works; the guest stops seeing the feature).
     * `model` is the guest's side (source).  Says what the guest loses in
     * `why`.  May be NULL. */
    bool (*restore_ignored)(const struct cm_vector *model, const struct cm_vector *host, size_t slot,
                            const struct cm_field *f, uint64_t want, struct cm_buf *why);

    /* All-or-nothing field groups (see struct cm_field_group). */
    const struct cm_field_group *groups;
    size_t ngroups;

    /* A VM capability the VMM must enable before creating vCPUs so that a
     * write of word `slot` is accepted (arm64 identity registers: 239); 0
     * none.  *name gets its name. */
    uint32_t (*write_needs_cap)(size_t slot, const char **name);

    /* Applies the effect of leaving init feature `bit` out to a vector
     * (zeroes the fields it controls).  Used to verify plans.  May be NULL. */
    void (*drop_init_feature)(struct cm_vector *v, uint32_t bit);

    /* Names: "ID_AA64PFR0_EL1", "x3", "ISA_EXT.zba"…; unknown ids get a generic
     * rendering ("S3_0_C0_C4_0", "0x…").  Always returns buf. */
    const char *(*reg_name)(uint64_t id, char *buf, size_t len);
    bool (*reg_volatile)(uint64_t id);
    const char *(*init_feature_name)(uint32_t bit); /* may be NULL */

    /* Init features that KVM only accepts together (arm64: both pointer-auth
     * bits): the mask of bits that must be left out with `bit`.  May be NULL. */
    uint32_t (*init_feature_group)(uint32_t bit);

    /* Optional extra plan output (x86: the CPUID table for KVM_SET_CPUID2).
     * Returns a json_object or NULL. */
    struct json_object *(*plan_extra)(const struct cm_vector *model, const struct cm_snapshot *host);
};

const struct cm_arch_ops *cm_arch_ops(enum cm_arch arch); /* NULL when no driver */

/* Drivers (each arch directory defines one). */
extern const struct cm_arch_ops cm_arm64_ops;
extern const struct cm_arch_ops cm_riscv64_ops;
extern const struct cm_arch_ops cm_x86_64_ops;

#endif
