// Command-line parsing (grammar in cli.hpp). Pure: no I/O, throws UsageError.
#include <algorithm>

#include <fmt/format.h>

#include "lightwell/server/cli.hpp"

namespace lightwell::server {
namespace {

struct Raw {
  std::vector<std::string> positional;
  bool help = false;
  std::optional<std::string> name;
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
    const bool takes_value =
        name == "--config" || name == "--state-dir" || name == "--log-level" || name == "--name";
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
    } else {
      raw.name = value;
    }
  }

  const std::string topic(command_topic(raw.positional));
  if (raw.name && topic != "pair") {
    throw UsageError("unknown option '--name' (only `pair` takes it)", topic);
  }
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
