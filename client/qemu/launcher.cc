#include "client/qemu/launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>

namespace pxelab::client::qemu {

namespace {

Error sys_error(const std::string& what) { return Error{"", 0, what + ": " + std::strerror(errno)}; }

std::string temp_root() {
  const char* t = std::getenv("TMPDIR");
  return (t && *t) ? t : "/tmp";
}

bool copy_file(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return false;
  // The vars store is written by the VM: the copy must be writable even if the
  // template is not.
  ::chmod(to.c_str(), 0600);
  return true;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::strchr(".^$|()[]{}*+?\\/", c)) out += '\\';
    out += c;
  }
  return out;
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string read_small_file(const std::string& path, std::size_t max) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while (out.size() < max && (n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (out.size() > max) out.resize(max);
  return out;
}

// The profile's QEMU command line with its placeholders filled: ${netdev}, ${mac},
// ${serial} (stdio: the console pipe), ${vars} (the VM's copy of the vars store), ${dir}.
std::vector<std::string> qemu_argv(const FirmwareProfile& profile, const std::string& binary, const std::string& netdev,
                                   const wire::MacAddress& mac, const std::string& vars, const std::string& dir) {
  std::vector<std::string> argv{binary};
  for (const auto& a : profile.args) {
    std::string s = a;
    auto replace = [&](const std::string& key, const std::string& value) {
      for (std::size_t pos = 0; (pos = s.find(key, pos)) != std::string::npos; pos += value.size()) s.replace(pos, key.size(), value);
    };
    replace("${netdev}", netdev);
    replace("${mac}", mac.to_string());
    replace("${serial}", "stdio");
    replace("${vars}", vars);
    replace("${dir}", dir);
    argv.push_back(s);
  }
  return argv;
}

// execv's argv: pointers into `argv`, which must outlive it; built before fork, as the
// child may only make async-signal-safe calls.
std::vector<char*> exec_argv(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Forks and execs QEMU in its own process group, stdin /dev/null, stdout `stdout_fd`,
// stderr `stderr_fd`, killed if the harness (`parent`) dies. The child's pid, or -1
// with errno when fork failed.
pid_t fork_qemu(const std::vector<char*>& cargv, int stdout_fd, int stderr_fd, pid_t parent) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the harness died before prctl
  ::setpgid(0, 0);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::dup2(stdout_fd, 1);
  ::dup2(stderr_fd, 2);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the harness may block SIGTERM/SIGINT
  ::execv(cargv[0], cargv.data());
  static constexpr char kMsg[] = "pxelab: exec of QEMU failed\n";
  // In the forked child before _exit: stderr is QEMU's log, nothing else can report.
  static_cast<void>(::write(2, kMsg, sizeof kMsg - 1));
  ::_exit(127);
}

}  // namespace

std::string clean_console_line(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == 0x1b) {
      // CSI: ESC [ params final-byte (0x40..0x7e); other escapes: ESC + one byte.
      if (i + 1 < raw.size() && raw[i + 1] == '[') {
        i += 2;
        while (i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e)) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) out += static_cast<char>(c);
  }
  return out;
}

std::string fill_placeholders(std::string_view text, const std::string& hostname, const wire::MacAddress& mac,
                              bool escape) {
  std::string out(text);
  auto replace = [&](const std::string& key, const std::string& value) {
    std::string v = escape ? regex_escape(value) : value;
    for (std::size_t pos = 0; (pos = out.find(key, pos)) != std::string::npos; pos += v.size()) out.replace(pos, key.size(), v);
  };
  replace("${hostname}", hostname);
  replace("${mac}", mac.to_string());
  return out;
}

int sweep_stale_directories(const std::string& tmp) {
  int removed = 0;
  DIR* d = ::opendir(tmp.c_str());
  if (!d) return 0;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    static constexpr std::string_view kPrefix = "pxelab-qemu-";
    if (name.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    std::size_t dash = name.find('-', kPrefix.size());
    if (dash == std::string::npos) continue;
    long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // its owner still runs
    stale.push_back(tmp + "/" + name);
  }
  ::closedir(d);
  for (const auto& s : stale) {
    remove_tree(s);
    ++removed;
  }
  return removed;
}

QemuVm::QemuVm(sim::RealtimeClock& clock, const FirmwareProfile& profile) : clock_(clock), profile_(profile) {}

Result<std::unique_ptr<QemuVm>> QemuVm::start(sim::RealtimeClock& clock, sim::Segment& segment,
                                              const FirmwareProfile& profile, const VmOptions& options) {
  auto missing = missing_requirements(profile);
  if (!options.qemu_binary.empty()) {
    std::erase_if(missing, [&](const std::string& m) { return m.rfind(profile.qemu.path + " ", 0) == 0; });
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Error{"", 0, "cannot run firmware '" + profile.id + "': missing " + list};
  }
  std::unique_ptr<QemuVm> vm(new QemuVm(clock, profile));
  if (auto st = vm->launch(segment, options); !st) return st.error();  // the destructor cleans up
  return vm;
}

Status QemuVm::launch(sim::Segment& segment, const VmOptions& o) {
  std::string tmp = temp_root();
  sweep_stale_directories(tmp);
  std::string tmpl = tmp + "/pxelab-qemu-" + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return sys_error("create a temporary directory in " + tmp);
  dir_ = tmpl;
  keep_dir_ = o.keep_dir;

  outcome_.name = !o.name.empty() ? o.name : !o.hostname.empty() ? o.hostname : o.mac.to_string();
  outcome_.personality = "qemu:" + profile_.id;
  outcome_.mac = o.mac;

  try {
    marker_regex_ = fill_placeholders(profile_.marker, o.hostname, o.mac, true);
    std::regex check(marker_regex_);
    for (const auto& f : profile_.failures) std::regex check_failure(f.pattern);
  } catch (const std::regex_error& e) {
    return Error{"marker", 0, profile_.source + ": bad regular expression: " + e.what()};
  }

  auto port = o.transport == sim::QemuPort::Transport::kUnix ? sim::QemuPort::open_unix(clock_, dir_)
                                                             : sim::QemuPort::open_udp(clock_);
  if (!port) return port.error();
  port_ = std::move(*port);
  port_index_ = segment.attach(*port_, o.link, outcome_.name);

  std::string vars = dir_ + "/vars.fd";
  if (profile_.vars_template && !copy_file(profile_.vars_template->path, vars)) {
    return sys_error("copy " + profile_.vars_template->path + " to " + vars);
  }

  argv_ = qemu_argv(profile_, !o.qemu_binary.empty() ? o.qemu_binary : resolve_qemu_binary(profile_),
                    port_->netdev_arg("n0"), o.mac, vars, dir_);
  for (const auto& a : o.extra_args) argv_.push_back(a);

  serial_log_fd_ = ::open((dir_ + "/console.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int stderr_fd = ::open((dir_ + "/qemu.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int pipe_fds[2];
  if (stderr_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (stderr_fd >= 0) ::close(stderr_fd);
    return sys_error("console pipe");
  }
  const std::vector<char*> cargv = exec_argv(argv_);
  const pid_t parent = ::getpid();

  outcome_.timeline.power_on = clock_.now();
  pid_t pid = fork_qemu(cargv, pipe_fds[1], stderr_fd, parent);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::close(stderr_fd);
    return sys_error("fork");
  }
  pid_ = pid;
  ::close(pipe_fds[1]);
  ::close(stderr_fd);
  console_fd_ = pipe_fds[0];
  ::fcntl(console_fd_, F_SETFL, O_NONBLOCK);
  console_watch_ = clock_.watch(console_fd_, POLLIN, [this] { on_console(); });
  pid_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pid_fd_ >= 0) {
    pid_watch_ = clock_.watch(pid_fd_, POLLIN, [this] { on_exit(); });
  } else {
    poll_exit();  // kernels before 5.3: no pidfd, look every 100 ms
  }
  sim::Time deadline = o.deadline > 0 ? o.deadline : sim::from_seconds(profile_.deadline_seconds);
  deadline_event_ = clock_.after(deadline, [this, deadline] {
    deadline_event_.reset();
    if (!final_) {
      finish(BootStatus::kPending, kCodeDeadline,
             "killed at the deadline (" + std::to_string(sim::to_seconds(deadline)) + " s) before the boot marker" +
                 (last_line_.empty() ? std::string() : "; last console line: " + last_line_));
    }
  });
  return Ok{};
}

void QemuVm::on_console() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(console_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // EAGAIN
    if (n == 0) {       // QEMU closed its stdout (it exited)
      clock_.unwatch(console_watch_);
      ::close(console_fd_);
      console_fd_ = -1;
      if (!partial_.empty()) on_line(std::exchange(partial_, {}));
      if (!reaped_ && pid_fd_ < 0) on_exit();
      return;
    }
    if (serial_log_fd_ >= 0) write_all(serial_log_fd_, std::string_view(buf, static_cast<std::size_t>(n)));
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        on_line(std::exchange(partial_, {}));
      } else if (partial_.size() < 64 * 1024) {
        partial_ += buf[i];
      }
    }
    // A prompt the firmware leaves without a newline while it waits (OVMF's
    // ">>Start PXE over IPv6."): with marker_partial_line the marker may end there.
    if (profile_.marker_partial_line && !final_ && !partial_.empty() &&
        std::regex_search(clean_console_line(partial_), std::regex(marker_regex_))) {
      on_line(std::exchange(partial_, {}));
    }
  }
}

void QemuVm::on_line(std::string_view raw) {
  std::string line = clean_console_line(raw);
  console_ += line;
  console_ += '\n';
  if (line.find_first_not_of(" \t") != std::string::npos) last_line_ = line;
  if (final_) return;
  // Regexes compiled per line: a console has hundreds of lines, and profiles are
  // data that may change between VMs.
  if (std::regex_search(line, std::regex(marker_regex_))) {
    outcome_.text = line;
    finish(profile_.marker_local_boot ? BootStatus::kLocalBoot : BootStatus::kBooted, "", line);
    return;
  }
  for (const auto& f : profile_.failures) {
    std::smatch m;
    if (std::regex_search(line, m, std::regex(f.pattern))) {
      std::string code = f.code == "${match}" ? m.str(0) : f.code;
      if (f.fatal) {
        finish(BootStatus::kFailed, code, line);
      } else if (outcome_.code.empty()) {
        // Remembered: if the VM never boots, this is the first sign of why.
        outcome_.code = code;
        outcome_.text = line;
      }
      return;
    }
  }
}

void QemuVm::finish(BootStatus status, std::string_view code, std::string text) {
  if (final_) return;
  final_ = true;
  outcome_.status = status;
  outcome_.code = std::string(code);
  outcome_.text = std::move(text);
  outcome_.timeline.done = clock_.now();
  if (deadline_event_) {
    clock_.cancel(*deadline_event_);
    deadline_event_.reset();
  }
  kill_now();
  if (done() && on_done_) on_done_();
}

void QemuVm::kill_now() {
  if (pid_ > 0 && !reaped_) ::kill(pid_, SIGKILL);
}

void QemuVm::on_exit() {
  if (reaped_) return;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return;  // not yet
  reaped_ = true;
  if (pid_fd_ >= 0) {
    clock_.unwatch(pid_watch_);
    ::close(pid_fd_);
    pid_fd_ = -1;
  }
  if (!final_) {
    // QEMU ended by itself: its stderr says why (bad option, missing file...).
    std::string err = read_small_file(dir_ + "/qemu.log", 2000);
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    finish(BootStatus::kFailed, kCodeQemuExit, "QEMU " + how + (err.empty() ? "" : ": " + err));
    return;  // finish() ran on_done
  }
  if (on_done_) on_done_();
}

void QemuVm::poll_exit() {
  if (reaped_) return;
  on_exit();
  if (!reaped_) poll_event_ = clock_.after(sim::ms(100), [this] {
    poll_event_.reset();
    poll_exit();
  });
}

void QemuVm::stop(std::string_view why) {
  if (!final_) {
    finish(BootStatus::kPending, kCodeDeadline,
           std::string(why) + (last_line_.empty() ? std::string() : "; last console line: " + last_line_));
  }
  kill_now();
}

std::optional<double> QemuVm::seconds_to_outcome() const {
  if (!final_ || !outcome_.timeline.power_on || !outcome_.timeline.done) return std::nullopt;
  return sim::to_seconds(*outcome_.timeline.done - *outcome_.timeline.power_on);
}

void QemuVm::reap_blocking() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

void QemuVm::cleanup() {
  reap_blocking();
  if (deadline_event_) clock_.cancel(*deadline_event_);
  if (poll_event_) clock_.cancel(*poll_event_);
  if (console_fd_ >= 0) {
    clock_.unwatch(console_watch_);
    ::close(console_fd_);
    console_fd_ = -1;
  }
  if (pid_fd_ >= 0) {
    clock_.unwatch(pid_watch_);
    ::close(pid_fd_);
    pid_fd_ = -1;
  }
  if (serial_log_fd_ >= 0) {
    ::close(serial_log_fd_);
    serial_log_fd_ = -1;
  }
  port_.reset();
  if (dir_.empty()) return;
  if (!keep_dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(keep_dir_, ec);
    std::string prefix = keep_dir_ + "/" + outcome_.name + ".";
    copy_file(dir_ + "/console.log", prefix + "console.log");
    copy_file(dir_ + "/qemu.log", prefix + "qemu.log");
    std::string cmd;
    for (const auto& a : argv_) cmd += (cmd.empty() ? "" : " ") + a;
    int fd = ::open((prefix + "command").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      write_all(fd, cmd + "\n");
      ::close(fd);
    }
  }
  remove_tree(dir_);
  dir_.clear();
}

QemuVm::~QemuVm() { cleanup(); }

}  // namespace pxelab::client::qemu
