/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Display names: CPUID registers, MSRs, and the named feature flags of a vector. */
#include <stdio.h>
#include <string.h>

#include "cpumodel/vector.h"
#include "x86_64/x86.h"

static const char *const reg_names[] = {"EAX", "EBX", "ECX", "EDX"};

const char *cm_x86_cpuid_name(uint32_t leaf, uint32_t sub, enum cm_x86_reg r, char *buf, size_t len)
{
    if (leaf < 0x100)
        snprintf(buf, len, "CPUID.%02X.%u.%s", leaf, sub, reg_names[r & 3]);
    else
        snprintf(buf, len, "CPUID.%08X.%u.%s", leaf, sub, reg_names[r & 3]);
    return buf;
}

/* Named flags are the 1-bit AND fields of CPUID words (the things /proc/cpuinfo lists). */
static bool is_flag(const struct cm_word *w, const struct cm_field *f)
{
    return cm_x86_is_cpuid_id(w->id) && f->width == 1 && f->policy == CM_POL_BITMAP;
}

size_t cm_x86_flag_names(const struct cm_vector *v, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        const struct cm_word *w = &cm_x86_words[i];
        if (!v->present[i] || v->novalue[i])
            continue;
        for (uint16_t k = 0; k < w->nfields; k++) {
            const struct cm_field *f = &w->fields[k];
            if (!is_flag(w, f) || !cm_field_get(f, v->val[i]))
                continue;
            if (names && n < max)
                names[n] = f->name;
            n++;
        }
    }
    return n;
}

bool cm_x86_find_flag(const char *name, size_t *slot, const struct cm_field **field)
{
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        const struct cm_word *w = &cm_x86_words[i];
        for (uint16_t k = 0; k < w->nfields; k++)
            if (w->fields[k].width == 1 && strcmp(w->fields[k].name, name) == 0) {
                *slot = i;
                *field = &w->fields[k];
                return true;
            }
    }
    return false;
}

int cm_x86_has_flag(const struct cm_vector *v, const char *name)
{
    size_t slot;
    const struct cm_field *f;
    if (!cm_x86_find_flag(name, &slot, &f))
        return -1;
    return v->present[slot] && !v->novalue[slot] && cm_field_get(f, v->val[slot]) ? 1 : 0;
}
