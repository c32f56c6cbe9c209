/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Field values in words, for reasons: "ID_AA64PFR0_EL1.SVE: host offers 0x0
 * (not implemented)".  The meanings are the generated tables of
 * value_table.c (data/arm64/field_values.md: the kernel's sysreg value names
 * and asm/cputype.h implementer codes); this file only looks them up.  A
 * value the tables do not name is shown in hex alone (the caller's fallback).
 */
#include <stdio.h>
#include <string.h>

#include "arm64/arm64.h"

const char *a64_implementer_name(uint8_t code)
{
    for (size_t i = 0; i < a64_n_implementers; i++)
        if (a64_implementers[i].code == code)
            return a64_implementers[i].vendor;
    return NULL;
}

/* MIDR_EL1 (Arm ARM): Implementer 31:24, Variant 23:20, Architecture 19:16,
 * PartNum 15:4, Revision 3:0.  Named when the implementer is known. */
static bool midr_meaning(uint64_t v, char *buf, size_t len)
{
    const char *vendor = a64_implementer_name((uint8_t)(v >> 24));
    if (!vendor)
        return false;
    snprintf(buf, len, "%s part 0x%03llx r%llup%llu", vendor, (unsigned long long)((v >> 4) & 0xfff),
             (unsigned long long)((v >> 20) & 0xf), (unsigned long long)(v & 0xf));
    return true;
}

bool a64_value_meaning(const struct cm_word *w, const struct cm_field *f, uint64_t v, char *buf, size_t len)
{
    if (!w || !f)
        return false;
    if (!strcmp(w->name, "MIDR_EL1"))
        return midr_meaning(v, buf, len);
    for (size_t i = 0; i < a64_n_value_meanings; i++) {
        const struct a64_value_meaning *m = &a64_value_meanings[i];
        if (m->value == v && !strcmp(m->field, f->name) && !strcmp(m->word, w->name)) {
            snprintf(buf, len, "%s", m->meaning);
            return true;
        }
    }
    return false;
}
