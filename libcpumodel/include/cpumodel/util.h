/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small shared helpers: cleanup attributes, kernel versions, growable buffers. */
#ifndef CPUMODEL_UTIL_H
#define CPUMODEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* systemd-style scope cleanup: `_cleanup_free_ char *s = ...;` */
static inline void cm_freep(void *p) { free(*(void **)p); }
static inline void cm_fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_free_ __attribute__((cleanup(cm_freep)))
#define _cleanup_fclose_ __attribute__((cleanup(cm_fclosep)))

/* Kernel versions packed as major<<16 | minor<<8 | patch(clamped to 255).
 * Facts in KVM-FACTS.md are per major.minor; the patch level is kept for display. */
typedef uint32_t cm_kver;
#define CM_KVER(maj, min) ((cm_kver)(((maj) << 16) | ((min) << 8)))
#define CM_KVER_MAJOR(v) ((unsigned)((v) >> 16))
#define CM_KVER_MINOR(v) ((unsigned)(((v) >> 8) & 0xff))
#define CM_KVER_UNKNOWN 0u
/* "6.1.172-216.329.amzn2023.aarch64" -> CM_KVER(6,1)|172; unparsable -> 0 */
cm_kver cm_kver_parse(const char *release);
/* Compares major.minor only (patch ignored): <0, 0, >0 */
int cm_kver_cmp(cm_kver a, cm_kver b);
/* "6.1" */
const char *cm_kver_str(cm_kver v, char *buf, size_t len);

/* The current UTC time as ISO 8601 ("2026-11-21T05:16:00Z"); caller frees. */
char *cm_now_iso8601(void);

/* A growable string used for reasons and human output. */
struct cm_buf {
    char *s;
    size_t len, cap;
};
/* b NULL: nothing is formatted (a pass that wants no text). */
void cm_buf_printf(struct cm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cm_buf_free(struct cm_buf *b);
/* Returns the string and resets the buffer (caller frees). Never NULL. */
char *cm_buf_steal(struct cm_buf *b);

void *cm_xmalloc(size_t n);           /* aborts on OOM: the library is not an allocator test */
void *cm_xcalloc(size_t n, size_t m);
void *cm_xrealloc(void *p, size_t n);
char *cm_xstrdup(const char *s);      /* NULL-safe: NULL -> NULL */
char *cm_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *v (element size sz) so that it holds at least need elements. */
void cm_grow(void *vp, size_t *cap, size_t need, size_t sz);

/* Opens an input file for reading: a regular file, or "-" (a copy of
 * stdin).  FIFOs, devices, sockets and directories are refused without
 * blocking.  Returns the fd (O_CLOEXEC) or -1 with err set (input.c). */
struct cm_error;
int cm_input_open(const char *path, struct cm_error *err);
/* Names shown to people (hosts, peers) hold no byte a terminal acts on:
 * C0 controls, DEL, UTF-8 C1 controls.  cm_str_escape writes those as
 * \xHH (caller frees). */
bool cm_str_printable(const char *s);
char *cm_str_escape(const char *s);
/* Replaces path with data: write a temporary file beside it (O_EXCL |
 * O_NOFOLLOW, mode), fsync, rename, fsync the directory (durable = false
 * skips the fsyncs: still never torn by a crash of the process).  On any
 * failure (ENOSPC...) the previous file is left as it was (atomic_write.c). */
int cm_write_atomic(const char *path, const char *data, size_t len, unsigned mode, bool durable,
                    struct cm_error *err);
/* A name cm_write_atomic uses for its temporary files (".tmp-..."). */
bool cm_is_temp_name(const char *name);
/* A string anywhere in o holds a NUL ("\u0000"): refused as input. */
struct json_object;
bool cm_json_has_nul(struct json_object *o);

#endif
