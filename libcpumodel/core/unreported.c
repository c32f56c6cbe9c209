/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hosts that cannot report their ID registers.  Some registers exist on every
 * CPU of an architecture; a host whose snapshot does not list one of them has
 * a kernel that does not show them to userspace (arm64 Linux 4.14: the shared
 * Graviton 4.14 dumps list no ID_AA64* register, 5.10 and 6.1 list them all).
 * Nothing can be said about the features they describe: the engine compares
 * only the words both sides list, so a verdict would silently rest on the
 * other registers.  Every verdict such a host (or a model built with one)
 * takes part in carries a warning saying so (compare, baseline, plan).
 * Which registers every CPU has is the arch driver's (always_listed).
 */
#include <stdio.h>
#include <string.h>

#include "negotiate_internal.h"

size_t cm_unreported_ids(const struct cm_vector *v, char *names, size_t len)
{
    size_t n = 0, used = 0;
    if (len)
        names[0] = 0;
    for (size_t i = 0; i < v->ops->nalways_listed; i++) {
        uint64_t id = v->ops->always_listed[i];
        long w = cm_vector_word_index(v, id);
        if (w < 0 || v->present[w])
            continue;
        char name[64];
        cm_regname(v->ops, id, name, sizeof(name));
        if (used < len) {
            int k = snprintf(names + used, len - used, "%s%s", n ? ", " : "", name);
            used += k > 0 ? (size_t)k : 0;
        }
        n++;
    }
    return n;
}

void cm_note_unreported(struct cm_reasons *r, const struct cm_vector *v)
{
    char names[256];
    if (!cm_unreported_ids(v, names, sizeof(names)))
        return;
    for (size_t i = 0; i < r->n; i++) /* once per host (compare X X names it on both sides) */
        if (r->v[i].rule && !strcmp(r->v[i].rule, "id-registers-unreported") && r->v[i].host && v->name &&
            !strcmp(r->v[i].host, v->name))
            return;
    if (v->is_model)
        cm_reason_addf(r, CM_SEV_WARNING, v->name, v->ops, 0, NULL, false, 0, 0, "id-registers-unreported",
                       "%s was built with a host that cannot report its ID registers (%s not listed): the "
                       "features they describe are not part of it, and a guest sees each host's own values",
                       v->name, names);
    else
        cm_reason_addf(r, CM_SEV_WARNING, v->name, v->ops, 0, NULL, false, 0, 0, "id-registers-unreported",
                       "%s cannot report its ID registers (%s not in its register list; its kernel does not show "
                       "them to userspace, like the Linux 4.14 dumps): the features they describe were not "
                       "compared, and a guest sees that host's own values",
                       v->name, names);
}
