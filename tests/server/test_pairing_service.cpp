// PairingService through NvhttpService::handle_http, no sockets (pairing_service.hpp rules;
// http-pairing.md §5). The first case replays the pairing vector byte for byte.
#include "test_nvhttp_fixture.hpp"

using namespace nvtest;
using namespace std::chrono_literals;

namespace {

const std::string kDecl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

std::string upper(const std::vector<std::uint8_t>& b) { return proto::to_hex(b, true); }

PairingClient vector_client() { return PairingClient::from_files("pairing/client_cert.pem", "pairing/client_key.pem"); }

}  // namespace

TEST_CASE("pairing vector: the exact client requests get the exact replies, then the client is stored",
          "[pairing]") {
  Host host;
  const auto v = lightwell::test::read_records("pairing/pairing_vector.txt").at(0);
  host.random.next = {v.hex("server_secret"), v.hex("server_challenge")};  // Ss, then Sc
  const PairingClient c = vector_client();

  auto held = host.send(c.req("phrase=getservercert&salt=" + v.get("salt") + "&clientcert=" + hex_of(c.cert_pem)));
  CHECK_FALSE(held->has_value());
  CHECK(host.pairing->attempt_pending());
  auto outcome = host.pin_async(v.get("pin"), "Living room TV");
  REQUIRE(held->has_value());
  CHECK((*held)->body == kDecl + "<root status_code=\"200\"><paired>1</paired><plaincert>" +
                             upper(std::vector<std::uint8_t>(host.identity.certificate_pem.begin(),
                                                             host.identity.certificate_pem.end())) +
                             "</plaincert></root>");
  CHECK_FALSE(outcome->has_value());  // decided by phase 4

  CHECK(host.get(c.req("clientchallenge=" + v.get("clientchallenge_param"))) ==
        kDecl + "<root status_code=\"200\"><paired>1</paired><challengeresponse>" + upper(v.hex("challengeresponse")) +
            "</challengeresponse></root>");
  CHECK(host.get(c.req("serverchallengeresp=" + v.get("serverchallengeresp"))) ==
        kDecl + "<root status_code=\"200\"><paired>1</paired><pairingsecret>" + upper(v.hex("pairingsecret")) +
            "</pairingsecret></root>");
  CHECK(host.store->clients().empty());  // nothing stored before phase 4 verified
  CHECK(host.get(c.req("clientpairingsecret=" + v.get("clientpairingsecret"))) ==
        kDecl + "<root status_code=\"200\"><paired>1</paired></root>");

  REQUIRE(host.store->clients().size() == 1);
  const PairedClient& stored = host.store->clients()[0];
  CHECK(stored.name == "Living room TV");
  CHECK(stored.first_seen_unix_s == host.clock.unix_s);
  CHECK(host.store->find_by_certificate_der(c.der()) != nullptr);
  REQUIRE(outcome->has_value());
  CHECK((*outcome)->ok);
  CHECK((*outcome)->message == "paired \"Living room TV\" (id " + stored.id + ")");
  CHECK_FALSE(host.pairing->attempt_pending());
  // Persisted: a fresh load sees it.
  CHECK(ClientStore::load(host.tmp / "state").clients().size() == 1);
}

TEST_CASE("pairing vector with PIN 1235 typed: paired=0, nothing stored, `lightwell pair` hears wrong PIN",
          "[pairing]") {
  Host host;
  const auto v = lightwell::test::read_records("pairing/pairing_vector.txt").at(0);
  const PairingClient c = vector_client();
  auto held = host.send(c.req("phrase=getservercert&salt=" + v.get("salt") + "&clientcert=" + hex_of(c.cert_pem)));
  auto outcome = host.pin_async("1235");
  REQUIRE(held->has_value());
  // Embedded's path: it does not check the PIN after phase 3 and sends phase 4 anyway.
  CHECK(element(host.get(c.req("clientchallenge=" + v.get("clientchallenge_param"))), "paired") == "1");
  CHECK(element(host.get(c.req("serverchallengeresp=" + v.get("serverchallengeresp"))), "paired") == "1");
  const std::string last = host.get(c.req("clientpairingsecret=" + v.get("clientpairingsecret")));
  CHECK(last == kDecl + "<root status_code=\"200\"><paired>0</paired></root>");
  CHECK(host.store->clients().empty());
  CHECK(ClientStore::load(host.tmp / "state").clients().empty());
  REQUIRE(outcome->has_value());
  CHECK_FALSE((*outcome)->ok);
  CHECK((*outcome)->message == "wrong PIN");
  CHECK_FALSE(host.pairing->attempt_pending());
}

TEST_CASE("Qt's wrong-PIN path: the client checks after phase 3 and calls /unpair", "[pairing]") {
  Host host;
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  auto outcome = host.pin_async("9999");  // the client computes with 4821
  REQUIRE(held->has_value());
  c.on_phase1((*held)->body);
  c.on_phase2(host.get(c.phase2()));
  c.on_phase3(host.get(c.phase3()));
  CHECK_FALSE(c.pin_matches);
  CHECK(status_code(host.http("/unpair?" + c.common())) == "200");
  CHECK_FALSE(host.pairing->attempt_pending());
  REQUIRE(outcome->has_value());
  CHECK((*outcome)->message == "wrong PIN");
  CHECK(host.store->clients().empty());
}

TEST_CASE("the PIN is checked before it reaches the attempt, and is never logged", "[pairing]") {
  Host host;
  CHECK(host.pin("4821").message == "no pairing attempt pending");
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  for (const char* bad : {"482", "48211", "48a1", " 482", ""}) {
    const ControlReply r = host.pin(bad);
    CHECK_FALSE(r.ok);
    CHECK(r.message == "the PIN must be exactly 4 digits");
  }
  CHECK(host.pairing->attempt_pending());  // a typo does not cost the attempt
  CHECK_FALSE(held->has_value());
  CHECK(element(c.pair_with(host, "4821"), "paired") == "1");
  // already answered; a second PIN has nothing to go to
  CHECK(host.pin("4821").message == "no pairing attempt pending");
  CHECK(host.logs().find("4821") == std::string::npos);
}

TEST_CASE("phases out of order, replayed, or sent before the PIN destroy the attempt (400, §5.7)", "[pairing]") {
  Host host;
  PairingClient c = vector_client();

  SECTION("phase 2 while phase 1 is still held") {
    auto held = host.send(c.phase1());
    const std::string r = host.get(c.req("clientchallenge=00112233445566778899aabbccddeeff"));
    CHECK(status_code(r) == "400");
    CHECK(r.find("Out of order call to clientchallenge") != std::string::npos);
    CHECK(element(r, "paired") == "0");
    REQUIRE(held->has_value());
    CHECK(status_code((*held)->body) == "400");
    CHECK_FALSE(host.pairing->attempt_pending());
  }
  SECTION("phase 3 right after the PIN") {
    auto held = host.send(c.phase1());
    host.pin_async("4821");
    c.on_phase1((*held)->body);
    c.sc.assign(16, 0);
    const std::string r = host.get(c.phase3());
    CHECK(r.find("Out of order call to serverchallengeresp") != std::string::npos);
    CHECK_FALSE(host.pairing->attempt_pending());
    // and the rest of the flow has nothing to talk to
    CHECK(host.get(c.phase2()).find("Out of order call to clientchallenge") != std::string::npos);
  }
  SECTION("phase 2 replayed") {
    auto held = host.send(c.phase1());
    host.pin_async("4821");
    c.on_phase1((*held)->body);
    const auto p2 = c.phase2();
    c.on_phase2(host.get(p2));
    CHECK(status_code(host.get(p2)) == "400");
    CHECK_FALSE(host.pairing->attempt_pending());
    CHECK(status_code(host.get(c.phase3())) == "400");
  }
  SECTION("phase 4 replayed after success") {
    CHECK(element(c.pair_with(host, "4821"), "paired") == "1");
    CHECK(status_code(host.get(c.phase4())) == "400");
    CHECK(host.store->clients().size() == 1);
  }
  SECTION("a malformed phase from the attempt's client") {
    auto held = host.send(c.phase1());
    host.pin_async("4821");
    CHECK(status_code(host.get(c.req("clientchallenge=0011"))) == "400");  // 2 bytes, not 16
    CHECK_FALSE(host.pairing->attempt_pending());
  }
  CHECK(host.store->clients().size() <= 1);
}

TEST_CASE("another client while an attempt is pending gets the busy reply; the same client replaces it",
          "[pairing]") {
  Host host;
  PairingClient a = vector_client();
  auto held = host.send(a.phase1());

  SECTION("other certificate, same shared uniqueid: busy (paired=1 without plaincert)") {
    PairingClient b = PairingClient::generated();
    b.peer = "192.168.1.30";
    const std::string r = host.get(b.phase1());
    CHECK(status_code(r) == "200");
    CHECK(element(r, "paired") == "1");
    CHECK_FALSE(element(r, "plaincert").has_value());
    CHECK_FALSE(held->has_value());  // the first attempt is untouched and still gets the PIN
    host.pin_async("4821");
    REQUIRE(held->has_value());
    CHECK(element((*held)->body, "plaincert").has_value());
  }
  SECTION("same uniqueid and certificate: the new request replaces the held one") {
    auto second = host.send(a.phase1());
    REQUIRE(held->has_value());
    CHECK(status_code((*held)->body) == "400");
    CHECK(element((*held)->body, "paired") == "0");
    CHECK_FALSE(second->has_value());
    host.pin_async("4821");
    REQUIRE(second->has_value());
    CHECK(element((*second)->body, "plaincert").has_value());
  }
  SECTION("same certificate, other uniqueid: busy") {
    PairingClient b = vector_client();
    b.uniqueid = "AAAABBBBCCCCDDDD";
    CHECK_FALSE(element(host.get(b.phase1()), "plaincert").has_value());
    CHECK_FALSE(held->has_value());
  }
  SECTION("phases 2-4 from another address do not touch the attempt") {
    host.pin_async("4821");
    a.on_phase1((*held)->body);
    PairingClient b = a;
    b.peer = "192.168.1.99";
    CHECK(host.get(b.phase2()).find("Invalid uniqueid") != std::string::npos);
    CHECK(status_code(host.http("/unpair?" + b.common(), b.peer)) == "200");
    CHECK(host.pairing->attempt_pending());
    a.on_phase2(host.get(a.phase2()));
    a.on_phase3(host.get(a.phase3()));
    CHECK(a.pin_matches);
    CHECK(element(host.get(a.phase4()), "paired") == "1");
  }
}

TEST_CASE("/unpair over HTTP answers 200 and drops only that client's pending attempt", "[pairing]") {
  Host host;
  CHECK(host.http("/unpair?uniqueid=0123456789ABCDEF&uuid=7d94cf6942bd4fe8af6677e047657351") ==
        kDecl + "<root status_code=\"200\"></root>");
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  CHECK(status_code(host.http("/unpair?uniqueid=FFFFFFFFFFFFFFFF")) == "200");
  CHECK(host.pairing->attempt_pending());
  CHECK(status_code(host.http("/unpair?" + c.common())) == "200");
  CHECK_FALSE(host.pairing->attempt_pending());
  REQUIRE(held->has_value());
  CHECK(element((*held)->body, "paired") == "0");
}

TEST_CASE("phase 1 is held until the timeout, then answered paired=0 and forgotten", "[pairing]") {
  Host host;
  host.pairing_options.pin_timeout = 30ms;
  host.start();
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  REQUIRE(host.run_until([&] { return held->has_value(); }));
  CHECK(status_code((*held)->body) == "408");
  CHECK(element((*held)->body, "paired") == "0");
  CHECK_FALSE(host.pairing->attempt_pending());
  CHECK(host.pin("4821").message == "no pairing attempt pending");
}

TEST_CASE("after the PIN, each next phase must come within the phase timeout", "[pairing]") {
  Host host;
  host.pairing_options.phase_timeout = 30ms;
  host.start();
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  auto outcome = host.pin_async("4821");
  REQUIRE(host.run_until([&] { return !host.pairing->attempt_pending(); }));
  REQUIRE(outcome->has_value());
  CHECK((*outcome)->message.rfind("pairing failed: ", 0) == 0);
  c.on_phase1((*held)->body);
  CHECK(status_code(host.get(c.phase2())) == "400");
}

TEST_CASE("`lightwell pair` gets 'PIN accepted' if the client does not finish within the wait", "[pairing]") {
  Host host;
  host.pairing_options.pin_outcome_wait = 20ms;
  host.start();
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  auto outcome = host.pin_async("4821");
  REQUIRE(host.run_until([&] { return outcome->has_value(); }));
  CHECK((*outcome)->ok);
  CHECK((*outcome)->message.rfind("PIN accepted", 0) == 0);
  CHECK(host.pairing->attempt_pending());  // the client may still finish
}

TEST_CASE("repeated failures lock pairing with a growing back-off; success resets it", "[pairing]") {
  Host host;
  PairingClient c = vector_client();
  auto fail_once = [&] { CHECK(element(c.pair_with(host, "1111"), "paired") == "0"); };
  fail_once();
  fail_once();
  CHECK(host.pairing->lockout_remaining_s() == 0);
  fail_once();
  CHECK(host.pairing->lockout_remaining_s() == 60);
  const std::string refused = host.get(c.phase1());
  CHECK(status_code(refused) == "503");
  CHECK(refused.find("Pairing is locked for 60 s") != std::string::npos);
  CHECK(host.pin("4821").message == "pairing is locked for 60 s after repeated failed attempts");

  host.clock.advance(61s);
  fail_once();
  fail_once();
  fail_once();
  CHECK(host.pairing->lockout_remaining_s() == 120);  // doubled
  host.clock.advance(121s);
  CHECK(element(c.pair_with(host, "4821"), "paired") == "1");
  fail_once();
  fail_once();
  fail_once();
  CHECK(host.pairing->lockout_remaining_s() == 60);  // level reset by the success
}

TEST_CASE("failures spread beyond the window do not lock", "[pairing]") {
  Host host;
  PairingClient c = vector_client();
  for (int i = 0; i < 5; ++i) {
    CHECK(element(c.pair_with(host, "1111"), "paired") == "0");
    host.clock.advance(301s);
  }
  CHECK(host.pairing->lockout_remaining_s() == 0);
}

TEST_CASE("bad /pair requests: 400 or 404 forms, nothing pending changes", "[pairing]") {
  Host host;
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  PairingClient stranger = c;
  stranger.uniqueid = "AAAABBBBCCCCDDDD";  // bad requests from anyone but the attempt's client leave it alone
  const std::string short_salt =
      host.get(stranger.req("phrase=getservercert&salt=0011&clientcert=" + hex_of(c.cert_pem)));
  CHECK(status_code(short_salt) == "400");
  CHECK(element(short_salt, "paired") == "0");
  const std::string unknown = host.get(stranger.req("phrase=dance"));
  CHECK(status_code(unknown) == "404");
  CHECK(unknown.find("Invalid pairing request") != std::string::npos);
  const std::string no_uid = host.http("/pair?phrase=getservercert&salt=00112233445566778899aabbccddeeff&clientcert=" +
                                       hex_of(c.cert_pem));
  CHECK(no_uid.find("Missing uniqueid parameter") != std::string::npos);
  CHECK(host.http("/pair?uniqueid=X&phrase=pairchallenge").find("must be sent over HTTPS") != std::string::npos);
  CHECK(status_code(host.http("/pair?uniqueid=%zz")) == "400");  // the query itself is broken
  CHECK(status_code(host.http("/pair?uniqueid=A&uniqueid=B")) == "400");
  CHECK(host.pairing->attempt_pending());
  CHECK_FALSE(held->has_value());
}

TEST_CASE("stop() answers the held request and the waiting PIN entry", "[pairing]") {
  Host host;
  PairingClient c = vector_client();
  auto held = host.send(c.phase1());
  host.pairing->stop();
  REQUIRE(held->has_value());
  CHECK(status_code((*held)->body) == "503");
  CHECK_FALSE(host.pairing->attempt_pending());
}
