/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scanner vs json-c reader on one text: see scan_diff.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json_in.h"
#include "cpumodel/snapshot.h"
#include "scan_diff.h"

/* json-c's path, exactly as cm_snapshot_load takes it after the scanner declines. */
static int by_json_c(const char *text, size_t len, struct cm_snapshot **out, cm_error *err)
{
    struct json_object *o = NULL;
    *out = NULL;
    if (cm_json_parse_text(text, len, "diff", &o, err) < 0)
        return -1;
    int r = cm_snapshot_from_any_json(o, "diff", out, err);
    json_object_put(o);
    return r;
}

int scan_diff(const char *text, size_t len, bool *scanned, char *why, size_t whylen)
{
    char *copy = malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    struct cm_snapshot *fast = NULL, *slow = NULL;
    cm_error err = {0};
    int rc = 0;
    *scanned = cm_snapshot_scan(copy, len, &fast) == 1;
    int slow_r = by_json_c(text, len, &slow, &err);
    if (!*scanned) {
        if (memcmp(copy, text, len)) {
            snprintf(why, whylen, "the scanner declined but left the text changed");
            rc = -1;
        }
    } else if (slow_r < 0) {
        snprintf(why, whylen, "the scanner accepted what json-c's reader refuses: %s", err.msg);
        rc = -1;
    } else {
        /* the JSON form is lossless (snapshot_json.c): equal texts, equal snapshots */
        char *a = NULL, *b = NULL;
        if (cm_snapshot_to_json_string(fast, &a) < 0 || cm_snapshot_to_json_string(slow, &b) < 0 || strcmp(a, b) ||
            fast->kver != slow->kver) {
            size_t i = 0;
            while (a && b && a[i] && a[i] == b[i])
                i++;
            snprintf(why, whylen, "the two readers built different snapshots (first difference at byte %zu of "
                                  "their JSON form: \"%.40s\" vs \"%.40s\")",
                     i, a ? a + i : "", b ? b + i : "");
            rc = -1;
        }
        free(a);
        free(b);
    }
    cm_snapshot_free(fast);
    cm_snapshot_free(slow);
    free(copy);
    return rc;
}
