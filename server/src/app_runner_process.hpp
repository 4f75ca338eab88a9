// Process primitives of the app runner (app_runner.hpp): spawn a command in its own session,
// wait for it through its pidfd with a deadline, end its process group, reap it. No asio
// here; every wait is bounded. Internal to lightwell_server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lightwell::server::process {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// A spawned, not yet reaped child. Its pid is also its process group id and session id.
struct Child {
  pid_t pid = -1;
  UniqueFd pidfd;  // readable once the child has exited (pidfd_open(2))
};

// Spawns argv (execvp semantics: argv[0] without '/' is looked up in PATH) with posix_spawnp:
// new session (setsid), stdin /dev/null, stdout and stderr to our stderr, fds >= 3 closed
// (close_range, so descriptors libraries opened without O_CLOEXEC do not leak), every signal
// at its default action, empty signal mask, `dir` as working directory unless empty, `env`
// ("KEY=value") as the whole environment. Returns the error text on failure (nothing runs).
std::optional<std::string> spawn(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                                 const std::vector<std::string>& env, Child& out);

// True once the process behind `pidfd` has exited, waiting at most `timeout` (0: just look).
bool wait_exit(int pidfd, std::chrono::milliseconds timeout);

// Reaps an exited child (blocks only if it has not exited). Returns its wait status, or
// nullopt if someone else reaped it (SIGCHLD ignored).
std::optional<int> reap(pid_t pid);

// "exit code 0", "killed by SIGKILL", "status unknown".
std::string describe(std::optional<int> wait_status);

// True while a process other than a zombie is in process group `pgid` (scans /proc).
bool group_alive(pid_t pgid);

// Ends child `pid` (pidfd `pidfd`) and everything left in its process group: SIGTERM to the group; once `grace`
// has passed with the leader or any member still alive, SIGKILL to the group. Signals are
// sent while the leader is not yet reaped, so its pid (== pgid) cannot have been reused.
// Returns the leader's wait status as from reap(); the pidfd stays open.
std::optional<int> end_group(pid_t pid, int pidfd, std::chrono::milliseconds grace);

// Runs a prep/undo command to completion: spawn, wait at most `timeout` (then SIGKILL its
// group), reap. Returns nullopt when it exited 0, else what went wrong. Processes it left
// in the background (its group) are not touched.
std::optional<std::string> run_to_completion(const std::vector<std::string>& argv,
                                             const std::filesystem::path& dir,
                                             const std::vector<std::string>& env,
                                             std::chrono::milliseconds timeout);

// Checks that argv[0] names an executable file, as execvp would find it: with a '/' relative
// to `dir` (when not absolute), else in $PATH. Returns the problem, or nullopt.
std::optional<std::string> check_program(const std::string& argv0, const std::filesystem::path& dir);

// The command line for logs: arguments joined by spaces, each quoted when it is not plain.
std::string display(const std::vector<std::string>& argv);

}  // namespace lightwell::server::process
