/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lab's json-free snapshot text (see lab_init.c): written by /init on the
 * console ("CMLAB " prefix) and in model files for /init, read back by
 * lab_convert (build host) and lab_init (models).  Shared so that both ends
 * agree on one format.
 */
#ifndef CPUMODEL_LAB_LINES_H
#define CPUMODEL_LAB_LINES_H

#include <stddef.h>
#include <stdio.h>

#include "cpumodel/negotiate.h"
#include "cpumodel/snapshot.h"

/* META/CAP/REG/FACT/MASKS/MASK lines for s, each starting with prefix. */
void lab_print_snapshot(FILE *f, const char *prefix, const struct cm_snapshot *s);

/* One line (prefix already stripped) into s.  Returns 1 when it was a
 * snapshot line, 0 when it is something else, -1 on a malformed line
 * (message in err). */
int lab_parse_line(struct cm_snapshot *s, const char *line, char *err, size_t errlen);

/* /plan.txt lines (DROP, WRITE, HIDDEN, VANISH; see lab_init.c) appended to
 * p; -1 (errno set) when the file cannot be opened. */
int lab_read_plan(const char *path, struct cm_plan *p);

#endif
