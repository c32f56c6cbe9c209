/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reasons: the "why" attached to every verdict. */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/negotiate.h"

void cm_reasons_add(struct cm_reasons *r, const struct cm_reason *t)
{
    cm_grow(&r->v, &r->cap, r->n + 1, sizeof(*r->v));
    struct cm_reason *d = &r->v[r->n++];
    *d = *t;
    d->host = cm_xstrdup(t->host);
    d->reg_name = cm_xstrdup(t->reg_name);
    d->field = cm_xstrdup(t->field);
    d->rule = cm_xstrdup(t->rule);
    d->text = cm_xstrdup(t->text);
}

void cm_reasons_free(struct cm_reasons *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].host);
        free(r->v[i].reg_name);
        free(r->v[i].field);
        free(r->v[i].rule);
        free(r->v[i].text);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

size_t cm_reasons_count(const struct cm_reasons *r, enum cm_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].sev == sev;
    return n;
}

const char *cm_severity_name(enum cm_severity s)
{
    switch (s) {
    case CM_SEV_ERROR: return "error";
    case CM_SEV_WARNING: return "warning";
    case CM_SEV_INFO: return "info";
    }
    return "?";
}

const char *cm_rollback_name(enum cm_rollback c)
{
    switch (c) {
    case CM_RB_HIDDEN: return "hidden";
    case CM_RB_DROPPABLE: return "droppable";
    case CM_RB_BLOCKING: return "blocking";
    }
    return "?";
}
