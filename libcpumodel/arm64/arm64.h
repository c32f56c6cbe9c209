/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private declarations of the arm64 driver (libcpumodel/arm64/).
 *
 * Vector layout (cm_arm64_words[], generated into idreg_table.c by
 * tools/gen_arm64_idregs.py):
 *   slots  0..55  the feature ID space op0=3 op1=0 CRn=0 CRm=1..7 op2=0..7
 *                 (slot = (CRm-1)*8 + op2), unallocated/hidden slots are RAZ words
 *   slot  56      CTR_EL0
 *   slots 57..59  MIDR_EL1, REVIDR_EL1, AIDR_EL1 (identity)
 *   slot  60      CLIDR_EL1
 *   slots 61..74  the CCSIDR demux values, CSSELR 0..13 (cache geometry, §A.5)
 *   slots 75..82  firmware: PSCI_VERSION, SMCCC_ARCH_WORKAROUND_1..3,
 *                 STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP, VENDOR_HYP_BMAP_2
 * Facts: docs/KVM-FACTS.md §A.
 */
#ifndef CPUMODEL_ARM64_PRIV_H
#define CPUMODEL_ARM64_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/arch.h"

#define CM_ARM64_NWORDS 83
extern const struct cm_word cm_arm64_words[CM_ARM64_NWORDS];

/* ONE_REG ids (KVM-FACTS §A.1) */
#define A64_SYSREG(op0, op1, crn, crm, op2)                                                                   \
    (0x6030000000130000ULL | ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | ((uint64_t)(crn) << 7) |   \
     ((uint64_t)(crm) << 3) | (uint64_t)(op2))
#define A64_GROUP(id) (((id) >> 16) & 0xfffULL)
#define A64_GROUP_CORE 0x10
#define A64_GROUP_DEMUX 0x11
#define A64_GROUP_SYSREG 0x13
#define A64_GROUP_FW 0x14
#define A64_GROUP_SVE 0x15
#define A64_GROUP_FW_BMAP 0x16
#define A64_FW_REG(r) (0x6030000000140000ULL | (r))
#define A64_FW_BMAP_REG(r) (0x6030000000160000ULL | (r))

#define A64_ID_AA64PFR0 A64_SYSREG(3, 0, 0, 4, 0)
#define A64_ID_AA64PFR1 A64_SYSREG(3, 0, 0, 4, 1)
#define A64_ID_AA64PFR2 A64_SYSREG(3, 0, 0, 4, 2)
#define A64_ID_AA64ZFR0 A64_SYSREG(3, 0, 0, 4, 4)
#define A64_ID_AA64DFR0 A64_SYSREG(3, 0, 0, 5, 0)
#define A64_ID_DFR0 A64_SYSREG(3, 0, 0, 1, 2)
#define A64_ID_AA64ISAR0 A64_SYSREG(3, 0, 0, 6, 0)
#define A64_ID_AA64ISAR1 A64_SYSREG(3, 0, 0, 6, 1)
#define A64_ID_AA64ISAR2 A64_SYSREG(3, 0, 0, 6, 2)
#define A64_ID_AA64MMFR3 A64_SYSREG(3, 0, 0, 7, 3)
#define A64_ID_AA64MMFR2 A64_SYSREG(3, 0, 0, 7, 2)
#define A64_CTR_EL0 A64_SYSREG(3, 3, 0, 0, 1)
#define A64_CLIDR_EL1 A64_SYSREG(3, 1, 0, 0, 1)
#define A64_CCSIDR(csselr) (0x6020000000110000ULL | (uint64_t)(csselr))
#define A64_CSSELR_SLOTS 14
#define A64_MIDR_EL1 A64_SYSREG(3, 0, 0, 0, 0)
#define A64_REVIDR_EL1 A64_SYSREG(3, 0, 0, 0, 6)
#define A64_AIDR_EL1 A64_SYSREG(3, 1, 0, 0, 7)
#define A64_OSLSR_EL1 A64_SYSREG(2, 0, 1, 1, 4) /* 0x603000000013808c */
#define A64_ZCR_EL1 A64_SYSREG(3, 0, 1, 2, 0)
#define A64_TCR2_EL1 A64_SYSREG(3, 0, 2, 0, 3)
#define A64_PIRE0_EL1 A64_SYSREG(3, 0, 10, 2, 2)
#define A64_PIR_EL1 A64_SYSREG(3, 0, 10, 2, 3)
#define A64_POR_EL1 A64_SYSREG(3, 0, 10, 2, 4)
#define A64_POR_EL0 A64_SYSREG(3, 3, 10, 2, 4)
#define A64_FPMR A64_SYSREG(3, 3, 4, 4, 2)
#define A64_SCTLR2_EL1 A64_SYSREG(3, 0, 1, 0, 3)

#define A64_PSCI_VERSION A64_FW_REG(0)
#define A64_WA1 A64_FW_REG(1)
#define A64_WA2 A64_FW_REG(2)
#define A64_WA3 A64_FW_REG(3)
#define A64_STD_BMAP A64_FW_BMAP_REG(0)
#define A64_STD_HYP_BMAP A64_FW_BMAP_REG(1)
#define A64_VENDOR_HYP_BMAP A64_FW_BMAP_REG(2)
#define A64_VENDOR_HYP_BMAP_2 A64_FW_BMAP_REG(3)

/* KVM_ARM_VCPU_INIT features[0] bits (KVM-FACTS §A.3.4) */
enum {
    A64_FEAT_POWER_OFF = 0,
    A64_FEAT_EL1_32BIT = 1,
    A64_FEAT_PSCI_0_2 = 2,
    A64_FEAT_PMU_V3 = 3,
    A64_FEAT_SVE = 4,
    A64_FEAT_PTRAUTH_ADDRESS = 5,
    A64_FEAT_PTRAUTH_GENERIC = 6,
    A64_FEAT_HAS_EL2 = 7,
    A64_FEAT_HAS_EL2_E2H0 = 8,
};
/* Both ptrauth bits must be requested (or left out) together, else EINVAL. */
#define A64_FEAT_PTRAUTH_MASK ((1u << A64_FEAT_PTRAUTH_ADDRESS) | (1u << A64_FEAT_PTRAUTH_GENERIC))

/* cm_word.aux: what kind of word it is (drives enforce/encode rules) */
enum a64_word_kind {
    A64_W_ID = 0,   /* feature ID space (VM-scoped, writable ID registers from 6.7) */
    A64_W_CTR,      /* CTR_EL0: invariant before 6.10, partly writable from 6.11 */
    A64_W_IMPID,    /* MIDR/REVIDR/AIDR: identity, writable only from 6.15 with cap 239 */
    A64_W_PSCI,     /* KVM_REG_ARM_PSCI_VERSION */
    A64_W_WA,       /* SMCCC_ARCH_WORKAROUND_1..3: writes are a check only, nothing stored */
    A64_W_BMAP,     /* hypercall service bitmaps (5.19) */
    A64_W_CACHE,    /* CLIDR_EL1, CCSIDR demux values: invariant up to 6.2, per-vCPU and writable from 6.3 */
};

/* Custom policies of identity / cache values and the PMU version (arm64_policies.c). */
extern const struct cm_custom_policy cm_arm64_value_policy;
extern const struct cm_custom_policy cm_arm64_pmu_policy;
#define A64_PMU_IMP_DEF 0xf

/* Identity and cache-geometry words (arm64_identity.c). */
enum cm_enforce a64_enforce_identity(const struct cm_vector *host, const struct cm_word *w, uint64_t want,
                                     struct cm_buf *why);
bool a64_pinned(const struct cm_vector *host, size_t slot);
uint32_t a64_write_needs_cap(size_t slot, const char **name);
bool a64_restore_ignored(const struct cm_vector *model, const struct cm_vector *host, size_t slot,
                         const struct cm_field *f, uint64_t want, struct cm_buf *why);
#define A64_N_FIELD_GROUPS 1
extern const struct cm_field_group a64_field_groups[A64_N_FIELD_GROUPS];

/* Custom policies for the firmware registers (arm64_firmware.c). */
extern const struct cm_custom_policy cm_arm64_psci_policy;
extern const struct cm_custom_policy cm_arm64_wa_policy;
extern const struct cm_custom_policy cm_arm64_wa2_policy;
/* PSCI versions and the first kernel that accepts each (0 = always). */
bool a64_psci_accepted(cm_kver kver, uint64_t version, cm_kver *since);
/* WORKAROUND_2 write mapping: {0,1} -> 0, {2,3} -> 3; false on an invalid encoding. */
bool a64_wa2_mapped(uint64_t v, uint64_t *mapped);

/* Slot of a word id, -1 if none. */
long a64_slot(uint64_t id);
/* KVM_ARM_GET_REG_WRITABLE_MASKS index of a sysreg id, -1 outside the range (§A.3.2). */
int a64_mask_index(uint64_t id);
/* Field of a word by name (NULL if none). */
const struct cm_field *a64_field(const struct cm_word *w, const char *name);

/* Field value meanings and MIDR implementers (value_table.c, generated from
 * data/arm64/field_values.md; looked up by arm64_values.c). */
struct a64_value_meaning {
    const char *word, *field;
    uint8_t value;
    const char *meaning;
};
extern const struct a64_value_meaning a64_value_meanings[];
extern const size_t a64_n_value_meanings;
struct a64_implementer {
    uint8_t code;
    const char *vendor;
};
extern const struct a64_implementer a64_implementers[];
extern const size_t a64_n_implementers;
/* The cm_arm64_ops.value_meaning hook. */
bool a64_value_meaning(const struct cm_word *w, const struct cm_field *f, uint64_t v, char *buf, size_t len);
/* The vendor of MIDR_EL1.Implementer code `code` ("Arm"), NULL if unknown. */
const char *a64_implementer_name(uint8_t code);

/* Init-feature effects (arm64_initfeat.c): which fields a feature controls
 * and the value they take when the feature is left out. */
struct a64_init_effect {
    uint32_t bit;        /* A64_FEAT_* */
    uint64_t word_id;
    const char *field;   /* NULL: the whole word (ZFR0 is RAZ without SVE) */
    uint64_t absent;     /* the field's value without the feature */
};
extern const struct a64_init_effect a64_init_effects[];
extern const size_t a64_n_init_effects;
bool a64_vcpu_has(const struct cm_vector *v, uint32_t bit);
/* Is init feature `bit` (present on host) left out in `model`? (every
 * controlled field of the model has the absent value and the host differs
 * somewhere) */
bool a64_feature_dropped(const struct cm_vector *host, const struct cm_vector *model, uint32_t bit);

/* Registers that exist only with an init feature (arm64_regsets.c). */
bool a64_reg_needs_feature(uint64_t id, uint32_t *bit);

/* The hooks of cm_arm64_ops (one file each). */
int a64_decode(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err);
int a64_encode(const struct cm_vector *model, struct cm_snapshot *out, cm_error *err);
enum cm_enforce a64_enforce(const struct cm_vector *host, size_t slot, const struct cm_field *f, uint64_t have,
                            uint64_t want, struct cm_buf *why, uint32_t *init_feature);
void a64_vanishing(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n);
enum cm_rollback a64_classify_missing(const struct cm_snapshot *host, const struct cm_vector *model, uint64_t id,
                                      const uint64_t *value, bool *write, uint64_t *write_value,
                                      struct cm_buf *why);
void a64_drop_init_feature(struct cm_vector *v, uint32_t bit);
const char *a64_reg_name(uint64_t id, char *buf, size_t len);
bool a64_reg_volatile(uint64_t id);
const char *a64_init_feature_name(uint32_t bit);
uint32_t a64_init_feature_group(uint32_t bit);
/* The KVM capability that says KVM offers init feature `bit` (0: none). */
uint32_t a64_init_feature_cap(uint32_t bit);
/* The init features a probe requests: PSCI 0.2, plus (when `all`) every
 * optional feature whose capability has_cap() confirms, whole groups only. */
uint32_t a64_init_features_offered(bool all, bool (*has_cap)(void *ctx, uint32_t cap), void *ctx);
/* `f` without the groups it holds only part of (KVM_ARM_VCPU_INIT: EINVAL). */
uint32_t a64_init_features_whole(uint32_t f);
bool a64_presented(const struct cm_vector *host, const struct cm_vector *model, size_t slot, uint64_t *value,
                   struct cm_buf *why);
void a64_effective_regs(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n);
void a64_effective_deps(uint64_t *mask);
/* The host bits a64_vanishing() / a64_feature_dropped() read (effective_deps). */
void a64_vanishing_deps(uint64_t *mask);
void a64_init_effect_deps(uint64_t *mask);

#endif
