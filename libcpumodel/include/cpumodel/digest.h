/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Models known by content: "sha256:<64 hex>" over a canonical encoding of
 * what a guest sees and what a plan needs (arch, the feature words' presence
 * and values, the register list, the kernel major.minor and the vCPU init
 * features the values were read with), never the name, creation time or
 * member list.  Two models with one digest are the same model; one name may
 * carry different digests (that is a conflict, not the same model).
 * The encoding is documented in docs/snapshot-format.md ("Digest").
 */
#ifndef CPUMODEL_DIGEST_H
#define CPUMODEL_DIGEST_H

#include <stdbool.h>

#include "cpumodel/error.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/util.h"
#include "cpumodel/vector.h"

#define CM_DIGEST_PREFIX "sha256:"
/* "sha256:" + 64 hex + NUL */
#define CM_DIGEST_LEN (7 + 64 + 1)

/* The canonical text the digest is taken over (one line per item). */
void cm_digest_canonical(const struct cm_vector *v, struct cm_buf *out);
/* The digest of a vector. */
void cm_vector_digest(const struct cm_vector *v, char out[CM_DIGEST_LEN]);
/* The digest of a snapshot (decoded with its arch driver).  Models carry it
 * in s->digest; this recomputes it from the content. */
int cm_snapshot_digest(const struct cm_snapshot *s, char out[CM_DIGEST_LEN], cm_error *err);
/* Is `s` a well-formed digest ("sha256:" + 64 lowercase hex)? */
bool cm_digest_valid(const char *s);
/* Does a model reference look like a digest (starts with "sha256:")? */
bool cm_digest_is_ref(const char *s);

#endif
