/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The QEMU format: the -cpu argument (docs/qemu.md).
 *   x86_64   a base model, the vendor/signature/levels as properties and
 *            every feature flag the driver knows as +name or -name in QEMU's
 *            spelling, so the guest sees the model's flags whatever the base
 *            has (flags QEMU has no name for are listed as cannot-express);
 *   arm64    "host" with the properties QEMU offers under KVM (sve, sveN,
 *            pauth, pmu); every other field where this host differs from the
 *            model needs writable ID registers QEMU does not drive: listed;
 *   riscv64  "host" with one boolean per ISA extension.
 * Anything the argument cannot say, where the host differs from the model,
 * is one "cannot-express" reason: the guest would see the host's value there.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "export.h"
#include "x86_64/x86.h"

/* ---- x86_64 ---- */

/* Driver flag name (Linux /proc/cpuinfo spelling) -> QEMU's -cpu name where
 * '_' -> '-' is not it; NULL: QEMU 7.2 (Debian 12) has no property for the
 * flag (target/i386/cpu.c feature_word_info).  Every name the export emits
 * is checked against `qemu-system-x86_64 -cpu help` by tests/test_cli_export.sh. */
static const struct {
    const char *linux_name, *qemu_name;
} x86_qemu_names[] = {
    {"sse4_1", "sse4.1"},
    {"sse4_2", "sse4.2"},
    {"tsc_deadline_timer", "tsc-deadline"},
    {"avx512_vbmi2", "avx512vbmi2"},
    {"avx512_bitalg", "avx512bitalg"},
    {"avx512_vnni", "avx512vnni"},
    {"core_capabilities", "core-capability"},
    {"dts", "ds"},
    {"cr8_legacy", "cr8legacy"},
    {"sgx_lc", "sgxlc"},
    {"intel_stibp", "stibp"},
    {"spec_ctrl_ssbd", "ssbd"},
    {"tsxldtrk", "tsx-ldtrk"},
    {"amd_ibpb", "ibpb"},
    {"amd_ibrs", "ibrs"},
    {"amd_ssb_no", "amd-no-ssb"},
    {"constant_tsc", "invtsc"},
    {"kvm_clocksource", "kvmclock"},
    {"kvm_clocksource2", "kvmclock"},
    {"kvm_async_pf", "kvm-asyncpf"},
    {"kvm_mmu_op", "kvm-mmu"},
    {"kvm_pv_send_ipi", "kvm-pv-ipi"},
    {"kvm_async_pf_int", "kvm-asyncpf-int"},
    {"kvm_clocksource_stable", "kvmclock-stable-bit"},
    {"kvm_hint_realtime", "kvm-hint-dedicated"},
    {"rdcl_no", "rdctl-no"},
    {"skip_vmentry_l1dflush", "skip-l1dfl-vmentry"},
    {"tsx_ctrl_msr", "tsx-ctrl"},
    {"fw_write", "full-width-write"},
    {"sdbg", NULL},
    {"dtherm", NULL},
    {"ida", NULL},
    {"pln", NULL},
    {"pts", NULL},
    {"hwp", NULL},
    {"fdp_excptn_only", NULL},
    {"zero_fcs_fds", NULL},
    {"cqm", NULL},
    {"rdt_a", NULL},
    {"prefetchwt1", NULL},
    {"shstk", NULL},
    {"tme", NULL},
    {"enqcmd", NULL},
    {"srbds_ctrl", NULL},
    {"rtm_always_abort", NULL},
    {"tsx_force_abort", NULL},
    {"hybrid_cpu", NULL},
    {"pconfig", NULL},
    {"ibt", NULL},
    {"flush_l1d", NULL},
    {"fzrm", NULL},
    {"fsrs", NULL},
    {"fsrc", NULL},
    {"cmpccxadd", NULL},
    {"amx_fp16", NULL},
    {"avx_ifma", NULL},
    {"lam", NULL},
    {"avx_vnni_int8", NULL},
    {"avx_ne_convert", NULL},
    {"arch_perfmon_ext", NULL},
    {"kvm_async_pf_vmexit", NULL},
    {"kvm_hc_map_gpa_range", NULL},
    {"kvm_migration_control", NULL},
    {"mp", NULL},
    {"mwaitx", NULL},
    {"perfctr_llc", NULL},
    {"bpext", NULL},
    {"ptsc", NULL},
    {"irperf", NULL},
    {"rdpru", NULL},
    {"amd_stibp_always_on", NULL},
    {"lfence_rdtsc", NULL},
    {"null_sel_clr_base", NULL},
    {"autoibrs", NULL},
    {"no_nested_data_bp", NULL},
    {"sbdr_ssdp_no", NULL},
    {"fbsdp_no", NULL},
    {"psdp_no", NULL},
    {"fb_clear", NULL},
    {"fb_clear_ctrl", NULL},
    {"bhi_no", NULL},
    {"gds_ctrl", NULL},
    {"gds_no", NULL},
    {"rfds_no", NULL},
    {"rfds_clear", NULL},
    {"pbrsb_no", NULL},
    {"its_no", NULL},
    {"misc_package_ctls", NULL},
    {"energy_filtering_ctl", NULL},
    {"doitm", NULL},
    {"mcu_control", NULL},
    {"xapic_disable", NULL},
    {"overclocking_status", NULL},
    {"cpuid_faulting", NULL},
    {"pebs_trap", NULL},
    {"pebs_arch_reg", NULL},
    {"smm_freeze", NULL},
    {"pebs_baseline", NULL},
    {"perf_metrics", NULL},
    {"xcr0_x87", NULL},
    {"xcr0_sse", NULL},
    {"xcr0_avx", NULL},
    {"xcr0_bndregs", NULL},
    {"xcr0_bndcsr", NULL},
    {"xcr0_opmask", NULL},
    {"xcr0_zmm_hi256", NULL},
    {"xcr0_hi16_zmm", NULL},
    {"xcr0_pkru", NULL},
    {"xcr0_xtilecfg", NULL},
    {"xcr0_xtiledata", NULL},
    {"amd_lbr_pmc_freeze", NULL},
    {"amd_lbr_v2", NULL},
    {"debug_swap", NULL},
    {"perfmon_v2", NULL},
    {"sev", NULL},
    {"sev_es", NULL},
    {"sev_snp", NULL},
    {"sme", NULL},
    {"sme_coherent", NULL},
    {"v_tsc_aux", NULL},
    {"vm_page_flush", NULL},
};

/* '_' and '-' are one character in flag names */
static bool same_flag_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (*a != *b && !((*a == '_' || *a == '-') && (*b == '_' || *b == '-')))
            return false;
    return *a == *b;
}

static const char *x86_qemu_name(const char *linux_name, char *buf, size_t len)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(x86_qemu_names); i++)
        if (same_flag_name(x86_qemu_names[i].linux_name, linux_name))
            return x86_qemu_names[i].qemu_name;
    snprintf(buf, len, "%s", linux_name);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
    return buf;
}

static bool is_flag(const struct cm_field *f)
{
    return f->width == 1 && f->policy == CM_POL_BITMAP;
}

static uint64_t host_field(const struct cm_vector *h, size_t slot, const struct cm_field *f, bool *known)
{
    *known = h->present[slot] && !h->novalue[slot];
    return *known ? cm_field_get(f, h->val[slot]) : 0;
}

static void cannot_field(struct cm_export *out, const struct cm_vector *m, size_t slot, const struct cm_field *f,
                         uint64_t have, uint64_t want, const char *why)
{
    const struct cm_word *w = &m->ops->words[slot];
    cm_export_cannot(out, m, w->id, f ? f->name : NULL, "%s%s%s: the model has 0x%llx, this host 0x%llx; %s",
                     w->name, f ? "." : "", f ? f->name : "", (unsigned long long)want, (unsigned long long)have, why);
}

static long x86_slot(const struct cm_vector *m, uint32_t leaf, uint32_t sub, enum cm_x86_reg r)
{
    return cm_vector_word_index(m, CM_X86_CPUID_ID(leaf, sub, r));
}

static bool x86_word_value(const struct cm_vector *m, long slot, uint64_t *v)
{
    if (slot < 0 || !m->present[slot] || m->novalue[slot])
        return false;
    *v = m->val[slot];
    return true;
}

static int qemu_x86(const struct cm_export_req *req, struct cm_export *out, struct cm_buf *arg,
                    struct json_object *data)
{
    const struct cm_vector *m = req->model, *h = req->host;
    struct json_object *plus = json_object_new_array(), *minus = json_object_new_array(),
                       *props = json_object_new_object();
    cm_buf_printf(arg, "kvm64");
    json_object_object_add(data, "model", json_object_new_string("kvm64"));

    /* identity the base model would otherwise decide */
    uint64_t v0 = 0, v1 = 0, v2 = 0;
    if (x86_word_value(m, x86_slot(m, 0, 0, CM_X86_EBX), &v0) && x86_word_value(m, x86_slot(m, 0, 0, CM_X86_EDX), &v1) &&
        x86_word_value(m, x86_slot(m, 0, 0, CM_X86_ECX), &v2)) {
        char vendor[13];
        uint32_t parts[3] = {(uint32_t)v0, (uint32_t)v1, (uint32_t)v2};
        memcpy(vendor, parts, 12);
        vendor[12] = '\0';
        cm_buf_printf(arg, ",vendor=%s", vendor);
        json_object_object_add(props, "vendor", json_object_new_string(vendor));
    }
    if (x86_word_value(m, x86_slot(m, 1, 0, CM_X86_EAX), &v0)) {
        /* CPUID.1.EAX: stepping 3:0, model 7:4, family 11:8, ext model 19:16, ext family 27:20 */
        unsigned fam = (v0 >> 8) & 0xf, model = (v0 >> 4) & 0xf, step = v0 & 0xf;
        if (fam == 0xf)
            fam += (v0 >> 20) & 0xff;
        if (fam == 0x6 || fam >= 0xf)
            model |= ((v0 >> 16) & 0xf) << 4;
        cm_buf_printf(arg, ",family=%u,model=%u,stepping=%u", fam, model, step);
        json_object_object_add(props, "family", json_object_new_int((int)fam));
        json_object_object_add(props, "model", json_object_new_int((int)model));
        json_object_object_add(props, "stepping", json_object_new_int((int)step));
    }
    if (x86_word_value(m, x86_slot(m, 0, 0, CM_X86_EAX), &v0)) {
        cm_buf_printf(arg, ",level=0x%llx", (unsigned long long)v0);
        json_object_object_add(props, "level", json_object_new_int64((int64_t)v0));
    }
    if (x86_word_value(m, x86_slot(m, 0x80000000u, 0, CM_X86_EAX), &v0)) {
        cm_buf_printf(arg, ",xlevel=0x%llx", (unsigned long long)v0);
        json_object_object_add(props, "xlevel", json_object_new_int64((int64_t)v0));
    }
    static const uint64_t identity_words[] = {
        CM_X86_CPUID_ID(0, 0, CM_X86_EAX),          CM_X86_CPUID_ID(0, 0, CM_X86_EBX),
        CM_X86_CPUID_ID(0, 0, CM_X86_ECX),          CM_X86_CPUID_ID(0, 0, CM_X86_EDX),
        CM_X86_CPUID_ID(1, 0, CM_X86_EAX),          CM_X86_CPUID_ID(0x80000000u, 0, CM_X86_EAX),
    };

    for (size_t i = 0; i < m->ops->nwords; i++) {
        const struct cm_word *w = &m->ops->words[i];
        bool expressed_word = false;
        for (size_t k = 0; k < CM_ARRAY_SIZE(identity_words); k++)
            expressed_word |= identity_words[k] == w->id;
        if (expressed_word)
            continue;
        bool mval = m->present[i] && !m->novalue[i];
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            if (f->policy == CM_POL_IGNORE)
                continue;
            bool hk;
            uint64_t want = mval ? cm_field_get(f, m->val[i]) : 0, have = host_field(h, i, f, &hk);
            if (is_flag(f)) {
                char b[64];
                const char *q = x86_qemu_name(f->name, b, sizeof(b));
                if (!q) {
                    /* the base model lacks it and nothing can add it */
                    /* CPUID.0xD.0: the XSAVE components follow the feature flags in QEMU */
                    if (want)
                        cannot_field(out, m, i, f, have, want,
                                     cm_x86_id_leaf(w->id) == 0xd
                                         ? "QEMU derives the XSAVE components from the feature flags"
                                         : "QEMU has no property for this flag: the guest will not see it");
                    continue;
                }
                cm_buf_printf(arg, ",%s%s", want ? "+" : "-", q);
                json_object_array_add(want ? plus : minus, json_object_new_string(q));
                continue;
            }
            if (mval && hk && want != have)
                cannot_field(out, m, i, f, have, want, "QEMU's -cpu has no property for this value (QEMU "
                                                       "derives it from the model and flags)");
        }
    }
    json_object_object_add(data, "properties", props);
    json_object_object_add(data, "plus", plus);
    json_object_object_add(data, "minus", minus);
    return 0;
}

/* ---- arm64 ---- */

/* ID register fields QEMU's "host" CPU controls under KVM (target/arm/cpu64.c
 * and kvm64.c): the property, and the field value that means "off". */
static const struct {
    const char *word, *field, *prop;
} arm64_qemu_props[] = {
    {"ID_AA64PFR0_EL1", "SVE", "sve"},
    {"ID_AA64ISAR1_EL1", "APA", "pauth"},
    {"ID_AA64ISAR1_EL1", "API", "pauth"},
    {"ID_AA64ISAR1_EL1", "GPA", "pauth"},
    {"ID_AA64ISAR1_EL1", "GPI", "pauth"},
    {"ID_AA64ISAR2_EL1", "APA3", "pauth"},
    {"ID_AA64ISAR2_EL1", "GPA3", "pauth"},
    {"ID_AA64DFR0_EL1", "PMUVer", "pmu"},
    {"ID_DFR0_EL1", "PerfMon", "pmu"},
};

static const char *arm64_prop(const struct cm_word *w, const struct cm_field *f)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(arm64_qemu_props); i++)
        if (!strcmp(arm64_qemu_props[i].word, w->name) && !strcmp(arm64_qemu_props[i].field, f->name))
            return arm64_qemu_props[i].prop;
    return NULL;
}

/* KVM_REG_ARM64_SVE_VLS: bit (vq - 1) of the first word = vector length vq * 128 */
#define ARM64_SVE_VLS_ID 0x606000000015ffffULL

static int qemu_arm64(const struct cm_export_req *req, struct cm_export *out, struct cm_buf *arg,
                      struct json_object *data)
{
    const struct cm_vector *m = req->model, *h = req->host;
    struct json_object *props = json_object_new_object();
    cm_buf_printf(arg, "host");
    json_object_object_add(data, "model", json_object_new_string("host"));
    /* a property is "off" when the model has the field at 0 anywhere it
     * controls; "on" when the model keeps every field it controls */
    static const char *const names[] = {"sve", "pauth", "pmu"};
    for (size_t p = 0; p < CM_ARRAY_SIZE(names); p++) {
        bool seen = false, off = false;
        for (size_t i = 0; i < m->ops->nwords; i++) {
            const struct cm_word *w = &m->ops->words[i];
            if (!m->present[i] || m->novalue[i])
                continue;
            for (uint16_t fi = 0; fi < w->nfields; fi++) {
                const char *prop = arm64_prop(w, &w->fields[fi]);
                if (!prop || strcmp(prop, names[p]))
                    continue;
                bool hk;
                uint64_t want = cm_field_get(&w->fields[fi], m->val[i]);
                uint64_t have = host_field(h, i, &w->fields[fi], &hk);
                if (!hk || !have)
                    continue; /* the host has nothing to switch off */
                seen = true;
                off |= want == 0 || (w->fields[fi].is_signed && want == 0xf);
            }
        }
        if (seen) {
            cm_buf_printf(arg, ",%s=%s", names[p], off ? "off" : "on");
            json_object_object_add(props, names[p], json_object_new_boolean(!off));
        }
    }
    /* SVE vector lengths: sve<bits>=on for every length the model offers */
    uint64_t vls;
    if (m->snap && cm_vector_has_reg(m, ARM64_SVE_VLS_ID) && cm_snapshot_get_u64(m->snap, ARM64_SVE_VLS_ID, &vls) &&
        vls && !strstr(arg->s, "sve=off")) {
        for (unsigned vq = 1; vq <= 16; vq++)
            if (vls & (1ULL << (vq - 1))) {
                char n[16];
                snprintf(n, sizeof(n), "sve%u", vq * 128);
                cm_buf_printf(arg, ",%s=on", n);
                json_object_object_add(props, n, json_object_new_boolean(1));
            }
    }
    /* every other field where the host differs needs a write QEMU cannot make */
    for (size_t i = 0; i < m->ops->nwords; i++) {
        const struct cm_word *w = &m->ops->words[i];
        if (!m->present[i] || m->novalue[i] || (w->flags & (CM_WORDF_NOVALUE | CM_WORDF_DERIVED)))
            continue;
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            bool hk;
            uint64_t want = cm_field_get(f, m->val[i]), have = host_field(h, i, f, &hk);
            if (f->policy == CM_POL_IGNORE || !hk || want == have || arm64_prop(w, f))
                continue;
            cannot_field(out, m, i, f, have, want, "QEMU's -cpu host has no property for it (needs writable ID "
                                                   "registers set by the VMM)");
        }
    }
    json_object_object_add(data, "properties", props);
    return 0;
}

/* ---- riscv64 ---- */

static int qemu_riscv64(const struct cm_export_req *req, struct cm_export *out, struct cm_buf *arg,
                        struct json_object *data)
{
    const struct cm_vector *m = req->model, *h = req->host;
    struct json_object *props = json_object_new_object();
    cm_buf_printf(arg, "host");
    json_object_object_add(data, "model", json_object_new_string("host"));
    for (size_t i = 0; i < m->ops->nwords; i++) {
        const struct cm_word *w = &m->ops->words[i];
        bool mv = m->present[i] && !m->novalue[i], hv = h->present[i] && !h->novalue[i];
        if (!strncmp(w->name, "ISA_EXT.", 8)) {
            const char *ext = w->name + 8;
            bool on = mv && (m->val[i] & 1);
            if (!mv && !hv)
                continue; /* neither knows it: nothing to say */
            if (!on && hv && (h->val[i] & 1)) {
                /* off where the host has it: only if KVM lets userspace disable it */
                struct cm_buf why = {0};
                uint32_t feat = 0;
                enum cm_enforce e = m->ops->enforce ? m->ops->enforce(h, i, w->nfields ? &w->fields[0] : NULL, 1, 0,
                                                                      &why, &feat)
                                                    : CM_ENF_NO;
                if (e == CM_ENF_NO) {
                    cannot_field(out, m, i, NULL, 1, 0, why.s ? why.s : "KVM cannot disable it on this host");
                    cm_buf_free(&why);
                    continue;
                }
                cm_buf_free(&why);
            }
            cm_buf_printf(arg, ",%s=%s", ext, on ? "on" : "off");
            json_object_object_add(props, ext, json_object_new_boolean(on));
            continue;
        }
        if (!mv || !hv || m->val[i] == h->val[i])
            continue;
        cannot_field(out, m, i, NULL, h->val[i], m->val[i], "QEMU's -cpu has no property for it");
    }
    json_object_object_add(data, "properties", props);
    return 0;
}

static const struct {
    enum cm_arch arch;
    int (*fn)(const struct cm_export_req *, struct cm_export *, struct cm_buf *, struct json_object *);
} qemu_arches[] = {
    {CM_ARCH_X86_64, qemu_x86},
    {CM_ARCH_ARM64, qemu_arm64},
    {CM_ARCH_RISCV64, qemu_riscv64},
};

int cm_export_qemu(const struct cm_export_req *req, struct cm_export *out, cm_error *err)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(qemu_arches); i++) {
        if (qemu_arches[i].arch != req->model->ops->arch)
            continue;
        struct cm_buf arg = {0};
        struct json_object *data = json_object_new_object();
        if (qemu_arches[i].fn(req, out, &arg, data) < 0) {
            cm_buf_free(&arg);
            json_object_put(data);
            return -1;
        }
        json_object_object_add(data, "cpu", json_object_new_string(arg.s));
        out->text = cm_buf_steal(&arg);
        out->data = data;
        return 0;
    }
    return cm_fail(err, CM_E_NOTSUP, "no QEMU mapping for %s", cm_arch_name(req->model->ops->arch));
}
