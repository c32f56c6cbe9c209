/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Generic ONE_REG plumbing for the arm64/riscv64 probes and verifiers (see onereg.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "cpumodel/arch.h"
#include "probe/onereg.h"

int cm_onereg_ioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && (errno == EINTR || errno == EAGAIN));
    return r;
}

int cm_onereg_list(int vcpu_fd, uint64_t **ids, size_t *n, cm_error *err)
{
    /* Ask with room for 0 first: KVM writes the count and returns E2BIG.
     * Loop in case the list grows between the calls. */
    uint64_t want = 0;
    for (int tries = 0; tries < 8; tries++) {
        struct kvm_reg_list *l = cm_xcalloc(1, sizeof(*l) + want * sizeof(uint64_t));
        l->n = want;
        if (cm_onereg_ioctl(vcpu_fd, KVM_GET_REG_LIST, l) == 0) {
            *n = l->n;
            *ids = cm_xmalloc((l->n ? l->n : 1) * sizeof(uint64_t));
            memcpy(*ids, l->reg, l->n * sizeof(uint64_t));
            free(l);
            return 0;
        }
        int e = errno;
        uint64_t got = l->n;
        free(l);
        if (e != E2BIG)
            return cm_fail(err, CM_E_KVM, "KVM_GET_REG_LIST: %s", strerror(e));
        if (got > 1u << 20)
            return cm_fail(err, CM_E_KVM, "KVM_GET_REG_LIST: implausible register count %llu",
                           (unsigned long long)got);
        want = got;
    }
    return cm_fail(err, CM_E_KVM, "KVM_GET_REG_LIST: the list kept growing (E2BIG 8 times)");
}

/* ONE_REG transfers exactly cm_reg_bytes(id) bytes; stage them in an
 * aligned buffer so registers narrower than a word zero-extend. */
int cm_onereg_get(int vcpu_fd, uint64_t id, uint64_t *val)
{
    size_t bytes = cm_reg_bytes(id);
    if (bytes > CM_ONEREG_MAX_BYTES)
        return -E2BIG;
    uint64_t buf[CM_ONEREG_MAX_BYTES / 8] = {0};
    struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)buf};
    if (cm_onereg_ioctl(vcpu_fd, KVM_GET_ONE_REG, &r) < 0)
        return -errno;
    memcpy(val, buf, cm_reg_words(id) * sizeof(uint64_t));
    return 0;
}

int cm_onereg_set(int vcpu_fd, uint64_t id, const uint64_t *val)
{
    size_t bytes = cm_reg_bytes(id);
    if (bytes > CM_ONEREG_MAX_BYTES)
        return -E2BIG;
    uint64_t buf[CM_ONEREG_MAX_BYTES / 8] = {0};
    memcpy(buf, val, cm_reg_words(id) * sizeof(uint64_t));
    struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)buf};
    if (cm_onereg_ioctl(vcpu_fd, KVM_SET_ONE_REG, &r) < 0)
        return -errno;
    return 0;
}

int cm_onereg_read_all(int vcpu_fd, struct cm_snapshot *s, bool (*is_volatile)(uint64_t id), cm_error *err)
{
    _cleanup_free_ uint64_t *ids = NULL;
    size_t n = 0;
    if (cm_onereg_list(vcpu_fd, &ids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t val[CM_ONEREG_MAX_BYTES / 8];
        int r = cm_onereg_get(vcpu_fd, ids[i], val);
        if (r == -E2BIG)
            return cm_fail(err, CM_E_NOTSUP, "register 0x%016llx is %zu bytes, more than ONE_REG's U2048",
                           (unsigned long long)ids[i], cm_reg_bytes(ids[i]));
        if (r < 0)
            return cm_fail(err, CM_E_KVM, "KVM_GET_ONE_REG 0x%016llx (listed by KVM_GET_REG_LIST): %s",
                           (unsigned long long)ids[i], strerror(-r));
        uint32_t flags = is_volatile && is_volatile(ids[i]) ? CM_REGF_VOLATILE : 0;
        if (cm_snapshot_add_reg(s, ids[i], val, flags, err) < 0)
            return cm_fail_prefix(err, "KVM_GET_REG_LIST");
    }
    return cm_snapshot_finish(s, err);
}

static void add_reason(struct cm_reasons *m, const char *host, uint64_t id, const char *rule, bool has_values,
                       uint64_t have, uint64_t want, char *text)
{
    struct cm_reason r = {
        .sev = CM_SEV_ERROR,
        .host = (char *)host,
        .reg = id,
        .has_values = has_values,
        .have = have,
        .want = want,
        .rule = (char *)rule,
        .text = text,
    };
    cm_reasons_add(m, &r);
    free(text);
}

static int write_cmp(const void *a, const void *b)
{
    const struct cm_write *const *x = a, *const *y = b;
    if ((*x)->order != (*y)->order)
        return (*x)->order < (*y)->order ? -1 : 1;
    return *x < *y ? -1 : *x > *y; /* stable: plan order inside a class */
}

int cm_onereg_verify(int vcpu_fd, const struct cm_verify_arch *va, const struct cm_plan *plan,
                     const struct cm_vector *model, struct cm_reasons *mismatches, struct cm_snapshot **readback,
                     cm_error *err)
{
    size_t before = mismatches->n;
    const char *host = plan->host;

    /* KVM wants ID registers before anything else (KVM-FACTS §A.3.3 6.),
     * and the register list depends on them. */
    _cleanup_free_ const struct cm_write **order = cm_xcalloc(plan->nwrites ? plan->nwrites : 1, sizeof(*order));
    for (size_t i = 0; i < plan->nwrites; i++)
        order[i] = &plan->writes[i];
    qsort(order, plan->nwrites, sizeof(*order), write_cmp);

    _cleanup_free_ bool *refused = cm_xcalloc(plan->nwrites ? plan->nwrites : 1, sizeof(bool));
    for (size_t i = 0; i < plan->nwrites; i++) {
        const struct cm_write *w = order[i];
        /* plan values are 64-bit; a wider register gets zeroes above */
        uint64_t v[CM_ONEREG_MAX_BYTES / 8] = {w->new_value};
        int r = cm_onereg_set(vcpu_fd, w->id, v);
        if (r < 0) {
            refused[i] = true;
            add_reason(mismatches, host, w->id, "write-refused", true, w->old_value, w->new_value,
                       cm_xasprintf("%s: KVM_SET_ONE_REG %s (0x%016llx) = 0x%llx refused: %s", va->arch,
                                    w->name ? w->name : "register", (unsigned long long)w->id,
                                    (unsigned long long)w->new_value, strerror(-r)));
        }
    }

    struct cm_snapshot *s = cm_snapshot_new(cm_arch_from_name(va->arch));
    cm_snapshot_set_str(&s->host, host);
    cm_snapshot_set_str(&s->source, "verify");
    if (cm_onereg_read_all(vcpu_fd, s, va->is_volatile, err) < 0) {
        cm_snapshot_free(s);
        return cm_fail_prefix(err, "verify: reading back");
    }

    for (size_t i = 0; i < plan->nwrites; i++) {
        const struct cm_write *w = order[i];
        uint64_t got;
        if (refused[i] || (va->check_only && va->check_only(w->id)))
            continue;
        if (!cm_snapshot_get_u64(s, w->id, &got))
            add_reason(mismatches, host, w->id, "readback", false, 0, w->new_value,
                       cm_xasprintf("%s (0x%016llx) was written but is no longer listed",
                                    w->name ? w->name : "register", (unsigned long long)w->id));
        else if (got != w->new_value)
            add_reason(mismatches, host, w->id, "readback", true, got, w->new_value,
                       cm_xasprintf("%s (0x%016llx) reads back 0x%llx after writing 0x%llx",
                                    w->name ? w->name : "register", (unsigned long long)w->id,
                                    (unsigned long long)got, (unsigned long long)w->new_value));
    }
    for (size_t i = 0; i < plan->nvanishing; i++)
        if (cm_snapshot_find_reg(s, plan->vanishing[i]))
            add_reason(mismatches, host, plan->vanishing[i], "still-listed", false, 0, 0,
                       cm_xasprintf("register 0x%016llx should leave the register list under the plan but is "
                                    "still listed", (unsigned long long)plan->vanishing[i]));
    /* Registers the plan's rollback calls hidden go away with a feature the
     * model leaves out (an init feature or an ID field): they must be gone. */
    for (size_t i = 0; i < plan->nrollback; i++)
        if (plan->rollback[i].cls == CM_RB_HIDDEN && cm_snapshot_find_reg(s, plan->rollback[i].id))
            add_reason(mismatches, host, plan->rollback[i].id, "still-listed", false, 0, 0,
                       cm_xasprintf("%s (0x%016llx) should be hidden with the feature the model leaves out but "
                                    "is still listed", plan->rollback[i].name ? plan->rollback[i].name : "register",
                                    (unsigned long long)plan->rollback[i].id));

    if (model && model->ops) {
        for (size_t i = 0; i < model->ops->nwords; i++) {
            const struct cm_word *wd = &model->ops->words[i];
            uint64_t got;
            if (!model->present[i] || (model->novalue && model->novalue[i]) ||
                (wd->flags & CM_WORDF_NOVALUE) || (va->check_only && va->check_only(wd->id)) ||
                (va->is_volatile && va->is_volatile(wd->id)) || !cm_snapshot_get_u64(s, wd->id, &got))
                continue;
            if (got != model->val[i])
                add_reason(mismatches, host, wd->id, "model-value", true, got, model->val[i],
                           cm_xasprintf("%s reads 0x%llx, the model has 0x%llx", wd->name ? wd->name : "word",
                                        (unsigned long long)got, (unsigned long long)model->val[i]));
        }
    }

    if (readback)
        *readback = s;
    else
        cm_snapshot_free(s);
    return mismatches->n > before ? 1 : 0;
}
