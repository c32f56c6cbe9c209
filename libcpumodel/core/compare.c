/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare(from, to): can a guest configured as `from` (a model, or a source
 * host as-is) move to `to`?  By default this is a migration: the guest's
 * saved state is restored on `to`, so `to` must take every value (the one
 * enforcement rule, cm_enforce_rule(), with `from` as the model) and every
 * saved register (registers only `to` lists are noted: the guest gets the
 * destination's defaults).  The BOOT reading asks about a guest freshly
 * started on `to` instead.
 */
#include <string.h>

#include "negotiate_internal.h"

bool cm_compare_ex(const struct cm_vector *from, const struct cm_vector *to, const struct cm_assume *assume,
                   struct cm_reasons *reasons)
{
    if (from->ops != to->ops) {
        cm_reason_addf(reasons, CM_SEV_ERROR, to->name, NULL, 0, NULL, false, 0, 0, "arch",
                       "%s is %s but %s is %s: no migration between architectures", from->name,
                       cm_arch_name(from->ops->arch), to->name, cm_arch_name(to->ops->arch));
        return false;
    }
    return cm_enforce_rule(from, to, assume, CM_EF_ONE_WAY, reasons, 0, NULL);
}

bool cm_comparison_run(const struct cm_vector *from, const struct cm_vector *to, const struct cm_assume *assume,
                       struct cm_comparison *out)
{
    memset(out, 0, sizeof(*out));
    if (assume)
        out->assume = *assume;
    if (from->ops != to->ops)
        return out->compatible = cm_compare_ex(from, to, assume, &out->reasons);
    struct cm_enforcement e = {0};
    out->compatible = cm_enforce_rule(from, to, assume, CM_EF_ONE_WAY, &out->reasons, 0, &e);
    for (size_t i = 0; i < e.ncaps && i < CM_ARRAY_SIZE(out->caps); i++) {
        out->caps[i] = e.caps[i];
        out->cap_names[i] = e.cap_names[i];
    }
    out->ncaps = e.ncaps < CM_ARRAY_SIZE(out->caps) ? e.ncaps : CM_ARRAY_SIZE(out->caps);
    cm_enforcement_free(&e);
    return out->compatible;
}

void cm_comparison_free(struct cm_comparison *c)
{
    cm_reasons_free(&c->reasons);
    memset(c, 0, sizeof(*c));
}

bool cm_compare(const struct cm_vector *from, const struct cm_vector *to, const struct cm_snapshot *to_snap,
                struct cm_reasons *reasons)
{
    (void)to_snap;
    return cm_compare_ex(from, to, NULL, reasons);
}
