// Transparent huge pages for `pxelab bench` (and only for it).
//
// A storm of 10,000 clients keeps ~100 MiB of per-client state (hosts, agents,
// transfers, frames in flight) that every frame visits at random: with 4 KiB pages most
// of those visits also miss the TLB. This machine's kernel gives huge pages only to
// memory that asks (transparent_hugepage=madvise), and glibc's malloc asks only when the
// tunable glibc.malloc.hugetlb=1 is in GLIBC_TUNABLES when the process starts: it cannot
// be turned on later from inside (no mallopt for it, no __morecore hook since glibc
// 2.34, and a heap VMA extended by brk loses an earlier madvise(MADV_HUGEPAGE)).
//
// Why a re-exec and why only here: `pxelab bench` measures; its figures should show the
// simulator, not the page size, and it prints that it did so ("huge pages: on") in its
// first line. `pxelab run` and every other command never re-execute and never change
// the environment: a user's program runs as started. `pxelab bench --no-huge-pages` (or
// PXELAB_NO_HUGE_PAGES=1) measures with ordinary pages. Only where memory comes from
// changes; every output (digests, traces) is the same.
#pragma once

namespace pxelab::conformance {

// If argv[1] is "bench" without --no-huge-pages, PXELAB_NO_HUGE_PAGES is unset and
// GLIBC_TUNABLES lacks glibc.malloc.hugetlb=1: re-executes /proc/self/exe with the same
// arguments and GLIBC_TUNABLES extended by it. Otherwise, or if exec fails, returns.
void reexec_bench_with_huge_pages(int argc, char** argv);

// True if this process runs with glibc.malloc.hugetlb=1 (for the bench header).
bool huge_pages_requested();

}  // namespace pxelab::conformance
