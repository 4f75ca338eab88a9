// Issue 10 "Faults and loss": added latency and jitter do not break the control stream. The
// test client talks to the real server through our UDP relay (tests/support/udp_relay.hpp),
// which delays every ENet control and media datagram by 50 ms ± 20 ms each way (in order, as
// on one network path); RTSP is passed through. No namespaces needed: the relay listens on
// 127.0.0.2 with the server's port numbers, the server stays on 127.0.0.1.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "fault_session.hpp"
#include "udp_relay.hpp"

namespace lightwell::test {

using namespace std::chrono_literals;

TEST_CASE("50 ms ± 20 ms of delay on control and media: the stream runs, IDR requests are answered",
          "[faults][latency][measures]") {
  FaultSession session(false);
  UdpRelayOptions relay_options;
  const std::uint16_t base = session.host().base_port();
  // Ports: protocol README "Ports" (video P+9, control P+10, audio P+11, RTSP P+21).
  relay_options.udp_ports = {static_cast<std::uint16_t>(base + 9), static_cast<std::uint16_t>(base + 10),
                             static_cast<std::uint16_t>(base + 11)};
  relay_options.tcp_ports = {session.host().rtsp_port()};
  relay_options.delay = 50ms;
  relay_options.jitter = 20ms;
  UdpRelay relay(relay_options);

  StreamClientOptions o = session.launch();
  o.host = relay_options.listen_ip;
  StreamClient client(o);
  const HandshakeResult hs = client.handshake();
  INFO("client transcript:\n" << client.transcript() << session.diagnostics());
  REQUIRE(hs.video_port == base + 9);
  REQUIRE(hs.control_port == base + 10);
  REQUIRE(hs.audio_port == base + 11);
  client.start_streaming();

  // Six seconds in three rounds: each time an IDR request (0x0302) mid-stream and the IDR
  // that answers it.
  std::uint32_t last_index = 0;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    REQUIRE(client.wait_for_frames(60, 20s) >= 60);
    const auto before = client.take_video_frames();
    last_index = before.back().frame_index;
    const auto asked = std::chrono::steady_clock::now();
    client.request_idr();
    std::optional<std::chrono::steady_clock::duration> answered;
    const auto deadline = asked + 10s;
    while (!answered && std::chrono::steady_clock::now() < deadline) {
      client.wait_for_frames(1, 1s);
      for (const auto& f : client.take_video_frames()) {
        if (f.frame_index > last_index && f.frame_type == 2 && !answered) answered = std::chrono::steady_clock::now() - asked;
        last_index = std::max(last_index, f.frame_index);
      }
    }
    REQUIRE(answered);
    // The relay really is in the path: the request and the IDR each waited ≥ 30 ms.
    CHECK(*answered >= 60ms);
  }
  const StreamCounters c = client.counters();
  CHECK(c.control_connected);
  CHECK_FALSE(c.control_disconnected_by_host);
  CHECK_FALSE(c.termination_hresult);
  CHECK(c.control_rejected == 0);
  CHECK(c.video_frames_lost == 0);  // delayed, never reordered, never dropped
  CHECK(c.audio_packets_lost == 0);
  CHECK(c.idr_requests >= 3);
  CHECK(session.log_count("client vanished") == 0);
  CHECK(session.log_count("timed out") == 0);
  const UdpRelayCounters r = relay.counters();
  CHECK(r.to_server > 50);     // control pings every 100 ms and the UDP pings
  CHECK(r.to_client > 500);    // video and audio
  CHECK(r.tcp_connections >= 5);  // the RTSP requests went through the relay too
  CHECK(r.min_delay_ms >= 29.0);
  CHECK(r.max_delay_ms <= 200.0);
  client.disconnect();
  CHECK(session.log_has("client disconnected", 5s));
}

}  // namespace lightwell::test
