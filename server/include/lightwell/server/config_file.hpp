// Loading the TOML configuration into a Config. Strict on purpose: a typo must not silently
// fall back to a default. Any problem throws StartupError whose message is one line:
//   <file>:<line>:<column>: <key>: <what is wrong>
// - syntax errors (from toml++, with the key of the offending line when it has one);
// - unknown tables/keys, with the nearest valid key suggested when one is close;
// - wrong types and out-of-range values, naming the dotted key (apps.list[1].name).
// Relative paths in the file are taken relative to the directory holding the file.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "lightwell/server/config.hpp"

namespace lightwell::server {

// Parses text as if read from `source` (used in messages and to resolve relative paths).
Config parse_config(std::string_view toml_text, const std::filesystem::path& source);

// Reads and parses a file. A missing or unreadable file is a StartupError naming it.
Config load_config_file(const std::filesystem::path& file);

// Environment the default config location depends on (passed in; no getenv inside).
struct ConfigEnv {
  bool is_root = false;
  std::string xdg_config_home;  // $XDG_CONFIG_HOME
  std::string home;             // $HOME
  // $CONFIGURATION_DIRECTORY: set by systemd for a unit with ConfigurationDirectory=
  // (systemd.exec(5)), several directories joined with ':'. The {} keeps a positional
  // ConfigEnv{root, xdg, home} without it free of -Wmissing-field-initializers.
  std::string configuration_directory{};
};
ConfigEnv config_env_from_process();

// Where `serve` looks when --config is not given: $CONFIGURATION_DIRECTORY/lightwell.toml
// (its first directory) when set, else /etc/lightwell/lightwell.toml for root, else
// $XDG_CONFIG_HOME/lightwell/lightwell.toml (or ~/.config/...). nullopt: no rule applies.
std::optional<std::filesystem::path> default_config_path(const ConfigEnv& env);

}  // namespace lightwell::server
