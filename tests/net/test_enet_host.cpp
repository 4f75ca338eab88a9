// EnetHost over real loopback ENet: a test-side client built on libenet directly (as
// moonlight-common-c's control stream is: 48 channels, CONNECT data = X-SS-Connect-Data,
// control.md §2) against our host thread. Asserts what crosses the wire: connect data and
// address, payloads per channel and delivery mode, disconnect reporting, the size limit, and
// that stop() delivers what was queued and tells the peer.
#include <catch2/catch.hpp>

#include <enet/enet.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "enet_test_client.hpp"
#include "lightwell/net/enet_host.hpp"

using namespace lightwell;
using namespace std::chrono_literals;

namespace {


using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

using TestClient = test::EnetTestClient;

// Collects the host's events (delivered on its ENet thread).
struct Recorder {
  struct Received {
    net::EnetPeerId peer;
    std::uint8_t channel;
    Bytes bytes;
  };
  mutable std::mutex mutex;
  std::vector<net::EnetPeerInfo> connects;
  std::vector<Received> packets;
  std::vector<std::pair<net::EnetPeerId, bool>> disconnects;
  std::thread::id event_thread;
  bool events_on_one_thread = true;

  void note_thread() {
    if (event_thread == std::thread::id{}) event_thread = std::this_thread::get_id();
    if (event_thread != std::this_thread::get_id()) events_on_one_thread = false;
  }

  net::EnetEvents events() {
    net::EnetEvents ev;
    ev.on_connect = [this](const net::EnetPeerInfo& info) {
      std::lock_guard lock(mutex);
      note_thread();
      connects.push_back(info);
    };
    ev.on_receive = [this](net::EnetPeerId id, std::uint8_t channel, std::span<const std::uint8_t> payload) {
      std::lock_guard lock(mutex);
      note_thread();
      packets.push_back({id, channel, Bytes(payload.begin(), payload.end())});
    };
    ev.on_disconnect = [this](net::EnetPeerId id, bool timed_out) {
      std::lock_guard lock(mutex);
      note_thread();
      disconnects.emplace_back(id, timed_out);
    };
    return ev;
  }
  std::size_t connect_count() const { std::lock_guard lock(mutex); return connects.size(); }
  std::size_t packet_count() const { std::lock_guard lock(mutex); return packets.size(); }
  std::size_t disconnect_count() const { std::lock_guard lock(mutex); return disconnects.size(); }
};

net::EnetHostOptions loopback_options() {
  net::EnetHostOptions o;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  return o;
}

// A client connected to `host`; returns the host-side id.
net::EnetPeerId connect_client(TestClient& client, net::EnetHost& host, Recorder& rec, std::uint32_t data = 0) {
  REQUIRE(client.connect(host.port(), data));
  REQUIRE(client.pump_until([&] { return rec.connect_count() > 0; }));
  std::lock_guard lock(rec.mutex);
  return rec.connects.back().id;
}

}  // namespace

TEST_CASE("EnetHost: the CONNECT data and the peer's address reach on_connect", "[enet]") {
  Recorder rec;
  net::EnetHost host(loopback_options(), rec.events());
  REQUIRE(host.port() != 0);

  TestClient client;
  REQUIRE(client.connect(host.port(), 0xDEADBEEF));
  REQUIRE(client.pump_until([&] { return rec.connect_count() == 1; }));
  TestClient second;
  REQUIRE(second.connect(host.port(), 7));
  REQUIRE(second.pump_until([&] { return rec.connect_count() == 2; }));

  std::lock_guard lock(rec.mutex);
  CHECK(rec.connects[0].connect_data == 0xDEADBEEFu);
  CHECK(rec.connects[0].peer_address.to_string() == "127.0.0.1");
  CHECK(rec.connects[0].peer_port == client.local_port());
  CHECK(rec.connects[1].connect_data == 7u);
  CHECK(rec.connects[1].peer_port == second.local_port());
  CHECK(rec.connects[0].id != 0);
  CHECK(rec.connects[0].id != rec.connects[1].id);
}

TEST_CASE("EnetHost: packets cross both ways on several channels and delivery modes", "[enet]") {
  Recorder rec;
  net::EnetHost host(loopback_options(), rec.events());
  TestClient client;
  const auto id = connect_client(client, host, rec, 1);

  // Client -> host: generic reliable, mouse unsequenced, gamepad 0 unreliable-sequenced,
  // the last sensor channel reliable (control.md §2 channel table).
  const std::vector<std::pair<std::uint8_t, enet_uint32>> sends = {
      {0x00, ENET_PACKET_FLAG_RELIABLE},
      {0x03, ENET_PACKET_FLAG_UNSEQUENCED},
      {0x10, 0},
      {0x2F, ENET_PACKET_FLAG_RELIABLE},
  };
  for (std::size_t i = 0; i < sends.size(); ++i)
    client.send(pattern(10 + i, static_cast<std::uint8_t>(i)), sends[i].first, sends[i].second);
  REQUIRE(client.pump_until([&] { return rec.packet_count() == sends.size(); }));
  {
    std::lock_guard lock(rec.mutex);
    for (std::size_t i = 0; i < sends.size(); ++i) {
      // Different channels may be delivered in any order: find by channel.
      const auto it = std::find_if(rec.packets.begin(), rec.packets.end(),
                                   [&](const auto& p) { return p.channel == sends[i].first; });
      REQUIRE(it != rec.packets.end());
      CHECK(it->peer == id);
      CHECK(it->bytes == pattern(10 + i, static_cast<std::uint8_t>(i)));
    }
    CHECK(rec.events_on_one_thread);
    CHECK(rec.event_thread != std::this_thread::get_id());
  }

  // Host -> client, from another thread too; a 3000-byte packet is fragmented by ENet.
  host.send(id, pattern(31, 1), 0, net::EnetDelivery::reliable);
  std::thread([&] { host.send(id, pattern(5, 2), 5, net::EnetDelivery::unsequenced); }).join();
  host.send(id, pattern(7, 3), 0x20, net::EnetDelivery::unreliable_sequenced);
  host.send(id, pattern(3000, 4), 1, net::EnetDelivery::reliable);
  REQUIRE(client.pump_until([&] { return client.received.size() == 4; }));
  auto find = [&](std::uint8_t ch) {
    const auto it = std::find_if(client.received.begin(), client.received.end(),
                                 [&](const auto& p) { return p.channel == ch; });
    REQUIRE(it != client.received.end());
    return it->bytes;
  };
  CHECK(find(0) == pattern(31, 1));
  CHECK(find(5) == pattern(5, 2));
  CHECK(find(0x20) == pattern(7, 3));
  CHECK(find(1) == pattern(3000, 4));

  // Within one channel, reliable order is kept.
  for (std::uint8_t i = 0; i < 20; ++i) host.send(id, Bytes{i}, 2);
  REQUIRE(client.pump_until([&] { return client.received.size() == 24; }));
  for (std::uint8_t i = 0; i < 20; ++i) CHECK(client.received[4 + i].bytes == Bytes{i});
}

TEST_CASE("EnetHost: disconnects are reported as graceful or timed out", "[enet]") {
  Recorder rec;
  auto options = loopback_options();
  options.peer_timeout = 2000ms;  // the minimum
  net::EnetHost host(options, rec.events());

  SECTION("the client disconnects gracefully") {
    TestClient client;
    const auto id = connect_client(client, host, rec);
    enet_peer_disconnect(client.peer, 0);
    REQUIRE(client.pump_until([&] { return rec.disconnect_count() == 1; }));
    std::lock_guard lock(rec.mutex);
    CHECK(rec.disconnects[0] == std::make_pair(id, false));
  }
  SECTION("the host disconnects gracefully after its queued packet") {
    TestClient client;
    const auto id = connect_client(client, host, rec);
    host.send(id, pattern(8, 9));
    host.disconnect(id, true);
    REQUIRE(client.pump_until([&] { return client.disconnected; }));
    REQUIRE(client.received.size() == 1);  // the packet went first
    CHECK(client.received[0].bytes == pattern(8, 9));
    REQUIRE(client.pump_until([&] { return rec.disconnect_count() == 1; }));
    std::lock_guard lock(rec.mutex);
    CHECK(rec.disconnects[0] == std::make_pair(id, false));
  }
  SECTION("the host disconnects at once: the client is told, no event on the host") {
    TestClient client;
    const auto id = connect_client(client, host, rec);
    host.disconnect(id, false);
    REQUIRE(client.pump_until([&] { return client.disconnected; }));
    client.pump_for(300ms);
    CHECK(rec.disconnect_count() == 0);
    host.send(id, pattern(4, 4));  // the id is gone: harmless
  }
  SECTION("the client vanishes: the host times it out") {
    net::EnetPeerId id = 0;
    {
      TestClient client;
      id = connect_client(client, host, rec);
      client.pump_for(200ms);
    }  // destroyed without a DISCONNECT
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (rec.disconnect_count() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    std::lock_guard lock(rec.mutex);
    REQUIRE(rec.disconnects.size() == 1);
    CHECK(rec.disconnects[0] == std::make_pair(id, true));
  }
}

TEST_CASE("EnetHost: incoming packets above max_packet_bytes are dropped", "[enet]") {
  Recorder rec;
  auto options = loopback_options();
  options.max_packet_bytes = 100;
  net::EnetHost host(options, rec.events());
  TestClient client;
  connect_client(client, host, rec);

  client.send(pattern(101, 1), 0);
  client.send(pattern(2000, 2), 1);  // fragmented by ENet, still one packet
  client.send(pattern(100, 3), 0);
  REQUIRE(client.pump_until([&] { return rec.packet_count() == 1 && host.oversize_packets_dropped() == 2; }));
  client.pump_for(200ms);
  std::lock_guard lock(rec.mutex);
  REQUIRE(rec.packets.size() == 1);
  CHECK(rec.packets[0].bytes == pattern(100, 3));
  CHECK(host.oversize_packets_dropped() == 2);
}

TEST_CASE("EnetHost: sending to or disconnecting an unknown peer is harmless", "[enet]") {
  Recorder rec;
  net::EnetHost host(loopback_options(), rec.events());
  host.send(12345, pattern(3, 3));
  host.disconnect(12345, false);
  host.disconnect(12346, true);
  TestClient client;
  const auto id = connect_client(client, host, rec);
  host.send(id + 1, pattern(3, 3));
  host.send(id, pattern(6, 6), 250);  // beyond the negotiated 48 channels: dropped
  host.send(id, pattern(4, 4));
  REQUIRE(client.pump_until([&] { return !client.received.empty(); }));
  client.pump_for(100ms);
  REQUIRE(client.received.size() == 1);
  CHECK(client.received[0].bytes == pattern(4, 4));
}

TEST_CASE("EnetHost: stop() delivers what was queued, tells the peer, and is idempotent", "[enet]") {
  Recorder rec;
  auto host = std::make_unique<net::EnetHost>(loopback_options(), rec.events());
  TestClient client;
  const auto id = connect_client(client, *host, rec);

  host->send(id, pattern(40, 5));
  // stop() blocks while it lingers, so the client must be serviced meanwhile to ACK.
  std::jthread stopper([&] { host->stop(3s); });
  REQUIRE(client.pump_until([&] { return client.disconnected; }));
  stopper.join();
  REQUIRE(client.received.size() == 1);
  CHECK(client.received[0].bytes == pattern(40, 5));
  host->stop();
  host->send(id, pattern(1, 1));  // after stop: queued, never sent, freed
  host.reset();
  CHECK(rec.disconnect_count() == 0);  // stop() closes peers without events
}

TEST_CASE("EnetHost: bind failures name the port; IPv6 is refused", "[enet]") {
  Recorder rec;
  net::EnetHost first(loopback_options(), rec.events());
  auto options = loopback_options();
  options.port = first.port();
  try {
    net::EnetHost second(options, rec.events());
    FAIL("a second host bound the same port");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(std::to_string(first.port())));
  }
  options.bind_address = "::1";
  options.port = 0;
  CHECK_THROWS_AS(net::EnetHost(options, rec.events()), std::invalid_argument);
}
