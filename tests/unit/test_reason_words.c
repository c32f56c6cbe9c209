/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reasons in words: a missing feature flag is named ("lacks avx512ifma"), a
 * signed ID field's all-ones is -1, "not implemented" (the Arm ID scheme:
 * signed fields use 0b1111 for not implemented; field.h), on the real dumps. */
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"

START_TEST(signed_minus_one_is_not_implemented)
{
    const struct cm_field sfield = {.name = "FP", .shift = 16, .width = 4, .is_signed = true};
    const struct cm_field ufield = {.name = "PMUVer", .shift = 8, .width = 4, .is_signed = false};
    char b[64];
    ck_assert_str_eq(cm_field_value_text(&sfield, 0xf, b, sizeof(b)), "0xf (-1: not implemented)");
    ck_assert_str_eq(cm_field_value_text(&sfield, 0x1, b, sizeof(b)), "0x1");
    /* an unsigned field's 0xf is a value like any other (PMUVer 0xf: IMPLEMENTATION DEFINED) */
    ck_assert_str_eq(cm_field_value_text(&ufield, 0xf, b, sizeof(b)), "0xf");
}
END_TEST

/* Every failing x86 flag in a real comparison says "lacks NAME", with the values the reason carries. */
START_TEST(x86_flags_by_name)
{
    struct cm_vector from, to;
    struct cm_snapshot *sf = tl_vec("INTEL_ICELAKE_6.1", &from), *st = tl_vec("INTEL_SKYLAKE_6.1", &to);
    struct cm_reasons r = {0};
    ck_assert(!cm_compare(&from, &to, st, &r));
    size_t flags = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct cm_reason *x = &r.v[i];
        if (x->sev != CM_SEV_ERROR || !x->field || !x->rule || strcmp(x->rule, "BITMAP_AND") || !x->has_values ||
            x->have != 0 || x->want != 1)
            continue;
        char want[128];
        snprintf(want, sizeof(want), "lacks %s, which the model has", x->field);
        ck_assert_msg(strstr(x->text, want), "flag reason without the name: %s", x->text);
        ck_assert_msg(!strstr(x->text, "0x0"), "flag reason still in hex: %s", x->text);
        flags++;
    }
    ck_assert_msg(flags > 0, "Icelake -> Skylake lost no feature flag (avx512ifma at least)");
    cm_reasons_free(&r);
    cm_vector_free(&from);
    cm_vector_free(&to);
    cm_snapshot_free(sf);
    cm_snapshot_free(st);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("reason_words");
    TCase *t = tcase_create("words");
    tcase_add_test(t, signed_minus_one_is_not_implemented);
    tcase_add_test(t, x86_flags_by_name);
    suite_add_tcase(s, t);
    return tl_run(s);
}
