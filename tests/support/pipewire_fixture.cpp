// See pipewire_fixture.hpp. Start-up order and facts from issue 6 (measured on Debian
// PipeWire 0.3.65 / WirePlumber 0.4.13): WirePlumber exits without a session bus; pipewire
// exits at once without XDG_RUNTIME_DIR; clients hang without a session manager, so every
// client runs under a timeout.
#include "pipewire_fixture.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace lightwell::test {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

bool on_path(const char* name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const auto key = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const auto& o : overrides) replaced = replaced || o.rfind(key, 0) == 0;
    if (!replaced) env.push_back(std::move(entry));
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Forks a child in its own session (so its whole group can be killed) with `env`, stdout to
// `stdout_fd` (or the log file), stderr to `stderr_path`. Returns the pid (or -1).
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, int stdout_fd,
            const fs::path& stderr_path) {
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  const int err_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Dies with the thread that spawned it (the test, or run_client's waiting thread), so a
    // killed test leaves no daemons behind (PR_SET_PDEATHSIG, prctl(2)).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    ::setsid();
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (err_fd >= 0) ::dup2(err_fd, 2);
    ::dup2(stdout_fd >= 0 ? stdout_fd : (err_fd >= 0 ? err_fd : 2), 1);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  if (err_fd >= 0) ::close(err_fd);
  return pid;
}

// Waits for pid to exit until deadline; returns its status or nullopt-like -1 on timeout.
int wait_until(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (Clock::now() >= deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void kill_group_and_reap(pid_t pid) {
  ::kill(-pid, SIGTERM);
  if (wait_until(pid, Clock::now() + std::chrono::seconds(3)) == -2) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  ::kill(-pid, SIGKILL);  // stragglers the daemon forked into its group
}

std::string null_sink_dropin(const PipeWireFixtureOptions& o) {
  std::ostringstream s;
  s << "context.objects = [\n"
       "  { factory = adapter\n"
       "    args = {\n"
       "      factory.name = support.null-audio-sink\n"
       "      node.name = \"" << o.sink_name << "\"\n"
       "      node.description = \"Lightwell test sink\"\n"
       "      media.class = Audio/Sink\n"
       "      audio.rate = 48000\n"
       "      audio.position = [ " << o.sink_positions << " ]\n"
       "      object.linger = true\n"
       "      monitor.channel-volumes = true\n"
       "    }\n"
       "  }\n"
       "]\n";
  return s.str();
}

std::string tail(const fs::path& p) {
  std::ifstream in(p);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 600 ? all.substr(all.size() - 600) : all;
}

}  // namespace

bool PipeWireFixture::available() {
  return on_path("dbus-daemon") && on_path("pipewire") && on_path("wireplumber") &&
         on_path("pw-metadata") && on_path("pw-play") && on_path("pw-cli");
}

PipeWireFixture::PipeWireFixture(PipeWireFixtureOptions options) : options_(std::move(options)) {
  std::string templ = (fs::temp_directory_path() / "lightwell-pw-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("pipewire fixture: mkdtemp failed");
  root_ = templ;  // mkdtemp creates it 0700
  runtime_dir_ = root_ / "run";
  config_dir_ = root_ / "config";
  fs::create_directories(runtime_dir_);
  fs::create_directories(config_dir_ / "pipewire" / "pipewire.conf.d");
  fs::permissions(runtime_dir_, fs::perms::owner_all, fs::perm_options::replace);
  std::ofstream(config_dir_ / "pipewire" / "pipewire.conf.d" / "50-lightwell-null-sink.conf")
      << null_sink_dropin(options_);

  try {
    const auto bus = runtime_dir_ / "bus";
    pids_.push_back(spawn_daemon({"dbus-daemon", "--session", "--nofork", "--nopidfile",
                                  "--address=unix:path=" + bus.string()},
                                 root_ / "dbus.log"));
    auto wait_for = [&](const fs::path& p, const char* what) {
      const auto deadline = Clock::now() + options_.step_timeout;
      while (!fs::exists(p)) {
        if (Clock::now() >= deadline)
          throw std::runtime_error(std::string("pipewire fixture: timed out waiting for ") + what);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    };
    wait_for(bus, "the session bus socket");
    start_pipewire_and_session_manager(false);
  } catch (const std::exception& e) {
    const std::string logs = log_tails();
    stop();
    throw std::runtime_error(std::string(e.what()) + "\n" + logs);
  }
}

PipeWireFixture::~PipeWireFixture() { stop(); }

void PipeWireFixture::start_pipewire_and_session_manager(bool any_default) {
  const auto socket = runtime_dir_ / "pipewire-0";
  const auto socket_deadline = Clock::now() + options_.step_timeout;
  pids_.push_back(spawn_daemon({"pipewire"}, root_ / "pipewire.log"));
  // After a crash the old socket file may still be there; pipewire replaces it, so wait for a
  // connectable socket rather than for the file.
  while (run_client({"pw-cli", "info", "0"}, std::chrono::milliseconds(2000)) != 0) {
    if (Clock::now() >= socket_deadline)
      throw std::runtime_error("pipewire fixture: timed out waiting for the pipewire socket " + socket.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pids_.push_back(spawn_daemon({"wireplumber"}, root_ / "wireplumber.log"));
  const auto deadline = Clock::now() + options_.step_timeout;
  // After a restart a client (Lightwell's virtual sink) may already have claimed the default.
  for (;;) {
    const std::string sink = default_sink(options_.step_timeout);
    if (any_default ? !sink.empty() : sink == options_.sink_name) break;
    if (Clock::now() >= deadline)
      throw std::runtime_error("pipewire fixture: default sink was not set in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void PipeWireFixture::restart_pipewire() {
  // pids_ = {dbus, pipewire, wireplumber}: kill like a crash, newest first.
  while (pids_.size() > 1) {
    const pid_t pid = pids_.back();
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pids_.pop_back();
  }
  try {
    start_pipewire_and_session_manager(true);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + "\n" + log_tails());
  }
}

pid_t PipeWireFixture::spawn_daemon(const std::vector<std::string>& argv, const fs::path& log) {
  const pid_t pid = spawn(argv, client_environment(), -1, log);
  if (pid < 0) throw std::runtime_error("pipewire fixture: fork failed for " + argv[0]);
  // A daemon that dies at once (missing runtime dir, no bus) is reported now, not as a timeout.
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return pid;
}

void PipeWireFixture::stop() noexcept {
  // Reverse order: session manager, then pipewire, then the bus.
  for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) kill_group_and_reap(*it);
  pids_.clear();
  std::error_code ec;
  if (!root_.empty()) fs::remove_all(root_, ec);
}

std::string PipeWireFixture::log_tails() const {
  return "dbus: " + tail(root_ / "dbus.log") + "\npipewire: " + tail(root_ / "pipewire.log") +
         "\nwireplumber: " + tail(root_ / "wireplumber.log");
}

std::vector<std::string> PipeWireFixture::client_environment() const {
  return merged_environment({"XDG_RUNTIME_DIR=" + runtime_dir_.string(),
                             "PIPEWIRE_RUNTIME_DIR=" + runtime_dir_.string(),
                             "XDG_CONFIG_HOME=" + config_dir_.string(),
                             // WirePlumber keeps its state (the configured default sink) here;
                             // never in the developer's own ~/.local/state.
                             "XDG_STATE_HOME=" + (root_ / "state").string(),
                             "DBUS_SESSION_BUS_ADDRESS=unix:path=" + (runtime_dir_ / "bus").string()});
}

int PipeWireFixture::run_client(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                std::string* out) const {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  const pid_t pid = spawn(argv, client_environment(), fds[1], root_ / "clients.log");
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return -1;
  }
  const auto deadline = Clock::now() + timeout;
  std::string text;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the client closed stdout (exited)
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = wait_until(pid, deadline);
  if (status < 0) {
    kill_group_and_reap(pid);
    status = -1;
  }
  if (out != nullptr) *out += text;
  return status;
}

std::string PipeWireFixture::default_sink(std::chrono::milliseconds timeout) const {
  std::string out;
  if (run_client({"pw-metadata", "-n", "default", "0", "default.audio.sink"}, timeout, &out) != 0)
    return {};
  // The value is JSON: {"name":"<sink>"}
  const std::string key = "\"name\":\"";
  const auto at = out.find(key);
  if (at == std::string::npos) return {};
  const auto end = out.find('"', at + key.size());
  return end == std::string::npos ? std::string{} : out.substr(at + key.size(), end - at - key.size());
}

}  // namespace lightwell::test
