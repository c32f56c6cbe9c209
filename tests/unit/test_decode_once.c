/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cm_vectors_from_snapshots decodes each snapshot content once: hosts whose
 * files hold the same content (another name, source, time) get a copy of the
 * first one's vector.  Every vector must equal what decoding its own
 * snapshot gives (cm_vector_from_snapshot, the one-host path), carry its own
 * name and point back to its own snapshot; a content that differs in
 * anything decodes on its own; a snapshot that cannot be decoded stops the
 * run at its index with the one-host path's error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

#define N 40

static struct cm_snapshot *renamed(const struct cm_snapshot *s, size_t i)
{
    struct cm_snapshot *d = cm_snapshot_dup(s);
    char name[64];
    snprintf(name, sizeof(name), "host%03zu", i);
    cm_snapshot_set_str(&d->host, name);
    cm_snapshot_set_str(&d->source, "file:other.json");
    return d;
}

static void check_equal(const struct cm_vector *got, const struct cm_snapshot *s)
{
    struct cm_vector want;
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(s, &want, &err) == 0, "%s", err.msg);
    char why[256];
    ck_assert_msg(tl_same_values(got, &want, why, sizeof(why)), "%s: %s", want.name, why);
    ck_assert_str_eq(got->name, want.name);
    ck_assert_ptr_eq(got->snap, s);
    ck_assert(got->kver == want.kver && got->is_model == want.is_model && got->host_flags == want.host_flags &&
              got->has_vcpu_features == want.has_vcpu_features && got->vcpu_features == want.vcpu_features);
    ck_assert(!got->masks == !want.masks);
    if (got->masks)
        ck_assert(!memcmp(got->masks, want.masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t)));
    cm_vector_free(&want);
}

START_TEST(each_content_once)
{
    const char *seeds[] = {"ARM_NEOVERSE_N1_6.1", "ARM_NEOVERSE_V1_5.10", "INTEL_ICELAKE_6.1", "AMD_MILAN_5.10"};
    struct cm_snapshot *base[4], *snaps[N];
    for (int i = 0; i < 4; i++)
        base[i] = tl_load(seeds[i]);
    for (size_t i = 0; i < N; i++) {
        snaps[i] = renamed(base[(i * 7) % 4], i);
        if (i % 9 == 8 && snaps[i]->nwords) /* now and then a content of its own: one register value */
            snaps[i]->words[snaps[i]->nwords - 1] ^= 0x10;
    }
    struct cm_vector vecs[N];
    cm_error err = {0};
    ck_assert_uint_eq(cm_vectors_from_snapshots((const struct cm_snapshot *const *)snaps, N, vecs, &err), N);
    size_t borrowed = 0;
    for (size_t i = 0; i < N; i++) {
        check_equal(&vecs[i], snaps[i]);
        borrowed += vecs[i].reg_ids_borrowed;
    }
    ck_assert_uint_ge(borrowed, N / 2); /* the repeats were copies, not decodes */
    for (size_t i = 0; i < N; i++)
        cm_vector_free(&vecs[i]);

    /* a partial snapshot (an incomplete probe) stops the run at its index */
    snaps[N / 2]->partial = true;
    memset(&err, 0, sizeof(err));
    size_t made = cm_vectors_from_snapshots((const struct cm_snapshot *const *)snaps, N, vecs, &err);
    ck_assert_uint_eq(made, N / 2);
    ck_assert_msg(strstr(err.msg, "partial") && strstr(err.msg, snaps[N / 2]->host), "%s", err.msg);
    for (size_t i = 0; i < made; i++)
        cm_vector_free(&vecs[i]);
    for (size_t i = 0; i < N; i++)
        cm_snapshot_free(snaps[i]);
    for (int i = 0; i < 4; i++)
        cm_snapshot_free(base[i]);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("decode_once");
    TCase *tc = tcase_create("decode");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, each_content_once);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
