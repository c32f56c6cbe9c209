/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cpumodeld verify PLAN.json [MODEL] [--json]`: applies a restriction plan
 * (the output of `cpumodeld plan --json`) on a scratch VM + vCPU of this host,
 * before any KVM_RUN, reads everything back and lists what differs.  MODEL (a
 * model snapshot or baseline file) gives the values to compare against; on
 * x86 it is needed unless the plan carries its CPUID table (extra.cpuid).
 *
 * Exit codes: 0 the read-back matches; 1 mismatches (listed); 2 usage or
 * input error (bad plan/model file); 3 KVM/system error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"
#include "cpumodel/probe.h"

static const char verify_usage[] =
    "usage: cpumodeld verify PLAN.json [MODEL] [--json]\n"
    "  Applies the plan on a scratch vCPU (never run) and reads every register back.\n"
    "  MODEL  the model snapshot/baseline the plan was made for (values to compare against)\n"
    "exit codes: 0 read-back matches, 1 mismatches, 2 usage or input error, 3 KVM/system error\n";

static int bad(const char *file, const char *where, const char *what)
{
    fprintf(stderr, "cpumodeld: verify: %s: %s: %s\n", file, where, what);
    return -1;
}

/* "0x…" (or a JSON integer) into 64 bits. */
static bool get_u64(struct json_object *v, uint64_t *out)
{
    if (json_object_is_type(v, json_type_int)) {
        *out = (uint64_t)json_object_get_int64(v);
        return true;
    }
    if (!json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = x;
    return true;
}

static const char *get_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

static uint8_t order_from(struct json_object *v)
{
    static const char *const names[] = {"id-register", "firmware", "config", "other"};
    if (json_object_is_type(v, json_type_int))
        return (uint8_t)json_object_get_int(v);
    const char *s = json_object_get_string(v);
    for (uint8_t i = 0; s && i < 4; i++)
        if (!strcmp(s, names[i]))
            return i;
    return 3;
}

/* Reads the parts of a plan JSON that verification uses. */
static int plan_parse(const char *file, struct cm_plan *p)
{
    memset(p, 0, sizeof(*p));
    struct json_object *root = json_object_from_file(file);
    if (!root)
        return bad(file, "(file)", json_util_get_last_err() ? json_util_get_last_err() : "cannot read JSON");
    struct json_object *o = root, *v;
    if (!json_object_object_get_ex(o, "writes", &v) && json_object_object_get_ex(root, "plan", &v) &&
        json_object_is_type(v, json_type_object))
        o = v;
    int rc = -1;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "writes", &v) ||
        !json_object_is_type(v, json_type_array)) {
        bad(file, "writes", "not a plan (expected an object with a \"writes\" array)");
        goto out;
    }
    p->host = cm_xstrdup(get_str(o, "host"));
    p->model = cm_xstrdup(get_str(o, "model"));
    if (json_object_object_get_ex(o, "ok", &v))
        p->ok = json_object_get_boolean(v);
    uint64_t u;
    if (json_object_object_get_ex(o, "drop_init_features", &v)) {
        if (!get_u64(v, &u) || u > 0xffffffffu) {
            bad(file, "drop_init_features", "not a 32-bit number");
            goto out;
        }
        p->drop_init_features = (uint32_t)u;
    }
    json_object_object_get_ex(o, "writes", &v);
    size_t n = json_object_array_length(v);
    p->writes = cm_xcalloc(n ? n : 1, sizeof(*p->writes));
    for (size_t i = 0; i < n; i++) {
        struct json_object *w = json_object_array_get_idx(v, i), *x;
        char where[64];
        snprintf(where, sizeof(where), "writes[%zu]", i);
        struct cm_write *d = &p->writes[p->nwrites];
        if (!json_object_is_type(w, json_type_object) || !json_object_object_get_ex(w, "id", &x) ||
            !get_u64(x, &d->id) || !json_object_object_get_ex(w, "new", &x) || !get_u64(x, &d->new_value)) {
            bad(file, where, "needs \"id\" and \"new\" as hex strings");
            goto out;
        }
        if (json_object_object_get_ex(w, "old", &x) && !get_u64(x, &d->old_value)) {
            bad(file, where, "\"old\" is not a hex string");
            goto out;
        }
        d->name = cm_xstrdup(get_str(w, "name"));
        d->why = cm_xstrdup(get_str(w, "why"));
        d->order = json_object_object_get_ex(w, "order", &x) ? order_from(x) : 3;
        p->nwrites++;
    }
    if (json_object_object_get_ex(o, "vanishing", &v) && json_object_is_type(v, json_type_array)) {
        n = json_object_array_length(v);
        p->vanishing = cm_xcalloc(n ? n : 1, sizeof(uint64_t));
        for (size_t i = 0; i < n; i++) {
            if (!get_u64(json_object_array_get_idx(v, i), &p->vanishing[i])) {
                char where[64];
                snprintf(where, sizeof(where), "vanishing[%zu]", i);
                bad(file, where, "not a hex register id");
                goto out;
            }
            p->nvanishing++;
        }
    }
    if (json_object_object_get_ex(o, "extra", &v) && json_object_is_type(v, json_type_object))
        p->extra = json_object_get(v);
    rc = 0;
out:
    json_object_put(root);
    if (rc < 0)
        cm_plan_free(p);
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL};
    size_t nfiles = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(verify_usage, stdout);
            return CM_EXIT_OK;
        } else if (argv[i][0] == '-' || nfiles == 2) {
            fprintf(stderr, "cpumodeld: verify: unexpected argument '%s'\n%s", argv[i], verify_usage);
            return CM_EXIT_USAGE;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        fputs(verify_usage, stderr);
        return CM_EXIT_USAGE;
    }

    struct cm_plan plan;
    if (plan_parse(files[0], &plan) < 0)
        return CM_EXIT_USAGE;
    cm_error err = {0};
    _cleanup_snapshot_ struct cm_snapshot *ms = NULL;
    struct cm_vector model = {0};
    bool have_model = false;
    int rc;
    if (files[1]) {
        if (cm_snapshot_load(files[1], &ms, &err) < 0 || cm_vector_from_snapshot(ms, &model, &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
        have_model = true;
    }

    struct cm_reasons mm = {0};
    int r = cm_verify_plan(&plan, have_model ? &model : NULL, &mm, &err);
    if (r < 0) {
        fprintf(stderr, "cpumodeld: verify: %s\n", err.msg);
        rc = err.code == CM_E_INPUT || err.code == CM_E_MISMATCH ? CM_EXIT_USAGE : CM_EXIT_SYSTEM;
        cm_reasons_free(&mm);
        goto out;
    }
    if (json) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "plan", json_object_new_string(files[0]));
        json_object_object_add(o, "matches", json_object_new_boolean(r == 0));
        json_object_object_add(o, "mismatches", cm_reasons_to_json(&mm));
        cli_print_json(o);
        json_object_put(o);
    } else if (r == 0) {
        printf("verify: %s: the read-back matches (%zu writes applied)\n", files[0], plan.nwrites);
    } else {
        printf("verify: %s: %zu mismatches\n", files[0], mm.n);
        cli_print_reasons(stdout, &mm, "  ", 0);
    }
    rc = r == 0 ? CM_EXIT_OK : CM_EXIT_INCOMPATIBLE;
    cm_reasons_free(&mm);
out:
    if (have_model)
        cm_vector_free(&model);
    cm_plan_free(&plan);
    return rc;
}
