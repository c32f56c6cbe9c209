/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Differential: the snapshot scanner (core/snapshot_scan.c) against the
 * json-c reader on the same bytes.  The scanner may decline anything, but
 * what it takes json-c's reader must take too, into the same snapshot
 * (tests/unit/helpers/scan_diff.c); a disagreement aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scan_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[512];
    bool scanned;
    if (scan_diff((const char *)data, size, &scanned, why, sizeof(why)) < 0) {
        fprintf(stderr, "fuzz_snapshot_scan: %s\n", why);
        abort();
    }
    return 0;
}
