/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cpumodeld matrix SNAPSHOT...`: every host compared with every other (the
 * library's cm_compare, as `compare` does), hosts ordered by compatibility
 * group (the baseline's groups, per architecture), rendered as a text matrix
 * within 100 columns, JSON (cpumodel.matrix/1) or an SVG heat map whose cells
 * carry the blocking field in their <title> (matrix.c).  The daemon form
 * (--socket, --connect) is client.c's cmd_matrix_remote, rendered by the same code.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"
#include "matrix.h"

/* n hosts cost n * n comparisons; past this the groups of `baseline` say more per second spent */
#define MATRIX_MAX_HOSTS 500

/* ---- the offline form ---------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    const struct cm_vector *x = *(const struct cm_vector *const *)a, *y = *(const struct cm_vector *const *)b;
    return strcmp(x->name, y->name);
}

/* Orders the hosts of one architecture by the baseline's groups and appends them to `order`. */
static int add_arch(struct cm_vector **sel, size_t k, struct cm_vector **order, size_t *norder, size_t *group_of,
                    struct matrix_group **groups, size_t *ngroups)
{
    qsort(sel, k, sizeof(*sel), by_name);
    struct cm_baseline b;
    cm_error err = {0};
    if (cm_baseline_ex((const struct cm_vector *const *)sel, k, CM_BL_GROUPS | CM_BL_FIRST_REASON, &b, &err) < 0)
        return cli_fail(&err);
    size_t ng = b.ngroups ? b.ngroups : 1;
    *groups = cm_xrealloc(*groups, (*ngroups + ng) * sizeof(**groups));
    for (size_t g = 0; g < ng; g++) {
        struct matrix_group *mg = &(*groups)[*ngroups + g];
        mg->arch = cm_xstrdup(cm_arch_name(sel[0]->ops->arch));
        mg->why = b.ngroups && b.groups[g].why ? cm_xstrdup(b.groups[g].why) : NULL;
        size_t nm = b.ngroups ? b.groups[g].nmembers : k;
        for (size_t i = 0; i < nm; i++) {
            group_of[*norder] = *ngroups + g;
            order[(*norder)++] = sel[b.ngroups ? b.groups[g].members[i] : i];
        }
    }
    *ngroups += ng;
    cm_baseline_free(&b);
    return 0;
}

int cmd_matrix(int argc, char **argv)
{
    if (cli_has_opt(argc, argv, "--socket") || cli_has_opt(argc, argv, "--connect") ||
        cli_has_opt(argc, argv, "--peers")) {
        if (!cmd_matrix_remote) {
            fprintf(stderr, "cpumodeld matrix: the daemon client is not built into this binary\n");
            return CM_EXIT_USAGE;
        }
        return cmd_matrix_remote(argc, argv);
    }
    static const struct option lo[] = {
        {"json", no_argument, NULL, 'j'}, {"output", required_argument, NULL, 'o'},
        {"svg", required_argument, NULL, 's'}, {"socket", required_argument, NULL, 'S'},
        {"connect", required_argument, NULL, 'C'}, {"peers", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *out = NULL, *svg = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":jo:", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'o': out = optarg; break;
        case 's': svg = optarg; break;
        default: return cli_bad_option(argv[0], c, argc, argv, optind, lo);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n < 1) {
        cli_usage("matrix");
        return CM_EXIT_USAGE;
    }
    if (n > MATRIX_MAX_HOSTS) {
        fprintf(stderr,
                "cpumodeld matrix: %zu hosts would take %zu comparisons; at most %d (cpumodeld baseline "
                "gives the compatibility groups of any number)\n",
                n, n * n, MATRIX_MAX_HOSTS);
        return CM_EXIT_USAGE;
    }
    struct cm_snapshot **snaps = cm_xcalloc(n, sizeof(*snaps));
    struct cm_vector *vecs = cm_xcalloc(n, sizeof(*vecs));
    int rc = cli_load_all(argv + optind, n, snaps);
    if (rc)
        memset(snaps, 0, n * sizeof(*snaps)); /* cli_load_all freed what it loaded */
    size_t nv = 0;
    for (; !rc && nv < n; nv++) {
        cm_error err = {0};
        if (cm_vector_from_snapshot(snaps[nv], &vecs[nv], &err) < 0) {
            rc = cli_fail(&err);
            break;
        }
    }
    struct cm_vector **order = cm_xcalloc(n, sizeof(*order)), **sel = cm_xcalloc(n, sizeof(*sel));
    size_t *group_of = cm_xcalloc(n, sizeof(*group_of)), norder = 0, ngroups = 0;
    struct matrix_group *groups = NULL;
    /* architectures in the order they first appear; a guest never crosses one */
    bool *done = cm_xcalloc(n, sizeof(*done));
    for (size_t i = 0; !rc && i < n; i++) {
        if (done[i])
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j] && snaps[j]->arch == snaps[i]->arch) {
                done[j] = true;
                sel[k++] = &vecs[j];
            }
        rc = add_arch(sel, k, order, &norder, group_of, &groups, &ngroups);
    }
    if (!rc) {
        struct matrix m;
        matrix_init(&m, n, 0);
        free(m.groups);
        m.groups = groups;
        m.ngroups = ngroups;
        groups = NULL;
        for (size_t i = 0; i < n; i++) {
            m.names[i] = cm_xstrdup(order[i]->name);
            m.group[i] = group_of[i];
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                const struct cm_vector *from = order[i], *to = order[j];
                if (from->ops != to->ops) {
                    _cleanup_free_ char *why = cm_xasprintf("a %s guest cannot run on a %s host",
                                                            cm_arch_name(from->ops->arch), cm_arch_name(to->ops->arch));
                    matrix_set(&m, i, j, false, "architecture", NULL, why);
                    continue;
                }
                struct cm_reasons r = {0};
                bool ok = cm_compare(from, to, to->snap, &r);
                const struct cm_reason *first = NULL;
                for (size_t k = 0; k < r.n && !first; k++)
                    if (r.v[k].sev == CM_SEV_ERROR)
                        first = &r.v[k];
                matrix_set(&m, i, j, ok, first ? first->reg_name : "?", first ? first->field : NULL,
                           first ? first->text : "incompatible");
                cm_reasons_free(&r);
            }
        rc = matrix_emit(&m, json, out, svg);
        matrix_free(&m);
    }
    for (size_t g = 0; groups && g < ngroups; g++) {
        free(groups[g].arch);
        free(groups[g].why);
    }
    free(groups);
    free(done);
    free(order);
    free(sel);
    free(group_of);
    for (size_t i = 0; i < nv; i++)
        cm_vector_free(&vecs[i]);
    for (size_t i = 0; i < n; i++)
        cm_snapshot_free(snaps[i]);
    free(vecs);
    free(snaps);
    return rc;
}
