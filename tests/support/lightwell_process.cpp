// See lightwell_process.hpp. Every wait is bounded by a deadline.
#include "lightwell_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace lightwell::test {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Can we bind this port right now (any address, like a server binding all interfaces)?
bool port_free(int type, std::uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The kernel's ephemeral range (ip_local_port_range): every outgoing connection of every
// parallel test takes a port from it, so a base port picked there can be taken between
// the check below and the server's bind (seen in CI: "bind: Address already in use").
std::pair<int, int> ephemeral_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 32768, hi = 60999;
  in >> lo >> hi;
  return {lo, hi};
}

// A random base port P whose derived ports (protocol README "Ports": P-5 .. P+21) are all
// free and outside the ephemeral range, so parallel runs of the suite do not collide.
// Racy by nature (another process may bind in between): start() retries on EADDRINUSE.
std::uint16_t pick_base_port() {
  const auto [eph_lo, eph_hi] = ephemeral_range();
  // Below the ephemeral range when there is room (the Linux default leaves 1024..32767),
  // else above it.
  const int lo = eph_lo - 21 > 10000 ? 10000 : eph_hi + 6;
  const int hi = eph_lo - 21 > 10000 ? eph_lo - 22 : 65535 - 21;
  if (lo > hi) throw std::runtime_error("no port range outside the ephemeral ports");
  std::random_device rd;
  std::uniform_int_distribution<int> dist(lo, hi);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto p = static_cast<std::uint16_t>(dist(rd));
    auto at = [p](int offset) { return static_cast<std::uint16_t>(p + offset); };
    if (port_free(SOCK_STREAM, at(-5)) && port_free(SOCK_STREAM, at(0)) && port_free(SOCK_STREAM, at(1)) &&
        port_free(SOCK_STREAM, at(21)) && port_free(SOCK_DGRAM, at(9)) && port_free(SOCK_DGRAM, at(10)) &&
        port_free(SOCK_DGRAM, at(11)) && port_free(SOCK_DGRAM, at(21))) {
      return p;
    }
  }
  throw std::runtime_error("no free base port found");
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct CStrings {
  explicit CStrings(const std::vector<std::string>& v) : strings(v) {
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
};

}  // namespace

std::filesystem::path lightwell_binary_path() {
  if (const char* env = std::getenv("LIGHTWELL_BINARY")) return env;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "server" / "lightwell";
}

std::string CliResult::describe() const {
  return "exit " + (exit_code ? std::to_string(*exit_code) : std::string("(timed out)")) + ", output:\n" + output;
}

LightwellProcess::LightwellProcess(LightwellOptions options) {
  std::string templ = (std::filesystem::temp_directory_path() / "lightwell-it-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  base_port_ = pick_base_port();
  options_ = std::move(options);
  write_config();
}

void LightwellProcess::write_config() const {
  std::ofstream cfg(config_file(), std::ios::trunc);
  cfg << "[server]\nname = \"" << options_.server_name << "\"\nbase_port = " << base_port_ << "\nlog_level = \""
      << options_.log_level << "\"\n"
      << "[network]\nbind_addresses = [\"" << options_.bind_address << "\"]\nweb_ui = " << (options_.web_ui ? "true" : "false") << "\n"
      << "[audio]\nsource = \"" << options_.audio_source << "\"\n"
      << "[video]\ncapture = \"" << options_.capture << "\"\n"
      << options_.video_config << options_.extra_config;
}

LightwellProcess::~LightwellProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> LightwellProcess::environment() const {
  // Nothing from the developer's session (XDG_RUNTIME_DIR, a real config) leaks in.
  std::vector<std::string> env = {"HOME=" + (dir_ / "home").string(), "XDG_CONFIG_HOME=" + (dir_ / "config").string(),
                                  "XDG_STATE_HOME=" + (dir_ / "xdg-state").string(), "PATH=/usr/bin:/bin"};
  env.insert(env.end(), options_.environment.begin(), options_.environment.end());
  return env;
}

void LightwellProcess::start(std::chrono::milliseconds ready_timeout) {
  // A port taken between pick_base_port() and the server's bind is the one start-up failure
  // that is the harness's fault, not the server's: move to new ports and try again.
  for (int attempt = 1;; ++attempt) {
    const std::size_t log_before = log().size();
    try {
      start_once(ready_timeout);
      return;
    } catch (const std::runtime_error&) {
      const bool port_taken = !running() && log().find("Address already in use", log_before) != std::string::npos;
      if (!port_taken || attempt == 4) throw;
      base_port_ = pick_base_port();
      write_config();
    }
  }
}

void LightwellProcess::start_once(std::chrono::milliseconds ready_timeout) {
  if (pid_ > 0) throw std::runtime_error("lightwell serve already running");
  const auto binary = lightwell_binary_path();
  if (!std::filesystem::exists(binary)) throw std::runtime_error("no lightwell binary at " + binary.string());
  const auto log_path = dir_ / "serve.log";
  {
    std::ofstream log(log_path, std::ios::app);
    log << "=== lightwell serve, run " << ++runs_ << ", base port " << base_port_ << " ===\n";
  }
  CStrings argv({binary.string(), "serve", "--config", config_file().string(), "--state-dir", state_dir().string()});
  CStrings envp(environment());
  const std::string log_name = log_path.string();
  int netns_fd = -1;
  if (!options_.network_namespace.empty()) {
    netns_fd = ::open(options_.network_namespace.c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) throw std::runtime_error("cannot open network namespace " + options_.network_namespace);
  }
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    if (netns_fd >= 0) ::close(netns_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec (the test may have threads).
    // The server dies with the test process (a killed test must not leave servers behind).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) ::_exit(124);
    const int fd = ::open(log_name.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) ::_exit(126);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execve(argv.pointers[0], argv.pointers.data(), envp.pointers.data());
    ::_exit(127);
  }
  if (netns_fd >= 0) ::close(netns_fd);
  const auto deadline = Clock::now() + ready_timeout;
  for (;;) {
    if (!running()) throw std::runtime_error("lightwell serve exited during start-up\n" + diagnostics());
    const HttpReply r = http_get(options_.bind_address, http_port(), "/serverinfo?uniqueid=0123456789ABCDEF", 1000ms);
    if (r.ok() && parse_xml(r.body).status_code == 200) return;
    if (Clock::now() >= deadline) {
      throw std::runtime_error("lightwell serve did not answer /serverinfo within " +
                               std::to_string(ready_timeout.count()) + " ms (last: " +
                               (r.ok() ? r.body : r.transport_error) + ")\n" + diagnostics());
    }
    std::this_thread::sleep_for(50ms);
  }
}

bool LightwellProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::optional<int> LightwellProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

std::string LightwellProcess::log() const { return read_file(dir_ / "serve.log"); }

std::string LightwellProcess::diagnostics() const {
  return "---- lightwell serve log (" + (dir_ / "serve.log").string() + ") ----\n" + log() + "---- end of log ----\n";
}

CliResult LightwellProcess::cli(std::vector<std::string> args, std::chrono::milliseconds timeout) const {
  return run_cli(std::move(args), nullptr, timeout);
}

CliResult LightwellProcess::cli_with_input(std::vector<std::string> args, const std::string& input,
                                           std::chrono::milliseconds timeout) const {
  return run_cli(std::move(args), &input, timeout);
}

CliResult LightwellProcess::run_cli(std::vector<std::string> args, const std::string* input,
                                    std::chrono::milliseconds timeout) const {
  std::vector<std::string> full{lightwell_binary_path().string()};
  full.insert(full.end(), args.begin(), args.end());
  for (const std::string& opt : {std::string("--config"), config_file().string(), std::string("--state-dir"),
                                 state_dir().string()}) {
    full.push_back(opt);
  }
  // Options after a `--` would be arguments: put ours first in that case.
  if (std::find(args.begin(), args.end(), "--") != args.end()) {
    full = {lightwell_binary_path().string(), "--config", config_file().string(), "--state-dir", state_dir().string()};
    full.insert(full.end(), args.begin(), args.end());
  }
  CStrings argv(full);
  CStrings envp(environment());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int in_fds[2] = {-1, -1};
  if (input != nullptr && ::pipe2(in_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (input != nullptr) ::dup2(in_fds[0], 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execve(argv.pointers[0], argv.pointers.data(), envp.pointers.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (input != nullptr) {
    // Small inputs (a password line) fit in the pipe buffer: written at once, then EOF.
    ::close(in_fds[0]);
    const ssize_t written = ::write(in_fds[1], input->data(), input->size());
    (void)written;
    ::close(in_fds[1]);
  }
  CliResult result;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the command is done
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  return result;
}

CliResult LightwellProcess::enter_pin(const std::string& pin, const std::string& name,
                                      std::chrono::milliseconds within) const {
  std::vector<std::string> args{"pair", pin};
  if (!name.empty()) {
    args.push_back("--name");
    args.push_back(name);
  }
  const auto deadline = Clock::now() + within;
  for (;;) {
    CliResult r = cli(args);
    // docs/cli.md: "no pairing attempt pending" while no client is pairing yet.
    const bool not_yet = r.exit_code == 1 && r.output.find("no pairing attempt pending") != std::string::npos;
    if (!not_yet || Clock::now() >= deadline) return r;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace lightwell::test
