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

/* Top-level members of a Firecracker *custom CPU template* (its
 * "cpu-template" JSON: what to change in a guest's CPU, bitmaps with 'x' for
 * "keep"), as opposed to a fingerprint dump of a host (guest_cpu_config). */
static const char *const template_keys[] = {
    "kvm_capabilities", "vcpu_features", "reg_modifiers", "cpuid_modifiers", "msr_modifiers",
};

/* Members a cpumodel snapshot may have (docs/snapshot-format.md); only used to
 * name the suspects when the register list or CPUID table is missing. */
static const char *const snapshot_keys[] = {
    "schema", "arch", "kind", "host", "kernel", "api_version", "cpu", "microcode", "bios", "source",
    "created", "probe_ms", "partial", "capabilities", "vcpu_features", "preferred_target", "registers",
    "writable_masks", "cpuid", "cpuid_emulated", "msrs", "msr_index_list", "members", "facts",
};

static bool known(const char *key, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(key, keys[i]))
            return true;
    return false;
}

/* ", unknown key(s) \"regsiters\"" for the members of `o` not in keys[]. */
static char *unknown_keys(const struct json_object *o, const char *const *keys, size_t n)
{
    struct cm_buf b = {0};
    if (!o || !json_object_is_type(o, json_type_object))
        return NULL;
    json_object_object_foreach((struct json_object *)o, k, v)
    {
        (void)v;
        if (!known(k, keys, n))
            cm_buf_printf(&b, "%s\"%.40s\"", b.len ? ", " : "", k);
    }
    return cm_buf_steal(&b);
}

/* A snapshot must carry what its arch is compared on: arm64/riscv64 their
 * register list, x86_64 its CPUID table.  Without it every field would be
 * "absent on both sides" and compare would answer COMPATIBLE about nothing
 * (a misspelt "registers" did exactly that).  `o` is the object the
 * content came from; `key` the member that should have held it. */
static int require_content(const struct cm_snapshot *s, const struct json_object *o, const char *what,
                           const char *key, const char *const *keys, size_t nkeys, cm_error *err)
{
    bool x86 = s->arch == CM_ARCH_X86_64;
    if (cm_snap_has_content(s))
        return 0;
    _cleanup_free_ char *unknown = unknown_keys(o, keys, nkeys);
    return cm_fail(err, CM_E_INPUT,
                   "%s: %s: missing or empty: %s snapshots are compared on their %s, and this one has none%s%s%s",
                   what, key, cm_arch_name(s->arch),
                   x86 ? "CPUID table (KVM_GET_SUPPORTED_CPUID)" : "register list (KVM_GET_REG_LIST)",
                   unknown && *unknown ? "; unknown key(s) here: " : "", unknown && *unknown ? unknown : "",
                   unknown && *unknown ? " (misspelt?)" : "");
}

bool cm_snap_has_content(const struct cm_snapshot *s)
{
    return s->arch == CM_ARCH_X86_64 ? s->ncpuid > 0 : s->nregs > 0;
}

static bool is_template(const struct json_object *o)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(template_keys); i++)
        if (json_object_object_get_ex(o, template_keys[i], NULL))
            return true;
    return false;
}

int cm_snapshot_from_any_json(const struct json_object *o, const char *what, struct cm_snapshot **out,
                              cm_error *err)
{
    struct json_object *v, *g;
    *out = NULL;
    if (!what)
        what = "(input)";
    if (!o || !json_object_is_type(o, json_type_object))
        return cm_fail(err, CM_E_INPUT,
                       "%s: (top level): expected a JSON object (snapshot, baseline result or Firecracker "
                       "fingerprint), got %s",
                       what, o ? cm_json_type_name(json_object_get_type(o)) : "nothing");

    int r;
    const struct json_object *content = o;
    const char *key;
    bool fc = false;
    if (json_object_object_get_ex(o, "schema", &v) && json_object_is_type(v, json_type_string) &&
        !strcmp(json_object_get_string(v), CM_SNAPSHOT_SCHEMA)) {
        r = cm_snapshot_from_json_at(o, what, "", out, err);
        key = "registers";
    } else if (json_object_object_get_ex(o, "model", &v)) {
        r = cm_snapshot_from_json_at(v, what, "model", out, err);
        content = v;
        key = "model.registers";
    } else if (json_object_object_get_ex(o, "guest_cpu_config", &g)) {
        r = cm_import_firecracker(o, what, out, err);
        content = g;
        fc = true;
        key = "guest_cpu_config.reg_modifiers";
    } else if (json_object_object_get_ex(o, "schema", NULL)) {
        return cm_snapshot_from_json_at(o, what, "", out, err); /* reports the unsupported schema */
    } else if (is_template(o)) {
        return cm_fail(err, CM_E_INPUT,
                       "%s: (top level): this is a Firecracker CPU template (kvm_capabilities / vcpu_features / "
                       "reg_modifiers / cpuid_modifiers / msr_modifiers at the top level): it says what to change "
                       "in a guest's CPU, not what a host offers, so it cannot stand for a host.  Give the host's "
                       "fingerprint (`cpu-template-helper fingerprint dump`, with \"guest_cpu_config\"), a "
                       "cpumodeld snapshot (`cpumodeld probe`) or a baseline result",
                       what);
    } else {
        return cm_fail(err, CM_E_INPUT,
                       "%s: (top level): unknown format: not a cpumodel snapshot (no \"schema\"), baseline "
                       "result (no \"model\") or Firecracker fingerprint (no \"guest_cpu_config\")",
                       what);
    }
    if (r < 0)
        return r;
    if ((*out)->arch == CM_ARCH_X86_64)
        key = fc ? "guest_cpu_config.cpuid_modifiers" : (content == o ? "cpuid" : "model.cpuid");
    if (fc ? require_content(*out, content, what, key, template_keys, CM_ARRAY_SIZE(template_keys), err)
           : require_content(*out, content, what, key, snapshot_keys, CM_ARRAY_SIZE(snapshot_keys), err)) {
        cm_snapshot_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* The read buffer, kept from one load to the next in the same thread: an
 * operator's `baseline` reads thousands of files, and a fresh buffer each
 * time cost more than the read itself (a 20-60 KiB malloc in a heap full of
 * the snapshots already loaded, then page faults on it).  A buffer grown for
 * a file above KEEP_BYTES is given back after that file. */
#define KEEP_BYTES (1u << 20)
static __thread struct {
    char *b;
    size_t cap;
} rbuf;

static void rbuf_release(char **b)
{
    if (*b != rbuf.b || rbuf.cap > KEEP_BYTES) {
        if (*b == rbuf.b)
            rbuf.b = NULL, rbuf.cap = 0;
        free(*b);
    }
    *b = NULL;
}

/* Reads the whole file into the thread's buffer (NUL-terminated; *len excludes it). */
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
    /* one byte more than the size, so that a file that did not grow is read
     * to its end (read returns 0) without growing the buffer */
    size_t n = 0;
    if (rbuf.cap < (size_t)st.st_size + 2) {
        free(rbuf.b);
        rbuf.cap = (size_t)st.st_size + 2;
        rbuf.b = cm_xmalloc(rbuf.cap);
    }
    for (;;) {
        if (n + 1 >= rbuf.cap) {
            if (rbuf.cap > MAX_INPUT_BYTES) {
                close(fd);
                return cm_fail(err, CM_E_INPUT, "%s: too large for a snapshot (limit %u MiB)", path,
                               MAX_INPUT_BYTES >> 20);
            }
            rbuf.cap *= 2; /* the file grew while we read it */
            rbuf.b = cm_xrealloc(rbuf.b, rbuf.cap);
        }
        ssize_t r = read(fd, rbuf.b + n, rbuf.cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return cm_fail(err, CM_E_IO, "%s: read failed: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    rbuf.b[n] = '\0';
    *buf = rbuf.b;
    *len = n;
    return 0;
}

/* The text is scanned first (snapshot_scan.c: our own files, in the layout
 * we write, without a json-c tree); anything the scanner declines is read
 * with json-c, which accepts it or names what is wrong. */
static int from_text(char *text, size_t len, const char *path, struct cm_snapshot **out, cm_error *err)
{
    struct json_object *o = NULL;
    if (cm_snapshot_scan(text, len, out))
        return 0;
    if (cm_json_parse_text(text, len, path, &o, err) < 0)
        return -1;
    int r = cm_snapshot_from_any_json(o, path, out, err);
    json_object_put(o);
    return r;
}

int cm_snapshot_load(const char *path, struct cm_snapshot **out, cm_error *err)
{
    __attribute__((cleanup(rbuf_release))) char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (read_file(path, &text, &len, err) < 0)
        return -1;
    if (len == 0)
        return cm_fail(err, CM_E_INPUT, "%s: empty file (0 bytes), expected a JSON snapshot, baseline result or "
                                        "Firecracker fingerprint", path);
    int r = from_text(text, len, path, out, err);
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
