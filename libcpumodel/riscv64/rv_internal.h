/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 driver internals: ONE_REG id layout (KVM-FACTS.md §B.1), the
 * extension tables and the vector layout.
 *
 * Vector layout (static, RV_NWORDS slots):
 *   [0, 8)    config registers by index (isa … zicbop_block_size)
 *   [8, 83)   ISA_EXT SINGLE registers, ext ids 0..74
 *   [83, 97)  SBI_EXT SINGLE registers, ids 0..13
 */
#ifndef CPUMODEL_RV_INTERNAL_H
#define CPUMODEL_RV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumodel/arch.h"

#define RV_REG_PREFIX 0x8000000000000000ULL
#define RV_TYPE_SHIFT 24
#define RV_TYPE_MASK 0x00000000ff000000ULL
#define RV_SUBTYPE_SHIFT 16
#define RV_SUBTYPE_MASK 0x0000000000ff0000ULL
#define RV_NUM_MASK 0x000000000000ffffULL

enum {
    RV_T_CONFIG = 0x01,
    RV_T_CORE = 0x02,
    RV_T_CSR = 0x03,
    RV_T_TIMER = 0x04,
    RV_T_FP_F = 0x05,
    RV_T_FP_D = 0x06,
    RV_T_ISA_EXT = 0x07,
    RV_T_SBI_EXT = 0x08,
    RV_T_VECTOR = 0x09,
    RV_T_SBI_STATE = 0x0a,
};
enum { RV_SUB_SINGLE = 0, RV_SUB_MULTI_EN = 1, RV_SUB_MULTI_DIS = 2 };
enum { RV_CSR_GENERAL = 0, RV_CSR_AIA = 1, RV_CSR_SMSTATEEN = 2 };
enum { RV_STATE_STA = 0, RV_STATE_FWFT = 1 };

#define RV_U32 0x0020000000000000ULL
#define RV_U64 0x0030000000000000ULL
#define RV_ID(size, type, sub, num) \
    (RV_REG_PREFIX | (size) | ((uint64_t)(type) << RV_TYPE_SHIFT) | ((uint64_t)(sub) << RV_SUBTYPE_SHIFT) | (uint64_t)(num))
#define RV_CONFIG_ID(i) RV_ID(RV_U64, RV_T_CONFIG, 0, i)          /* 0x8030000001000000 + i */
#define RV_ISA_EXT_ID(e) RV_ID(RV_U64, RV_T_ISA_EXT, RV_SUB_SINGLE, e) /* 0x8030000007000000 + e */
#define RV_SBI_EXT_ID(e) RV_ID(RV_U64, RV_T_SBI_EXT, RV_SUB_SINGLE, e) /* 0x8030000008000000 + e */
#define RV_TIMER_TIME_ID 0x8030000004000001ULL

static inline unsigned rv_type(uint64_t id) { return (unsigned)((id & RV_TYPE_MASK) >> RV_TYPE_SHIFT); }
static inline unsigned rv_subtype(uint64_t id) { return (unsigned)((id & RV_SUBTYPE_MASK) >> RV_SUBTYPE_SHIFT); }
static inline unsigned rv_num(uint64_t id) { return (unsigned)(id & RV_NUM_MASK); }
static inline bool rv_is_riscv(uint64_t id) { return (id & CM_REG_ARCH_MASK) == CM_REG_RISCV; }
/* The id without its size field: type/subtype/number compare equal across U32/U64. */
static inline uint64_t rv_nosize(uint64_t id) { return id & ~CM_REG_SIZE_MASK; }

/* config registers (struct kvm_riscv_config field order) */
enum {
    RV_CFG_ISA = 0,
    RV_CFG_ZICBOM_BLOCK_SIZE,
    RV_CFG_MVENDORID,
    RV_CFG_MARCHID,
    RV_CFG_MIMPID,
    RV_CFG_ZICBOZ_BLOCK_SIZE,
    RV_CFG_SATP_MODE,
    RV_CFG_ZICBOP_BLOCK_SIZE,
    RV_NCONFIG,
};

enum rv_dis_cond { RV_DC_NONE = 0, RV_DC_SMSTATEEN, RV_DC_HWAD };
enum rv_enable { RV_EN_HOST = 0, RV_EN_NEVER, RV_EN_COND };
enum rv_sbi_default { RV_SBI_ON = 0, RV_SBI_OFF, RV_SBI_PROBE };

struct rv_isa_ext {
    uint8_t id;
    const char *name;     /* lower case, as in the ISA string */
    cm_kver since;
    cm_kver nodis_from, nodis_to;
    uint8_t dis_cond;     /* enum rv_dis_cond */
    bool early;           /* disable-able through config.isa before 6.1 */
    uint8_t enable;       /* enum rv_enable */
    char letter;          /* config.isa bit for single letters, else 0 */
};

struct rv_sbi_ext {
    uint8_t id;
    const char *name;
    cm_kver since;
    uint8_t def; /* enum rv_sbi_default */
};

struct rv_config {
    uint8_t index;
    const char *name;
    cm_kver since;
    int8_t ext;   /* the ISA extension whose presence lists it (block sizes), -1 none */
    cm_kver listed_without_ext; /* from this kernel listed even with `ext` off (0: never) */
};

#define RV_NISA 75
#define RV_NSBI 14
#define RV_SLOT_CONFIG 0
#define RV_SLOT_ISA RV_NCONFIG
#define RV_SLOT_SBI (RV_SLOT_ISA + RV_NISA)
#define RV_NWORDS (RV_SLOT_SBI + RV_NSBI)

/* The newest kernel the tables describe (KVM-FACTS.md: 6.19 sources). */
#define RV_TABLE_KVER CM_KVER(6, 19)
/* Per-extension disable rules exist since 6.1; before, only d/f/h via config.isa. */
#define RV_PER_EXT_RULES_KVER CM_KVER(6, 1)
/* config mvendorid/marchid/mimpid are writable (before first run) since 6.2. */
#define RV_IDENT_WRITABLE_KVER CM_KVER(6, 2)

/* cm_vector.host_flags */
#define RV_HF_SET_HGATP 0x1u

extern const struct rv_isa_ext rv_isa_exts[RV_NISA];
extern const struct rv_sbi_ext rv_sbi_exts[RV_NSBI];
extern const struct rv_config rv_configs[RV_NCONFIG];
extern const struct cm_word rv_words[RV_NWORDS];

/* ISA extension by config.isa letter, or NULL. */
const struct rv_isa_ext *rv_isa_by_letter(char letter);

/* Can KVM on kernel `kver` clear extension `e` for a guest?  `host_has`
 * answers questions about the host's other extensions (by ext id).
 * Appends the reason to `why` when it cannot. */
bool rv_isa_can_disable(const struct rv_isa_ext *e, cm_kver kver, bool (*host_has)(const void *ctx, unsigned ext),
                        const void *ctx, struct cm_buf *why);

/* "zba" -> "ZBA" (the KVM_RISCV_ISA_EXT_* spelling used in messages) */
const char *rv_upper(const char *name, char *buf, size_t len);

/* Slot of a feature-word register, or -1. */
long rv_slot_of(uint64_t id);

/* Kernel version a vector/snapshot behaves as: unknown (0) = the table's newest. */
static inline cm_kver rv_eff_kver(cm_kver k) { return k ? k : RV_TABLE_KVER; }

const char *rv_reg_name(uint64_t id, char *buf, size_t len);
bool rv_reg_volatile(uint64_t id);

int rv_decode(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err);
int rv_encode(const struct cm_vector *model, struct cm_snapshot *out, cm_error *err);
enum cm_enforce rv_enforce(const struct cm_vector *host, size_t slot, const struct cm_field *f, uint64_t have,
                           uint64_t want, struct cm_buf *why, uint32_t *init_feature);
void rv_vanishing(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n);
enum cm_rollback rv_classify_missing(const struct cm_snapshot *host, const struct cm_vector *model, uint64_t id,
                                     const uint64_t *value, bool *write, uint64_t *write_value, struct cm_buf *why);

#endif
