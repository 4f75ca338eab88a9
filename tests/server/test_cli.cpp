// The command line through run_cli (in process): help pages, usage errors and exit codes,
// version, probe, clients list/unpair on a real state directory, pair without a server.
#include <catch2/catch.hpp>
#include <sstream>

#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/server/cli.hpp"
#include "lightwell/server/state_paths.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/version.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
  std::string log;
};

Run run(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  std::ostringstream log;
  Run r;
  r.code = run_cli(args, CliIo{out, err, &log});
  r.out = out.str();
  r.err = err.str();
  r.log = log.str();
  return r;
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

// A temp state dir plus an empty config file, so no developer or system config leaks in.
struct Env {
  TempDir tmp;
  std::vector<std::string> globals() const {
    lightwell::test::write_text(tmp / "empty.toml", "");
    return {"--config", (tmp / "empty.toml").string(), "--state-dir", (tmp / "state").string()};
  }
  Run run(std::vector<std::string> args) const {
    auto g = globals();
    args.insert(args.end(), g.begin(), g.end());
    return ::run(args);
  }
};

}  // namespace

TEST_CASE("--help works for the binary and every subcommand", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    std::string first_line;
  };
  for (const Case& c : std::vector<Case>{
           {{"--help"}, "lightwell - a Moonlight (GameStream) streaming host"},
           {{"-h"}, "lightwell - a Moonlight (GameStream) streaming host"},
           {{"help"}, "lightwell - a Moonlight (GameStream) streaming host"},
           {{"serve", "--help"}, "Usage: lightwell serve"},
           {{"--help", "serve"}, "Usage: lightwell serve"},
           {{"pair", "--help"}, "Usage: lightwell pair PIN"},
           {{"pair", "12", "-h"}, "Usage: lightwell pair PIN"},  // help wins over a bad PIN
           {{"clients", "--help"}, "Usage: lightwell clients list"},
           {{"clients", "unpair", "--help"}, "Usage: lightwell clients list"},
           {{"probe", "--help"}, "Usage: lightwell probe"},
           {{"version", "--help"}, "Usage: lightwell version"},
           {{"help", "clients"}, "Usage: lightwell clients list"},
       }) {
    const Run r = run(c.args);
    INFO(c.args[0] << " -> " << r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.rfind(c.first_line, 0) == 0);
    CHECK(contains(r.out, "--state-dir DIR"));  // global options are on every page
    CHECK(r.err.empty());
  }
  // The overview lists every command.
  const std::string overview = run({"--help"}).out;
  for (const char* cmd : {"serve", "pair PIN", "clients list", "clients unpair", "probe", "version"}) {
    CHECK(contains(overview, cmd));
  }
}

TEST_CASE("usage errors exit 2 with a clear message and a pointer to --help", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "missing command"},
           {{"frobnicate"}, "unknown command 'frobnicate'"},
           {{"help", "frobnicate"}, "no help for unknown command 'frobnicate'"},
           {{"serve", "--verbose"}, "unknown option '--verbose'"},
           {{"serve", "-v"}, "unknown option '-v'"},
           {{"serve", "extra"}, "serve: unexpected argument 'extra'"},
           {{"version", "--name", "x"}, "unknown option '--name' (only `pair` and `display` take it)"},
           {{"--log-level", "loud", "serve"}, "--log-level: 'loud' is not one of"},
           {{"serve", "--config"}, "option '--config' needs a value"},
           {{"pair"}, "pair: missing the PIN"},
           {{"pair", "123"}, "pair: the PIN must be exactly 4 digits"},
           {{"pair", "12345"}, "pair: the PIN must be exactly 4 digits"},
           {{"pair", "12a4"}, "pair: the PIN must be exactly 4 digits"},
           {{"pair", "1234", "5678"}, "pair: unexpected argument '5678'"},
           {{"clients"}, "clients: missing subcommand (list or unpair)"},
           {{"clients", "remove", "x"}, "clients: unknown subcommand 'remove'"},
           {{"clients", "unpair"}, "clients unpair: missing NAME or ID"},
           {{"clients", "list", "all"}, "clients list: unexpected argument 'all'"},
       }) {
    const Run r = run(c.args);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "lightwell: " + c.message));
    CHECK(contains(r.err, "--help'."));
    CHECK(r.out.empty());
  }
  // A usage error about a command points at that command's help.
  CHECK(contains(run({"pair", "99"}).err, "Try 'lightwell pair --help'."));
}

TEST_CASE("parse_args: options anywhere, --opt=value, and -- ends options", "[cli]") {
  const std::vector<std::string> a{"--log-level=debug", "pair", "0042", "--name", "Living Room", "--state-dir", "/s"};
  const Invocation inv = parse_args(a);
  CHECK(inv.command == Command::pair);
  CHECK(inv.pin == "0042");
  CHECK(inv.client_name == "Living Room");
  CHECK(inv.global.log_level == LogLevel::debug);
  CHECK(inv.global.state_dir == std::filesystem::path("/s"));
  CHECK_FALSE(inv.global.config.has_value());

  const std::vector<std::string> b{"clients", "unpair", "--", "--odd-name"};
  const Invocation unpair = parse_args(b);
  CHECK(unpair.command == Command::clients_unpair);
  CHECK(unpair.unpair_key == "--odd-name");

  const std::vector<std::string> c{"serve", "--config=/etc/x.toml"};
  CHECK(parse_args(c).global.config == std::filesystem::path("/etc/x.toml"));
}

TEST_CASE("version prints the project version", "[cli]") {
  const Run r = run({"version"});
  CHECK(r.code == 0);
  CHECK(r.out == "lightwell " + std::string(version()) + "\n");
  CHECK(std::string(version()).find('.') != std::string::npos);
}

TEST_CASE("probe runs on this machine and reports absent hardware honestly", "[cli][probe]") {
  const Run r = run({"probe"});
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* section : {"capture:\n", "encode:\n", "audio:\n", "input:\n"}) CHECK(contains(r.out, section));
  CHECK(contains(r.out, "x264 (H.264): compiled in, X264_BUILD "));
  CHECK(contains(r.out, "x265 (HEVC): compiled in, libx265 "));
  CHECK(contains(r.out, "svt-av1 (AV1): compiled in, SVT-AV1 "));
  // The measured fit of each software encoder, and the offer (H.264 only by default here).
  CHECK(contains(r.out, "x264 (H.264): fits "));
  CHECK(contains(r.out, "codecs offered to clients: H.264 (serverinfo ServerCodecModeSupport 0x1)"));
  CHECK(contains(r.out, "Opus: libopus "));
  if (!std::filesystem::exists("/dev/dri")) {
    CHECK(contains(r.out, "no /dev/dri: no KMS capture"));
    CHECK(contains(r.out, "no VA-API render nodes"));
  }
  if (!std::filesystem::exists("/dev/uinput")) {
    CHECK(contains(r.out, "no /dev/uinput"));
    CHECK(contains(r.out, "modprobe uinput"));
  }
}

TEST_CASE("clients list and unpair work on the state directory", "[cli][clients]") {
  Env env;
  Run r = env.run({"clients", "list"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "no paired clients"));
  CHECK_FALSE(std::filesystem::exists(env.tmp / "state"));  // listing creates nothing

  std::filesystem::create_directory(env.tmp / "state");
  const auto cert = *lightwell::proto::crypto::generate_identity("moonlight");
  {
    ClientStore store = ClientStore::load(env.tmp / "state");
    store.add({"", "Steam Deck", cert.cert_pem, 1700000000, 1700000100});
  }
  const std::string id = client_id_for(cert.cert_pem);
  r = env.run({"clients", "list"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "ID"));
  CHECK(contains(r.out, id));
  CHECK(contains(r.out, "Steam Deck"));
  CHECK(contains(r.out, "2023-11-14 22:13:20Z"));  // 1700000000 in UTC

  r = env.run({"clients", "unpair", "Nobody"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "no paired client with name or id \"Nobody\""));

  r = env.run({"clients", "unpair", "Steam Deck"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "unpaired \"Steam Deck\" (id " + id + ")"));
  CHECK(ClientStore::load(env.tmp / "state").clients().empty());
  CHECK(contains(env.run({"clients", "list"}).out, "no paired clients"));
}

TEST_CASE("clients list on a corrupt store fails with the file named and leaves it", "[cli][clients]") {
  Env env;
  std::filesystem::create_directory(env.tmp / "state");
  lightwell::test::write_text(clients_file(env.tmp / "state"), "not json");
  const Run r = env.run({"clients", "list"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "lightwell: error: " + clients_file(env.tmp / "state").string() + ": corrupt state file"));
  CHECK(contains(r.err, "fix: "));
  CHECK(lightwell::test::read_text_file(clients_file(env.tmp / "state")) == "not json");
}

TEST_CASE("pair without a running server exits 1 naming the control socket", "[cli][pair]") {
  Env env;
  const Run r = env.run({"pair", "1234"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "lightwell is not running (no control socket at " +
                            control_socket_path(env.tmp / "state").string() + ")"));
}

TEST_CASE("a bad --config file fails any command with file, line and key", "[cli]") {
  TempDir tmp;
  lightwell::test::write_text(tmp / "c.toml", "[server]\nbase_port = 65530\n");
  const Run r = run({"clients", "list", "--config", (tmp / "c.toml").string(), "--state-dir", tmp.path().string()});
  CHECK(r.code == 1);
  CHECK(contains(r.err, (tmp / "c.toml").string() + ":2:13: server.base_port: 65530 is out of range 6..65514"));
}
