// A private, headless PipeWire for tests (issue 6): a session D-Bus, `pipewire` and
// `wireplumber` in a fresh 0700 XDG_RUNTIME_DIR / XDG_CONFIG_HOME, with one null sink declared
// in a pipewire.conf.d drop-in. No sound card is needed. See docs/audio-pipewire.md.
//
// Ownership: the fixture owns its temp directory and the three daemons it starts; the
// destructor kills exactly those process groups (each daemon is started in its own session)
// and removes the directory. It never touches any other PipeWire on the machine.
// Threads: construct, use and destroy on one thread. The constructor throws
// std::runtime_error (with the daemons' log tails) if a step does not finish in time.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lightwell::test {

struct PipeWireFixtureOptions {
  std::string sink_name = "lightwell-test-sink";
  // Positions of the null sink: 7.1 so stereo and 5.1 streams fit too.
  std::string sink_positions = "FL FR FC LFE RL RR SL SR";
  std::chrono::milliseconds step_timeout{10000};  // per start-up step
};

class PipeWireFixture {
 public:
  explicit PipeWireFixture(PipeWireFixtureOptions options = {});
  ~PipeWireFixture();
  PipeWireFixture(const PipeWireFixture&) = delete;
  PipeWireFixture& operator=(const PipeWireFixture&) = delete;

  // True when the daemons this fixture needs are installed (tests skip otherwise).
  static bool available();

  const std::filesystem::path& runtime_dir() const noexcept { return runtime_dir_; }
  const std::string& sink_name() const noexcept { return options_.sink_name; }
  // "NAME=value" environment for clients of this PipeWire (the caller's environment with
  // XDG_RUNTIME_DIR, PIPEWIRE_RUNTIME_DIR, XDG_CONFIG_HOME, DBUS_SESSION_BUS_ADDRESS replaced).
  std::vector<std::string> client_environment() const;
  // Runs a client (e.g. pw-play) in client_environment(), killing its process group after
  // `timeout` (clients can hang when the graph is incomplete). Returns the exit status, or -1
  // on timeout / failure to start. stdout is appended to *out when given.
  int run_client(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                 std::string* out = nullptr) const;
  // The default sink name as the session manager set it ("" when unset or on timeout).
  std::string default_sink(std::chrono::milliseconds timeout) const;
  // Stops pipewire and wireplumber (SIGKILL, like a crash) and starts them again on the same
  // runtime directory; returns once the session manager has set a default sink again (any
  // sink: a client may have claimed it already). The
  // session bus stays. Clients connected before see their connection end.
  void restart_pipewire();
  // Pids of the daemons (dbus-daemon, pipewire, wireplumber), for tests.
  const std::vector<pid_t>& daemon_pids() const noexcept { return pids_; }

 private:
  pid_t spawn_daemon(const std::vector<std::string>& argv, const std::filesystem::path& log);
  void start_pipewire_and_session_manager(bool any_default);
  void stop() noexcept;
  std::string log_tails() const;

  PipeWireFixtureOptions options_;
  std::filesystem::path root_;
  std::filesystem::path runtime_dir_;
  std::filesystem::path config_dir_;
  std::vector<pid_t> pids_;
};

}  // namespace lightwell::test
