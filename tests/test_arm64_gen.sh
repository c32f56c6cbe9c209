#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The checked-in libcpumodel/arm64/idreg_table.c is exactly what
# tools/gen_arm64_idregs.py generates from data/arm64 (deterministic,
# not hand-edited).  SKIP (77) when python3 or the reference tables are absent.
src=${CPUMODEL_SOURCE_DIR:-$(dirname "$0")/..}
ref=$src/data/arm64
if ! command -v python3 >/dev/null; then
    echo "SKIP: python3 not installed; generator check did NOT run" >&2
    exit 77
fi
if [ ! -f "$ref/idreg_tables.md" ]; then
    echo "FAIL: $ref/idreg_tables.md not found: the checkout is incomplete" >&2
    exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
python3 "$src/tools/gen_arm64_idregs.py" "$ref" >"$tmp" || { echo "FAIL: generator failed" >&2; exit 1; }
python3 "$src/tools/gen_arm64_idregs.py" "$ref" | cmp -s - "$tmp" || { echo "FAIL: generator output not deterministic" >&2; exit 1; }
if ! diff -u "$src/libcpumodel/arm64/idreg_table.c" "$tmp"; then
    echo "FAIL: libcpumodel/arm64/idreg_table.c differs from the generator output (regenerate it)" >&2
    exit 1
fi
# a broken table must be refused, not half-generated
bad=$(mktemp -d)
trap 'rm -rf "$tmp" "$bad"' EXIT
cp "$ref/idspace.md" "$bad/"
sed 's/| LRCPC | 23:20 | U | LOWER_SAFE | 0x0 | V\/S | <=5.15 | yes, since 6.7-6.8 |/| LRCPC | 23:20 | U | LOWER_SAFE | 0x0 | V\/S | <=5.15 | maybe |/' \
    "$ref/idreg_tables.md" >"$bad/idreg_tables.md"
if python3 "$src/tools/gen_arm64_idregs.py" "$bad" >/dev/null 2>"$bad/err"; then
    echo "FAIL: generator accepted an unknown writability value" >&2
    exit 1
fi
grep -q "LRCPC" "$bad/err" || { echo "FAIL: generator error does not name the field: $(cat "$bad/err")" >&2; exit 1; }
echo "ok: idreg_table.c matches the generator"

# The field-value meanings and implementer names (value_table.c) likewise come
# from data/arm64/field_values.md through tools/gen_arm64_values.py.
python3 "$src/tools/gen_arm64_values.py" "$ref" >"$tmp" || { echo "FAIL: value generator failed" >&2; exit 1; }
if ! diff -u "$src/libcpumodel/arm64/value_table.c" "$tmp"; then
    echo "FAIL: libcpumodel/arm64/value_table.c differs from the generator output (regenerate it)" >&2
    exit 1
fi
cp "$ref/field_values.md" "$bad/field_values.md"
echo "| ID_AA64PFR0_EL1 | SVE | 0x0 | NI | twice |" >>"$bad/field_values.md"
if python3 "$src/tools/gen_arm64_values.py" "$bad" >/dev/null 2>"$bad/err"; then
    echo "FAIL: value generator accepted a duplicate row" >&2
    exit 1
fi
echo "ok: value_table.c matches the generator"
