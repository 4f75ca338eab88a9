// `lightwell serve` end to end: the real binary in a child process, with a temporary state
// directory and config; it must log its start-up summary, then exit 0 promptly on SIGTERM and
// on SIGINT. Waits are bounded (deadlines), never fixed sleeps.
#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "lightwell/server/state_paths.hpp"
#include "temp_dir.hpp"

using lightwell::test::Child;
using lightwell::test::TempDir;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> clean_env(const TempDir& tmp) {
  // No XDG_RUNTIME_DIR/XDG_CONFIG_HOME from the developer's session leaks in.
  return {"HOME=" + (tmp / "home").string(), "XDG_CONFIG_HOME=" + (tmp / "config").string(),
          "XDG_STATE_HOME=" + (tmp / "xdg-state").string(), "PATH=/usr/bin:/bin"};
}

// RSA key generation on first start takes up to a few seconds on a loaded machine.
constexpr auto kStartup = 30s;
constexpr auto kShutdown = 5s;

}  // namespace

TEST_CASE("serve logs its summary and exits 0 on SIGTERM and SIGINT", "[serve][e2e]") {
  REQUIRE(std::filesystem::exists(lightwell::test::lightwell_binary()));
  TempDir tmp;
  const auto state = tmp / "state";
  lightwell::test::write_text(tmp / "lightwell.toml",
                              "[server]\nname = \"Test Host\"\nbase_port = 40000\n"
                              "[[apps.list]]\nname = \"Steam\"\ncmd = [\"true\"]\n");
  const std::vector<std::string> args{"serve", "--config", (tmp / "lightwell.toml").string(), "--state-dir",
                                      state.string()};
  std::string uniqueid_line;
  for (int signo : {SIGTERM, SIGINT}) {
    Child child(args, clean_env(tmp));
    INFO(child.output());
    REQUIRE(child.wait_for_output("ready:", kStartup));
    const std::string& out = child.output();
    CHECK(out.find("[server] name \"Test Host\" (mDNS instance \"Test-Host\"), uniqueid ") != std::string::npos);
    CHECK(out.find("https 39995/tcp, http 40000/tcp, web 40001/tcp, video 40009/udp, control 40010/udp, "
                   "audio 40011/udp, rtsp 40021/tcp") != std::string::npos);
    CHECK(out.find("state directory " + state.string()) != std::string::npos);
    CHECK(out.find("apps (2): Desktop, Steam") != std::string::npos);
    CHECK(std::filesystem::exists(lightwell::server::control_socket_path(state)));
    // The second start reports the identity created by the first.
    const auto at = out.find("), uniqueid ");
    const std::string line = out.substr(at, out.find('\n', at) - at);
    if (uniqueid_line.empty()) {
      uniqueid_line = line;
    } else {
      CHECK(line == uniqueid_line);
    }
    REQUIRE(::kill(child.pid(), signo) == 0);
    const auto status = child.wait_exit(kShutdown);
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(child.output().find("stopped cleanly") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(lightwell::server::control_socket_path(state)));
  }
}

TEST_CASE("serve with a bad config exits 1 with one message naming file, line and key", "[serve][e2e]") {
  TempDir tmp;
  lightwell::test::write_text(tmp / "bad.toml", "[video]\nmax_fps = 1000\n");
  Child child({"serve", "--config", (tmp / "bad.toml").string(), "--state-dir", (tmp / "state").string()},
              clean_env(tmp));
  const auto status = child.wait_exit(kShutdown);
  REQUIRE(status.has_value());
  CHECK(*status == 1);
  INFO(child.output());
  CHECK(child.output().find("bad.toml:2:11: video.max_fps: 1000 is out of range 10..240") != std::string::npos);
  CHECK(child.output().find("fix:") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp / "state"));  // nothing created before the config is good
}

TEST_CASE("a second serve on the same state directory is refused, the first keeps running", "[serve][e2e]") {
  TempDir tmp;
  const std::vector<std::string> args{"serve", "--state-dir", (tmp / "state").string()};
  Child first(args, clean_env(tmp));
  REQUIRE(first.wait_for_output("ready:", kStartup));
  Child second(args, clean_env(tmp));
  const auto status = second.wait_exit(kStartup);
  REQUIRE(status.has_value());
  CHECK(*status == 1);
  CHECK(second.output().find("another lightwell is already running") != std::string::npos);
  ::kill(first.pid(), SIGTERM);
  CHECK(first.wait_exit(kShutdown) == std::optional<int>(0));
}

TEST_CASE("serve refuses a corrupt identity and leaves it as it was", "[serve][e2e]") {
  TempDir tmp;
  const auto state = tmp / "state";
  std::filesystem::create_directory(state);
  lightwell::test::write_text(state / "identity.json", "{\"format_version\": 1,");
  std::filesystem::permissions(state / "identity.json", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Child child({"serve", "--state-dir", state.string()}, clean_env(tmp));
  const auto status = child.wait_exit(kShutdown);
  REQUIRE(status.has_value());
  CHECK(*status == 1);
  CHECK(child.output().find((state / "identity.json").string() + ": corrupt state file") != std::string::npos);
  CHECK(lightwell::test::read_text_file(state / "identity.json") == "{\"format_version\": 1,");
}

TEST_CASE("the real binary: exit codes of version, probe, usage errors and pair without a server", "[e2e]") {
  TempDir tmp;
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string output;
  };
  for (const Case& c : std::vector<Case>{
           {{"version"}, 0, "lightwell "},
           {{"probe"}, 0, "capture:\n"},
           {{"--help"}, 0, "Usage: lightwell [OPTIONS] COMMAND"},
           {{"frobnicate"}, 2, "lightwell: unknown command 'frobnicate'"},
           {{"serve", "--bogus"}, 2, "lightwell: unknown option '--bogus'"},
           {{"pair", "1234", "--state-dir", (tmp / "s").string()}, 1, "lightwell is not running (no control socket at "},
       }) {
    Child child(c.args, clean_env(tmp));
    // probe times the software encoders for a few seconds (ten times that under ASan).
    const auto status = child.wait_exit(c.args[0] == "probe" ? std::chrono::seconds(120) : kShutdown);
    INFO(c.args[0] << ": " << child.output());
    REQUIRE(status.has_value());
    CHECK(*status == c.code);
    CHECK(child.output().find(c.output) != std::string::npos);
  }
}
