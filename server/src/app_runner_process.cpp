// Process primitives of the app runner: posix_spawnp with every file action done by the C
// library in the child (so nothing that is not async-signal-safe runs between fork and
// exec), pidfd waits with deadlines, process-group termination. See app_runner_process.hpp.
#include "app_runner_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace lightwell::server::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After SIGKILL a process dies at once unless it sleeps uninterruptibly in the kernel; this
// bounds how long we wait for that before giving up on it.
constexpr milliseconds kKillWait{2000};
// Poll step while the leader is gone but other group members still run (no fd to wait on).
constexpr milliseconds kGroupPollStep{10};

std::string errno_text(int err) { return std::strerror(err); }

milliseconds remaining(Clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

void signal_group(pid_t pgid, int sig) {
  // ESRCH: the group is empty already (the leader is a zombie only when unreaped, and then
  // it still counts, so ESRCH means everyone is gone).
  (void)::kill(-pgid, sig);
}

// Waits until the leader has exited and no other member of its group lives, or the deadline.
bool wait_group_gone(pid_t pid, int pidfd, Clock::time_point deadline) {
  for (;;) {
    const bool leader_gone = wait_exit(pidfd, milliseconds(0));
    if (leader_gone && !group_alive(pid)) return true;
    const milliseconds left = remaining(deadline);
    if (left.count() == 0) return false;
    if (!leader_gone) {
      (void)wait_exit(pidfd, std::min(left, milliseconds(50)));  // wakes on exit
    } else {
      std::this_thread::sleep_for(std::min(left, kGroupPollStep));
    }
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> spawn(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                                 const std::vector<std::string>& env, Child& out) {
  if (argv.empty() || argv[0].empty()) return std::string("empty command");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  if (::posix_spawnattr_init(&attr) != 0) return std::string("posix_spawnattr_init failed");
  if (::posix_spawn_file_actions_init(&actions) != 0) {
    ::posix_spawnattr_destroy(&attr);
    return std::string("posix_spawn_file_actions_init failed");
  }
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  int rc = 0;
  // SETSID: own session and process group, so stop() can signal the whole tree and a
  // terminal's signals (Ctrl-C on the server) do not reach the app. SETSIGDEF: the server
  // may ignore signals (SIGPIPE); ignored dispositions would survive exec.
  const short flags = static_cast<short>(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  rc = rc != 0 ? rc : ::posix_spawnattr_setflags(&attr, flags);
  rc = rc != 0 ? rc : ::posix_spawnattr_setsigmask(&attr, &none);
  rc = rc != 0 ? rc : ::posix_spawnattr_setsigdefault(&attr, &all);
  rc = rc != 0 ? rc : ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  rc = rc != 0 ? rc : ::posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  // close_range(3, ~0U) in the child: O_CLOEXEC cannot be relied on for descriptors that
  // libraries (PipeWire, VA-API, OpenSSL, ...) open.
  rc = rc != 0 ? rc : ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!dir.empty()) rc = rc != 0 ? rc : ::posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = -1;
  if (rc == 0) rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) return fmt::format("cannot start {}: {}", argv[0], errno_text(rc));

  // The child is ours and unreaped, so its pid cannot have been reused yet.
  // The raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper does not
  // link from C++.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    const int err = errno;
    signal_group(pid, SIGKILL);
    (void)reap(pid);
    return fmt::format("pidfd_open failed ({}); Linux 5.3 or newer is required", errno_text(err));
  }
  out.pid = pid;
  out.pidfd = UniqueFd(fd);
  return std::nullopt;
}

bool wait_exit(int pidfd, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd p{pidfd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(remaining(deadline).count()));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // a broken pidfd: do not wait forever on it
  }
}

std::optional<int> reap(pid_t pid) {
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, 0);
    if (r == pid) return status;
    if (r < 0 && errno == EINTR) continue;
    return std::nullopt;  // ECHILD: reaped elsewhere (SIGCHLD set to SIG_IGN)
  }
}

std::string describe(std::optional<int> status) {
  if (!status) return "status unknown";
  if (WIFEXITED(*status)) return fmt::format("exit code {}", WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) {
    const char* name = ::sigabbrev_np(WTERMSIG(*status));
    return name != nullptr ? fmt::format("killed by SIG{}", name) : fmt::format("killed by signal {}", WTERMSIG(*status));
  }
  return "status unknown";
}

bool group_alive(pid_t pgid) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return false;
  bool alive = false;
  while (const dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;  // exited meanwhile
    // "pid (comm) S ppid pgrp ...": comm may hold spaces and ')', so parse after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    long pgrp = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3) continue;
    if (pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
}

std::optional<int> end_group(pid_t pid, int pidfd, milliseconds grace) {
  signal_group(pid, SIGTERM);
  if (!wait_group_gone(pid, pidfd, Clock::now() + grace)) {
    signal_group(pid, SIGKILL);
    if (!wait_group_gone(pid, pidfd, Clock::now() + kKillWait) && !wait_exit(pidfd, milliseconds(0))) {
      return std::nullopt;  // stuck in the kernel; do not block the io thread on it
    }
  }
  return reap(pid);
}

std::optional<std::string> run_to_completion(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                                             const std::vector<std::string>& env, milliseconds timeout) {
  Child child;
  if (auto err = spawn(argv, dir, env, child)) return err;
  if (!wait_exit(child.pidfd.get(), timeout)) {
    signal_group(child.pid, SIGKILL);
    if (wait_exit(child.pidfd.get(), kKillWait)) (void)reap(child.pid);
    return fmt::format("did not finish within {} ms (killed)", timeout.count());
  }
  const std::optional<int> status = reap(child.pid);
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return std::nullopt;
  return describe(status);
}

std::optional<std::string> check_program(const std::string& argv0, const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const auto executable = [](const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (argv0.find('/') != std::string::npos) {
    fs::path p(argv0);
    if (p.is_relative() && !dir.empty()) p = dir / p;
    if (executable(p)) return std::nullopt;
    return fmt::format("{}: no such executable file", p.string());
  }
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "/bin:/usr/bin";  // glibc's default
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = path.find(':', begin);
    const std::string entry = path.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    fs::path d = entry.empty() ? fs::path(".") : fs::path(entry);
    if (d.is_relative() && !dir.empty()) d = dir / d;
    if (executable(d / argv0)) return std::nullopt;
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return fmt::format("{}: not found in PATH ({})", argv0, path);
}

std::string display(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             (c != 0 && std::strchr("_./:=@%+,-", c) != nullptr);
    });
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

}  // namespace lightwell::server::process
