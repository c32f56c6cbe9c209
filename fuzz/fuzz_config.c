/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration file, read from a memfd as cpumodeld serve reads it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-config", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct cmd_config c;
    cmd_config_defaults(&c);
    cm_error err = {0};
    cmd_config_load(&c, path, false, &err);
    cmd_config_free(&c);
    close(fd);
    return 0;
}
