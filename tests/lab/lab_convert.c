/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Build-host side of the lab (built by the lab tests against libcpumodel.a):
 *
 *   lab_convert snapshot CONSOLE.txt OUT.json
 *       the "CMLAB …" lines lab_init printed (see lab_init.c) -> a snapshot
 *       JSON file written by the library (cm_snapshot_save), so the CLI can
 *       baseline/compare/plan emulated hosts like real ones.  Fails (exit 1,
 *       naming the line) on a console without a complete, error-free block.
 *   lab_convert plan PLAN.json OUT.txt
 *       `cpumodeld plan --json` output -> the plan.txt lines lab_init reads,
 *       plus "ERROR <id>" for each register the plan says it cannot enforce.
 *   lab_convert model MODEL.json OUT.txt
 *       a model (or snapshot) file -> the same lines, for /init's /model.txt.
 *   lab_convert errors RESULT.json
 *       the register ids of the error reasons of a plan/compare result.
 *   lab_convert reg FILE ID
 *       one register's value (first word) of a snapshot or model file
 *       (nothing, exit 3, when it is not listed or listed without a value).
 *   lab_convert fact FILE NAME
 *       one probe fact of a snapshot file (0x… hex; exit 3 when absent).
 *   lab_convert caps RESULT.json
 *       the VM capabilities a compare result's "needs-capability" reasons name.
 *   lab_convert rules RESULT.json
 *       "<id> <rule>" of each error reason of a plan/compare result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/snapshot.h"
#include "lab_lines.h"

static int die(const char *file, unsigned line, const char *what)
{
    fprintf(stderr, "lab_convert: %s:%u: %s\n", file, line, what);
    return 1;
}

static int to_snapshot(const char *in, const char *out)
{
    FILE *f = fopen(in, "re");
    if (!f)
        return die(in, 0, strerror(errno));
    struct cm_snapshot *s = NULL;
    char *line = NULL, msg[1100];
    size_t cap = 0;
    unsigned ln = 0;
    int rc = 1, ended = 0;
    cm_error err = {0};
    while (getline(&line, &cap, f) > 0) {
        ln++;
        line[strcspn(line, "\r\n")] = 0;
        char *p = strstr(line, "CMLAB ");
        if (!p)
            continue;
        p += 6;
        if (!strncmp(p, "ERROR ", 6)) {
            rc = die(in, ln, p);
            goto out;
        } else if (!strncmp(p, "BEGIN ", 6)) {
            cm_snapshot_free(s);
            s = cm_snapshot_new(CM_ARCH_UNKNOWN);
        } else if (!s) {
            continue;
        } else if (!strncmp(p, "END ", 4)) {
            ended = 1;
            break;
        } else if (lab_parse_line(s, p, msg, sizeof(msg)) < 0) {
            rc = die(in, ln, msg);
            goto out;
        }
    }
    if (!s || !ended) {
        rc = die(in, ln, "no complete CMLAB block (the guest did not finish)");
        goto out;
    }
    cm_snapshot_set_str(&s->source, "probe");
    if (cm_snapshot_finish(s, &err) < 0 || cm_snapshot_save(s, out, &err) < 0) {
        rc = die(out, 0, err.msg);
        goto out;
    }
    rc = 0;
out:
    free(line);
    fclose(f);
    cm_snapshot_free(s);
    return rc;
}

/* A snapshot/model file -> the lines lab_init reads from /model.txt. */
static int to_lines(const char *in, const char *out)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_load(in, &s, &err) < 0)
        return die(in, 0, err.msg);
    FILE *f = fopen(out, "we");
    if (!f) {
        cm_snapshot_free(s);
        return die(out, 0, strerror(errno));
    }
    lab_print_snapshot(f, "", s);
    cm_snapshot_free(s);
    return fclose(f) ? die(out, 0, strerror(errno)) : 0;
}

static unsigned long long hexval(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return 0;
    if (json_object_is_type(v, json_type_int))
        return (unsigned long long)json_object_get_int64(v);
    return strtoull(json_object_get_string(v), NULL, 0);
}

static int to_plan(const char *in, const char *out)
{
    struct json_object *o = json_object_from_file(in), *w, *v;
    if (!o)
        return die(in, 0, json_util_get_last_err());
    FILE *f = fopen(out, "we");
    if (!f)
        return die(out, 0, strerror(errno));
    static const char *const orders[] = {"id-register", "firmware", "config", "other"};
    fprintf(f, "DROP %llx\n", hexval(o, "drop_init_features"));
    /* VM capabilities the VMM enables before creating vCPUs (lab_migrate.c) */
    if (json_object_object_get_ex(o, "enable_vm_capabilities", &w))
        for (size_t i = 0; i < json_object_array_length(w); i++)
            fprintf(f, "ENABLECAP %llu\n", hexval(json_object_array_get_idx(w, i), "cap"));
    if (json_object_object_get_ex(o, "writes", &w))
        for (size_t i = 0; i < json_object_array_length(w); i++) {
            struct json_object *x = json_object_array_get_idx(w, i), *n, *ord;
            unsigned k = 3;
            if (json_object_object_get_ex(x, "order", &ord))
                for (unsigned j = 0; j < 4; j++)
                    if (!strcmp(json_object_get_string(ord), orders[j]))
                        k = j;
            const char *name = json_object_object_get_ex(x, "name", &n) && json_object_get_string(n)
                                   ? json_object_get_string(n) : "-";
            fprintf(f, "WRITE %llx %llx %u %s\n", hexval(x, "id"), hexval(x, "new"), k, name);
        }
    if (json_object_object_get_ex(o, "vanishing", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *x = json_object_array_get_idx(v, i);
            fprintf(f, "VANISH %llx\n", json_object_is_type(x, json_type_string)
                                            ? strtoull(json_object_get_string(x), NULL, 0)
                                            : hexval(x, "id"));
        }
    /* the registers the plan itself says cannot be enforced (lab_init ignores these lines) */
    if (json_object_object_get_ex(o, "reasons", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *x = json_object_array_get_idx(v, i), *sev;
            if (json_object_object_get_ex(x, "severity", &sev) && !strcmp(json_object_get_string(sev), "error") &&
                hexval(x, "id"))
                fprintf(f, "ERROR %016llx\n", hexval(x, "id"));
        }
    if (json_object_object_get_ex(o, "rollback", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *x = json_object_array_get_idx(v, i), *c, *n;
            if (json_object_object_get_ex(x, "class", &c) && !strcmp(json_object_get_string(c), "hidden"))
                fprintf(f, "HIDDEN %llx %s\n", hexval(x, "id"),
                        json_object_object_get_ex(x, "name", &n) && json_object_get_string(n)
                            ? json_object_get_string(n) : "-");
        }
    fclose(f);
    json_object_put(o);
    return 0;
}

/* The first word of a register of a snapshot/model file, as lower-case hex
 * without 0x; nothing (exit 3) when the file does not list it. */
static int print_reg(const char *file, const char *id)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_load(file, &s, &err) < 0)
        return die(file, 0, err.msg);
    uint64_t v;
    int rc = 3;
    const struct cm_reg *r = cm_snapshot_find_reg(s, strtoull(id, NULL, 16));
    /* a model's register without a value (members disagree) has nothing to print */
    if (r && !(r->flags & CM_REGF_NOVALUE) && cm_snapshot_get_u64(s, r->id, &v)) {
        printf("%016llx\n", (unsigned long long)v);
        rc = 0;
    }
    cm_snapshot_free(s);
    return rc;
}

/* A probe fact of a snapshot file as 0x… hex; nothing (exit 3) when absent. */
static int print_fact(const char *file, const char *name)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_load(file, &s, &err) < 0)
        return die(file, 0, err.msg);
    const struct cm_fact *f = cm_snapshot_find_fact(s, name);
    if (f)
        printf("0x%llx\n", (unsigned long long)f->value);
    cm_snapshot_free(s);
    return f ? 0 : 3;
}

/* "<id> <rule>" of the error reasons of a plan or compare result (--json). */
static int print_rules(const char *file)
{
    struct json_object *o = json_object_from_file(file), *v;
    if (!o)
        return die(file, 0, json_util_get_last_err());
    if (json_object_object_get_ex(o, "reasons", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *x = json_object_array_get_idx(v, i), *sev, *rule;
            if (json_object_object_get_ex(x, "severity", &sev) && !strcmp(json_object_get_string(sev), "error"))
                printf("0x%016llx %s\n", hexval(x, "id"),
                       json_object_object_get_ex(x, "rule", &rule) ? json_object_get_string(rule) : "-");
        }
    json_object_put(o);
    return 0;
}

/* The VM capabilities a compare result (--json) says the destination VMM
 * must enable: its "needs-capability" reasons name them as "… (N) …"; one
 * number a line.  (A plan lists them in enable_vm_capabilities.) */
static int print_caps(const char *file)
{
    struct json_object *o = json_object_from_file(file), *v;
    if (!o)
        return die(file, 0, json_util_get_last_err());
    if (json_object_object_get_ex(o, "reasons", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *x = json_object_array_get_idx(v, i), *rule, *text;
            const char *t, *p;
            unsigned cap;
            if (!json_object_object_get_ex(x, "rule", &rule) ||
                strcmp(json_object_get_string(rule), "needs-capability") ||
                !json_object_object_get_ex(x, "text", &text) || !(t = json_object_get_string(text)))
                continue;
            for (p = strchr(t, '('); p; p = strchr(p + 1, '('))
                if (sscanf(p, "(%u)", &cap) == 1) {
                    printf("%u\n", cap);
                    break;
                }
        }
    json_object_put(o);
    return 0;
}

/* Ids of the error reasons of a plan or compare result (--json), one a line. */
static int print_errors(const char *file)
{
    struct json_object *o = json_object_from_file(file), *v;
    if (!o)
        return die(file, 0, json_util_get_last_err());
    if (json_object_object_get_ex(o, "reasons", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *x = json_object_array_get_idx(v, i), *sev;
            if (json_object_object_get_ex(x, "severity", &sev) && !strcmp(json_object_get_string(sev), "error"))
                printf("0x%016llx\n", hexval(x, "id"));
        }
    json_object_put(o);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "errors"))
        return print_errors(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "caps"))
        return print_caps(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "reg"))
        return print_reg(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "fact"))
        return print_fact(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "rules"))
        return print_rules(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "snapshot"))
        return to_snapshot(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "model"))
        return to_lines(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "plan"))
        return to_plan(argv[2], argv[3]);
    fprintf(stderr, "usage: lab_convert snapshot CONSOLE.txt OUT.json | model MODEL.json OUT.txt | plan PLAN.json OUT.txt | errors RESULT.json | caps RESULT.json | rules RESULT.json | reg FILE ID | fact FILE NAME\n");
    return 2;
}
