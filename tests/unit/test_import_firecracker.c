/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Firecracker fingerprint import: all 18 real host dumps load, every value
 * equals what the JSON file says (read here with json-c, independently of the
 * importer), CPU identities match the file names (MIDR part numbers, CPUID
 * vendor strings), and every malformed input is refused with a message that
 * names the file, the JSON path and the problem, leaving *out NULL.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cpumodel/arch.h"
#include "testlib.h"

#define MIDR_EL1 0x603000000013c000ULL
#define ID_AA64PFR0_EL1 0x603000000013c020ULL
#define TIMER_CVAL 0x603000000013df02ULL /* volatile: KVM-FACTS §A.1 timer registers */

static char fixture_file[256];
static const char *fixture_name(const char *name)
{
    snprintf(fixture_file, sizeof(fixture_file), "fingerprint_%shost.json", name);
    return fixture_file;
}

static struct json_object *fixture_json(const char *name)
{
    struct json_object *o = json_object_from_file(tl_fixture_path(fixture_name(name)));
    ck_assert_msg(o, "json-c cannot read fixture %s", name);
    return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "fixture lacks %s", key);
    return v;
}

/* Test-side decoding of "0b…" into words (LSB = last digit). */
static void bits_to_words(const char *bm, uint64_t *w, size_t nw)
{
    memset(w, 0, nw * sizeof(*w));
    ck_assert(!strncmp(bm, "0b", 2));
    size_t n = strlen(bm + 2);
    for (size_t i = 0; i < n; i++) {
        size_t bit = n - 1 - i;
        if (bm[2 + i] == '1' && bit < nw * 64)
            w[bit / 64] |= 1ULL << (bit % 64);
    }
}

static uint64_t hexnum(struct json_object *v)
{
    return strtoull(json_object_get_string(v), NULL, 16);
}

START_TEST(all_arm64_fixtures_import)
{
    const char *name = tl_arm64_fixtures[_i];
    struct cm_snapshot *s = tl_load(name);
    struct json_object *o = fixture_json(name);
    struct json_object *mods = get(get(o, "guest_cpu_config"), "reg_modifiers");

    ck_assert_int_eq(s->arch, CM_ARCH_ARM64);
    ck_assert_int_eq(s->kind, CM_KIND_HOST);
    ck_assert_str_eq(s->host, name);
    ck_assert_str_eq(s->kernel, json_object_get_string(get(o, "kernel_version")));
    ck_assert_str_eq(s->microcode, json_object_get_string(get(o, "microcode_version")));
    char bios[128];
    snprintf(bios, sizeof(bios), "%s %s", json_object_get_string(get(o, "bios_version")),
             json_object_get_string(get(o, "bios_revision")));
    ck_assert_str_eq(s->bios, bios);
    char src[300];
    snprintf(src, sizeof(src), "firecracker:%s", fixture_name(name));
    ck_assert_str_eq(s->source, src);
    /* ISO 8601 UTC: YYYY-MM-DDTHH:MM:SSZ */
    ck_assert_uint_eq(strlen(s->created), 20);
    ck_assert(s->created[10] == 'T' && s->created[19] == 'Z');

    /* the kernel generation from the file name ("…_6.1", "…_4.14") */
    const char *kv = strrchr(name, '_') + 1;
    unsigned maj = 0, min = 0;
    ck_assert_int_eq(sscanf(kv, "%u.%u", &maj, &min), 2);
    ck_assert_int_eq(cm_kver_cmp(s->kver, CM_KVER(maj, min)), 0);

    /* one register per reg_modifier, every value as in the file */
    size_t n = json_object_array_length(mods);
    ck_assert_uint_eq(s->nregs, n);
    for (size_t i = 0; i < n; i++) {
        struct json_object *m = json_object_array_get_idx(mods, i);
        uint64_t id = hexnum(get(m, "addr"));
        const struct cm_reg *r = cm_snapshot_find_reg(s, id);
        ck_assert_msg(r, "%s: register 0x%llx missing", name, (unsigned long long)id);
        uint64_t want[32];
        size_t nw = cm_reg_words(id);
        bits_to_words(json_object_get_string(get(m, "bitmap")), want, nw);
        if (cm_reg_bytes(id) < 8)
            want[0] &= (1ULL << (cm_reg_bytes(id) * 8)) - 1;
        for (size_t k = 0; k < nw; k++)
            ck_assert_msg(cm_snapshot_reg_val(s, r)[k] == want[k], "%s: 0x%llx word %zu", name,
                          (unsigned long long)id, k);
        /* registers are sorted and unique */
        if (i + 1 < s->nregs)
            ck_assert(s->regs[i].id < s->regs[i + 1].id);
    }

    /* MIDR_EL1: implementer 0x41 (Arm), part 0xD0C Neoverse N1 / 0xD40 Neoverse V1 (Arm TRMs) */
    uint64_t midr = 0;
    ck_assert(cm_snapshot_get_u64(s, MIDR_EL1, &midr));
    ck_assert_uint_eq((midr >> 24) & 0xff, 0x41);
    ck_assert_uint_eq((midr >> 4) & 0xfff, strstr(name, "_N1_") ? 0xd0c : 0xd40);

    /* the timer value register is run-to-run noise; ID registers are not */
    const struct cm_reg *t = cm_snapshot_find_reg(s, TIMER_CVAL);
    ck_assert(t && (t->flags & CM_REGF_VOLATILE));
    ck_assert(!(cm_snapshot_find_reg(s, MIDR_EL1)->flags & CM_REGF_VOLATILE));
    json_object_put(o);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(n1_61_has_242_registers)
{
    /* the count the brief and the README quote for this file */
    struct cm_snapshot *s = tl_load("ARM_NEOVERSE_N1_6.1");
    ck_assert_uint_eq(s->nregs, 242);
    /* 6.1 lists ID_AA64PFR0_EL1; 4.14's Firecracker dump does not */
    ck_assert(cm_snapshot_find_reg(s, ID_AA64PFR0_EL1));
    cm_snapshot_free(s);
}
END_TEST

START_TEST(all_x86_fixtures_import)
{
    const char *name = tl_x86_fixtures[_i];
    struct cm_snapshot *s = tl_load(name);
    struct json_object *o = fixture_json(name);
    struct json_object *g = get(o, "guest_cpu_config");
    struct json_object *cpuid = get(g, "cpuid_modifiers"), *msrs = get(g, "msr_modifiers");

    ck_assert_int_eq(s->arch, CM_ARCH_X86_64);
    ck_assert_str_eq(s->host, name);
    ck_assert_str_eq(s->kernel, json_object_get_string(get(o, "kernel_version")));
    /* x86 dumps have no register list; loading completes one from the x86
     * driver (CPUID leaves, and every MSR under its 6.18 ONE_REG id) */
    ck_assert_uint_ge(s->nregs, json_object_array_length(msrs));
    ck_assert_uint_eq(s->ncpuid, json_object_array_length(cpuid));
    ck_assert_uint_eq(s->nmsrs, json_object_array_length(msrs));

    for (size_t i = 0; i < json_object_array_length(cpuid); i++) {
        struct json_object *c = json_object_array_get_idx(cpuid, i);
        const struct cm_cpuid_entry *e = &s->cpuid[i]; /* file order is kept */
        ck_assert_uint_eq(e->function, hexnum(get(c, "leaf")));
        ck_assert_uint_eq(e->index, hexnum(get(c, "subleaf")));
        ck_assert_uint_eq(e->flags, (uint32_t)json_object_get_int64(get(c, "flags")));
        struct json_object *mods = get(c, "modifiers");
        for (size_t k = 0; k < json_object_array_length(mods); k++) {
            struct json_object *m = json_object_array_get_idx(mods, k);
            const char *r = json_object_get_string(get(m, "register"));
            uint64_t w;
            bits_to_words(json_object_get_string(get(m, "bitmap")), &w, 1);
            uint32_t have = !strcmp(r, "eax") ? e->eax : !strcmp(r, "ebx") ? e->ebx : !strcmp(r, "ecx") ? e->ecx : e->edx;
            ck_assert_uint_eq(have, (uint32_t)w);
        }
    }
    for (size_t i = 0; i < json_object_array_length(msrs); i++) {
        struct json_object *m = json_object_array_get_idx(msrs, i);
        const struct cm_msr *msr = cm_snapshot_find_msr(s, (uint32_t)hexnum(get(m, "addr")));
        ck_assert(msr);
        uint64_t w;
        bits_to_words(json_object_get_string(get(m, "bitmap")), &w, 1);
        ck_assert_uint_eq(msr->value, w);
        /* and as a register: KVM_X86_REG_ID(KVM_X86_REG_TYPE_MSR, index) = 0x20300002_<index> (KVM-FACTS C.1) */
        uint64_t rv;
        ck_assert(cm_snapshot_get_u64(s, 0x2030000200000000ULL | msr->index, &rv));
        ck_assert_uint_eq(rv, w);
    }

    /* CPUID leaf 0: vendor string in EBX, EDX, ECX (Intel SDM / AMD APM) */
    const struct cm_cpuid_entry *l0 = cm_snapshot_find_cpuid(s, 0, 0);
    ck_assert(l0);
    char vendor[13];
    memcpy(vendor, &l0->ebx, 4);
    memcpy(vendor + 4, &l0->edx, 4);
    memcpy(vendor + 8, &l0->ecx, 4);
    vendor[12] = '\0';
    ck_assert_str_eq(vendor, strncmp(name, "AMD_", 4) ? "GenuineIntel" : "AuthenticAMD");
    json_object_put(o);
    cm_snapshot_free(s);
}
END_TEST

/* ---- bad input --------------------------------------------------------- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/cm-fc-XXXXXX", t ? t : "/tmp");
    ck_assert(mkdtemp(tmpdir));
}

/* Writes text into <tmpdir>/<file>, loads it; the load must fail, leave
 * *out NULL and name the file.  Returns the message (static). */
static const char *load_bad(const char *file, const char *text)
{
    static cm_error err;
    char path[512];
    make_tmpdir();
    snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
    FILE *f = fopen(path, "w");
    ck_assert(f);
    fputs(text, f);
    fclose(f);
    struct cm_snapshot *s = (struct cm_snapshot *)0x1; /* must be reset */
    cm_error_clear(&err);
    ck_assert_int_eq(cm_snapshot_load(path, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ck_assert_msg(strstr(err.msg, path), "message does not name the file: %s", err.msg);
    unlink(path);
    rmdir(tmpdir);
    return err.msg;
}

#define ASSERT_MSG(msg, sub) ck_assert_msg(strstr((msg), (sub)), "expected \"%s\" in: %s", (sub), (msg))

/* An arm64 dump with the given reg_modifiers body (two valid registers first). */
static const char *arm_bad(const char *regs, const char *kernel)
{
    static char buf[4096];
    snprintf(buf, sizeof(buf),
             "{\"firecracker_version\":\"1.16.0\",\"kernel_version\":\"%s\",\"microcode_version\":\"0x1\","
             "\"bios_version\":\"1.0\",\"bios_revision\":\"1.0\",\"guest_cpu_config\":{\"kvm_capabilities\":[],"
             "\"vcpu_features\":[],\"reg_modifiers\":[%s]}}",
             kernel ? kernel : "6.1.172-216.329.amzn2023.aarch64", regs);
    return load_bad("fingerprint_BAD_6.1host.json", buf);
}

#define U64ZERO "0b0000000000000000000000000000000000000000000000000000000000000000"
#define GOOD1 "{\"addr\":\"0x603000000013c000\",\"bitmap\":\"" U64ZERO "\"}"

START_TEST(fc_truncated_bitmap)
{
    /* 10 digits for a U64 register: fewer than min(64, width) */
    const char *m = arm_bad(GOOD1 ",{\"addr\":\"0x603000000013c020\",\"bitmap\":\"0b1111111111\"}", NULL);
    ASSERT_MSG(m, "guest_cpu_config.reg_modifiers[1].bitmap");
    ASSERT_MSG(m, "truncated bitmap");
}
END_TEST

START_TEST(fc_short_bitmap_u64)
{
    const char *m = arm_bad("{\"addr\":\"0x603000000013c000\",\"bitmap\":\"0b1\"}", NULL);
    ASSERT_MSG(m, "reg_modifiers[0].bitmap");
    ASSERT_MSG(m, "truncated");
}
END_TEST

START_TEST(fc_empty_bitmap)
{
    const char *m = arm_bad("{\"addr\":\"0x603000000013c000\",\"bitmap\":\"0b\"}", NULL);
    ASSERT_MSG(m, "reg_modifiers[0].bitmap");
    ASSERT_MSG(m, "empty bitmap");
}
END_TEST

START_TEST(fc_not_a_bitmap)
{
    const char *m = arm_bad("{\"addr\":\"0x603000000013c000\",\"bitmap\":\"0x1234\"}", NULL);
    ASSERT_MSG(m, "reg_modifiers[0].bitmap");
    ASSERT_MSG(m, "not a bitmap");
}
END_TEST

START_TEST(fc_non_binary_digit)
{
    const char *m = arm_bad(GOOD1 ",{\"addr\":\"0x603000000013c020\",\"bitmap\":\"0b"
                                  "000000000000000000000000000000000000000000000000000000000000002\"}",
                            NULL);
    ASSERT_MSG(m, "reg_modifiers[1].bitmap");
    ASSERT_MSG(m, "'2' at position 64 is not a binary digit");
}
END_TEST

START_TEST(fc_dont_care_digit)
{
    const char *m = arm_bad("{\"addr\":\"0x603000000013c020\",\"bitmap\":\"0b"
                            "x000000000000000000000000000000000000000000000000000000000000000\"}",
                            NULL);
    ASSERT_MSG(m, "reg_modifiers[0].bitmap");
    ASSERT_MSG(m, "templates with don't-care bits are not host dumps");
}
END_TEST

START_TEST(fc_wider_than_register)
{
    /* 0x6020… is a U32 (CCSIDR demux) register: bit 40 does not fit */
    const char *m = arm_bad("{\"addr\":\"0x6020000000110000\",\"bitmap\":\"0b"
                            "0000000000000000000000010000000000000000000000000000000000000000\"}",
                            NULL);
    ASSERT_MSG(m, "reg_modifiers[0].bitmap");
    ASSERT_MSG(m, "wider than the 32-bit register");
}
END_TEST

START_TEST(fc_leading_zeros_beyond_width_ok)
{
    /* the real dumps write 128 digits for U32 registers: accepted (positive control) */
    struct json_object *o = json_tokener_parse(
        "{\"kernel_version\":\"6.1.1.aarch64\",\"guest_cpu_config\":{\"reg_modifiers\":[{\"addr\":"
        "\"0x6020000000110000\",\"bitmap\":\"0b"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000010000000000000000000000000000101\"}]}}");
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_import_firecracker(o, "x.json", &s, &err) == 0, "%s", err.msg);
    uint64_t v = 0;
    ck_assert(cm_snapshot_get_u64(s, 0x6020000000110000ULL, &v));
    ck_assert_uint_eq(v, 0x80000005ULL);
    cm_snapshot_free(s);
    json_object_put(o);
}
END_TEST

START_TEST(fc_duplicate_register)
{
    const char *m = arm_bad(GOOD1 ",{\"addr\":\"0x603000000013c020\",\"bitmap\":\"" U64ZERO "\"}," GOOD1, NULL);
    ASSERT_MSG(m, "reg_modifiers[2].addr");
    ASSERT_MSG(m, "duplicate register 0x603000000013c000");
}
END_TEST

START_TEST(fc_wrong_type)
{
    const char *m = arm_bad("{\"addr\":\"0x603000000013c000\",\"bitmap\":5}", NULL);
    ASSERT_MSG(m, "reg_modifiers[0].bitmap");
    ASSERT_MSG(m, "expected a string, got an integer");
    m = arm_bad("{\"addr\":[],\"bitmap\":\"0b1\"}", NULL);
    ASSERT_MSG(m, "reg_modifiers[0].addr");
    ASSERT_MSG(m, "expected an integer, got an array");
}
END_TEST

START_TEST(fc_not_arm64_id)
{
    const char *m = arm_bad("{\"addr\":\"0x2030000000000001\",\"bitmap\":\"" U64ZERO "\"}", NULL);
    ASSERT_MSG(m, "reg_modifiers[0].addr");
    ASSERT_MSG(m, "not an arm64 ONE_REG id");
}
END_TEST

START_TEST(fc_arch_kernel_conflict)
{
    const char *m = arm_bad(GOOD1, "6.1.172-216.329.amzn2023.x86_64");
    ASSERT_MSG(m, "kernel_version");
    ASSERT_MSG(m, "built for x86_64");
    ASSERT_MSG(m, "arm64 host");
}
END_TEST

START_TEST(fc_unknown_arch)
{
    const char *m = load_bad("fingerprint_X_6.1host.json",
                             "{\"kernel_version\":\"6.1.0\",\"guest_cpu_config\":{\"kvm_capabilities\":[]}}");
    ASSERT_MSG(m, "guest_cpu_config");
    ASSERT_MSG(m, "unknown architecture");
}
END_TEST

START_TEST(fc_both_arches)
{
    const char *m = load_bad("f.json", "{\"kernel_version\":\"6.1.0\",\"guest_cpu_config\":{\"reg_modifiers\":[],"
                                       "\"cpuid_modifiers\":[]}}");
    ASSERT_MSG(m, "guest_cpu_config");
    ASSERT_MSG(m, "has both");
}
END_TEST

START_TEST(fc_missing_kernel)
{
    const char *m = load_bad("f.json", "{\"guest_cpu_config\":{\"reg_modifiers\":[]}}");
    ASSERT_MSG(m, "kernel_version: missing");
}
END_TEST

static const char *x86_bad(const char *cpuid, const char *msrs)
{
    static char buf[4096];
    snprintf(buf, sizeof(buf),
             "{\"kernel_version\":\"6.1.172-216.329.amzn2023.x86_64\",\"guest_cpu_config\":{\"kvm_capabilities\":[],"
             "\"cpuid_modifiers\":[%s],\"msr_modifiers\":[%s]}}",
             cpuid, msrs);
    return load_bad("fingerprint_BADX_6.1host.json", buf);
}

#define EAX1 "{\"register\":\"eax\",\"bitmap\":\"0b00000000000000000000000000000001\"}"
#define LEAF0 "{\"leaf\":\"0x0\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[" EAX1 "]}"
#define MSR10A "{\"addr\":\"0x10a\",\"bitmap\":\"" U64ZERO "\"}"

START_TEST(fc_duplicate_cpuid)
{
    const char *m = x86_bad(LEAF0 "," LEAF0, MSR10A);
    ASSERT_MSG(m, "guest_cpu_config.cpuid_modifiers[1]");
    ASSERT_MSG(m, "duplicate CPUID entry leaf 0x0 subleaf 0x0");
}
END_TEST

START_TEST(fc_duplicate_msr)
{
    const char *m = x86_bad(LEAF0, MSR10A "," MSR10A);
    ASSERT_MSG(m, "guest_cpu_config.msr_modifiers[1].addr");
    ASSERT_MSG(m, "duplicate MSR 0x10a");
}
END_TEST

START_TEST(fc_cpuid_register_twice_and_unknown)
{
    const char *m = x86_bad("{\"leaf\":\"0x0\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[" EAX1 "," EAX1 "]}", "");
    ASSERT_MSG(m, "cpuid_modifiers[0].modifiers[1].register");
    ASSERT_MSG(m, "eax given twice");
    m = x86_bad("{\"leaf\":\"0x0\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[{\"register\":\"esi\",\"bitmap\":\"0b0\"}]}",
                "");
    ASSERT_MSG(m, "cpuid_modifiers[0].modifiers[0].register");
    ASSERT_MSG(m, "unknown CPUID register \"esi\"");
}
END_TEST

START_TEST(fc_cpuid_truncated_and_wide)
{
    const char *m = x86_bad("{\"leaf\":\"0x0\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[{\"register\":\"ecx\","
                            "\"bitmap\":\"0b0000000000000000000000000000001\"}]}",
                            "");
    ASSERT_MSG(m, "cpuid_modifiers[0].modifiers[0].bitmap");
    ASSERT_MSG(m, "truncated bitmap: 31 binary digits, a 32-bit register needs at least 32");
    m = x86_bad("{\"leaf\":\"0x0\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[{\"register\":\"ecx\","
                "\"bitmap\":\"0b100000000000000000000000000000000\"}]}",
                "");
    ASSERT_MSG(m, "wider than the 32-bit register");
    m = x86_bad("{\"leaf\":\"0x100000000\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[]}", "");
    ASSERT_MSG(m, "cpuid_modifiers[0].leaf");
    ASSERT_MSG(m, "wider than 32 bits");
}
END_TEST

START_TEST(fc_numeric_leaf_accepted)
{
    /* leaf/subleaf as JSON integers are accepted (positive control for read_num) */
    struct json_object *o = json_tokener_parse(
        "{\"kernel_version\":\"6.1.0\",\"guest_cpu_config\":{\"cpuid_modifiers\":[{\"leaf\":7,\"subleaf\":1,"
        "\"flags\":1,\"modifiers\":[{\"register\":\"edx\",\"bitmap\":\"0b00000000000000000000000000010000\"}]}]}}");
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_import_firecracker(o, NULL, &s, &err) == 0, "%s", err.msg);
    const struct cm_cpuid_entry *e = cm_snapshot_find_cpuid(s, 7, 1);
    ck_assert(e);
    ck_assert_uint_eq(e->edx, 0x10);
    ck_assert_uint_eq(e->eax, 0); /* registers not listed are 0 */
    ck_assert_str_eq(s->source, "firecracker");
    cm_snapshot_free(s);
    json_object_put(o);
}
END_TEST

START_TEST(fc_top_level_not_object)
{
    struct json_object *o = json_tokener_parse("[1,2]");
    struct cm_snapshot *s = (struct cm_snapshot *)0x1;
    cm_error err = {0};
    ck_assert_int_eq(cm_import_firecracker(o, "arr.json", &s, &err), -1);
    ck_assert_ptr_null(s);
    ASSERT_MSG(err.msg, "arr.json: (top level): expected a Firecracker fingerprint object, got an array");
    json_object_put(o);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("import_firecracker");
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, all_arm64_fixtures_import, 0, 6);
    tcase_add_loop_test(tc, all_x86_fixtures_import, 0, 12);
    tcase_add_test(tc, n1_61_has_242_registers);
    suite_add_tcase(s, tc);

    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, fc_truncated_bitmap);
    tcase_add_test(bad, fc_short_bitmap_u64);
    tcase_add_test(bad, fc_empty_bitmap);
    tcase_add_test(bad, fc_not_a_bitmap);
    tcase_add_test(bad, fc_non_binary_digit);
    tcase_add_test(bad, fc_dont_care_digit);
    tcase_add_test(bad, fc_wider_than_register);
    tcase_add_test(bad, fc_leading_zeros_beyond_width_ok);
    tcase_add_test(bad, fc_duplicate_register);
    tcase_add_test(bad, fc_wrong_type);
    tcase_add_test(bad, fc_not_arm64_id);
    tcase_add_test(bad, fc_arch_kernel_conflict);
    tcase_add_test(bad, fc_unknown_arch);
    tcase_add_test(bad, fc_both_arches);
    tcase_add_test(bad, fc_missing_kernel);
    tcase_add_test(bad, fc_duplicate_cpuid);
    tcase_add_test(bad, fc_duplicate_msr);
    tcase_add_test(bad, fc_cpuid_register_twice_and_unknown);
    tcase_add_test(bad, fc_cpuid_truncated_and_wide);
    tcase_add_test(bad, fc_numeric_leaf_accepted);
    tcase_add_test(bad, fc_top_level_not_object);
    suite_add_tcase(s, bad);
    return tl_run(s);
}
