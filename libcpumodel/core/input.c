/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening what a user names as input: a regular file, or "-" for stdin.
 * A FIFO, a device or a socket is refused at once instead of hanging on
 * open or read (the open itself does not block: O_NONBLOCK, cleared once
 * the file is known to be regular). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cpumodel/error.h"
#include "cpumodel/util.h"

int cm_input_open(const char *path, cm_error *err)
{
    if (!strcmp(path, "-")) {
        int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
            return cm_fail(err, CM_E_IO, "-: standard input: %s", strerror(errno));
        return fd; /* stdin may be a pipe: the caller asked for it */
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        /* a name that leads nowhere is the caller's input error (exit 2); a
         * file that exists but cannot be read is a system problem (exit 3) */
        int e = errno;
        bool input = e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP;
        return cm_fail(err, input ? CM_E_INPUT : CM_E_IO, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return cm_fail(err, CM_E_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cm_fail(err, CM_E_INPUT, "%s: %s", path,
                       S_ISDIR(st.st_mode)    ? "is a directory, not a file"
                       : S_ISFIFO(st.st_mode) ? "is a FIFO, not a regular file (use - for standard input)"
                                              : "not a regular file (a device or socket)");
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* Bytes a terminal would act on: C0 controls, DEL, and C1 controls in their
 * UTF-8 form (U+0080-U+009F, e.g. U+009B is a CSI on some terminals). */
static size_t control_at(const unsigned char *s)
{
    if (*s < 0x20 || *s == 0x7f)
        return 1;
    if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
        return 2;
    return 0;
}

bool cm_str_printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (control_at(p))
            return false;
    return true;
}

char *cm_str_escape(const char *s)
{
    struct cm_buf b = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = control_at(p);
        if (!n) {
            cm_buf_printf(&b, "%c", *p++);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            cm_buf_printf(&b, "\\x%02x", *p++);
    }
    return cm_buf_steal(&b);
}

/* json-c decodes "\u0000" into a string that C code would silently cut
 * short ("a\u0000b" read as "a"): such input is refused instead. */
bool cm_json_has_nul(struct json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_string:
        return strlen(json_object_get_string(o)) != (size_t)json_object_get_string_len(o);
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            if (cm_json_has_nul(json_object_array_get_idx(o, i)))
                return true;
        return false;
    case json_type_object: {
        json_object_object_foreach(o, key, val) {
            (void)key; /* keys: json-c keeps them as C strings, cut at a NUL already */
            if (cm_json_has_nul(val))
                return true;
        }
        return false;
    }
    default:
        return false;
    }
}
