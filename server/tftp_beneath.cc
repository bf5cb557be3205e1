#include "server/tftp_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <vector>

namespace pxelab::server {

namespace {

// Symlinks followed in one lookup before it is refused (the kernel's own limit).
constexpr int kMaxSymlinks = 40;

BeneathResult refuse(TftpLookupError code, std::string why) {
  return BeneathResult{BeneathFd(), TftpLookupFailure{code, std::move(why)}};
}

BeneathResult refuse_errno(int err) {
  if (err == ENOENT || err == ENOTDIR) return refuse(TftpLookupError::NotFound, "no such file");
  return refuse(TftpLookupError::AccessViolation, std::string("cannot open: ") + std::strerror(err));
}

// The components of a relative name, without empty ones and ".".
void push_front_components(std::deque<std::string>& todo, const std::string& name) {
  std::vector<std::string> parts;
  for (std::size_t pos = 0; pos <= name.size();) {
    std::size_t next = name.find('/', pos);
    if (next == std::string::npos) next = name.size();
    std::string c = name.substr(pos, next - pos);
    if (!c.empty() && c != ".") parts.push_back(std::move(c));
    pos = next + 1;
  }
  todo.insert(todo.begin(), parts.begin(), parts.end());
}

BeneathFd open_root(const std::string& root) {
  return BeneathFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
}

// The directory `where` (components from the root), each step refusing symlinks: it
// was walked before, but any of it may have been swapped since.
BeneathFd reopen(const std::string& root, const std::vector<std::string>& where) {
  BeneathFd dir = open_root(root);
  for (const auto& c : where) {
    if (dir.get() < 0) break;
    dir = BeneathFd(::openat(dir.get(), c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  return dir;
}

// A symlink's target, made relative to the root when it is absolute; nullopt when it
// leads out of the root. `absolute` says whether the walk restarts at the root.
std::optional<std::string> inside_target(const std::string& root, std::string target, bool& absolute) {
  absolute = !target.empty() && target[0] == '/';
  if (!absolute) return target;
  if (target == root) return std::string();
  if (target.size() > root.size() && target.compare(0, root.size(), root) == 0 && target[root.size()] == '/') {
    return target.substr(root.size() + 1);
  }
  return std::nullopt;
}

}  // namespace

BeneathFd::~BeneathFd() {
  if (fd_ >= 0) ::close(fd_);
}

BeneathFd& BeneathFd::operator=(BeneathFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

BeneathResult open_beneath_by_walk(const std::string& root, const std::string& name, int flags, Symlinks symlinks) {
  BeneathFd dir = open_root(root);
  if (dir.get() < 0) return refuse(TftpLookupError::NotFound, "TFTP root " + root + " is missing");
  std::deque<std::string> todo;
  push_front_components(todo, name);
  std::vector<std::string> where;  // from the root to `dir`
  int links = 0;
  while (!todo.empty()) {
    const std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == "..") {  // only from a symlink's target: cleaned names hold none
      if (where.empty()) return refuse(TftpLookupError::AccessViolation, "a symlink leads above the TFTP root");
      where.pop_back();
      dir = reopen(root, where);
      if (dir.get() < 0) return refuse_errno(errno);
      continue;
    }
    const bool last = todo.empty();
    const int f = last ? (flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY) : (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int fd = ::openat(dir.get(), c.c_str(), f);
    if (fd >= 0) {
      if (last) return BeneathResult{BeneathFd(fd), std::nullopt};
      dir = BeneathFd(fd);
      where.push_back(c);
      continue;
    }
    const int err = errno;
    if (err != ELOOP && err != ENOTDIR) return refuse_errno(err);
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(dir.get(), c.c_str(), buf, sizeof buf);
    if (n < 0) return refuse_errno(err);  // not a symlink: a file where a directory should be
    if (symlinks == Symlinks::kRefuse) {
      return refuse(TftpLookupError::AccessViolation, "a symlink on the way ('" + c + "'): uploads never follow one");
    }
    if (++links > kMaxSymlinks) return refuse(TftpLookupError::AccessViolation, "too many symlinks");
    bool absolute = false;
    auto target = inside_target(root, std::string(buf, static_cast<std::size_t>(n)), absolute);
    if (!target) return refuse(TftpLookupError::AccessViolation, "resolves outside the TFTP root");
    if (absolute) {
      where.clear();
      dir = open_root(root);
      if (dir.get() < 0) return refuse_errno(errno);
    }
    push_front_components(todo, *target);
  }
  // The name was the root, or a symlink's target ended at a directory.
  const int fd = ::openat(dir.get(), ".", flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return refuse_errno(errno);
  return BeneathResult{BeneathFd(fd), std::nullopt};
}

BeneathResult open_beneath(const std::string& root, const std::string& name, int flags, Symlinks symlinks) {
  BeneathFd dir = open_root(root);
  if (dir.get() < 0) return refuse(TftpLookupError::NotFound, "TFTP root " + root + " is missing");
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOCTTY);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  if (symlinks == Symlinks::kRefuse) how.resolve |= RESOLVE_NO_SYMLINKS;
  const std::string path = name.empty() ? std::string(".") : name;
  const long fd = ::syscall(SYS_openat2, dir.get(), path.c_str(), &how, sizeof how);
  if (fd >= 0) return BeneathResult{BeneathFd(static_cast<int>(fd)), std::nullopt};
  const int err = errno;
  // No openat2 here (old kernel, or a seccomp filter that refuses what it does not
  // know): walk. EXDEV: an absolute symlink (or one that climbs out); the walk
  // follows the first kind while it names the inside, and refuses the second.
  if (err == ENOSYS || err == EPERM || err == E2BIG || (err == EXDEV && symlinks == Symlinks::kResolveInside)) {
    return open_beneath_by_walk(root, name, flags, symlinks);
  }
  if (err == EXDEV) return refuse(TftpLookupError::AccessViolation, "resolves outside the TFTP root");
  if (err == ELOOP) {
    return refuse(TftpLookupError::AccessViolation, symlinks == Symlinks::kRefuse
                                                        ? "a symlink on the way: uploads never follow one"
                                                        : "too many symlinks, or a magic link");
  }
  return refuse_errno(err);
}

bool openat2_available() {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  const long fd = ::syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
  if (fd < 0) return false;
  ::close(static_cast<int>(fd));
  return true;
}

}  // namespace pxelab::server
