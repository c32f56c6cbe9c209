/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers for the libcheck unit tests. */
#ifndef CPUMODEL_TESTLIB_H
#define CPUMODEL_TESTLIB_H

#include <check.h>

#include "cpumodel/snapshot.h"
#include "cpumodel/vector.h"

/* The Firecracker fixtures folder (tests/data/firecracker in the source tree), or NULL when absent. */
const char *tl_fixture_dir(void);
/* Skips the whole test program (exit 77, "SKIP: ..." on stderr) when the
 * fixtures are not there: never a silent pass. */
void tl_require_fixtures(void);
/* Path of a fixture file (static buffer rotation; valid for a few calls). */
const char *tl_fixture_path(const char *file);
/* Loads fingerprint_<name>host.json, e.g. tl_load("ARM_NEOVERSE_N1_6.1"); aborts the test on error. */
struct cm_snapshot *tl_load(const char *name);
/* The 6 arm64 / 12 x86 fixture names (without prefix/suffix). */
extern const char *const tl_arm64_fixtures[6];
extern const char *const tl_x86_fixtures[12];

/* Loads a fixture and decodes it into *v (the snapshot is returned; free both). */
struct cm_vector;
struct cm_snapshot *tl_vec(const char *name, struct cm_vector *v);
/* True when two vectors hold the same model: values, presence, register list. */
int tl_same_values(const struct cm_vector *a, const struct cm_vector *b, char *why, size_t len);

/* A set of hosts loaded and decoded (free with tl_set_free). */
#define TL_SET_MAX 12
struct tl_set {
    struct cm_snapshot *snap[TL_SET_MAX];
    struct cm_vector vec[TL_SET_MAX];
    size_t n;
};
/* The named Firecracker dumps; force: a kernel version to give every one (0 keeps theirs). */
void tl_set_dumps(struct tl_set *s, const char *const *names, size_t n, cm_kver force);
/* The four riscv64 lab snapshots (tests/fixtures/riscv64). */
void tl_set_riscv(struct tl_set *s);
void tl_set_free(struct tl_set *s);
/* The four sets every fleet-level test runs over, by index (0 arm64 dumps,
 * 1 the same as Linux 6.12 hosts, 2 x86_64 dumps, 3 riscv64 lab snapshots);
 * returns the set's description. */
#define TL_FLEETS 4
const char *tl_set_fleet(struct tl_set *s, int which);

/* Runs the suite; returns the process exit status (0 all passed). */
int tl_run(Suite *s);

#endif
