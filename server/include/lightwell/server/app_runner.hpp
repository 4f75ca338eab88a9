// The real AppController: runs the operator's app commands as processes (docs/apps.md).
//
// Security: commands come only from the configuration (root-equivalent) and are executed as
// argv arrays with execvp semantics, never through a shell unless the configuration itself
// wrote "/bin/sh -c" (config.hpp AppCommand). Client values (LaunchEnvironment) reach the
// commands only as LIGHTWELL_* environment variables.
//
// Processes: every command runs in its own session and process group (pgid == pid), stdin
// /dev/null, stdout and stderr to the server's stderr, no file descriptor above 2, default
// signal dispositions and an empty signal mask. The main command's exit is watched through a
// pidfd on the io_context (no thread, no SIGCHLD handler, no waitpid(-1): other children of
// the server are never reaped here). Needs Linux >= 5.3 (pidfd_open).
//
// Blocking: start() waits for the prep commands and stop() for the app to end (at most
// stop_grace, then SIGKILL) and for the undo commands, on the calling (io) thread. That is on
// purpose: /cancel must answer with currentgame already 0 (http-pairing.md §8), and a second
// /launch must see the first app's undo done. Each prep/undo command is bounded by
// prep_timeout.
//
// Thread: io thread only. Ownership: the controller owns the main process and its group;
// detached commands are only reaped, never signalled, and outlive the controller by design.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "lightwell/server/app_controller.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/log.hpp"

namespace lightwell::server {

struct AppRunnerOptions {
  // Working directory of apps whose working_dir is empty (serve passes the state directory);
  // empty: the server's own working directory.
  std::filesystem::path default_working_dir;
  // Each prep "do" and "undo" command must exit within this; it is then SIGKILLed (with its
  // process group) and counts as failed.
  std::chrono::milliseconds prep_timeout{std::chrono::seconds(30)};
  // stop(): SIGTERM to the app's process group, SIGKILL after this.
  std::chrono::milliseconds stop_grace{std::chrono::seconds(5)};

  static AppRunnerOptions from_config(const AppsOptions& apps, std::filesystem::path state_dir);
};

// Names of the variables an app gets (docs/apps.md "Environment").
inline constexpr const char* kEnvClientWidth = "LIGHTWELL_CLIENT_WIDTH";
inline constexpr const char* kEnvClientHeight = "LIGHTWELL_CLIENT_HEIGHT";
inline constexpr const char* kEnvClientFps = "LIGHTWELL_CLIENT_FPS";
inline constexpr const char* kEnvClientAudioChannels = "LIGHTWELL_CLIENT_AUDIO_CHANNELS";
inline constexpr const char* kEnvClientHdr = "LIGHTWELL_CLIENT_HDR";  // "1" or "0"
inline constexpr const char* kEnvClientName = "LIGHTWELL_CLIENT_NAME";
inline constexpr const char* kEnvClientAddress = "LIGHTWELL_CLIENT_ADDRESS";
inline constexpr const char* kEnvAppName = "LIGHTWELL_APP_NAME";

// The environment ("KEY=value" entries) of every command of one launch: `base` (the server's
// environment) minus any LIGHTWELL_CLIENT_* and LIGHTWELL_APP_NAME entries (a stale value
// must not pass for a client's), then the eight variables above. NUL bytes are removed from
// the values (an environment string ends at the first NUL). Pure.
std::vector<std::string> app_environment(const std::vector<std::string>& base, const App& app,
                                         const LaunchEnvironment& env);

// The server's current environment as "KEY=value" entries.
std::vector<std::string> process_environment();

class ProcessAppController final : public AppController {
 public:
  ProcessAppController(boost::asio::io_context& io, Log log, AppRunnerOptions options);
  // Stops the running app (as stop()); detached processes are left running.
  ~ProcessAppController() override;
  ProcessAppController(const ProcessAppController&) = delete;
  ProcessAppController& operator=(const ProcessAppController&) = delete;

  // Order: check the working directory and that every program exists; run each prep "do"
  // (must exit 0 within prep_timeout; on failure the earlier preps' "undo" run in reverse);
  // spawn the detached commands; spawn the main command. Errors name the failing command.
  std::optional<std::string> start(const App& app, const LaunchEnvironment& env) override;
  void stop() override;
  std::optional<std::string> running_app() const override;

  // The running main process (nullopt for an app without a command or when none runs);
  // its process group id equals the pid. For logs and tests.
  std::optional<pid_t> main_pid() const;

 private:
  struct Running;
  struct Detached;

  void watch_main();
  void watch_detached(pid_t pid, int pidfd);
  void run_undo(const Running& run, std::size_t count);
  // Ends the main process (if any) and runs every undo; `stopping` says who asked.
  void finish(std::shared_ptr<Running> run, bool stopping);

  boost::asio::io_context& io_;
  Log log_;
  AppRunnerOptions options_;
  std::shared_ptr<Running> running_;
  std::map<std::uint64_t, std::unique_ptr<Detached>> detached_;
  std::uint64_t next_detached_id_ = 0;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // handlers hold a weak_ptr to it
};

}  // namespace lightwell::server
