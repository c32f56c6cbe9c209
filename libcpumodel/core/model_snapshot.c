/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A merged vector as a snapshot (kind "model"): the model's register list,
 * feature registers with their merged values (through the arch's encode),
 * everything else flagged "novalue" (state, not features), and the members.
 * It round-trips through JSON and can be merged, compared or planned again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpumodel/digest.h"
#include "negotiate_internal.h"

struct cm_snapshot *cm_model_snapshot(const struct cm_vector *model, const struct cm_vector *const *members,
                                      size_t nmembers, cm_error *err)
{
    const struct cm_arch_ops *ops = model->ops;
    struct cm_snapshot *s = cm_snapshot_new(ops->arch);
    s->kind = CM_KIND_MODEL;
    s->host = cm_xstrdup(model->name);
    s->source = cm_xstrdup("baseline");
    s->created = cm_now_iso8601();
    s->kver = model->kver;
    /* The oldest member's kernel string names the model's kernel. */
    for (size_t i = 0; i < nmembers; i++) {
        const struct cm_vector *m = members[i];
        if (m->kver == model->kver && m->snap && m->snap->kernel) {
            s->kernel = cm_xstrdup(m->snap->kernel);
            break;
        }
    }
    if (!s->kernel && model->kver) {
        char kb[32];
        s->kernel = cm_xstrdup(cm_kver_str(model->kver, kb, sizeof(kb)));
    }
    s->has_vcpu_features = model->has_vcpu_features;
    s->vcpu_features = model->vcpu_features;
    for (size_t i = 0; i < nmembers; i++) {
        const struct cm_vector *m = members[i];
        if (m->snap && m->snap->kind == CM_KIND_MODEL && m->snap->nmembers) {
            for (size_t k = 0; k < m->snap->nmembers; k++)
                cm_snapshot_add_member(s, m->snap->members[k]);
        } else {
            cm_snapshot_add_member(s, m->name);
        }
    }
    for (size_t r = 0; r < model->nregs; r++)
        if (cm_snapshot_add_reg(s, model->reg_ids[r], NULL, CM_REGF_NOVALUE, err) < 0) {
            cm_snapshot_free(s);
            return NULL;
        }
    if (cm_snapshot_finish(s, err) < 0 || (ops->encode && ops->encode(model, s, err) < 0)) {
        cm_snapshot_free(s);
        return NULL;
    }
    /* The digest is taken over the snapshot as a reader decodes it, so a
     * saved model and the same model loaded again always agree. */
    char d[CM_DIGEST_LEN];
    if (cm_snapshot_digest(s, d, err) < 0) {
        cm_snapshot_free(s);
        return NULL;
    }
    s->digest = cm_xstrdup(d);
    return s;
}
