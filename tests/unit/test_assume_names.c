/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The assumption names the CLI (--reading, --vmm) and the Varlink API take:
 * the documented spellings parse to their enum values, each value prints as
 * the same spelling, and anything else is refused (the man page,
 * protocol/io.cpumodeld.varlink).
 */
#include "cpumodel/negotiate.h"
#include "testlib.h"

START_TEST(documented_names_round_trip)
{
    enum cm_reading r = CM_READ_BOOT;
    ck_assert(cm_reading_parse("migration", &r));
    ck_assert_int_eq(r, CM_READ_MIGRATION);
    ck_assert(cm_reading_parse("boot", &r));
    ck_assert_int_eq(r, CM_READ_BOOT);
    ck_assert_str_eq(cm_reading_name(CM_READ_BOOT), "boot");
    ck_assert_str_eq(cm_reading_name(CM_READ_MIGRATION), "migration");

    enum cm_restore v = CM_RESTORE_PLAN_AWARE;
    ck_assert(cm_restore_parse("restore-all", &v));
    ck_assert_int_eq(v, CM_RESTORE_ALL);
    ck_assert(cm_restore_parse("plan-aware", &v));
    ck_assert_int_eq(v, CM_RESTORE_PLAN_AWARE);
    ck_assert_str_eq(cm_restore_name(CM_RESTORE_ALL), "restore-all");
    ck_assert_str_eq(cm_restore_name(CM_RESTORE_PLAN_AWARE), "plan-aware");
}
END_TEST

START_TEST(other_names_refused_and_out_untouched)
{
    static const char *const bad[] = {"", "Boot", "migration ", "restore", "plan_aware", "restore-all\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum cm_reading r = CM_READ_BOOT;
        enum cm_restore v = CM_RESTORE_PLAN_AWARE;
        ck_assert_msg(!cm_reading_parse(bad[i], &r), "reading \"%s\"", bad[i]);
        ck_assert_msg(!cm_restore_parse(bad[i], &v), "vmm \"%s\"", bad[i]);
        ck_assert_int_eq(r, CM_READ_BOOT);
        ck_assert_int_eq(v, CM_RESTORE_PLAN_AWARE);
    }
    /* one table per enum: a reading name is not a restore name and back */
    enum cm_restore v = CM_RESTORE_ALL;
    enum cm_reading r = CM_READ_MIGRATION;
    ck_assert(!cm_restore_parse("boot", &v));
    ck_assert(!cm_reading_parse("plan-aware", &r));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("assume_names");
    TCase *tc = tcase_create("names");
    tcase_add_test(tc, documented_names_round_trip);
    tcase_add_test(tc, other_names_refused_and_out_untouched);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
