// Pairing that must NOT succeed, black box (http-pairing.md §5.5, §5.7, docs/pairing.md):
// wrong PIN, phases out of order or replayed, a second client while one attempt is pending,
// malformed queries, oversized requests. After each: nothing stored (`clients list` empty,
// HTTPS refused with XML 401) and the server still serving.
#include <catch2/catch.hpp>


#include "integration_support.hpp"
#include "lightwell/proto/hex.hpp"

using namespace lightwell;
using namespace lightwell::test;

namespace {

// One pairing attempt driven phase by phase, so a test can skip, reorder or replay phases.
class Steps {
 public:
  Steps(Scenario& s, GameStreamClient& c)
      : s_(s), c_(c), role_(ClientPairingRole::create(c.identity()).value()), rnd_(PairingRandomness::random()) {
    // Keyed from the start, so phases can be sent without (or before) phase 1.
    REQUIRE(role_.begin(rnd_.salt, "1234"));
  }

  // Phase 1 with the PIN typed on the host; returns the reply (plaincert accepted).
  XmlReply phase1(const std::string& client_pin = "1234", const std::string& host_pin = "1234") {
    REQUIRE(role_.begin(rnd_.salt, client_pin));
    const std::string t = c_.pair_target("phrase=getservercert&salt=" + proto::to_hex(rnd_.salt) +
                                         "&clientcert=" + role_.client_cert_hex());
    sent_.push_back(t);
    XmlReply x = held_phase1(s_, c_, t, host_pin);
    REQUIRE(x.ok());
    const auto pem = text_of_hex(x.text("plaincert").value_or(""));
    REQUIRE(pem);
    REQUIRE(role_.accept_server_certificate(*pem));
    return x;
  }
  // Sends a phase-1 request (held by the server) and types host_pin with `lightwell pair`.
  static XmlReply held_phase1(Scenario& s, GameStreamClient& c, const std::string& target, const std::string& host_pin) {
    auto future = std::async(std::launch::async, [&c, target] { return c.http(target, {}, 10s); });
    CliResult cli;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
      cli = s.host().cli({"pair", host_pin, "--name", "laptop"});
      if (cli.output.find("no pairing attempt pending") == std::string::npos) break;
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline && future.wait_for(0s) != std::future_status::ready);
    const HttpReply reply = future.get();
    c.note("lightwell pair: " + cli.describe());
    return parse_xml(reply.body);
  }
  // Every request target sent so far, phase 1 first (for replays).
  const std::vector<std::string>& sent() const noexcept { return sent_; }
  XmlReply phase2() {
    const auto cc = role_.client_challenge(rnd_.client_challenge);
    REQUIRE(cc);
    sent_.push_back(c_.pair_target("clientchallenge=" + proto::to_hex(*cc)));
    XmlReply x = parse_xml(c_.http(sent_.back()).body);
    if (auto cr = proto::from_hex(x.text("challengeresponse").value_or(""), 48); cr && cr->size() == 48) {
      challenge_response_ = *cr;
    }
    return x;
  }
  XmlReply phase3() {
    // Without a phase-2 answer, a well-formed but meaningless 32-byte value.
    const auto hc = role_.server_challenge_resp(challenge_response_, rnd_.client_secret);
    REQUIRE(hc);
    sent_.push_back(c_.pair_target("serverchallengeresp=" + proto::to_hex(*hc)));
    return parse_xml(c_.http(sent_.back()).body);
  }
  XmlReply phase4() {
    const auto cps = role_.client_pairing_secret();
    REQUIRE(cps);
    sent_.push_back(c_.pair_target("clientpairingsecret=" + proto::to_hex(*cps)));
    return parse_xml(c_.http(sent_.back()).body);
  }

 private:
  Scenario& s_;
  GameStreamClient& c_;
  ClientPairingRole role_;
  PairingRandomness rnd_;
  std::vector<std::uint8_t> challenge_response_ = std::vector<std::uint8_t>(48, 0);
  std::vector<std::string> sent_;
};

// The reference host's protocol-failure form (§5.7): status 400, paired=0.
void check_pair_error(const XmlReply& x, long long status = 400) {
  INFO("reply: " << x.raw);
  CHECK(x.status_code == status);
  CHECK(x.text("paired") == "0");
}

// Nothing stored: no client in the list, the certificate refused on HTTPS with XML 401.
void check_nothing_stored(Scenario& s, GameStreamClient& c) {
  CHECK(paired_rows(s.clients_list()).empty());
  const HttpReply r = c.https("/serverinfo");
  REQUIRE(r.ok());
  CHECK(r.http_status == 200);
  CHECK(parse_xml(r.body).status_code == 401);
}

// No attempt is left pending: typing a PIN now finds nothing to pair.
void check_no_attempt_pending(Scenario& s) {
  const CliResult r = s.host().cli({"pair", "1234"});
  INFO(r.describe());
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("no pairing attempt pending") != std::string::npos);
}

void check_still_serving(GameStreamClient& c) { CHECK(c.serverinfo_http().ok()); }

}  // namespace

TEST_CASE("wrong PIN: the host answers paired=0 in phase 4 and stores nothing", "[integration][pairing]") {
  // Embedded's behaviour (§5.4): it goes on to phase 4 despite the mismatch; the host's own
  // check (§5.5) must refuse.
  Scenario s;
  auto& c = s.client();
  PairOptions options;
  options.send_phase4_on_hash_mismatch = true;
  const PairRun run = s.pair_via_cli(c, "1234", "4321", "laptop", options);
  CHECK_FALSE(run.result.paired);
  CHECK(run.result.secret_check == SecretCheck::hash_mismatch);
  CHECK(run.result.failed_phase == 4);
  REQUIRE_FALSE(run.result.replies.empty());
  // §5.5: paired=0 with status_code 200.
  CHECK(run.result.replies.back().status_code == 200);
  CHECK(run.result.replies.back().text("paired") == "0");
  check_nothing_stored(s, c);
  check_no_attempt_pending(s);
}

// docs/security.md: the advisory table. Each phase is accepted once, in order, from the
// attempt's own client (docs/pairing.md "The attempt state machine"); anything else ends the
// attempt and stores nothing.
TEST_CASE("advisory: pairing phases replayed or out of order", "[integration][pairing][advisory]") {
  Scenario s;
  auto& c = s.client();
  Steps steps(s, c);

  SECTION("phases without an attempt are refused") {
    check_pair_error(steps.phase2());
    check_pair_error(steps.phase3());
    check_pair_error(steps.phase4());
    check_nothing_stored(s, c);
    check_still_serving(c);
  }

  SECTION("a phase out of order ends the attempt") {
    steps.phase1();
    check_pair_error(steps.phase3());  // skips phase 2
    // The attempt is gone: the phases that were next are refused too (§5.7 deletes the session).
    check_pair_error(steps.phase2());
    check_pair_error(steps.phase4());
    check_nothing_stored(s, c);
  }

  SECTION("a replayed phase ends the attempt") {
    steps.phase1();
    REQUIRE(steps.phase2().ok());
    check_pair_error(steps.phase2());  // replay
    check_pair_error(steps.phase3());
    check_pair_error(steps.phase4());
    check_nothing_stored(s, c);
  }

  SECTION("phase 4 replayed after a successful pairing is refused") {
    steps.phase1();
    REQUIRE(steps.phase2().ok());
    REQUIRE(steps.phase3().ok());
    const XmlReply paired = steps.phase4();
    REQUIRE(paired.ok());
    CHECK(paired.text("paired") == "1");
    check_pair_error(steps.phase4());
    CHECK(s.clients_list().find("laptop") != std::string::npos);
  }

  SECTION("a whole successful pairing recorded and replayed pairs nobody") {
    // An eavesdropper recorded every request of a pairing (HTTP, §5.2-§5.5), the client was
    // unpaired later, and the recording is replayed with the operator typing the same PIN:
    // the server's challenge Sc is fresh, so the recorded phase 4 no longer matches (§5.5).
    steps.phase1();
    REQUIRE(steps.phase2().ok());
    REQUIRE(steps.phase3().ok());
    REQUIRE(steps.phase4().text("paired") == "1");
    const std::vector<std::string> recorded = steps.sent();
    REQUIRE(recorded.size() == 4);
    const CliResult unpair = s.host().cli({"clients", "unpair", "laptop"});
    INFO(unpair.describe());
    REQUIRE(unpair.exit_code == 0);
    REQUIRE(paired_rows(s.clients_list()).empty());

    REQUIRE(Steps::held_phase1(s, c, recorded[0], "1234").ok());  // public data only
    CHECK(parse_xml(c.http(recorded[1]).body).ok());  // phase 2 cannot be checked yet
    CHECK(parse_xml(c.http(recorded[2]).body).ok());  // stores the recorded hash for phase 4
    const XmlReply replayed4 = parse_xml(c.http(recorded[3]).body);
    INFO("replayed phase 4: " << replayed4.raw);
    CHECK(replayed4.text("paired") == "0");
    check_nothing_stored(s, c);
  }
}

// docs/security.md: the advisory table. The PIN typed on the host goes to the one pending
// attempt, which is bound to its client's uniqueid, certificate and address
// (docs/pairing-flow.md "The attempt"); nobody else can start, advance or inherit it.
TEST_CASE("advisory: pairing approval not bound to the pending request", "[integration][pairing][advisory]") {
  Scenario s;

  SECTION("a second client's getservercert while one attempt is pending is answered busy") {
    auto& first = s.client("0123456789ABCDEF");
    auto& second = s.client("FEDCBA9876543210");
    std::promise<void> sent;
    PairOptions options;
    options.phase1_timeout = 10s;
    options.on_phase1_sent = [&sent] { sent.set_value(); };
    auto pending = std::async(std::launch::async, [&] { return first.pair("1234", PairingRandomness::random(), options); });
    REQUIRE(sent.get_future().wait_for(5s) == std::future_status::ready);
    // The request is written; give the server's io thread a moment to register the attempt
    // (there is no observable signal that does not consume it).
    std::this_thread::sleep_for(300ms);

    const auto role = ClientPairingRole::create(second.identity());
    REQUIRE(role);
    const HttpReply busy_reply = second.http(
        second.pair_target("phrase=getservercert&salt=" + proto::to_hex(random_secret()) + "&clientcert=" + role->client_cert_hex()),
        {}, 5s);
    REQUIRE(busy_reply.ok());  // answered at once, not held for a PIN
    CHECK(busy_reply.http_status == 200);
    const XmlReply busy = parse_xml(busy_reply.body);
    // §5.2 / docs/pairing.md: the busy form is paired=1 without plaincert.
    CHECK_FALSE(busy.text("plaincert"));
    CHECK(busy.status_code == 200);
    CHECK(busy.text("paired") == "1");

    // The first attempt is untouched: the PIN pairs it, and only it.
    const CliResult cli = s.host().enter_pin("1234", "laptop");
    CHECK(cli.exit_code == 0);
    const PairResult result = pending.get();
    CHECK(result.paired);
    const auto rows = paired_rows(s.clients_list());
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].find("laptop") != std::string::npos);
    CHECK(second.https("/serverinfo").ok());
    CHECK(parse_xml(second.https("/serverinfo").body).status_code == 401);
  }

  SECTION("a phase from another client does not advance the pending attempt") {
    auto& a = s.client("0123456789ABCDEF");
    auto& b = s.client("FEDCBA9876543210");
    Steps steps_a(s, a);
    Steps steps_b(s, b);
    steps_a.phase1();  // the PIN is typed for A
    // B (another uniqueid and certificate) sends the next phase before A does.
    const XmlReply intruding = steps_b.phase2();
    INFO("B's phase 2: " << intruding.raw);
    CHECK(intruding.status_code == 400);
    CHECK(intruding.text("challengeresponse") == std::nullopt);
    // A's attempt is untouched and completes; only A is stored.
    REQUIRE(steps_a.phase2().ok());
    REQUIRE(steps_a.phase3().ok());
    CHECK(steps_a.phase4().text("paired") == "1");
    CHECK(paired_rows(s.clients_list()).size() == 1);
    CHECK(parse_xml(a.https("/serverinfo").body).status_code == 200);
    CHECK(parse_xml(b.https("/serverinfo").body).status_code == 401);
  }

  SECTION("a PIN typed for an abandoned attempt does not pair the client that starts after it") {
    auto& a = s.client("0123456789ABCDEF");
    auto& b = s.client("FEDCBA9876543210");
    Steps steps_a(s, a);
    steps_a.phase1();                  // the PIN is typed for A ...
    REQUIRE(a.http("/unpair").ok());   // ... and A walks away before phase 2
    // B starts right after: its phase 1 is held for a PIN of its own (not answered with
    // plaincert on the strength of A's PIN) until the client gives up.
    const auto role = ClientPairingRole::create(b.identity());
    REQUIRE(role);
    const HttpReply held = b.http(
        b.pair_target("phrase=getservercert&salt=" + proto::to_hex(random_secret()) + "&clientcert=" + role->client_cert_hex()),
        {}, 2s);
    INFO("B's phase 1: " << (held.ok() ? held.body : held.transport_error));
    CHECK_FALSE(held.ok());  // still waiting when the client's 2 s ran out
    CHECK(paired_rows(s.clients_list()).empty());
    CHECK(parse_xml(b.https("/serverinfo").body).status_code == 401);
  }
}

TEST_CASE("malformed /pair queries get a 4xx XML answer at once and leave no attempt", "[integration][pairing]") {
  Scenario s;
  auto& c = s.client();
  const auto role = ClientPairingRole::create(c.identity());
  REQUIRE(role);
  const std::string good_salt = proto::to_hex(random_secret());
  const std::string cert = "&clientcert=" + role->client_cert_hex();
  struct Case {
    std::string params;
    long long status;
  };
  const std::vector<Case> cases{
      {"phrase=getservercert&salt=" + std::string(32, 'z') + cert, 400},        // bad hex
      {"phrase=getservercert" + cert, 400},                                     // missing salt
      {"phrase=getservercert&salt=" + good_salt.substr(0, 31) + cert, 400},    // odd / short
      {"phrase=getservercert&salt=" + good_salt.substr(0, 30) + cert, 400},    // 15 bytes
      {"phrase=getservercert&salt=" + std::string(4000, 'a') + cert, 400},     // huge value
      {"phrase=getservercert&salt=" + good_salt, 400},                          // missing clientcert
      {"phrase=getservercert&salt=" + good_salt + "&clientcert=" + std::string(64, 'q'), 400},
      {"phrase=getservercert&salt=" + good_salt + "&clientcert=" + hex_of_text("not a certificate"), 400},
      {"phrase=getservercert&salt=" + good_salt + "&salt=" + good_salt + cert, 400},  // duplicate key
      {"phrase=getservercert&salt=%zz" + cert, 400},                            // bad escape
      {"clientchallenge=" + std::string(32, 'g'), 400},
      {"clientchallenge=00112233", 400},                                        // short
      {"serverchallengeresp=" + std::string(5000, '0'), 400},                   // huge
      {"clientchallenge=" + std::string(32, '0') + "&serverchallengeresp=" + std::string(64, '0'), 400},  // ambiguous
      {"phrase=frobnicate", 404},                                               // §5.7: none known
      {"", 404},
  };
  for (const auto& tc : cases) {
    const std::string t = c.pair_target(tc.params);
    const HttpReply r = c.http(t, {}, 5s);
    INFO("query: " << t.substr(0, 300));
    REQUIRE(r.ok());
    CHECK(r.http_status == 200);  // §1: the real code is in the XML
    const XmlReply x = parse_xml(r.body);
    CHECK(x.status_code == tc.status);
    CHECK(x.text("paired") != std::optional<std::string>("1"));
  }
  check_no_attempt_pending(s);
  check_still_serving(c);
}

TEST_CASE("unknown paths answer XML 404, a bad query string XML 400", "[integration]") {
  Scenario s;
  auto& c = s.client();
  const HttpReply unknown = c.http("/frobnicate");
  REQUIRE(unknown.ok());
  CHECK(unknown.http_status == 200);
  CHECK(parse_xml(unknown.body).status_code == 404);
  // A bad escape: refused (400) or ignored (200) -- either way an XML answer with HTTP 200.
  const HttpReply bad = c.http("/serverinfo?uniqueid=%zz");
  REQUIRE(bad.ok());
  CHECK(bad.http_status == 200);
  const auto code = parse_xml(bad.body).status_code;
  CHECK((code == 400 || code == 200));
  check_still_serving(c);
}

TEST_CASE("oversized requests are dropped; the server keeps serving", "[integration]") {
  Scenario s;
  auto& c = s.client();
  const std::string huge_header = "GET /serverinfo HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const std::string huge_target = "GET /serverinfo?uniqueid=" + std::string(32 * 1024, 'A') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& request : {huge_header, huge_target}) {
    const RawReply r = raw_exchange("127.0.0.1", s.host().http_port(), request, 5s);
    INFO("received: " << r.received.substr(0, 300) << " error: " << r.error);
    CHECK(r.closed_by_server);
    CHECK(r.received.find("status_code=\"200\"") == std::string::npos);
  }
  check_still_serving(c);
}
