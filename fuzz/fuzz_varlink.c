/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Varlink decoding as the daemon does it for every client byte stream:
 * split at NUL, parse with the limits, decode the call. */
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vl_inbuf in = {0};
    in.data = malloc(size + 1);
    memcpy(in.data, data, size);
    in.len = size;
    in.cap = size + 1;
    struct vl_limits lim = {.max_message = 65536, .max_depth = 64};
    for (;;) {
        size_t len;
        const char *raw = vl_inbuf_peek(&in, &len);
        if (!raw)
            break;
        struct json_object *msg = NULL;
        char why[256];
        if (vl_message_parse(raw, len, &lim, &msg, why, sizeof(why)) > 0) {
            struct vl_call call;
            const char *bad = NULL;
            if (vl_call_decode(msg, &call, &bad) == 0) {
                size_t olen;
                free(vl_encode_reply(json_object_get(call.params), false, &olen));
            }
            json_object_put(msg);
        }
        vl_inbuf_consume(&in, len);
    }
    vl_inbuf_free(&in);
    return 0;
}
