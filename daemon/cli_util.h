/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the CLI command files. */
#ifndef CPUMODELD_CLI_UTIL_H
#define CPUMODELD_CLI_UTIL_H

#include <stdbool.h>
#include <stdio.h>

#include "cpumodel/cpumodel.h"

struct json_object;

/* Prints a json_object (pretty) to stdout followed by a newline. */
void cli_print_json(struct json_object *o);
/* Prints a reason list as indented lines ("  - text"), at most `max` (0 = all). */
void cli_print_reasons(FILE *f, const struct cm_reasons *r, const char *indent, size_t max);
/* True if argv contains `opt`. */
bool cli_has_opt(int argc, char **argv, const char *opt);
/* Loads every file; on error prints it and returns the exit code (everything freed), else 0. */
int cli_load_all(char **files, size_t n, struct cm_snapshot **snaps);
/* Maps a cm_error to an exit code and prints it. */
int cli_fail(const cm_error *err);

#endif
