#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generates libcpumodel/arm64/idreg_table.c from the reference tables.

Inputs (the project's data, with their kernel sources noted in each file):
  data/arm64/idreg_tables.md  one table per ID register (docs/KVM-FACTS.md §A.2)
  data/arm64/idspace.md       names of the 56 feature-ID slots (§A.1)
The firmware registers (§A.4) and the KVM-specific adjustments (§A.2 overrides,
CTR_EL0 / ASIDBITS writability notes) are declared in the tables below.

Usage: tools/gen_arm64_idregs.py [DATA_DIR] > libcpumodel/arm64/idreg_table.c  (default: data/arm64)
Deterministic: same input, same output (no dates, no dict-order dependence).
"""
import os
import re
import sys

# ---- declarative adjustments -------------------------------------------------

# KVM's kvm_arm64_ftr_safe_value() treats these as LOWER_SAFE although
# cpufeature has them EXACT (KVM-FACTS §A.2 "KVM-specific overrides").
POLICY_OVERRIDES = {
    ("ID_AA64DFR0_EL1", "PMUVer"): "LOWER_SAFE",
    ("ID_AA64DFR0_EL1", "DebugVer"): "LOWER_SAFE",
    ("ID_DFR0_EL1", "PerfMon"): "LOWER_SAFE",
}

# Writability the "KVM-writable (sampled)" column cannot express.
# value: (major, minor) or None (= never), and the comment emitted with it.
WRITABLE_OVERRIDES = {
    ("ID_AA64MMFR0_EL1", "ASIDBITS"): (None, "writable only 6.7-6.11, read-only from 6.12: modelled as not writable"),
    # CTR_EL0 left the invariant list in 6.10-6.11 (believed 6.11); L1Ip from 6.12-6.13.
    ("CTR_EL0", "DIC"): ((6, 11), "CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11"),
    ("CTR_EL0", "IDC"): ((6, 11), "CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11"),
    ("CTR_EL0", "DminLine"): ((6, 11), "CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11"),
    ("CTR_EL0", "IminLine"): ((6, 11), "CTR_EL0 invariant before 6.10; writable 6.10-6.11, believed 6.11"),
    ("CTR_EL0", "L1Ip"): ((6, 13), "only VIPT(2)/PIPT(3) accepted (set_ctr_el0)"),
}

# Fields whose merge rule is a custom policy (arm64_policies.c).  PMUVer / PerfMon:
# unsigned, 0xF = IMPLEMENTATION DEFINED (no architected PMU for a guest; KVM rewrites
# a written 0xF to 0), following current kernels (KVM-FACTS §A.2, §A.3.3 item 5).
CUSTOM_OVERRIDES = {
    ("ID_AA64DFR0_EL1", "PMUVer"): ("&cm_arm64_pmu_policy", False,
                                    "unsigned, 0xF = IMPLEMENTATION DEFINED (as 0 for a guest)"),
    ("ID_DFR0_EL1", "PerfMon"): ("&cm_arm64_pmu_policy", False,
                                 "unsigned, 0xF = IMPLEMENTATION DEFINED (as 0 for a guest)"),
}

# Field renames (C-friendly display names).
RENAMES = {("CTR_EL0", "31"): "RES1"}

# Fields controlled by a KVM_ARM_VCPU_INIT feature: cm_field.aux = bit + 1.
# "*" = every field of the register.  Ptrauth: both bits go together, the
# driver reports PTRAUTH_ADDRESS (5) for all of them.
FEAT = {"PMU_V3": 3, "SVE": 4, "PTRAUTH": 5}
INIT_FEATURE_AUX = {
    ("ID_AA64PFR0_EL1", "SVE"): "SVE",
    ("ID_AA64ZFR0_EL1", "*"): "SVE",
    ("ID_AA64DFR0_EL1", "PMUVer"): "PMU_V3",
    ("ID_DFR0_EL1", "PerfMon"): "PMU_V3",
    ("ID_AA64ISAR1_EL1", "APA"): "PTRAUTH",
    ("ID_AA64ISAR1_EL1", "API"): "PTRAUTH",
    ("ID_AA64ISAR1_EL1", "GPA"): "PTRAUTH",
    ("ID_AA64ISAR1_EL1", "GPI"): "PTRAUTH",
    ("ID_AA64ISAR2_EL1", "APA3"): "PTRAUTH",
    ("ID_AA64ISAR2_EL1", "GPA3"): "PTRAUTH",
}

# Slots that KVM 6.19 hides (ID_HIDDEN / ID_UNALLOCATED): RAZ words, no fields.
# ID_AA64DFR2_EL1 (5,2) is named in the 6.19 sysreg file but still unallocated for KVM.
RAZ_NAMED = {"ID_AFR0_EL1", "ID_DFR1_EL1", "ID_AA64AFR0_EL1", "ID_AA64AFR1_EL1", "ID_AA64SMFR0_EL1",
             "ID_AA64DFR2_EL1"}

# Identity registers: one field covering the writable mask (§A.3.1, 6.15 + cap 239).  A
# migration restores the source's value, so the model carries one (policy VALUE, words
# CM_WORDF_PINNABLE: a member that cannot change it fixes the model's value).
IMPID = [
    # name, id, field width
    ("MIDR_EL1", 0x603000000013C000, 32),
    ("REVIDR_EL1", 0x603000000013C006, 64),
    ("AIDR_EL1", 0x603000000013C807, 64),
]

# Cache geometry (§A.5): CLIDR_EL1 and the CCSIDR values KVM lists as demux registers
# (U32, CSSELR value in bits 7:0; 14 CSSELR slots: level 1..7 x data/instruction).
# Invariant host values up to 6.2 (a restore must equal the host's, EINVAL otherwise;
# only the host's real levels are listed); from 6.3 emulated per vCPU and writable.
# name, id, word bits, field width, writable since, comment
CACHE = [("CLIDR_EL1", 0x603000000013C801, 64, 47, (6, 3),
          "bits 63:47 RES0; invariant up to 6.2, writable per vCPU from 6.3 (set_clidr)")] + [
    ("CCSIDR_L%d%s" % (k // 2 + 1, "I" if k & 1 else "D"), 0x6020000000110000 | k, 32, 32, (6, 3),
     "CSSELR %d; invariant up to 6.2, emulated and writable from 6.3 (set_ccsidr)" % k) for k in range(14)]

# Firmware pseudo-registers (§A.4).  Fields: (name, shift, width, policy, custom, since, aux, comment)
# Words whose value KVM derives per VM from other registers (CM_WORDF_DERIVED).
DERIVED = {"SMCCC_ARCH_WORKAROUND_2"}  # follows ID_AA64PFR1_EL1.SSBS from 6.12 (§A.4)
FIRMWARE = [
    ("PSCI_VERSION", 0x6030000000140000, "A64_W_PSCI",
     [("version", 0, 32, "CUSTOM", "&cm_arm64_psci_policy", (4, 16), 2 + 1,
       "major<<16|minor; 0.1 only without KVM_ARM_VCPU_PSCI_0_2")]),
    ("SMCCC_ARCH_WORKAROUND_1", 0x6030000000140001, "A64_W_WA",
     [("level", 0, 4, "CUSTOM", "&cm_arm64_wa_policy", None, 0, "0 NOT_AVAIL < 1 AVAIL < 2 NOT_REQUIRED; nothing stored")]),
    ("SMCCC_ARCH_WORKAROUND_2", 0x6030000000140002, "A64_W_WA",
     [("state", 0, 5, "CUSTOM", "&cm_arm64_wa2_policy", None, 0, "host reports 0 or 3; bit 4 ENABLED")]),
    ("SMCCC_ARCH_WORKAROUND_3", 0x6030000000140003, "A64_W_WA",
     [("level", 0, 4, "CUSTOM", "&cm_arm64_wa_policy", None, 0, "as WORKAROUND_1 (Spectre-BHB), 5.17")]),
    ("STD_BMAP", 0x6030000000160000, "A64_W_BMAP",
     [("TRNG_V1_0", 0, 1, "BITMAP", None, (5, 19), 0, "Arm TRNG v1.0")]),
    ("STD_HYP_BMAP", 0x6030000000160001, "A64_W_BMAP",
     [("PV_TIME", 0, 1, "BITMAP", None, (5, 19), 0, "PV time")]),
    ("VENDOR_HYP_BMAP", 0x6030000000160002, "A64_W_BMAP",
     [("FUNC_FEAT", 0, 1, "BITMAP", None, (5, 19), 0, "KVM vendor FEATURES and CALL_UID"),
      ("PTP", 1, 1, "BITMAP", None, (5, 19), 0, "KVM PTP service")]),
    ("VENDOR_HYP_BMAP_2", 0x6030000000160003, "A64_W_BMAP",
     [("DISCOVER_IMPL_VER", 0, 1, "BITMAP", None, (6, 15), 0, "discovery hypercall, default off"),
      ("DISCOVER_IMPL_CPUS", 1, 1, "BITMAP", None, (6, 15), 0, "discovery hypercall, default off")]),
]

# ---- parsing -------------------------------------------------------------------

HDR = re.compile(r"^#### (\S+)\s+\(op0=(\d+), op1=(\d+), CRn=(\d+), CRm=(\d+), op2=(\d+)\)")
DESC = re.compile(r"KVM 6\.19 descriptor: ([^,]+), mask=(0x[0-9a-fA-F]+)")


def parse_since(text, reg, field):
    """'yes, since 6.7-6.8' -> (6, 7): the first kernel of the sampled range."""
    key = (reg, field)
    if key in WRITABLE_OVERRIDES:
        return WRITABLE_OVERRIDES[key]
    t = text.strip()
    if t == "no":
        return (None, None)
    m = re.match(r"yes, since (\d+)\.(\d+)", t)
    if m:
        return ((int(m.group(1)), int(m.group(2))), None)
    sys.exit("gen_arm64_idregs: %s.%s: unhandled writability %r (add a WRITABLE_OVERRIDES entry)" % (reg, field, t))


def parse_tables(path):
    regs = {}
    order = []
    cur = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = HDR.match(line)
            if m:
                cur = {"name": m.group(1), "enc": tuple(int(x) for x in m.groups()[1:]), "fields": [],
                       "desc": None}
                if cur["name"] in regs:
                    sys.exit("%s:%d: duplicate register %s" % (path, lineno, cur["name"]))
                regs[cur["name"]] = cur
                order.append(cur["name"])
                continue
            if cur is None:
                continue
            m = DESC.search(line)
            if m:
                cur["desc"] = m.group(1).strip()
                continue
            if not line.startswith("| ") or line.startswith("| Field") or line.startswith("|---"):
                continue
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cols) != 8:
                sys.exit("%s:%d: expected 8 columns, got %d" % (path, lineno, len(cols)))
            name, bits, su, pol, safe, _vis, _since_tbl, wr = cols
            hi, lo = (int(x) for x in bits.split(":"))
            if hi < lo or hi > 63:
                sys.exit("%s:%d: bad bit range %s" % (path, lineno, bits))
            reg = cur["name"]
            comment = []
            if pol.startswith("not in table"):
                policy, safev, since = "EXACT", 0, None
                comment.append("not in ftr table: masked to 0, always 0 for guests")
            else:
                policy = POLICY_OVERRIDES.get((reg, name), pol)
                if policy != pol:
                    comment.append("cpufeature %s, KVM treats it %s" % (pol, policy))
                if policy not in ("LOWER_SAFE", "HIGHER_SAFE", "HIGHER_OR_ZERO_SAFE", "EXACT"):
                    sys.exit("%s:%d: unknown policy %r" % (path, lineno, pol))
                m2 = re.match(r"(0x[0-9a-fA-F]+)", safe)
                if not m2:
                    sys.exit("%s:%d: bad safe value %r" % (path, lineno, safe))
                safev = int(m2.group(1), 16)
                since, note = parse_since(wr, reg, name)
                if note:
                    comment.append(note)
            aux = INIT_FEATURE_AUX.get((reg, name)) or INIT_FEATURE_AUX.get((reg, "*"))
            signed = su == "S"
            custom = None
            if (reg, name) in CUSTOM_OVERRIDES:
                custom, signed, note = CUSTOM_OVERRIDES[(reg, name)]
                policy = "CUSTOM"
                comment.append(note)
            cur["fields"].append({
                "name": RENAMES.get((reg, name), name), "shift": lo, "width": hi - lo + 1,
                "signed": signed, "policy": policy, "safe": safev, "since": since, "custom": custom,
                "aux": FEAT[aux] + 1 if aux else 0, "comment": "; ".join(comment),
            })
    return regs, order


def parse_idspace(path):
    names = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cols) != 4 or not re.match(r"^\d,\d,\d,\d,\d$", cols[0]):
                continue
            enc = tuple(int(x) for x in cols[0].split(","))
            names[enc] = (cols[1], int(cols[2], 16))
    return names


def sysreg_id(op0, op1, crn, crm, op2):
    return 0x6030000000130000 | (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2


def kver(v):
    return "0" if v is None else "CM_KVER(%d, %d)" % v


def cident(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name).lower()


# ---- output -------------------------------------------------------------------

def emit_fields(out, reg, fields):
    out.append("static const struct cm_field f_%s[] = {" % cident(reg))
    for f in fields:
        custom = f.get("custom") or "NULL"
        line = "    {\"%s\", %d, %d, %s, CM_POL_%s, 0x%x, %s, %s, %d}," % (
            f["name"], f["shift"], f["width"], "true" if f["signed"] else "false", f["policy"], f["safe"],
            custom, kver(f["since"]), f["aux"])
        if f.get("comment"):
            line += " /* %s */" % f["comment"]
        out.append(line)
    out.append("};")
    out.append("")


def main():
    ref = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                              "data", "arm64")
    regs, order = parse_tables(os.path.join(ref, "idreg_tables.md"))
    space = parse_idspace(os.path.join(ref, "idspace.md"))

    out = []
    out.append("/* SPDX-License-Identifier: LGPL-2.1-or-later */")
    out.append("/*")
    out.append(" * GENERATED FILE - do not edit.  Regenerate with")
    out.append(" *   tools/gen_arm64_idregs.py > libcpumodel/arm64/idreg_table.c")
    out.append(" * from data/arm64/idreg_tables.md (docs/KVM-FACTS.md §A.2, Linux 6.19 cpufeature/sysreg),")
    out.append(" * idspace.md (§A.1) and the firmware registers of §A.4 declared in the generator.")
    out.append(" *")
    out.append(" * One line per field: name, shift, width, signed, policy, safe value, custom policy,")
    out.append(" * writable_since (first kernel whose KVM lets userspace change the field through the")
    out.append(" * generic writable-ID-register mechanism; 0 = never / no ftr entry), aux (init feature")
    out.append(" * bit + 1 that controls the field).  Special setters that predate 6.7 (CSV2/CSV3, PMUVer,")
    out.append(" * PerfMon) live in arm64_enforce.c.")
    out.append(" */")
    out.append("#include \"arm64/arm64.h\"")
    out.append("")

    words = []  # (id, name, fields-symbol or None, nfields, order, bits, flags, aux, comment)
    used = set()
    for crm in range(1, 8):
        for op2 in range(8):
            enc = (3, 0, 0, crm, op2)
            rid = sysreg_id(*enc)
            name, sid = space.get(enc, ("(unallocated)", rid))
            if sid != rid:
                sys.exit("idspace.md: %s id 0x%x != computed 0x%x" % (name, sid, rid))
            aarch32 = crm <= 3
            bits = 32 if aarch32 else 64
            generic = "S3_0_C0_C%d_%d" % (crm, op2)
            if name == "(unallocated)" or name in RAZ_NAMED or name not in regs:
                why = "unallocated" if name == "(unallocated)" else "hidden/unallocated for KVM"
                words.append((rid, generic if name == "(unallocated)" else name, None, 0, "CM_ORDER_ID", bits,
                              "CM_WORDF_RAZ", "A64_W_ID", why + ": RAZ"))
                continue
            r = regs[name]
            if r["enc"] != enc:
                sys.exit("idreg_tables.md: %s encoding %s != %s" % (name, r["enc"], enc))
            emit_fields(out, name, r["fields"])
            used.add(name)
            words.append((rid, name, "f_" + cident(name), len(r["fields"]), "CM_ORDER_ID", bits, "0", "A64_W_ID",
                          r["desc"] or ""))

    # CTR_EL0
    r = regs["CTR_EL0"]
    emit_fields(out, "CTR_EL0", r["fields"])
    used.add("CTR_EL0")
    words.append((sysreg_id(3, 3, 0, 0, 1), "CTR_EL0", "f_ctr_el0", len(r["fields"]), "CM_ORDER_ID", 64, "0",
                  "A64_W_CTR", "VM-scoped; invariant before 6.10"))

    for name, rid, width in IMPID:
        emit_fields(out, name, [{"name": name.split("_")[0], "shift": 0, "width": width, "signed": False,
                                 "policy": "CUSTOM", "custom": "&cm_arm64_value_policy", "safe": 0,
                                 "since": (6, 15), "aux": 0,
                                 "comment": "writable only with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239)"}])
        words.append((rid, name, "f_" + cident(name), 1, "CM_ORDER_ID", 64, "CM_WORDF_PINNABLE", "A64_W_IMPID",
                      "identity"))

    for name, rid, bits, width, since, comment in CACHE:
        emit_fields(out, name, [{"name": name.split("_")[0], "shift": 0, "width": width, "signed": False,
                                 "policy": "CUSTOM", "custom": "&cm_arm64_value_policy", "safe": 0,
                                 "since": since, "aux": 0, "comment": comment}])
        words.append((rid, name, "f_" + cident(name), 1, "CM_ORDER_ID", bits, "CM_WORDF_PINNABLE", "A64_W_CACHE",
                      "cache geometry"))

    for name, rid, kind, fields in FIRMWARE:
        fl = [{"name": n, "shift": sh, "width": w, "signed": False, "policy": pol, "safe": 0, "custom": cu,
               "since": since, "aux": aux, "comment": cm} for (n, sh, w, pol, cu, since, aux, cm) in fields]
        emit_fields(out, name, fl)
        words.append((rid, name, "f_" + cident(name), len(fl), "CM_ORDER_FIRMWARE", 64,
                      "CM_WORDF_DERIVED" if name in DERIVED else "0", kind, "firmware"))

    missing = [n for n in order if n not in used and n not in RAZ_NAMED]
    if missing:
        sys.exit("idreg_tables.md: registers not placed in the vector: %s" % ", ".join(missing))

    out.append("const struct cm_word cm_arm64_words[CM_ARM64_NWORDS] = {")
    for (rid, name, sym, n, order_, bits, flags, aux, comment) in words:
        out.append("    {0x%016xULL, \"%s\", %s, %d, %s, %d, %s, %s}, /* %s */" % (
            rid, name, sym or "NULL", n, order_, bits, flags, aux, comment))
    out.append("};")
    out.append("_Static_assert(CM_ARRAY_SIZE(cm_arm64_words) == %d, \"vector layout\");" % len(words))
    out.append("")
    if len(words) != 83:
        sys.exit("gen_arm64_idregs: %d words, arm64.h says CM_ARM64_NWORDS 83" % len(words))
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
