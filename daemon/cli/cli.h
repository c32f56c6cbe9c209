/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPUMODELD_CLI_H
#define CPUMODELD_CLI_H

#include "exit_codes.h"

/* Each command: argv[0] is the command name.  Weak: a module may be absent. */
#define CM_CMD(name) int name(int argc, char **argv) __attribute__((weak))
CM_CMD(cmd_import);
CM_CMD(cmd_baseline);
CM_CMD(cmd_compare);
CM_CMD(cmd_plan);
CM_CMD(cmd_show);
CM_CMD(cmd_probe);
CM_CMD(cmd_verify);
CM_CMD(cmd_query);
CM_CMD(cmd_models);
CM_CMD(cmd_pin);
CM_CMD(cmd_unpin);
CM_CMD(cmd_reprobe);
CM_CMD(cmd_forget);
CM_CMD(cmd_libvirt_hook);
CM_CMD(cmd_libvirt);
CM_CMD(cmd_export);
CM_CMD(cmd_matrix);
/* The socket-backed forms of baseline/compare/plan (daemon/client.c), called
 * by cli_offline.c when --socket or --connect is given. */
CM_CMD(cmd_baseline_remote);
CM_CMD(cmd_compare_remote);
CM_CMD(cmd_plan_remote);
CM_CMD(cmd_matrix_remote);

#endif
