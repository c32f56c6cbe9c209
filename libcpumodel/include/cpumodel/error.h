/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors carry a human sentence that names what was wrong and where
 * ("file.json: registers[12]: duplicate register 0x6030..."), plus a code
 * that callers (the CLI, the Varlink layer) map to exit codes / error names.
 */
#ifndef CPUMODEL_ERROR_H
#define CPUMODEL_ERROR_H

#include <stddef.h>

enum cm_errcode {
    CM_OK = 0,
    CM_E_INPUT,    /* malformed or inconsistent input: JSON, schema, values */
    CM_E_NOMEM,
    CM_E_IO,       /* open/read/write failed */
    CM_E_KVM,      /* a KVM ioctl failed */
    CM_E_NOTSUP,   /* not supported here (arch, kernel, feature) */
    CM_E_MISMATCH, /* inputs that cannot be combined (mixed arches…) */
};

typedef struct cm_error {
    enum cm_errcode code;
    char msg[1024];
} cm_error;

/* Sets err (if non-NULL) and returns -1, so callers can `return cm_fail(...)`. */
int cm_fail(cm_error *err, enum cm_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message: "ctx: <old message>". Returns -1. */
int cm_fail_prefix(cm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cm_error_clear(cm_error *err);

const char *cm_errcode_name(enum cm_errcode code);

#endif
