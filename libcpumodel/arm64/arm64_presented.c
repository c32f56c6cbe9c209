/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Firmware levels KVM derives per VM instead of storing (KVM-FACTS §A.4):
 * the cm_arch_ops.presented hook.
 *
 * SMCCC_ARCH_WORKAROUND_2 (SSB, CVE-2018-3639): from Linux 6.12 a *mitigated*
 * host reports NOT_AVAIL (0) to a VM whose ID_AA64PFR1_EL1.SSBS >= IMP and
 * NOT_REQUIRED (3) otherwise; a vulnerable host reports 0 and an unaffected
 * one 3 whatever the VM has.  Through 6.11 the check used the host's cpucap,
 * so a model's SSBS changed nothing.  The level a host presents under a
 * model is found by asking which host states give the probed level with the
 * host's own SSBS, and what those states give with the model's SSBS.
 *
 * The probe settles it at the source: on a 6.12+ host with SSBS it reads the
 * level a second time on a scratch VM with PFR1.SSBS written to 0 and records
 * it as the snapshot fact CM_FACT_ARM64_WA2_WITHOUT_SSBS; with that fact the
 * level under a model without SSBS is the measured one.
 *
 * Without the fact (older snapshots, imports) and when the states disagree —
 * a host that reads 0 while its own SSBS >= IMP is vulnerable (stays 0) or
 * mitigated (3 once SSBS is hidden), the value alone cannot tell — the level
 * is unknown until verified, and that is an error:
 * a guest started on a mitigated host would save 3, and KVM refuses a
 * restored 3 on every member that reports 0 (a write is accepted iff
 * mapped(value) <= host level).  Only an incoming 0/1 is accepted everywhere,
 * so a model value of 0 is safe only where every member *presents* 0.
 */
#include "arm64/arm64.h"
#include "cpumodel/snapshot.h"

enum host_state { ST_VULNERABLE, ST_MITIGATED, ST_UNAFFECTED, N_STATES };
static const char *const state_names[N_STATES] = {"vulnerable", "mitigated", "unaffected"};

static const struct {
    uint64_t word_id;            /* the firmware register */
    uint64_t id_word;            /* the ID register that tells whether the VM has the feature */
    const char *field;
    uint64_t min;                /* the VM has the feature when field >= min */
    cm_kver since;               /* per VM from this kernel; before it the host's cpucap decides */
    uint64_t level[N_STATES][2]; /* [host state][VM has the feature] */
    const char *measured;        /* snapshot fact: the level read on a VM without the feature */
} derived[] = {
    /* 6.12 ID_AA64PFR1 writability series: "Use kvm_has_feat() to check if
     * FEAT_SSBS is advertised to the guest" */
    {A64_WA2, A64_ID_AA64PFR1, "SSBS", 1, CM_KVER(6, 12),
     {[ST_VULNERABLE] = {0, 0}, [ST_MITIGATED] = {3, 0}, [ST_UNAFFECTED] = {3, 3}},
     CM_FACT_ARM64_WA2_WITHOUT_SSBS},
};

bool a64_presented(const struct cm_vector *host, const struct cm_vector *model, size_t slot, uint64_t *value,
                   struct cm_buf *why)
{
    *value = slot < CM_ARM64_NWORDS ? host->val[slot] : 0;
    if (slot >= CM_ARM64_NWORDS)
        return true;
    uint64_t own = host->val[slot];
    for (size_t i = 0; i < CM_ARRAY_SIZE(derived); i++) {
        if (derived[i].word_id != cm_arm64_words[slot].id)
            continue;
        long is = a64_slot(derived[i].id_word);
        /* the model carries no value for the ID register: the host keeps its own */
        if (is < 0 || !host->present[is] || host->novalue[is] || !model->present[is] || model->novalue[is])
            return true;
        /* an older kernel decides by the host's cpucap; an unknown one may be either */
        if (host->kver != CM_KVER_UNKNOWN && cm_kver_cmp(host->kver, derived[i].since) < 0)
            return true;
        const struct cm_word *iw = &cm_arm64_words[is];
        const struct cm_field *f = a64_field(iw, derived[i].field);
        uint64_t hv = cm_field_get(f, host->val[is]), mv = cm_field_get(f, model->val[is]);
        int hf = cm_field_cmp(f, hv, derived[i].min) >= 0, mf = cm_field_cmp(f, mv, derived[i].min) >= 0;
        if (hf == mf)
            return true;
        /* measured by the probe on a VM without the feature: no inference needed */
        const struct cm_fact *fact = host->snap ? cm_snapshot_find_fact(host->snap, derived[i].measured) : NULL;
        if (fact && !mf) {
            *value = fact->value;
            return true;
        }
        /* the host states that read `own` with the host's feature, and what each gives with the model's */
        bool found = false, ambiguous = false;
        uint64_t pred = own;
        for (int st = 0; st < N_STATES; st++) {
            if (derived[i].level[st][hf] != own)
                continue;
            if (found && derived[i].level[st][mf] != pred)
                ambiguous = true;
            pred = found ? pred : derived[i].level[st][mf];
            found = true;
        }
        if (!found) /* a level no host state reads (a model's, a deprecated encoding): nothing to derive */
            return true;
        if (!ambiguous) {
            *value = pred;
            return true;
        }
        char k[32];
        cm_buf_printf(why, "from Linux 6.12 KVM derives it from the VM's %s.%s; %s (Linux %s) reads %llu with %s %llu "
                           "as a host in any of these states would:",
                      iw->name, f->name, host->name, cm_kver_str(host->kver, k, sizeof(k)),
                      (unsigned long long)own, f->name, (unsigned long long)hv);
        const char *sep = " ";
        for (int st = 0; st < N_STATES; st++)
            if (derived[i].level[st][hf] == own) {
                cm_buf_printf(why, "%s%s (presents %llu with the model's %s %llu)", sep, state_names[st],
                              (unsigned long long)derived[i].level[st][mf], f->name, (unsigned long long)mv);
                sep = ", ";
            }
        cm_buf_printf(why, "; unknown until verified on the host");
        return false;
    }
    return true;
}
