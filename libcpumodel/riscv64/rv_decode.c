/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 snapshot <-> feature vector.
 *
 * A word is present iff the snapshot lists its register (KVM_GET_REG_LIST
 * lists one ISA_EXT register per extension the *host* supports, enabled or
 * not, and one SBI_EXT register per SBI extension that is not UNAVAILABLE;
 * KVM-FACTS.md §B.1).  Its value is the register's value (ISA/SBI: 0 or 1).
 *
 * Unknown ids are an error, not a raw word: the vector layout is static and
 * an ISA_EXT id the tables do not know has no disable/enable rule, so keeping
 * it would let a baseline silently promise something KVM may refuse.  The
 * error names the register and the id; nothing is half-decoded.
 */
#include <string.h>

#include "cpumodel/kvm_compat.h"
#include "rv_internal.h"

static int check_feature_reg(const struct cm_reg *r, uint64_t value, long *slot, cm_error *err)
{
    uint64_t id = r->id;
    unsigned t = rv_type(id), sub = rv_subtype(id), n = rv_num(id);
    char name[64];
    rv_reg_name(id, name, sizeof(name));
    *slot = -1;
    if (t != RV_T_CONFIG && t != RV_T_ISA_EXT && t != RV_T_SBI_EXT)
        return 0; /* state registers: listed, not negotiated */
    if ((id & CM_REG_SIZE_MASK) != RV_U64)
        return cm_fail(err, CM_E_INPUT, "register 0x%016llx (%s): size %zu bytes; only rv64 (U64) config/ISA_EXT/"
                       "SBI_EXT registers are supported", (unsigned long long)id, name, cm_reg_bytes(id));
    if (t == RV_T_ISA_EXT || t == RV_T_SBI_EXT) {
        const char *kind = t == RV_T_ISA_EXT ? "ISA" : "SBI";
        if (sub != RV_SUB_SINGLE)
            return cm_fail(err, CM_E_INPUT, "register 0x%016llx (%s): %s_EXT MULTI registers are write-only "
                           "shortcuts that KVM_GET_REG_LIST never lists", (unsigned long long)id, name, kind);
        unsigned max = t == RV_T_ISA_EXT ? RV_NISA : RV_NSBI;
        if (n >= max)
            return cm_fail(err, CM_E_INPUT, "register 0x%016llx (%s_EXT.%u): unknown %s extension id %u (the riscv64 "
                           "tables know ids 0-%u, up to Linux 6.19; a newer kernel's extension needs a table entry "
                           "with its disable/enable rules)", (unsigned long long)id, kind, n,
                           kind, n, max - 1);
    } else if (sub != 0 || n >= RV_NCONFIG) {
        return cm_fail(err, CM_E_INPUT, "register 0x%016llx: unknown config register index %u (the riscv64 tables "
                       "know 0-%u, isa..zicbop_block_size)", (unsigned long long)id, n, RV_NCONFIG - 1);
    }
    *slot = rv_slot_of(id);
    if (*slot < 0)
        return cm_fail(err, CM_E_INPUT, "register 0x%016llx (%s): malformed id", (unsigned long long)id, name);
    if (r->flags & CM_REGF_NOVALUE)
        return 0;
    if ((t == RV_T_ISA_EXT || t == RV_T_SBI_EXT) && value > 1)
        return cm_fail(err, CM_E_INPUT, "register 0x%016llx (%s): value 0x%llx; KVM reports 0 or 1",
                       (unsigned long long)id, name, (unsigned long long)value);
    if (t == RV_T_CONFIG && n == RV_CFG_ISA && (value >> 26))
        return cm_fail(err, CM_E_INPUT, "register 0x%016llx (config.isa): value 0x%llx has bits at or above 26; "
                       "KVM reports single-letter extensions only (bits 0-25)", (unsigned long long)id,
                       (unsigned long long)value);
    return 0;
}

int rv_decode(const struct cm_snapshot *s, struct cm_vector *v, cm_error *err)
{
    const struct cm_cap *cap = cm_snapshot_find_cap(s, KVM_CAP_RISCV_SET_HGATP_MODE) /* satp_mode becomes writable */;
    if (cap && (cap->has_vm ? cap->vm : cap->sys) > 0)
        v->host_flags |= RV_HF_SET_HGATP;
    for (size_t i = 0; i < s->nregs; i++) {
        const struct cm_reg *r = &s->regs[i];
        if (!rv_is_riscv(r->id))
            return cm_fail(err, CM_E_INPUT, "registers[%zu]: 0x%016llx is not a RISC-V ONE_REG id", i,
                           (unsigned long long)r->id);
        uint64_t value = cm_snapshot_reg_val(s, r)[0];
        long slot;
        if (check_feature_reg(r, value, &slot, err) < 0)
            return cm_fail_prefix(err, "registers[%zu]", i);
        if (slot < 0)
            continue;
        v->present[slot] = 1;
        if (r->flags & CM_REGF_NOVALUE) {
            v->novalue[slot] = 1;
            v->val[slot] = 0;
        } else {
            v->val[slot] = value;
        }
    }
    return 0;
}

int rv_encode(const struct cm_vector *model, struct cm_snapshot *out, cm_error *err)
{
    for (size_t i = 0; i < RV_NWORDS; i++) {
        if (!model->present[i])
            continue;
        uint64_t id = rv_words[i].id;
        if (!model->novalue[i]) {
            cm_snapshot_set_u64(out, id, model->val[i]);
            continue;
        }
        /* listed, but the members disagree (identity registers): no value */
        struct cm_reg *r = (struct cm_reg *)cm_snapshot_find_reg(out, id);
        if (r) {
            out->words[r->off] = 0;
            r->flags |= CM_REGF_NOVALUE;
        } else if (cm_snapshot_add_reg(out, id, NULL, CM_REGF_NOVALUE, err) < 0 || cm_snapshot_finish(out, err) < 0) {
            return -1;
        }
    }
    return 0;
}
