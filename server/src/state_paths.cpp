#include "lightwell/server/state_paths.hpp"

#include <unistd.h>

#include <cstdlib>

#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {

StateEnv state_env_from_process() {
  auto env = [](const char* n) {
    const char* v = std::getenv(n);
    return std::string(v != nullptr ? v : "");
  };
  return {env("STATE_DIRECTORY"), env("XDG_STATE_HOME"), env("HOME"), ::geteuid() == 0};
}

std::filesystem::path resolve_state_dir(const std::filesystem::path& cli_dir,
                                        const std::filesystem::path& config_dir,
                                        const StateEnv& env) {
  namespace fs = std::filesystem;
  if (!cli_dir.empty()) return fs::absolute(cli_dir);
  if (!config_dir.empty()) return fs::absolute(config_dir);
  if (!env.state_directory.empty()) {
    // systemd joins several StateDirectory= entries with ':' (systemd.exec(5)).
    const std::string first = env.state_directory.substr(0, env.state_directory.find(':'));
    if (!first.empty()) return fs::path(first);
  }
  if (env.is_root) return fs::path("/var/lib/lightwell");
  // XDG Base Directory spec: a relative $XDG_STATE_HOME is invalid and must be ignored.
  if (!env.xdg_state_home.empty() && env.xdg_state_home.front() == '/') {
    return fs::path(env.xdg_state_home) / "lightwell";
  }
  if (!env.home.empty()) return fs::path(env.home) / ".local" / "state" / "lightwell";
  throw StartupError("no state directory: neither $STATE_DIRECTORY, $XDG_STATE_HOME nor $HOME is set",
                     "pass --state-dir DIR or set [server] state_dir in the configuration");
}

}  // namespace lightwell::server
