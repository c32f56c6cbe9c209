/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Snapshot JSON (and every format cm_snapshot_load detects): parse, build
 * the snapshot, its vector, and write it back. */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_parse((const char *)data, size, "fuzz", &s, &err) == 0) {
        struct cm_vector v;
        if (cm_vector_from_snapshot(s, &v, &err) == 0)
            cm_vector_free(&v);
        json_object_put(cm_snapshot_to_json(s));
        cm_snapshot_free(s);
    }
    return 0;
}
