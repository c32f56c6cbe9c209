/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Issue 9 item 10: a host that cannot report its ID registers (the arm64
 * Linux 4.14 dumps list no ID_AA64* register) is flagged in every verdict it
 * takes part in: compare (either side), baseline (every host's verdict, since
 * the model rests on it) and plan (model or host).  Which dumps lack them is
 * read from the fixture JSON itself, independently of the importer.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

#define ID_AA64PFR0_EL1 0x603000000013c020ULL /* every AArch64 CPU has it (Arm ARM) */

/* Oracle: does the dump's reg_modifiers list ID_AA64PFR0_EL1? */
static bool dump_lists_idregs(const char *name)
{
    char file[256];
    snprintf(file, sizeof(file), "fingerprint_%shost.json", name);
    json_object *root = json_object_from_file(tl_fixture_path(file)), *g, *regs;
    ck_assert_ptr_nonnull(root);
    ck_assert(json_object_object_get_ex(root, "guest_cpu_config", &g));
    ck_assert(json_object_object_get_ex(g, "reg_modifiers", &regs));
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(regs); i++) {
        json_object *a;
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(regs, i), "addr", &a));
        found |= strtoull(json_object_get_string(a), NULL, 16) == ID_AA64PFR0_EL1;
    }
    json_object_put(root);
    return found;
}

static size_t flagged(const struct cm_reasons *r, const char *who)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].rule && !strcmp(r->v[i].rule, "id-registers-unreported") && r->v[i].sev == CM_SEV_WARNING &&
            (!who || (r->v[i].host && !strcmp(r->v[i].host, who))))
            n++;
    return n;
}

/* The oracle itself: the three 4.14 dumps lack them, 5.10 and 6.1 have them. */
START_TEST(oracle_4_14_only)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(tl_arm64_fixtures); i++)
        ck_assert_int_eq(dump_lists_idregs(tl_arm64_fixtures[i]), strstr(tl_arm64_fixtures[i], "_4.14") == NULL);
}
END_TEST

/* Every ordered pair: compare flags each side that cannot report; a
 * baseline of the pair flags the model in every host's verdict and the
 * blind host itself; the plan of that model on each member flags it too. */
START_TEST(every_verdict_flags_it)
{
    size_t n = CM_ARRAY_SIZE(tl_arm64_fixtures);
    struct cm_vector v[6];
    struct cm_snapshot *s[6];
    bool blind[6];
    for (size_t i = 0; i < n; i++) {
        s[i] = tl_vec(tl_arm64_fixtures[i], &v[i]);
        blind[i] = !dump_lists_idregs(tl_arm64_fixtures[i]);
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            struct cm_reasons r = {0};
            cm_compare(&v[a], &v[b], s[b], &r);
            ck_assert_msg(flagged(&r, v[a].name) == (blind[a] ? 1u : 0u), "compare %s -> %s: source flag",
                          v[a].name, v[b].name);
            if (a != b)
                ck_assert_msg(flagged(&r, v[b].name) == (blind[b] ? 1u : 0u), "compare %s -> %s: destination flag",
                              v[a].name, v[b].name);
            cm_reasons_free(&r);
            if (a >= b)
                continue;
            const struct cm_vector *h[] = {&v[a], &v[b]};
            struct cm_baseline bl;
            cm_error err = {0};
            ck_assert_msg(cm_baseline(h, 2, false, &bl, &err) == 0, "%s", err.msg);
            bool model_blind = blind[a] || blind[b];
            for (size_t k = 0; k < 2; k++) {
                size_t want = (model_blind ? 1u : 0u) + (blind[k ? b : a] ? 1u : 0u);
                ck_assert_msg(flagged(&bl.verdicts[k].reasons, NULL) == want, "baseline %s + %s, verdict %zu: %zu",
                              v[a].name, v[b].name, k, flagged(&bl.verdicts[k].reasons, NULL));
                struct cm_plan p;
                ck_assert(cm_plan_make(&bl.model, s[k ? b : a], &p, &err) == 0);
                ck_assert_msg(flagged(&p.reasons, NULL) == want, "plan %s + %s on %zu", v[a].name, v[b].name, k);
                /* and the JSON carries it */
                json_object *j = cm_plan_to_json(&p);
                const char *txt = json_object_to_json_string(j);
                ck_assert_int_eq(strstr(txt, "id-registers-unreported") != NULL, want > 0);
                json_object_put(j);
                cm_plan_free(&p);
            }
            cm_baseline_free(&bl);
        }
    for (size_t i = 0; i < n; i++) {
        cm_vector_free(&v[i]);
        cm_snapshot_free(s[i]);
    }
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *su = suite_create("unreported_ids");
    TCase *tc = tcase_create("flag");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, oracle_4_14_only);
    tcase_add_test(tc, every_verdict_flags_it);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
