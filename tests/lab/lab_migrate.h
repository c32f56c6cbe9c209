/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The migration lab's /init modes (lab_migrate.c). */
#ifndef CPUMODEL_LAB_MIGRATE_H
#define CPUMODEL_LAB_MIGRATE_H

#include <stdbool.h>

/* Runs every job under /mig as the source (save) or destination (restore)
 * host, printing CMLAB J lines; kvm is the /dev/kvm fd. */
void lab_migrate(int kvm, bool dest);

#endif
