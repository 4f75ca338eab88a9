// The TOML configuration (server/config_file.hpp parse_config, docs/configuration.md), read
// from a string as if it were /fuzz/lightwell.toml. The loader's contract: a Config that obeys
// every documented range, or a StartupError with a one-line message - never another
// exception, never a crash. Anything else escaping parse_config is a finding (libFuzzer
// reports an uncaught exception as a crash).
// Invariants on an accepted Config: ports derive from a base in range, video and bitrate
// limits are ordered and in range, app names are non-empty, unique and free of control
// characters, argv[0] of a command is non-empty and no argument contains NUL, paths are
// absolute.
#include <cstdio>
#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/config_file.hpp"
#include "lightwell/server/startup_error.hpp"

namespace ls = lightwell::server;

namespace {

void check_command(const ls::AppCommand& cmd) {
  if (cmd.empty()) return;
  FUZZ_CHECK(!cmd.argv[0].empty());
  for (const auto& arg : cmd.argv) FUZZ_CHECK(arg.find('\0') == std::string::npos);
}

void check_config(const ls::Config& c) {
  FUZZ_CHECK(c.server.base_port >= ls::Ports::kMinBase && c.server.base_port <= ls::Ports::kMaxBase);
  (void)ls::mdns_instance_name(c.server.name);
  FUZZ_CHECK(c.video.max_width_px >= 320 && c.video.max_width_px <= 7680);
  FUZZ_CHECK(c.video.max_height_px >= 200 && c.video.max_height_px <= 4320);
  FUZZ_CHECK(c.video.max_fps >= 10 && c.video.max_fps <= 240);
  FUZZ_CHECK(c.video.min_bitrate_kbps >= 100 && c.video.min_bitrate_kbps <= c.video.max_bitrate_kbps);
  FUZZ_CHECK(c.video.max_bitrate_kbps <= 500000);
  FUZZ_CHECK(c.audio.max_channels == 2 || c.audio.max_channels == 6 || c.audio.max_channels == 8);
  FUZZ_CHECK(c.apps.prep_timeout_s >= 1 && c.apps.prep_timeout_s <= 3600);
  FUZZ_CHECK(c.apps.stop_grace_s >= 1 && c.apps.stop_grace_s <= 600);
  std::set<std::string> names;
  for (const auto& app : ls::all_apps(c.apps)) {
    FUZZ_CHECK(!app.name.empty());
    for (char ch : app.name) FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
    FUZZ_CHECK(names.insert(app.name).second);
    check_command(app.cmd);
    for (const auto& p : app.prep) {
      check_command(p.run);
      check_command(p.undo);
    }
    for (const auto& d : app.detached) check_command(d);
    FUZZ_CHECK(app.working_dir.empty() || app.working_dir.is_absolute());
    FUZZ_CHECK(app.image.empty() || app.image.is_absolute());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = lightwell::fuzz::as_text(data, size);
  try {
    const ls::Config config = ls::parse_config(text, "/fuzz/lightwell.toml");
    check_config(config);
  } catch (const ls::StartupError& e) {
    // One line (config_file.hpp): a newline would break the log and the CLI's output.
    const std::string_view what = e.what();
    FUZZ_CHECK(!what.empty());
    if (what.find('\n') != std::string_view::npos) std::fprintf(stderr, "message: [%s]\n", e.what());
    FUZZ_CHECK(what.find('\n') == std::string_view::npos);
  }
  return 0;
}
