/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The exit codes man/cpumodeld.8 documents, for the CLI and `serve` alike. */
#ifndef CPUMODELD_EXIT_CODES_H
#define CPUMODELD_EXIT_CODES_H

#define CM_EXIT_OK 0
#define CM_EXIT_INCOMPATIBLE 1
#define CM_EXIT_USAGE 2 /* bad input: a usage error, a file that is not what it must be */
#define CM_EXIT_SYSTEM 3

#endif
