// The real `lightwell serve` in a child process, for black-box integration tests: a private
// temporary directory (state dir, generated config, HOME/XDG dirs), a free base port, the
// server's stdout+stderr in a log file (never a pipe that could fill up and stall it),
// readiness by polling GET /serverinfo over HTTP, and the CLI (`lightwell pair`, `clients …`)
// run against the same state directory.
//
// Only the pids this object started are ever signalled. The destructor SIGKILLs a server
// still running and removes the temporary directory.
// Thread rules: one thread at a time (a test may call enter_pin() while another thread waits
// in a client's phase 1; enter_pin does not touch the server process state).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gamestream_client.hpp"

namespace lightwell::test {

// $LIGHTWELL_BINARY, else <build>/server/lightwell next to <build>/tests/<this test binary>.
std::filesystem::path lightwell_binary_path();

struct CliResult {
  std::optional<int> exit_code;  // nullopt: killed after the timeout
  std::string output;            // stdout + stderr
  std::string describe() const;
};

struct LightwellOptions {
  std::string server_name = "Lightwell Test";
  std::string log_level = "debug";
  // [audio] source: the test tone by default, so tests that check tones need no PipeWire;
  // "pipewire" with `environment` pointing at a PipeWireFixture (issue 6).
  std::string audio_source = "test-tone";
  // [video] capture: the test pattern by default, so tests that check the pattern do not
  // stream a developer's real screen ("auto" would pick KMS where a CRTC is lit); "kms" in
  // the guest streaming test (docs/capture-kms.md).
  std::string capture = "test-pattern";
  // More keys of [video], one "key = value" per line (the generated file has that table).
  std::string video_config;
  std::vector<std::string> environment;  // extra NAME=value for the server process
  std::string extra_config;  // appended verbatim to the generated TOML
  // [network] bind_addresses and the address tests reach the server at (readiness, address()).
  std::string bind_address = "127.0.0.1";
  // A network namespace file (/proc/<pid>/ns/net, /run/netns/<name>) the server joins before
  // exec; empty: the test's own. The fault tests (tests/faults, docs/testing-faults.md) put the
  // server behind a veth link they can drop packets on.
  std::string network_namespace;
  bool web_ui = false;       // [network] web_ui: the web page on base+1 (docs/web.md)
};

class LightwellProcess {
 public:
  explicit LightwellProcess(LightwellOptions options = {});
  ~LightwellProcess();
  LightwellProcess(const LightwellProcess&) = delete;
  LightwellProcess& operator=(const LightwellProcess&) = delete;

  // Starts serve and waits until HTTP /serverinfo answers status_code 200; if a port was
  // taken meanwhile (the server says "Address already in use"), moves to fresh ports (read
  // the port accessors after start) and tries again, up to 4 times. Throws
  // std::runtime_error (with the log) if it exits or does not answer within ready_timeout
  // (the first start generates an RSA key).
  void start(std::chrono::milliseconds ready_timeout = std::chrono::milliseconds(20'000));
  // SIGTERM and wait; the exit status (or -signal), nullopt if still running at the timeout.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));
  bool running();

  // Everything the server logged, all runs (each run starts with a "=== lightwell serve" line).
  std::string log() const;
  // `lightwell <args> --config <cfg> --state-dir <dir>`.
  CliResult cli(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) const;
  // The same with `input` as its standard input (a pipe, so not a terminal).
  CliResult cli_with_input(std::vector<std::string> args, const std::string& input,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) const;
  // `lightwell pair PIN [--name NAME]`, retried while the server says no attempt is pending
  // yet (the client's phase 1 may still be on its way), until within.
  CliResult enter_pin(const std::string& pin, const std::string& name,
                      std::chrono::milliseconds within = std::chrono::milliseconds(10'000)) const;

  std::uint16_t base_port() const noexcept { return base_port_; }
  std::uint16_t http_port() const noexcept { return base_port_; }
  std::uint16_t https_port() const noexcept { return static_cast<std::uint16_t>(base_port_ - 5); }
  std::uint16_t rtsp_port() const noexcept { return static_cast<std::uint16_t>(base_port_ + 21); }
  std::uint16_t web_port() const noexcept { return static_cast<std::uint16_t>(base_port_ + 1); }
  HostAddress address() const { return HostAddress{options_.bind_address, http_port(), https_port()}; }
  const std::filesystem::path& dir() const noexcept { return dir_; }
  std::filesystem::path state_dir() const { return dir_ / "state"; }
  std::filesystem::path config_file() const { return dir_ / "lightwell.toml"; }
  pid_t pid() const noexcept { return pid_; }

  // Log + a header, for INFO()/FAIL() messages.
  std::string diagnostics() const;

 private:
  std::vector<std::string> environment() const;
  void write_config() const;
  void start_once(std::chrono::milliseconds ready_timeout);
  CliResult run_cli(std::vector<std::string> args, const std::string* input, std::chrono::milliseconds timeout) const;
  LightwellOptions options_;
  std::filesystem::path dir_;
  std::uint16_t base_port_ = 0;
  pid_t pid_ = -1;
  int runs_ = 0;
};

}  // namespace lightwell::test
