// The subcommands behind run_cli (internal). Each may throw StartupError; run_cli catches.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <istream>
#include <ostream>

#include "lightwell/server/cli.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/log.hpp"

namespace lightwell::server {

// Configuration and state directory as every command sees them.
struct Setup {
  Config config;
  std::optional<std::filesystem::path> config_file;  // nullopt: built-in defaults
  std::filesystem::path state_dir;
};

// Loads the configuration (--config, else the default path if it exists, else defaults),
// applies the log level (--log-level wins over the file) and resolves the state directory.
Setup load_setup(const GlobalOptions& global, LogHub& hub);

int run_serve(const Invocation& inv, LogHub& hub);
int run_pair(const Invocation& inv, LogHub& hub, std::ostream& out, std::ostream& err);
int run_clients(const Invocation& inv, LogHub& hub, std::ostream& out, std::ostream& err);
int run_probe(const Invocation& inv, LogHub& hub, std::ostream& out);
// The same report as text (the web page's Status view).
std::string probe_report(const VideoOptions& video);
// `lightwell doctor`: 0 no problem found, 1 at least one (cmd_doctor.cpp, doctor.hpp).
int run_doctor(const Invocation& inv, LogHub& hub, std::ostream& out);
// `lightwell display ...` (cmd_display.cpp, docs/display.md): EDID, kernel parameters, install.
int run_display(const Invocation& inv, std::ostream& out, std::ostream& err);
// `lightwell admin set-password|status` (cmd_admin.cpp, docs/web.md). in: the password source
// when it is not a terminal (stdin).
int run_admin(const Invocation& inv, LogHub& hub, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace lightwell::server
