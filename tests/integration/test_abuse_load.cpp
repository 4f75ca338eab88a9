// Load and abuse, black box (issue 10 "Load and abuse"): the real `lightwell serve` on loopback
// under hundreds of idle and slowloris connections on every TCP port, garbage floods on every
// UDP port and half-open ENet connects, while a paired client (another address: 127.0.0.1,
// the attackers use 127.0.0.2…) reads serverinfo over HTTPS, launches and streams. Memory must
// stay bounded and the open fd count must come back to the baseline once the flood is gone.
// The figures are printed (WARN) so a run shows what the flood cost.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "abuse_flood.hpp"
#include "integration_support.hpp"
#include "stream_client.hpp"
#include "streaming_support.hpp"

namespace lightwell::test {
namespace {

std::string describe(const ProcessFigures& f) {
  return "VmRSS " + std::to_string(f.vm_rss_kib / 1024) + " MiB, VmHWM " + std::to_string(f.vm_hwm_kib / 1024) +
         " MiB, " + std::to_string(f.open_fds) + " fds";
}

// True if something accepts TCP connections on 127.0.0.1:port.
bool tcp_port_open(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  const bool open = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
  ::close(fd);
  return open;
}

// One stream: RTSP handshake, ENet, pings, and `frames` whole video frames received.
void stream_frames(Streaming& s, bool resume, std::size_t frames) {
  StreamClient sc(s.start(resume, 1));
  INFO(stream_failure(s, sc));
  const HandshakeResult hs = sc.handshake();
  CHECK(hs.statuses == std::vector<int>{200, 200, 200, 200, 200, 200, 200});
  sc.start_streaming();
  REQUIRE(sc.wait_for_frames(frames, 30s) >= frames);
  const auto got = sc.take_video_frames();
  REQUIRE(!got.empty());
  CHECK(got.front().frame_type == 2);  // video.md §4.1: the stream starts with an IDR
  CHECK(sc.counters().control_connected);
  sc.disconnect();
}

}  // namespace

TEST_CASE("abuse: idle and slowloris connections on every TCP port, UDP garbage and half-open ENet; a paired client "
          "still streams, memory stays bounded, fds come back",
          "[integration][abuse]") {
  LightwellOptions options;
  options.web_ui = true;  // the web page's HTTPS port (P+1) is flooded like the others
  Streaming s(options);
  LightwellProcess& host = s.scenario.host();
  const pid_t pid = host.pid();

  // Baseline: after one whole stream without load (x264, the media threads and their buffers
  // have existed once), then the session ended.
  stream_frames(s, /*resume=*/false, 30);
  REQUIRE(server_log_has(s, "client disconnected", 10s));
  std::this_thread::sleep_for(1s);
  const ProcessFigures baseline = process_figures(pid);
  REQUIRE(baseline.vm_rss_kib > 0);
  REQUIRE(baseline.open_fds > 0);

  const std::uint16_t base = host.base_port();
  std::vector<std::uint16_t> tcp_ports{host.http_port(), host.https_port(), host.rtsp_port()};
  // The web page's listener (docs/web.md, TCP P+1), switched on above.
  const auto web_port = static_cast<std::uint16_t>(base + 1);
  const bool web_listening = tcp_port_open(web_port);
  REQUIRE(web_listening);
  tcp_ports.push_back(web_port);
  const std::vector<std::uint16_t> udp_ports{static_cast<std::uint16_t>(base + 9), static_cast<std::uint16_t>(base + 10),
                                             static_cast<std::uint16_t>(base + 11)};

  constexpr std::size_t kPerPortAndMode = 300;
  std::vector<TcpFlood::Target> targets;
  for (const std::uint16_t port : tcp_ports) {
    targets.push_back({.port = port, .mode = TcpFlood::Mode::idle, .connections = kPerPortAndMode});
    TcpFlood::Target slow{.port = port, .mode = TcpFlood::Mode::slowloris, .connections = kPerPortAndMode};
    if (port == host.rtsp_port()) slow.trickle = "OPTIONS rtsp://127.0.0.1 RTSP/1.0\r\nCSeq: 1\r\nX-a: ";
    if (port == host.https_port() || port == web_port) {
      // A TLS record header for a ClientHello, then a body that never ends.
      slow.trickle = std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(64, 'a');
    }
    targets.push_back(std::move(slow));
  }
  const auto attackers = loopback_sources(2, 8);
  ProcessFigures during;
  {
    TcpFlood tcp(targets, attackers);
    UdpFlood udp(udp_ports, attackers, 2000);
    EnetHalfOpen half_open(static_cast<std::uint16_t>(base + 10), attackers, 8);
    // Let the flood fill every queue and slot the server has.
    std::this_thread::sleep_for(3s);

    // The paired client goes about its business: serverinfo over HTTPS, /cancel + /launch, stream.
    const XmlReply info = s.client->serverinfo_https();
    INFO(s.scenario.diagnostics());
    REQUIRE(info.ok());
    CHECK(field(info, "PairStatus") == "1");
    REQUIRE(s.client->cancel().ok());
    stream_frames(s, /*resume=*/false, 60);
    during = process_figures(pid);
    const XmlReply again = s.client->serverinfo_https();
    CHECK(again.ok());

    WARN("flood: " << tcp.stats().connects.load() << " TCP connects (" << tcp.stats().closed_by_server.load()
                   << " closed by the server, " << tcp.stats().open_now.load() << " open at the end, "
                   << tcp.stats().bytes_trickled.load() << " bytes trickled) on " << tcp_ports.size()
                   << " TCP ports" << (web_listening ? " (web UI included)" : " (no web UI listening)") << "; "
                   << udp.stats().datagrams.load() << " garbage datagrams on 3 UDP ports; "
                   << half_open.connects_sent() << " half-open ENet connects");
    // The flood was real: every slot was opened, and slowloris bytes went out.
    CHECK(tcp.stats().connects.load() >= targets.size() * kPerPortAndMode);
    CHECK(tcp.stats().bytes_trickled.load() > 0);
    CHECK(udp.stats().datagrams.load() > 1000);
  }
  // The flood is gone: every connection it held is closed on our side. The server must give
  // back its fds (idle slots at the latest after its 10 s request deadline).
  ProcessFigures after = process_figures(pid);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (after.open_fds > baseline.open_fds && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    after = process_figures(pid);
  }
  WARN("server figures: baseline " << describe(baseline) << "; during the flood " << describe(during) << "; after "
                                   << describe(after));
  CHECK(after.open_fds <= baseline.open_fds);
  // Generous: the flood may cost buffers, never memory proportional to what it sent.
  CHECK(after.vm_hwm_kib < 2 * baseline.vm_hwm_kib + 64 * 1024);
  CHECK(after.vm_rss_kib < 2 * baseline.vm_rss_kib + 64 * 1024);

  // And the server still works normally afterwards.
  CHECK(s.client->serverinfo_https().ok());
  REQUIRE(host.running());
}

}  // namespace lightwell::test
