// Restarts, black box (http-pairing.md §5.8: the host identity and the paired certificates
// persist; changing the identity would break every pinned client): stop `lightwell serve`
// with SIGTERM and start it again over the same state directory and port.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "integration_support.hpp"

using namespace lightwell;
using namespace lightwell::test;

TEST_CASE("pairing and host identity survive a restart", "[integration][restart]") {
  Scenario s;
  auto& c = s.client();
  const std::string uniqueid = c.serverinfo_http().text("uniqueid").value_or("");
  REQUIRE_FALSE(uniqueid.empty());
  const PairRun run = s.pair_via_cli(c, "1234", "1234", "laptop");
  REQUIRE(run.result.paired);
  const auto pinned = *c.pinned_server_certificate();

  REQUIRE(s.host().stop() == std::optional<int>(0));
  s.host().start();

  CHECK(c.serverinfo_http().text("uniqueid") == uniqueid);
  // The client still pins the same certificate: https() fails the request otherwise.
  const XmlReply info = c.serverinfo_https();
  REQUIRE(info.ok());
  CHECK(info.text("PairStatus") == "1");
  CHECK(info.text("uniqueid") == uniqueid);
  CHECK(*c.pinned_server_certificate() == pinned);
  CHECK(c.applist().ok());
  CHECK(s.clients_list().find("laptop") != std::string::npos);
}

TEST_CASE("a pairing attempt pending at stop is gone after the restart", "[integration][restart]") {
  Scenario s;
  auto& c = s.client();
  std::promise<void> sent;
  PairOptions options;
  options.phase1_timeout = 10s;
  options.on_phase1_sent = [&sent] { sent.set_value(); };
  auto pending = std::async(std::launch::async, [&] { return c.pair("1234", PairingRandomness::random(), options); });
  REQUIRE(sent.get_future().wait_for(5s) == std::future_status::ready);
  std::this_thread::sleep_for(300ms);  // let the server register the attempt

  // SIGTERM while phase 1 is held: a clean, prompt exit that closes the held request.
  REQUIRE(s.host().stop() == std::optional<int>(0));
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  const PairResult result = pending.get();
  CHECK_FALSE(result.paired);
  CHECK(result.failed_phase == 1);

  s.host().start();
  const CliResult pin = s.host().cli({"pair", "1234", "--name", "laptop"});
  INFO(pin.describe());
  CHECK(pin.exit_code == 1);
  CHECK(pin.output.find("no pairing attempt pending") != std::string::npos);
  CHECK(paired_rows(s.clients_list()).empty());
  // A new attempt after the restart pairs normally.
  const PairRun again = s.pair_via_cli(c, "5678", "5678", "laptop");
  CHECK(again.result.paired);
}

// The harness itself: a port taken between picking it and the server's bind (another test's
// socket) must move the server to fresh ports, not fail the test that happened to start then.
TEST_CASE("the test harness moves to fresh ports when one was taken meanwhile", "[integration][harness]") {
  LightwellProcess p;
  const std::uint16_t taken = static_cast<std::uint16_t>(p.base_port() + 9);  // video, UDP
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(taken);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  p.start();
  ::close(fd);
  INFO(p.diagnostics());
  CHECK(p.base_port() + 9 != taken);
  CHECK(p.log().find("port " + std::to_string(taken) + ": bind: Address already in use") != std::string::npos);
  CHECK(p.stop() == 0);
}
