/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Firecracker custom CPU templates, as Firecracker documents them
 * (docs/cpu_templates/cpu-templates.md and schema.json in its repository,
 * docs/firecracker.md here): a checker that applies the rules Firecracker
 * and its cpu-template-helper enforce, and an applier that does to a
 * snapshot what Firecracker does to a vCPU (value = (old & ~filter) | bits).
 */
#ifndef CPUMODEL_FC_TEMPLATE_H
#define CPUMODEL_FC_TEMPLATE_H

#include <stdint.h>

#include "cpumodel/cpumodel.h"

struct json_object;

/* A tri-state bitmap "0b[01x_]{1,N}" (missing leading characters are x). */
struct cm_fc_bitmap {
    uint64_t filter[2]; /* 1 = fixed by the template ([0] bits 63:0, [1] bits 127:64) */
    uint64_t value[2];  /* the fixed bits' values */
    unsigned nbits;     /* bits written (without '_') */
};
int cm_fc_bitmap_parse(const char *s, unsigned maxbits, struct cm_fc_bitmap *b, cm_error *err);
/* "0b" + nbits characters, bit nbits-1 first; caller frees. */
char *cm_fc_bitmap_format(uint64_t filter, uint64_t value, unsigned nbits);

/* Checks a template for `arch` (arm64 or x86_64): top-level keys, field
 * types, number syntax, bitmap syntax and length, register ids and sizes,
 * duplicate entries.  The error names the JSON path. */
int cm_fc_check(const struct json_object *t, enum cm_arch arch, cm_error *err);
/* Applies a checked template to a snapshot (registers, CPUID, MSRs, vCPU
 * features).  A modifier for something the snapshot lacks is an error. */
int cm_fc_apply(const struct json_object *t, struct cm_snapshot *s, cm_error *err);

#endif
