// The app runner's state machine (app_runner.hpp): idle → (prep, detached, main) → running →
// (main exits | stop()) → undo → idle. Process primitives live in app_runner_process.cpp.
#include "lightwell/server/app_runner.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <fmt/format.h>

#include "app_runner_process.hpp"

extern char** environ;

namespace lightwell::server {

namespace fs = std::filesystem;
using boost::asio::posix::stream_descriptor;

struct ProcessAppController::Running {
  App app;
  std::vector<std::string> environment;  // of every command of this launch, undo included
  fs::path working_dir;
  pid_t pid = -1;                          // main process (== its pgid); -1: no command
  std::unique_ptr<stream_descriptor> watch;  // owns the main process's pidfd
};

struct ProcessAppController::Detached {
  pid_t pid;
  stream_descriptor watch;  // owns its pidfd; only for reaping
};

AppRunnerOptions AppRunnerOptions::from_config(const AppsOptions& apps, fs::path state_dir) {
  AppRunnerOptions o;
  o.default_working_dir = std::move(state_dir);
  o.prep_timeout = std::chrono::seconds(apps.prep_timeout_s);
  o.stop_grace = std::chrono::seconds(apps.stop_grace_s);
  return o;
}

std::vector<std::string> app_environment(const std::vector<std::string>& base, const App& app,
                                         const LaunchEnvironment& env) {
  std::vector<std::string> out;
  out.reserve(base.size() + 8);
  for (const auto& entry : base) {
    const std::string_view key = std::string_view(entry).substr(0, entry.find('='));
    if (key.starts_with("LIGHTWELL_CLIENT_") || key == kEnvAppName) continue;
    out.push_back(entry);
  }
  const auto add = [&out](const char* key, std::string value) {
    value.erase(std::remove(value.begin(), value.end(), '\0'), value.end());
    out.push_back(fmt::format("{}={}", key, value));
  };
  add(kEnvClientWidth, std::to_string(env.width_px));
  add(kEnvClientHeight, std::to_string(env.height_px));
  add(kEnvClientFps, std::to_string(env.fps));
  add(kEnvClientAudioChannels, std::to_string(env.audio_channels));
  add(kEnvClientHdr, env.hdr ? "1" : "0");
  add(kEnvClientName, env.client_name);
  add(kEnvClientAddress, env.client_address);
  add(kEnvAppName, app.name);
  return out;
}

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

ProcessAppController::ProcessAppController(boost::asio::io_context& io, Log log, AppRunnerOptions options)
    : io_(io), log_(std::move(log)), options_(std::move(options)) {}

ProcessAppController::~ProcessAppController() {
  stop();
  // Detached processes run on by design; closing their pidfds only stops watching them.
  if (!detached_.empty()) log_.debug("leaving {} detached process(es) running", detached_.size());
}

std::optional<std::string> ProcessAppController::running_app() const {
  if (!running_) return std::nullopt;
  return running_->app.name;
}

std::optional<pid_t> ProcessAppController::main_pid() const {
  if (!running_ || running_->pid < 0) return std::nullopt;
  return running_->pid;
}

std::optional<std::string> ProcessAppController::start(const App& app, const LaunchEnvironment& env) {
  // The main process may have exited with its completion not yet handled by the io loop:
  // finish it now, so a relaunch right after an app quits is not refused.
  if (running_ && running_->pid >= 0 && process::wait_exit(running_->watch->native_handle(), {})) {
    finish(std::move(running_), false);
  }
  if (running_) return fmt::format("an app is already running: \"{}\"", running_->app.name);

  auto run = std::make_shared<Running>();
  run->app = app;
  run->working_dir = app.working_dir.empty() ? options_.default_working_dir : app.working_dir;
  const std::string name = fmt::format("app \"{}\"", app.name);
  if (!run->working_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(run->working_dir, ec)) {
      return fmt::format("{}: working directory {} does not exist or is not a directory", name,
                         run->working_dir.string());
    }
  }
  // Check every program before running anything, so a typo does not cost a prep/undo cycle.
  const auto check = [&](const AppCommand& c, const std::string& what) -> std::optional<std::string> {
    if (c.empty()) return std::nullopt;
    if (auto problem = process::check_program(c.argv[0], run->working_dir)) {
      return fmt::format("{}: {}: {}", name, what, *problem);
    }
    return std::nullopt;
  };
  for (std::size_t i = 0; i < app.prep.size(); ++i) {
    if (auto e = check(app.prep[i].run, fmt::format("prep[{}].do", i))) return e;
    if (auto e = check(app.prep[i].undo, fmt::format("prep[{}].undo", i))) return e;
  }
  for (std::size_t i = 0; i < app.detached.size(); ++i) {
    if (auto e = check(app.detached[i], fmt::format("detached[{}]", i))) return e;
  }
  if (auto e = check(app.cmd, "cmd")) return e;

  run->environment = app_environment(process_environment(), app, env);
  log_.info("starting {} for {} ({}x{} at {} fps, {} audio channels, HDR {})", name,
            env.client_address.empty() ? std::string("a client") : env.client_address, env.width_px,
            env.height_px, env.fps, env.audio_channels, env.hdr ? "on" : "off");

  for (std::size_t i = 0; i < app.prep.size(); ++i) {
    const AppCommand& cmd = app.prep[i].run;
    if (cmd.empty()) continue;
    log_.info("{}: prep[{}]: {}", name, i, process::display(cmd.argv));
    if (auto err = process::run_to_completion(cmd.argv, run->working_dir, run->environment, options_.prep_timeout)) {
      const std::string msg = fmt::format("{}: prep[{}] {} failed: {}", name, i, process::display(cmd.argv), *err);
      log_.warn("{}; undoing the {} prep command(s) before it", msg, i);
      run_undo(*run, i);
      return msg;
    }
  }

  // Undo on a later failure: stop what this call started, then the preps.
  std::vector<pid_t> started;
  const auto fail = [&](std::string msg) {
    log_.warn("{}", msg);
    for (pid_t pid : started) (void)::kill(-pid, SIGTERM);  // still reaped by their watchers
    run_undo(*run, app.prep.size());
    return msg;
  };
  for (std::size_t i = 0; i < app.detached.size(); ++i) {
    const AppCommand& cmd = app.detached[i];
    process::Child child;
    if (auto err = process::spawn(cmd.argv, run->working_dir, run->environment, child)) {
      return fail(fmt::format("{}: detached[{}]: {}", name, i, *err));
    }
    log_.info("{}: detached[{}] pid {}: {}", name, i, child.pid, process::display(cmd.argv));
    started.push_back(child.pid);
    watch_detached(child.pid, child.pidfd.release());
  }
  if (!app.cmd.empty()) {
    process::Child child;
    if (auto err = process::spawn(app.cmd.argv, run->working_dir, run->environment, child)) {
      return fail(fmt::format("{}: cmd: {}", name, *err));
    }
    run->pid = child.pid;
    run->watch = std::make_unique<stream_descriptor>(io_, child.pidfd.release());
    log_.info("{} running, pid {}: {}", name, run->pid, process::display(app.cmd.argv));
  } else {
    log_.info("{} running (no command; runs until stopped)", name);
  }
  running_ = std::move(run);
  if (running_->pid >= 0) watch_main();
  return std::nullopt;
}

void ProcessAppController::stop() {
  if (running_) finish(std::move(running_), true);
}

void ProcessAppController::watch_main() {
  running_->watch->async_wait(
      stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<char>(alive_), run = std::weak_ptr<Running>(running_)](
          const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        // A completion queued before stop() or a relaunch belongs to a finished run.
        if (auto r = run.lock(); r && r == running_) finish(std::move(running_), false);
      });
}

void ProcessAppController::finish(std::shared_ptr<Running> run, bool stopping) {
  running_.reset();
  const std::string name = fmt::format("app \"{}\"", run->app.name);
  if (run->pid >= 0) {
    const int pidfd = run->watch->native_handle();
    if (stopping) {
      log_.info("stopping {} (pid {}): SIGTERM to its process group, SIGKILL after {} ms", name, run->pid,
                options_.stop_grace.count());
    } else if (process::group_alive(run->pid)) {
      log_.info("{} (pid {}) exited; ending the processes it left in its group", name, run->pid);
    }
    // For an exited leader (a zombie until reaped) this only sweeps its group, then reaps.
    const std::optional<int> status = process::end_group(run->pid, pidfd, options_.stop_grace);
    log_.info("{} {} ({})", name, stopping ? "stopped" : "exited", process::describe(status));
    run->watch.reset();  // closes the pidfd; a pending wait completes as aborted
  } else {
    log_.info("{} stopped", name);
  }
  run_undo(*run, run->app.prep.size());
}

void ProcessAppController::run_undo(const Running& run, std::size_t count) {
  for (std::size_t i = count; i-- > 0;) {
    const AppCommand& cmd = run.app.prep[i].undo;
    if (cmd.empty()) continue;
    log_.info("app \"{}\": prep[{}] undo: {}", run.app.name, i, process::display(cmd.argv));
    if (auto err = process::run_to_completion(cmd.argv, run.working_dir, run.environment, options_.prep_timeout)) {
      log_.warn("app \"{}\": prep[{}] undo failed: {}", run.app.name, i, *err);
    }
  }
}

void ProcessAppController::watch_detached(pid_t pid, int pidfd) {
  const std::uint64_t id = next_detached_id_++;
  auto d = std::make_unique<Detached>(Detached{pid, stream_descriptor(io_, pidfd)});
  d->watch.async_wait(stream_descriptor::wait_read,
                      [this, alive = std::weak_ptr<char>(alive_), id](const boost::system::error_code& ec) {
                        if (ec || alive.expired()) return;
                        const auto it = detached_.find(id);
                        if (it == detached_.end()) return;
                        const std::optional<int> status = process::reap(it->second->pid);
                        log_.debug("detached process {} ended ({})", it->second->pid, process::describe(status));
                        detached_.erase(it);
                      });
  detached_.emplace(id, std::move(d));
}

}  // namespace lightwell::server
