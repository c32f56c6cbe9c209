/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 tables: ISA and SBI extensions (expanded from rv_isa_list.h), the
 * config registers, and the vector layout built from them.  Facts:
 * KVM-FACTS.md §B.1 (config register semantics) and §B.2 (extension ids,
 * disable/enable rules, SBI defaults).
 */
#include "rv_internal.h"
#include "rv_isa_list.h"

#define K(maj, min) CM_KVER(maj, min)

const struct rv_isa_ext rv_isa_exts[RV_NISA] = {
#define X(id_, name_, since_, from_, to_, cond_, early_, en_, letter_) \
    [id_] = {id_, #name_, since_, from_, to_, cond_, early_, en_, letter_},
    RV_ISA_EXTS(X)
#undef X
};

const struct rv_sbi_ext rv_sbi_exts[RV_NSBI] = {
#define X(id_, name_, since_, def_) [id_] = {id_, #name_, since_, def_},
    RV_SBI_EXTS(X)
#undef X
};

/* struct kvm_riscv_config: index, name, since, the extension that lists it,
 * and the kernel from which it is listed even without that extension.
 * Measured (tests/test_lab_migrate.sh, docs/migration-lab.md): on a host
 * without Zicbom/Zicboz, Debian's 7.2.13 lists zicbom_block_size and
 * zicboz_block_size (reading 0) where 6.12.107 lists neither; zicbop_block_size
 * follows Zicbop on both.  The first version between 6.13 and 7.2 is not
 * known, so 7.2 is the first one this table claims. */
const struct rv_config rv_configs[RV_NCONFIG] = {
    {RV_CFG_ISA,               "isa",               K(5, 16), -1, 0},
    {RV_CFG_ZICBOM_BLOCK_SIZE, "zicbom_block_size", K(6, 1),  11, K(7, 2)},
    {RV_CFG_MVENDORID,         "mvendorid",         K(6, 2),  -1, 0},
    {RV_CFG_MARCHID,           "marchid",           K(6, 2),  -1, 0},
    {RV_CFG_MIMPID,            "mimpid",            K(6, 2),  -1, 0},
    {RV_CFG_ZICBOZ_BLOCK_SIZE, "zicboz_block_size", K(6, 4),  12, K(7, 2)},
    {RV_CFG_SATP_MODE,         "satp_mode",         K(6, 6),  -1, 0},
    {RV_CFG_ZICBOP_BLOCK_SIZE, "zicbop_block_size", K(6, 18), 71, 0},
};

/* ---- fields ---------------------------------------------------------------
 * An ISA_EXT / SBI_EXT register is 0 or 1: one bit, AND-merged (the model
 * has an extension only if every host has it enabled). */
static const struct cm_field f_enabled[] = {
    {.name = "enabled", .shift = 0, .width = 1, .policy = CM_POL_BITMAP},
};

/* config.isa: the single-letter extensions KVM maps (kvm_isa_ext_arr); aux =
 * the ISA_EXT id + 1.  Other bits of 0..25 never appear in a guest isa (KVM
 * only sets letters it maps), so they stay raw. */
#define LETTER(l, bit, ext) {.name = #l, .shift = (bit), .width = 1, .policy = CM_POL_BITMAP, .aux = (ext) + 1}
static const struct cm_field f_isa[] = {
    LETTER(a, 0, 0), LETTER(c, 2, 1),  LETTER(d, 3, 2),  LETTER(f, 5, 3),
    LETTER(h, 7, 4), LETTER(i, 8, 5), LETTER(m, 12, 6), LETTER(v, 21, 15),
};

/* Block sizes: read-only, a write must equal the host's value (EINVAL). */
static const struct cm_field f_block[] = {
    {.name = "size", .shift = 0, .width = 64, .policy = CM_POL_EQUAL},
};
/* mvendorid/marchid/mimpid: identity; writable before the first run since 6.2. */
static const struct cm_field f_ident[] = {
    {.name = "value", .shift = 0, .width = 64, .policy = CM_POL_IDENTITY, .writable_since = K(6, 2)},
};
/* satp_mode: 8 Sv39 < 9 Sv48 < 10 Sv57; a guest given the smaller mode runs on
 * every member.  KVM only accepts the host's own value (see rv_enforce.c). */
static const struct cm_field f_satp[] = {
    {.name = "mode", .shift = 0, .width = 64, .policy = CM_POL_LOWER_SAFE},
};

#define WORD(id_, name_, f_, aux_) \
    {.id = (id_), .name = (name_), .fields = (f_), .nfields = CM_ARRAY_SIZE(f_), .order = CM_ORDER_CONFIG, .bits = 64, .aux = (aux_)}

const struct cm_word rv_words[RV_NWORDS] = {
    WORD(RV_CONFIG_ID(0), "config.isa", f_isa, 0),
    WORD(RV_CONFIG_ID(1), "config.zicbom_block_size", f_block, 1),
    WORD(RV_CONFIG_ID(2), "config.mvendorid", f_ident, 2),
    WORD(RV_CONFIG_ID(3), "config.marchid", f_ident, 3),
    WORD(RV_CONFIG_ID(4), "config.mimpid", f_ident, 4),
    WORD(RV_CONFIG_ID(5), "config.zicboz_block_size", f_block, 5),
    WORD(RV_CONFIG_ID(6), "config.satp_mode", f_satp, 6),
    WORD(RV_CONFIG_ID(7), "config.zicbop_block_size", f_block, 7),
#define X(id_, name_, since_, from_, to_, cond_, early_, en_, letter_) \
    WORD(RV_ISA_EXT_ID(id_), "ISA_EXT." #name_, f_enabled, id_),
    RV_ISA_EXTS(X)
#undef X
#define X(id_, name_, since_, def_) WORD(RV_SBI_EXT_ID(id_), "SBI_EXT." #name_, f_enabled, id_),
    RV_SBI_EXTS(X)
#undef X
};

_Static_assert(CM_ARRAY_SIZE(rv_words) == RV_NWORDS, "vector layout size");

const struct rv_isa_ext *rv_isa_by_letter(char letter)
{
    for (size_t i = 0; i < RV_NISA; i++)
        if (rv_isa_exts[i].letter == letter)
            return &rv_isa_exts[i];
    return NULL;
}

long rv_slot_of(uint64_t id)
{
    if ((id & CM_REG_ARCH_MASK) != CM_REG_RISCV || (id & CM_REG_SIZE_MASK) != RV_U64)
        return -1;
    unsigned t = rv_type(id), sub = rv_subtype(id), n = rv_num(id);
    if ((id & 0x00000000ffffffffULL) != (id & ~(CM_REG_ARCH_MASK | CM_REG_SIZE_MASK)))
        return -1; /* stray bits between size and type */
    if (t == RV_T_CONFIG && sub == 0 && n < RV_NCONFIG)
        return RV_SLOT_CONFIG + n;
    if (t == RV_T_ISA_EXT && sub == RV_SUB_SINGLE && n < RV_NISA)
        return RV_SLOT_ISA + n;
    if (t == RV_T_SBI_EXT && sub == RV_SUB_SINGLE && n < RV_NSBI)
        return RV_SLOT_SBI + n;
    return -1;
}

static bool in_window(cm_kver k, cm_kver from, cm_kver to)
{
    return from && cm_kver_cmp(k, from) >= 0 && (!to || cm_kver_cmp(k, to) < 0);
}

const char *rv_upper(const char *name, char *buf, size_t len)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++)
        buf[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    buf[i] = 0;
    return buf;
}

bool rv_isa_can_disable(const struct rv_isa_ext *e, cm_kver kver, bool (*host_has)(const void *ctx, unsigned ext),
                        const void *ctx, struct cm_buf *why)
{
    char kb[32], up[24];
    const char *uname = rv_upper(e->name, up, sizeof(up));
    kver = rv_eff_kver(kver);
    cm_kver_str(kver, kb, sizeof(kb));
    if (cm_kver_cmp(kver, RV_PER_EXT_RULES_KVER) < 0) {
        if (e->early)
            return true;
        if (why)
            cm_buf_printf(why, "%s cannot be disabled by KVM on Linux %s (before 6.1 only d, f and h can be "
                          "cleared, through config.isa)", uname, kb);
        return false;
    }
    if (in_window(kver, e->nodis_from, e->nodis_to)) {
        if (why)
            cm_buf_printf(why, "%s cannot be disabled by KVM on Linux %s (kvm_riscv_vcpu_isa_disable_allowed() "
                          "refuses it: KVM cannot trap or hide it, and writing 0 to its ISA_EXT register gives EINVAL)",
                          uname, kb);
        return false;
    }
    switch ((enum rv_dis_cond)e->dis_cond) {
    case RV_DC_NONE:
        return true;
    case RV_DC_SMSTATEEN:
        if (host_has && host_has(ctx, 23 /* SMSTATEEN */))
            return true;
        if (why)
            cm_buf_printf(why, "%s cannot be disabled by KVM on Linux %s on a host without Smstateen", uname, kb);
        return false;
    case RV_DC_HWAD:
        if (host_has && host_has(ctx, 65 /* SVADU */))
            return true;
        if (why)
            cm_buf_printf(why, "%s cannot be disabled by KVM on Linux %s without hardware A/D updating (Svadu)",
                          uname, kb);
        return false;
    }
    return false;
}
