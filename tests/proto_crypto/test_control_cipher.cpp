// ControlSealer / ControlOpener (control.md §3) against the packets of the real client library:
// input_control_gcm_vectors.txt (both directions) and wire/control_encrypted.txt (a captured
// session start and the host messages the client accepted). Also the replay policy
// (docs/control.md) and every way an envelope can be bad.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "lightwell/proto/control_feedback.hpp"
#include "lightwell/proto/control_messages.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;
using namespace lightwell::proto::crypto;

namespace {


// The session key of wire/control_encrypted.txt.
Key128 capture_key() { return test::key16(test::unhex("f826e35ba7ab9cbfac93cfff725a2e23")); }

std::vector<std::uint8_t> seal(ControlSealer& sealer, const std::vector<std::uint8_t>& plaintext) {
  std::vector<std::uint8_t> out(plaintext.size() + kControlEnvelopeOverheadBytes + 7, 0xEE);
  auto n = sealer.seal(plaintext, out);
  REQUIRE(n);
  out.resize(*n);
  return out;
}

std::vector<std::uint8_t> open_ok(ControlOpener& opener, const std::vector<std::uint8_t>& packet,
                                  std::uint32_t expected_seq) {
  std::vector<std::uint8_t> out(kControlMaxPlaintextBytes);
  auto opened = opener.open(packet, out);
  INFO(test::hex(packet));
  REQUIRE(opened);
  CHECK(opened->seq == expected_seq);
  return {opened->plaintext.begin(), opened->plaintext.end()};
}

Errc open_error(ControlOpener& opener, const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint8_t> out(kControlMaxPlaintextBytes);
  auto opened = opener.open(packet, out);
  REQUIRE_FALSE(opened);
  return opened.error().code;
}

struct Wire {
  std::string header;  // "[client_to_host seq" / "[host_to_client seq"
  std::uint32_t seq;
  std::vector<std::uint8_t> packet, plaintext;
};

std::vector<Wire> capture(const std::string& direction_key) {
  std::vector<Wire> out;
  for (const auto& rec : test::read_records("wire/control_encrypted.txt")) {
    auto v = rec.find(direction_key);
    if (!v || !rec.find("wire")) continue;
    out.push_back({direction_key, static_cast<std::uint32_t>(std::stoul(v->substr(0, v->find(']')))),
                   rec.hex("wire"), rec.hex("plaintext")});
  }
  return out;
}

std::vector<std::uint8_t> to_vec(Bytes b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("host->client GCM vectors: our host sealer, counting from 0, gives the exact packets") {
  std::optional<ControlSealer> sealer;
  int n = 0;
  for (const auto& rec : test::read_records("input_control_gcm_vectors.txt")) {
    if (!rec.find("packet") || rec.get("direction") != "s2c") continue;
    if (!sealer) sealer.emplace(ControlSealer::create(test::key16(rec.hex("key"))).value());
    INFO(rec.get("name"));
    REQUIRE(sealer->next_seq() == static_cast<std::uint64_t>(rec.integer("seq")));
    CHECK(seal(*sealer, rec.hex("plaintext")) == rec.hex("packet"));
    ++n;
  }
  CHECK(n == 5);
}

TEST_CASE("client->host GCM vectors: our opener recovers the plaintext and its message") {
  std::optional<ControlOpener> opener;
  int n = 0;
  for (const auto& rec : test::read_records("input_control_gcm_vectors.txt")) {
    if (!rec.find("packet") || rec.get("direction") != "c2s") continue;
    if (!opener) opener.emplace(ControlOpener::create(test::key16(rec.hex("key"))).value());
    INFO(rec.get("name"));
    const auto seq = static_cast<std::uint32_t>(rec.integer("seq"));
    const auto plaintext = open_ok(*opener, rec.hex("packet"), seq);
    CHECK(plaintext == rec.hex("plaintext"));
    auto msg = parse_client_message(plaintext);
    REQUIRE(msg);
    const bool is_ping = rec.get("name").rfind("periodic ping", 0) == 0;
    CHECK(std::holds_alternative<PeriodicPing>(*msg) == is_ping);
    CHECK(std::holds_alternative<InputData>(*msg) == !is_ping);
    // The same packet again is a replay (docs/control.md "Replay policy").
    CHECK(open_error(*opener, rec.hex("packet")) == Errc::out_of_range);
    ++n;
  }
  CHECK(n == 5);
}

TEST_CASE("client->host GCM vectors: a client-direction sealer reproduces the client's packets") {
  for (const auto& rec : test::read_records("input_control_gcm_vectors.txt")) {
    if (!rec.find("packet") || rec.get("direction") != "c2s") continue;
    auto sealer = ControlSealer::create(test::key16(rec.hex("key")), ControlDirection::client_to_host,
                                        static_cast<std::uint32_t>(rec.integer("seq")))
                      .value();
    CHECK(seal(sealer, rec.hex("plaintext")) == rec.hex("packet"));
  }
}

TEST_CASE("captured session start: the client's IDR request and start B open and parse") {
  auto opener = ControlOpener::create(capture_key()).value();
  const auto client = capture("[client_to_host seq");
  REQUIRE(client.size() == 2);
  const auto idr = open_ok(opener, client[0].packet, 0);
  CHECK(idr == client[0].plaintext);
  CHECK(std::holds_alternative<IdrRequest>(parse_client_message(idr).value()));
  const auto start_b = open_ok(opener, client[1].packet, 1);
  CHECK(start_b == client[1].plaintext);
  CHECK(std::holds_alternative<StartB>(parse_client_message(start_b).value()));
}

TEST_CASE("captured host messages: builders + host sealer give the exact wire bytes") {
  const auto host = capture("[host_to_client seq");
  REQUIRE(host.size() == 5);
  auto sealer = ControlSealer::create(capture_key()).value();
  // seq 0 HDR: sealed from the captured plaintext; our builder emits the full 27-byte
  // SS_HDR_METADATA form instead of the capture's 23 bytes (see test_control_feedback.cpp).
  CHECK(seal(sealer, host[0].plaintext) == host[0].packet);
  CHECK(seal(sealer, to_vec(build_rumble(1, 0x1234, 0x5678).value().bytes())) == host[1].packet);
  CHECK(seal(sealer, to_vec(build_rgb_led(1, 0x11, 0x22, 0x33).value().bytes())) == host[2].packet);
  CHECK(seal(sealer, to_vec(build_motion_event_state(0, 200, MotionSensor::gyroscope).value().bytes())) ==
        host[3].packet);
  CHECK(seal(sealer, to_vec(build_termination(kTerminationGraceful).bytes())) == host[4].packet);
  CHECK(sealer.next_seq() == 5);

  // And a client-side opener (direction host_to_client) reads them back.
  auto client_view = ControlOpener::create(capture_key(), ControlDirection::host_to_client).value();
  for (const auto& w : host) CHECK(open_ok(client_view, w.packet, w.seq) == w.plaintext);
}

TEST_CASE("bad tags, wrong direction or key, and tampering fail authentication") {
  const auto good = capture("[client_to_host seq")[0].packet;
  auto fresh = [] { return ControlOpener::create(capture_key()).value(); };

  for (std::size_t i = 8; i < good.size(); ++i) {  // every tag and ciphertext byte
    auto bad = good;
    bad[i] ^= 0x80;
    auto opener = fresh();
    INFO("byte " << i);
    CHECK(open_error(opener, bad) == Errc::auth_failed);
    CHECK(opener.replay_window().empty());  // a forgery does not move the window
    CHECK(open_ok(opener, good, 0) == test::unhex("020302000000"));
  }
  SECTION("a different seq changes the IV") {
    auto bad = good;
    bad[4] = 1;
    auto opener = fresh();
    CHECK(open_error(opener, bad) == Errc::auth_failed);
  }
  SECTION("a host packet fed to the client-direction opener") {
    auto opener = fresh();
    CHECK(open_error(opener, capture("[host_to_client seq")[1].packet) == Errc::auth_failed);
  }
  SECTION("wrong key") {
    Key128 other = capture_key();
    other[15] ^= 1;
    auto opener = ControlOpener::create(other).value();
    CHECK(open_error(opener, good) == Errc::auth_failed);
  }
  SECTION("plaintext buffer is zeroed after a failed tag") {
    auto bad = good;
    bad.back() ^= 1;  // last ciphertext byte
    auto opener = fresh();
    std::vector<std::uint8_t> out(64, 0x55);
    REQUIRE_FALSE(opener.open(bad, out));
    CHECK(std::all_of(out.begin(), out.begin() + 6, [](std::uint8_t b) { return b == 0; }));
  }
}

TEST_CASE("malformed envelopes are refused by the opener before decryption") {
  const auto good = capture("[client_to_host seq")[0].packet;
  auto opener = ControlOpener::create(capture_key()).value();
  CHECK(open_error(opener, std::vector<std::uint8_t>(good.begin(), good.begin() + 7)) ==
        Errc::truncated);
  CHECK(open_error(opener, std::vector<std::uint8_t>(good.begin(), good.end() - 1)) ==
        Errc::truncated);
  auto longer = good;
  longer.push_back(0);
  CHECK(open_error(opener, longer) == Errc::malformed);
  auto wrong_type = good;
  wrong_type[0] = 0x02;
  CHECK(open_error(opener, wrong_type) == Errc::malformed);
  auto lying_up = good;
  lying_up[2] = static_cast<std::uint8_t>(lying_up[2] + 1);
  CHECK(open_error(opener, lying_up) == Errc::truncated);
  // Output buffer too small: refused, window untouched, then fine with a proper buffer.
  std::vector<std::uint8_t> small(5);
  CHECK(opener.open(good, small).error().code == Errc::truncated);
  CHECK(opener.replay_window().empty());
  CHECK(open_ok(opener, good, 0).size() == 6);
}

TEST_CASE("replay policy: reordered seqs accepted once, repeats and stale seqs refused") {
  auto client = ControlSealer::create(capture_key(), ControlDirection::client_to_host).value();
  const auto idr = to_vec(test::unhex("020302000000"));
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 10; ++i) packets.push_back(seal(client, idr));

  auto opener = ControlOpener::create(capture_key()).value();
  // ENet delivers channel by channel: 0, 3, 1, 2 ... and loses 5 (unsequenced).
  for (std::uint32_t s : {0u, 3u, 1u, 2u, 4u, 9u, 6u, 8u}) open_ok(opener, packets[s], s);
  for (std::uint32_t s : {0u, 3u, 9u, 6u}) CHECK(open_error(opener, packets[s]) == Errc::out_of_range);
  open_ok(opener, packets[7], 7);
  open_ok(opener, packets[5], 5);  // late but inside the window

  // Far ahead: the old ones fall out of the window.
  auto far = ControlSealer::create(capture_key(), ControlDirection::client_to_host,
                                   9 + ControlReplayWindow::kWindow)
                 .value();
  open_ok(opener, seal(far, idr), 9 + ControlReplayWindow::kWindow);
  auto stale = ControlSealer::create(capture_key(), ControlDirection::client_to_host, 9).value();
  CHECK(open_error(opener, seal(stale, idr)) == Errc::out_of_range);
}

TEST_CASE("sealer: size limits, buffer checks and sequence exhaustion") {
  auto sealer = ControlSealer::create(capture_key()).value();
  std::vector<std::uint8_t> out(kControlMaxPacketBytes + 16);
  CHECK(sealer.seal(std::vector<std::uint8_t>(3), out).error().code == Errc::out_of_range);
  CHECK(sealer.seal(std::vector<std::uint8_t>(kControlMaxPlaintextBytes + 1), out).error().code ==
        Errc::too_large);
  std::vector<std::uint8_t> small(4 + kControlEnvelopeOverheadBytes - 1);
  CHECK(sealer.seal(std::vector<std::uint8_t>(4), small).error().code == Errc::truncated);
  CHECK(sealer.next_seq() == 0);  // failures consume no sequence number

  auto last = ControlSealer::create(capture_key(), ControlDirection::host_to_client, 0xFFFFFFFFu).value();
  const auto term = to_vec(build_termination(kTerminationGraceful).bytes());
  const auto packet = seal(last, term);
  CHECK(test::hex(std::vector<std::uint8_t>(packet.begin(), packet.begin() + 8)) == "01001c00ffffffff");
  CHECK_FALSE(last.can_seal());
  CHECK(last.seal(term, out).error().code == Errc::out_of_range);  // the IV would repeat
  auto client_view = ControlOpener::create(capture_key(), ControlDirection::host_to_client).value();
  CHECK(open_ok(client_view, packet, 0xFFFFFFFFu) == term);
}
