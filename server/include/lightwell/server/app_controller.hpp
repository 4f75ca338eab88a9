// What the nvhttp service needs from the app runner (http-pairing.md §7 launch/resume, §8
// cancel): start one app for a stream session, stop it, say what runs. The real one runs
// processes (app_runner.hpp); tests of the HTTP side use a fake.
//
// Security: app commands come only from the operator's configuration and are
// root-equivalent; client-supplied values reach an app only through LaunchEnvironment, as
// environment variables, never spliced into a command line.
// Thread: io thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lightwell/server/config.hpp"

namespace lightwell::server {

// Values from the client's /launch request, exported to the app as LIGHTWELL_CLIENT_* variables.
struct LaunchEnvironment {
  std::uint32_t width_px = 0;
  std::uint32_t height_px = 0;
  std::uint32_t fps = 0;
  std::uint32_t audio_channels = 2;
  bool hdr = false;
  std::string client_name;     // as the client or the operator named it; may be empty
  std::string client_address;  // peer IP address as text
};

class AppController {
 public:
  virtual ~AppController() = default;
  // Runs the app's prep commands, then its detached commands and main command. Returns an
  // error message (for the log and the client's error reply) when it could not start; on
  // error everything already done is undone.
  virtual std::optional<std::string> start(const App& app, const LaunchEnvironment& env) = 0;
  // Stops the running app (process group: SIGTERM, then SIGKILL after a grace period) and
  // runs its undo commands in reverse order. No effect when nothing runs.
  virtual void stop() = 0;
  // The name of the app that runs now, if any. An app whose main process exited on its own
  // no longer runs (its undo commands have run); the Desktop app runs until stopped.
  virtual std::optional<std::string> running_app() const = 0;
};

}  // namespace lightwell::server
