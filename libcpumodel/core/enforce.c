/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enforceability: can a model be imposed on a host?  Per field that differs,
 * the host must be able to provide the model's value (its own value is at
 * least as capable, by the field's policy) and its kernel must let userspace
 * present it (the arch driver knows writable masks, kernel versions and init
 * features).  Registers the host lists and the model does not (an older
 * member kernel) must be hidden or droppable.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "negotiate_internal.h"

static bool check_field(const struct cm_vector *model, const struct cm_vector *host, size_t i, uint64_t hval,
                        const struct cm_field *f, struct cm_reasons *reasons, uint32_t *drops)
{
    const struct cm_arch_ops *ops = host->ops;
    const struct cm_word *w = &ops->words[i];
    uint64_t have = cm_field_get(f, hval);
    uint64_t want = cm_field_get(f, model->val[i]);
    if (have == want || f->policy == CM_POL_IGNORE)
        return true;
    bool identity = f->policy == CM_POL_IDENTITY;
    if (!identity && !cm_field_provides(f, have, want)) {
        if (f->width == 1 && f->policy == CM_POL_BITMAP) /* a feature flag: say it by name */
            cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want,
                           cm_policy_name(f), "%s.%s: %s lacks %s, which the model has", w->name, f->name,
                           host->name, f->name);
        else {
            char hb[64], wb[64];
            cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want,
                           cm_policy_name(f), "%s.%s: %s offers %s, the model needs %s (%s)", w->name, f->name,
                           host->name, cm_field_value_text(f, have, hb, sizeof(hb)),
                           cm_field_value_text(f, want, wb, sizeof(wb)), cm_policy_name(f));
        }
        return false;
    }
    struct cm_buf whybuf = {0};
    uint32_t feat = 0;
    enum cm_enforce e = ops->enforce ? ops->enforce(host, i, f, have, want, &whybuf, &feat) : CM_ENF_NO;
    bool ok = true;
    /* drivers often start their rule with "REG.FIELD: "; we already say that */
    struct cm_buf why = {0};
    if (whybuf.s) {
        char prefix[128];
        snprintf(prefix, sizeof(prefix), "%s.%s: ", w->name, f->name);
        const char *t = whybuf.s;
        if (!strncmp(t, prefix, strlen(prefix)))
            t += strlen(prefix);
        cm_buf_printf(&why, "%s", t);
    }
    cm_buf_free(&whybuf);
    switch (e) {
    case CM_ENF_SAME:
    case CM_ENF_WRITE:
        break;
    case CM_ENF_INIT_DROP:
        if (drops)
            *drops |= ops->init_feature_group ? ops->init_feature_group(feat) : 1u << feat;
        break;
    case CM_ENF_NO:
        if (identity) {
            cm_reason_addf(reasons, CM_SEV_WARNING, host->name, ops, w->id, f->name, true, have, want, "identity",
                           "%s.%s: %s presents 0x%llx where the model has 0x%llx; the guest will see the host's "
                           "value%s%s",
                           w->name, f->name, host->name, (unsigned long long)have, (unsigned long long)want,
                           why.s ? ": " : "", why.s ? why.s : "");
        } else {
            cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want, "not-writable",
                           "%s.%s: cannot lower 0x%llx to 0x%llx on %s%s%s", w->name, f->name,
                           (unsigned long long)have, (unsigned long long)want, host->name, why.s ? ": " : "",
                           why.s ? why.s : "");
            ok = false;
        }
        break;
    }
    cm_buf_free(&why);
    return ok;
}

bool cm_check_word(const struct cm_vector *model, const struct cm_vector *host, size_t i, struct cm_reasons *reasons,
                   uint32_t *drops)
{
    const struct cm_arch_ops *ops = host->ops;
    const struct cm_word *w = &ops->words[i];
    if (!cm_word_valued(model, i))
        return true;
    if (!host->present[i]) {
        cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, w->id, NULL, false, 0, 0, "missing-register",
                       "%s is in the model but %s does not list it", w->name, host->name);
        return false;
    }
    if (host->novalue[i] || (w->flags & CM_WORDF_NOVALUE))
        return true;
    /* what the host presents once restricted to the model (a value KVM
     * derives from the model's other values), not what it was probed with */
    uint64_t hval = host->val[i];
    if (ops->presented) {
        struct cm_buf why = {0};
        if (!ops->presented(host, model, i, &hval, &why)) {
            cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, w->id, NULL, false, 0, 0, "unpredictable",
                           "%s: the value %s presents under the model cannot be predicted%s%s", w->name,
                           host->name, why.s ? ": " : "", why.s ? why.s : "");
            cm_buf_free(&why);
            return false;
        }
        cm_buf_free(&why);
    }
    bool ok = true;
    for (uint16_t fi = 0; fi < w->nfields; fi++)
        ok &= check_field(model, host, i, hval, &w->fields[fi], reasons, drops);
    uint64_t rawm = cm_word_raw_mask(w);
    uint64_t hraw = hval & rawm, mraw = model->val[i] & rawm;
    if (hraw != mraw) {
        struct cm_buf why = {0};
        uint32_t feat = 0;
        enum cm_enforce e = ops->enforce ? ops->enforce(host, i, NULL, hraw, mraw, &why, &feat) : CM_ENF_NO;
        if (e == CM_ENF_NO) {
            cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, w->id, "(raw bits)", true, hraw, mraw,
                           "raw-bits", "%s: bits 0x%llx not described by any field differ (host 0x%llx, model "
                           "0x%llx)%s%s",
                           w->name, (unsigned long long)(hraw ^ mraw), (unsigned long long)hraw,
                           (unsigned long long)mraw, why.s ? ": " : "", why.s ? why.s : "");
            ok = false;
        } else if (e == CM_ENF_INIT_DROP && drops) {
            *drops |= ops->init_feature_group ? ops->init_feature_group(feat) : 1u << feat;
        }
        cm_buf_free(&why);
    }
    return ok;
}

bool cm_ids_in(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

enum cm_rollback cm_classify_extra(const struct cm_arch_ops *ops, const struct cm_snapshot *snap,
                                   const struct cm_vector *model, uint64_t id, bool *write, uint64_t *write_value,
                                   struct cm_buf *why)
{
    const struct cm_reg *reg = snap ? cm_snapshot_find_reg(snap, id) : NULL;
    *write = false;
    *write_value = 0;
    if (!ops->classify_missing || !reg)
        return CM_RB_BLOCKING;
    return ops->classify_missing(snap, model, id, cm_snapshot_reg_val(snap, reg), write, write_value, why);
}

/* Registers the host lists that the model lacks: an older member kernel. */
static bool check_extra_registers(const struct cm_vector *model, const struct cm_vector *host,
                                  struct cm_reasons *reasons)
{
    const struct cm_arch_ops *ops = host->ops;
    /* the model's list is the intersection: equal lists mean nothing extra */
    if (host->nregs == model->nregs && !ops->effective_regs)
        return true;
    const struct cm_snapshot *snap = host->snap;
    bool ok = true;
    uint64_t *vanish = NULL, *eff = NULL;
    size_t nvanish = 0, neff = 0;
    if (ops->vanishing)
        ops->vanishing(host, model, &vanish, &nvanish);
    cm_vector_effective_regs(host, model, &eff, &neff);
    for (size_t r = 0; r < neff; r++) {
        uint64_t id = eff[r];
        if (cm_vector_has_reg(model, id))
            continue;
        if (cm_ids_in(vanish, nvanish, id))
            continue;
        struct cm_buf why = {0};
        bool write;
        uint64_t wv;
        enum cm_rollback cls = cm_classify_extra(ops, snap, model, id, &write, &wv, &why);
        if (cls == CM_RB_BLOCKING) {
            cm_reason_addf(reasons, CM_SEV_ERROR, host->name, ops, id, NULL, false, 0, 0, "rollback-blocking",
                           "%s lists a register the model's kernels do not, and it is neither hidden nor "
                           "droppable%s%s",
                           host->name, why.s ? ": " : "", why.s ? why.s : "");
            ok = false;
        }
        cm_buf_free(&why);
    }
    free(vanish);
    free(eff);
    return ok;
}

bool cm_enforceable(const struct cm_vector *model, const struct cm_vector *host, struct cm_reasons *reasons)
{
    return cm_enforceable_max(model, host, reasons, 0);
}

bool cm_enforceable_max(const struct cm_vector *model, const struct cm_vector *host, struct cm_reasons *reasons,
                        size_t max_errors)
{
    if (model->ops != host->ops) {
        cm_reason_addf(reasons, CM_SEV_ERROR, host->name, NULL, 0, NULL, false, 0, 0, "arch",
                       "%s is %s, the model is %s", host->name, cm_arch_name(host->ops->arch),
                       cm_arch_name(model->ops->arch));
        return false;
    }
    bool ok = true;
    size_t errors = 0;
    cm_note_unreported(reasons, model);
    cm_note_unreported(reasons, host);
    for (size_t i = 0; i < model->ops->nwords; i++) {
        if (!cm_check_word(model, host, i, reasons, NULL)) {
            ok = false;
            if (max_errors && ++errors >= max_errors)
                return false;
        }
    }
    ok &= check_extra_registers(model, host, reasons);
    return ok;
}
