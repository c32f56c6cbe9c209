/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 enforceability: can a host be made to present the model's value
 * (KVM_SET_ONE_REG before the first KVM_RUN), which registers leave its list
 * when it is restricted, and what to do with registers an older member
 * kernel does not have.  Rules: KVM-FACTS.md §B.1 (config register write
 * rules) and §B.2 (disable/enable rules per kernel, SBI write rules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rv_internal.h"

/* ---- what a host / model has --------------------------------------------- */

static bool vec_host_has(const void *ctx, unsigned ext)
{
    return cm_vector_has_reg(ctx, RV_ISA_EXT_ID(ext));
}

static bool snap_host_has(const void *ctx, unsigned ext)
{
    return cm_snapshot_find_reg(ctx, RV_ISA_EXT_ID(ext)) != NULL;
}

static bool word_valued(const struct cm_vector *v, size_t slot)
{
    return v->present[slot] && !v->novalue[slot];
}

/* Does the vector's guest get ISA extension `ext`?  An absent register means
 * no (KVM lists one per host-supported extension); single letters fall back to
 * config.isa when the ISA_EXT register is not there (pre-5.19 snapshots). */
static bool vec_isa_enabled(const struct cm_vector *v, unsigned ext)
{
    size_t slot = RV_SLOT_ISA + ext;
    if (word_valued(v, slot))
        return v->val[slot] & 1;
    if (v->present[slot])
        return false;
    char l = rv_isa_exts[ext].letter;
    if (l && word_valued(v, RV_SLOT_CONFIG + RV_CFG_ISA))
        return (v->val[RV_SLOT_CONFIG + RV_CFG_ISA] >> (l - 'a')) & 1;
    return false;
}

static bool vec_sbi_enabled(const struct cm_vector *v, unsigned ext)
{
    size_t slot = RV_SLOT_SBI + ext;
    return word_valued(v, slot) && (v->val[slot] & 1);
}

/* ---- enforce ---------------------------------------------------------------- */

static enum cm_enforce isa_enforce(const struct cm_vector *host, unsigned ext, uint64_t have, uint64_t want,
                                   struct cm_buf *why)
{
    const struct rv_isa_ext *e = &rv_isa_exts[ext];
    char up[24], kb[32];
    const char *uname = rv_upper(e->name, up, sizeof(up));
    cm_kver_str(rv_eff_kver(host->kver), kb, sizeof(kb));
    if (!want) { /* have = 1: hide it */
        if (rv_isa_can_disable(e, host->kver, vec_host_has, host, why)) {
            cm_buf_printf(why, "%s is disabled by writing 0 to ISA_EXT.%s before the first KVM_RUN (its register "
                          "stays listed)", uname, e->name);
            return CM_ENF_WRITE;
        }
        cm_buf_printf(why, "; this host cannot run a guest model without it");
        return CM_ENF_NO;
    }
    /* want = 1, have = 0: give the guest something it does not have by default */
    if (!cm_vector_has_reg(host, RV_ISA_EXT_ID(ext))) {
        if (cm_kver_cmp(rv_eff_kver(host->kver), e->since) < 0) {
            char sb[32];
            cm_buf_printf(why, "Linux %s does not know %s (KVM_RISCV_ISA_EXT_%s appeared in %s)", kb, uname, uname,
                          cm_kver_str(e->since, sb, sizeof(sb)));
        } else {
            cm_buf_printf(why, "this host does not have %s (KVM lists no ISA_EXT.%s register; enabling gives ENOENT)",
                          uname, e->name);
        }
        return CM_ENF_NO;
    }
    switch ((enum rv_enable)e->enable) {
    case RV_EN_NEVER:
        cm_buf_printf(why, "KVM never enables %s for a guest", uname);
        return CM_ENF_NO;
    case RV_EN_COND:
        /* KVM enables every extension it allows at vCPU creation, so a listed
         * extension that reads 0 on a fresh vCPU is one it refuses here. */
        cm_buf_printf(why, "KVM does not allow %s for guests on this host (it reads 0 on a fresh vCPU: %s)", uname,
                      ext == 15 ? "riscv_v_vstate_ctrl_user_allowed() is false"
                      : ext == 54 ? "the host lacks Ssaia" : "no hardware A/D updating");
        return CM_ENF_NO;
    case RV_EN_HOST:
        break;
    }
    cm_buf_printf(why, "%s is enabled by writing 1 to ISA_EXT.%s before the first KVM_RUN", uname, e->name);
    return CM_ENF_WRITE;
}

static enum cm_enforce sbi_enforce(const struct cm_vector *host, unsigned ext, uint64_t want, struct cm_buf *why)
{
    const struct rv_sbi_ext *e = &rv_sbi_exts[ext];
    char up[24];
    const char *uname = rv_upper(e->name, up, sizeof(up));
    if (want && !cm_vector_has_reg(host, RV_SBI_EXT_ID(ext))) {
        cm_buf_printf(why, "the SBI %s extension is unavailable on this host (no SBI_EXT.%s register; ENOENT)", uname,
                      e->name);
        return CM_ENF_NO;
    }
    cm_buf_printf(why, "SBI %s is %s by writing %d to SBI_EXT.%s before the first KVM_RUN (any SBI_EXT write "
                  "after it gives EBUSY)", uname, want ? "enabled" : "disabled", want ? 1 : 0, e->name);
    return CM_ENF_WRITE;
}

static enum cm_enforce config_enforce(const struct cm_vector *host, unsigned idx, const struct cm_field *f,
                                      uint64_t have, uint64_t want, struct cm_buf *why)
{
    char kb[32];
    cm_kver_str(rv_eff_kver(host->kver), kb, sizeof(kb));
    switch (idx) {
    case RV_CFG_ISA:
        if (f && f->aux)
            return isa_enforce(host, f->aux - 1, have, want, why);
        cm_buf_printf(why, "config.isa bits 0x%llx -> 0x%llx are letters KVM does not map to extensions; they "
                      "cannot be changed", (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    case RV_CFG_ZICBOM_BLOCK_SIZE:
    case RV_CFG_ZICBOZ_BLOCK_SIZE:
    case RV_CFG_ZICBOP_BLOCK_SIZE:
        cm_buf_printf(why, "config.%s is read-only: KVM accepts only the host's value %llu (writing %llu gives EINVAL)",
                      rv_configs[idx].name, (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    case RV_CFG_MVENDORID:
    case RV_CFG_MARCHID:
    case RV_CFG_MIMPID:
        if (cm_kver_cmp(rv_eff_kver(host->kver), RV_IDENT_WRITABLE_KVER) >= 0) {
            cm_buf_printf(why, "config.%s is written before the first KVM_RUN (writable since Linux 6.2)",
                          rv_configs[idx].name);
            return CM_ENF_WRITE;
        }
        cm_buf_printf(why, "config.%s is not writable on Linux %s (since 6.2)", rv_configs[idx].name, kb);
        return CM_ENF_NO;
    case RV_CFG_SATP_MODE:
        if ((host->host_flags & RV_HF_SET_HGATP) && want < have) {
            cm_buf_printf(why, "config.satp_mode is lowered to %llu with KVM_CAP_RISCV_SET_HGATP_MODE "
                          "(post-6.19, unverified)", (unsigned long long)want);
            return CM_ENF_WRITE;
        }
        if (want > have)
            cm_buf_printf(why, "this host's MMU supports satp mode %llu at most; the model needs %llu",
                          (unsigned long long)have, (unsigned long long)want);
        else
            cm_buf_printf(why, "KVM on Linux %s accepts only the host's satp mode %llu (writing %llu gives EINVAL; "
                          "lowering it needs KVM_CAP_RISCV_SET_HGATP_MODE, post-6.19, unverified)", kb,
                          (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    }
    cm_buf_printf(why, "unknown config register %u", idx);
    return CM_ENF_NO;
}

enum cm_enforce rv_enforce(const struct cm_vector *host, size_t slot, const struct cm_field *f, uint64_t have,
                           uint64_t want, struct cm_buf *why, uint32_t *init_feature)
{
    (void)init_feature;
    if (have == want)
        return CM_ENF_SAME;
    if (slot < RV_SLOT_ISA)
        return config_enforce(host, (unsigned)(slot - RV_SLOT_CONFIG), f, have, want, why);
    if (!f) {
        cm_buf_printf(why, "%s holds 0 or 1; bits 0x%llx -> 0x%llx cannot be written", rv_words[slot].name,
                      (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    }
    if (slot < RV_SLOT_SBI)
        return isa_enforce(host, (unsigned)(slot - RV_SLOT_ISA), have, want, why);
    if (slot < RV_NWORDS)
        return sbi_enforce(host, (unsigned)(slot - RV_SLOT_SBI), want, why);
    cm_buf_printf(why, "slot %zu is outside the riscv64 vector", slot);
    return CM_ENF_NO;
}

/* ---- registers that follow an extension ------------------------------------
 * KVM_GET_REG_LIST lists these only while the *guest* has the extension (the
 * vCPU's isa / SBI status), unlike the ISA_EXT/SBI_EXT registers themselves,
 * which stay listed whenever the host supports the extension (§B.1). */
struct rv_follow {
    int8_t isa, sbi;    /* the controlling ISA or SBI extension id (-1 none) */
    uint64_t mask, match; /* on the id without its size field */
    const char *what;
};
#define TMASK (RV_TYPE_MASK | CM_REG_ARCH_MASK)
#define TSMASK (RV_TYPE_MASK | RV_SUBTYPE_MASK | CM_REG_ARCH_MASK)
#define T(t) (RV_REG_PREFIX | ((uint64_t)(t) << RV_TYPE_SHIFT))
#define XMASK (~CM_REG_SIZE_MASK)
#define TS(t, s) (T(t) | ((uint64_t)(s) << RV_SUBTYPE_SHIFT))
static const struct rv_follow rv_follows[] = {
    {15, -1, TMASK,  T(RV_T_VECTOR),                         "vector CSRs and registers"},
    {3,  -1, TMASK,  T(RV_T_FP_F),                           "FP_F registers"},
    {2,  -1, TMASK,  T(RV_T_FP_D),                           "FP_D registers"},
    {14, -1, TSMASK, TS(RV_T_CSR, RV_CSR_AIA),               "AIA CSRs"},
    {23, -1, TSMASK, TS(RV_T_CSR, RV_CSR_SMSTATEEN),         "Smstateen CSRs"},
    {11, -1, XMASK,  T(RV_T_CONFIG) | RV_CFG_ZICBOM_BLOCK_SIZE, "config.zicbom_block_size"},
    {12, -1, XMASK,  T(RV_T_CONFIG) | RV_CFG_ZICBOZ_BLOCK_SIZE, "config.zicboz_block_size"},
    {71, -1, XMASK,  T(RV_T_CONFIG) | RV_CFG_ZICBOP_BLOCK_SIZE, "config.zicbop_block_size"},
    {-1, 10, TSMASK, TS(RV_T_SBI_STATE, RV_STATE_STA),       "SBI STA state registers"},
    {-1, 12, TSMASK, TS(RV_T_SBI_STATE, RV_STATE_FWFT),      "SBI FWFT state registers"},
};

static const struct rv_follow *follow_of(uint64_t id)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(rv_follows); i++)
        if ((rv_nosize(id) & rv_follows[i].mask) == (rv_follows[i].match & rv_follows[i].mask))
            return &rv_follows[i];
    return NULL;
}

/* Does restricting `host` to `model` turn the controlling extension off? */
static bool follow_turned_off(const struct rv_follow *fl, const struct cm_vector *host, const struct cm_vector *model)
{
    if (fl->isa >= 0)
        return vec_isa_enabled(host, (unsigned)fl->isa) && !vec_isa_enabled(model, (unsigned)fl->isa) &&
               rv_isa_can_disable(&rv_isa_exts[fl->isa], host->kver, vec_host_has, host, NULL);
    return vec_sbi_enabled(host, (unsigned)fl->sbi) && !vec_sbi_enabled(model, (unsigned)fl->sbi);
}

/* A block-size config register that kernel `k` lists with its extension off
 * (rv_configs[].listed_without_ext): it never leaves the list. */
static bool listed_without_ext(uint64_t id, cm_kver k)
{
    if (rv_type(id) != RV_T_CONFIG || rv_subtype(id) || rv_num(id) >= RV_NCONFIG)
        return false;
    cm_kver since = rv_configs[rv_num(id)].listed_without_ext;
    return since && cm_kver_cmp(rv_eff_kver(k), since) >= 0;
}

void rv_vanishing(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n)
{
    size_t cap = *n;
    for (size_t i = 0; i < host->nregs; i++) {
        const struct rv_follow *fl = follow_of(host->reg_ids[i]);
        if (!fl || listed_without_ext(host->reg_ids[i], host->kver) || !follow_turned_off(fl, host, model))
            continue;
        cm_grow(ids, &cap, *n + 1, sizeof(uint64_t));
        (*ids)[(*n)++] = host->reg_ids[i];
    }
}

/* ---- rollback: registers the model's (older) kernels do not list ----------- */

static cm_kver snap_kver(const struct cm_snapshot *s)
{
    return s->kver ? s->kver : cm_kver_parse(s->kernel);
}

static bool snap_isa_enabled(const struct cm_snapshot *s, unsigned ext)
{
    uint64_t v;
    return cm_snapshot_get_u64(s, RV_ISA_EXT_ID(ext), &v) && (v & 1);
}

static bool snap_sbi_enabled(const struct cm_snapshot *s, unsigned ext)
{
    uint64_t v;
    return cm_snapshot_get_u64(s, RV_SBI_EXT_ID(ext), &v) && (v & 1);
}

/* Why the model (or, in a compare, the destination host) lacks a register:
 * its oldest kernel predates it, or a member host does not have it. */
static void why_model_lacks(struct cm_buf *why, const struct cm_vector *model, const char *what, cm_kver since)
{
    char kb[32], sb[32];
    bool old = model->kver && since && cm_kver_cmp(model->kver, since) < 0;
    if (old && model->is_model)
        cm_buf_printf(why, "the model's oldest kernel, Linux %s, does not know %s (added in %s)",
                      cm_kver_str(model->kver, kb, sizeof(kb)), what, cm_kver_str(since, sb, sizeof(sb)));
    else if (old)
        cm_buf_printf(why, "%s runs Linux %s, which does not know %s (added in %s)", model->name,
                      cm_kver_str(model->kver, kb, sizeof(kb)), what, cm_kver_str(since, sb, sizeof(sb)));
    else if (model->is_model)
        cm_buf_printf(why, "a member of the model does not list %s", what);
    else
        cm_buf_printf(why, "%s does not list %s", model->name, what);
}

static enum cm_rollback isa_missing(const struct cm_snapshot *host, const struct cm_vector *model, unsigned ext,
                                    uint64_t value, bool *write, uint64_t *write_value, struct cm_buf *why)
{
    const struct rv_isa_ext *e = &rv_isa_exts[ext];
    char up[24], what[48];
    const char *uname = rv_upper(e->name, up, sizeof(up));
    snprintf(what, sizeof(what), "ISA_EXT.%s", e->name);
    if (!(value & 1)) {
        why_model_lacks(why, model, what, e->since);
        cm_buf_printf(why, "; it reads 0 here (the guest does not have %s), which is how a kernel without the "
                      "register behaves, so it can be left out of the migration stream", uname);
        return CM_RB_DROPPABLE;
    }
    if (vec_isa_enabled(model, ext)) {
        /* only possible through config.isa: a pre-5.19 member has the letter
         * but no ISA_EXT registers, and gives the guest the extension anyway */
        why_model_lacks(why, model, what, e->since);
        cm_buf_printf(why, "; the model has %s through config.isa, so the older kernel presents it without the "
                      "register", uname);
        return CM_RB_DROPPABLE;
    }
    if (rv_isa_can_disable(e, snap_kver(host), snap_host_has, host, why)) {
        *write = true;
        *write_value = 0;
        cm_buf_printf(why, "the plan disables %s (ISA_EXT.%s = 0 before the first KVM_RUN), which is how a host "
                      "without it behaves, so the register can be left out of the migration stream (", uname, e->name);
        why_model_lacks(why, model, what, e->since);
        cm_buf_printf(why, ")");
        return CM_RB_DROPPABLE;
    }
    cm_buf_printf(why, "; this host cannot run a guest model without it (");
    why_model_lacks(why, model, what, e->since);
    cm_buf_printf(why, ")");
    return CM_RB_BLOCKING;
}

static enum cm_rollback sbi_missing(const struct cm_vector *model, unsigned ext, uint64_t value, bool *write,
                                    uint64_t *write_value, struct cm_buf *why)
{
    const struct rv_sbi_ext *e = &rv_sbi_exts[ext];
    char what[48], kb[32];
    snprintf(what, sizeof(what), "SBI_EXT.%s", e->name);
    why_model_lacks(why, model, what, e->since);
    if (!(value & 1)) {
        cm_buf_printf(why, "; it reads 0 here (disabled), which is how a kernel without it behaves");
        return CM_RB_DROPPABLE;
    }
    /* Before 6.4 there were no SBI_EXT registers at all, but KVM already
     * provided the original extensions (believed: everything 6.4 lists as
     * enabled by default); a value of 1 matches that kernel. */
    if (model->kver && cm_kver_cmp(model->kver, CM_KVER(6, 4)) < 0 && e->def == RV_SBI_ON &&
        cm_kver_cmp(e->since, CM_KVER(6, 4)) == 0) {
        cm_buf_printf(why, "; Linux %s has no SBI_EXT registers but provides SBI %s unconditionally (believed), "
                      "so the register can be left out", cm_kver_str(model->kver, kb, sizeof(kb)), e->name);
        return CM_RB_DROPPABLE;
    }
    *write = true;
    *write_value = 0;
    cm_buf_printf(why, "; the plan disables it (SBI_EXT.%s = 0 before the first KVM_RUN), which is how a kernel "
                  "without it behaves", e->name);
    return CM_RB_DROPPABLE;
}

/* zicbom/zicboz_block_size on a kernel that lists them whatever the
 * extension (rv_configs[].listed_without_ext; measured in the migration lab:
 * Linux 7.2 lists both, reading 0, on a host without Zicbom/Zicboz, where
 * 6.12 lists neither).  A plan cannot make them leave the list, and a
 * destination that does not list them refuses a write with ENOENT.  Without
 * the extension in the guest the value means nothing to it, so the register
 * can be left out of the migration stream (DROPPABLE) -- which a VMM that
 * restores every saved register does not do. */
static enum cm_rollback block_size_missing(const struct cm_snapshot *host, const struct cm_vector *model, unsigned idx,
                                           struct cm_buf *why)
{
    const struct rv_config *c = &rv_configs[idx];
    const struct rv_isa_ext *e = &rv_isa_exts[c->ext];
    char what[48], up[24], kb[32];
    const char *uname = rv_upper(e->name, up, sizeof(up));
    snprintf(what, sizeof(what), "config.%s", c->name);
    why_model_lacks(why, model, what, c->since);
    if (vec_isa_enabled(model, (unsigned)c->ext)) {
        cm_buf_printf(why, "; the model gives the guest %s, whose block size the destination cannot present", uname);
        return CM_RB_BLOCKING;
    }
    /* the guest here keeps the extension when KVM cannot turn it off */
    if (snap_isa_enabled(host, (unsigned)c->ext) &&
        !rv_isa_can_disable(e, snap_kver(host), snap_host_has, host, NULL)) {
        cm_buf_printf(why, "; the guest keeps %s here (KVM cannot disable it on this host's kernel) and uses its "
                      "block size", uname);
        return CM_RB_BLOCKING;
    }
    cm_buf_printf(why, "; Linux %s lists it even with %s off (it reads 0 without the extension), so no plan makes it "
                  "leave the list; a guest without %s never uses it, so it can be left out of the migration stream, "
                  "but a VMM restoring every saved register gets ENOENT there",
                  cm_kver_str(rv_eff_kver(snap_kver(host)), kb, sizeof(kb)), uname, uname);
    return CM_RB_DROPPABLE;
}

enum cm_rollback rv_classify_missing(const struct cm_snapshot *host, const struct cm_vector *model, uint64_t id,
                                     const uint64_t *value, bool *write, uint64_t *write_value, struct cm_buf *why)
{
    char name[64];
    uint64_t val = value ? value[0] : 0;
    *write = false;
    rv_reg_name(id, name, sizeof(name));
    if (!rv_is_riscv(id)) {
        cm_buf_printf(why, "0x%016llx is not a RISC-V register", (unsigned long long)id);
        return CM_RB_BLOCKING;
    }
    unsigned t = rv_type(id), sub = rv_subtype(id), n = rv_num(id);
    if (t == RV_T_ISA_EXT && sub == RV_SUB_SINGLE && n < RV_NISA)
        return isa_missing(host, model, n, value ? val : 1, write, write_value, why);
    if (t == RV_T_SBI_EXT && sub == RV_SUB_SINGLE && n < RV_NSBI)
        return sbi_missing(model, n, value ? val : 1, write, write_value, why);

    if (listed_without_ext(id, snap_kver(host)))
        return block_size_missing(host, model, n, why);
    const struct rv_follow *fl = follow_of(id);
    if (fl) {
        why_model_lacks(why, model, name, t == RV_T_CONFIG && n < RV_NCONFIG ? rv_configs[n].since : 0);
        /* the plan's effect on the host: does the controlling extension go off? */
        bool on_host = fl->isa >= 0 ? snap_isa_enabled(host, (unsigned)fl->isa) : snap_sbi_enabled(host, (unsigned)fl->sbi);
        bool in_model = fl->isa >= 0 ? vec_isa_enabled(model, (unsigned)fl->isa) : vec_sbi_enabled(model, (unsigned)fl->sbi);
        bool can = fl->isa < 0 || rv_isa_can_disable(&rv_isa_exts[fl->isa], snap_kver(host), snap_host_has, host, NULL);
        if (!on_host || (!in_model && can)) {
            cm_buf_printf(why, "; %s leave the list once the %s extension is off", fl->what,
                          fl->isa >= 0 ? rv_isa_exts[fl->isa].name : rv_sbi_exts[fl->sbi].name);
            return CM_RB_HIDDEN;
        }
        cm_buf_printf(why, "; it stays listed because %s stays enabled%s", fl->isa >= 0 ? rv_isa_exts[fl->isa].name
                      : rv_sbi_exts[fl->sbi].name, can ? "" : " (KVM cannot disable it on this host's kernel)");
        return CM_RB_BLOCKING;
    }
    if (t == RV_T_CONFIG && sub == 0 && n < RV_NCONFIG) {
        why_model_lacks(why, model, name, rv_configs[n].since);
        switch (n) {
        case RV_CFG_MVENDORID:
        case RV_CFG_MARCHID:
        case RV_CFG_MIMPID:
            cm_buf_printf(why, "; a kernel without it shows the guest that host's own value (identity, not a "
                          "capability), so it can be left out");
            return CM_RB_DROPPABLE;
        case RV_CFG_SATP_MODE:
            if (val == 8) {
                cm_buf_printf(why, "; the guest uses Sv39 (8), which every rv64 host provides");
                return CM_RB_DROPPABLE;
            }
            cm_buf_printf(why, "; satp mode %llu cannot be checked against that kernel's hosts",
                          (unsigned long long)val);
            return CM_RB_BLOCKING;
        }
        cm_buf_printf(why, "; no rule makes it safe to leave out");
        return CM_RB_BLOCKING;
    }
    if (t == RV_T_CSR && sub == RV_CSR_GENERAL && n == 10 /* senvcfg, 6.7 */) {
        why_model_lacks(why, model, name, CM_KVER(6, 7));
        if (val == 0) {
            cm_buf_printf(why, "; it holds its reset value 0");
            return CM_RB_DROPPABLE;
        }
        cm_buf_printf(why, "; the older kernel cannot restore the guest's senvcfg 0x%llx", (unsigned long long)val);
        return CM_RB_BLOCKING;
    }
    why_model_lacks(why, model, name, 0);
    cm_buf_printf(why, "; migration to that kernel would lose this state");
    return CM_RB_BLOCKING;
}
