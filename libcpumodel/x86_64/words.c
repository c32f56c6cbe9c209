/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86_64 feature words: CPUID output registers (pseudo-ids, x86.h) and
 * feature MSRs (real 6.18 ONE_REG ids).  One line per field.  Flag names are
 * the Linux /proc/cpuinfo names (arch/x86/include/asm/cpufeatures.h; flags
 * Linux hides from cpuinfo get their lower-case macro name).  Policies follow
 * KVM-FACTS.md §C.3: feature bits AND (BITMAP), numeric maxima/sizes min
 * (LOWER_SAFE), the vendor EQUAL, the signature IDENTITY, VMM- or
 * run-time-controlled values IGNORE.  Bits no field names are "raw": the
 * model keeps them only where every host has them.
 */
#include "x86_64/x86.h"

#define FLAG(n, b) {.name = (n), .shift = (b), .width = 1, .policy = CM_POL_BITMAP}
/* a set bit reports a weakness or an absence: the model must keep it if any host has it */
#define INVFLAG(n, b) {.name = (n), .shift = (b), .width = 1, .policy = CM_POL_BITMAP_INVERTED}
#define NUM(n, s, w, p) {.name = (n), .shift = (s), .width = (w), .policy = (p)}
#define EXACT0(n, s, w) {.name = (n), .shift = (s), .width = (w), .policy = CM_POL_EXACT, .safe = 0}

#define CPUID_WORD(leaf, sub, reg, str, f)                                                                     \
    {.id = CM_X86_CPUID_ID(leaf, sub, reg), .name = (str), .fields = (f), .nfields = CM_ARRAY_SIZE(f),       \
     .order = CM_ORDER_CONFIG, .bits = 32, .flags = CM_WORDF_WRITTEN}
#define MSR_WORD(index, str, f)                                                                                \
    {.id = CM_X86_MSR_ID(index), .name = (str), .fields = (f), .nfields = CM_ARRAY_SIZE(f),                  \
     .order = CM_ORDER_OTHER, .bits = 64}

/* ---- leaf 0: maximum basic leaf and the vendor string ---- */
static const struct cm_field l0_eax[] = {NUM("max_basic_leaf", 0, 32, CM_POL_LOWER_SAFE)};
static const struct cm_field l0_ebx[] = {NUM("vendor[0:3]", 0, 32, CM_POL_EQUAL)};
static const struct cm_field l0_edx[] = {NUM("vendor[4:7]", 0, 32, CM_POL_EQUAL)};
static const struct cm_field l0_ecx[] = {NUM("vendor[8:11]", 0, 32, CM_POL_EQUAL)};

/* ---- leaf 1 ---- */
static const struct cm_field l1_eax[] = {NUM("signature", 0, 32, CM_POL_IDENTITY)};
static const struct cm_field l1_ebx[] = {
    NUM("brand_index", 0, 8, CM_POL_IGNORE),
    NUM("clflush_size", 8, 8, CM_POL_IGNORE),
    NUM("max_logical_ids", 16, 8, CM_POL_IGNORE), /* topology: the VMM's */
    NUM("initial_apic_id", 24, 8, CM_POL_IGNORE), /* per vCPU */
};
static const struct cm_field l1_ecx[] = {
    FLAG("pni", 0), FLAG("pclmulqdq", 1), FLAG("dtes64", 2), FLAG("monitor", 3), FLAG("ds_cpl", 4),
    FLAG("vmx", 5), FLAG("smx", 6), FLAG("est", 7), FLAG("tm2", 8), FLAG("ssse3", 9), FLAG("cid", 10),
    FLAG("sdbg", 11), FLAG("fma", 12), FLAG("cx16", 13), FLAG("xtpr", 14), FLAG("pdcm", 15), FLAG("pcid", 17),
    FLAG("dca", 18), FLAG("sse4_1", 19), FLAG("sse4_2", 20), FLAG("x2apic", 21), FLAG("movbe", 22),
    FLAG("popcnt", 23), FLAG("tsc_deadline_timer", 24), FLAG("aes", 25), FLAG("xsave", 26),
    /* OSXSAVE mirrors the guest's CR4.OSXSAVE (KVM recomputes it): not a capability */
    NUM("osxsave", 27, 1, CM_POL_IGNORE),
    FLAG("avx", 28), FLAG("f16c", 29), FLAG("rdrand", 30),
    /* the VMM sets "hypervisor" for every guest */
    NUM("hypervisor", 31, 1, CM_POL_IGNORE),
};
static const struct cm_field l1_edx[] = {
    FLAG("fpu", 0), FLAG("vme", 1), FLAG("de", 2), FLAG("pse", 3), FLAG("tsc", 4), FLAG("msr", 5),
    FLAG("pae", 6), FLAG("mce", 7), FLAG("cx8", 8), FLAG("apic", 9), FLAG("sep", 11), FLAG("mtrr", 12),
    FLAG("pge", 13), FLAG("mca", 14), FLAG("cmov", 15), FLAG("pat", 16), FLAG("pse36", 17), FLAG("pn", 18),
    FLAG("clflush", 19), FLAG("dts", 21), FLAG("acpi", 22), FLAG("mmx", 23), FLAG("fxsr", 24), FLAG("sse", 25),
    FLAG("sse2", 26), FLAG("ss", 27), FLAG("ht", 28), FLAG("tm", 29), FLAG("ia64", 30), FLAG("pbe", 31),
};

/* ---- leaf 6: thermal/power (KVM offers only ARAT) ---- */
static const struct cm_field l6_eax[] = {
    FLAG("dtherm", 0), FLAG("ida", 1), FLAG("arat", 2), FLAG("pln", 4), FLAG("pts", 6), FLAG("hwp", 7),
};

/* ---- leaf 7 ---- */
static const struct cm_field l7_0_eax[] = {NUM("max_subleaf", 0, 32, CM_POL_LOWER_SAFE)};
static const struct cm_field l7_0_ebx[] = {
    FLAG("fsgsbase", 0), FLAG("tsc_adjust", 1), FLAG("sgx", 2), FLAG("bmi1", 3), FLAG("hle", 4),
    FLAG("avx2", 5), FLAG("fdp_excptn_only", 6), FLAG("smep", 7), FLAG("bmi2", 8), FLAG("erms", 9),
    FLAG("invpcid", 10), FLAG("rtm", 11), FLAG("cqm", 12), FLAG("zero_fcs_fds", 13), FLAG("mpx", 14),
    FLAG("rdt_a", 15), FLAG("avx512f", 16), FLAG("avx512dq", 17), FLAG("rdseed", 18), FLAG("adx", 19),
    FLAG("smap", 20), FLAG("avx512ifma", 21), FLAG("clflushopt", 23), FLAG("clwb", 24), FLAG("intel_pt", 25),
    FLAG("avx512pf", 26), FLAG("avx512er", 27), FLAG("avx512cd", 28), FLAG("sha_ni", 29), FLAG("avx512bw", 30),
    FLAG("avx512vl", 31),
};
static const struct cm_field l7_0_ecx[] = {
    FLAG("prefetchwt1", 0), FLAG("avx512vbmi", 1), FLAG("umip", 2), FLAG("pku", 3),
    /* OSPKE mirrors the guest's CR4.PKE, like OSXSAVE */
    NUM("ospke", 4, 1, CM_POL_IGNORE),
    FLAG("waitpkg", 5), FLAG("avx512_vbmi2", 6), FLAG("shstk", 7), FLAG("gfni", 8), FLAG("vaes", 9),
    FLAG("vpclmulqdq", 10), FLAG("avx512_vnni", 11), FLAG("avx512_bitalg", 12), FLAG("tme", 13),
    FLAG("avx512_vpopcntdq", 14), FLAG("la57", 16),
    /* MAWAU: the MPX address-width adjust, a number */
    NUM("mawau", 17, 5, CM_POL_LOWER_SAFE),
    FLAG("rdpid", 22), FLAG("bus_lock_detect", 24), FLAG("cldemote", 25), FLAG("movdiri", 27),
    FLAG("movdir64b", 28), FLAG("enqcmd", 29), FLAG("sgx_lc", 30),
};
static const struct cm_field l7_0_edx[] = {
    FLAG("avx512_4vnniw", 2), FLAG("avx512_4fmaps", 3), FLAG("fsrm", 4), FLAG("avx512_vp2intersect", 8),
    FLAG("srbds_ctrl", 9), FLAG("md_clear", 10), FLAG("rtm_always_abort", 11), FLAG("tsx_force_abort", 13),
    FLAG("serialize", 14), FLAG("hybrid_cpu", 15), FLAG("tsxldtrk", 16), FLAG("pconfig", 18),
    FLAG("arch_lbr", 19), FLAG("ibt", 20), FLAG("amx_bf16", 22), FLAG("avx512_fp16", 23), FLAG("amx_tile", 24),
    FLAG("amx_int8", 25), FLAG("spec_ctrl", 26), FLAG("intel_stibp", 27), FLAG("flush_l1d", 28),
    FLAG("arch_capabilities", 29), FLAG("core_capabilities", 30), FLAG("spec_ctrl_ssbd", 31),
};
static const struct cm_field l7_1_eax[] = {
    FLAG("avx_vnni", 4), FLAG("avx512_bf16", 5), FLAG("cmpccxadd", 7), FLAG("arch_perfmon_ext", 8),
    FLAG("fzrm", 10), FLAG("fsrs", 11), FLAG("fsrc", 12), FLAG("amx_fp16", 21), FLAG("avx_ifma", 23),
    FLAG("lam", 26),
};
/* 7.1 EDX: flags without a field are raw (AND over the hosts) */
static const struct cm_field l7_1_edx[] = {FLAG("avx_vnni_int8", 4), FLAG("avx_ne_convert", 5)};

/* ---- leaf 0xA: architectural PMU ---- */
static const struct cm_field la_eax[] = {
    NUM("pmu_version", 0, 8, CM_POL_LOWER_SAFE),
    NUM("num_gp_counters", 8, 8, CM_POL_LOWER_SAFE),
    NUM("gp_counter_width", 16, 8, CM_POL_LOWER_SAFE),
    NUM("ebx_vector_length", 24, 8, CM_POL_LOWER_SAFE),
};
/* EBX: a set bit means the event is NOT available, so the model ORs */
static const struct cm_field la_ebx[] = {NUM("unavailable_events", 0, 32, CM_POL_BITMAP_INVERTED)};
static const struct cm_field la_edx[] = {
    NUM("num_fixed_counters", 0, 5, CM_POL_LOWER_SAFE),
    NUM("fixed_counter_width", 5, 8, CM_POL_LOWER_SAFE),
};

/* ---- leaf 0xD: XSAVE ---- */
static const struct cm_field ld_0_eax[] = {
    FLAG("xcr0_x87", 0), FLAG("xcr0_sse", 1), FLAG("xcr0_avx", 2), FLAG("xcr0_bndregs", 3),
    FLAG("xcr0_bndcsr", 4), FLAG("xcr0_opmask", 5), FLAG("xcr0_zmm_hi256", 6), FLAG("xcr0_hi16_zmm", 7),
    FLAG("xcr0_pkru", 9), FLAG("xcr0_xtilecfg", 17), FLAG("xcr0_xtiledata", 18),
};
/* EBX: size for the guest's current XCR0; KVM recomputes it when XCR0 changes */
static const struct cm_field ld_0_ebx[] = {NUM("xsave_size_xcr0", 0, 32, CM_POL_IGNORE)};
/* ECX: size for every component the host supports.  Each host's own value
 * covers its components, a superset of the model's XCR0, so it is enough for
 * a guest of the model: IGNORE (the plan keeps the host's value). */
static const struct cm_field ld_0_ecx[] = {NUM("xsave_size_max", 0, 32, CM_POL_IGNORE)};
static const struct cm_field ld_0_edx[] = {NUM("xcr0_hi", 0, 32, CM_POL_BITMAP)};
static const struct cm_field ld_1_eax[] = {
    FLAG("xsaveopt", 0), FLAG("xsavec", 1), FLAG("xgetbv1", 2), FLAG("xsaves", 3), FLAG("xfd", 4),
};
static const struct cm_field ld_1_ebx[] = {NUM("xsave_size_xcr0_xss", 0, 32, CM_POL_IGNORE)};
static const struct cm_field ld_1_ecx[] = {NUM("xss_lo", 0, 32, CM_POL_BITMAP)};
static const struct cm_field ld_1_edx[] = {NUM("xss_hi", 0, 32, CM_POL_BITMAP)};

/* ---- KVM leaves ---- */
static const struct cm_field lk_0_eax[] = {NUM("max_hv_leaf", 0, 32, CM_POL_LOWER_SAFE)};
/* "KVMKVMKVM\0\0\0": another hypervisor signature is another PV interface */
static const struct cm_field lk_0_ebx[] = {NUM("hv_signature[0:3]", 0, 32, CM_POL_EQUAL)};
static const struct cm_field lk_0_ecx[] = {NUM("hv_signature[4:7]", 0, 32, CM_POL_EQUAL)};
static const struct cm_field lk_0_edx[] = {NUM("hv_signature[8:11]", 0, 32, CM_POL_EQUAL)};
static const struct cm_field lk_1_eax[] = {
    FLAG("kvm_clocksource", 0), FLAG("kvm_nopiodelay", 1), FLAG("kvm_mmu_op", 2), FLAG("kvm_clocksource2", 3),
    FLAG("kvm_async_pf", 4), FLAG("kvm_steal_time", 5), FLAG("kvm_pv_eoi", 6), FLAG("kvm_pv_unhalt", 7),
    FLAG("kvm_pv_tlb_flush", 9), FLAG("kvm_async_pf_vmexit", 10), FLAG("kvm_pv_send_ipi", 11),
    FLAG("kvm_poll_control", 12), FLAG("kvm_pv_sched_yield", 13), FLAG("kvm_async_pf_int", 14),
    FLAG("kvm_msi_ext_dest_id", 15), FLAG("kvm_hc_map_gpa_range", 16), FLAG("kvm_migration_control", 17),
    FLAG("kvm_clocksource_stable", 24),
};
static const struct cm_field lk_1_edx[] = {FLAG("kvm_hint_realtime", 0)};

/* ---- extended leaves ---- */
static const struct cm_field le_0_eax[] = {NUM("max_ext_leaf", 0, 32, CM_POL_LOWER_SAFE)};
static const struct cm_field le_1_ecx[] = {
    FLAG("lahf_lm", 0), FLAG("cmp_legacy", 1), FLAG("svm", 2), FLAG("extapic", 3), FLAG("cr8_legacy", 4),
    FLAG("abm", 5), FLAG("sse4a", 6), FLAG("misalignsse", 7), FLAG("3dnowprefetch", 8), FLAG("osvw", 9),
    FLAG("ibs", 10), FLAG("xop", 11), FLAG("skinit", 12), FLAG("wdt", 13), FLAG("lwp", 15), FLAG("fma4", 16),
    FLAG("tce", 17), FLAG("nodeid_msr", 19), FLAG("tbm", 21), FLAG("topoext", 22), FLAG("perfctr_core", 23),
    FLAG("perfctr_nb", 24), FLAG("bpext", 26), FLAG("ptsc", 27), FLAG("perfctr_llc", 28), FLAG("mwaitx", 29),
};
/* 0x80000001 EDX: AMD repeats leaf 1 EDX flags here; only the extended ones are named */
static const struct cm_field le_1_edx[] = {
    FLAG("syscall", 11), FLAG("mp", 19), FLAG("nx", 20), FLAG("mmxext", 22), FLAG("fxsr_opt", 25),
    FLAG("pdpe1gb", 26), FLAG("rdtscp", 27), FLAG("lm", 29), FLAG("3dnowext", 30), FLAG("3dnow", 31),
};
static const struct cm_field le_7_edx[] = {FLAG("constant_tsc", 8)}; /* invariant TSC */
static const struct cm_field le_8_eax[] = {
    NUM("phys_addr_bits", 0, 8, CM_POL_LOWER_SAFE),
    NUM("lin_addr_bits", 8, 8, CM_POL_LOWER_SAFE),
    NUM("guest_phys_addr_bits", 16, 8, CM_POL_LOWER_SAFE),
};
static const struct cm_field le_8_ebx[] = {
    FLAG("clzero", 0), FLAG("irperf", 1), FLAG("xsaveerptr", 2), FLAG("rdpru", 4), FLAG("wbnoinvd", 9),
    FLAG("amd_ibpb", 12), FLAG("amd_ibrs", 14), FLAG("amd_stibp", 15), FLAG("amd_stibp_always_on", 17),
    FLAG("amd_ssbd", 24), FLAG("virt_ssbd", 25), FLAG("amd_ssb_no", 26),
};
static const struct cm_field le_8_ecx[] = {NUM("core_count_etc", 0, 32, CM_POL_IGNORE)}; /* topology (AMD) */
static const struct cm_field le_21_eax[] = {
    FLAG("no_nested_data_bp", 0), FLAG("lfence_rdtsc", 2), FLAG("null_sel_clr_base", 6), FLAG("autoibrs", 8),
};
/* 0x8000001F: AMD memory encryption (AMD APM vol. 3, CPUID Fn8000_001F; Linux
 * cpufeatures.h word 19).  KVM reports it only when it offers SEV (cpuid.c:
 * all zero otherwise; NumVMPL and the PA-bit reduction cleared), and a 5.10
 * kernel passed the host's value through (the Milan 5.10 dump has SEV bits a
 * 6.1 KVM without SEV zeroes).  The flags AND; the C-bit position is part of
 * an encrypted guest's page-table format, so hosts that disagree leave the
 * model none (0: no encrypted guest); the guest-slot and ASID counts are host
 * resources the model takes the least of. */
static const struct cm_field le_1f_eax[] = {
    FLAG("sme", 0), FLAG("sev", 1), FLAG("vm_page_flush", 2), FLAG("sev_es", 3), FLAG("sev_snp", 4),
    FLAG("v_tsc_aux", 9), FLAG("sme_coherent", 10), FLAG("debug_swap", 14),
};
static const struct cm_field le_1f_ebx[] = {
    EXACT0("cbit_position", 0, 6),
    NUM("phys_addr_reduction", 6, 6, CM_POL_LOWER_SAFE),
    NUM("num_vmpl", 12, 4, CM_POL_LOWER_SAFE),
};
static const struct cm_field le_1f_ecx[] = {NUM("num_encrypted_guests", 0, 32, CM_POL_LOWER_SAFE)};
/* EDX: the lowest ASID of an SEV guest without SEV-ES; a higher minimum leaves fewer */
static const struct cm_field le_1f_edx[] = {NUM("min_sev_no_es_asid", 0, 32, CM_POL_HIGHER_SAFE)};
/* 0x80000022: AMD extended performance monitoring (AMD APM vol. 3, CPUID
 * Fn8000_0022; Linux union cpuid_0x80000022_ebx in asm/perf_event.h).  KVM
 * (6.3+, cpuid.c) reports PerfMonV2 and the core counter count, and all zero
 * on a CPU without PerfMonV2 (Zen 3).  A guest with PerfMonV2 uses the global
 * control MSRs 0xC0000300-0xC0000303 (msrs.c gates them on this flag). */
static const struct cm_field le_22_eax[] = {FLAG("perfmon_v2", 0), FLAG("amd_lbr_v2", 1), FLAG("amd_lbr_pmc_freeze", 2)};
static const struct cm_field le_22_ebx[] = {
    NUM("num_core_pmc", 0, 4, CM_POL_LOWER_SAFE),
    NUM("lbr_v2_stack_size", 4, 6, CM_POL_LOWER_SAFE),
    NUM("num_df_pmc", 10, 6, CM_POL_LOWER_SAFE),
    NUM("num_umc_pmc", 16, 6, CM_POL_LOWER_SAFE),
};

/* ---- feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST, §C.2) ---- */
/* IA32_ARCH_CAPABILITIES: the *_NO bits and capability bits AND (the model claims
 * only what every host guarantees); RSBA/RRSBA report a weakness, so OR. */
static const struct cm_field m_arch_cap[] = {
    FLAG("rdcl_no", 0), FLAG("ibrs_all", 1), INVFLAG("rsba", 2), FLAG("skip_vmentry_l1dflush", 3),
    FLAG("ssb_no", 4), FLAG("mds_no", 5), FLAG("pschange_mc_no", 6), FLAG("tsx_ctrl_msr", 7), FLAG("taa_no", 8),
    FLAG("mcu_control", 9), FLAG("misc_package_ctls", 10), FLAG("energy_filtering_ctl", 11), FLAG("doitm", 12),
    FLAG("sbdr_ssdp_no", 13), FLAG("fbsdp_no", 14), FLAG("psdp_no", 15), FLAG("fb_clear", 17),
    FLAG("fb_clear_ctrl", 18), INVFLAG("rrsba", 19), FLAG("bhi_no", 20), FLAG("xapic_disable", 21),
    FLAG("overclocking_status", 23), FLAG("pbrsb_no", 24), FLAG("gds_ctrl", 25), FLAG("gds_no", 26),
    FLAG("rfds_no", 27), FLAG("rfds_clear", 28), FLAG("its_no", 62),
};
/* IA32_PERF_CAPABILITIES: format fields must match the host or be 0 (KVM
 * accepts only those), so EXACT with safe value 0; the flags AND. */
static const struct cm_field m_perf_cap[] = {
    EXACT0("lbr_format", 0, 6), FLAG("pebs_trap", 6), FLAG("pebs_arch_reg", 7), EXACT0("pebs_format", 8, 4),
    FLAG("smm_freeze", 12), FLAG("fw_write", 13), FLAG("pebs_baseline", 14), FLAG("perf_metrics", 15),
};
/* MSR_PLATFORM_INFO: KVM reports only bit 31, CPUID faulting */
static const struct cm_field m_platform_info[] = {FLAG("cpuid_faulting", 31)};
/* IA32_UCODE_REV: identity (drift), never a capability.  Intel keeps the
 * revision in bits 63:32, AMD's patch level is in bits 31:0 (the Milan dumps
 * read 0x1000065), so the whole MSR is one field. */
static const struct cm_field m_ucode_rev[] = {NUM("revision", 0, 64, CM_POL_IDENTITY)};

const struct cm_word cm_x86_words[] = {
    CPUID_WORD(0x0, 0, CM_X86_EAX, "CPUID.00.0.EAX", l0_eax),
    CPUID_WORD(0x0, 0, CM_X86_EBX, "CPUID.00.0.EBX", l0_ebx),
    CPUID_WORD(0x0, 0, CM_X86_ECX, "CPUID.00.0.ECX", l0_ecx),
    CPUID_WORD(0x0, 0, CM_X86_EDX, "CPUID.00.0.EDX", l0_edx),
    CPUID_WORD(0x1, 0, CM_X86_EAX, "CPUID.01.0.EAX", l1_eax),
    CPUID_WORD(0x1, 0, CM_X86_EBX, "CPUID.01.0.EBX", l1_ebx),
    CPUID_WORD(0x1, 0, CM_X86_ECX, "CPUID.01.0.ECX", l1_ecx),
    CPUID_WORD(0x1, 0, CM_X86_EDX, "CPUID.01.0.EDX", l1_edx),
    CPUID_WORD(0x6, 0, CM_X86_EAX, "CPUID.06.0.EAX", l6_eax),
    CPUID_WORD(0x7, 0, CM_X86_EAX, "CPUID.07.0.EAX", l7_0_eax),
    CPUID_WORD(0x7, 0, CM_X86_EBX, "CPUID.07.0.EBX", l7_0_ebx),
    CPUID_WORD(0x7, 0, CM_X86_ECX, "CPUID.07.0.ECX", l7_0_ecx),
    CPUID_WORD(0x7, 0, CM_X86_EDX, "CPUID.07.0.EDX", l7_0_edx),
    CPUID_WORD(0x7, 1, CM_X86_EAX, "CPUID.07.1.EAX", l7_1_eax),
    CPUID_WORD(0x7, 1, CM_X86_EDX, "CPUID.07.1.EDX", l7_1_edx),
    CPUID_WORD(0xa, 0, CM_X86_EAX, "CPUID.0A.0.EAX", la_eax),
    CPUID_WORD(0xa, 0, CM_X86_EBX, "CPUID.0A.0.EBX", la_ebx),
    CPUID_WORD(0xa, 0, CM_X86_EDX, "CPUID.0A.0.EDX", la_edx),
    CPUID_WORD(0xd, 0, CM_X86_EAX, "CPUID.0D.0.EAX", ld_0_eax),
    CPUID_WORD(0xd, 0, CM_X86_EBX, "CPUID.0D.0.EBX", ld_0_ebx),
    CPUID_WORD(0xd, 0, CM_X86_ECX, "CPUID.0D.0.ECX", ld_0_ecx),
    CPUID_WORD(0xd, 0, CM_X86_EDX, "CPUID.0D.0.EDX", ld_0_edx),
    CPUID_WORD(0xd, 1, CM_X86_EAX, "CPUID.0D.1.EAX", ld_1_eax),
    CPUID_WORD(0xd, 1, CM_X86_EBX, "CPUID.0D.1.EBX", ld_1_ebx),
    CPUID_WORD(0xd, 1, CM_X86_ECX, "CPUID.0D.1.ECX", ld_1_ecx),
    CPUID_WORD(0xd, 1, CM_X86_EDX, "CPUID.0D.1.EDX", ld_1_edx),
    CPUID_WORD(0x40000000, 0, CM_X86_EAX, "CPUID.40000000.0.EAX", lk_0_eax),
    CPUID_WORD(0x40000000, 0, CM_X86_EBX, "CPUID.40000000.0.EBX", lk_0_ebx),
    CPUID_WORD(0x40000000, 0, CM_X86_ECX, "CPUID.40000000.0.ECX", lk_0_ecx),
    CPUID_WORD(0x40000000, 0, CM_X86_EDX, "CPUID.40000000.0.EDX", lk_0_edx),
    CPUID_WORD(0x40000001, 0, CM_X86_EAX, "CPUID.40000001.0.EAX", lk_1_eax),
    CPUID_WORD(0x40000001, 0, CM_X86_EDX, "CPUID.40000001.0.EDX", lk_1_edx),
    CPUID_WORD(0x80000000, 0, CM_X86_EAX, "CPUID.80000000.0.EAX", le_0_eax),
    CPUID_WORD(0x80000001, 0, CM_X86_ECX, "CPUID.80000001.0.ECX", le_1_ecx),
    CPUID_WORD(0x80000001, 0, CM_X86_EDX, "CPUID.80000001.0.EDX", le_1_edx),
    CPUID_WORD(0x80000007, 0, CM_X86_EDX, "CPUID.80000007.0.EDX", le_7_edx),
    CPUID_WORD(0x80000008, 0, CM_X86_EAX, "CPUID.80000008.0.EAX", le_8_eax),
    CPUID_WORD(0x80000008, 0, CM_X86_EBX, "CPUID.80000008.0.EBX", le_8_ebx),
    CPUID_WORD(0x80000008, 0, CM_X86_ECX, "CPUID.80000008.0.ECX", le_8_ecx),
    CPUID_WORD(0x8000001f, 0, CM_X86_EAX, "CPUID.8000001F.0.EAX", le_1f_eax),
    CPUID_WORD(0x8000001f, 0, CM_X86_EBX, "CPUID.8000001F.0.EBX", le_1f_ebx),
    CPUID_WORD(0x8000001f, 0, CM_X86_ECX, "CPUID.8000001F.0.ECX", le_1f_ecx),
    CPUID_WORD(0x8000001f, 0, CM_X86_EDX, "CPUID.8000001F.0.EDX", le_1f_edx),
    CPUID_WORD(0x80000021, 0, CM_X86_EAX, "CPUID.80000021.0.EAX", le_21_eax),
    CPUID_WORD(0x80000022, 0, CM_X86_EAX, "CPUID.80000022.0.EAX", le_22_eax),
    CPUID_WORD(0x80000022, 0, CM_X86_EBX, "CPUID.80000022.0.EBX", le_22_ebx),
    MSR_WORD(CM_X86_MSR_UCODE_REV, "IA32_UCODE_REV", m_ucode_rev),
    MSR_WORD(CM_X86_MSR_PLATFORM_INFO, "MSR_PLATFORM_INFO", m_platform_info),
    MSR_WORD(CM_X86_MSR_ARCH_CAPABILITIES, "IA32_ARCH_CAPABILITIES", m_arch_cap),
    MSR_WORD(CM_X86_MSR_PERF_CAPABILITIES, "IA32_PERF_CAPABILITIES", m_perf_cap),
};

/* Leaves whose subleaf is meaningful (KVM sets SIGNIFICANT_INDEX, §C.3). */
static const uint32_t indexed_leaves[] = {
    0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d, 0x1e, 0x1f, 0x24, 0x8000001d,
};

bool cm_x86_leaf_indexed(uint32_t leaf)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(indexed_leaves); i++)
        if (indexed_leaves[i] == leaf)
            return true;
    return false;
}
