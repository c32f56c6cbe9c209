/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The snapshot scanner (libcpumodel/core/snapshot_scan.c) against the json-c
 * reader, differentially (helpers/scan_diff.c): for every fixture as written
 * by cm_snapshot_to_json_string, a snapshot using every member, and tens of
 * thousands of mutations of them (bytes replaced, deleted, inserted; keys
 * doubled, reordered, nulled; numbers and strings in other spellings), the
 * scanner either declines (then json-c reads the text, as before, so the
 * refusals and their messages are json-c's) or builds exactly the snapshot
 * json-c's reader builds, and never takes a text that reader refuses.  The
 * layout we write must be taken (else the fast path would never run).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/digest.h"
#include "helpers/scan_diff.h"
#include "testlib.h"

static void agree(const char *text, size_t len, bool must_scan, const char *what)
{
    char why[512];
    bool scanned = false;
    ck_assert_msg(scan_diff(text, len, &scanned, why, sizeof(why)) == 0, "%s: %s", what, why);
    if (must_scan)
        ck_assert_msg(scanned, "%s: the scanner declined the layout cm_snapshot_to_json_string writes", what);
}

static char *text_of(const struct cm_snapshot *s)
{
    char *t = NULL;
    ck_assert_int_eq(cm_snapshot_to_json_string(s, &t), 0);
    return t;
}

/* A host made richer than any import: every optional member, model kind, a real digest. */
static struct cm_snapshot *every_member(void)
{
    struct cm_snapshot *s = tl_load("ARM_NEOVERSE_N1_6.1");
    s->kind = CM_KIND_MODEL;
    cm_snapshot_set_str(&s->cpu, "MIDR 0x413fd0c1");
    cm_snapshot_set_str(&s->microcode, "");
    s->api_version = 12;
    s->probe_ms = 12.345678901234567;
    /* partial stays false: a partial snapshot has no digest (the edits below set it) */
    cm_snapshot_add_cap(s, 1, 1, false, 0);
    cm_snapshot_add_cap(s, 232, -7, true, -22);
    s->has_vcpu_features = true;
    s->vcpu_features = 0x1c;
    s->preferred_target = 5;
    uint64_t w[4] = {1, 2, 3, 4};
    ck_assert_int_eq(cm_snapshot_add_reg(s, 0x6040000000ff0000ULL, w, 0, NULL), 0); /* U128 */
    ck_assert_int_eq(cm_snapshot_add_reg(s, 0x6030000000ff0001ULL, w, CM_REGF_VOLATILE, NULL), 0); /* volatile */
    ck_assert_int_eq(cm_snapshot_add_reg(s, 0x6030000000ff0002ULL, NULL, CM_REGF_NOVALUE, NULL), 0);
    ck_assert_int_eq(cm_snapshot_finish(s, NULL), 0);
    if (!s->writable_masks)
        s->writable_masks = calloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
    for (size_t i = 0; i < CM_ARM64_MASKS_LEN; i++)
        s->writable_masks[i] = i * 0x1111111111111111ULL;
    struct cm_cpuid_entry e = {.function = 7, .index = 1, .flags = 1, .eax = 0x3030, .ebx = 1, .ecx = 2,
                               .edx = 0xffffffff};
    cm_snapshot_add_cpuid(s, &e);
    cm_snapshot_add_cpuid_emulated(s, &e);
    cm_snapshot_add_msr(s, 0x10a, 0xfffffffffffffff1ULL);
    cm_snapshot_add_msr_index(s, 0xc0000080);
    cm_snapshot_add_member(s, "ARM_NEOVERSE_N1_6.1");
    cm_snapshot_add_member(s, "ARM_NEOVERSE_V1_6.1");
    ck_assert_int_eq(cm_snapshot_add_fact(s, "test.all_ones", UINT64_MAX, NULL), 0);
    ck_assert_int_eq(cm_snapshot_add_fact(s, "test.zero_0", 0, NULL), 0);
    char d[CM_DIGEST_LEN];
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_digest(s, d, &err) == 0, "%s", err.msg);
    cm_snapshot_set_str(&s->digest, d);
    return s;
}

/* The texts the mutations start from: written by us, so each is scanned. */
static char *base_text(int i)
{
    if (i == 0) {
        struct cm_snapshot *s = every_member();
        char *t = text_of(s);
        cm_snapshot_free(s);
        return t;
    }
    struct cm_snapshot *s = tl_load(i == 1 ? "INTEL_ICELAKE_6.1" : "ARM_NEOVERSE_V1_5.10");
    char *t = text_of(s);
    cm_snapshot_free(s);
    return t;
}

START_TEST(fixtures_are_scanned_identically)
{
    for (size_t i = 0; i < 6; i++) {
        struct cm_snapshot *s = tl_load(tl_arm64_fixtures[i]);
        char *t = text_of(s);
        agree(t, strlen(t), true, tl_arm64_fixtures[i]);
        free(t);
        cm_snapshot_free(s);
    }
    for (size_t i = 0; i < 12; i++) {
        struct cm_snapshot *s = tl_load(tl_x86_fixtures[i]);
        char *t = text_of(s);
        agree(t, strlen(t), true, tl_x86_fixtures[i]);
        free(t);
        cm_snapshot_free(s);
    }
    /* the riscv64 snapshots as they are stored (written by cm_snapshot_save) */
    const char *dir = CPUMODEL_SOURCE_DIR "/tests/fixtures/riscv64";
    DIR *d = opendir(dir);
    ck_assert_msg(d, "%s missing", dir);
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (!strstr(de->d_name, ".json"))
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "r");
        ck_assert(f);
        char *buf = NULL;
        size_t cap = 0;
        ssize_t len = getdelim(&buf, &cap, '\0', f);
        fclose(f);
        ck_assert(len > 0);
        agree(buf, (size_t)len, true, path);
        free(buf);
        n++;
    }
    closedir(d);
    ck_assert_uint_ge(n, 1);
}
END_TEST

START_TEST(every_member_and_other_spellings)
{
    struct cm_snapshot *s = every_member();
    char *t = text_of(s);
    agree(t, strlen(t), true, "every member");
    /* the same content without whitespace (json-c's plain form) is taken too */
    struct json_object *o = cm_snapshot_to_json(s);
    const char *plain = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    agree(plain, strlen(plain), true, "plain");
    json_object_put(o);
    free(t);
    cm_snapshot_free(s);
}
END_TEST

/* Edits that matter: each must agree (scanned or declined, never a different answer). */
START_TEST(targeted_edits_agree)
{
    static const struct {
        const char *from, *to;
    } edits[] = {
        {"\"arch\": \"x86_64\"", "\"arch\": \"x86_64\", \"arch\": \"arm64\""},  /* duplicate key */
        {"\"kind\": \"host\"", "\"kind\": null"},
        {"\"kind\": \"host\"", "\"kind\": \"Host\""},
        {"\"kind\": \"host\",", ""},                                            /* absent kind */
        {"\"api_version\": 0", "\"api_version\": -0"},
        {"\"api_version\": 0", "\"api_version\": 00"},
        {"\"api_version\": 0", "\"api_version\": 1.0"},
        {"\"api_version\": 0", "\"api_version\": 1e3"},
        {"\"api_version\": 0", "\"api_version\": 99999999999999999999"},
        {"\"api_version\": 0", "\"api_version\": 2147483648"},
        {"\"api_version\": 0", "\"api_version\": 2147483647"},
        {"\"probe_ms\": 0.0", "\"probe_ms\": 1e400"},
        {"\"probe_ms\": 0.0", "\"probe_ms\": -1.5"},
        {"\"probe_ms\": 0.0", "\"probe_ms\": 7"},
        {"\"probe_ms\": 0.0", "\"probe_ms\": 1.25E+2"},
        {"\"probe_ms\": 0.0", "\"probe_ms\": .5"},
        {"\"partial\": false", "\"partial\": true"},
        {"\"partial\": false", "\"partial\": False"},
        {"\"partial\": false", "\"partial\": falsey"},
        {"\"host\": \"INTEL_ICELAKE_6.1\"", "\"host\": \"INTEL\\u0041\""},
        {"\"host\": \"INTEL_ICELAKE_6.1\"", "\"host\": \"INTEL\\u0000\""},
        {"\"host\": \"INTEL_ICELAKE_6.1\"", "\"host\": \"caf\xc3\xa9\""},
        {"\"host\": \"INTEL_ICELAKE_6.1\"", "\"host\": \"bad\xc3\""},
        {"\"host\": \"INTEL_ICELAKE_6.1\"", "\"host\": \"tab\there\""},
        {"\"schema\": \"cpumodel.snapshot/1\"", "\"schema\": \"cpumodel.snapshot/2\""},
        {"\"schema\": \"cpumodel.snapshot/1\",", ""},
        {"\"registers\"", "\"regsiters\""},
        {"\"cpuid\"", "\"cpuid_\""},
        {"\"value\": \"0x0000000000000000\"", "\"value\": null"},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0x\""},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0x10000000000000000\""},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0X0\""},
        {"\"value\": \"0x0000000000000000\"", "\"value\": 0"},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0x0\", \"flags\": [\"volatile\"]"},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0x0\", \"flags\": [\"volatile\", ]"},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0x0\", \"flags\": [\"Volatile\"]"},
        {"\"value\": \"0x0000000000000000\"", "\"flags\": [\"novalue\"], \"value\": null"},
        {"\"value\": \"0x0000000000000000\"", "\"value\": \"0x0\", \"value\": \"0x1\""},
        {"\"flags\": 0", "\"flags\": 4294967296"},
        {"\"flags\": 0", "\"flags\": -1"},
        {"\"eax\": \"0x", "\"eax\": \"0x1"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ \"0x10\", \"0x10\" ]"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ \"0x10\", \"0x11\" ]"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ \"0x10\" ], \"msr_index_list\": [ \"0x11\" ]"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ \"0x10\" ], \"members\": [ \"a\", \"a\" ]"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ ], \"facts\": { \"x.y\": \"0x1\", \"x.y\": \"0x2\" }"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ ], \"facts\": { \"X\": \"0x1\" }"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ ], \"writable_masks\": [ \"0x0\" ]"},
        {"\"msr_index_list\": [\n  ]", "\"msr_index_list\": [ ], \"digest\": \"sha256:00\""},
        {"\"capabilities\": [\n  ]", "\"capabilities\": [ { \"id\": 1, \"sys\": 2 }, { \"id\": 1, \"sys\": 3 } ]"},
        {"\"capabilities\": [\n  ]", "\"capabilities\": [ { \"id\": 1, \"sys\": -2, \"vm\": null } ]"},
        {"\"capabilities\": [\n  ]", "\"capabilities\": [ { \"id\": 4294967296, \"sys\": 0 } ]"},
    };
    char *t = base_text(1);
    size_t hits = 0;
    for (size_t i = 0; i < CM_ARRAY_SIZE(edits); i++) {
        char *at = strstr(t, edits[i].from);
        if (!at)
            continue;
        hits++;
        size_t pre = (size_t)(at - t), fl = strlen(edits[i].from), tl = strlen(edits[i].to);
        size_t len = strlen(t) - fl + tl;
        char *m = malloc(len + 1);
        memcpy(m, t, pre);
        memcpy(m + pre, edits[i].to, tl);
        strcpy(m + pre + tl, at + fl);
        agree(m, len, false, edits[i].to);
        free(m);
    }
    ck_assert_uint_ge(hits, CM_ARRAY_SIZE(edits) - 2); /* the base text has what the edits look for */
    /* arch after the registers: json-c reads it first; the scanner declines (and the text is
     * still a good snapshot, which json-c takes) */
    const char *arch = "\"arch\": \"x86_64\",", *tail = "\"msr_index_list\"";
    char *a = strstr(t, arch), *z = strstr(t, tail);
    ck_assert(a && z && a < z);
    size_t al = strlen(arch);
    struct cm_buf b = {0};
    cm_buf_printf(&b, "%.*s%.*s%s %s", (int)(a - t), t, (int)(z - a - al), a + al, arch, z);
    bool scanned = true;
    char why[512];
    ck_assert_msg(scan_diff(b.s, b.len, &scanned, why, sizeof(why)) == 0, "%s", why);
    ck_assert(!scanned);
    cm_buf_free(&b);
    free(t);
}
END_TEST

/* Deterministic pseudo-random mutations of each base text. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

START_TEST(mutations_agree)
{
    static const char bytes[] = "\"\\0x}{][,: \n-1e.9afnt\x80\xff";
    char *t = base_text(_i);
    size_t len = strlen(t), scanned_n = 0, total = 0;
    char *m = malloc(len + 8);
    for (int k = 0; k < 4000; k++) {
        size_t pos = next() % len, ml = len;
        memcpy(m, t, len);
        switch (next() % 4) {
        case 0: m[pos] = bytes[next() % (sizeof(bytes) - 1)]; break;    /* replace */
        case 1: m[pos] = '\0'; break;                                    /* a NUL */
        case 2: memmove(m + pos, m + pos + 1, len - pos - 1), ml--; break; /* delete */
        case 3:                                                          /* insert */
            memmove(m + pos + 1, m + pos, len - pos);
            m[pos] = bytes[next() % (sizeof(bytes) - 1)];
            ml++;
            break;
        }
        char why[512];
        bool scanned = false;
        ck_assert_msg(scan_diff(m, ml, &scanned, why, sizeof(why)) == 0, "mutation %d at %zu: %s", k, pos, why);
        scanned_n += scanned;
        total++;
    }
    /* both outcomes occur (else the mutations test nothing) */
    ck_assert_uint_gt(scanned_n, 0);
    ck_assert_uint_lt(scanned_n, total);
    fprintf(stderr, "base %d: %zu of %zu mutations scanned, the rest declined to json-c\n", _i, scanned_n, total);
    free(m);
    free(t);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("snapshot_scan");
    TCase *tc = tcase_create("differential");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, fixtures_are_scanned_identically);
    tcase_add_test(tc, every_member_and_other_spellings);
    tcase_add_test(tc, targeted_edits_agree);
    tcase_add_loop_test(tc, mutations_agree, 0, 3);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
