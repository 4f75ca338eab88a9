// `lightwell doctor`: checks of the machine, each a small function returning a typed result
// (status, what was found, the exact fix), and a printer. Tests call the check functions with
// fake paths and inputs instead of parsing the printed text.
//
// Checks only read: nothing is created, chmod'ed or loaded. Ports are tested by binding them
// for an instant (and closing at once), the control socket by connect().
// Thread rules: plain functions, no shared state; call from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/audio/probe.hpp"
#include "lightwell/capture/probe.hpp"
#include "lightwell/encode/probe.hpp"
#include "lightwell/input/probe.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/privileges.hpp"

namespace lightwell::server {

enum class CheckStatus { ok, problem, skipped };
std::string_view to_string(CheckStatus status) noexcept;

struct CheckResult {
  std::string name;    // "ports", "firewall", "drm", … (stable: tests and docs use them)
  CheckStatus status = CheckStatus::skipped;
  std::string detail;  // what was found (one or more lines); for skipped: why
  std::string fix;     // exact command(s) or configuration line(s); empty when nothing to do
};

// Everything the checks read from outside, so tests can point each at a fake.
struct DoctorInputs {
  Config config;
  std::filesystem::path state_dir;
  std::filesystem::path dri_dir = "/dev/dri";
  std::filesystem::path uinput_path = "/dev/uinput";
  std::filesystem::path avahi_socket = "/run/avahi-daemon/socket";
  std::filesystem::path binary;  // the installed binary whose file capability is checked
  std::string user;              // this user's name, for fix commands
};

// --- one function per check ---------------------------------------------------------------
struct PortUse {
  std::uint16_t port = 0;
  bool tcp = true;
  std::string_view what;  // "https", "http", "video", …
};
// The ports `serve` binds for this configuration (web P+1 is not: no web page yet).
std::vector<PortUse> served_ports(const Config& config);
// True when a server answers on the state directory's control socket.
bool server_running(const std::filesystem::path& state_dir);

CheckResult check_state_dir(const std::filesystem::path& state_dir, const std::string& user);
CheckResult check_ports(const Config& config, bool running_here);
// ruleset: `nft list ruleset` output; nullopt with why when it could not be read.
CheckResult check_firewall(const Config& config, const std::optional<std::string>& ruleset,
                           const std::string& unreadable_why);
CheckResult check_drm(const capture::CaptureProbe& probe, const std::string& user);
// process: this process's sets (nullopt: unknown); file: the binary's file capability;
// is_root: euid 0.
CheckResult check_capability(const std::optional<CapabilitySets>& process, const FileCaps& file,
                             const std::filesystem::path& binary, bool is_root);
CheckResult check_vaapi(const encode::EncodeProbe& probe, const Config& config);
CheckResult check_onevpl(const encode::OnevplRuntime& runtime, const Config& config);
CheckResult check_pipewire(const audio::AudioProbe& probe, const Config& config);
CheckResult check_uinput(const input::InputProbe& probe, const Config& config, const std::string& user);
CheckResult check_avahi(const std::filesystem::path& avahi_socket);
// ok: a web password is set; skipped: the page is disabled, or no password yet (fix: the
// command); problem: admin.json unreadable/corrupt/too open.
CheckResult check_web_credentials(const Config& config, const std::filesystem::path& state_dir);

// Every check, in the printed order. `nft` is run here (if installed) for the firewall.
std::vector<CheckResult> run_doctor_checks(const DoctorInputs& inputs);

// "name: ok|problem|skipped" then the detail and "fix:" lines indented; a summary at the end.
void print_doctor_report(std::ostream& out, const std::vector<CheckResult>& results);
// 0 when no result is a problem, 1 otherwise.
int doctor_exit_status(const std::vector<CheckResult>& results) noexcept;

// --- pure helpers (exposed for tests) ------------------------------------------------------
// What a nft ruleset says about reaching `ports` from outside. Conservative: "ok" only when no
// input-hook chain has policy drop, or every port is named in an accept rule of every such
// chain; "skipped" (cannot tell) when a dropping chain does not name a port, since rules on
// interfaces, addresses or jumps may accept it anyway. `detail`/`fix` filled accordingly.
CheckResult assess_nft_ruleset(std::string_view ruleset, const std::vector<PortUse>& ports);

}  // namespace lightwell::server
