#include "cli/huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace pxelab::conformance {

namespace {

constexpr std::string_view kTunable = "glibc.malloc.hugetlb=1";

}  // namespace

bool huge_pages_requested() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::string_view(tunables).find(kTunable) != std::string_view::npos;
}

void reexec_bench_with_huge_pages(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "bench") return;
  if (std::getenv("PXELAB_NO_HUGE_PAGES") != nullptr || huge_pages_requested()) return;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-huge-pages" || arg == "--help" || arg == "-h") return;
  }
  const char* existing = std::getenv("GLIBC_TUNABLES");
  std::string tunables = existing != nullptr ? existing : "";
  tunables += tunables.empty() ? "" : ":";
  tunables += kTunable;
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // exec failed (no /proc?): measure with ordinary pages; the header says so.
  ::unsetenv("GLIBC_TUNABLES");
  if (existing != nullptr) ::setenv("GLIBC_TUNABLES", existing, 1);
}

}  // namespace pxelab::conformance
