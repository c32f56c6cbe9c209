/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files the daemon and the CLI write (atomic.c): the state, pins, -o outputs. */
#ifndef CPUMODELD_FILES_H
#define CPUMODELD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpumodel/error.h"

/* write tmp, fsync, rename, fsync dir: readers see the old or the new file. */
int cmd_write_atomic(const char *path, const char *data, size_t len, cm_error *err);
/* durable = false skips the fsyncs (still never torn on a process crash):
 * for caches that can be fetched again. */
int cmd_write_atomic_ex(const char *path, const char *data, size_t len, bool durable, cm_error *err);
int cmd_mkdir_p(const char *path, mode_t mode, cm_error *err);
char *cmd_read_file(const char *path, size_t max, size_t *len, cm_error *err);

#endif
