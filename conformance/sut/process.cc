#include "conformance/sut/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace pxelab::sut {

namespace {

Error sys_error(const std::string& what) { return Error{"", 0, what + ": " + std::strerror(errno)}; }

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<std::string> full_argv(const ProcessSpec& spec) {
  std::vector<std::string> argv;
  if (!spec.netns.empty()) argv = {"ip", "netns", "exec", spec.netns};
  argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
  return argv;
}

// Waits up to `timeout_s` for `pid` to exit; the status if it did.
std::optional<int> wait_for(pid_t pid, double timeout_s) {
  const double end = now_s() + timeout_s;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more: nothing to wait for
    if (now_s() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

Result<Process> Process::start(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return Error{"", 0, spec.name + ": no command"};
  std::vector<std::string> argv = full_argv(spec);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int log_fd = spec.log_path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                                     : ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return sys_error(spec.name + ": open log " + spec.log_path);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return sys_error(spec.name + ": fork");
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // pxelab killed: its SUT dies with it
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) ::_exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // pxelab blocks SIGTERM/SIGINT for its signalfd
    ::execvp(cargv[0], cargv.data());
    static constexpr char kMsg[] = "pxelab: exec failed\n";
    // In the forked child before _exit: stderr is the process's log, nothing else can report.
    static_cast<void>(::write(2, kMsg, sizeof kMsg - 1));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with a stop() right after start
  ::close(log_fd);
  return Process(spec, pid);
}

Process::Process(Process&& other) noexcept
    : spec_(std::move(other.spec_)), pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) stop(SIGKILL, 1);
    spec_ = std::move(other.spec_);
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
  }
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !status_) stop(SIGKILL, 2);
}

std::optional<int> Process::poll() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    ::kill(-pid_, SIGKILL);  // anything it left in its group goes with it
  }
  return status_;
}

int Process::stop(int sig, double grace_s) {
  if (poll()) {
    ::kill(-pid_, SIGKILL);
    return *status_;
  }
  ::kill(-pid_, sig);
  std::optional<int> st = wait_for(pid_, grace_s);
  ::kill(-pid_, SIGKILL);  // the leader may have gone with children left behind
  if (!st) st = wait_for(pid_, 5);
  status_ = st.value_or(0);
  return *status_;
}

bool Completed::succeeded() const { return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

Result<Completed> run_to_completion(ProcessSpec spec, double timeout_s) {
  char tmpl[] = "/tmp/pxelab-cmd-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) return sys_error(spec.name + ": temporary output file");
  ::close(fd);
  const std::string keep_log = spec.log_path;
  spec.log_path = tmpl;
  auto p = Process::start(spec);
  if (!p) {
    ::unlink(tmpl);
    return p.error();
  }
  Completed c;
  std::optional<int> st = wait_for(p->pid(), timeout_s);
  if (!st) {
    c.timed_out = true;
    c.status = p->stop(SIGKILL, 1);
  } else {
    c.status = *st;
    p->stop(SIGKILL, 0);  // reaped already; kills what it left in its group
  }
  std::ifstream in(tmpl, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  c.output = ss.str();
  if (c.output.size() > 64 * 1024) c.output.erase(0, c.output.size() - 64 * 1024);
  ::unlink(tmpl);
  if (!keep_log.empty()) {
    std::ofstream log(keep_log, std::ios::app | std::ios::binary);
    log << "$";
    for (const auto& a : spec.argv) log << ' ' << a;
    log << '\n' << c.output << "# " << (c.timed_out ? "timed out" : describe_wait_status(c.status)) << '\n';
  }
  return c;
}

std::string tail_lines(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > n) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace pxelab::sut
