// The app controller serve.cpp uses until the process runner (app_runner.hpp) is wired in:
// it runs no processes. The built-in Desktop app (and any app without commands) "runs" from
// start() to stop(); an app with a command, prep or detached commands is refused with a
// message saying so, rather than pretending it started.
// Thread rules: io thread only.
#pragma once

#include <optional>
#include <string>

#include "lightwell/server/app_controller.hpp"

namespace lightwell::server {

class NullAppController final : public AppController {
 public:
  std::optional<std::string> start(const App& app, const LaunchEnvironment&) override {
    if (!app.cmd.empty() || !app.prep.empty() || !app.detached.empty()) {
      return "this build runs no app commands yet: only apps without commands (like Desktop) can be streamed";
    }
    running_ = app.name;
    return std::nullopt;
  }
  void stop() override { running_.reset(); }
  std::optional<std::string> running_app() const override { return running_; }

 private:
  std::optional<std::string> running_;
};

}  // namespace lightwell::server
