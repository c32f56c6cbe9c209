/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpumodel/error.h"

int cm_fail(cm_error *err, enum cm_errcode code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

int cm_fail_prefix(cm_error *err, const char *fmt, ...)
{
    if (err) {
        char prefix[512], old[sizeof(err->msg)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        size_t pl = strlen(prefix);
        if (pl > sizeof(err->msg) - 3)
            pl = sizeof(err->msg) - 3;
        memcpy(err->msg, prefix, pl);
        memcpy(err->msg + pl, ": ", 2);
        size_t room = sizeof(err->msg) - pl - 3;
        size_t ol = strnlen(old, room);
        memcpy(err->msg + pl + 2, old, ol);
        err->msg[pl + 2 + ol] = '\0';
        if (err->code == CM_OK)
            err->code = CM_E_INPUT;
    }
    return -1;
}

void cm_error_clear(cm_error *err)
{
    if (err) {
        err->code = CM_OK;
        err->msg[0] = '\0';
    }
}

const char *cm_errcode_name(enum cm_errcode code)
{
    switch (code) {
    case CM_OK: return "ok";
    case CM_E_INPUT: return "invalid-input";
    case CM_E_NOMEM: return "out-of-memory";
    case CM_E_IO: return "io-error";
    case CM_E_KVM: return "kvm-error";
    case CM_E_NOTSUP: return "not-supported";
    case CM_E_MISMATCH: return "mismatch";
    }
    return "unknown";
}
