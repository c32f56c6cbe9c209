/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the registry stores of a snapshot, and the key it is stored under.
 * Hosts of one hardware generation offer the same snapshot apart from their
 * name and the time of the probe: the registry keeps that content once,
 * under the sha256 of exactly the stored text, and every host record points
 * at it (docs/cluster.md).  This is an address of bytes, not the model
 * digest of cpumodel/digest.h (which the host record carries as well): two
 * hosts with one model digest may still differ in what a snapshot records
 * beyond the vector (microcode, capabilities), and each must get its own. */
#include <gnutls/crypto.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"

struct json_object *cluster_snapshot_blob(const struct cm_snapshot *s)
{
    struct json_object *o = cm_snapshot_to_json(s);
    if (!o)
        return NULL;
    /* per-host and per-probe: they live in the host record, not in the content */
    json_object_object_del(o, "host");
    json_object_object_del(o, "created");
    return o;
}

char *cluster_snapshot_content(const struct cm_snapshot *s)
{
    struct json_object *o = cluster_snapshot_blob(s);
    if (!o)
        return NULL;
    size_t len;
    const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
    unsigned char md[32];
    int r = gnutls_hash_fast(GNUTLS_DIG_SHA256, text, len, md);
    json_object_put(o);
    if (r < 0)
        return NULL;
    char hex[sizeof("sha256:") + 64];
    int off = snprintf(hex, sizeof(hex), "sha256:");
    for (size_t i = 0; i < sizeof(md); i++)
        off += snprintf(hex + off, sizeof(hex) - (size_t)off, "%02x", md[i]);
    return cm_xstrdup(hex);
}
