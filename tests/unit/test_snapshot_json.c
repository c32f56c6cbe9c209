/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The snapshot JSON form (schema cpumodel.snapshot/1): lossless round trip of
 * every fixture and of a synthetic snapshot using every member, the register
 * value encoding (full width, little-endian words), format detection in
 * cm_snapshot_load, atomic save, and one test per bad-input path, each
 * checking that the message names the place and the problem and that nothing
 * is returned.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testlib.h"

/* ---- helpers ------------------------------------------------------------- */

static void str_eq(const char *what, const char *a, const char *b)
{
    ck_assert_msg((!a && !b) || (a && b && !strcmp(a, b)), "%s differs: \"%s\" vs \"%s\"", what, a ? a : "(null)",
                  b ? b : "(null)");
}

static void cpuid_eq(const struct cm_cpuid_entry *a, size_t na, const struct cm_cpuid_entry *b, size_t nb)
{
    ck_assert_uint_eq(na, nb);
    for (size_t i = 0; i < na; i++)
        ck_assert_msg(!memcmp(&a[i], &b[i], sizeof(a[i])), "cpuid entry %zu differs", i);
}

/* Every member of struct cm_snapshot that carries information. */
static void snap_assert_equal(const struct cm_snapshot *a, const struct cm_snapshot *b)
{
    ck_assert_int_eq(a->arch, b->arch);
    ck_assert_int_eq(a->kind, b->kind);
    str_eq("host", a->host, b->host);
    str_eq("kernel", a->kernel, b->kernel);
    ck_assert_uint_eq(a->kver, b->kver);
    ck_assert_int_eq(a->api_version, b->api_version);
    str_eq("cpu", a->cpu, b->cpu);
    str_eq("microcode", a->microcode, b->microcode);
    str_eq("bios", a->bios, b->bios);
    str_eq("source", a->source, b->source);
    str_eq("created", a->created, b->created);
    ck_assert_msg(a->probe_ms == b->probe_ms, "probe_ms %.17g vs %.17g", a->probe_ms, b->probe_ms);
    ck_assert_int_eq(a->partial, b->partial);

    ck_assert_uint_eq(a->ncaps, b->ncaps);
    for (size_t i = 0; i < a->ncaps; i++) {
        ck_assert_uint_eq(a->caps[i].id, b->caps[i].id);
        ck_assert_int_eq(a->caps[i].sys, b->caps[i].sys);
        ck_assert_int_eq(a->caps[i].vm, b->caps[i].vm);
        ck_assert_int_eq(a->caps[i].has_vm, b->caps[i].has_vm);
    }
    ck_assert_int_eq(a->has_vcpu_features, b->has_vcpu_features);
    ck_assert_uint_eq(a->vcpu_features, b->vcpu_features);
    ck_assert_uint_eq(a->preferred_target, b->preferred_target);

    ck_assert_uint_eq(a->nregs, b->nregs);
    for (size_t i = 0; i < a->nregs; i++) {
        const struct cm_reg *ra = &a->regs[i], *rb = &b->regs[i];
        ck_assert_uint_eq(ra->id, rb->id);
        ck_assert_uint_eq(ra->flags, rb->flags);
        if (!(ra->flags & CM_REGF_NOVALUE))
            ck_assert_msg(!memcmp(cm_snapshot_reg_val(a, ra), cm_snapshot_reg_val(b, rb),
                                  cm_reg_words(ra->id) * sizeof(uint64_t)),
                          "value of 0x%llx differs", (unsigned long long)ra->id);
    }
    ck_assert_int_eq(!a->writable_masks, !b->writable_masks);
    if (a->writable_masks)
        ck_assert(!memcmp(a->writable_masks, b->writable_masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t)));
    cpuid_eq(a->cpuid, a->ncpuid, b->cpuid, b->ncpuid);
    cpuid_eq(a->cpuid_emulated, a->ncpuid_emulated, b->cpuid_emulated, b->ncpuid_emulated);
    ck_assert_uint_eq(a->nmsrs, b->nmsrs);
    for (size_t i = 0; i < a->nmsrs; i++) {
        ck_assert_uint_eq(a->msrs[i].index, b->msrs[i].index);
        ck_assert_uint_eq(a->msrs[i].value, b->msrs[i].value);
    }
    ck_assert_uint_eq(a->nmsr_index_list, b->nmsr_index_list);
    for (size_t i = 0; i < a->nmsr_index_list; i++)
        ck_assert_uint_eq(a->msr_index_list[i], b->msr_index_list[i]);
    ck_assert_uint_eq(a->nmembers, b->nmembers);
    for (size_t i = 0; i < a->nmembers; i++)
        str_eq("member", a->members[i], b->members[i]);
    ck_assert_uint_eq(a->nfacts, b->nfacts);
    for (size_t i = 0; i < a->nfacts; i++) {
        str_eq("fact", a->facts[i].name, b->facts[i].name);
        ck_assert_uint_eq(a->facts[i].value, b->facts[i].value);
    }
}

/* to_json -> parse -> equal, and the second serialisation is byte-identical. */
static struct cm_snapshot *round_trip(const struct cm_snapshot *s, char **text_out)
{
    char *t1 = NULL, *t2 = NULL;
    struct cm_snapshot *r = NULL;
    cm_error err = {0};
    ck_assert_int_eq(cm_snapshot_to_json_string(s, &t1), 0);
    ck_assert_msg(cm_snapshot_parse(t1, strlen(t1), "rt.json", &r, &err) == 0, "%s", err.msg);
    snap_assert_equal(s, r);
    ck_assert_int_eq(cm_snapshot_to_json_string(r, &t2), 0);
    ck_assert_str_eq(t1, t2);
    free(t2);
    if (text_out)
        *text_out = t1;
    else
        free(t1);
    return r;
}

static char tmpdir[256];
static void make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/cm-sj-XXXXXX", t ? t : "/tmp");
    ck_assert(mkdtemp(tmpdir));
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    ck_assert(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

#define ASSERT_MSG(msg, sub) ck_assert_msg(strstr((msg), (sub)), "expected \"%s\" in: %s", (sub), (msg))

/* cm_snapshot_parse must fail with CM_E_INPUT, *out NULL, message naming "bad.json". */
static const char *parse_bad(const char *text)
{
    static cm_error err;
    struct cm_snapshot *s = (struct cm_snapshot *)0x1;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_snapshot_parse(text, strlen(text), "bad.json", &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ck_assert_msg(!strncmp(err.msg, "bad.json: ", 10), "message does not start with the input name: %s", err.msg);
    return err.msg;
}

/* The same through a file and cm_snapshot_load (format detection). */
static const char *load_bad_len(const char *text, size_t len, enum cm_errcode code)
{
    static cm_error err;
    char path[512];
    make_tmpdir();
    snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
    write_file(path, text, len);
    struct cm_snapshot *s = (struct cm_snapshot *)0x1;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_snapshot_load(path, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, code);
    ck_assert_msg(!strncmp(err.msg, path, strlen(path)), "message does not start with the file: %s", err.msg);
    unlink(path);
    rmdir(tmpdir);
    return err.msg;
}
static const char *load_bad(const char *text) { return load_bad_len(text, strlen(text), CM_E_INPUT); }

#define HDR "\"schema\":\"cpumodel.snapshot/1\",\"arch\":\"arm64\",\"kind\":\"host\""
#define REG(id, val) "{\"id\":\"" id "\",\"value\":\"" val "\"}"

/* A snapshot that uses every member and every register width. */
static struct cm_snapshot *full_snapshot(void)
{
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_ARM64);
    s->kind = CM_KIND_MODEL;
    cm_snapshot_set_str(&s->host, "model-a \"quoted\" / slash");
    cm_snapshot_set_str(&s->kernel, "6.1.172-216.329.amzn2023.aarch64");
    s->api_version = 12;
    cm_snapshot_set_str(&s->cpu, "MIDR 0x413fd0c1");
    cm_snapshot_set_str(&s->microcode, "");
    cm_snapshot_set_str(&s->bios, "1.0 1.0");
    cm_snapshot_set_str(&s->source, "baseline");
    cm_snapshot_set_str(&s->created, "2026-11-21T05:00:00Z");
    s->probe_ms = 12.345678901234567;
    s->partial = true;
    cm_snapshot_add_cap(s, 1, 1, false, 0);
    cm_snapshot_add_cap(s, 232, 0x3f, true, -22);
    s->has_vcpu_features = true;
    s->vcpu_features = 0x1c;
    s->preferred_target = 5;
    uint64_t w[32];
    for (size_t i = 0; i < 32; i++)
        w[i] = 0x0123456789abcdefULL * (i + 1);
    /* every size class the arm64 id space uses, plus synthetic U8/U16/U256 */
    static const uint64_t ids[] = {0x6000000000100001ULL, 0x6010000000100002ULL, 0x6020000000110000ULL,
                                   0x603000000013c020ULL, 0x6040000000100054ULL, 0x6050000000100000ULL,
                                   0x6080000000150000ULL};
    for (size_t i = 0; i < CM_ARRAY_SIZE(ids); i++) {
        uint64_t v[32];
        memcpy(v, w, sizeof(v));
        if (cm_reg_bytes(ids[i]) < 8)
            v[0] &= (1ULL << (cm_reg_bytes(ids[i]) * 8)) - 1;
        ck_assert_int_eq(cm_snapshot_add_reg(s, ids[i], v, 0, NULL), 0);
    }
    ck_assert_int_eq(cm_snapshot_add_reg(s, 0x603000000013df02ULL, w, CM_REGF_VOLATILE, NULL), 0);
    ck_assert_int_eq(cm_snapshot_add_reg(s, 0x603000000013c000ULL, NULL, CM_REGF_NOVALUE, NULL), 0);
    ck_assert_int_eq(cm_snapshot_finish(s, NULL), 0);
    s->writable_masks = calloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
    for (size_t i = 0; i < CM_ARM64_MASKS_LEN; i++)
        s->writable_masks[i] = i * 0x1111111111111111ULL;
    struct cm_cpuid_entry e = {.function = 0x80000008, .index = 0, .flags = 0, .eax = 0x3030, .ebx = 1, .ecx = 2, .edx = 0xffffffff};
    cm_snapshot_add_cpuid(s, &e);
    e.function = 7;
    e.index = 1;
    e.flags = 1;
    cm_snapshot_add_cpuid(s, &e);
    cm_snapshot_add_cpuid_emulated(s, &e);
    cm_snapshot_add_msr(s, 0x10a, 0xfffffffffffffff1ULL);
    cm_snapshot_add_msr_index(s, 0xc0000080);
    cm_snapshot_add_msr_index(s, 0x174);
    cm_snapshot_add_member(s, "ARM_NEOVERSE_N1_6.1");
    cm_snapshot_add_member(s, "ARM_NEOVERSE_V1_6.1");
    ck_assert_int_eq(cm_snapshot_add_fact(s, CM_FACT_ARM64_WA2_WITHOUT_SSBS, 3, NULL), 0);
    ck_assert_int_eq(cm_snapshot_add_fact(s, "test.all_ones", UINT64_MAX, NULL), 0);
    ck_assert_int_eq(cm_snapshot_add_fact(s, "test.zero_0", 0, NULL), 0);
    return s;
}

/* ---- round trip ---------------------------------------------------------- */

static const char *fixture_by_index(int i)
{
    return i < 6 ? tl_arm64_fixtures[i] : tl_x86_fixtures[i - 6];
}

START_TEST(fixture_round_trip)
{
    struct cm_snapshot *s = tl_load(fixture_by_index(_i));
    char *text = NULL;
    struct cm_snapshot *r = round_trip(s, &text);

    /* the JSON itself: one entry per register, every value at full width */
    struct json_object *o = json_tokener_parse(text), *regs = NULL;
    ck_assert(o && json_object_object_get_ex(o, "registers", &regs));
    ck_assert_uint_eq(json_object_array_length(regs), s->nregs);
    for (size_t i = 0; i < s->nregs; i++) {
        struct json_object *e = json_object_array_get_idx(regs, i), *id, *v;
        ck_assert(json_object_object_get_ex(e, "id", &id) && json_object_object_get_ex(e, "value", &v));
        uint64_t rid = strtoull(json_object_get_string(id), NULL, 16);
        ck_assert_uint_eq(strlen(json_object_get_string(v)), 2 + 2 * cm_reg_bytes(rid));
    }
    /* an import has no probe facts, and the key is omitted when there are none */
    ck_assert_uint_eq(s->nfacts, 0);
    ck_assert(!json_object_object_get_ex(o, "facts", NULL));
    json_object_put(o);
    free(text);
    cm_snapshot_free(r);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(full_round_trip)
{
    struct cm_snapshot *s = full_snapshot();
    char *text = NULL;
    struct cm_snapshot *r = round_trip(s, &text);
    /* novalue -> null, volatile flag spelled out */
    ck_assert_ptr_nonnull(strstr(text, "\"value\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"volatile\""));
    /* facts: an object of hex strings, the full 64 bits kept */
    ck_assert_ptr_nonnull(strstr(text, "\"facts\""));
    ck_assert_ptr_nonnull(strstr(text, "\"test.all_ones\": \"0xffffffffffffffff\""));
    const struct cm_fact *f = cm_snapshot_find_fact(r, CM_FACT_ARM64_WA2_WITHOUT_SSBS);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->value, 3);
    ck_assert_ptr_null(cm_snapshot_find_fact(r, "arm64.absent"));
    /* a copy keeps them, independently of the original */
    struct cm_snapshot *d = cm_snapshot_dup(r);
    cm_snapshot_free(r);
    r = NULL;
    snap_assert_equal(s, d);
    cm_snapshot_free(d);
    free(text);
    cm_snapshot_free(r);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(u2048_is_512_digits_little_endian_words)
{
    /* KVM_REG_ARM64_SVE_ZREG(0,0) is U2048 (KVM-FACTS §A.1): word 0 is the least significant */
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_ARM64);
    uint64_t w[32] = {0};
    w[0] = 1;
    w[31] = 0x8000000000000000ULL;
    ck_assert_int_eq(cm_snapshot_add_reg(s, 0x6080000000150000ULL, w, 0, NULL), 0);
    struct json_object *o = cm_snapshot_to_json(s), *regs, *v;
    ck_assert(json_object_object_get_ex(o, "registers", &regs));
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(regs, 0), "value", &v));
    const char *hex = json_object_get_string(v);
    ck_assert_uint_eq(strlen(hex), 2 + 512);
    ck_assert_int_eq(hex[2], '8');   /* bit 2047 */
    ck_assert_int_eq(hex[513], '1'); /* bit 0 */
    for (size_t i = 3; i < 513; i++)
        ck_assert_int_eq(hex[i], '0');
    json_object_put(o);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(shorter_hex_is_zero_extended)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    const char *t = "{" HDR ",\"registers\":[" REG("0x6040000000100054", "0x5") "," REG("0x603000000013c020",
                    "0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000007") "]}";
    ck_assert_msg(cm_snapshot_parse(t, strlen(t), "short.json", &s, &err) == 0, "%s", err.msg);
    const struct cm_reg *r = cm_snapshot_find_reg(s, 0x6040000000100054ULL);
    ck_assert(r);
    ck_assert_uint_eq(cm_snapshot_reg_val(s, r)[0], 5);
    ck_assert_uint_eq(cm_snapshot_reg_val(s, r)[1], 0);
    uint64_t v = 0;
    ck_assert(cm_snapshot_get_u64(s, 0x603000000013c020ULL, &v));
    ck_assert_uint_eq(v, 7);
    /* absent optional members take their defaults; kver is derived from kernel */
    ck_assert_ptr_null(s->host);
    ck_assert(!s->has_vcpu_features);
    ck_assert_ptr_null(s->writable_masks);
    cm_snapshot_free(s);
    /* "kind" defaults to host */
    t = "{\"schema\":\"cpumodel.snapshot/1\",\"arch\":\"x86_64\"}";
    ck_assert_msg(cm_snapshot_parse(t, strlen(t), "nokind.json", &s, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(s->kind, CM_KIND_HOST);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(kver_derived_from_kernel)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    const char *t = "{" HDR ",\"kernel\":\"5.10.255-253.1008.amzn2.aarch64\"}";
    ck_assert_msg(cm_snapshot_parse(t, strlen(t), "k.json", &s, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(CM_KVER_MAJOR(s->kver), 5);
    ck_assert_uint_eq(CM_KVER_MINOR(s->kver), 10);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(unknown_keys_tolerated)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    const char *t = "{" HDR ",\"future_member\":{\"x\":[1,2]},\"registers\":[{\"id\":\"0x603000000013c020\","
                    "\"value\":\"0x11\",\"name\":\"whatever\",\"extra\":true}]}";
    ck_assert_msg(cm_snapshot_parse(t, strlen(t), "fwd.json", &s, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(s->nregs, 1);
    cm_snapshot_free(s);
}
END_TEST

/* ---- format detection and saving ------------------------------------------ */

START_TEST(load_baseline_result_model)
{
    struct cm_snapshot *s = full_snapshot();
    struct json_object *res = json_object_new_object();
    struct json_object *m = cm_snapshot_to_json(s);
    json_object_object_add(m, "fields", json_object_new_array()); /* derived keys of a result */
    json_object_object_add(res, "model", m);
    json_object_object_add(res, "hosts", json_object_new_array());
    json_object_object_add(res, "groups", json_object_new_array());
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/result.json", tmpdir);
    ck_assert_int_eq(json_object_to_file_ext(path, res, JSON_C_TO_STRING_PRETTY), 0);
    struct cm_snapshot *r = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_load(path, &r, &err) == 0, "%s", err.msg);
    snap_assert_equal(s, r);
    unlink(path);
    rmdir(tmpdir);
    json_object_put(res);
    cm_snapshot_free(r);
    cm_snapshot_free(s);
}
END_TEST

static size_t dir_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    ck_assert(d);
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

START_TEST(save_reloads_identically)
{
    struct cm_snapshot *a = tl_load("ARM_NEOVERSE_N1_6.1");
    struct cm_snapshot *b = tl_load("INTEL_ICELAKE_6.1");
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/host.json", tmpdir);
    cm_error err = {0};
    struct cm_snapshot *r = NULL;

    ck_assert_msg(cm_snapshot_save(a, path, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(dir_entries(tmpdir), 1); /* no temporary file left behind */
    ck_assert_msg(cm_snapshot_load(path, &r, &err) == 0, "%s", err.msg);
    snap_assert_equal(a, r);
    cm_snapshot_free(r);

    /* replacing an existing file */
    ck_assert_msg(cm_snapshot_save(b, path, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(dir_entries(tmpdir), 1);
    ck_assert_msg(cm_snapshot_load(path, &r, &err) == 0, "%s", err.msg);
    snap_assert_equal(b, r);
    cm_snapshot_free(r);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);

    /* a directory that does not exist: an I/O error naming the path */
    char bad[600];
    snprintf(bad, sizeof(bad), "%s/nodir/host.json", tmpdir);
    ck_assert_int_eq(cm_snapshot_save(a, bad, &err), -1);
    ck_assert_int_eq(err.code, CM_E_IO);
    ASSERT_MSG(err.msg, bad);

    /* a failed rename (the target is a directory) leaves no temporary file */
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/adir", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(cm_snapshot_save(a, sub, &err), -1);
    ck_assert_int_eq(err.code, CM_E_IO);
    ASSERT_MSG(err.msg, "rename");
    ck_assert_uint_eq(dir_entries(tmpdir), 2); /* host.json and adir only */
    rmdir(sub);

    unlink(path);
    rmdir(tmpdir);
    cm_snapshot_free(a);
    cm_snapshot_free(b);
}
END_TEST

/* ---- bad input: JSON level ------------------------------------------------ */

START_TEST(bad_not_json)
{
    const char *m = load_bad("hello, world\n");
    ASSERT_MSG(m, "line 1, column 1 (byte offset 0)");
    ASSERT_MSG(m, "not valid JSON");
}
END_TEST

START_TEST(bad_truncated_json)
{
    const char *m = load_bad("{\n  \"schema\": \"cpumodel.snapshot/1\",\n  \"arch\": \"arm64\",\n  \"regis");
    ASSERT_MSG(m, "line 4");
    ASSERT_MSG(m, "unexpected end of input");
}
END_TEST

START_TEST(bad_trailing_data)
{
    const char *m = parse_bad("{" HDR "}\n}");
    ASSERT_MSG(m, "line 2, column 1");
    ASSERT_MSG(m, "not valid JSON");
}
END_TEST

START_TEST(bad_nul_byte)
{
    const char t[] = "{\"schema\"\0:1}";
    const char *m = load_bad_len(t, sizeof(t) - 1, CM_E_INPUT);
    ASSERT_MSG(m, "byte offset 9");
    ASSERT_MSG(m, "NUL byte");
}
END_TEST

START_TEST(bad_empty_file)
{
    const char *m = load_bad("");
    ASSERT_MSG(m, "empty file");
    m = parse_bad("");
    ASSERT_MSG(m, "empty input");
}
END_TEST

START_TEST(bad_missing_file)
{
    cm_error err = {0};
    struct cm_snapshot *s = (struct cm_snapshot *)0x1;
    ck_assert_int_eq(cm_snapshot_load("/nonexistent/cpumodel/none.json", &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, CM_E_INPUT); /* the caller named no file: an input error (exit 2), issue 9 item 10 */
    ASSERT_MSG(err.msg, "/nonexistent/cpumodel/none.json: cannot open");
    ASSERT_MSG(err.msg, strerror(ENOENT));
}
END_TEST

/* Issue 9 item 10: a snapshot whose register list (arm64, riscv64) or CPUID
 * table (x86_64) is missing compares as "nothing differs": refused, naming
 * the member and the misspelt key; a Firecracker CPU template is named as one. */
START_TEST(bad_no_content)
{
    const char *m = load_bad("{" HDR ",\"regsiters\":[" REG("0x603000000013c020", "0x1") "]}");
    ASSERT_MSG(m, ": registers: missing or empty");
    ASSERT_MSG(m, "\"regsiters\" (misspelt?)");
    m = load_bad("{\"schema\":\"cpumodel.snapshot/1\",\"arch\":\"riscv64\",\"registers\":[]}");
    ASSERT_MSG(m, "registers: missing or empty: riscv64 snapshots");
    m = load_bad("{\"schema\":\"cpumodel.snapshot/1\",\"arch\":\"x86_64\",\"kind\":\"model\",\"cpuids\":[]}");
    ASSERT_MSG(m, "cpuid: missing or empty");
    ASSERT_MSG(m, "\"cpuids\"");
    /* a baseline result's model, and a Firecracker dump with an empty register list */
    m = load_bad("{\"model\":{" HDR ",\"kind\":\"model\"}}");
    ASSERT_MSG(m, "model.registers: missing or empty");
    m = load_bad("{\"kernel_version\":\"6.1.0\",\"guest_cpu_config\":{\"reg_modifiers\":[]}}");
    ASSERT_MSG(m, "guest_cpu_config.reg_modifiers: missing or empty");
    /* Firecracker's custom CPU template format (docs: cpu-templates), x86 and arm64 */
    m = load_bad("{\"kvm_capabilities\":[],\"cpuid_modifiers\":[{\"leaf\":\"0x1\",\"subleaf\":\"0x0\",\"flags\":0,"
                 "\"modifiers\":[{\"register\":\"ecx\",\"bitmap\":\"0bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0\"}]}],"
                 "\"msr_modifiers\":[]}");
    ASSERT_MSG(m, "Firecracker CPU template");
    ck_assert_ptr_null(strstr(m, "unknown format"));
    m = load_bad("{\"vcpu_features\":[],\"reg_modifiers\":[]}");
    ASSERT_MSG(m, "Firecracker CPU template");
    /* and anything else is still "unknown format" */
    m = load_bad("{\"hello\":1}");
    ASSERT_MSG(m, "unknown format");
}
END_TEST

START_TEST(bad_directory)
{
    cm_error err = {0};
    struct cm_snapshot *s = (struct cm_snapshot *)0x1;
    make_tmpdir();
    ck_assert_int_eq(cm_snapshot_load(tmpdir, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ASSERT_MSG(err.msg, "is a directory");
    rmdir(tmpdir);
}
END_TEST

START_TEST(bad_unknown_format)
{
    const char *m = load_bad("{\"hello\": 1}");
    ASSERT_MSG(m, "(top level): unknown format");
    m = load_bad("[1, 2]");
    ASSERT_MSG(m, "(top level): expected a JSON object");
}
END_TEST

/* ---- bad input: schema level ----------------------------------------------- */

START_TEST(bad_schema)
{
    const char *m = parse_bad("{\"schema\":\"cpumodel.snapshot/2\",\"arch\":\"arm64\",\"kind\":\"host\"}");
    ASSERT_MSG(m, "bad.json: schema: unsupported schema \"cpumodel.snapshot/2\"");
    m = load_bad("{\"schema\":\"cpumodel.snapshot/2\",\"arch\":\"arm64\",\"kind\":\"host\"}");
    ASSERT_MSG(m, "schema: unsupported schema");
    m = parse_bad("{\"arch\":\"arm64\",\"kind\":\"host\"}");
    ASSERT_MSG(m, "bad.json: schema: missing");
    m = parse_bad("{\"schema\":1,\"arch\":\"arm64\",\"kind\":\"host\"}");
    ASSERT_MSG(m, "schema: expected a string, got an integer");
}
END_TEST

START_TEST(bad_types)
{
    const char *m = parse_bad("{\"schema\":\"cpumodel.snapshot/1\",\"arch\":5,\"kind\":\"host\"}");
    ASSERT_MSG(m, "bad.json: arch: expected a string, got an integer");
    m = parse_bad("{" HDR ",\"registers\":{}}");
    ASSERT_MSG(m, "registers: expected an array, got an object");
    m = parse_bad("{" HDR ",\"partial\":\"yes\"}");
    ASSERT_MSG(m, "partial: expected a boolean, got a string");
    m = parse_bad("{" HDR ",\"api_version\":\"12\"}");
    ASSERT_MSG(m, "api_version: expected an integer, got a string");
    m = parse_bad("{" HDR ",\"registers\":[{\"id\":\"0x603000000013c020\",\"value\":5}]}");
    ASSERT_MSG(m, "registers[0].value: expected a hex string, got an integer");
    m = parse_bad("{" HDR ",\"registers\":[7]}");
    ASSERT_MSG(m, "registers[0]: expected an object, got an integer");
    m = parse_bad("{" HDR ",\"capabilities\":[{\"id\":1.5,\"sys\":1}]}");
    ASSERT_MSG(m, "capabilities[0].id: expected an integer, got a number with a fraction");
    m = parse_bad("{" HDR ",\"probe_ms\":true}");
    ASSERT_MSG(m, "probe_ms: expected a number, got a boolean");
    m = parse_bad("{" HDR ",\"probe_ms\":-1}");
    ASSERT_MSG(m, "probe_ms: expected a finite duration");
    m = parse_bad("{" HDR ",\"vcpu_features\":4294967296}");
    ASSERT_MSG(m, "vcpu_features: 4294967296 is out of range");
}
END_TEST

START_TEST(bad_unknown_arch_and_kind)
{
    const char *m = parse_bad("{\"schema\":\"cpumodel.snapshot/1\",\"arch\":\"mips\",\"kind\":\"host\"}");
    ASSERT_MSG(m, "bad.json: arch: unknown arch \"mips\"");
    m = parse_bad("{\"schema\":\"cpumodel.snapshot/1\",\"arch\":\"arm64\",\"kind\":\"guest\"}");
    ASSERT_MSG(m, "kind: unknown kind \"guest\"");
}
END_TEST

START_TEST(bad_value_wider_than_register)
{
    /* U32 register, 33 bits */
    const char *m = parse_bad("{" HDR ",\"registers\":[" REG("0x6020000000110000", "0x100000000") "]}");
    ASSERT_MSG(m, "registers[0].value");
    ASSERT_MSG(m, "wider than 32 bits");
    /* U128 register, 129 bits */
    m = parse_bad("{" HDR ",\"registers\":[" REG("0x603000000013c020", "0x1") "," REG(
        "0x6040000000100054", "0x100000000000000000000000000000000") "]}");
    ASSERT_MSG(m, "registers[1].value");
    ASSERT_MSG(m, "wider than 128 bits");
}
END_TEST

START_TEST(bad_hex_digit)
{
    const char *m = parse_bad("{" HDR ",\"registers\":[" REG("0x603000000013c020", "0x12g4") "]}");
    ASSERT_MSG(m, "registers[0].value");
    ASSERT_MSG(m, "'g' at position 4 of \"0x12g4\" is not a hex digit");
    m = parse_bad("{" HDR ",\"registers\":[" REG("603000000013c020", "0x1") "]}");
    ASSERT_MSG(m, "registers[0].id");
    ASSERT_MSG(m, "is not a hex string");
    m = parse_bad("{" HDR ",\"registers\":[" REG("0x603000000013c020", "0x") "]}");
    ASSERT_MSG(m, "registers[0].value");
    ASSERT_MSG(m, "empty hex string");
}
END_TEST

START_TEST(bad_duplicate_register)
{
    const char *m = parse_bad("{" HDR ",\"registers\":[" REG("0x603000000013c020", "0x1") "," REG(
        "0x603000000013c000", "0x2") "," REG("0x603000000013c020", "0x3") "]}");
    ASSERT_MSG(m, "registers[2].id");
    ASSERT_MSG(m, "duplicate register 0x603000000013c020");
    /* through the loader too */
    m = load_bad("{" HDR ",\"registers\":[" REG("0x603000000013c020", "0x1") "," REG("0x603000000013c020", "0x1") "]}");
    ASSERT_MSG(m, "registers[1].id: duplicate register");
}
END_TEST

START_TEST(bad_register_id)
{
    const char *m = parse_bad("{" HDR ",\"registers\":[" REG("0x2030000000000001", "0x1") "]}");
    ASSERT_MSG(m, "registers[0].id");
    ASSERT_MSG(m, "not an arm64 register id");
    m = parse_bad("{" HDR ",\"registers\":[" REG("0x6090000000150000", "0x1") "]}");
    ASSERT_MSG(m, "size field 9 is beyond U2048");
    m = parse_bad("{" HDR ",\"registers\":[" REG("0x16030000000000001", "0x1") "]}");
    ASSERT_MSG(m, "registers[0].id");
    ASSERT_MSG(m, "wider than 64 bits");
}
END_TEST

START_TEST(bad_register_flags)
{
    const char *m = parse_bad("{" HDR ",\"registers\":[{\"id\":\"0x603000000013c020\",\"value\":null}]}");
    ASSERT_MSG(m, "registers[0].value: null, but flags do not include \"novalue\"");
    m = parse_bad("{" HDR ",\"registers\":[{\"id\":\"0x603000000013c020\",\"value\":\"0x1\",\"flags\":[\"novalue\"]}]}");
    ASSERT_MSG(m, "registers[0].value: must be null");
    m = parse_bad("{" HDR ",\"registers\":[{\"id\":\"0x603000000013c020\",\"value\":\"0x1\",\"flags\":[\"sticky\"]}]}");
    ASSERT_MSG(m, "registers[0].flags[0]: unknown register flag \"sticky\"");
    m = parse_bad("{" HDR ",\"registers\":[{\"id\":\"0x603000000013c020\"}]}");
    ASSERT_MSG(m, "registers[0].value: missing");
}
END_TEST

START_TEST(bad_tables)
{
    const char *m = parse_bad("{" HDR ",\"writable_masks\":[\"0x0\",\"0x1\",\"0x2\"]}");
    ASSERT_MSG(m, "writable_masks: expected 192 entries");
#define CPUID0 "{\"function\":\"0x0\",\"index\":\"0x0\",\"flags\":0,\"eax\":\"0x1\",\"ebx\":\"0x0\",\"ecx\":\"0x0\",\"edx\":\"0x0\"}"
    m = parse_bad("{" HDR ",\"cpuid\":[" CPUID0 "," CPUID0 "]}");
    ASSERT_MSG(m, "cpuid[1]: duplicate CPUID entry function 0x0 index 0x0");
    m = parse_bad("{" HDR ",\"cpuid\":[{\"function\":\"0x0\",\"index\":\"0x0\",\"flags\":0,\"eax\":\"0x100000000\","
                  "\"ebx\":\"0x0\",\"ecx\":\"0x0\",\"edx\":\"0x0\"}]}");
    ASSERT_MSG(m, "cpuid[0].eax");
    ASSERT_MSG(m, "wider than 32 bits");
    m = parse_bad("{" HDR ",\"msrs\":[{\"index\":\"0x10a\",\"value\":\"0x1\"},{\"index\":\"0x10a\",\"value\":\"0x2\"}]}");
    ASSERT_MSG(m, "msrs[1].index: duplicate MSR 0x10a");
    m = parse_bad("{" HDR ",\"msr_index_list\":[\"0x174\",\"0x174\"]}");
    ASSERT_MSG(m, "msr_index_list[1]: duplicate MSR index 0x174");
    m = parse_bad("{" HDR ",\"capabilities\":[{\"id\":1,\"sys\":1},{\"id\":1,\"sys\":0}]}");
    ASSERT_MSG(m, "capabilities[1].id: duplicate capability 1");
    m = parse_bad("{" HDR ",\"members\":[\"a\",3]}");
    ASSERT_MSG(m, "members[1]: expected a string");
}
END_TEST

START_TEST(bad_facts)
{
    const char *m = parse_bad("{" HDR ",\"facts\":[]}");
    ASSERT_MSG(m, "facts: expected an object, got an array");
    m = parse_bad("{" HDR ",\"facts\":{\"arm64.wa2_without_ssbs\":3}}");
    ASSERT_MSG(m, "facts.arm64.wa2_without_ssbs: expected a hex string, got an integer");
    m = parse_bad("{" HDR ",\"facts\":{\"arm64.x\":\"0x10000000000000000\"}}");
    ASSERT_MSG(m, "facts.arm64.x");
    ASSERT_MSG(m, "wider than 64 bits");
    m = parse_bad("{" HDR ",\"facts\":{\"arm64.x\":null}}");
    ASSERT_MSG(m, "facts.arm64.x: expected a hex string");
    m = parse_bad("{" HDR ",\"facts\":{\"Arm64.WA2\":\"0x0\"}}");
    ASSERT_MSG(m, "facts: fact name \"Arm64.WA2\" is not [a-z0-9_.]+");
    m = parse_bad("{" HDR ",\"facts\":{\"\":\"0x0\"}}");
    ASSERT_MSG(m, "is not [a-z0-9_.]+");
    m = load_bad("{" HDR ",\"facts\":{\"a b\":\"0x0\"}}");
    ASSERT_MSG(m, "facts: fact name \"a b\"");
    /* the helpers refuse the same, and duplicates */
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_ARM64);
    cm_error err = {0};
    ck_assert_int_eq(cm_snapshot_add_fact(s, "ok.name_1", 1, &err), 0);
    ck_assert_int_eq(cm_snapshot_add_fact(s, "ok.name_1", 2, &err), -1);
    ASSERT_MSG(err.msg, "duplicate fact \"ok.name_1\"");
    ck_assert_int_eq(cm_snapshot_add_fact(s, "bad/name", 2, &err), -1);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ck_assert_uint_eq(s->nfacts, 1);
    ck_assert_uint_eq(cm_snapshot_find_fact(s, "ok.name_1")->value, 1);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(bad_model_in_result)
{
    const char *m = load_bad("{\"model\":{" HDR ",\"registers\":[" REG("0x6020000000110000", "0x100000000") "]},"
                             "\"fields\":[]}");
    ASSERT_MSG(m, "model.registers[0].value");
    ASSERT_MSG(m, "wider than 32 bits");
    m = load_bad("{\"model\":[]}");
    ASSERT_MSG(m, "model: expected a snapshot object");
}
END_TEST

/* Issue 12 item 1: the daemon set a peer's error from that same string
 * (freed, then copied); ASan flags a relapse, the value check any build. */
START_TEST(set_str_from_itself)
{
    char *field = cm_xstrdup("socket path too long");
    cm_snapshot_set_str(&field, field);
    ck_assert_str_eq(field, "socket path too long");
    cm_snapshot_set_str(&field, field + 7); /* a part of itself */
    ck_assert_str_eq(field, "path too long");
    cm_snapshot_set_str(&field, NULL);
    ck_assert_ptr_null(field);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("snapshot_json");
    TCase *tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, full_round_trip);
    tcase_add_test(tc, u2048_is_512_digits_little_endian_words);
    tcase_add_test(tc, shorter_hex_is_zero_extended);
    tcase_add_test(tc, kver_derived_from_kernel);
    tcase_add_test(tc, unknown_keys_tolerated);
    tcase_add_test(tc, load_baseline_result_model);
    tcase_add_test(tc, set_str_from_itself);
    suite_add_tcase(s, tc);

    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, bad_not_json);
    tcase_add_test(bad, bad_truncated_json);
    tcase_add_test(bad, bad_trailing_data);
    tcase_add_test(bad, bad_nul_byte);
    tcase_add_test(bad, bad_empty_file);
    tcase_add_test(bad, bad_missing_file);
    tcase_add_test(bad, bad_directory);
    tcase_add_test(bad, bad_no_content);
    tcase_add_test(bad, bad_unknown_format);
    tcase_add_test(bad, bad_schema);
    tcase_add_test(bad, bad_types);
    tcase_add_test(bad, bad_unknown_arch_and_kind);
    tcase_add_test(bad, bad_value_wider_than_register);
    tcase_add_test(bad, bad_hex_digit);
    tcase_add_test(bad, bad_duplicate_register);
    tcase_add_test(bad, bad_register_id);
    tcase_add_test(bad, bad_facts);
    tcase_add_test(bad, bad_register_flags);
    tcase_add_test(bad, bad_tables);
    tcase_add_test(bad, bad_model_in_result);
    suite_add_tcase(s, bad);

    /* the real dumps ship with the repository (tests/data/firecracker) */
    tl_require_fixtures();
    TCase *fx = tcase_create("fixtures");
    tcase_set_timeout(fx, 120);
    tcase_add_loop_test(fx, fixture_round_trip, 0, 18);
    tcase_add_test(fx, save_reloads_identically);
    suite_add_tcase(s, fx);
    return tl_run(s);
}
