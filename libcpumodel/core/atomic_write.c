/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one routine that replaces a file (CLI outputs, the daemon's state):
 * a reader, a crash or a full disk leaves the old file or the new one,
 * never a part, never nothing.
 *
 * The temporary file is created beside the target with O_EXCL|O_NOFOLLOW
 * (a planted file or symlink is never followed or reused) and named
 * ".tmp-NAME-PID-N": it starts with a dot, which no pinned model name may
 * (cmd_model_name_ok), so a leftover can be recognised and removed without
 * ever matching a real file (cm_is_temp_name). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpumodel/error.h"
#include "cpumodel/util.h"

#define TEMP_PREFIX ".tmp-"

bool cm_is_temp_name(const char *name) { return !strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)); }

static int fsync_dir(const char *dir, const char *path, cm_error *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return cm_fail(err, CM_E_IO, "%s: written, but cannot open directory %s to sync it: %s", path, dir,
                       strerror(errno));
    int r = fsync(dfd);
    int e = errno;
    close(dfd);
    if (r < 0)
        return cm_fail(err, CM_E_IO, "%s: written, but fsync of directory %s failed: %s", path, dir, strerror(e));
    return 0;
}

int cm_write_atomic(const char *path, const char *data, size_t len, unsigned mode, bool durable, cm_error *err)
{
    _cleanup_free_ char *dcopy = cm_xstrdup(path), *bcopy = cm_xstrdup(path);
    const char *dir = dirname(dcopy), *base = basename(bcopy);
    static unsigned counter;
    _cleanup_free_ char *tmp = NULL;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
        free(tmp);
        tmp = cm_xasprintf("%s/" TEMP_PREFIX "%s-%ld-%u", dir, base, (long)getpid(), counter++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
        if (fd < 0 && errno != EEXIST)
            return cm_fail(err, CM_E_IO, "%s: cannot create a temporary file %s: %s", path, tmp, strerror(errno));
    }
    if (fd < 0)
        return cm_fail(err, CM_E_IO, "%s: cannot create a temporary file: all names taken", path);
    int e = 0;
    const char *step = NULL;
    if (fchmod(fd, mode & 07777) < 0) /* the umask does not decide who may read state */
        e = errno, step = "chmod";
    for (size_t off = 0; !step && off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            e = n < 0 ? errno : ENOSPC, step = "write";
        else
            off += (size_t)n;
    }
    if (!step && durable && fsync(fd) < 0)
        e = errno, step = "fsync";
    if (close(fd) < 0 && !step)
        e = errno, step = "close";
    if (!step && rename(tmp, path) < 0)
        e = errno, step = "rename";
    if (step) {
        unlink(tmp);
        return cm_fail(err, CM_E_IO, "%s: %s failed: %s (the previous file is unchanged)", path, step,
                       strerror(e));
    }
    return durable ? fsync_dir(dir, path, err) : 0;
}
