/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86_64 driver: a host's CPUID table and feature MSRs as a feature
 * vector, and back.  On x86 the VMM owns the whole guest CPUID
 * (KVM_SET_CPUID2 before the first KVM_RUN), so any reduction of a CPUID
 * value is enforceable; feature MSRs accept host-initiated writes of values
 * the host supports.  What cannot be enforced: a feature the host lacks, a
 * larger number, a different vendor.
 */
#include <stdio.h>
#include <string.h>

#include "x86_64/x86.h"

/* ---- decode ------------------------------------------------------------ */

static int check_msrs(const struct cm_snapshot *s, cm_error *err)
{
    for (size_t i = 0; i < s->nmsrs; i++)
        for (size_t j = i + 1; j < s->nmsrs; j++)
            if (s->msrs[i].index == s->msrs[j].index)
                return cm_fail(err, CM_E_INPUT, "MSR 0x%x (%s) is listed twice (entries %zu and %zu)",
                               s->msrs[i].index,
                               cm_x86_msr_name(s->msrs[i].index) ? cm_x86_msr_name(s->msrs[i].index) : "unknown",
                               i, j);
    return 0;
}

/* The leaf/subleaf of a CPUID word is visible to a guest of this table:
 * listed, within its range's maximum leaf, and for leaf 7 within the maximum
 * subleaf (7.0 EAX).  Leaves above the maximum vanish (§C.3). */
static const struct cm_cpuid_entry *visible_entry(const struct cm_cpuid_entry *t, size_t n, uint32_t leaf,
                                                  uint32_t sub)
{
    if (!cm_x86_leaf_in_range(leaf, cm_x86_range_max(t, n, leaf)))
        return NULL;
    if (leaf == 7 && sub > 0) {
        const struct cm_cpuid_entry *e0 = cm_x86_cpuid_find(t, n, 7, 0);
        if (!e0 || sub > e0->eax)
            return NULL;
    }
    return cm_x86_cpuid_find(t, n, leaf, sub);
}

/* A feature MSR whose CPUID gate the table does not offer is not there for a
 * guest of this host: KVM answers a guest access with #GP and takes a host
 * write only of 0 (x86.c kvm_set_msr_common: ARCH_CAPABILITIES needs
 * guest_cpu_cap_has(ARCH_CAPABILITIES), PERF_CAPABILITIES needs PDCM, else
 * KVM_MSR_RET_UNSUPPORTED, which kvm_do_msr_access() lets through for a
 * host-initiated write of 0 only).  KVM_GET_MSR_FEATURE_INDEX_LIST lists the
 * MSR anyway (an AMD host whose table lacks arch_capabilities still reads
 * 0x10a = 0x400000000c000069), so the value alone would make a plan KVM
 * refuses.  The gate is msrs.c's, the one classify_missing() uses. */
static bool msr_gate_open(const struct cm_vector *v, uint32_t index)
{
    const struct cm_x86_msr_info *mi = cm_x86_msr_info(index);
    if (!mi || !mi->gate)
        return true;
    long g = cm_vector_word_index(v, mi->gate);
    return g >= 0 && v->present[g] && ((v->val[g] >> mi->gate_bit) & 1);
}

static int x86_decode(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err)
{
    if (cm_x86_cpuid_check(s->cpuid, s->ncpuid, "CPUID table", err) < 0 || check_msrs(s, err) < 0)
        return -1;
    if (s->ncpuid == 0 && s->kind == CM_KIND_HOST)
        return cm_fail(err, CM_E_INPUT, "no CPUID table (an x86 host snapshot needs KVM_GET_SUPPORTED_CPUID)");
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        const struct cm_word *w = &cm_x86_words[i];
        if (cm_x86_is_msr_id(w->id)) {
            const struct cm_msr *m = cm_snapshot_find_msr(s, cm_x86_id_msr(w->id));
            if (m) {
                v->present[i] = 1;
                v->val[i] = m->value;
            }
            continue;
        }
        const struct cm_cpuid_entry *e =
            visible_entry(s->cpuid, s->ncpuid, cm_x86_id_leaf(w->id), cm_x86_id_subleaf(w->id));
        if (!e)
            continue;
        v->present[i] = 1;
        v->val[i] = cm_x86_cpuid_reg(e, cm_x86_id_reg(w->id));
        /* encode() writes 0 for an identity the members did not agree on */
        if (s->kind == CM_KIND_MODEL && v->val[i] == 0 && w->nfields == 1 &&
            w->fields[0].policy == CM_POL_IDENTITY)
            v->novalue[i] = 1;
    }
    for (size_t i = 0; i < cm_x86_nwords; i++)
        if (v->present[i] && cm_x86_is_msr_id(cm_x86_words[i].id) &&
            !msr_gate_open(v, cm_x86_id_msr(cm_x86_words[i].id)))
            v->present[i] = 0;
    return 0;
}

/* ---- encode ------------------------------------------------------------ */

static struct cm_cpuid_entry *entry_for(struct cm_snapshot *out, uint32_t leaf, uint32_t sub)
{
    for (size_t i = 0; i < out->ncpuid; i++)
        if (out->cpuid[i].function == leaf && out->cpuid[i].index == sub)
            return &out->cpuid[i];
    struct cm_cpuid_entry e = {
        .function = leaf,
        .index = sub,
        .flags = cm_x86_leaf_indexed(leaf) ? CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX : 0,
    };
    cm_snapshot_add_cpuid(out, &e);
    return &out->cpuid[out->ncpuid - 1];
}

/* The model's maximum leaf of leaf's range (from its own first-leaf EAX word). */
uint32_t cm_x86_model_range_max(const struct cm_vector *m, uint32_t leaf)
{
    uint32_t base = leaf & 0xf0000000u ? leaf & 0xffff0000u : 0;
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        uint64_t id = cm_x86_words[i].id;
        if (cm_x86_is_cpuid_id(id) && cm_x86_id_leaf(id) == base && cm_x86_id_subleaf(id) == 0 &&
            cm_x86_id_reg(id) == CM_X86_EAX)
            return m->present[i] ? (uint32_t)m->val[i] : 0;
    }
    return UINT32_MAX; /* not reached: every range's first leaf has an EAX word */
}

bool cm_x86_model_has_leaf(const struct cm_vector *m, uint32_t leaf, uint32_t sub)
{
    uint32_t max = cm_x86_model_range_max(m, leaf);
    if (max != UINT32_MAX && !cm_x86_leaf_in_range(leaf, max))
        return false;
    if (leaf == 7 && sub > 0) {
        long i = cm_vector_word_index(m, CM_X86_CPUID_ID(7, 0, CM_X86_EAX));
        if (i < 0 || !m->present[i] || sub > m->val[i])
            return false;
    }
    return true;
}

static int x86_encode(const struct cm_vector *m, struct cm_snapshot *out, cm_error *err)
{
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        const struct cm_word *w = &cm_x86_words[i];
        if (!m->present[i])
            continue;
        uint64_t val = m->novalue[i] ? 0 : m->val[i];
        if (cm_x86_is_msr_id(w->id)) {
            if (m->novalue[i])
                continue; /* an identity MSR the members disagree on: each host keeps its own */
            uint32_t index = cm_x86_id_msr(w->id);
            const struct cm_msr *have = cm_snapshot_find_msr(out, index);
            if (have)
                ((struct cm_msr *)have)->value = val;
            else
                cm_snapshot_add_msr(out, index, val);
            const struct cm_reg *r = cm_snapshot_find_reg(out, w->id);
            if (r) { /* the register list has it (a 6.18 ONE_REG host): give it the value */
                ((struct cm_reg *)r)->flags &= ~CM_REGF_NOVALUE;
                out->words[r->off] = val;
            }
            continue;
        }
        uint32_t leaf = cm_x86_id_leaf(w->id), sub = cm_x86_id_subleaf(w->id);
        if (!cm_x86_model_has_leaf(m, leaf, sub))
            continue; /* above the model's maximum leaf: it vanishes */
        cm_x86_cpuid_set_reg(entry_for(out, leaf, sub), cm_x86_id_reg(w->id), (uint32_t)val);
    }
    return cm_x86_cpuid_check(out->cpuid, out->ncpuid, "model CPUID table", err);
}

/* ---- enforce ----------------------------------------------------------- */

static void vendor_text(uint32_t v, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)((v >> (8 * i)) & 0xff);
        out[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    out[4] = 0;
}

static enum cm_enforce enforce_cpuid(const struct cm_word *w, const struct cm_field *f, uint64_t have,
                                     uint64_t want, struct cm_buf *why)
{
    if (!f) { /* raw (unnamed) flag bits: the host must have every bit the model keeps */
        if (want & ~have) {
            cm_buf_printf(why, "%s bits 0x%llx are not offered by this host's KVM", w->name,
                          (unsigned long long)(want & ~have));
            return CM_ENF_NO;
        }
        cm_buf_printf(why, "KVM_SET_CPUID2 before the first KVM_RUN");
        return CM_ENF_WRITE;
    }
    switch ((enum cm_policy)f->policy) {
    case CM_POL_IGNORE:
        return CM_ENF_SAME;
    case CM_POL_EQUAL: {
        char a[5], b[5];
        vendor_text((uint32_t)have, a);
        vendor_text((uint32_t)want, b);
        cm_buf_printf(why, "the CPU vendor cannot be changed (host \"%s\", model \"%s\"): a guest runs the "
                           "vendor's instructions and MSRs natively", a, b);
        return CM_ENF_NO;
    }
    case CM_POL_IDENTITY:
        cm_buf_printf(why, "KVM_SET_CPUID2 presents the model's %s; the guest sees another CPU's identity", f->name);
        return CM_ENF_WRITE;
    default:
        if (!cm_field_provides(f, have, want)) {
            cm_buf_printf(why, "the host's KVM offers %s=0x%llx, less than the model's 0x%llx", f->name,
                          (unsigned long long)have, (unsigned long long)want);
            return CM_ENF_NO;
        }
        cm_buf_printf(why, "KVM_SET_CPUID2 before the first KVM_RUN");
        return CM_ENF_WRITE;
    }
}

static enum cm_enforce enforce_msr(const struct cm_word *w, const struct cm_field *f, uint64_t have,
                                   uint64_t want, struct cm_buf *why)
{
    if (f && f->policy == CM_POL_IDENTITY) {
        cm_buf_printf(why, "a host-initiated write of %s before the first KVM_RUN (immutable afterwards)", w->name);
        return CM_ENF_WRITE;
    }
    bool ok;
    if (!f)
        ok = (want & ~have) == 0;
    else if (f->policy == CM_POL_EXACT)
        ok = want == 0 || want == have; /* format fields: the host's or none */
    else
        ok = cm_field_provides(f, have, want);
    if (!ok) {
        cm_buf_printf(why, "KVM rejects a host write of %s values the host's feature MSR does not report "
                           "(host 0x%llx, model 0x%llx)",
                      w->name, (unsigned long long)have, (unsigned long long)want);
        return CM_ENF_NO;
    }
    cm_buf_printf(why, "KVM_SET_MSRS / ONE_REG 0x%016llx before the first KVM_RUN", (unsigned long long)w->id);
    return CM_ENF_WRITE;
}

static enum cm_enforce x86_enforce(const struct cm_vector *host, size_t slot, const struct cm_field *f,
                                   uint64_t have, uint64_t want, struct cm_buf *why, uint32_t *init_feature)
{
    (void)host;
    (void)init_feature;
    if (slot >= cm_x86_nwords)
        return CM_ENF_NO;
    if (have == want)
        return CM_ENF_SAME;
    const struct cm_word *w = &cm_x86_words[slot];
    return cm_x86_is_msr_id(w->id) ? enforce_msr(w, f, have, want, why) : enforce_cpuid(w, f, have, want, why);
}

static const char *x86_reg_name(uint64_t id, char *buf, size_t len);

/* ---- register lists ---------------------------------------------------- */

static bool model_flag(const struct cm_vector *m, uint64_t word_id, unsigned bit)
{
    long i = cm_vector_word_index(m, word_id);
    return i >= 0 && m->present[i] && !m->novalue[i] && ((m->val[i] >> bit) & 1);
}

/* KVM_GET_REG_LIST on x86 (6.18) lists only KVM's SSP register, and only when
 * the guest CPUID has SHSTK (§C.1).  The MSR index list does not depend on
 * the guest CPUID, so no MSR vanishes. */
static void x86_vanishing(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n)
{
    if (cm_vector_has_reg(host, CM_X86_KVM_SSP) && !model_flag(model, CM_X86_CPUID_ID(7, 0, CM_X86_ECX), 7)) {
        *ids = cm_xrealloc(*ids, (*n + 1) * sizeof(**ids));
        (*ids)[(*n)++] = CM_X86_KVM_SSP;
    }
}

static enum cm_rollback x86_classify_missing(const struct cm_snapshot *host, const struct cm_vector *model,
                                             uint64_t id, const uint64_t *value, bool *write, uint64_t *write_value,
                                             struct cm_buf *why)
{
    char name[64];
    if (cm_x86_is_cpuid_id(id) || cm_x86_is_leaf_id(id)) {
        cm_buf_printf(why, "the guest CPUID table is written whole with KVM_SET_CPUID2; the model's has no %s",
                      x86_reg_name(id, name, sizeof(name)));
        return CM_RB_HIDDEN;
    }
    if (id == CM_X86_KVM_SSP) {
        if (!model_flag(model, CM_X86_CPUID_ID(7, 0, CM_X86_ECX), 7)) {
            cm_buf_printf(why, "KVM lists the SSP register only for guests with shstk, which the model hides");
            return CM_RB_HIDDEN;
        }
        cm_buf_printf(why, "the model offers shstk but its kernels cannot save the shadow-stack pointer");
        return CM_RB_BLOCKING;
    }
    if (!cm_x86_is_msr_id(id)) {
        cm_buf_printf(why, "not an x86 register id this driver knows");
        return CM_RB_BLOCKING;
    }
    uint32_t index = cm_x86_id_msr(id);
    uint64_t v = 0;
    bool known = false;
    if (value) {
        v = *value;
        known = true;
    } else if (host) {
        const struct cm_msr *m = cm_snapshot_find_msr(host, index);
        if (m) {
            v = m->value;
            known = true;
        }
    }
    const struct cm_x86_msr_info *mi = cm_x86_msr_info(index);
    const char *mname = mi ? mi->name : "this MSR";
    if (mi && mi->gate && !model_flag(model, mi->gate, mi->gate_bit)) {
        long gi = cm_vector_word_index(model, mi->gate);
        const char *flag = NULL;
        for (uint16_t k = 0; gi >= 0 && k < model->ops->words[gi].nfields; k++)
            if (model->ops->words[gi].fields[k].shift == mi->gate_bit && model->ops->words[gi].fields[k].width == 1)
                flag = model->ops->words[gi].fields[k].name;
        cm_buf_printf(why, "a guest uses %s only with %s bit %u%s%s%s, which the model hides", mname,
                      gi >= 0 ? model->ops->words[gi].name : "a CPUID flag", mi->gate_bit, flag ? " (" : "",
                      flag ? flag : "", flag ? ")" : "");
        return CM_RB_HIDDEN;
    }
    if (mi && mi->identity) {
        cm_buf_printf(why, "%s is identity, not state: the destination presents its own (drift, a warning)", mname);
        return CM_RB_DROPPABLE;
    }
    long wi = cm_vector_word_index(model, id);
    if (wi >= 0 && model->present[wi] && !model->novalue[wi]) {
        /* a feature MSR the model carries: the plan sets it, whatever the register lists say */
        *write = true;
        *write_value = model->val[wi];
        cm_buf_printf(why, "%s is a feature MSR of the model (0x%llx); it is written before the first KVM_RUN",
                      mname, (unsigned long long)model->val[wi]);
        return CM_RB_DROPPABLE;
    }
    if (mi && mi->is_volatile) {
        cm_buf_printf(why, "%s changes run to run and every KVM migrates it", mname);
        return CM_RB_DROPPABLE;
    }
    if (mi && mi->since_4_14 && (!model->kver || cm_kver_cmp(model->kver, CM_KVER(4, 14)) >= 0)) {
        cm_buf_printf(why, "every KVM since 4.14 saves %s; a member's snapshot just does not list it", mname);
        return CM_RB_DROPPABLE;
    }
    uint64_t dflt = mi ? mi->dflt : 0;
    if (known && v == dflt) {
        cm_buf_printf(why, "%s holds 0x%llx, the value a kernel that does not save it leaves the guest with", mname,
                      (unsigned long long)v);
        return CM_RB_DROPPABLE;
    }
    if (known)
        cm_buf_printf(why, "%s holds 0x%llx (not the default 0x%llx); the older kernel would lose it", mname,
                      (unsigned long long)v, (unsigned long long)dflt);
    else
        cm_buf_printf(why, "%s has no known value; the older kernel cannot restore it", mname);
    return CM_RB_BLOCKING;
}

/* ---- names ------------------------------------------------------------- */

static const char *x86_reg_name(uint64_t id, char *buf, size_t len)
{
    if (cm_x86_is_cpuid_id(id))
        return cm_x86_cpuid_name(cm_x86_id_leaf(id), cm_x86_id_subleaf(id), cm_x86_id_reg(id), buf, len);
    if (cm_x86_is_msr_id(id)) {
        const char *n = cm_x86_msr_name(cm_x86_id_msr(id));
        if (n)
            snprintf(buf, len, "%s", n);
        else
            snprintf(buf, len, "MSR_0x%X", cm_x86_id_msr(id));
        return buf;
    }
    if (id == CM_X86_KVM_SSP) {
        snprintf(buf, len, "KVM_REG_GUEST_SSP");
        return buf;
    }
    if (cm_x86_is_leaf_id(id)) { /* a whole leaf: "CPUID.14.0" */
        uint32_t leaf = cm_x86_id_leaf(id);
        snprintf(buf, len, leaf < 0x100 ? "CPUID.%02X.%u" : "CPUID.%08X.%u", leaf, cm_x86_id_subleaf(id));
        return buf;
    }
    snprintf(buf, len, "0x%016llx", (unsigned long long)id);
    return buf;
}

static bool x86_reg_volatile(uint64_t id)
{
    if (!cm_x86_is_msr_id(id))
        return false;
    const struct cm_x86_msr_info *m = cm_x86_msr_info(cm_x86_id_msr(id));
    return m && m->is_volatile;
}

const struct cm_arch_ops cm_x86_64_ops = {
    .arch = CM_ARCH_X86_64,
    .words = cm_x86_words,
    .nwords = CM_X86_NWORDS,
    .complete = cm_x86_snapshot_registers,
    .decode = x86_decode,
    .encode = x86_encode,
    .enforce = x86_enforce,
    .vanishing = x86_vanishing,
    .classify_missing = x86_classify_missing,
    .drop_init_feature = NULL,
    .reg_name = x86_reg_name,
    .reg_volatile = x86_reg_volatile,
    .init_feature_name = NULL,
    .plan_extra = cm_x86_plan_extra,
};
