#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host-CPU XML for `virsh cpu-baseline` from Firecracker x86 fingerprint dumps.

Feature names and their CPUID/MSR bits come from libvirt's own cpu_map
(x86_features.xml, installed with libvirt), never from a table of ours: a
feature is listed when every bit libvirt defines for it is set in the dump.
The model is libvirt's smallest (486) so every capability is spelt out as a
feature, the way a host description with no better model would be.

usage: gen_hostcpu_xml.py COUNT DUMP... > hosts.xml   (COUNT <cpu> blocks, cycling over the dumps)
       gen_hostcpu_xml.py --features-of SNAPSHOT       (the libvirt feature names a cpumodeld
                                                        snapshot/model has, one a line, sorted)
"""
import json
import sys
import xml.etree.ElementTree as ET

CPU_MAP = "/usr/share/libvirt/cpu_map/x86_features.xml"


def load_features():
    feats = []
    for f in ET.parse(CPU_MAP).getroot().iter("feature"):
        need = []
        for c in f.findall("cpuid"):
            leaf = int(c.get("eax_in"), 16)
            sub = int(c.get("ecx_in", "0"), 16)
            for reg in ("eax", "ebx", "ecx", "edx"):
                if c.get(reg):
                    need.append(("cpuid", leaf, sub, reg, int(c.get(reg), 16)))
        for m in f.findall("msr"):
            idx = int(m.get("index"), 16)
            val = int(m.get("edx", "0"), 16) << 32 | int(m.get("eax", "0"), 16)
            need.append(("msr", idx, 0, None, val))
        if need:
            feats.append((f.get("name"), need))
    return feats


def dump_bits(path):
    cfg = json.load(open(path))["guest_cpu_config"]
    cpuid, msr = {}, {}
    for e in cfg.get("cpuid_modifiers", []):
        leaf, sub = int(str(e["leaf"]), 0), int(str(e["subleaf"]), 0)
        for m in e["modifiers"]:
            cpuid[(leaf, sub, m["register"])] = int(m["bitmap"][2:], 2)
    for e in cfg.get("msr_modifiers", []):
        msr[int(str(e["addr"]), 0)] = int(e["bitmap"][2:], 2)
    vendor = "AMD" if "AMD" in path else "Intel"
    return cpuid, msr, vendor


def snapshot_bits(path):
    """CPUID and MSR values of a cpumodeld snapshot (cpumodel.snapshot/1), as dump_bits gives them."""
    snap = json.load(open(path))
    cpuid, msr = {}, {}
    for e in snap.get("cpuid", []):
        for reg in ("eax", "ebx", "ecx", "edx"):
            cpuid[(int(e["function"], 16), int(e["index"], 16), reg)] = int(e[reg], 16)
    for m in snap.get("msrs", []):
        msr[int(m["index"], 16)] = int(m["value"], 16)
    return cpuid, msr


def has_feature(need, cpuid, msr):
    ok = True
    for kind, a, b, reg, mask in need:
        have = cpuid.get((a, b, reg), 0) if kind == "cpuid" else msr.get(a, 0)
        ok &= (have & mask) == mask
    return ok


def host_xml(feats, cpuid, msr, vendor):
    out = ["<cpu>", "  <arch>x86_64</arch>", "  <model>486</model>", "  <vendor>%s</vendor>" % vendor]
    for name, need in feats:
        if has_feature(need, cpuid, msr):
            out.append("  <feature name='%s'/>" % name)
    out.append("</cpu>")
    return "\n".join(out)


def main():
    if sys.argv[1] == "--features-of":
        cpuid, msr = snapshot_bits(sys.argv[2])
        names = sorted(name for name, need in load_features() if has_feature(need, cpuid, msr))
        sys.stdout.write("".join(n + "\n" for n in names))
        return
    count = int(sys.argv[1])
    feats = load_features()
    blocks = [host_xml(feats, *dump_bits(p)) for p in sys.argv[2:]]
    sys.stdout.write("\n".join(blocks[i % len(blocks)] for i in range(count)) + "\n")


if __name__ == "__main__":
    main()
