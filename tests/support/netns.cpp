// See netns.hpp. Every step that can fail throws with the command's own output, and a
// half-built link is torn down before the exception leaves the constructor.
#include "netns.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace lightwell::test {

namespace {

struct CStrings {
  explicit CStrings(const std::vector<std::string>& v) : strings(v) {
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
};

std::string describe(const std::vector<std::string>& argv, const CommandOutput& out) {
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  return "`" + line + "` exited " + std::to_string(out.exit_code) + ": " + out.output;
}

CommandOutput must(const std::vector<std::string>& argv, int netns_fd = -1, std::string_view in = {}) {
  CommandOutput out = run_command(argv, netns_fd, in);
  if (out.exit_code != 0) throw std::runtime_error("netns: " + describe(argv, out));
  return out;
}

bool on_path(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    if (::access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace

CommandOutput run_command(const std::vector<std::string>& argv, int netns_fd, std::string_view stdin_text) {
  CommandOutput result;
  int out_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  CStrings args(argv);
  // PATH for execvp must include the sbin directories where ip and nft live.
  static const char* kPath = "PATH=/usr/sbin:/sbin:/usr/bin:/bin";
  char* envp[] = {const_cast<char*>(kPath), nullptr};
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Async-signal-safe only (the test has threads).
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) ::_exit(126);
    ::execvpe(args.pointers[0], args.pointers.data(), envp);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(in_pipe[0]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(in_pipe[1]);
    return result;
  }
  // The scripts are small (a few hundred bytes, below the pipe buffer): write, then read.
  std::size_t done = 0;
  while (done < stdin_text.size()) {
    const ssize_t n = ::write(in_pipe[1], stdin_text.data() + done, stdin_text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(in_pipe[1]);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return result;
}

std::optional<std::string> VethLink::unavailable_reason() {
  if (::geteuid() != 0) return std::string("not root (network namespaces, veth and nftables need CAP_SYS_ADMIN/CAP_NET_ADMIN)");
  if (!on_path("ip")) return std::string("no `ip` command (Debian package iproute2)");
  if (!on_path("nft")) return std::string("no `nft` command (Debian package nftables)");
  return std::nullopt;
}

VethLink::VethLink() {
  if (auto why = unavailable_reason()) throw std::runtime_error("netns: " + *why);
  original_ns_fd_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_ns_fd_ < 0) throw std::runtime_error(std::string("netns: open own namespace: ") + std::strerror(errno));
  try {
    // The server side: a child that unshares its network namespace and waits to be killed.
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("netns: pipe failed");
    const pid_t parent = ::getpid();
    holder_ = ::fork();
    if (holder_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      const char ok = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
      (void)!::write(ready[1], &ok, 1);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    char ok = 'n';
    const bool got = holder_ > 0 && ::read(ready[0], &ok, 1) == 1;
    ::close(ready[0]);
    if (!got || ok != 'y') throw std::runtime_error("netns: the server namespace could not be created (unshare)");
    server_ns_fd_ = ::open(server_namespace_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (server_ns_fd_ < 0) throw std::runtime_error("netns: open " + server_namespace_path());

    // The client side: this thread (and the threads it starts from now on).
    if (::unshare(CLONE_NEWNET) != 0) throw std::runtime_error(std::string("netns: unshare: ") + std::strerror(errno));
    must({"ip", "link", "set", "lo", "up"});
    must({"ip", "link", "add", kClientDevice, "type", "veth", "peer", "name", kServerDevice, "netns",
          std::to_string(holder_)});
    must({"ip", "addr", "add", std::string(kClientIp) + "/24", "dev", kClientDevice});
    must({"ip", "link", "set", kClientDevice, "up"});
    must({"ip", "link", "set", "lo", "up"}, server_ns_fd_);
    must({"ip", "addr", "add", std::string(kServerIp) + "/24", "dev", kServerDevice}, server_ns_fd_);
    must({"ip", "link", "set", kServerDevice, "up"}, server_ns_fd_);
    // nf_tables must work in the new namespaces (a kernel without it fails here, clearly).
    nft_server("add table inet lwf_probe\ndelete table inet lwf_probe\n");
  } catch (...) {
    teardown();
    throw;
  }
}

VethLink::~VethLink() { teardown(); }

void VethLink::teardown() noexcept {
  if (holder_ > 0) {
    ::kill(holder_, SIGKILL);
    ::waitpid(holder_, nullptr, 0);
    holder_ = -1;
  }
  if (server_ns_fd_ >= 0) ::close(server_ns_fd_);
  server_ns_fd_ = -1;
  if (original_ns_fd_ >= 0) {
    // Back where the thread came from; the client namespace goes with its last socket.
    (void)::setns(original_ns_fd_, CLONE_NEWNET);
    ::close(original_ns_fd_);
    original_ns_fd_ = -1;
  }
}

std::string VethLink::server_namespace_path() const { return "/proc/" + std::to_string(holder_) + "/ns/net"; }

void VethLink::nft_server(std::string_view script) const { must({"nft", "-f", "-"}, server_ns_fd_, script); }

void VethLink::nft_client(std::string_view script) const { must({"nft", "-f", "-"}, -1, script); }

CommandOutput VethLink::run_in_server(const std::vector<std::string>& argv) const {
  return run_command(argv, server_ns_fd_);
}

}  // namespace lightwell::test
