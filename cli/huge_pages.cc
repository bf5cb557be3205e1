#include "cli/huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace pxelab::conformance {

void reexec_with_huge_pages(int argc, char** argv) {
  if (argc < 2 || std::getenv("PXELAB_NO_HUGE_PAGES") != nullptr) return;
  const std::string_view command = argv[1];
  if (command != "bench" && command != "run") return;
  constexpr std::string_view kTunable = "glibc.malloc.hugetlb=1";
  const char* existing = std::getenv("GLIBC_TUNABLES");
  std::string tunables = existing != nullptr ? existing : "";
  if (tunables.find(kTunable) != std::string::npos) return;  // already re-executed
  tunables += tunables.empty() ? "" : ":";
  tunables += kTunable;
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // exec failed (no /proc?): go on with ordinary pages; the tunable is harmless.
}

}  // namespace pxelab::conformance
