/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The content digest of a model.  The canonical encoding is text, one item a
 * line, so that `cpumodeld show --canonical` style debugging is possible and
 * the format is easy to document and reimplement:
 *
 *   cpumodel.digest/1
 *   arch <name>
 *   kernel <major>.<minor>           (what rollback classification reads)
 *   vcpu_features 0x<hex>|none       (arm64 init features the values assume)
 *   host_flags 0x<hex>
 *   word 0x<id16> 0x<value16>        (every listed feature word, by id)
 *   word 0x<id16> novalue            (listed, hosts disagreed on identity)
 *   regs <n>
 *   reg 0x<id16>                     (the register list, ascending)
 *
 * Words a model does not list are absent.  Names, creation time, members,
 * the kernel's patch level and writable masks (host facts, not the model)
 * are left out, so the same hosts in any order give the same digest.
 *
 * SHA-256 comes from GnuTLS (gnutls_hash_fast): a maintained, FIPS-validated
 * implementation already in Debian, rather than a private copy of the
 * algorithm (docs/snapshot-format.md explains the choice).
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "cpumodel/arch.h"
#include "cpumodel/digest.h"

static int by_word_id(const void *a, const void *b, void *ctx)
{
    const struct cm_word *w = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    uint64_t x = w[i].id, y = w[j].id;
    if (x != y)
        return x < y ? -1 : 1;
    return i < j ? -1 : i > j; /* ids are unique per table; keep the order total anyway */
}

void cm_digest_canonical(const struct cm_vector *v, struct cm_buf *out)
{
    const struct cm_arch_ops *ops = v->ops;
    cm_buf_printf(out, "cpumodel.digest/1\narch %s\nkernel %u.%u\n", cm_arch_name(ops->arch),
                  CM_KVER_MAJOR(v->kver), CM_KVER_MINOR(v->kver));
    if (v->has_vcpu_features)
        cm_buf_printf(out, "vcpu_features 0x%x\n", v->vcpu_features);
    else
        cm_buf_printf(out, "vcpu_features none\n");
    cm_buf_printf(out, "host_flags 0x%x\n", v->host_flags);

    size_t *idx = cm_xmalloc((ops->nwords ? ops->nwords : 1) * sizeof(size_t));
    for (size_t i = 0; i < ops->nwords; i++)
        idx[i] = i;
    qsort_r(idx, ops->nwords, sizeof(size_t), by_word_id, (void *)ops->words);
    for (size_t k = 0; k < ops->nwords; k++) {
        size_t i = idx[k];
        if (!v->present[i])
            continue;
        if (v->novalue[i] || (ops->words[i].flags & CM_WORDF_NOVALUE))
            cm_buf_printf(out, "word 0x%016llx novalue\n", (unsigned long long)ops->words[i].id);
        else
            cm_buf_printf(out, "word 0x%016llx 0x%016llx\n", (unsigned long long)ops->words[i].id,
                          (unsigned long long)v->val[i]);
    }
    free(idx);
    cm_buf_printf(out, "regs %zu\n", v->nregs);
    for (size_t r = 0; r < v->nregs; r++)
        cm_buf_printf(out, "reg 0x%016llx\n", (unsigned long long)v->reg_ids[r]);
}

void cm_vector_digest(const struct cm_vector *v, char out[CM_DIGEST_LEN])
{
    struct cm_buf b = {0};
    unsigned char md[32];
    cm_digest_canonical(v, &b);
    /* gnutls_hash_fast only fails for an unknown algorithm; SHA-256 is
     * always built in, so a failure is a broken library: abort loudly. */
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, b.s, b.len, md) < 0)
        abort();
    cm_buf_free(&b);
    memcpy(out, CM_DIGEST_PREFIX, 7);
    for (size_t i = 0; i < sizeof(md); i++) {
        static const char hex[] = "0123456789abcdef";
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[7 + 2 * i + 1] = hex[md[i] & 15];
    }
    out[CM_DIGEST_LEN - 1] = '\0';
}

int cm_snapshot_digest(const struct cm_snapshot *s, char out[CM_DIGEST_LEN], cm_error *err)
{
    struct cm_vector v;
    if (cm_vector_from_snapshot(s, &v, err) < 0)
        return -1;
    cm_vector_digest(&v, out);
    cm_vector_free(&v);
    return 0;
}

bool cm_digest_is_ref(const char *s)
{
    return s && !strncmp(s, CM_DIGEST_PREFIX, 7);
}

bool cm_digest_valid(const char *s)
{
    if (!cm_digest_is_ref(s) || strlen(s) != CM_DIGEST_LEN - 1)
        return false;
    for (const char *p = s + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}
