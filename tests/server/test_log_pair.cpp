// Logging carries component and session; the pairing path never logs the PIN. The pair
// command talks to a real ControlServer on a real UNIX socket in a temp state directory.
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "lightwell/server/cli.hpp"
#include "lightwell/server/control_socket.hpp"
#include "lightwell/server/state_paths.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

TEST_CASE("every log line names its component, and its session when it has one", "[log]") {
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::info);
  const Log rtsp = hub.get("rtsp");
  rtsp.info("DESCRIBE from {}", "10.0.0.2");
  rtsp.with_session(7).warn("client went quiet after {} ms", 1500);
  rtsp.debug("hidden at info");
  const std::string s = lines.str();
  CHECK(s.find("[rtsp] DESCRIBE from 10.0.0.2\n") != std::string::npos);
  CHECK(s.find("[rtsp] session=7 client went quiet after 1500 ms\n") != std::string::npos);
  CHECK(s.find("hidden") == std::string::npos);
  hub.set_level(LogLevel::debug);  // reaches Logs made before the change
  rtsp.debug("now shown");
  CHECK(lines.str().find("[rtsp] now shown") != std::string::npos);
  CHECK(hub.level() == LogLevel::debug);
  CHECK(rtsp.component() == "rtsp");
}

TEST_CASE("log levels parse from their names only", "[log]") {
  CHECK(parse_log_level("trace") == LogLevel::trace);
  CHECK(parse_log_level("error") == LogLevel::error);
  CHECK_FALSE(parse_log_level("warning").has_value());
  CHECK_FALSE(parse_log_level("INFO").has_value());
}

namespace {

// A ControlServer on its own io thread for the duration of a test.
struct RunningServer {
  boost::asio::io_context io;
  std::optional<ControlServer> server;
  std::thread thread;
  std::optional<PairRequest> seen;

  RunningServer(const std::filesystem::path& socket, const Log& log, ControlReply reply) {
    server.emplace(io, socket, log, [this, reply](const PairRequest& r) {
      seen = r;
      return reply;
    });
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    boost::asio::post(io, [this] { server->stop(); });
    thread.join();
  }
};

}  // namespace

TEST_CASE("pair sends the PIN to the server and neither side logs it", "[pair][log]") {
  TempDir tmp;
  std::filesystem::create_directory(tmp / "state");
  lightwell::test::write_text(tmp / "empty.toml", "");
  const auto socket = control_socket_path(tmp / "state");
  // A PIN unlikely to appear by chance in timestamps or ids.
  const std::string pin = "8371";
  std::ostringstream server_log;
  LogHub server_hub = LogHub::to_stream(server_log, LogLevel::trace);

  const auto run_pair = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"pair", pin, "--log-level", "trace", "--config", (tmp / "empty.toml").string(),
                                  "--state-dir", (tmp / "state").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream out, err, log;
    const int code = run_cli(args, CliIo{out, err, &log});
    return std::tuple{code, out.str(), err.str(), log.str()};
  };

  SECTION("no pairing attempt pending") {
    RunningServer server(socket, server_hub.get("control"), {false, "no pairing attempt pending"});
    const auto [code, out, err, log] = run_pair({"--name", "Den TV"});
    CHECK(code == 1);
    CHECK(err == "lightwell: no pairing attempt pending\n");
    REQUIRE(server.seen.has_value());
    CHECK(server.seen->pin == pin);  // it did travel...
    CHECK(server.seen->name == "Den TV");
    CHECK_FALSE(log.empty());  // ...and trace logging was on on the client side
    CHECK(log.find(pin) == std::string::npos);
    CHECK(out.find(pin) == std::string::npos);
    CHECK(err.find(pin) == std::string::npos);
  }
  SECTION("accepted") {
    RunningServer server(socket, server_hub.get("control"), {true, "paired with \"Den TV\""});
    const auto [code, out, err, log] = run_pair({});
    CHECK(code == 0);
    CHECK(out == "paired with \"Den TV\"\n");
    REQUIRE(server.seen.has_value());
    CHECK(server.seen->name.empty());
    CHECK(log.find(pin) == std::string::npos);
  }
  CHECK(server_log.str().find("pair request") != std::string::npos);  // the server logged the event
  CHECK(server_log.str().find(pin) == std::string::npos);             // but not the PIN
  CHECK_FALSE(std::filesystem::exists(socket));                      // removed on stop
}

TEST_CASE("the control server answers garbage without acting on it", "[pair]") {
  TempDir tmp;
  const auto socket = tmp / "control.sock";
  std::ostringstream lines;
  LogHub hub = LogHub::to_stream(lines, LogLevel::trace);
  RunningServer server(socket, hub.get("control"), {true, "should not be called"});
  // A malformed PIN on the wire (the CLI validates too; the server must not trust it).
  const ControlReply bad_pin = send_pair_request(socket, PairRequest{"12x4", "n"});
  CHECK_FALSE(bad_pin.ok);
  CHECK(bad_pin.message == "the PIN must be exactly 4 digits");
  CHECK_FALSE(server.seen.has_value());
  CHECK(lines.str().find("12x4") == std::string::npos);
}
