/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare(from, to): can a guest configured as `from` (a model, or a source
 * host as-is) run on `to`?  Field by field the destination must provide the
 * value and be able to present it; registers `from` lists that `to` does not
 * are classified like a rollback (hidden / droppable / blocking); registers
 * only `to` lists are noted (the guest gets the destination's default).
 */
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

bool cm_compare(const struct cm_vector *from, const struct cm_vector *to, const struct cm_snapshot *to_snap,
                struct cm_reasons *reasons)
{
    (void)to_snap;
    if (from->ops != to->ops) {
        cm_reason_addf(reasons, CM_SEV_ERROR, to->name, NULL, 0, NULL, false, 0, 0, "arch",
                       "%s is %s but %s is %s: no migration between architectures", from->name,
                       cm_arch_name(from->ops->arch), to->name, cm_arch_name(to->ops->arch));
        return false;
    }
    const struct cm_arch_ops *ops = from->ops;
    bool ok = true;
    cm_note_unreported(reasons, from);
    cm_note_unreported(reasons, to);
    for (size_t i = 0; i < ops->nwords; i++) {
        if (!cm_word_valued(from, i))
            continue;
        if (!to->present[i]) {
            if (cm_vector_has_reg(from, ops->words[i].id))
                continue; /* a register: classified with the register lists below */
            cm_reason_addf(reasons, CM_SEV_ERROR, to->name, ops, ops->words[i].id, NULL, false, 0, 0,
                           "missing-word", "%s has %s but %s does not report it", from->name, ops->words[i].name,
                           to->name);
            ok = false;
            continue;
        }
        ok &= cm_check_word(from, to, i, reasons, NULL);
    }

    /* Register lists: what `to` lists once restricted to `from`. */
    const struct cm_snapshot *src = from->snap;
    uint64_t *to_ids;
    size_t to_n;
    cm_vector_effective_regs(to, from, &to_ids, &to_n);
    for (size_t r = 0; r < from->nregs; r++) {
        uint64_t id = from->reg_ids[r];
        if (cm_ids_has(to_ids, to_n, id))
            continue;
        const struct cm_reg *reg = src ? cm_snapshot_find_reg(src, id) : NULL;
        struct cm_buf why = {0};
        bool write = false;
        uint64_t wv = 0;
        enum cm_rollback cls;
        if (reg && (reg->flags & CM_REGF_NOVALUE))
            cls = CM_RB_DROPPABLE; /* a state register of a model: the destination's kernel defines it */
        else
            cls = cm_classify_extra(ops, src, to, id, &write, &wv, &why);
        enum cm_severity sev = cls == CM_RB_BLOCKING ? CM_SEV_ERROR : cls == CM_RB_DROPPABLE ? CM_SEV_WARNING
                                                                                                : CM_SEV_INFO;
        cm_reason_addf(reasons, sev, to->name, ops, id, NULL, false, 0, 0,
                       cls == CM_RB_BLOCKING ? "missing-register" : cm_rollback_name(cls),
                       "%s does not list a register %s has (%s)%s%s%s", to->name, from->name, cm_rollback_name(cls),
                       write ? "; the source must write it first" : "", why.s ? ": " : "", why.s ? why.s : "");
        cm_buf_free(&why);
        if (cls == CM_RB_BLOCKING)
            ok = false;
    }
    size_t extra = 0;
    for (size_t r = 0; r < to_n; r++)
        extra += !cm_vector_has_reg(from, to_ids[r]);
    free(to_ids);
    if (extra)
        cm_reason_addf(reasons, CM_SEV_INFO, to->name, ops, 0, NULL, false, 0, 0, "extra-registers",
                       "%s lists %zu register(s) %s does not; the guest gets the destination kernel's defaults for "
                       "them",
                       to->name, extra, from->name);
    return ok;
}
