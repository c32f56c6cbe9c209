/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading a snapshot from a file whose format is detected from its content:
 * our own snapshot ("schema": "cpumodel.snapshot/1"), a baseline result (the
 * snapshot is its "model" member; derived keys beside it are ignored), or a
 * Firecracker fingerprint dump ("guest_cpu_config").
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/json_in.h"
#include "cpumodel/arch.h"
#include "cpumodel/snapshot.h"

/* Bigger than any real snapshot (a 6.x arm64 host is ~60 KiB) by far, small
 * enough that a wrong path (a disk image…) fails fast instead of filling memory. */
#define MAX_INPUT_BYTES (64u << 20)

int cm_snapshot_from_any_json(const struct json_object *o, const char *what, struct cm_snapshot **out,
                              cm_error *err)
{
    struct json_object *v;
    *out = NULL;
    if (!what)
        what = "(input)";
    if (!o || !json_object_is_type(o, json_type_object))
        return cm_fail(err, CM_E_INPUT,
                       "%s: (top level): expected a JSON object (snapshot, baseline result or Firecracker "
                       "fingerprint), got %s",
                       what, o ? cm_json_type_name(json_object_get_type(o)) : "nothing");

    if (json_object_object_get_ex(o, "schema", &v) && json_object_is_type(v, json_type_string) &&
        !strcmp(json_object_get_string(v), CM_SNAPSHOT_SCHEMA))
        return cm_snapshot_from_json_at(o, what, "", out, err);
    if (json_object_object_get_ex(o, "model", &v))
        return cm_snapshot_from_json_at(v, what, "model", out, err);
    if (json_object_object_get_ex(o, "guest_cpu_config", NULL))
        return cm_import_firecracker(o, what, out, err);
    if (json_object_object_get_ex(o, "schema", NULL))
        return cm_snapshot_from_json_at(o, what, "", out, err); /* reports the unsupported schema */
    return cm_fail(err, CM_E_INPUT,
                   "%s: (top level): unknown format: not a cpumodel snapshot (no \"schema\"), baseline result "
                   "(no \"model\") or Firecracker fingerprint (no \"guest_cpu_config\")",
                   what);
}

static int read_file(const char *path, char **buf, size_t *len, cm_error *err)
{
    struct stat st;
    *buf = NULL;
    *len = 0;
    int fd = cm_input_open(path, err); /* a regular file or "-": never blocks on a FIFO */
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return cm_fail(err, CM_E_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if ((unsigned long long)st.st_size > MAX_INPUT_BYTES) {
        close(fd);
        return cm_fail(err, CM_E_INPUT, "%s: %lld bytes is too large for a snapshot (limit %u MiB)", path,
                       (long long)st.st_size, MAX_INPUT_BYTES >> 20);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *b = cm_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > MAX_INPUT_BYTES) {
                free(b);
                close(fd);
                return cm_fail(err, CM_E_INPUT, "%s: too large for a snapshot (limit %u MiB)", path,
                               MAX_INPUT_BYTES >> 20);
            }
            cap *= 2; /* the file grew while we read it */
            b = cm_xrealloc(b, cap);
        }
        ssize_t r = read(fd, b + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            close(fd);
            return cm_fail(err, CM_E_IO, "%s: read failed: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int cm_snapshot_load(const char *path, struct cm_snapshot **out, cm_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    struct json_object *o = NULL;
    *out = NULL;
    if (read_file(path, &text, &len, err) < 0)
        return -1;
    if (len == 0)
        return cm_fail(err, CM_E_INPUT, "%s: empty file (0 bytes), expected a JSON snapshot, baseline result or "
                                        "Firecracker fingerprint", path);
    if (cm_json_parse_text(text, len, path, &o, err) < 0)
        return -1;
    int r = cm_snapshot_from_any_json(o, path, out, err);
    json_object_put(o);
    if (r == 0) {
        /* the arch's register view where the source had none (x86 dumps) */
        const struct cm_arch_ops *ops = cm_arch_ops((*out)->arch);
        if (ops && ops->complete && ops->complete(*out, err) < 0) {
            cm_snapshot_free(*out);
            *out = NULL;
            return cm_fail_prefix(err, "%s", path);
        }
    }
    return r;
}
