/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpumodel/util.h"

static void oom(void)
{
    fputs("cpumodel: out of memory\n", stderr);
    abort();
}

void *cm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *cm_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom();
    return p;
}

void *cm_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *cm_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

char *cm_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    return s;
}

void cm_grow(void *vp, size_t *cap, size_t need, size_t sz)
{
    void **v = vp;
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need)
        n *= 2;
    *v = cm_xrealloc(*v, n * sz);
    *cap = n;
}

void cm_buf_printf(struct cm_buf *b, const char *fmt, ...)
{
    if (!b) /* no text wanted (a verdict pass): nothing formatted */
        return;
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    cm_grow(&b->s, &b->cap, b->len + (size_t)n + 1, 1);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void cm_buf_free(struct cm_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *cm_buf_steal(struct cm_buf *b)
{
    char *s = b->s ? b->s : cm_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

cm_kver cm_kver_parse(const char *release)
{
    unsigned maj = 0, min = 0, patch = 0;
    if (!release)
        return CM_KVER_UNKNOWN;
    int n = sscanf(release, "%u.%u.%u", &maj, &min, &patch);
    if (n < 2 || maj == 0 || maj > 255 || min > 255)
        return CM_KVER_UNKNOWN;
    if (patch > 255)
        patch = 255;
    return CM_KVER(maj, min) | patch;
}

int cm_kver_cmp(cm_kver a, cm_kver b)
{
    a >>= 8;
    b >>= 8;
    return a < b ? -1 : a > b ? 1 : 0;
}

const char *cm_kver_str(cm_kver v, char *buf, size_t len)
{
    if (v == CM_KVER_UNKNOWN)
        snprintf(buf, len, "unknown");
    else
        snprintf(buf, len, "%u.%u", CM_KVER_MAJOR(v), CM_KVER_MINOR(v));
    return buf;
}

char *cm_now_iso8601(void)
{
    char buf[32];
    struct tm tm;
    time_t t = time(NULL);
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return cm_xstrdup(buf);
}
