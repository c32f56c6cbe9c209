/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the daemon lives, as both the server and the command line need it:
 * the CLI finds the daemon's socket here, the server binds it. */
#ifndef CPUMODELD_PATHS_H
#define CPUMODELD_PATHS_H

#define CMD_DEFAULT_SOCKET "/run/cpumodeld/io.cpumodeld"
#define CMD_DEFAULT_STATE_DIR "/var/lib/cpumodeld"
#ifdef CPUMODELD_DEFAULT_CONFIG /* the build's sysconfdir (cmake/install.cmake) */
#define CMD_DEFAULT_CONFIG CPUMODELD_DEFAULT_CONFIG
#else
#define CMD_DEFAULT_CONFIG "/etc/cpumodeld/cpumodeld.conf"
#endif
#define CMD_IFACE "io.cpumodeld"

#endif
