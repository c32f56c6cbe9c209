/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "negotiate_internal.h"

const char *cm_regname(const struct cm_arch_ops *ops, uint64_t id, char *buf, size_t len)
{
    if (ops && ops->reg_name)
        return ops->reg_name(id, buf, len);
    snprintf(buf, len, "0x%016llx", (unsigned long long)id);
    return buf;
}

void cm_reason_addf(struct cm_reasons *r, enum cm_severity sev, const char *host, const struct cm_arch_ops *ops,
                    uint64_t reg, const char *field, bool has_values, uint64_t have, uint64_t want,
                    const char *rule, const char *fmt, ...)
{
    if (!r)
        return;
    char name[96];
    struct cm_buf text = {0};
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    cm_buf_printf(&text, "%s", s ? s : "");
    free(s);
    struct cm_reason t = {
        .sev = sev,
        .host = (char *)host,
        .reg = reg,
        .reg_name = reg ? (char *)cm_regname(ops, reg, name, sizeof(name)) : NULL,
        .field = (char *)field,
        .has_values = has_values,
        .have = have,
        .want = want,
        .rule = (char *)rule,
        .text = text.s,
    };
    cm_reasons_add(r, &t);
    cm_buf_free(&text);
}
