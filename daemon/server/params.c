/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Typed access to a call's parameters, for every interface the server
 * serves (io.cpumodeld in methods.c, the certification walk in cert.c):
 * a present value of the wrong type sets *bad; the caller names the
 * parameter in its InvalidParameter error. */
#include <json-c/json.h>
#include <stdbool.h>

#include "daemon.h"

const char *cmd_param_str(struct json_object *params, const char *key, bool *bad)
{
    struct json_object *v;
    if (!json_object_object_get_ex(params, key, &v) || !v)
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

bool cmd_param_bool(struct json_object *params, const char *key, bool def, bool *bad)
{
    struct json_object *v;
    if (!json_object_object_get_ex(params, key, &v) || !v)
        return def;
    if (!json_object_is_type(v, json_type_boolean)) {
        *bad = true;
        return def;
    }
    return json_object_get_boolean(v);
}
