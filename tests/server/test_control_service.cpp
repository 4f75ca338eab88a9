// ControlService over a real loopback ENet connection with a test-side client written on
// libenet directly (48 channels, CONNECT data = X-SS-Connect-Data, control.md §2). The
// client's packets are the captured wire bytes of tests/data/wire/control_encrypted.txt or
// sealed by our ControlSealer(client_to_host); the host's answers are opened by a
// client-side ControlOpener(host_to_client) and compared with the captured host packets.
#include <catch2/catch.hpp>

#include <enet/enet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lightwell/proto/control_feedback.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"
#include "lightwell/server/control_service.hpp"
#include "lightwell/server/input_session.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/stream_controller.hpp"
#include "enet_test_client.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::server;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr const char* kVectors = "wire/control_encrypted.txt";

// ---- the captured session ---------------------------------------------------------------

// A record of control_encrypted.txt by its header line: "[client_to_host seq=0] ..." reads as
// key "[client_to_host seq", value "0] ...".
const test::Record& captured(const std::string& header) {
  static const auto records = test::read_records(kVectors);
  const auto eq = header.find('=');
  const std::string key = header.substr(0, eq), value = header.substr(eq + 1);
  for (const auto& rec : records)
    for (const auto& [k, v] : rec.entries)
      if (k == key && v.rfind(value, 0) == 0) return rec;
  FAIL("no record " << header);
  throw std::logic_error("unreachable");
}
proto::crypto::Key128 captured_key() {
  static const auto records = test::read_records(kVectors);
  return test::key16(records.front().hex("key"));
}
Bytes captured_value(const std::string& key) {
  static const auto records = test::read_records(kVectors);
  for (const auto& rec : records)
    if (auto v = rec.find(key)) return test::unhex(test::first_token(*v));
  FAIL("no value " << key);
  return {};
}

using TestClient = test::EnetTestClient;

// A client that seals like moonlight-common-c (ControlSealer client_to_host, seq from 0).
Bytes seal(proto::crypto::ControlSealer& sealer, const Bytes& plaintext) {
  Bytes out(plaintext.size() + proto::kControlEnvelopeOverheadBytes);
  const auto n = sealer.seal(plaintext, out);
  REQUIRE(n.has_value());
  out.resize(*n);
  return out;
}

// ---- hooks -----------------------------------------------------------------------------

struct Hooks {
  mutable std::mutex mutex;
  int connected = 0;
  int idr = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rfi;
  std::vector<Bytes> inputs;
  std::vector<proto::FrameFecStatus> fec;
  std::vector<bool> disconnected;
  std::function<void()> also_on_idr;  // set before connecting

  ControlHooks make() {
    ControlHooks h;
    h.on_connected = [this] { std::lock_guard l(mutex); ++connected; };
    h.on_idr_request = [this] {
      { std::lock_guard l(mutex); ++idr; }
      if (also_on_idr) also_on_idr();
    };
    h.on_invalidate_references = [this](std::uint32_t a, std::uint32_t b) { std::lock_guard l(mutex); rfi.emplace_back(a, b); };
    h.on_input = [this](std::span<const std::uint8_t> p) { std::lock_guard l(mutex); inputs.emplace_back(p.begin(), p.end()); };
    h.on_fec_status = [this](const proto::FrameFecStatus& f) { std::lock_guard l(mutex); fec.push_back(f); };
    h.on_disconnected = [this](bool t) { std::lock_guard l(mutex); disconnected.push_back(t); };
    return h;
  }
  template <class F>
  auto read(F f) const { std::lock_guard l(mutex); return f(*this); }
};

// Service + log capture. The log stream is read only after stop() (it is written on the
// ENet thread).
net::EnetHostOptions loopback_options(std::chrono::milliseconds peer_timeout = 10s) {
  net::EnetHostOptions o;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  o.peer_timeout = peer_timeout;
  return o;
}

struct Fixture {
  explicit Fixture(std::chrono::milliseconds peer_timeout = 10s) : service(loopback_options(peer_timeout), hub.get("control")) {}
  std::ostringstream log_lines;
  LogHub hub = LogHub::to_stream(log_lines, LogLevel::debug);
  ControlService service;

  void expect(std::uint32_t id, std::uint32_t connect_data, const proto::crypto::Key128& key, Hooks& hooks) {
    ExpectedControlSession s;
    s.session_id = id;
    s.connect_data = connect_data;
    s.rikey = key;
    s.hooks = hooks.make();
    service.expect(std::move(s));
  }
  std::string stop_and_log() {
    service.stop();
    return log_lines.str();
  }
};

constexpr std::uint32_t kConnectData = 0x5EC0A11D;

// Connects a client for session 1 with the captured key.
void connect_session(Fixture& f, TestClient& client, Hooks& hooks, std::uint32_t id = 1,
                     std::uint32_t data = kConnectData) {
  REQUIRE(client.connect(f.service.port(), data));
  REQUIRE(client.pump_until([&] { return hooks.read([](const Hooks& h) { return h.connected; }) == 1; }));
  REQUIRE(f.service.connected(id));
}

Bytes le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 24)};
}

// RFI 0x0301 plaintext (control.md §4): u32 LE first, u32 reserved, u32 LE last, 3 x u32 reserved.
Bytes rfi_plaintext(std::uint32_t first, std::uint32_t last) {
  Bytes rfi = {0x01, 0x03, 24, 0};
  for (std::uint32_t v : {first, 0u, last, 0u, 0u, 0u}) {
    const auto b = le32(v);
    rfi.insert(rfi.end(), b.begin(), b.end());
  }
  return rfi;
}

// Everything sent before on `channel` (reliable, so in order) has been handled once an RFI
// sealed with `seq` behind it reaches its hook.
void sync(TestClient& client, Hooks& hooks, std::uint32_t seq, std::uint8_t channel = 0) {
  auto sealer = proto::crypto::ControlSealer::create(captured_key(), proto::ControlDirection::client_to_host, seq).value();
  const auto before = hooks.read([](const Hooks& h) { return h.rfi.size(); });
  client.send(seal(sealer, rfi_plaintext(seq, seq)), channel);
  REQUIRE(client.pump_until([&] { return hooks.read([](const Hooks& h) { return h.rfi.size(); }) > before; }));
}

}  // namespace

TEST_CASE("ControlService: the client's captured IDR request (start A) fires on_idr_request", "[control]") {
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  CHECK_FALSE(f.service.connected(1));
  CHECK_FALSE(f.service.last_activity(1).has_value());

  TestClient client;
  connect_session(f, client, hooks);
  const auto connected_at = f.service.last_activity(1);
  REQUIRE(connected_at.has_value());

  // control_encrypted.txt: client seq 0 = 0x0302 (start A), seq 1 = 0x0307 (start B), the
  // exact wire bytes the real client library produced.
  client.send(captured("[client_to_host seq=0]").hex("wire"), 0);
  client.send(captured("[client_to_host seq=1]").hex("wire"), 0);
  REQUIRE(client.pump_until([&] { return hooks.read([](const Hooks& h) { return h.idr; }) == 1; }));
  sync(client, hooks, 2);
  CHECK(*f.service.last_activity(1) >= *connected_at);
  CHECK(f.service.connected(1));
  const auto log = f.stop_and_log();
  CHECK_THAT(log, Catch::Contains("start B"));
  CHECK_THAT(log, Catch::Contains("session=1"));
  CHECK(hooks.read([](const Hooks& h) { return h.disconnected.empty(); }));
}

TEST_CASE("ControlService: every client message reaches its hook with its values", "[control]") {
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  connect_session(f, client, hooks);
  auto sealer = proto::crypto::ControlSealer::create(captured_key(), proto::ControlDirection::client_to_host).value();

  // Start A / start B as captured, then the captured periodic ping and mouse input plaintexts.
  client.send(seal(sealer, captured("[client_to_host seq=0]").hex("plaintext")), 0);
  client.send(seal(sealer, captured("[client_to_host seq=1]").hex("plaintext")), 0);
  client.send(seal(sealer, captured_value("periodic_ping_plaintext")), 0);
  const Bytes mouse = captured_value("input_mouse_rel_1_plaintext");
  client.send(seal(sealer, mouse), 3, ENET_PACKET_FLAG_UNSEQUENCED);
  client.send(seal(sealer, rfi_plaintext(100, 105)), 1);
  // FEC status 0x5502 (video.md §7): 21 bytes, all big-endian.
  const Bytes fec = {0x02, 0x55, 21, 0,
                     0x00, 0x00, 0x01, 0x02,  // frame 258
                     0x00, 0x10, 0x00, 0x0c, 0x00, 0x02, 0x00, 0x0a,  // highest 16, next 12, missing 2, data 10
                     0x00, 0x04, 0x00, 0x08, 0x00, 0x03,              // parity 4, received data 8, parity 3
                     20, 1, 2};                                       // fec %, block 1 of 2
  client.send(seal(sealer, fec), 0, ENET_PACKET_FLAG_UNSEQUENCED);

  REQUIRE(client.pump_until([&] {
    return hooks.read([](const Hooks& h) { return h.idr == 1 && h.rfi.size() == 1 && h.inputs.size() == 1 && h.fec.size() == 1; });
  }));
  hooks.read([&](const Hooks& h) {
    CHECK(h.rfi[0] == std::make_pair(100u, 105u));
    // The input hook gets the 0x0206 payload: the input packet (BE32 size 8, magic 7, dx 1, dy 1).
    CHECK(h.inputs[0] == Bytes(mouse.begin() + 4, mouse.end()));
    const auto& s = h.fec[0];
    CHECK(s.frame_index == 258u);
    CHECK(s.highest_received_sequence_number == 16);
    CHECK(s.next_contiguous_sequence_number == 12);
    CHECK(s.missing_packets_before_highest_received == 2);
    CHECK(s.total_data_packets == 10);
    CHECK(s.total_parity_packets == 4);
    CHECK(s.received_data_packets == 8);
    CHECK(s.received_parity_packets == 3);
    CHECK(s.fec_percentage == 20);
    CHECK(s.multi_fec_block_index == 1);
    CHECK(s.multi_fec_block_count == 2);
    return 0;
  });

  // A ping only refreshes the activity time.
  const auto before = *f.service.last_activity(1);
  std::this_thread::sleep_for(20ms);
  client.send(seal(sealer, captured_value("periodic_ping_plaintext")), 0);
  REQUIRE(client.pump_until([&] { return *f.service.last_activity(1) > before; }));
  // An unknown type and a malformed-but-authentic message are ignored, the stream stays up.
  client.send(seal(sealer, Bytes{0x04, 0x02, 2, 0, 0xAA, 0xBB}), 1);  // 0x0204 frame stats
  client.send(seal(sealer, Bytes{0x02, 0x03, 1, 0, 0x00}), 1);        // IDR with 1-byte payload
  client.send(seal(sealer, captured("[client_to_host seq=0]").hex("plaintext")), 1);
  REQUIRE(client.pump_until([&] { return hooks.read([](const Hooks& h) { return h.idr; }) == 2; }));
  CHECK(f.service.connected(1));
  const auto log = f.stop_and_log();
  CHECK_THAT(log, Catch::Contains("0x0204"));
  CHECK_THAT(log, Catch::Contains("malformed message"));
}

TEST_CASE("ControlService: host messages and the termination match the captured host packets", "[control]") {
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  connect_session(f, client, hooks);

  // The captured host seq 0..3 plaintexts (HDR as the mock host sent it, 23 bytes), then the
  // termination from our builder: same key, same seqs, same plaintexts => the same wire bytes.
  for (int seq = 0; seq < 4; ++seq) {
    const Bytes plain = captured("[host_to_client seq=" + std::to_string(seq) + "]").hex("plaintext");
    proto::HostMessage m;
    std::copy(plain.begin(), plain.end(), m.storage.begin());
    m.size = plain.size();
    REQUIRE(f.service.send(1, m));
  }
  REQUIRE(f.service.terminate(1, proto::kTerminationGraceful));
  CHECK_FALSE(f.service.connected(1));
  CHECK_FALSE(f.service.send(1, proto::build_termination(proto::kTerminationGraceful)));

  REQUIRE(client.pump_until([&] { return client.received.size() == 5; }));
  auto opener = proto::crypto::ControlOpener::create(captured_key(), proto::ControlDirection::host_to_client).value();
  for (int seq = 0; seq < 5; ++seq) {
    const auto& rec = captured("[host_to_client seq=" + std::to_string(seq) + "]");
    INFO("host seq " << seq);
    CHECK(client.received[seq].channel == 0);  // control.md §5: channel 0, reliable
    CHECK(test::hex(client.received[seq].bytes) == rec.get("wire"));
    Bytes plain(client.received[seq].bytes.size());
    const auto opened = opener.open(client.received[seq].bytes, plain);
    REQUIRE(opened.has_value());
    CHECK(opened->seq == static_cast<std::uint32_t>(seq));
    CHECK(test::hex(Bytes(opened->plaintext.begin(), opened->plaintext.end())) == rec.get("plaintext"));
  }
  // The termination as control.md §5 spells it: type 0x0109, length 4, HRESULT big-endian.
  CHECK(captured("[host_to_client seq=4]").get("plaintext") == "0901040080030023");
  // Then the host disconnects the peer (gracefully, after the packets).
  REQUIRE(client.pump_until([&] { return client.disconnected; }));
  f.service.stop();
  CHECK(hooks.read([](const Hooks& h) { return h.disconnected.empty(); }));  // we ended it: no hook
}

TEST_CASE("ControlService: a peer with unknown connect data is rejected", "[control]") {
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  client.connect(f.service.port(), kConnectData + 1);  // ENet may complete the handshake first
  REQUIRE(client.pump_until([&] { return client.disconnected; }));
  CHECK_FALSE(f.service.connected(1));
  // The expected session is still free for its real client.
  TestClient real;
  connect_session(f, real, hooks);
  const auto log = f.stop_and_log();
  CHECK_THAT(log, Catch::Contains("rejected"));
  CHECK(hooks.read([](const Hooks& h) { return h.connected; }) == 1);
}

TEST_CASE("ControlService: a bad tag or a plaintext packet ends the session's control stream", "[control]") {
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  connect_session(f, client, hooks);

  std::string expected_log;
  SECTION("bad tag") {
    Bytes wire = captured("[client_to_host seq=0]").hex("wire");
    wire[8] ^= 0x01;  // first tag byte
    client.send(wire);
    expected_log = "authentication";
  }
  SECTION("unencrypted V1 message on an encrypted stream") {
    client.send(Bytes{0x02, 0x03, 0x00, 0x00});  // 0x0302 without the envelope
    expected_log = "unencrypted";
  }
  REQUIRE(client.pump_until([&] { return client.disconnected; }));
  REQUIRE(client.pump_until([&] { return !hooks.read([](const Hooks& h) { return h.disconnected.empty(); }); }));
  hooks.read([](const Hooks& h) {
    CHECK(h.disconnected == std::vector<bool>{false});
    CHECK(h.idr == 0);
    return 0;
  });
  CHECK_FALSE(f.service.connected(1));
  CHECK_FALSE(f.service.send(1, proto::build_termination(proto::kTerminationGraceful)));
  CHECK_THAT(f.stop_and_log(), Catch::Contains(expected_log));
}

TEST_CASE("ControlService: replays and malformed envelopes are dropped, the stream stays up", "[control]") {
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  connect_session(f, client, hooks);

  const Bytes start_a = captured("[client_to_host seq=0]").hex("wire");
  client.send(start_a);
  client.send(start_a);  // the same seq again
  Bytes runt = start_a;
  runt.resize(20);
  runt[2] = 16;  // length 16 < 24: the client's "runt" rule (control.md §3)
  client.send(runt);
  client.send(captured("[client_to_host seq=1]").hex("wire"));
  sync(client, hooks, 2);  // all of the above handled (one reliable channel)
  CHECK(hooks.read([](const Hooks& h) { return h.idr; }) == 1);
  CHECK(f.service.connected(1));
  const auto log = f.stop_and_log();
  CHECK_THAT(log, Catch::Contains("replayed"));
  CHECK_THAT(log, Catch::Contains("malformed envelope"));
  CHECK_THAT(log, Catch::Contains("start B"));
  CHECK(hooks.read([](const Hooks& h) { return h.disconnected.empty(); }));
}

TEST_CASE("ControlService: two sessions each get their own peer, key and hooks", "[control]") {
  Fixture f;
  Hooks first, second;
  proto::crypto::Key128 other_key{};
  for (std::size_t i = 0; i < other_key.size(); ++i) other_key[i] = static_cast<std::uint8_t>(0xA0 + i);
  f.expect(1, kConnectData, captured_key(), first);
  f.expect(2, 42, other_key, second);

  TestClient c2, c1;
  connect_session(f, c2, second, 2, 42);
  connect_session(f, c1, first, 1, kConnectData);
  auto sealer2 = proto::crypto::ControlSealer::create(other_key, proto::ControlDirection::client_to_host).value();

  c1.send(captured("[client_to_host seq=0]").hex("wire"));
  const Bytes mouse = captured_value("input_mouse_rel_2_plaintext");
  c2.send(seal(sealer2, mouse), 3);
  REQUIRE(c1.pump_until([&] { return first.read([](const Hooks& h) { return h.idr; }) == 1; }));
  REQUIRE(c2.pump_until([&] { return second.read([](const Hooks& h) { return h.inputs.size(); }) == 1; }));
  CHECK(second.read([](const Hooks& h) { return h.idr; }) == 0);
  CHECK(first.read([](const Hooks& h) { return h.inputs.size(); }) == 0);
  CHECK(second.read([](const Hooks& h) { return h.inputs[0]; }) == Bytes(mouse.begin() + 4, mouse.end()));

  // A client disconnecting ends only its own session.
  enet_peer_disconnect(c2.peer, 0);
  REQUIRE(c2.pump_until([&] { return !second.read([](const Hooks& h) { return h.disconnected.empty(); }); }));
  CHECK(second.read([](const Hooks& h) { return h.disconnected; }) == std::vector<bool>{false});
  CHECK_FALSE(f.service.connected(2));
  CHECK(f.service.connected(1));
  CHECK(first.read([](const Hooks& h) { return h.disconnected.empty(); }));
}

TEST_CASE("ControlService: hooks may send; forget() drops the peer silently", "[control]") {
  Fixture f;
  Hooks hooks;
  // A hook that answers on the ENet thread: must not deadlock on the table mutex.
  hooks.also_on_idr = [&] { f.service.send(1, proto::build_rumble(1, 0x1234, 0x5678).value()); };
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  connect_session(f, client, hooks);
  client.send(captured("[client_to_host seq=0]").hex("wire"));
  REQUIRE(client.pump_until([&] { return client.received.size() == 1; }));
  auto opener = proto::crypto::ControlOpener::create(captured_key(), proto::ControlDirection::host_to_client).value();
  Bytes plain(64);
  const auto opened = opener.open(client.received[0].bytes, plain);
  REQUIRE(opened.has_value());
  // Host seq 0, the rumble plaintext the real client accepted (captured host seq 1).
  CHECK(opened->seq == 0u);
  CHECK(test::hex(Bytes(opened->plaintext.begin(), opened->plaintext.end())) ==
        captured("[host_to_client seq=1]").get("plaintext"));

  f.service.forget(1);
  REQUIRE(client.pump_until([&] { return client.disconnected; }));
  CHECK_FALSE(f.service.connected(1));
  CHECK_FALSE(f.service.last_activity(1).has_value());
  CHECK_FALSE(f.service.terminate(1, proto::kTerminationGraceful));
  f.service.stop();
  CHECK(hooks.read([](const Hooks& h) { return h.disconnected.empty(); }));
}

TEST_CASE("ControlService: a vanished client times out; plaintext sessions are not expected", "[control]") {
  Fixture f(2000ms);  // EnetHost's minimum peer timeout
  Hooks hooks, plain_hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  ExpectedControlSession plain;
  plain.session_id = 2;
  plain.connect_data = 77;
  plain.encrypted = false;  // useReliableUdp != 13: refused by expect()
  plain.hooks = plain_hooks.make();
  f.service.expect(std::move(plain));
  {
    TestClient refused;
    refused.connect(f.service.port(), 77);
    REQUIRE(refused.pump_until([&] { return refused.disconnected; }));
  }
  {
    TestClient client;
    connect_session(f, client, hooks);
  }  // destroyed without a DISCONNECT
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (hooks.read([](const Hooks& h) { return h.disconnected.empty(); }) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  CHECK(hooks.read([](const Hooks& h) { return h.disconnected; }) == std::vector<bool>{true});
  CHECK_FALSE(f.service.connected(1));
  const auto log = f.stop_and_log();
  CHECK_THAT(log, Catch::Contains("not supported"));
  CHECK_THAT(log, Catch::Contains("timed out"));
  CHECK(plain_hooks.read([](const Hooks& h) { return h.connected; }) == 0);
}

// Issue 7: rumble the guest plays on a virtual pad travels to the client. A sink stands in
// for uinput (the guest test, tests/guest, shows the kernel's force feedback becoming this
// Rumble); the session's input thread hands it to send_rumble_to, the glue serve uses, and
// the client opens control message 0x010B with the layout of input.md §8.
TEST_CASE("ControlService: rumble from the session's input thread reaches the client as 0x010B", "[control][input]") {
  struct RumblingSink final : input::InputSink {
    std::atomic<bool> sent{false};
    void create_device(input::DeviceId) override {}
    void remove_device(input::DeviceId) override {}
    void emit(const input::EvdevEvent&) override {}
    void service_feedback(std::vector<input::Rumble>& out) override {
      if (!sent.exchange(true)) out.push_back(input::Rumble{1, 0x8000, 0x4000});
    }
  };
  Fixture f;
  Hooks hooks;
  f.expect(1, kConnectData, captured_key(), hooks);
  TestClient client;
  connect_session(f, client, hooks);
  {
    InputSessionOptions o;
    o.make_sink = []() -> proto::Result<std::unique_ptr<input::InputSink>> {
      return std::unique_ptr<input::InputSink>(std::make_unique<RumblingSink>());
    };
    o.on_rumble = send_rumble_to(f.service, 1);
    InputSession input(std::move(o), f.hub.get("input"));
    REQUIRE(client.pump_until([&] { return client.received.size() == 1; }));
  }
  auto opener = proto::crypto::ControlOpener::create(captured_key(), proto::ControlDirection::host_to_client).value();
  Bytes plain(client.received[0].bytes.size());
  const auto opened = opener.open(client.received[0].bytes, plain);
  REQUIRE(opened.has_value());
  // type 0x010B LE, length 10 LE, filler LE32 0x00C0FFEE, controller 1, low 0x8000, high 0x4000.
  CHECK(test::hex(Bytes(opened->plaintext.begin(), opened->plaintext.end())) == "0b010a00eeffc000010000800040");
  f.service.stop();
}
