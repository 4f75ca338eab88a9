// A userspace relay between the test client and `lightwell serve` that delays UDP datagrams
// (fixed delay ± uniform jitter), for the latency/jitter fault test (docs/testing-faults.md):
// this kernel has no netem, and nftables can drop but not delay. TCP (RTSP) is passed through
// undelayed so the client can use one host address for everything.
//
// For each port it listens on listen_ip:port and forwards to upstream_ip:port (the same
// number: the server announces its ports in the SETUP replies, rtsp.md §4.3). Every client
// address gets its own upstream socket, so the server sees one peer per client socket and
// answers reach the right client. With keep_order (default) a datagram never overtakes an
// earlier one of the same direction (jitter without reordering, as on one network path);
// without it, datagrams reorder as their random delays say.
//
// Thread rules: one relay thread (named "lw-udp-relay") owns every socket; counters() may be
// called from any thread. The destructor stops and joins it; datagrams still queued are dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lightwell::test {

struct UdpRelayOptions {
  std::string listen_ip = "127.0.0.2";    // any loopback address other than the server's
  std::string upstream_ip = "127.0.0.1";  // the server
  std::vector<std::uint16_t> udp_ports;   // delayed, both directions
  std::vector<std::uint16_t> tcp_ports;   // passed through at once
  std::chrono::milliseconds delay{50};    // one way
  std::chrono::milliseconds jitter{20};   // ± uniform
  bool keep_order = true;
  std::uint32_t seed = 1;                 // jitter randomness (reproducible runs)
};

struct UdpRelayCounters {
  std::uint64_t to_server = 0, to_client = 0;  // datagrams forwarded
  std::uint64_t tcp_connections = 0;
  double min_delay_ms = 0, max_delay_ms = 0;   // queueing delay actually applied
};

class UdpRelay {
 public:
  explicit UdpRelay(UdpRelayOptions options);  // binds everything, then starts; throws on failure
  ~UdpRelay();
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;
  UdpRelayCounters counters() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightwell::test
