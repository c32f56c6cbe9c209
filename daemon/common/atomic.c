/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash-safe state files: a kill -9, a power loss or a full disk at any
 * moment leaves either the previous or the new file, never a torn one: the
 * library's one atomic-write routine (cm_write_atomic) with the state's mode. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpumodel/util.h"
#include "files.h"

/* The state is the daemon's own: 0640 (group: who may read pins). */
int cmd_write_atomic_ex(const char *path, const char *data, size_t len, bool durable, cm_error *err)
{
    return cm_write_atomic(path, data, len, 0640, durable, err);
}

int cmd_write_atomic(const char *path, const char *data, size_t len, cm_error *err)
{
    return cmd_write_atomic_ex(path, data, len, true, err);
}

int cmd_mkdir_p(const char *path, mode_t mode, cm_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return cm_fail(err, CM_E_INPUT, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return cm_fail(err, CM_E_IO, "%s: mkdir: %s", buf, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

char *cmd_read_file(const char *path, size_t max, size_t *len, cm_error *err)
{
    int fd = cm_input_open(path, err);
    if (fd < 0)
        return NULL;
    size_t n = 0, cap = 0;
    char *data = NULL;
    for (;;) {
        if (cap - n < 65536)
            cm_grow(&data, &cap, n + 65536, 1);
        ssize_t r = read(fd, data + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            cm_fail(err, CM_E_IO, "%s: read: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            cm_fail(err, CM_E_INPUT, "%s: larger than %zu bytes", path, max);
            goto fail;
        }
    }
    close(fd);
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
fail:
    close(fd);
    free(data);
    return NULL;
}
