// Transparent huge pages for the simulator's heap.
//
// A storm of 10,000 clients keeps ~100 MiB of per-client state (hosts, agents,
// transfers, frames in flight) that every frame visits at random: with 4 KiB pages most
// of those visits also miss the TLB. This machine's kernel gives huge pages only to
// memory that asks (transparent_hugepage=madvise), and glibc's malloc asks only when the
// tunable glibc.malloc.hugetlb=1 is set before the process starts. So `pxelab bench` and
// `pxelab run` re-execute themselves once with it set (3,000-client storm: 10.8 -> 7.6
// CPU s). Only where memory comes from changes; every output is the same.
#pragma once

namespace pxelab::conformance {

// Re-executes /proc/self/exe with GLIBC_TUNABLES extended by glibc.malloc.hugetlb=1 when
// argv[1] is a simulation subcommand and that has not been done yet. Returns (doing
// nothing) when PXELAB_NO_HUGE_PAGES is set, the tunable is already there, or exec fails.
void reexec_with_huge_pages(int argc, char** argv);

}  // namespace pxelab::conformance
