/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"

void cli_print_json(struct json_object *o)
{
    fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
    fputc('\n', stdout);
}

void cli_print_reasons(FILE *f, const struct cm_reasons *r, const char *indent, size_t max)
{
    size_t shown = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (max && shown == max) {
            fprintf(f, "%s… %zu more (use --json for all)\n", indent, r->n - shown);
            break;
        }
        fprintf(f, "%s%s: %s\n", indent, cm_severity_name(r->v[i].sev), r->v[i].text);
        shown++;
    }
}

bool cli_has_opt(int argc, char **argv, const char *opt)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], opt))
            return true;
    return false;
}

int cli_fail(const cm_error *err)
{
    fprintf(stderr, "cpumodeld: %s\n", err->msg);
    switch (err->code) {
    case CM_E_KVM:
    case CM_E_IO:
    case CM_E_NOMEM:
        return CM_EXIT_SYSTEM;
    default:
        return CM_EXIT_USAGE;
    }
}

int cli_load_all(char **files, size_t n, struct cm_snapshot **snaps)
{
    for (size_t i = 0; i < n; i++) {
        cm_error err = {0};
        snaps[i] = NULL;
        if (cm_snapshot_load(files[i], &snaps[i], &err) < 0) {
            for (size_t k = 0; k < i; k++) { /* nothing left behind for a caller's cleanup to free twice */
                cm_snapshot_free(snaps[k]);
                snaps[k] = NULL;
            }
            return cli_fail(&err);
        }
    }
    return 0;
}
