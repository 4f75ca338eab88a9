// The `lightwell` command line (docs/cli.md). main.cpp only calls run_cli(); parsing is a pure
// function so tests drive it without a process.
//
//   lightwell [GLOBAL OPTIONS] COMMAND [ARGS]
//   commands: serve | pair PIN [--name NAME] | clients list | clients unpair NAME|ID
//             | probe | doctor | version | help [COMMAND]
//             | admin set-password [--user NAME] | admin status
//             | display edid --mode WxH[@HZ]... [--name NAME] [--output FILE]
//             | display kernel-params --connector CONN [--firmware FILE]
//             | display install --connector CONN --mode WxH[@HZ]... [--name NAME] [--firmware FILE]
//   global:   --config FILE  --state-dir DIR  --log-level trace|debug|info|warn|error  --help
// Options may appear before or after the command; `--opt=value` and `--opt value` both work;
// `--` ends option parsing. Exit codes: 0 success, 1 failure (one message + fix on stderr),
// 2 usage error.
#pragma once

#include <filesystem>
#include <optional>
#include <istream>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/server/log.hpp"

namespace lightwell::server {

enum class Command {
  serve, pair, clients_list, clients_unpair, probe, doctor, version, help,
  display_edid, display_kernel_params, display_install,  // headless helpers (docs/display.md)
  admin_set_password, admin_status,                     // web page credentials (docs/web.md)
};

struct GlobalOptions {
  std::optional<std::filesystem::path> config;
  std::optional<std::filesystem::path> state_dir;
  std::optional<LogLevel> log_level;
};

struct Invocation {
  GlobalOptions global;
  Command command = Command::help;
  std::string help_topic;   // Command::help: "" (overview) or a command name ("clients")
  std::string pin;          // pair: exactly 4 digits (SECRET until used: never log it)
  std::string client_name;  // pair --name; empty: the client's own name
  std::string unpair_key;   // clients unpair: a name or an id
  // display: modes as given ("1920x1080@60"), validated by the parser; first = preferred.
  std::vector<std::string> display_modes;
  std::string monitor_name;     // display edid/install --name; empty: the generator's default
  std::string display_output;   // display edid --output; empty: standard output
  std::string connector;        // display kernel-params/install --connector (e.g. HDMI-A-1)
  std::string firmware = "edid/lightwell.bin";  // relative to /lib/firmware
  std::string admin_user = "admin";             // admin set-password --user
};

// A mistake in the command line; topic names the help page to point at ("" = overview).
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& what, std::string topic)
      : std::runtime_error(what), topic_(std::move(topic)) {}
  const std::string& topic() const noexcept { return topic_; }

 private:
  std::string topic_;
};

// args excludes the program name. Throws UsageError.
Invocation parse_args(std::span<const std::string> args);

// Help page for "" (overview) or a command; nullopt for an unknown topic.
std::optional<std::string_view> help_text(std::string_view topic);

// True when pin is exactly four ASCII digits (what Moonlight shows; http-pairing.md §5).
bool is_valid_pin(std::string_view pin) noexcept;

struct CliIo {
  std::ostream& out;              // command output (help, lists, probe report)
  std::ostream& err;              // usage errors and the one start-up failure message
  std::ostream* log = nullptr;    // log lines; nullptr: stderr
  // Where `admin set-password` reads the password (one line, no prompt); nullptr: the
  // terminal without echo when stdin is one, else one line of stdin.
  std::istream* in = nullptr;
};

// Parses and runs. Catches every error once and turns it into an exit code and one message.
int run_cli(std::span<const std::string> args, const CliIo& io);

}  // namespace lightwell::server
