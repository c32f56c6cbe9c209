/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * THE enforcement rule: can a model be imposed on a host?  Baseline
 * (cm_enforceable*), compare and plan all call cm_enforce_rule(), so they
 * cannot disagree.
 *
 * 1. Per field that differs, the host must provide the model's value (its
 *    own is at least as capable, by the field's policy) and its kernel must
 *    let userspace present it; the arch driver knows writable masks, kernel
 *    versions and init features.
 * 2. Init features the model needs gone are left out first (KVM derives ID
 *    values from them), then every word is checked again against the host as
 *    KVM presents it without them: a field that is "fine" only because its
 *    feature was going to be dropped, while a sibling field of the same
 *    feature needs it kept, is caught here.
 * 3. Register lists: a register the guest's saved state has and the host
 *    does not list fails on restore (ENOENT) for a VMM that restores every
 *    saved register; a VMM applying the plan's hidden / safe-missing lists
 *    gets past the ones the arch classifies as hidden or droppable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "negotiate_internal.h"

static const struct cm_assume default_assume = {CM_READ_MIGRATION, CM_RESTORE_ALL};

/* What one pass over the words collects. */
struct pass {
    const struct cm_vector *model, *host;
    const struct cm_assume *assume;
    struct cm_reasons *reasons;
    uint32_t drops;
    uint64_t *target;            /* may be NULL */
    struct cm_enforcement *out;  /* may be NULL (capabilities) */
    size_t nassumed;             /* writes allowed on an assumption (the driver said why) */
    char *assumed;               /* the first one's reason */
    size_t nerrors;              /* errors found by this pass (text or not) */
    size_t max_errors;           /* stop once this many are found (0: find all) */
    struct cm_block *block;      /* the first of them, may be NULL */
};

/* A first-reason pass has found what it reports (fields of one register
 * included: a host is reported by its first error, not its first register's). */
static bool enough(const struct pass *p)
{
    return p->max_errors && p->nerrors >= p->max_errors;
}

/* Every error of the rule goes through here, text or not: the count decides
 * when a first-reason pass stops and the first one is what blocks.  Rule and
 * field words are static strings (policy names, arch tables). */
static void blocked(struct pass *p, const char *rule, uint64_t reg, const char *field, bool has_values,
                    uint64_t have, uint64_t want)
{
    if (!p->nerrors++ && p->block)
        *p->block = (struct cm_block){
            .rule = rule, .reg = reg, .field = field, .has_values = has_values, .have = have, .want = want};
}

/* The drivers' explanation buffer: none when no text is wanted (a verdict
 * pass), so they format nothing. */
static struct cm_buf *why_for(const struct pass *p, struct cm_buf *b)
{
    return p->reasons || p->out ? b : NULL;
}

static void note_cap(struct pass *p, size_t slot)
{
    if (!p->reasons && !p->out) /* a note, never part of the verdict */
        return;
    const struct cm_arch_ops *ops = p->host->ops;
    const char *name = NULL;
    uint32_t cap = ops->write_needs_cap ? ops->write_needs_cap(slot, &name) : 0;
    if (!cap)
        return;
    if (p->out) {
        for (size_t k = 0; k < p->out->ncaps; k++)
            if (p->out->caps[k] == cap)
                return;
        if (p->out->ncaps < CM_ARRAY_SIZE(p->out->caps)) {
            p->out->caps[p->out->ncaps] = cap;
            p->out->cap_names[p->out->ncaps++] = name;
        }
    }
    cm_reason_addf(p->reasons, CM_SEV_INFO, p->host->name, ops, ops->words[slot].id, NULL, false, 0, 0,
                   "needs-capability",
                   "%s: %s accepts the model's value only when the VMM enables %s (%u) on the VM before creating "
                   "vCPUs",
                   ops->words[slot].name, p->host->name, name ? name : "a VM capability", cap);
}

/* "REG.FIELD: rule" from a driver: the caller already names REG.FIELD */
static void strip_prefix(struct cm_buf *out, const struct cm_buf *in, const char *wname, const char *fname)
{
    if (!in->s)
        return;
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "%s.%s: ", wname, fname);
    const char *t = in->s;
    if (!strncmp(t, prefix, strlen(prefix)))
        t += strlen(prefix);
    cm_buf_printf(out, "%s", t);
}

static bool check_field(struct pass *p, size_t i, uint64_t hval, const struct cm_field *f)
{
    const struct cm_vector *host = p->host;
    const struct cm_arch_ops *ops = host->ops;
    const struct cm_word *w = &ops->words[i];
    uint64_t have = cm_field_get(f, hval);
    uint64_t want = cm_field_get(f, p->model->val[i]);
    if (have == want || f->policy == CM_POL_IGNORE)
        return true;
    bool identity = f->policy == CM_POL_IDENTITY;
    if (!identity && !cm_field_provides(f, have, want)) {
        struct cm_buf why = {0};
        if (ops->restore_ignored && ops->restore_ignored(p->model, host, i, f, want, why_for(p, &why))) {
            cm_reason_addf(p->reasons, CM_SEV_INFO, host->name, ops, w->id, f->name, true, have, want,
                           "restore-ignored", "%s.%s: %s", w->name, f->name, why.s ? why.s : "");
            cm_buf_free(&why);
            return true;
        }
        cm_buf_free(&why);
        blocked(p, cm_policy_name(f), w->id, f->name, true, have, want);
        if (!p->reasons)
            return false;
        if (f->width == 1 && f->policy == CM_POL_BITMAP) /* a feature flag: say it by name */
            cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want,
                           cm_policy_name(f), "%s.%s: %s lacks %s, which the model has", w->name, f->name,
                           host->name, f->name);
        else {
            char hb[128], wb[128];
            cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want,
                           cm_policy_name(f), "%s.%s: %s offers %s, the model needs %s (%s)", w->name, f->name,
                           host->name, cm_value_text(ops, w, f, have, hb, sizeof(hb)),
                           cm_value_text(ops, w, f, want, wb, sizeof(wb)), cm_policy_name(f));
        }
        return false;
    }
    struct cm_buf whybuf = {0}, why = {0};
    uint32_t feat = 0;
    enum cm_enforce e = ops->enforce ? ops->enforce(host, i, f, have, want, why_for(p, &whybuf), &feat) : CM_ENF_NO;
    strip_prefix(&why, &whybuf, w->name, f->name);
    cm_buf_free(&whybuf);
    const char *sep = why.s ? ": " : "", *txt = why.s ? why.s : "";
    char hb[128] = "", wb[128] = ""; /* the two values in words (arm64 field meanings, x86 vendors), */
    if (p->reasons) {                 /* for text only: a text-free verdict never reads them */
        cm_value_text(ops, w, f, have, hb, sizeof(hb));
        cm_value_text(ops, w, f, want, wb, sizeof(wb));
    }
    bool ok = true;
    switch (e) {
    case CM_ENF_SAME:
        break;
    case CM_ENF_WRITE:
        if (p->target)
            p->target[i] = cm_field_put(f, p->target[i], want);
        note_cap(p, i);
        if (why.s) { /* a driver explains a write only when it rests on an assumption */
            if (!p->nassumed++)
                p->assumed = cm_xasprintf("%s.%s: %s", w->name, f->name, why.s);
        }
        break;
    case CM_ENF_INIT_DROP:
        p->drops |= ops->init_feature_group ? ops->init_feature_group(feat) : 1u << feat;
        break;
    case CM_ENF_HOST_VALUE:
        if (p->assume->reading == CM_READ_BOOT) {
            cm_reason_addf(p->reasons, CM_SEV_WARNING, host->name, ops, w->id, f->name, true, have, want,
                           "boot-sees-host-value",
                           "%s.%s: fresh boot: a guest started on %s sees the host's %s, not the model's %s%s%s",
                           w->name, f->name, host->name, hb, wb, sep, txt);
        } else {
            blocked(p, "restore-refused", w->id, f->name, true, have, want);
            cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want,
                           "restore-refused",
                           "%s.%s: migration: a restore of %s is refused on %s (KVM_SET_ONE_REG: EINVAL), which "
                           "only takes its own %s%s%s",
                           w->name, f->name, wb, host->name, hb, sep, txt);
            ok = false;
        }
        break;
    case CM_ENF_NO:
        if (identity) {
            cm_reason_addf(p->reasons, CM_SEV_WARNING, host->name, ops, w->id, f->name, true, have, want,
                           "identity",
                           "%s.%s: %s presents %s where the model has %s; the guest will see the host's "
                           "value%s%s",
                           w->name, f->name, host->name, hb, wb, sep, txt);
        } else {
            blocked(p, "not-writable", w->id, f->name, true, have, want);
            cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, f->name, true, have, want,
                           "not-writable", "%s.%s: cannot lower %s to %s on %s%s%s", w->name, f->name, hb, wb,
                           host->name, sep, txt);
            ok = false;
        }
        break;
    }
    cm_buf_free(&why);
    return ok;
}

/* A text-free verdict on a word the VMM writes whole (CM_WORDF_WRITTEN),
 * when every bit that differs is in a BITMAP field or in no field: the host
 * must have each such bit the model keeps, and then the arch writes them all
 * (its enforce() answers WRITE, which a verdict records nothing for).  One
 * mask test instead of a driver call per differing bit; anything else
 * (another policy differs, a bit is missing, text or a plan wanted) takes the
 * field-by-field path, which also names what blocks. */
static bool written_word_passes(const struct pass *p, const struct cm_word *w, uint64_t hval, uint64_t mval)
{
    if (!(w->flags & CM_WORDF_WRITTEN) || p->reasons || p->target || p->out)
        return false;
    uint64_t diff = hval ^ mval, flags = 0;
    for (uint16_t fi = 0; fi < w->nfields; fi++) {
        uint64_t m = cm_field_mask(&w->fields[fi]);
        if (!(diff & m))
            continue;
        if (w->fields[fi].policy != CM_POL_BITMAP)
            return false;
        flags |= m;
    }
    return !(mval & ~hval & (flags | cm_word_raw_mask(w)));
}

static bool check_word(struct pass *p, size_t i)
{
    const struct cm_vector *model = p->model, *host = p->host;
    const struct cm_arch_ops *ops = host->ops;
    const struct cm_word *w = &ops->words[i];
    if (!cm_word_valued(model, i))
        return true;
    if (!host->present[i]) {
        if (cm_vector_has_reg(model, w->id))
            return true; /* a register: the register lists decide (ENOENT on restore) */
        blocked(p, "missing-word", w->id, NULL, false, 0, 0);
        cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, NULL, false, 0, 0, "missing-word",
                       "%s is in the model but %s does not report it", w->name, host->name);
        return false;
    }
    if (host->novalue[i] || (w->flags & CM_WORDF_NOVALUE))
        return true;
    /* what the host presents once restricted to the model (a value KVM
     * derives from the model's other values), not what it was probed with */
    uint64_t hval = host->val[i];
    if (ops->presented) {
        struct cm_buf why = {0};
        if (!ops->presented(host, model, i, &hval, why_for(p, &why))) {
            blocked(p, "unpredictable", w->id, NULL, false, 0, 0);
            cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, NULL, false, 0, 0, "unpredictable",
                           "%s: the value %s presents under the model cannot be predicted%s%s", w->name,
                           host->name, why.s ? ": " : "", why.s ? why.s : "");
            cm_buf_free(&why);
            return false;
        }
        cm_buf_free(&why);
    }
    /* every field equal (and the raw bits): nothing to decide */
    if (hval == model->val[i] || written_word_passes(p, w, hval, model->val[i]))
        return true;
    bool ok = true;
    uint64_t diff = hval ^ model->val[i];
    for (uint16_t fi = 0; fi < w->nfields && !(!ok && enough(p)); fi++)
        if (diff & cm_field_mask(&w->fields[fi])) /* an equal field passes (check_field's first test) */
            ok &= check_field(p, i, hval, &w->fields[fi]);
    uint64_t rawm = cm_word_raw_mask(w);
    uint64_t hraw = hval & rawm, mraw = model->val[i] & rawm;
    if (hraw != mraw && !(!ok && enough(p))) {
        struct cm_buf why = {0};
        uint32_t feat = 0;
        enum cm_enforce e = ops->enforce ? ops->enforce(host, i, NULL, hraw, mraw, why_for(p, &why), &feat)
                                         : CM_ENF_NO;
        if (e == CM_ENF_NO || e == CM_ENF_HOST_VALUE) {
            blocked(p, "raw-bits", w->id, "(raw bits)", true, hraw, mraw);
            cm_reason_addf(p->reasons, CM_SEV_ERROR, host->name, ops, w->id, "(raw bits)", true, hraw, mraw,
                           "raw-bits", "%s: bits 0x%llx not described by any field differ (host 0x%llx, model "
                           "0x%llx)%s%s",
                           w->name, (unsigned long long)(hraw ^ mraw), (unsigned long long)hraw,
                           (unsigned long long)mraw, why.s ? ": " : "", why.s ? why.s : "");
            ok = false;
        } else if (e == CM_ENF_INIT_DROP) {
            p->drops |= ops->init_feature_group ? ops->init_feature_group(feat) : 1u << feat;
        } else if (e == CM_ENF_WRITE && p->target) {
            p->target[i] = (p->target[i] & ~rawm) | mraw;
        }
        cm_buf_free(&why);
    }
    return ok;
}

static bool check_words(struct pass *p, size_t max_errors)
{
    bool ok = true;
    p->nerrors = 0; /* a second pass (init features left out) starts the verdict again */
    p->max_errors = max_errors;
    if (p->block)
        memset(p->block, 0, sizeof(*p->block));
    if (p->target)
        memcpy(p->target, p->host->val, p->host->ops->nwords * sizeof(uint64_t));
    for (size_t i = 0; i < p->host->ops->nwords; i++) {
        ok &= check_word(p, i);
        if (!ok && enough(p))
            break;
    }
    return ok;
}

bool cm_ids_in(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

enum cm_rollback cm_classify_extra(const struct cm_arch_ops *ops, const struct cm_snapshot *snap,
                                   const struct cm_vector *model, uint64_t id, bool *write, uint64_t *write_value,
                                   struct cm_buf *why)
{
    const struct cm_reg *reg = snap ? cm_snapshot_find_reg(snap, id) : NULL;
    *write = false;
    *write_value = 0;
    if (!ops->classify_missing || !reg)
        return CM_RB_BLOCKING;
    return ops->classify_missing(snap, model, id, cm_snapshot_reg_val(snap, reg), write, write_value, why);
}

/* A register the guest's state has on one side and the other side does not
 * list: blocking, or (hidden / droppable) fine only for a plan-aware VMM. */
static bool judge_missing(struct pass *p, uint64_t id, enum cm_rollback cls, const char *what, const char *why)
{
    if (cls == CM_RB_BLOCKING || (p->assume->restore == CM_RESTORE_ALL && p->host->ops->restore_fails_on_missing)) {
        blocked(p, cls == CM_RB_BLOCKING ? "rollback-blocking" : "restore-all-enoent", id, NULL, false, 0, 0);
        if (!p->reasons)
            return false;
    } else if (!p->reasons)
        return true;
    const struct cm_arch_ops *ops = p->host->ops;
    const char *sep = why && *why ? ": " : "", *txt = why ? why : "";
    if (cls == CM_RB_BLOCKING) {
        cm_reason_addf(p->reasons, CM_SEV_ERROR, p->host->name, ops, id, NULL, false, 0, 0, "rollback-blocking",
                       "%s, and it is neither hidden nor droppable%s%s", what, sep, txt);
        return false;
    }
    if (p->assume->restore == CM_RESTORE_ALL && ops->restore_fails_on_missing) {
        cm_reason_addf(p->reasons, CM_SEV_ERROR, p->host->name, ops, id, NULL, false, 0, 0, "restore-all-enoent",
                       "%s: a VMM that restores every saved register gets ENOENT from KVM_SET_ONE_REG there (it "
                       "is %s: harmless only for a VMM applying the plan's hidden / safe-missing register "
                       "lists)%s%s",
                       what, cm_rollback_name(cls), sep, txt);
        return false;
    }
    cm_reason_addf(p->reasons, cls == CM_RB_DROPPABLE ? CM_SEV_WARNING : CM_SEV_INFO, p->host->name, ops, id, NULL,
                   false, 0, 0, cm_rollback_name(cls), "%s (%s%s)%s%s", what, cm_rollback_name(cls),
                   ops->restore_fails_on_missing ? "; the plan-aware VMM skips it" : "", sep, txt);
    return true;
}

static void push_extra(struct cm_enforcement *out, size_t *cap, uint64_t id, enum cm_rollback cls, bool write,
                       uint64_t wv, struct cm_buf *why)
{
    if (!out) {
        cm_buf_free(why);
        return;
    }
    cm_grow(&out->extras, cap, out->nextras + 1, sizeof(*out->extras));
    out->extras[out->nextras++] = (struct cm_extra_reg){
        .id = id, .cls = cls, .write = write, .write_value = wv, .why = cm_buf_steal(why)};
}

static bool check_registers(struct pass *p, const struct cm_vector *after, unsigned flags)
{
    const struct cm_vector *model = p->model, *host = p->host;
    const struct cm_arch_ops *ops = host->ops;
    bool ok = true;
    char name[96];
    /* a verdict pass stops at what blocks */
    bool verdict_only = !p->reasons && !p->out;
    uint64_t *vanish = NULL, *eff = NULL;
    size_t nvanish = 0, neff = 0;
    if (ops->vanishing)
        ops->vanishing(after, model, &vanish, &nvanish);
    cm_vector_effective_regs(after, model, &eff, &neff);

    /* (a) the model's registers the host does not list: a guest saved under
     * the model carries them */
    const struct cm_snapshot *msnap = model->snap;
    for (size_t r = 0; r < model->nregs && !(!ok && (verdict_only || enough(p))); r++) {
        uint64_t id = model->reg_ids[r];
        if (cm_ids_has(eff, neff, id))
            continue;
        const struct cm_reg *reg = msnap ? cm_snapshot_find_reg(msnap, id) : NULL;
        struct cm_buf why = {0};
        bool write = false;
        uint64_t wv = 0;
        enum cm_rollback cls = reg && (reg->flags & CM_REGF_NOVALUE)
                                   ? CM_RB_DROPPABLE /* a model's state register: the kernel defines it */
                                   : cm_classify_extra(ops, msnap, host, id, &write, &wv, why_for(p, &why));
        struct cm_buf what = {0};
        if (p->reasons)
            cm_buf_printf(&what, "%s does not list %s, which %s has%s", host->name,
                          cm_regname(ops, id, name, sizeof(name)), model->name,
                          write ? " (the source must write it first)" : "");
        ok &= judge_missing(p, id, cls, what.s, why.s);
        cm_buf_free(&what);
        cm_buf_free(&why);
    }

    /* (b) the host's registers the model does not list: a guest started here
     * would save them and another member could not restore them */
    size_t extra = 0, xcap = 0;
    for (size_t r = 0; r < host->nregs && !(!ok && (verdict_only || enough(p))); r++) {
        uint64_t id = host->reg_ids[r];
        if (cm_vector_has_reg(model, id))
            continue;
        struct cm_buf why = {0};
        if (cm_ids_in(vanish, nvanish, id) || !cm_ids_has(eff, neff, id)) {
            if (p->out)
                cm_buf_printf(&why, "leaves the register list with the feature the model hides");
            push_extra(p->out, &xcap, id, CM_RB_HIDDEN, false, 0, &why);
            continue;
        }
        extra++;
        if (flags & CM_EF_ONE_WAY) {
            cm_buf_free(&why);
            continue;
        }
        bool write = false;
        uint64_t wv = 0;
        enum cm_rollback cls = cm_classify_extra(ops, host->snap, model, id, &write, &wv, why_for(p, &why));
        struct cm_buf what = {0};
        if (p->reasons)
            cm_buf_printf(&what, "%s lists %s, which the model's kernels do not%s", host->name,
                          cm_regname(ops, id, name, sizeof(name)),
                          write ? " (droppable once the plan writes it)" : "");
        ok &= judge_missing(p, id, cls, what.s, why.s);
        cm_buf_free(&what);
        push_extra(p->out, &xcap, id, cls, write && cls != CM_RB_BLOCKING, wv, &why);
    }
    if ((flags & CM_EF_ONE_WAY) && extra)
        cm_reason_addf(p->reasons, CM_SEV_INFO, host->name, ops, 0, NULL, false, 0, 0, "extra-registers",
                       "%s lists %zu register(s) %s does not; the guest gets the destination kernel's defaults for "
                       "them",
                       host->name, extra, model->name);
    if (p->out) {
        p->out->vanishing = vanish;
        p->out->nvanishing = nvanish;
    } else {
        free(vanish);
    }
    free(eff);
    return ok;
}

/* The rule itself.  `reasons` NULL and `out` NULL: a verdict pass, no text
 * formatted anywhere (the drivers get no explanation buffer); `block` then
 * says what stopped it.  With text, the same decisions are made at the same
 * places, each also written as a reason. */
static bool enforce(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *assume,
                    unsigned flags, struct cm_reasons *reasons, size_t max_errors, struct cm_enforcement *out,
                    struct cm_block *block)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (block)
        memset(block, 0, sizeof(*block));
    struct pass p = {.model = model, .host = host, .assume = assume ? assume : &default_assume, .out = out,
                     .block = block};
    if (model->ops != host->ops) {
        blocked(&p, "arch", 0, NULL, false, 0, 0);
        cm_reason_addf(reasons, CM_SEV_ERROR, host->name, NULL, 0, NULL, false, 0, 0, "arch",
                       "%s is %s, the model is %s", host->name, cm_arch_name(host->ops->arch),
                       cm_arch_name(model->ops->arch));
        if (out)
            cm_vector_copy(&out->after, host);
        return false;
    }
    const struct cm_arch_ops *ops = host->ops;
    /* a side that cannot report its ID registers is named in every verdict it takes part in */
    if (reasons) {
        cm_note_unreported(reasons, model);
        cm_note_unreported(reasons, host);
    }
    if (out)
        out->target = cm_xcalloc(ops->nwords, sizeof(uint64_t));
    p.target = out ? out->target : NULL;

    /* 1. which init features must go; when none, this pass is the verdict */
    struct cm_reasons first = {0};
    p.reasons = reasons ? &first : NULL;
    bool ok = check_words(&p, max_errors);
    uint32_t drops = p.drops;
    struct cm_vector after;
    bool copied = false;
    if (drops) {
        /* 2. the host as KVM presents it once they are left out, checked again */
        cm_reasons_free(&first);
        if (out)
            out->ncaps = 0;
        cm_vector_copy(&after, host);
        copied = true;
        for (uint32_t bit = 0; bit < 32; bit++)
            if ((drops & (1u << bit)) && ops->drop_init_feature)
                ops->drop_init_feature(&after, bit);
        after.vcpu_features &= ~drops;
        p.host = &after;
        p.reasons = reasons;
        p.drops = 0;
        p.nassumed = 0;
        free(p.assumed);
        p.assumed = NULL;
        ok = check_words(&p, max_errors);
    } else {
        for (size_t k = 0; k < first.n; k++)
            cm_reasons_add(reasons, &first.v[k]);
        cm_reasons_free(&first);
    }
    p.reasons = reasons;
    if (p.nassumed)
        cm_reason_addf(reasons, CM_SEV_INFO, host->name, ops, 0, NULL, false, 0, 0, "assumption",
                       "%zu value(s) are taken as writable on %s on an assumption, not on what its KVM reported "
                       "(first: %s)",
                       p.nassumed, host->name, p.assumed);
    free(p.assumed);

    /* 3. register lists */
    if (!max_errors || ok)
        ok &= check_registers(&p, copied ? &after : host, flags);

    if (out) {
        out->drops = drops;
        if (copied)
            out->after = after;
        else
            cm_vector_copy(&out->after, host);
    } else if (copied) {
        cm_vector_free(&after);
    }
    return ok;
}

bool cm_enforce_rule(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *assume,
                     unsigned flags, struct cm_reasons *reasons, size_t max_errors, struct cm_enforcement *out)
{
    return enforce(model, host, assume, flags, reasons, max_errors, out, NULL);
}

bool cm_enforce_verdict(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *assume,
                        struct cm_block *block)
{
    return enforce(model, host, assume, 0, NULL, 1, NULL, block);
}

void cm_enforcement_free(struct cm_enforcement *e)
{
    cm_vector_free(&e->after);
    free(e->target);
    free(e->vanishing);
    for (size_t i = 0; i < e->nextras; i++)
        free(e->extras[i].why);
    free(e->extras);
    memset(e, 0, sizeof(*e));
}

bool cm_enforceable(const struct cm_vector *model, const struct cm_vector *host, struct cm_reasons *reasons)
{
    return cm_enforce_rule(model, host, NULL, 0, reasons, 0, NULL);
}

bool cm_enforceable_max(const struct cm_vector *model, const struct cm_vector *host, struct cm_reasons *reasons,
                        size_t max_errors)
{
    return cm_enforce_rule(model, host, NULL, 0, reasons, max_errors, NULL);
}

bool cm_enforceable_ex(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *assume,
                       struct cm_reasons *reasons, size_t max_errors)
{
    return cm_enforce_rule(model, host, assume, 0, reasons, max_errors, NULL);
}

/* The assumption names, one table per enum: name and parse read the same one. */
static const char *const reading_names[] = {[CM_READ_MIGRATION] = "migration", [CM_READ_BOOT] = "boot"};
static const char *const restore_names[] = {[CM_RESTORE_ALL] = "restore-all", [CM_RESTORE_PLAN_AWARE] = "plan-aware"};

/* index of `s` in names[n], or -1 */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (names[i] && !strcmp(names[i], s))
            return (int)i;
    return -1;
}

const char *cm_reading_name(enum cm_reading r)
{
    return (size_t)r < CM_ARRAY_SIZE(reading_names) ? reading_names[r] : reading_names[CM_READ_MIGRATION];
}

const char *cm_restore_name(enum cm_restore r)
{
    return (size_t)r < CM_ARRAY_SIZE(restore_names) ? restore_names[r] : restore_names[CM_RESTORE_ALL];
}

bool cm_reading_parse(const char *s, enum cm_reading *out)
{
    int i = name_index(reading_names, CM_ARRAY_SIZE(reading_names), s);
    if (i >= 0)
        *out = (enum cm_reading)i;
    return i >= 0;
}

bool cm_restore_parse(const char *s, enum cm_restore *out)
{
    int i = name_index(restore_names, CM_ARRAY_SIZE(restore_names), s);
    if (i >= 0)
        *out = (enum cm_restore)i;
    return i >= 0;
}
