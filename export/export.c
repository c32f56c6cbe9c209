/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The export framework: decode, check, digest, refuse an unreachable host,
 * then hand over to the format (export.h).  Formats never see a host that
 * cannot run the model: that decision is cm_enforceable's, made once here.
 */
#define _GNU_SOURCE /* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "export.h"

const struct cm_export_format *cm_export_find(const char *name)
{
    for (size_t i = 0; name && i < cm_export_nformats; i++)
        if (!strcmp(cm_export_formats[i].name, name))
            return &cm_export_formats[i];
    return NULL;
}

const char *cm_export_names(void)
{
    static char buf[256];
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cm_export_nformats && off < sizeof(buf); i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "", cm_export_formats[i].name);
    return buf;
}

void cm_export_cannot(struct cm_export *out, const struct cm_vector *model, uint64_t reg, const char *field,
                      const char *fmt, ...)
{
    char name[96] = "";
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (reg && model->ops->reg_name)
        model->ops->reg_name(reg, name, sizeof(name));
    struct cm_reason r = {.sev = CM_SEV_INFO, .reg = reg, .reg_name = reg ? name : NULL, .field = (char *)field,
                          .rule = "cannot-express", .text = text};
    cm_reasons_add(&out->cannot, &r);
    free(text);
}

/* REACH_OFFER: drops the errors about values KVM cannot change (the format
 * reports what it cannot express itself); true when no error is left. */
static bool only_unwritable(struct cm_reasons *r)
{
    static const char *const rules[] = {"not-writable", "raw-bits", "unpredictable", "rollback-blocking"};
    bool blocked = false;
    struct cm_reasons kept = {0};
    for (size_t i = 0; i < r->n; i++) {
        bool unwritable = false;
        for (size_t k = 0; k < CM_ARRAY_SIZE(rules); k++)
            unwritable |= r->v[i].rule && !strcmp(r->v[i].rule, rules[k]);
        if (r->v[i].sev == CM_SEV_ERROR && unwritable)
            continue;
        blocked |= r->v[i].sev == CM_SEV_ERROR;
        cm_reasons_add(&kept, &r->v[i]);
    }
    cm_reasons_free(r);
    *r = kept;
    return !blocked;
}

int cm_export_make(const char *format, const struct cm_snapshot *model, const struct cm_snapshot *host,
                   struct cm_export *out, cm_error *err)
{
    memset(out, 0, sizeof(*out));
    const struct cm_export_format *f = cm_export_find(format);
    if (!f)
        return cm_fail(err, CM_E_INPUT, "unknown export format '%s' (known: %s)", format ? format : "(none)",
                       cm_export_names());
    if (!f->fn)
        return cm_fail(err, CM_E_NOTSUP, "export format '%s' is not built into this binary", format);
    if (f->arches && !(f->arches & (1u << model->arch)))
        return cm_fail(err, CM_E_NOTSUP, "the %s format has no %s form (model %s)", f->name, cm_arch_name(model->arch),
                       cm_snapshot_name(model));
    if (model->arch != host->arch)
        return cm_fail(err, CM_E_MISMATCH, "the model %s is %s but the host %s is %s", cm_snapshot_name(model),
                       cm_arch_name(model->arch), cm_snapshot_name(host), cm_arch_name(host->arch));
    out->format = f->name;
    out->arch = cm_arch_name(model->arch);
    out->model_name = cm_xstrdup(cm_snapshot_name(model));
    out->host_name = cm_xstrdup(cm_snapshot_name(host));

    struct cm_vector mv, hv;
    if (cm_vector_from_snapshot(model, &mv, err) < 0) {
        cm_export_free(out);
        return -1;
    }
    if (cm_vector_from_snapshot(host, &hv, err) < 0) {
        cm_vector_free(&mv);
        cm_export_free(out);
        return -1;
    }
    cm_vector_digest(&mv, out->digest);
    out->ok = cm_enforceable(&mv, &hv, &out->reasons);
    if (!out->ok && f->reach == CM_EXPORT_REACH_OFFER)
        out->ok = only_unwritable(&out->reasons);
    int r = 0;
    if (out->ok) {
        struct cm_export_req req = {.model_snap = model, .model = &mv, .host_snap = host, .host = &hv,
                                    .digest = out->digest};
        r = f->fn(&req, out, err);
        if (r < 0) {
            cm_export_free(out);
        } else if (!out->ok) {
            free(out->text); /* a format that refuses gives reasons, never half an output */
            out->text = NULL;
            json_object_put(out->data);
            out->data = NULL;
        }
    }
    cm_vector_free(&mv);
    cm_vector_free(&hv);
    return r;
}

void cm_export_free(struct cm_export *e)
{
    free(e->model_name);
    free(e->host_name);
    free(e->text);
    json_object_put(e->data);
    cm_reasons_free(&e->cannot);
    cm_reasons_free(&e->reasons);
    memset(e, 0, sizeof(*e));
}

struct json_object *cm_export_to_json(const struct cm_export *e)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string(e->format ? e->format : ""));
    json_object_object_add(o, "model", json_object_new_string(e->model_name ? e->model_name : ""));
    json_object_object_add(o, "digest", json_object_new_string(e->digest));
    json_object_object_add(o, "host", json_object_new_string(e->host_name ? e->host_name : ""));
    json_object_object_add(o, "arch", json_object_new_string(e->arch ? e->arch : ""));
    json_object_object_add(o, "ok", json_object_new_boolean(e->ok));
    json_object_object_add(o, "output", e->text ? json_object_new_string(e->text) : NULL);
    json_object_object_add(o, "data", e->data ? json_object_get(e->data) : NULL);
    json_object_object_add(o, "cannot_express", cm_reasons_to_json(&e->cannot));
    json_object_object_add(o, "reasons", cm_reasons_to_json(&e->reasons));
    return o;
}
