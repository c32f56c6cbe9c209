/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `cpumodeld matrix`: which host can take guests from which.  The matrix is
 * filled from snapshot files (cli_matrix.c) or from a daemon's members
 * (client.c); the renderings (text, JSON, SVG) are shared (matrix.c). */
#ifndef CPUMODELD_MATRIX_H
#define CPUMODELD_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

struct matrix_cell {
    bool ok;        /* a guest of the row's host runs on the column's host */
    char *blocking; /* the first field that blocks it ("CPUID.07.0.EBX.avx512ifma"), NULL when ok */
    char *reason;   /* that field's reason, NULL when ok */
};

struct matrix_group {
    char *arch;
    char *why; /* why it is split from the groups before it (may be NULL) */
};

struct matrix {
    size_t n;                 /* hosts, in group order */
    char **names;             /* n */
    size_t *group;            /* n: index into groups */
    size_t ngroups;
    struct matrix_group *groups;
    struct matrix_cell *cells; /* n * n, row-major: cells[from * n + to] */
    char *missing;             /* hosts that did not answer (daemon form), NULL if none */
};

void matrix_init(struct matrix *m, size_t n, size_t ngroups);
void matrix_free(struct matrix *m);
/* Sets the cell from a reason's register, field and text (the first error). */
void matrix_set(struct matrix *m, size_t from, size_t to, bool ok, const char *reg, const char *field,
                const char *text);
/* Group letters: A..Z, then AA, AB, ... */
void matrix_group_label(size_t g, char out[8]);

/* The renderings.  Text: first line the verdict, then the matrix within CLI_WIDTH columns. */
void matrix_print_text(FILE *f, const struct matrix *m);
struct json_object *matrix_to_json(const struct matrix *m);
/* Writes the heat map (atomic); returns 0 or prints the error and returns an exit code. */
int matrix_write_svg(const struct matrix *m, const char *path);
/* Prints / writes what the options ask for; returns the exit code (0 all pairs ok, 1 some not). */
int matrix_emit(const struct matrix *m, bool json, const char *out, const char *svg);

#endif
