// run_cli: parse, dispatch, and the single place where errors become exit codes.
#include "lightwell/server/cli.hpp"

#include <iostream>
#include <system_error>

#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/server/config_file.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/version.hpp"

namespace lightwell::server {

Setup load_setup(const GlobalOptions& global, LogHub& hub) {
  const Log log = hub.get("config");
  Setup setup;
  if (global.config) {
    setup.config_file = std::filesystem::absolute(*global.config);
  } else if (auto path = default_config_path(config_env_from_process())) {
    std::error_code ec;
    if (std::filesystem::exists(*path, ec)) setup.config_file = *path;
  }
  if (setup.config_file) setup.config = load_config_file(*setup.config_file);
  hub.set_level(global.log_level.value_or(setup.config.server.log_level));
  if (setup.config_file) {
    log.debug("configuration loaded from {}", setup.config_file->string());
  } else {
    log.debug("no configuration file: using built-in defaults");
  }
  setup.state_dir = resolve_state_dir(global.state_dir.value_or(std::filesystem::path()),
                                      setup.config.server.state_dir, state_env_from_process());
  return setup;
}

namespace {

int dispatch(const Invocation& inv, const CliIo& io, LogHub& hub) {
  switch (inv.command) {
    case Command::help:
      io.out << *help_text(inv.help_topic);
      return 0;
    case Command::version:
      io.out << "lightwell " << version() << "\n";
      return 0;
    case Command::probe: return run_probe(inv, hub, io.out);
    case Command::doctor: return run_doctor(inv, hub, io.out);
    case Command::serve: return run_serve(inv, hub);
    case Command::pair: return run_pair(inv, hub, io.out, io.err);
    case Command::clients_list:
    case Command::clients_unpair: return run_clients(inv, hub, io.out, io.err);
    case Command::display_edid:
    case Command::display_kernel_params:
    case Command::display_install: return run_display(inv, io.out, io.err);
    case Command::admin_set_password:
    case Command::admin_status: return run_admin(inv, hub, io.in != nullptr ? *io.in : std::cin, io.out, io.err);
  }
  return 2;
}

}  // namespace

int run_cli(std::span<const std::string> args, const CliIo& io) {
  Invocation inv;
  try {
    inv = parse_args(args);
  } catch (const UsageError& e) {
    io.err << "lightwell: " << e.what() << "\n"
           << "Try 'lightwell " << (e.topic().empty() ? "" : e.topic() + " ") << "--help'.\n";
    return 2;
  }
  const LogLevel level = inv.global.log_level.value_or(LogLevel::info);
  LogHub hub = io.log != nullptr ? LogHub::to_stream(*io.log, level) : LogHub::to_stderr(level);
  // The one place start-up failures are reported: one message, then the fix.
  try {
    return dispatch(inv, io, hub);
  } catch (const StartupError& e) {
    io.err << "lightwell: error: " << e.what() << "\n";
    if (!e.fix().empty()) io.err << "  fix: " << e.fix() << "\n";
  } catch (const std::system_error& e) {
    io.err << "lightwell: error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    io.err << "lightwell: internal error: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace lightwell::server
