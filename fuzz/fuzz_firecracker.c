/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Firecracker CPU-template/fingerprint import on any JSON object. */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 1 << 24 ? 1 << 24 : size));
    json_tokener_free(tok);
    if (o) {
        struct cm_snapshot *s = NULL;
        cm_error err = {0};
        if (cm_import_firecracker(o, "fuzz", &s, &err) == 0)
            cm_snapshot_free(s);
        json_object_put(o);
    }
    return 0;
}
