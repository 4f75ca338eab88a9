// Command-line parsing (grammar in cli.hpp). Pure: no I/O, throws UsageError.
#include <algorithm>

#include <fmt/format.h>

#include "lightwell/capture/edid.hpp"
#include "lightwell/server/cli.hpp"
#include "lightwell/server/web_credentials.hpp"

namespace lightwell::server {
namespace {

struct Raw {
  std::vector<std::string> positional;
  bool help = false;
  std::optional<std::string> name;
  std::vector<std::string> modes;          // --mode, repeatable (display)
  std::optional<std::string> output;       // --output (display edid)
  std::optional<std::string> connector;    // --connector (display)
  std::optional<std::string> firmware;     // --firmware (display)
  std::optional<std::string> user;         // --user (admin set-password)
};

std::string_view command_topic(const std::vector<std::string>& positional) {
  return positional.empty() ? std::string_view() : std::string_view(positional.front());
}

void expect_args(const Raw& raw, std::size_t count, std::string_view topic, std::string_view what) {
  if (raw.positional.size() - 1 < count) {
    throw UsageError(fmt::format("{}: missing {}", topic, what), std::string(topic));
  }
  if (raw.positional.size() - 1 > count) {
    throw UsageError(fmt::format("{}: unexpected argument '{}'", topic, raw.positional[count + 1]),
                     std::string(topic));
  }
}

// display edid | kernel-params | install: which options each takes, modes and names checked
// here so a mistake is a usage error (exit 2) before anything is written.
void parse_display(const Raw& raw, Invocation& inv) {
  const std::string topic = "display";
  if (raw.positional.size() < 2) throw UsageError("display: missing subcommand (edid, kernel-params or install)", topic);
  const std::string& sub = raw.positional[1];
  if (raw.positional.size() > 2) {
    throw UsageError(fmt::format("display {}: unexpected argument '{}'", sub, raw.positional[2]), topic);
  }
  const bool wants_modes = sub == "edid" || sub == "install";
  const bool wants_connector = sub == "kernel-params" || sub == "install";
  if (sub == "edid") {
    inv.command = Command::display_edid;
  } else if (sub == "kernel-params") {
    inv.command = Command::display_kernel_params;
  } else if (sub == "install") {
    inv.command = Command::display_install;
  } else {
    throw UsageError(fmt::format("display: unknown subcommand '{}' (edid, kernel-params or install)", sub), topic);
  }
  const auto refuse = [&](bool given, std::string_view option) {
    if (given) throw UsageError(fmt::format("display {}: unknown option '{}'", sub, option), topic);
  };
  refuse(!wants_modes && !raw.modes.empty(), "--mode");
  refuse(!wants_modes && raw.name.has_value(), "--name");
  refuse(sub != "edid" && raw.output.has_value(), "--output");
  refuse(!wants_connector && raw.connector.has_value(), "--connector");
  refuse(!wants_connector && raw.firmware.has_value(), "--firmware");
  if (wants_modes) {
    if (raw.modes.empty()) throw UsageError(fmt::format("display {}: missing --mode WIDTHxHEIGHT[@HZ]", sub), topic);
    capture::EdidRequest request;
    for (const std::string& text : raw.modes) {
      auto mode = capture::parse_display_mode(text);
      if (!mode) throw UsageError(fmt::format("display {}: {}", sub, mode.error().message), topic);
      request.modes.push_back(*mode);
    }
    if (raw.name) request.monitor_name = *raw.name;
    // Building once here turns every generator limit into a usage error.
    if (auto edid = capture::build_edid(request); !edid) {
      throw UsageError(fmt::format("display {}: {}", sub, edid.error().message), topic);
    }
    inv.display_modes = raw.modes;
    inv.monitor_name = raw.name.value_or("");
  }
  if (sub == "edid") {
    if (raw.output && raw.output->empty()) throw UsageError("display edid: --output needs a file name", topic);
    inv.display_output = raw.output.value_or("");
  }
  if (wants_connector) {
    if (!raw.connector) throw UsageError(fmt::format("display {}: missing --connector NAME (e.g. HDMI-A-1)", sub), topic);
    inv.connector = *raw.connector;
    if (raw.firmware) inv.firmware = *raw.firmware;
    if (auto params = capture::kernel_parameters(inv.connector, inv.firmware); !params) {
      throw UsageError(fmt::format("display {}: {}", sub, params.error().message), topic);
    }
  }
}

void parse_admin(const Raw& raw, Invocation& inv) {
  const std::string topic = "admin";
  if (raw.positional.size() < 2) throw UsageError("admin: missing subcommand (set-password or status)", topic);
  const std::string& sub = raw.positional[1];
  if (raw.positional.size() > 2) {
    throw UsageError(fmt::format("admin {}: unexpected argument '{}'", sub, raw.positional[2]), topic);
  }
  if (sub == "status") {
    if (raw.user) throw UsageError("admin status: unknown option '--user'", topic);
    inv.command = Command::admin_status;
  } else if (sub == "set-password") {
    inv.command = Command::admin_set_password;
    if (raw.user) {
      if (auto problem = check_user_name(*raw.user); !problem.empty()) throw UsageError("admin set-password: " + problem, topic);
      inv.admin_user = *raw.user;
    }
  } else {
    throw UsageError(fmt::format("admin: unknown subcommand '{}' (set-password or status)", sub), topic);
  }
}

}  // namespace

bool is_valid_pin(std::string_view pin) noexcept {
  return pin.size() == 4 && std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Invocation parse_args(std::span<const std::string> args) {
  Invocation inv;
  Raw raw;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      raw.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      raw.help = true;
      continue;
    }
    const std::string topic(command_topic(raw.positional));
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const bool takes_value = name == "--config" || name == "--state-dir" || name == "--log-level" ||
                             name == "--name" || name == "--mode" || name == "--output" ||
                             name == "--connector" || name == "--firmware" || name == "--user";
    if (!takes_value || arg.rfind("--", 0) != 0) {
      throw UsageError(fmt::format("unknown option '{}'", name), topic);
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw UsageError(fmt::format("option '{}' needs a value", name), topic);
    }
    if (name == "--config") {
      if (value.empty()) throw UsageError("--config needs a file name", topic);
      inv.global.config = value;
    } else if (name == "--state-dir") {
      if (value.empty()) throw UsageError("--state-dir needs a directory", topic);
      inv.global.state_dir = value;
    } else if (name == "--log-level") {
      inv.global.log_level = parse_log_level(value);
      if (!inv.global.log_level) {
        throw UsageError(fmt::format("--log-level: '{}' is not one of trace, debug, info, warn, error", value), topic);
      }
    } else if (name == "--mode") {
      raw.modes.push_back(value);
    } else if (name == "--output") {
      raw.output = value;
    } else if (name == "--connector") {
      raw.connector = value;
    } else if (name == "--firmware") {
      raw.firmware = value;
    } else if (name == "--user") {
      raw.user = value;
    } else {
      raw.name = value;
    }
  }

  const std::string topic(command_topic(raw.positional));
  if (raw.name && topic != "pair" && topic != "display") {
    throw UsageError("unknown option '--name' (only `pair` and `display` take it)", topic);
  }
  if (topic != "display") {
    for (const auto& [given, option] : {std::pair{!raw.modes.empty(), "--mode"}, std::pair{raw.output.has_value(), "--output"},
                                        std::pair{raw.connector.has_value(), "--connector"},
                                        std::pair{raw.firmware.has_value(), "--firmware"}}) {
      if (given) throw UsageError(fmt::format("unknown option '{}' (only `display` takes it)", option), topic);
    }
  }
  if (raw.user && topic != "admin") throw UsageError("unknown option '--user' (only `admin set-password` takes it)", topic);
  if (topic.empty() || topic == "help") {
    inv.command = Command::help;
    if (topic == "help" && raw.positional.size() > 1) inv.help_topic = raw.positional[1];
    if (!raw.help && topic.empty()) throw UsageError("missing command", "");
    if (!help_text(inv.help_topic)) {
      throw UsageError(fmt::format("no help for unknown command '{}'", inv.help_topic), "");
    }
    return inv;
  }
  if (!help_text(topic)) throw UsageError(fmt::format("unknown command '{}'", topic), "");
  if (raw.help) {
    inv.command = Command::help;
    inv.help_topic = topic;
    return inv;
  }

  if (topic == "serve") {
    expect_args(raw, 0, topic, "");
    inv.command = Command::serve;
  } else if (topic == "probe") {
    expect_args(raw, 0, topic, "");
    inv.command = Command::probe;
  } else if (topic == "doctor") {
    expect_args(raw, 0, topic, "");
    inv.command = Command::doctor;
  } else if (topic == "version") {
    expect_args(raw, 0, topic, "");
    inv.command = Command::version;
  } else if (topic == "pair") {
    expect_args(raw, 1, topic, "the PIN shown by Moonlight");
    // The message does not repeat the PIN: it may be a real one with a typo.
    if (!is_valid_pin(raw.positional[1])) throw UsageError("pair: the PIN must be exactly 4 digits", topic);
    inv.command = Command::pair;
    inv.pin = raw.positional[1];
    inv.client_name = raw.name.value_or("");
    if (inv.client_name.find_first_of("\r\n") != std::string::npos) {
      throw UsageError("pair: --name must be one line", topic);
    }
  } else if (topic == "display") {
    parse_display(raw, inv);
  } else if (topic == "admin") {
    parse_admin(raw, inv);
  } else {  // clients
    if (raw.positional.size() < 2) throw UsageError("clients: missing subcommand (list or unpair)", topic);
    const std::string& sub = raw.positional[1];
    if (sub == "list") {
      if (raw.positional.size() > 2) {
        throw UsageError(fmt::format("clients list: unexpected argument '{}'", raw.positional[2]), topic);
      }
      inv.command = Command::clients_list;
    } else if (sub == "unpair") {
      if (raw.positional.size() < 3) throw UsageError("clients unpair: missing NAME or ID", topic);
      if (raw.positional.size() > 3) {
        throw UsageError(fmt::format("clients unpair: unexpected argument '{}'", raw.positional[3]), topic);
      }
      inv.command = Command::clients_unpair;
      inv.unpair_key = raw.positional[2];
    } else {
      throw UsageError(fmt::format("clients: unknown subcommand '{}' (list or unpair)", sub), topic);
    }
  }
  return inv;
}

}  // namespace lightwell::server
