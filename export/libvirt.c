/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt format of the export table: libvirt_export.c's <cpu> for the
 * model, its not-expressible list as the framework's "cannot express"
 * notes (docs/libvirt.md). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "libvirt_export.h"

int cm_export_libvirt(const struct cm_export_req *req, struct cm_export *out, cm_error *err)
{
    struct json_object *exp = NULL, *nx = NULL, *cx = NULL, *fx = NULL;
    if (lv_export(req->model_snap, req->host_snap, &exp, err) < 0)
        return -1;
    json_object_object_get_ex(exp, "cpu_xml", &cx);
    json_object_object_get_ex(exp, "features_xml", &fx);
    out->text = fx ? cm_xasprintf("%s<!-- under <features>: -->\n%s\n", json_object_get_string(cx),
                                  json_object_get_string(fx))
                   : cm_xstrdup(json_object_get_string(cx));
    json_object_object_get_ex(exp, "not_expressible", &nx);
    for (size_t i = 0; nx && i < json_object_array_length(nx); i++) {
        struct json_object *e = json_object_array_get_idx(nx, i), *w = NULL, *y = NULL;
        json_object_object_get_ex(e, "what", &w);
        json_object_object_get_ex(e, "why", &y);
        cm_export_cannot(out, req->model, 0, NULL, "%s: %s", json_object_get_string(w), json_object_get_string(y));
    }
    out->data = exp;
    return 0;
}
