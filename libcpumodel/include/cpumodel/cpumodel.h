/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Umbrella header for libcpumodel. */
#ifndef CPUMODEL_CPUMODEL_H
#define CPUMODEL_CPUMODEL_H
#include "cpumodel/arch.h"
#include "cpumodel/digest.h"
#include "cpumodel/error.h"
#include "cpumodel/field.h"
#include "cpumodel/negotiate.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/util.h"
#include "cpumodel/vector.h"
#endif
