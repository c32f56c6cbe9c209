/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The register list a host presents once restricted to a model: its own list
 * minus the registers that vanish (a64_vanishing), plus V0-V31 when SVE is
 * left out — KVM lists the FP/SIMD V registers only for vCPUs without SVE
 * (KVM-FACTS §A.1, core_reg_size_from_offset()).  Without this, a baseline of
 * an SVE host and a non-SVE host would lose the V registers both present
 * once SVE is off.
 */
#include <stdlib.h>

#include "arm64/arm64.h"

#define A64_V0 0x6040000000100054ULL /* KVM_REG_ARM_CORE U128, offsetof(fp_regs.vregs[0]) / 4 */

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void a64_effective_regs(const struct cm_vector *host, const struct cm_vector *model, uint64_t **ids, size_t *n)
{
    uint64_t *gone = NULL;
    size_t ngone = 0;
    a64_vanishing(host, model, &gone, &ngone);
    if (ngone)
        qsort(gone, ngone, sizeof(uint64_t), cmp_id);
    bool sve_dropped = a64_feature_dropped(host, model, A64_FEAT_SVE);

    /* V0..V31 (ascending) that the host does not list yet */
    uint64_t add[32];
    size_t nadd = 0;
    if (sve_dropped)
        for (uint64_t v = 0; v < 32; v++)
            if (!cm_vector_has_reg(host, A64_V0 + 4 * v))
                add[nadd++] = A64_V0 + 4 * v;

    /* merge the host's sorted list (minus what vanishes) with `add`: stays sorted */
    uint64_t *out = cm_xmalloc((host->nregs + nadd ? host->nregs + nadd : 1) * sizeof(uint64_t));
    size_t k = 0, a = 0, g = 0;
    for (size_t i = 0; i < host->nregs; i++) {
        uint64_t id = host->reg_ids[i];
        while (g < ngone && gone[g] < id) /* both lists are sorted: walk them together */
            g++;
        if (g < ngone && gone[g] == id)
            continue;
        while (a < nadd && add[a] < id)
            out[k++] = add[a++];
        out[k++] = id;
    }
    while (a < nadd)
        out[k++] = add[a++];
    free(gone);
    *ids = out;
    *n = k;
}

void a64_effective_deps(uint64_t *mask)
{
    a64_vanishing_deps(mask);
    a64_init_effect_deps(mask);
}
