// PIN guessing across many pairing attempts is rate limited (issue 10 "Load and abuse";
// docs/pairing-flow.md "Rate limit"), black box against the real `lightwell serve`: three
// failed attempts lock pairing for 60 s; while locked, getservercert is answered at once with
// 503 and the remaining time, the right PIN pairs nobody, and the lock is global (another
// uniqueid and certificate are refused too). The doubling of further lockouts and pairing
// again once the lock has run out are proven with a fake clock in
// tests/server/test_pairing_service.cpp ("repeated failures lock pairing with a growing
// back-off; success resets it"): the lockout is not configurable, and a black-box wait of
// 60 + 120 s would dominate the suite's time.
#include <catch2/catch.hpp>

#include <regex>

#include "integration_support.hpp"
#include "lightwell/proto/hex.hpp"

namespace lightwell::test {
namespace {

// The number in "… locked for N s …", or -1.
long long locked_seconds(const std::string& text) {
  static const std::regex pattern("locked for ([0-9]+) s");
  std::smatch m;
  return std::regex_search(text, m, pattern) ? std::stoll(m[1].str()) : -1;
}

HttpReply getservercert(GameStreamClient& c) {
  const auto role = ClientPairingRole::create(c.identity());
  REQUIRE(role);
  return c.http(c.pair_target("phrase=getservercert&salt=" + proto::to_hex(random_secret()) +
                              "&clientcert=" + role->client_cert_hex()),
                {}, 5s);
}

}  // namespace

TEST_CASE("abuse: PIN guessing is rate limited (three wrong PINs lock pairing; the right PIN is refused while locked)",
          "[integration][abuse][pairing]") {
  Scenario s;
  auto& guesser = s.client("0123456789ABCDEF");
  PairOptions phase4_anyway;  // Embedded's way: every guess is judged by the host in phase 4
  phase4_anyway.send_phase4_on_hash_mismatch = true;

  // Three guesses that do not match the PIN the user typed on the host.
  for (const char* typed : {"1000", "2000", "3000"}) {
    const PairRun run = s.pair_via_cli(guesser, "9999", typed, "guesser", phase4_anyway);
    INFO("host PIN " << typed << ": " << run.cli.describe());
    REQUIRE_FALSE(run.result.paired);
    CHECK(run.result.failed_phase == 4);
  }
  CHECK(s.host().log().find("new attempts are refused for 60 s") != std::string::npos);

  // Locked: a new attempt is refused at once (not held for a PIN), with the remaining time.
  const HttpReply locked = getservercert(guesser);
  REQUIRE(locked.ok());
  CHECK(locked.http_status == 200);  // §1: the real code is in the XML
  const XmlReply x = parse_xml(locked.body);
  INFO("reply: " << x.raw);
  CHECK(x.status_code == 503);
  CHECK(x.text("paired") != std::optional<std::string>("1"));
  CHECK_FALSE(x.text("plaincert"));
  const long long left = locked_seconds(x.status_message);
  CHECK(left > 0);
  CHECK(left <= 60);

  // The right PIN during the lockout pairs nobody: the client's attempt is refused in phase 1
  // and the PIN typed on the host finds no attempt and says why.
  auto& honest = s.client("FEDCBA9876543210");  // another uniqueid and certificate: the lock is global
  PairOptions quick;
  quick.phase1_timeout = 5s;
  const PairRun right = s.pair_via_cli(honest, "4321", "4321", "honest", quick);
  CHECK_FALSE(right.result.paired);
  CHECK(right.result.failed_phase == 1);
  REQUIRE_FALSE(right.result.replies.empty());
  CHECK(right.result.replies.front().status_code == 503);
  const CliResult pin = s.host().cli({"pair", "4321"});
  INFO(pin.describe());
  CHECK(pin.exit_code == 1);
  CHECK(locked_seconds(pin.output) > 0);
  CHECK(locked_seconds(pin.output) <= 60);

  // Nothing was stored, nobody reaches HTTPS, and the server still serves.
  CHECK(paired_rows(s.clients_list()).empty());
  CHECK(parse_xml(honest.https("/serverinfo").body).status_code == 401);
  CHECK(parse_xml(guesser.https("/serverinfo").body).status_code == 401);
  CHECK(guesser.serverinfo_http().ok());
}

}  // namespace lightwell::test
