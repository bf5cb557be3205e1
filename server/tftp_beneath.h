// Opening a name beneath the TFTP root without a window between the check and the
// open (TFTP-PATH, CWE-22, CWE-367): the descriptor that is read (or written) is the
// one the confinement was checked on, so a symlink swapped in at any moment cannot
// lead out of the root.
//
// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS does it in the kernel (Linux
// 5.6+). Where it is missing (ENOSYS, or EPERM from a seccomp filter), and where it
// refuses an absolute symlink (EXDEV: RESOLVE_BENEATH refuses every absolute link,
// even one that names a file inside the root), the name is walked one component at a
// time with openat(O_NOFOLLOW) from a descriptor of the root: a symlink met on the way
// is read with readlinkat and resolved inside the root (an absolute target must start
// with the root's canonical path; ".." may not climb above the root), or refused.
#pragma once

#include <optional>
#include <string>

#include "server/tftp_files.h"

namespace pxelab::server {

// A descriptor, owned (closed on destruction), or the TFTP error to answer with.
class BeneathFd {
 public:
  BeneathFd() = default;
  explicit BeneathFd(int fd) : fd_(fd) {}
  ~BeneathFd();
  BeneathFd(BeneathFd&& other) noexcept : fd_(other.release()) {}
  BeneathFd& operator=(BeneathFd&& other) noexcept;
  BeneathFd(const BeneathFd&) = delete;
  BeneathFd& operator=(const BeneathFd&) = delete;

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

struct BeneathResult {
  BeneathFd fd;
  std::optional<TftpLookupFailure> failure;
};

enum class Symlinks : std::uint8_t {
  kResolveInside,  // reads: a symlink is followed while it stays inside the root
  kRefuse,         // uploads: a symlink anywhere on the way is refused
};

// Opens `name` (relative, already cleaned: no NUL, no "..", no leading '/') beneath
// the directory `root` (a canonical path) with `flags` (O_RDONLY | O_NONBLOCK for a
// file, O_DIRECTORY for a directory; O_CLOEXEC and O_NOCTTY are added). An empty name
// is the root itself. How it got there is not said: fstat the descriptor.
BeneathResult open_beneath(const std::string& root, const std::string& name, int flags, Symlinks symlinks);

// Whether openat2 is used (false: this kernel lacks it; every open walks). For logs.
bool openat2_available();

// Test hook: the walk alone, as on a kernel without openat2.
BeneathResult open_beneath_by_walk(const std::string& root, const std::string& name, int flags, Symlinks symlinks);

}  // namespace pxelab::server
