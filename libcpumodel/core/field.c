/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The merge algebra of one field (arm64_ftr_safe_value() and friends). */
#include <stdio.h>

#include "cpumodel/arch.h"
#include "cpumodel/field.h"

static int64_t sext(const struct cm_field *f, uint64_t v)
{
    if (f->width >= 64)
        return (int64_t)v;
    uint64_t sign = 1ULL << (f->width - 1);
    return (int64_t)((v ^ sign) - sign);
}

int cm_field_cmp(const struct cm_field *f, uint64_t a, uint64_t b)
{
    if (f->is_signed) {
        int64_t x = sext(f, a), y = sext(f, b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    return a < b ? -1 : a > b ? 1 : 0;
}

bool cm_field_merge(const struct cm_field *f, uint64_t a, uint64_t b, uint64_t *out)
{
    *out = a;
    switch ((enum cm_policy)f->policy) {
    case CM_POL_LOWER_SAFE:
        *out = cm_field_cmp(f, a, b) <= 0 ? a : b;
        return true;
    case CM_POL_HIGHER_SAFE:
        *out = cm_field_cmp(f, a, b) >= 0 ? a : b;
        return true;
    case CM_POL_HIGHER_OR_ZERO_SAFE:
        *out = (a == 0 || b == 0) ? 0 : (cm_field_cmp(f, a, b) >= 0 ? a : b);
        return true;
    case CM_POL_EXACT:
        *out = a == b ? a : f->safe;
        return true;
    case CM_POL_BITMAP:
        *out = a & b;
        return true;
    case CM_POL_BITMAP_INVERTED:
        *out = a | b;
        return true;
    case CM_POL_EQUAL:
    case CM_POL_IDENTITY:
        return a == b;
    case CM_POL_IGNORE:
        return true;
    case CM_POL_CUSTOM:
        return f->custom && f->custom->merge(a, b, out);
    }
    return false;
}

bool cm_field_provides(const struct cm_field *f, uint64_t host, uint64_t want)
{
    switch ((enum cm_policy)f->policy) {
    case CM_POL_IGNORE:
        return true;
    case CM_POL_CUSTOM:
        return f->custom && f->custom->provides(host, want);
    case CM_POL_EQUAL:
    case CM_POL_IDENTITY:
        return host == want;
    default: {
        uint64_t m;
        return cm_field_merge(f, want, host, &m) && m == want;
    }
    }
}

uint64_t cm_word_raw_mask(const struct cm_word *w)
{
    uint64_t covered = 0;
    for (uint16_t i = 0; i < w->nfields; i++)
        covered |= cm_field_mask(&w->fields[i]);
    uint64_t all = w->bits >= 64 || w->bits == 0 ? ~0ULL : ((1ULL << w->bits) - 1);
    return all & ~covered;
}

const char *cm_policy_name(const struct cm_field *f)
{
    switch ((enum cm_policy)f->policy) {
    case CM_POL_LOWER_SAFE: return "LOWER_SAFE";
    case CM_POL_HIGHER_SAFE: return "HIGHER_SAFE";
    case CM_POL_HIGHER_OR_ZERO_SAFE: return "HIGHER_OR_ZERO_SAFE";
    case CM_POL_EXACT: return "EXACT";
    case CM_POL_BITMAP: return "BITMAP_AND";
    case CM_POL_BITMAP_INVERTED: return "BITMAP_OR_INVERTED";
    case CM_POL_EQUAL: return "EQUAL";
    case CM_POL_IDENTITY: return "IDENTITY";
    case CM_POL_IGNORE: return "IGNORE";
    case CM_POL_CUSTOM: return f->custom && f->custom->name ? f->custom->name : "CUSTOM";
    }
    return "?";
}

const char *cm_field_value_text(const struct cm_field *f, uint64_t v, char *buf, size_t n)
{
    /* a signed ID field's all-ones is -1: "not implemented" (field.h, LOWER_SAFE) */
    if (f->is_signed && f->width && f->width < 64 && v == (1ULL << f->width) - 1)
        snprintf(buf, n, "0x%llx (-1: not implemented)", (unsigned long long)v);
    else
        snprintf(buf, n, "0x%llx", (unsigned long long)v);
    return buf;
}

const char *cm_value_text(const struct cm_arch_ops *ops, const struct cm_word *w, const struct cm_field *f,
                          uint64_t v, char *buf, size_t n)
{
    char meaning[96];
    if (ops && w && ops->value_meaning && ops->value_meaning(w, f, v, meaning, sizeof(meaning)))
        snprintf(buf, n, "0x%llx (%s)", (unsigned long long)v, meaning);
    else
        cm_field_value_text(f, v, buf, n);
    return buf;
}
