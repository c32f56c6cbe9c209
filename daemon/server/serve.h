/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `cpumodeld serve`: the one entry from the command line into the server. */
#ifndef CPUMODELD_SERVE_H
#define CPUMODELD_SERVE_H

int cmd_serve(int argc, char **argv);

#endif
