/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86_64 driver on hand-built snapshots: id layout, the flag table
 * against CPUID bit positions from the Intel SDM / AMD APM, decode rules
 * (subleaves, leaves above the maximum, malformed tables), enforce,
 * rollback classification, encode round trip and the KVM_SET_CPUID2 plan.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"
#include "../../libcpumodel/x86_64/x86.h"

static const struct cm_arch_ops *ops(void) { return &cm_x86_64_ops; }

static long slot_of(uint64_t id)
{
    for (size_t i = 0; i < ops()->nwords; i++)
        if (ops()->words[i].id == id)
            return (long)i;
    return -1;
}

/* A small but plausible Intel host: max basic leaf 0xd, leaf 7 with two
 * subleaves, XSAVE leaves, extended leaves up to 0x80000008, two feature MSRs. */
static struct cm_snapshot *mk_host(const char *name, uint32_t l7ebx, uint32_t l7ecx, uint64_t arch_cap)
{
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_X86_64);
    cm_snapshot_set_str(&s->host, name);
    cm_snapshot_set_str(&s->kernel, "6.1.0");
    s->kver = CM_KVER(6, 1);
    const struct cm_cpuid_entry e[] = {
        {0x0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69}, /* "GenuineIntel" in EBX, ECX, EDX */
        {0x1, 0, 0, 0x50654, 0x10800, 0xf7fa3203, 0x0f8bfbff},
        {0x7, 0, 1, 1, l7ebx, l7ecx, 0xac000400},
        {0x7, 1, 1, 0x20, 0, 0, 0}, /* avx512_bf16 */
        {0xd, 0, 1, 0x2e7, 0x240, 0xa88, 0},
        {0xd, 1, 1, 0xf, 0x240, 0, 0},
        {0xd, 2, 1, 0x100, 0x240, 0, 0},
        {0xd, 5, 1, 0x40, 0x440, 0, 0},
        {0x14, 0, 1, 1, 0, 0, 0},                      /* above the max basic leaf 0xd */
        {0x80000000, 0, 0, 0x80000008, 0, 0, 0},
        {0x80000001, 0, 0, 0, 0, 0x121, 0x2c100800},
        {0x80000008, 0, 0, 0x302e, 0, 0, 0},
    };
    for (size_t i = 0; i < CM_ARRAY_SIZE(e); i++)
        cm_snapshot_add_cpuid(s, &e[i]);
    cm_snapshot_add_msr(s, CM_X86_MSR_ARCH_CAPABILITIES, arch_cap);
    cm_snapshot_add_msr(s, CM_X86_MSR_UCODE_REV, 0x100000000ULL);
    cm_snapshot_add_msr(s, 0x4b564d05, 1); /* MSR_KVM_POLL_CONTROL: state, not a feature word */
    return s;
}

static void decode_ok(const struct cm_snapshot *s, struct cm_vector *v)
{
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "decode: %s", err.msg);
}

START_TEST(id_layout)
{
    /* KVM_X86_REG_ID(2, 0x10a) from the 6.18 uapi (KVM-FACTS §C.1) */
    ck_assert_uint_eq(CM_X86_MSR_ID(0x10a), 0x203000020000010aULL);
    ck_assert_uint_eq(CM_X86_MSR_ID(0x10), 0x2030000200000010ULL);
    for (size_t i = 0; i < ops()->nwords; i++) {
        uint64_t id = ops()->words[i].id;
        ck_assert_uint_eq(id & CM_REG_ARCH_MASK, CM_REG_X86);
        /* exactly one of: a real MSR id, or a pseudo-id whose type byte is not 2 (MSR) or 3 (KVM) */
        ck_assert_msg(cm_x86_is_msr_id(id) != cm_x86_is_cpuid_id(id), "%s", ops()->words[i].name);
        if (cm_x86_is_cpuid_id(id)) {
            unsigned type = (unsigned)((id >> 32) & 0xff);
            ck_assert_msg(type >= 0xc0 && type <= 0xc3, "%s type 0x%x", ops()->words[i].name, type);
            ck_assert(!cm_x86_is_msr_id(id) && id != CM_X86_KVM_SSP);
        }
        for (size_t j = i + 1; j < ops()->nwords; j++)
            ck_assert_msg(ops()->words[j].id != id, "duplicate word id %s", ops()->words[i].name);
    }
    ck_assert(!cm_x86_is_cpuid_id(CM_X86_KVM_SSP) && !cm_x86_is_msr_id(CM_X86_KVM_SSP));
    /* the documented examples (docs/x86_64.md) */
    ck_assert_uint_eq(CM_X86_CPUID_ID(7, 0, CM_X86_EBX), 0x202000c100000007ULL);
    ck_assert_uint_eq(CM_X86_CPUID_ID(7, 1, CM_X86_EAX), 0x202001c000000007ULL);
    uint64_t id = CM_X86_CPUID_ID(0x7, 1, CM_X86_EDX);
    ck_assert_uint_eq(cm_x86_id_leaf(id), 7);
    ck_assert_uint_eq(cm_x86_id_subleaf(id), 1);
    ck_assert_int_eq(cm_x86_id_reg(id), CM_X86_EDX);
}
END_TEST

START_TEST(names)
{
    char b[64];
    ck_assert_str_eq(ops()->reg_name(CM_X86_CPUID_ID(7, 0, CM_X86_EBX), b, sizeof(b)), "CPUID.07.0.EBX");
    ck_assert_str_eq(ops()->reg_name(CM_X86_CPUID_ID(0x80000008, 0, CM_X86_EAX), b, sizeof(b)),
                     "CPUID.80000008.0.EAX");
    ck_assert_str_eq(ops()->reg_name(CM_X86_MSR_ID(0x10a), b, sizeof(b)), "IA32_ARCH_CAPABILITIES");
    ck_assert_str_eq(ops()->reg_name(CM_X86_MSR_ID(0x12345678), b, sizeof(b)), "MSR_0x12345678");
    ck_assert_str_eq(ops()->reg_name(CM_X86_KVM_SSP, b, sizeof(b)), "KVM_REG_GUEST_SSP");
    /* the word names are what reg_name renders */
    for (size_t i = 0; i < ops()->nwords; i++)
        ck_assert_str_eq(ops()->reg_name(ops()->words[i].id, b, sizeof(b)), ops()->words[i].name);
    ck_assert(ops()->reg_volatile(CM_X86_MSR_ID(0x10)));
    ck_assert(!ops()->reg_volatile(CM_X86_MSR_ID(0x10a)));
    ck_assert(!ops()->reg_volatile(CM_X86_CPUID_ID(1, 0, CM_X86_ECX)));
}
END_TEST

START_TEST(table_sane)
{
    for (size_t i = 0; i < ops()->nwords; i++) {
        const struct cm_word *w = &ops()->words[i];
        uint64_t seen = 0;
        for (uint16_t k = 0; k < w->nfields; k++) {
            const struct cm_field *f = &w->fields[k];
            ck_assert_msg(f->shift + f->width <= w->bits, "%s.%s beyond %u bits", w->name, f->name, w->bits);
            ck_assert_msg(!(seen & cm_field_mask(f)), "%s.%s overlaps", w->name, f->name);
            seen |= cm_field_mask(f);
            /* flag names are unique across the table (they are looked up by name) */
            for (size_t j = 0; j < ops()->nwords; j++)
                for (uint16_t l = 0; l < ops()->words[j].nfields; l++) {
                    const struct cm_field *g = &ops()->words[j].fields[l];
                    ck_assert_msg(g == f || strcmp(g->name, f->name), "field name %s twice", f->name);
                }
        }
    }
}
END_TEST

/* Bit positions from the Intel SDM vol. 2A (CPUID) and the AMD APM vol. 3. */
static const struct {
    const char *name;
    uint32_t leaf, sub;
    enum cm_x86_reg reg;
    unsigned bit;
} sdm_bits[] = {
    {"sse4_2", 1, 0, CM_X86_ECX, 20},         {"avx", 1, 0, CM_X86_ECX, 28},
    {"xsave", 1, 0, CM_X86_ECX, 26},          {"x2apic", 1, 0, CM_X86_ECX, 21},
    {"sse2", 1, 0, CM_X86_EDX, 26},           {"fpu", 1, 0, CM_X86_EDX, 0},
    {"avx2", 7, 0, CM_X86_EBX, 5},            {"avx512f", 7, 0, CM_X86_EBX, 16},
    {"avx512dq", 7, 0, CM_X86_EBX, 17},       {"avx512ifma", 7, 0, CM_X86_EBX, 21},
    {"avx512cd", 7, 0, CM_X86_EBX, 28},       {"avx512bw", 7, 0, CM_X86_EBX, 30},
    {"avx512vl", 7, 0, CM_X86_EBX, 31},       {"avx512vbmi", 7, 0, CM_X86_ECX, 1},
    {"avx512_vbmi2", 7, 0, CM_X86_ECX, 6},    {"gfni", 7, 0, CM_X86_ECX, 8},
    {"vaes", 7, 0, CM_X86_ECX, 9},            {"vpclmulqdq", 7, 0, CM_X86_ECX, 10},
    {"avx512_vnni", 7, 0, CM_X86_ECX, 11},    {"avx512_bitalg", 7, 0, CM_X86_ECX, 12},
    {"avx512_vpopcntdq", 7, 0, CM_X86_ECX, 14}, {"la57", 7, 0, CM_X86_ECX, 16},
    {"md_clear", 7, 0, CM_X86_EDX, 10},       {"arch_capabilities", 7, 0, CM_X86_EDX, 29},
    {"avx512_bf16", 7, 1, CM_X86_EAX, 5},     {"xsaves", 0xd, 1, CM_X86_EAX, 3},
    {"lahf_lm", 0x80000001, 0, CM_X86_ECX, 0}, {"svm", 0x80000001, 0, CM_X86_ECX, 2},
    {"lm", 0x80000001, 0, CM_X86_EDX, 29},    {"nx", 0x80000001, 0, CM_X86_EDX, 20},
    {"rdtscp", 0x80000001, 0, CM_X86_EDX, 27}, {"wbnoinvd", 0x80000008, 0, CM_X86_EBX, 9},
};

START_TEST(flag_table_matches_sdm)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(sdm_bits); i++) {
        size_t slot;
        const struct cm_field *f;
        ck_assert_msg(cm_x86_find_flag(sdm_bits[i].name, &slot, &f), "no flag %s", sdm_bits[i].name);
        ck_assert_uint_eq(ops()->words[slot].id, CM_X86_CPUID_ID(sdm_bits[i].leaf, sdm_bits[i].sub, sdm_bits[i].reg));
        ck_assert_msg(f->shift == sdm_bits[i].bit, "%s at bit %u, SDM says %u", sdm_bits[i].name, f->shift,
                      sdm_bits[i].bit);
        ck_assert_int_eq(f->policy, CM_POL_BITMAP);
    }
    /* §C.3: OSXSAVE and hypervisor are not capabilities */
    size_t slot;
    const struct cm_field *f;
    ck_assert(cm_x86_find_flag("osxsave", &slot, &f) && f->shift == 27 && f->policy == CM_POL_IGNORE);
    ck_assert(cm_x86_find_flag("hypervisor", &slot, &f) && f->shift == 31 && f->policy == CM_POL_IGNORE);
    /* ARCH_CAPABILITIES bit numbers from KVM-FACTS §C.2 */
    ck_assert(cm_x86_find_flag("rdcl_no", &slot, &f) && f->shift == 0);
    ck_assert(cm_x86_find_flag("mds_no", &slot, &f) && f->shift == 5);
    ck_assert(cm_x86_find_flag("gds_no", &slot, &f) && f->shift == 26);
    ck_assert(cm_x86_find_flag("its_no", &slot, &f) && f->shift == 62);
    ck_assert_uint_eq(ops()->words[slot].id, 0x203000020000010aULL);
}
END_TEST

START_TEST(decode_rules)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 1u << 16, 0, 0x2b);
    struct cm_vector v;
    decode_ok(s, &v);
    /* vendor: EBX, EDX, ECX spell "GenuineIntel" */
    char vendor[13];
    uint32_t parts[3] = {(uint32_t)v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EBX))],
                         (uint32_t)v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EDX))],
                         (uint32_t)v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_ECX))]};
    memcpy(vendor, parts, 12);
    vendor[12] = 0;
    ck_assert_str_eq(vendor, "GenuineIntel");
    ck_assert_int_eq(cm_x86_has_flag(&v, "avx512f"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&v, "avx512_bf16"), 1); /* 7.1 visible: 7.0 EAX = 1 */
    ck_assert_int_eq(cm_x86_has_flag(&v, "no_such_flag"), -1);
    ck_assert(v.present[slot_of(CM_X86_MSR_ID(0x10a))]);
    ck_assert(!v.present[slot_of(CM_X86_MSR_ID(0x345))]);              /* not listed */
    ck_assert(!v.present[slot_of(CM_X86_CPUID_ID(0x80000021, 0, CM_X86_EAX))]); /* above 0x80000008 */
    ck_assert(!v.present[slot_of(CM_X86_CPUID_ID(0x40000001, 0, CM_X86_EAX))]); /* no KVM leaves */
    cm_vector_free(&v);

    /* 7.0 EAX = 0: subleaf 1 is above the maximum subleaf and vanishes */
    for (size_t i = 0; i < s->ncpuid; i++)
        if (s->cpuid[i].function == 7 && s->cpuid[i].index == 0)
            s->cpuid[i].eax = 0;
    decode_ok(s, &v);
    ck_assert(!v.present[slot_of(CM_X86_CPUID_ID(7, 1, CM_X86_EAX))]);
    ck_assert_int_eq(cm_x86_has_flag(&v, "avx512_bf16"), 0);
    cm_vector_free(&v);

    /* max basic leaf 6: leaf 7 and 0xd vanish although listed */
    s->cpuid[0].eax = 6;
    decode_ok(s, &v);
    ck_assert(!v.present[slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_EBX))]);
    ck_assert(!v.present[slot_of(CM_X86_CPUID_ID(0xd, 0, CM_X86_EAX))]);
    ck_assert(v.present[slot_of(CM_X86_CPUID_ID(1, 0, CM_X86_ECX))]);
    cm_vector_free(&v);
}
END_TEST

START_TEST(decode_subleaf_flag)
{
    /* a leaf-7 entry without SIGNIFICANT_INDEX answers subleaf 0 only */
    _cleanup_snapshot_ struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_X86_64);
    cm_snapshot_set_str(&s->host, "h");
    struct cm_cpuid_entry e0 = {0x0, 0, 0, 0x7, 0x68747541, 0x444d4163, 0x69746e65}; /* "AuthenticAMD" */
    struct cm_cpuid_entry e7 = {0x7, 0, 0, 5, 0x209, 0, 0};
    cm_snapshot_add_cpuid(s, &e0);
    cm_snapshot_add_cpuid(s, &e7);
    struct cm_vector v;
    decode_ok(s, &v);
    ck_assert(v.present[slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_EBX))]);
    ck_assert_uint_eq(v.val[slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_EBX))], 0x209);
    ck_assert(!v.present[slot_of(CM_X86_CPUID_ID(7, 1, CM_X86_EAX))]);
    cm_vector_free(&v);
}
END_TEST

START_TEST(decode_rejects_malformed)
{
    cm_error err = {0};
    struct cm_vector v;
    /* the same leaf/subleaf twice */
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("dup", 0, 0, 0);
    struct cm_cpuid_entry d = {0x7, 0, 1, 0, 0, 0, 0};
    cm_snapshot_add_cpuid(s, &d);
    ck_assert_int_lt(cm_vector_from_snapshot(s, &v, &err), 0);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ck_assert_msg(strstr(err.msg, "leaf 0x7") && strstr(err.msg, "twice") && strstr(err.msg, "dup"), "%s", err.msg);

    /* a leaf both with and without a significant subleaf */
    _cleanup_snapshot_ struct cm_snapshot *s2 = mk_host("mixed", 0, 0, 0);
    struct cm_cpuid_entry m = {0xd, 3, 0, 0, 0, 0, 0};
    cm_snapshot_add_cpuid(s2, &m);
    ck_assert_int_lt(cm_vector_from_snapshot(s2, &v, &err), 0);
    ck_assert_msg(strstr(err.msg, "leaf 0xd"), "%s", err.msg);

    /* an MSR twice */
    _cleanup_snapshot_ struct cm_snapshot *s3 = mk_host("msr", 0, 0, 0);
    cm_snapshot_add_msr(s3, 0x10a, 1);
    ck_assert_int_lt(cm_vector_from_snapshot(s3, &v, &err), 0);
    ck_assert_msg(strstr(err.msg, "MSR 0x10a") && strstr(err.msg, "IA32_ARCH_CAPABILITIES"), "%s", err.msg);

    /* a host without any CPUID table */
    _cleanup_snapshot_ struct cm_snapshot *s4 = cm_snapshot_new(CM_ARCH_X86_64);
    ck_assert_int_lt(cm_vector_from_snapshot(s4, &v, &err), 0);
    ck_assert_msg(strstr(err.msg, "CPUID"), "%s", err.msg);
}
END_TEST

static enum cm_enforce enf(const struct cm_vector *h, uint64_t word, const char *field, uint64_t have,
                           uint64_t want)
{
    long slot = slot_of(word);
    ck_assert_int_ge(slot, 0);
    const struct cm_word *w = &ops()->words[slot];
    const struct cm_field *f = NULL;
    for (uint16_t k = 0; field && k < w->nfields; k++)
        if (!strcmp(w->fields[k].name, field))
            f = &w->fields[k];
    ck_assert(!field || f);
    struct cm_buf why = {0};
    uint32_t feat = 0;
    enum cm_enforce e = ops()->enforce(h, (size_t)slot, f, have, want, &why, &feat);
    if (e == CM_ENF_NO || e == CM_ENF_WRITE)
        ck_assert_msg(why.s && *why.s, "enforce gives no reason");
    cm_buf_free(&why);
    return e;
}

START_TEST(enforce_rules)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 0, 0, 0);
    struct cm_vector h;
    decode_ok(s, &h);
    /* CPUID is written whole before the first KVM_RUN: any reduction works */
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(7, 0, CM_X86_EBX), "avx512f", 1, 0), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(7, 0, CM_X86_EBX), "avx512f", 0, 1), CM_ENF_NO);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(7, 0, CM_X86_EBX), "avx512f", 1, 1), CM_ENF_SAME);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(0, 0, CM_X86_EAX), "max_basic_leaf", 0x16, 0xd), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(0, 0, CM_X86_EAX), "max_basic_leaf", 0xd, 0x16), CM_ENF_NO);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(0x80000008, 0, CM_X86_EAX), "phys_addr_bits", 46, 52), CM_ENF_NO);
    /* the vendor cannot change */
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(0, 0, CM_X86_EBX), "vendor[0:3]", 0x756e6547, 0x68747541), CM_ENF_NO);
    /* identity is written (a warning for the engine) */
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(1, 0, CM_X86_EAX), "signature", 0x50654, 0x50657), CM_ENF_WRITE);
    /* raw bits: only fewer */
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(7, 1, CM_X86_EDX), NULL, 0x4000, 0), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(7, 1, CM_X86_EDX), NULL, 0, 0x4000), CM_ENF_NO);
    /* PMU event-unavailability mask is inverted: more set bits is fewer events */
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(0xa, 0, CM_X86_EBX), "unavailable_events", 0, 4), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&h, CM_X86_CPUID_ID(0xa, 0, CM_X86_EBX), "unavailable_events", 4, 0), CM_ENF_NO);
    /* feature MSRs: values <= the host's */
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0x10a), "mds_no", 1, 0), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0x10a), "mds_no", 0, 1), CM_ENF_NO);
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0x10a), NULL, 0, 0x400), CM_ENF_NO);
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0x345), "lbr_format", 5, 0), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0x345), "lbr_format", 5, 3), CM_ENF_NO);
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0xce), "cpuid_faulting", 0, 1), CM_ENF_NO);
    ck_assert_int_eq(enf(&h, CM_X86_MSR_ID(0x8b), "revision", 0xf0, 0xf2), CM_ENF_WRITE);
    cm_vector_free(&h);
}
END_TEST

/* CM_WORDF_WRITTEN is a promise about the driver (field.h): on such a word
 * its enforce() answers WRITE for every BITMAP field the host provides and
 * for raw bits the host has, and refuses the rest; the text-free verdict
 * relies on it to skip those calls.  Checked here on every flagged word, for
 * every BITMAP field and the raw bits, with values on both sides. */
START_TEST(written_words_keep_their_promise)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 0, 0, 0);
    struct cm_vector h;
    decode_ok(s, &h);
    const struct cm_arch_ops *ops = h.ops;
    size_t flagged = 0, checked = 0;
    for (size_t slot = 0; slot < ops->nwords; slot++) {
        const struct cm_word *w = &ops->words[slot];
        if (!(w->flags & CM_WORDF_WRITTEN))
            continue;
        flagged++;
        ck_assert_msg(cm_x86_is_cpuid_id(w->id), "%s: only CPUID words are written whole", w->name);
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            if (f->policy != CM_POL_BITMAP)
                continue;
            uint64_t ones = f->width >= 64 ? ~0ULL : (1ULL << f->width) - 1;
            const uint64_t vals[] = {0, 1, ones, ones >> 1, ones & 0x5555555555555555ULL};
            for (size_t a = 0; a < CM_ARRAY_SIZE(vals); a++)
                for (size_t b = 0; b < CM_ARRAY_SIZE(vals); b++) {
                    uint64_t have = vals[a] & ones, want = vals[b] & ones;
                    if (have == want)
                        continue;
                    enum cm_enforce e = ops->enforce(&h, slot, f, have, want, NULL, NULL);
                    bool provided = !(want & ~have);
                    ck_assert_msg(provided ? e == CM_ENF_WRITE : e == CM_ENF_NO, "%s.%s have 0x%llx want 0x%llx: %d",
                                  w->name, f->name, (unsigned long long)have, (unsigned long long)want, e);
                    checked++;
                }
        }
        uint64_t raw = cm_word_raw_mask(w);
        if (raw) {
            ck_assert_int_eq(ops->enforce(&h, slot, NULL, raw, 0, NULL, NULL), CM_ENF_WRITE);
            ck_assert_int_eq(ops->enforce(&h, slot, NULL, 0, raw & -raw, NULL, NULL), CM_ENF_NO);
            checked += 2;
        }
    }
    ck_assert_uint_gt(flagged, 20);
    ck_assert_uint_gt(checked, 100);
    cm_vector_free(&h);
}
END_TEST

START_TEST(classify_rollback)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 0, 0, 0);
    struct cm_vector model;
    decode_ok(s, &model); /* no KVM leaves: kvm_poll_control is hidden */
    struct cm_buf why = {0};
    bool write = false;
    uint64_t wv = 0, one = 1, zero = 0, big = 7;
    uint64_t poll = CM_X86_MSR_ID(0x4b564d05);
    ck_assert_int_eq(ops()->classify_missing(s, &model, poll, &one, &write, &wv, &why), CM_RB_HIDDEN);
    ck_assert_msg(strstr(why.s, "CPUID.40000001.0.EAX"), "%s", why.s);
    cm_buf_free(&why);
    /* with the PV flag in the model: the reset value 1 is droppable, 0 is not */
    long k = slot_of(CM_X86_CPUID_ID(0x40000001, 0, CM_X86_EAX));
    model.present[k] = 1;
    model.val[k] = 1u << 12;
    ck_assert_int_eq(ops()->classify_missing(s, &model, poll, &one, &write, &wv, &why), CM_RB_DROPPABLE);
    cm_buf_free(&why);
    ck_assert_int_eq(ops()->classify_missing(s, &model, poll, &zero, &write, &wv, &why), CM_RB_BLOCKING);
    cm_buf_free(&why);
    /* ungated state MSR: 0 droppable, anything else blocks */
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x34), &zero, &write, &wv, &why),
                     CM_RB_DROPPABLE);
    cm_buf_free(&why);
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x34), &big, &write, &wv, &why),
                     CM_RB_BLOCKING);
    cm_buf_free(&why);
    /* microcode revision: identity drift */
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x8b), NULL, &write, &wv, &why),
                     CM_RB_DROPPABLE);
    cm_buf_free(&why);
    /* a value taken from the snapshot's MSR list when the caller has none */
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x4b564d05), NULL, &write, &wv, &why),
                     CM_RB_DROPPABLE);
    cm_buf_free(&why);
    /* a feature MSR the model carries: droppable, with the model's value written first */
    write = false;
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x10a), &big, &write, &wv, &why),
                     CM_RB_DROPPABLE);
    ck_assert(write);
    ck_assert_uint_eq(wv, model.val[slot_of(CM_X86_MSR_ID(0x10a))]);
    cm_buf_free(&why);
    /* the TSC changes run to run; IA32_PAT is saved by every KVM since 4.14 */
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x10), &big, &write, &wv, &why),
                     CM_RB_DROPPABLE);
    cm_buf_free(&why);
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x277), &big, &write, &wv, &why),
                     CM_RB_DROPPABLE);
    cm_buf_free(&why);
    /* an unknown MSR with a value: blocking */
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_MSR_ID(0x12345), &big, &write, &wv, &why),
                     CM_RB_BLOCKING);
    ck_assert_msg(strstr(why.s, "0x7"), "%s", why.s);
    cm_buf_free(&why);
    /* CPUID registers are never "missing": the table is written whole */
    ck_assert_int_eq(ops()->classify_missing(s, &model, CM_X86_CPUID_ID(0x14, 0, CM_X86_EAX), NULL, &write, &wv,
                                             &why),
                     CM_RB_HIDDEN);
    cm_buf_free(&why);

    /* SSP leaves the register list when the model hides shstk */
    uint64_t *ids = NULL;
    size_t n = 0;
    struct cm_vector host;
    cm_vector_copy(&host, &model);
    host.reg_ids = cm_xrealloc(host.reg_ids, sizeof(uint64_t));
    host.reg_ids[0] = CM_X86_KVM_SSP;
    host.nregs = 1;
    ops()->vanishing(&host, &model, &ids, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ids[0], CM_X86_KVM_SSP);
    free(ids);
    ids = NULL;
    n = 0;
    long c = slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_ECX));
    model.val[c] |= 1u << 7; /* shstk */
    ops()->vanishing(&host, &model, &ids, &n);
    ck_assert_uint_eq(n, 0);
    free(ids);
    cm_vector_free(&host);
    cm_vector_free(&model);
}
END_TEST

START_TEST(encode_roundtrip)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 0x10000 | 0x20, 0x800, 0x2b);
    struct cm_vector v;
    decode_ok(s, &v);
    v.is_model = true;
    cm_error err = {0};
    struct cm_snapshot *out = cm_snapshot_new(CM_ARCH_X86_64);
    out->kind = CM_KIND_MODEL;
    ck_assert_msg(ops()->encode(&v, out, &err) == 0, "%s", err.msg);
    /* every CPUID entry of a model table is one leaf/subleaf, flagged as KVM does */
    for (size_t i = 0; i < out->ncpuid; i++)
        ck_assert_uint_eq(out->cpuid[i].flags & 1, cm_x86_leaf_indexed(out->cpuid[i].function) ? 1u : 0u);
    ck_assert_ptr_eq(cm_snapshot_find_cpuid(out, 0x14, 0), NULL); /* never modelled, above max anyway */
    struct cm_vector back;
    decode_ok(out, &back);
    for (size_t i = 0; i < ops()->nwords; i++) {
        ck_assert_msg(back.present[i] == v.present[i], "%s presence", ops()->words[i].name);
        if (v.present[i])
            ck_assert_msg(back.val[i] == v.val[i], "%s: 0x%llx != 0x%llx", ops()->words[i].name,
                          (unsigned long long)back.val[i], (unsigned long long)v.val[i]);
    }
    cm_vector_free(&back);
    cm_snapshot_free(out);

    /* lowering the model's max basic leaf drops leaves above it from the table */
    v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EAX))] = 6;
    out = cm_snapshot_new(CM_ARCH_X86_64);
    out->kind = CM_KIND_MODEL;
    ck_assert(ops()->encode(&v, out, &err) == 0);
    ck_assert_ptr_eq(cm_snapshot_find_cpuid(out, 7, 0), NULL);
    ck_assert_ptr_eq(cm_snapshot_find_cpuid(out, 0xd, 0), NULL);
    ck_assert_ptr_nonnull(cm_snapshot_find_cpuid(out, 1, 0));
    ck_assert_ptr_nonnull(cm_snapshot_find_msr(out, 0x10a));
    cm_snapshot_free(out);
    cm_vector_free(&v);
}
END_TEST

static const char *jstr(json_object *o, const char *k)
{
    json_object *x;
    ck_assert_msg(json_object_object_get_ex(o, k, &x), "no key %s", k);
    return json_object_get_string(x);
}

START_TEST(plan_extra_table)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 0x10000 | 0x20, 0x800, 0x2b);
    struct cm_vector model;
    decode_ok(s, &model);
    model.is_model = true;
    /* the model: no avx512_vnni, no avx512_bf16 (max subleaf 0), no XSAVE component 5, fewer ARCH_CAP bits */
    model.val[slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_ECX))] = 0;
    model.val[slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_EAX))] = 0;
    model.val[slot_of(CM_X86_CPUID_ID(0xd, 0, CM_X86_EAX))] = 0x7;
    model.val[slot_of(CM_X86_MSR_ID(0x10a))] = 0x21;
    /* IGNORE fields (APIC id, OSXSAVE) stay the host's in the table */
    model.val[slot_of(CM_X86_CPUID_ID(1, 0, CM_X86_EBX))] = 0x07000800;
    model.val[slot_of(CM_X86_CPUID_ID(1, 0, CM_X86_ECX))] |= 1u << 27;
    json_object *o = ops()->plan_extra(&model, s);
    ck_assert_ptr_nonnull(o);
    json_object *t, *m;
    ck_assert(json_object_object_get_ex(o, "cpuid", &t));
    ck_assert(json_object_object_get_ex(o, "msrs", &m));
    bool saw7 = false, saw71 = false, saw_d5 = false, saw_d2 = false, saw14 = false;
    for (size_t i = 0; i < json_object_array_length(t); i++) {
        json_object *e = json_object_array_get_idx(t, i);
        unsigned long fn = strtoul(jstr(e, "function"), NULL, 16), ix = strtoul(jstr(e, "index"), NULL, 16);
        if (fn == 7 && ix == 0) {
            saw7 = true;
            ck_assert_str_eq(jstr(e, "ecx"), "0x0");
            ck_assert_str_eq(jstr(e, "ebx"), "0x10020");
            ck_assert_str_eq(jstr(e, "flags"), "0x1");
        }
        if (fn == 1) {
            ck_assert_str_eq(jstr(e, "ebx"), "0x10800");
            ck_assert_str_eq(jstr(e, "ecx"), "0xf7fa3203");
        }
        saw71 |= fn == 7 && ix == 1;
        saw_d5 |= fn == 0xd && ix == 5;
        saw_d2 |= fn == 0xd && ix == 2;
        saw14 |= fn == 0x14;
    }
    ck_assert(saw7 && !saw71 && !saw_d5 && saw_d2 && !saw14);
    ck_assert_uint_eq(json_object_array_length(m), 2); /* ARCH_CAPABILITIES, UCODE_REV */
    bool saw_cap = false;
    for (size_t i = 0; i < json_object_array_length(m); i++) {
        json_object *e = json_object_array_get_idx(m, i);
        if (!strcmp(jstr(e, "name"), "IA32_ARCH_CAPABILITIES")) {
            saw_cap = true;
            ck_assert_str_eq(jstr(e, "id"), "0x203000020000010a");
            ck_assert_str_eq(jstr(e, "value"), "0x21");
        }
    }
    ck_assert(saw_cap);
    json_object_put(o);
    cm_vector_free(&model);
}
END_TEST

START_TEST(engine_vendor_and_reduction)
{
    /* engine level on hand-built hosts: the vendor splits, feature bits AND */
    _cleanup_snapshot_ struct cm_snapshot *a = mk_host("intel-a", 0x10000, 0x800, 0x2b);
    _cleanup_snapshot_ struct cm_snapshot *b = mk_host("intel-b", 0x10000, 0x000, 0x23);
    _cleanup_snapshot_ struct cm_snapshot *c = mk_host("amd-c", 0x10000, 0x800, 0x2b);
    c->cpuid[0].ebx = 0x68747541; /* "AuthenticAMD" */
    c->cpuid[0].edx = 0x69746e65;
    c->cpuid[0].ecx = 0x444d4163;
    struct cm_vector va, vb, vc;
    decode_ok(a, &va);
    decode_ok(b, &vb);
    decode_ok(c, &vc);
    const struct cm_vector *two[] = {&va, &vb};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert(cm_baseline(two, 2, true, &bl, &err) == 0);
    ck_assert(bl.enforceable_everywhere);
    ck_assert_int_eq(cm_x86_has_flag(&bl.model, "avx512_vnni"), 0);
    ck_assert_int_eq(cm_x86_has_flag(&bl.model, "avx512f"), 1);
    ck_assert_uint_eq(bl.model.val[slot_of(CM_X86_MSR_ID(0x10a))] & 0x8, 0); /* skip_vmentry_l1dflush only on a */
    cm_baseline_free(&bl);

    const struct cm_vector *three[] = {&va, &vb, &vc};
    ck_assert(cm_baseline(three, 3, true, &bl, &err) == 0);
    ck_assert(!bl.enforceable_everywhere);
    ck_assert_uint_ge(bl.incompat.n, 1);
    ck_assert_uint_eq(bl.ngroups, 2);
    bool vendor_reason = false;
    for (size_t i = 0; i < bl.incompat.n; i++)
        vendor_reason |= bl.incompat.v[i].reg == CM_X86_CPUID_ID(0, 0, CM_X86_EBX);
    ck_assert(vendor_reason);
    cm_baseline_free(&bl);
    cm_vector_free(&va);
    cm_vector_free(&vb);
    cm_vector_free(&vc);
}
END_TEST

START_TEST(register_list)
{
    _cleanup_snapshot_ struct cm_snapshot *s = mk_host("h", 0, 0, 0x2b);
    cm_snapshot_add_msr_index(s, 0x10);
    cm_error err = {0};
    ck_assert_msg(cm_x86_snapshot_registers(s, &err) == 0, "%s", err.msg);
    /* one register per CPUID entry and per MSR (3 valued + TSC from the index list) */
    ck_assert_uint_eq(s->nregs, s->ncpuid + 4);
    size_t n = s->nregs;
    ck_assert(cm_x86_snapshot_registers(s, &err) == 0);
    ck_assert_uint_eq(s->nregs, n);
    uint64_t v[2];
    const struct cm_reg *r = cm_snapshot_find_reg(s, CM_X86_LEAF_ID(7, 1));
    ck_assert_ptr_nonnull(r);
    memcpy(v, cm_snapshot_reg_val(s, r), sizeof(v));
    ck_assert_uint_eq(v[0], 0x20); /* EAX | EBX << 32 of 7.1 */
    r = cm_snapshot_find_reg(s, CM_X86_MSR_ID(0x10a));
    ck_assert(r && cm_snapshot_reg_val(s, r)[0] == 0x2b && !(r->flags & CM_REGF_NOVALUE));
    r = cm_snapshot_find_reg(s, CM_X86_MSR_ID(0x10));
    ck_assert(r && (r->flags & CM_REGF_NOVALUE));
    ck_assert_uint_eq(cm_reg_words(CM_X86_LEAF_ID(7, 1)), 2);
    /* leaf ids are neither word ids nor MSR ids, and have names */
    for (size_t i = 0; i < s->nregs; i++) {
        uint64_t id = s->regs[i].id;
        ck_assert(cm_x86_is_leaf_id(id) != cm_x86_is_msr_id(id));
        ck_assert(!(cm_x86_is_leaf_id(id) && slot_of(id) >= 0));
    }
    char b[64];
    ck_assert_str_eq(ops()->reg_name(CM_X86_LEAF_ID(0x14, 0), b, sizeof(b)), "CPUID.14.0");
    ck_assert_str_eq(ops()->reg_name(CM_X86_LEAF_ID(0x8000001d, 3), b, sizeof(b)), "CPUID.8000001D.3");
    /* the vector's register list now has them, and a missing leaf is hidden */
    struct cm_vector v1;
    decode_ok(s, &v1);
    ck_assert_uint_eq(v1.nregs, n);
    struct cm_buf why = {0};
    bool w = false;
    uint64_t wv = 0;
    ck_assert_int_eq(ops()->classify_missing(s, &v1, CM_X86_LEAF_ID(0x14, 0), v, &w, &wv, &why), CM_RB_HIDDEN);
    cm_buf_free(&why);
    cm_vector_free(&v1);
    /* not x86: nothing to do */
    _cleanup_snapshot_ struct cm_snapshot *a = cm_snapshot_new(CM_ARCH_ARM64);
    ck_assert(cm_x86_snapshot_registers(a, &err) == 0 && a->nregs == 0);
}
END_TEST

/* Malformed Firecracker CPUID through the loader: the importer rejects bad
 * register names and duplicate leaves; the error names the problem. */
static void parse_fails(const char *cpuid_json, const char *needle)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"firecracker_version\": \"1.13.0\", \"kernel_version\": \"6.1.0\", \"microcode_version\": \"0x1\", "
             "\"bios_version\": \"1\", \"bios_revision\": \"1\", \"guest_cpu_config\": {\"kvm_capabilities\": [], "
             "\"cpuid_modifiers\": [%s], \"msr_modifiers\": []}}",
             cpuid_json);
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    json_object *o = json_tokener_parse(text);
    ck_assert_ptr_nonnull(o);
    int r = cm_import_firecracker(o, "bad.json", &s, &err);
    json_object_put(o);
    if (r == 0) { /* accepted by the loader: the driver must refuse it */
        struct cm_vector v;
        r = cm_vector_from_snapshot(s, &v, &err);
        if (r == 0)
            cm_vector_free(&v);
        cm_snapshot_free(s);
    }
    ck_assert_msg(r < 0, "accepted: %s", cpuid_json);
    fprintf(stderr, "rejected as expected: %s\n", err.msg);
    ck_assert_msg(strstr(err.msg, needle), "error \"%s\" does not mention %s", err.msg, needle);
}

#define ZERO32 "\"0b00000000000000000000000000000000\""
START_TEST(malformed_cpuid_rejected)
{
    parse_fails("{\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"flags\": 1, \"modifiers\": "
                "[{\"register\": \"exx\", \"bitmap\": " ZERO32 "}]}",
                "exx");
    parse_fails("{\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"flags\": 1, \"modifiers\": []}, "
                "{\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"flags\": 1, \"modifiers\": []}",
                "0x7");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("x86_driver");
    TCase *t = tcase_create("driver");
    tcase_add_test(t, id_layout);
    tcase_add_test(t, written_words_keep_their_promise);
    tcase_add_test(t, names);
    tcase_add_test(t, table_sane);
    tcase_add_test(t, flag_table_matches_sdm);
    tcase_add_test(t, decode_rules);
    tcase_add_test(t, decode_subleaf_flag);
    tcase_add_test(t, decode_rejects_malformed);
    tcase_add_test(t, enforce_rules);
    tcase_add_test(t, classify_rollback);
    tcase_add_test(t, encode_roundtrip);
    tcase_add_test(t, plan_extra_table);
    tcase_add_test(t, register_list);
    tcase_add_test(t, malformed_cpuid_rejected);
    tcase_add_test(t, engine_vendor_and_reduction);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
