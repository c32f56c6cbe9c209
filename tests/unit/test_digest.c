/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Models known by content: the digest of a baseline model is the same for
 * the same hosts in any order (every permutation of the real dumps), differs
 * for different hosts, ignores name, creation time and members, survives the
 * JSON round trip, refuses a model edited after the fact, and is the SHA-256
 * of the documented canonical text as computed by sha256sum(1), not by the
 * code under test.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

/* The model snapshot (with its digest) of the named hosts, in that order. */
static struct cm_snapshot *model_of(const char *const *names, size_t n)
{
    struct cm_snapshot *s[8];
    struct cm_vector v[8];
    const struct cm_vector *pv[8];
    for (size_t i = 0; i < n; i++) {
        s[i] = tl_vec(names[i], &v[i]);
        pv[i] = &v[i];
    }
    cm_error err = {0};
    struct cm_vector m;
    ck_assert_msg(cm_merge(pv, n, &m, NULL, NULL, &err) == 0, "merge: %s", err.msg);
    struct cm_snapshot *ms = cm_model_snapshot(&m, pv, n, &err);
    ck_assert_msg(ms, "model snapshot: %s", err.msg);
    ck_assert_msg(ms->digest && cm_digest_valid(ms->digest), "digest %s", ms->digest ? ms->digest : "(none)");
    cm_vector_free(&m);
    for (size_t i = 0; i < n; i++) {
        cm_vector_free(&v[i]);
        cm_snapshot_free(s[i]);
    }
    return ms;
}

static void permute(const char **a, size_t k, size_t n, const char **first_digest, char *first, size_t *count)
{
    if (k == n) {
        struct cm_snapshot *ms = model_of(a, n);
        if (!*first_digest) {
            strcpy(first, ms->digest);
            *first_digest = first;
        }
        ck_assert_msg(!strcmp(first, ms->digest), "order %s,%s,...: %s != %s", a[0], a[1], ms->digest, first);
        (*count)++;
        cm_snapshot_free(ms);
        return;
    }
    for (size_t i = k; i < n; i++) {
        const char *t = a[k];
        a[k] = a[i];
        a[i] = t;
        permute(a, k + 1, n, first_digest, first, count);
        a[i] = a[k];
        a[k] = t;
    }
}

START_TEST(same_hosts_any_order)
{
    const char *x86[] = {"INTEL_SKYLAKE_6.1", "INTEL_CASCADELAKE_6.1", "INTEL_ICELAKE_6.1", "INTEL_SKYLAKE_5.10"};
    const char *arm[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1", "ARM_NEOVERSE_N1_5.10"};
    char d1[CM_DIGEST_LEN], d2[CM_DIGEST_LEN];
    const char *p1 = NULL, *p2 = NULL;
    size_t n1 = 0, n2 = 0;
    permute(x86, 0, 4, &p1, d1, &n1);
    permute(arm, 0, 3, &p2, d2, &n2);
    ck_assert_uint_eq(n1, 24);
    ck_assert_uint_eq(n2, 6);
    ck_assert_str_ne(d1, d2);
}
END_TEST

START_TEST(different_hosts_differ)
{
    const char *a[] = {"INTEL_SKYLAKE_6.1", "INTEL_ICELAKE_6.1"};
    const char *b[] = {"INTEL_CASCADELAKE_6.1", "INTEL_ICELAKE_6.1"};
    const char *c[] = {"INTEL_ICELAKE_6.1"};
    struct cm_snapshot *ma = model_of(a, 2), *mb = model_of(b, 2), *mc = model_of(c, 1);
    ck_assert_str_ne(ma->digest, mb->digest);
    ck_assert_str_ne(mb->digest, mc->digest);
    /* a merge of one host with itself is that host's model */
    const char *cc[] = {"INTEL_ICELAKE_6.1", "INTEL_ICELAKE_6.1"};
    struct cm_snapshot *mcc = model_of(cc, 2);
    ck_assert_str_eq(mc->digest, mcc->digest);
    cm_snapshot_free(ma);
    cm_snapshot_free(mb);
    cm_snapshot_free(mc);
    cm_snapshot_free(mcc);
}
END_TEST

START_TEST(labels_do_not_count)
{
    const char *a[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1"};
    struct cm_snapshot *ms = model_of(a, 2);
    char before[CM_DIGEST_LEN], after[CM_DIGEST_LEN];
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_digest(ms, before, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(before, ms->digest);
    cm_snapshot_set_str(&ms->host, "renamed");
    cm_snapshot_set_str(&ms->created, "1999-01-01T00:00:00Z");
    cm_snapshot_set_str(&ms->source, "elsewhere");
    cm_snapshot_add_member(ms, "someone-else");
    ck_assert_msg(cm_snapshot_digest(ms, after, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(before, after);
    /* the content does count: one ID register field changed */
    uint64_t v;
    ck_assert(cm_snapshot_get_u64(ms, 0x603000000013c020ULL, &v)); /* ID_AA64PFR0_EL1 */
    cm_snapshot_set_u64(ms, 0x603000000013c020ULL, v ^ (1ULL << 32)); /* SVE field, bit 32 */
    ck_assert_msg(cm_snapshot_digest(ms, after, &err) == 0, "%s", err.msg);
    ck_assert_str_ne(before, after);
    cm_snapshot_free(ms);
}
END_TEST

START_TEST(json_round_trip_and_tamper)
{
    const char *a[] = {"INTEL_CASCADELAKE_6.1", "INTEL_ICELAKE_6.1"};
    struct cm_snapshot *ms = model_of(a, 2), *back = NULL;
    char *text = NULL;
    cm_error err = {0};
    ck_assert_int_eq(cm_snapshot_to_json_string(ms, &text), 0);
    ck_assert_msg(cm_snapshot_parse(text, strlen(text), "model.json", &back, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(back->digest, ms->digest);
    cm_snapshot_free(back);

    /* one feature bit flipped in the CPUID table, the digest left as it was */
    struct json_object *o = json_tokener_parse(text), *cpuid, *e;
    ck_assert(json_object_object_get_ex(o, "cpuid", &cpuid));
    bool flipped = false;
    for (size_t i = 0; i < json_object_array_length(cpuid) && !flipped; i++) {
        e = json_object_array_get_idx(cpuid, i);
        struct json_object *fn, *ecx;
        if (json_object_object_get_ex(e, "function", &fn) && !strcmp(json_object_get_string(fn), "0x1") &&
            json_object_object_get_ex(e, "ecx", &ecx)) {
            unsigned long v = strtoul(json_object_get_string(ecx), NULL, 16) ^ (1ul << 25); /* AES */
            char b[24];
            snprintf(b, sizeof(b), "0x%lx", v);
            json_object_object_add(e, "ecx", json_object_new_string(b));
            flipped = true;
        }
    }
    ck_assert_msg(flipped, "no leaf 1 in the model's CPUID table");
    ck_assert_int_ne(cm_snapshot_from_json(o, "edited.json", &back, &err), 0);
    ck_assert_msg(strstr(err.msg, "edited.json") && strstr(err.msg, "digest") && strstr(err.msg, "does not match"),
                  "error: %s", err.msg);
    /* a malformed digest is named */
    json_object_object_add(o, "digest", json_object_new_string("sha256:XYZ"));
    ck_assert_int_ne(cm_snapshot_from_json(o, "bad.json", &back, &err), 0);
    ck_assert_msg(strstr(err.msg, "64 lowercase hex"), "error: %s", err.msg);
    json_object_put(o);
    free(text);
    cm_snapshot_free(ms);
}
END_TEST

/* SHA-256 by another implementation: coreutils sha256sum over the canonical text */
START_TEST(digest_is_sha256_of_canonical_text)
{
    const char *a[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_6.1"};
    struct cm_snapshot *ms = model_of(a, 2);
    struct cm_vector v;
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(ms, &v, &err) == 0, "%s", err.msg);
    struct cm_buf b = {0};
    cm_digest_canonical(&v, &b);
    ck_assert_msg(!strncmp(b.s, "cpumodel.digest/1\narch arm64\nkernel 6.1\n", 40), "canonical text starts %.60s", b.s);
    ck_assert_msg(!strstr(b.s, "NEOVERSE"), "the canonical text names a host");
    char tmpl[] = "/tmp/cm-digest-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, b.s, b.len), (ssize_t)b.len);
    close(fd);
    char cmd[128], out[128] = "";
    snprintf(cmd, sizeof(cmd), "sha256sum %s", tmpl);
    FILE *p = popen(cmd, "r");
    ck_assert(p);
    ck_assert(fgets(out, sizeof(out), p));
    pclose(p);
    unlink(tmpl);
    ck_assert_msg(!strncmp(out, ms->digest + 7, 64), "sha256sum %.64s, digest %s", out, ms->digest);
    cm_buf_free(&b);
    cm_vector_free(&v);
    cm_snapshot_free(ms);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("real dumps");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, same_hosts_any_order);
    tcase_add_test(tc, different_hosts_differ);
    tcase_add_test(tc, labels_do_not_count);
    tcase_add_test(tc, json_round_trip_and_tamper);
    tcase_add_test(tc, digest_is_sha256_of_canonical_text);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
