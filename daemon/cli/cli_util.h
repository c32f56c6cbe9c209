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
/* True if argv contains `opt` or `opt=VALUE`. */
bool cli_has_opt(int argc, char **argv, const char *opt);
/* Loads every file; on error prints it and returns the exit code (everything freed), else 0. */
int cli_load_all(char **files, size_t n, struct cm_snapshot **snaps);
/* Maps a cm_error to an exit code and prints it. */
int cli_fail(const cm_error *err);

/* The command's usage lines and a pointer to `cpumodeld help CMD` on stderr (daemon/main.c). */
void cli_usage(const char *cmd);
/* main.c, which holds every command's help, says how cli_usage prints it. */
void cli_set_usage(void (*print)(const char *cmd));
/* The candidate nearest to `word` (edit distance), or NULL when none is close. */
const char *cli_nearest(const char *word, const char *const *cands, size_t n);
struct option;
/* Reports the option getopt_long refused (argv[optind - 1]): unknown (with the nearest known
 * option) or missing its value (getopt returned ':').  Always returns CM_EXIT_USAGE. */
int cli_bad_option(const char *cmd, int c, int argc, char **argv, int optind_now, const struct option *lo);
/* Writes a JSON document to `path` atomically; prints the error and returns an exit code, or 0. */
int cli_write_json(const char *cmd, const char *path, struct json_object *doc);
/* A new JSON object {"schema": "cpumodel.NAME/1"}: every --json result starts with its schema. */
struct json_object *cli_json_doc(const char *name);
/* `obj`'s members after {"schema": "cpumodel.NAME/1"} (takes obj's reference). */
struct json_object *cli_json_wrap(const char *name, struct json_object *obj);
/* With CPUMODELD_TIMING set, "cpumodeld: timing: WHAT at N.N ms" on stderr (N since
 * cli_timing_start(), which main() calls first): where a command spends its time, for an
 * operator or a bench.  Standard output is flushed first, so a mark follows what it times. */
void cli_timing_start(void);
void cli_timing(const char *what, ...) __attribute__((format(printf, 1, 2)));
/* Colour on a terminal unless NO_COLOR is set (https://no-color.org): the escape or "". */
const char *cli_color(FILE *f, const char *esc);
#define CLI_RED "\033[31;1m"
#define CLI_GREEN "\033[32;1m"
#define CLI_OFF "\033[0m"
/* Prints `text` wrapped at `width` columns, the first line after `first`, the rest after `indent`. */
void cli_print_wrapped(FILE *f, const char *first, const char *indent, const char *text, size_t width);
/* names[0..n) joined by ", " within `room` columns; when they do not fit, as many as do and
 * "... and 2,995 more".  `sep_first`: the text before the first name (e.g. " "). */
char *cli_join_fit(const char *const *names, size_t n, size_t room);
/* n with thousands separators ("2,995") in buf. */
const char *cli_count(size_t n, char buf[32]);
/* The width text output keeps within. */
#define CLI_WIDTH 100

#endif
