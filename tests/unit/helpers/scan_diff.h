/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The differential check of the snapshot scanner against the json-c reader
 * (used by tests/unit/test_snapshot_scan.c and fuzz/fuzz_snapshot_scan.c). */
#ifndef CPUMODEL_TEST_SCAN_DIFF_H
#define CPUMODEL_TEST_SCAN_DIFF_H

#include <stdbool.h>
#include <stddef.h>

/* Reads text both ways.  Returns 0 when they agree: the scanner declined
 * (and left the text as it was), or both accepted and built the same
 * snapshot.  Returns -1 with `why` filled when the scanner accepted what
 * json-c refused, built another snapshot, or changed a text it declined.
 * *scanned tells whether the scanner took the text. */
int scan_diff(const char *text, size_t len, bool *scanned, char *why, size_t whylen);

#endif
