#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the daemon's layering (docs/ARCHITECTURE.md, "The daemon and the
protocol") on the compiled objects: which file calls which is read from the
symbols each object defines and needs (nm), so it holds for what was built,
whatever the headers say.

  - the parts are used in one direction: cli -> server -> common
  - no two files reach each other (no cycle of calls between files)

Usage: check_layers.py BUILD_DIR [--edges]   (exit 0 ok, 1 a violation, 2 bad input)
--edges also prints every "FILE -> FILE" call between files."""
import glob
import os
import subprocess
import sys

ORDER = {"cli": 2, "server": 1, "common": 0}


def objects(build):
    found = {}
    for o in glob.glob(os.path.join(build, "daemon", "CMakeFiles", "*.dir", "*", "*.o")):
        part = os.path.basename(os.path.dirname(o))
        if part in ORDER:
            found[part + "/" + os.path.basename(o)[:-len(".c.o")]] = o
    return found


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    defined, needed = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBRW":
            defined.add(f[2])
        elif len(f) == 2 and f[0] in "Uw":
            needed.add(f[1])
    return defined, needed


def main():
    edges = sys.argv[2:] == ["--edges"]
    if len(sys.argv) not in (2, 3) or len(sys.argv) == 3 and not edges or not os.path.isdir(sys.argv[1]):
        print("usage: check_layers.py BUILD_DIR [--edges] (a configured and built tree)", file=sys.stderr)
        return 2
    objs = objects(sys.argv[1])
    if not objs:
        print("check_layers: no daemon objects under %s/daemon (not built?)" % sys.argv[1], file=sys.stderr)
        return 2
    syms = {n: symbols(p) for n, p in objs.items()}
    uses = {n: {m for m in syms if m != n and syms[n][1] & syms[m][0]} for n in syms}
    bad = 0
    if edges:
        for a in sorted(uses):
            for b in sorted(uses[a]):
                print("%s -> %s" % (a, b))
    for a in sorted(uses):
        for b in sorted(uses[a]):
            if ORDER[a.split("/")[0]] < ORDER[b.split("/")[0]]:
                print("layer violation: %s calls %s (%s)" % (a, b, ", ".join(sorted(syms[a][1] & syms[b][0]))))
                bad += 1

    def reaches(src, dst):
        seen, todo = set(), [src]
        while todo:
            for w in uses[todo.pop()]:
                if w == dst:
                    return True
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        return False

    cycles = sorted({tuple(sorted((a, b))) for a in uses for b in uses[a] if reaches(b, a)})
    for a, b in cycles:
        print("cycle: %s and %s reach each other" % (a, b))
        bad += 1
    print("%d daemon files, %d calls between files, %d problems" % (len(uses), sum(map(len, uses.values())), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
