// The ENet control host (shared/protocol/control.md §2) on Debian's libenet (upstream 1.3:
// IPv4 only; the client's cgutman fork speaks the same wire protocol). Knows peers and
// packets, not GameStream: the envelope and messages are the caller's (server/control_service).
//
// Thread: the host runs its OWN thread (std::jthread "enet"), servicing libenet with a
// timeout of at most service_interval (≤ 10 ms so ACKs and input are prompt, control.md §9).
// Events are delivered ON THAT THREAD through EnetEvents; handlers must be quick (post
// lifecycle work elsewhere). send()/disconnect() may be called from any thread: they queue a
// command that the ENet thread executes on its next turn (libenet is not thread-safe).
// Start-up binds in the constructor; the destructor (or stop()) flushes queued commands,
// gives peers `linger` to receive them, then destroys the host and joins the thread.
//
// IPv4 only: Debian ships upstream ENet 1.3.17, whose ENetAddress holds an IPv4 address. The
// clients' cgutman fork adds IPv6 but speaks the same wire protocol, so IPv4 clients work
// unchanged; an IPv6 bind_address is refused. libenet's process-wide enet_initialize() runs
// once (see enet_host.cpp) and is never undone.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/ip/address.hpp>

namespace lightwell::net {

// Opaque, never reused within one EnetHost (a generation counter, not the libenet pointer).
using EnetPeerId = std::uint64_t;

struct EnetPeerInfo {
  EnetPeerId id = 0;
  boost::asio::ip::address peer_address;
  std::uint16_t peer_port = 0;
  std::uint32_t connect_data = 0;  // the CONNECT command's data (X-SS-Connect-Data)
};

enum class EnetDelivery : std::uint8_t { reliable, unreliable_sequenced, unsequenced };

struct EnetEvents {
  std::function<void(const EnetPeerInfo&)> on_connect;
  // payload is valid only during the call.
  std::function<void(EnetPeerId, std::uint8_t channel, std::span<const std::uint8_t> payload)> on_receive;
  // Graceful DISCONNECT or timeout (the peer stopped ACKing, control.md §2: ~10 s), also the
  // end of a disconnect(peer, true) we asked for. Not reported for disconnect(peer, false),
  // for peers still connected when stop() ends, or for connections refused by libenet.
  // timed_out: no datagram had arrived from the peer for at least half of peer_timeout.
  std::function<void(EnetPeerId, bool timed_out)> on_disconnect;
};

struct EnetHostOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 0;            // 0 = any free port (tests)
  std::size_t max_peers = 16;
  std::size_t channel_limit = 0x30;  // ≥ 48: the client's CTRL_CHANNEL_COUNT (control.md §2)
  std::chrono::milliseconds service_interval{5};
  std::size_t max_packet_bytes = 4096;  // larger incoming packets are dropped (control.md §3)
  // A peer that ACKs nothing for this long is disconnected (on_disconnect, timed_out = true).
  // The client uses 10 s on its side (enet_peer_timeout(peer, 2, 10000, 10000), control.md
  // §2); we mirror it so both ends give up at about the same time. At least 2 s (smaller
  // values are raised): see on_disconnect's timed_out.
  std::chrono::milliseconds peer_timeout{10000};
};

class EnetHost {
 public:
  // Initialises libenet, binds the UDP port and starts the thread. Throws std::system_error /
  // std::runtime_error naming the port on failure.
  EnetHost(EnetHostOptions options, EnetEvents events);
  ~EnetHost();  // = stop()
  EnetHost(const EnetHost&) = delete;
  EnetHost& operator=(const EnetHost&) = delete;

  // Queue a packet for a peer (copied). Unknown/gone peers: dropped silently.
  void send(EnetPeerId peer, std::span<const std::uint8_t> payload, std::uint8_t channel = 0,
            EnetDelivery delivery = EnetDelivery::reliable);
  // graceful: enet_peer_disconnect_later (queued packets go first; on_disconnect follows when
  // the peer ACKs or times out); else enet_peer_disconnect_now (no on_disconnect).
  void disconnect(EnetPeerId peer, bool graceful);
  // Flush queued packets, wait up to `linger` for them to be acknowledged, disconnect the
  // peers still there (disconnect_now: they learn it at once instead of timing out), destroy
  // the host, join the thread. Idempotent. Events may fire until it returns, not after.
  // Must not be called from an event handler (it joins the ENet thread).
  void stop(std::chrono::milliseconds linger = std::chrono::milliseconds(500));
  std::uint16_t port() const noexcept;
  // Incoming packets dropped because they exceeded max_packet_bytes (any thread).
  std::uint64_t oversize_packets_dropped() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightwell::net
