#!/usr/bin/env python3
"""Test oracle for the libvirt tests, independent of cpumodeld's C code.

Reads libvirt's own data only: feature names and CPUID/MSR bits from its
cpu_map/x86_features.xml, named models expanded by libvirt itself
(`virsh -c test:///default cpu-baseline --features`, the in-process test
driver).

  features SNAPSHOT.json     libvirt features whose bits are all set in a
                             cpumodel snapshot/model (its cpuid and msrs)
  expand CPU.xml             the features a guest with this custom <cpu> gets:
                             libvirt's expansion of <model>, + require, - disable
  missing CPU.xml SNAPSHOT   expand(CPU) minus features(SNAPSHOT)
  migratable-no              features libvirt marks migratable='no'
  cpuid-only FEATURE...      those of the features defined by CPUID bits alone
                             (a guest cannot read MSRs from userspace)
  guest-cpuid CONSOLE.log    libvirt features a guest saw: the "CPUID leaf sub
                             eax ebx ecx edx" lines tests/libvirt_guest_init.c
                             printed (CPUID-defined features only, without the
                             bits that mirror the guest OS's CR4: OS_STATE)
  restrict SNAPSHOT.json NAME OUT.json FEATURE...
                             the snapshot with every libvirt feature not
                             listed cleared (its CPUID and MSR bits), renamed
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CPU_MAP = os.environ.get("CPUMODELD_LIBVIRT_CPU_MAP", "/usr/share/libvirt/cpu_map")


def feature_table():
    return ET.parse(os.path.join(CPU_MAP, "x86_features.xml")).getroot().iter("feature")


def snapshot_features(path):
    with open(path) as f:
        m = json.load(f)
    m = m.get("model", m)
    cpuid = {(int(e["function"], 16), int(e["index"], 16)): e for e in m.get("cpuid", [])}
    msrs = {int(e["index"], 16): int(e["value"], 16) for e in m.get("msrs", []) if e.get("value")}
    have = set()
    for feat in feature_table():
        ok, seen = True, False
        for c in feat.findall("cpuid"):
            seen = True
            e = cpuid.get((int(c.get("eax_in"), 16), int(c.get("ecx_in", "0"), 16)))
            for r in ("eax", "ebx", "ecx", "edx"):
                if c.get(r) is not None:
                    mask = int(c.get(r), 16)
                    if not e or int(e[r], 16) & mask != mask:
                        ok = False
        for c in feat.findall("msr"):
            seen = True
            v = msrs.get(int(c.get("index"), 16))
            mask = int(c.get("edx"), 16) << 32 | int(c.get("eax"), 16)
            if v is None or v & mask != mask:
                ok = False
        if seen and ok:
            have.add(feat.get("name"))
    return have


def expand_model(model):
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as t:
        t.write("<cpu><arch>x86_64</arch><model>%s</model></cpu>" % model)
        t.flush()
        out = subprocess.run(["virsh", "-q", "-c", "test:///default", "cpu-baseline", "--features", t.name],
                             check=True, capture_output=True, text=True).stdout
    return {f.get("name") for f in ET.fromstring(out).iter("feature")}


def expand_cpu(path):
    text = open(path).read()
    cpu = ET.fromstring(text)
    if cpu.tag != "cpu":
        cpu = cpu.find(".//cpu")
    model = cpu.find("model")
    have = expand_model(model.text) if model is not None else set()
    for f in cpu.findall("feature"):
        pol = f.get("policy", "require")
        if pol in ("require", "force", "optional"):
            have.add(f.get("name"))
        elif pol in ("disable", "forbid"):
            have.discard(f.get("name"))
    return have


# CPUID bits that mirror what the guest OS set in CR4, not what the CPU
# offers (Intel SDM vol. 2A, CPUID: "OSXSAVE: the OS has set CR4.OSXSAVE[bit
# 18]", "OSPKE: the OS has set CR4.PKE"); KVM's supported CPUID never has
# them, a running Linux guest does.
OS_STATE = {"osxsave", "ospke"}


def cpuid_only(names):
    only = {f.get("name") for f in feature_table() if f.findall("cpuid") and not f.findall("msr")}
    return {n for n in names if n in only}


def guest_cpuid(path):
    regs = {}
    for line in open(path, errors="replace"):
        w = line.split()
        if len(w) == 7 and w[0] == "CPUID":
            regs[(int(w[1], 16), int(w[2], 16))] = dict(zip(("eax", "ebx", "ecx", "edx"), (int(x, 16) for x in w[3:])))
    if not regs:
        sys.exit("no CPUID lines in %s" % path)
    have = set()
    for feat in feature_table():
        conds = feat.findall("cpuid")
        if not conds or feat.findall("msr"):
            continue
        ok = True
        for c in conds:
            e = regs.get((int(c.get("eax_in"), 16), int(c.get("ecx_in", "0"), 16)))
            for r in ("eax", "ebx", "ecx", "edx"):
                if c.get(r) is not None:
                    mask = int(c.get(r), 16)
                    if not e or e[r] & mask != mask:
                        ok = False
        if ok and feat.get("name") not in OS_STATE:
            have.add(feat.get("name"))
    return have


def restrict(path, name, out, allowed):
    with open(path) as f:
        snap = json.load(f)
    for feat in feature_table():
        if feat.get("name") in allowed:
            continue
        for c in feat.findall("cpuid"):
            key = (int(c.get("eax_in"), 16), int(c.get("ecx_in", "0"), 16))
            for e in snap.get("cpuid", []):
                if (int(e["function"], 16), int(e["index"], 16)) == key:
                    for r in ("eax", "ebx", "ecx", "edx"):
                        if c.get(r) is not None:
                            e[r] = "0x%08x" % (int(e[r], 16) & ~int(c.get(r), 16))
        for c in feat.findall("msr"):
            mask = int(c.get("edx"), 16) << 32 | int(c.get("eax"), 16)
            for e in snap.get("msrs", []):
                if int(e["index"], 16) == int(c.get("index"), 16) and e.get("value"):
                    e["value"] = "0x%016x" % (int(e["value"], 16) & ~mask)
    snap["host"] = name
    with open(out, "w") as f:
        json.dump(snap, f, indent=1)


def main(argv):
    if argv[1] == "features":
        res = snapshot_features(argv[2])
    elif argv[1] == "expand":
        res = expand_cpu(argv[2])
    elif argv[1] == "missing":
        res = expand_cpu(argv[2]) - snapshot_features(argv[3])
    elif argv[1] == "cpuid-only":
        res = cpuid_only(set(argv[2:]))
    elif argv[1] == "guest-cpuid":
        res = guest_cpuid(argv[2])
    elif argv[1] == "restrict":
        restrict(argv[2], argv[3], argv[4], set(argv[5:]))
        return
    elif argv[1] == "migratable-no":
        res = {f.get("name") for f in feature_table() if f.get("migratable") == "no"}
    else:
        sys.exit("usage: libvirt_features.py features|expand|missing|migratable-no ...")
    print(" ".join(sorted(res)))


if __name__ == "__main__":
    main(sys.argv)
