// Where the state directory is (host identity, paired clients, control socket).
//
// The rule, first match wins:
//   1. --state-dir DIR on the command line;
//   2. [server] state_dir in the configuration;
//   3. $STATE_DIRECTORY (set by systemd for StateDirectory=; the first entry if it lists
//      several) — the system service case;
//   4. /var/lib/lightwell when running as root (euid 0) without systemd;
//   5. $XDG_STATE_HOME/lightwell when $XDG_STATE_HOME is an absolute path;
//   6. $HOME/.local/state/lightwell.
// Nothing left → StartupError asking for --state-dir.
#pragma once

#include <filesystem>
#include <string>

namespace lightwell::server {

struct StateEnv {
  std::string state_directory;  // $STATE_DIRECTORY
  std::string xdg_state_home;   // $XDG_STATE_HOME
  std::string home;             // $HOME
  bool is_root = false;         // geteuid() == 0
};

StateEnv state_env_from_process();

// cli_dir / config_dir: empty when not given.
std::filesystem::path resolve_state_dir(const std::filesystem::path& cli_dir,
                                        const std::filesystem::path& config_dir,
                                        const StateEnv& env);

// Files inside the state directory.
inline std::filesystem::path identity_file(const std::filesystem::path& dir) { return dir / "identity.json"; }
inline std::filesystem::path clients_file(const std::filesystem::path& dir) { return dir / "clients.json"; }
inline std::filesystem::path control_socket_path(const std::filesystem::path& dir) { return dir / "control.sock"; }

}  // namespace lightwell::server
