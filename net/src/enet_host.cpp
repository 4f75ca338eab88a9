// EnetHost on upstream libenet 1.3.17 (Debian libenet-dev). Every libenet call on the host
// happens on the "enet" thread; other threads only queue commands (libenet is not
// thread-safe per host). See enet_host.hpp for the contract.
#include "lightwell/net/enet_host.hpp"

#include <enet/enet.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/address_v4.hpp>

namespace lightwell::net {

namespace {

// The peer id lives in ENetPeer::data (a void*), so it must fit a pointer-sized integer.
static_assert(sizeof(std::uintptr_t) >= sizeof(EnetPeerId), "EnetPeerId must fit in ENetPeer::data");

// enet_initialize()/enet_deinitialize() are process-wide and NOT reference counted upstream:
// a deinitialize while another ENetHost exists (a second EnetHost, the tests' client) would
// pull the ground from under it. So we initialise exactly once per process, through a
// function-local static (C++11 guarantees a thread-safe one-time initialisation; a failed
// attempt throws and is retried by the next caller), and never deinitialise. This is not
// mutable global state in the design sense: it is a one-way "library ready" fact that nothing
// reads or changes afterwards (on Unix both calls are no-ops in 1.3.17 anyway).
void ensure_enet_initialized() {
  static const bool initialized = [] {
    if (enet_initialize() != 0) throw std::runtime_error("ENet: enet_initialize failed");
    return true;
  }();
  (void)initialized;
}

EnetPeerId peer_id_of(const ENetPeer* peer) noexcept {
  return static_cast<EnetPeerId>(reinterpret_cast<std::uintptr_t>(peer->data));
}

enet_uint32 packet_flags(EnetDelivery delivery) noexcept {
  switch (delivery) {
    case EnetDelivery::reliable: return ENET_PACKET_FLAG_RELIABLE;
    case EnetDelivery::unsequenced: return ENET_PACKET_FLAG_UNSEQUENCED;
    case EnetDelivery::unreliable_sequenced: return 0;
  }
  return ENET_PACKET_FLAG_RELIABLE;
}

struct PacketDeleter {
  void operator()(ENetPacket* p) const noexcept { enet_packet_destroy(p); }
};
using PacketPtr = std::unique_ptr<ENetPacket, PacketDeleter>;

struct Command {
  EnetPeerId peer = 0;
  PacketPtr packet;      // null: a disconnect
  std::uint8_t channel = 0;
  bool graceful = false;  // disconnect only
};

// Data still waiting to leave or to be acknowledged (what stop() lingers for).
bool has_outgoing_reliable(ENetPeer* peer) noexcept {
  return !enet_list_empty(&peer->outgoingCommands) || !enet_list_empty(&peer->sentReliableCommands);
}

}  // namespace

struct EnetHost::Impl {
  EnetHostOptions options;
  EnetEvents events;
  ENetHost* host = nullptr;
  std::uint16_t bound_port = 0;

  std::mutex command_mutex;
  std::vector<Command> commands;  // swapped out by the ENet thread each turn

  // ENet thread only.
  struct PeerEntry {
    ENetPeer* peer = nullptr;
    enet_uint32 last_receive_ms = 0;  // snapshot of peer->lastReceiveTime (libenet clock)
  };
  std::unordered_map<EnetPeerId, PeerEntry> peers;
  EnetPeerId next_id = 1;
  std::vector<Command> running;  // reused buffer for the swapped command list
  struct Handshake {
    enet_uint32 connect_id = 0;
    std::chrono::steady_clock::time_point since;
  };
  std::unordered_map<ENetPeer*, Handshake> handshakes;  // half-open slots, see reap_half_open()

  std::atomic<std::uint64_t> oversize_dropped{0};
  std::atomic<long long> linger_ms{500};
  std::mutex stop_mutex;
  bool stopped = false;
  std::jthread thread;  // last: joined before the members above go away

  Impl(EnetHostOptions opt, EnetEvents ev) : options(std::move(opt)), events(std::move(ev)) {
    ensure_enet_initialized();
    const std::string where = options.bind_address + ":" + std::to_string(options.port);
    ENetAddress address{};
    // enet_address_set_host_ip only parses dotted IPv4 (upstream ENetAddress is IPv4).
    if (enet_address_set_host_ip(&address, options.bind_address.c_str()) != 0) {
      throw std::invalid_argument("ENet: bind address " + options.bind_address +
                                  " is not an IPv4 address (libenet 1.3 is IPv4 only)");
    }
    address.port = options.port;
    if (options.channel_limit == 0 || options.channel_limit > ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT)
      throw std::invalid_argument("ENet: channel_limit must be 1..255");
    host = enet_host_create(&address, options.max_peers, options.channel_limit, 0, 0);
    if (host == nullptr)
      throw std::runtime_error("ENet: cannot bind the control port UDP " + where + " (in use?)");
    // One address may hold only a few peer slots (default: all 4095), so one sender of
    // CONNECTs cannot fill them; see also reap_half_open().
    host->duplicatePeers = kMaxPeersPerAddress;
    // enet_host_create reads the bound address back (port 0 -> the kernel's choice).
    bound_port = host->address.port;
    thread = std::jthread([this](std::stop_token stop) { run(stop); });
  }

  ~Impl() {
    if (host != nullptr) enet_host_destroy(host);  // only if run() never got to it
  }

  void queue(Command command) {
    std::lock_guard lock(command_mutex);
    commands.push_back(std::move(command));
  }

  static constexpr enet_uint32 kIdleServiceMs = 100;
  static constexpr std::size_t kMaxPeersPerAddress = 4;
  // A real client acknowledges our VERIFY_CONNECT within one round trip (control.md §2).
  static constexpr std::chrono::milliseconds kHandshakeTimeout{3000};

  void run(std::stop_token stop) {
    pthread_setname_np(pthread_self(), "enet");
    const auto interval = static_cast<enet_uint32>(std::clamp<long long>(options.service_interval.count(), 0, 100));
    while (!stop.stop_requested()) {
      execute_commands();
      // With no peer, queued commands are no-ops and a CONNECT wakes enet_socket_wait at once,
      // so the short interval buys nothing: wait longer and keep an idle server idle (issue 4:
      // idle CPU ≈ 0). stop() is then noticed within kIdleServiceMs.
      service(peers.empty() ? kIdleServiceMs : interval);
      reap_half_open();
    }
    // stop(): last commands, flush, linger for the reliable data, then close what is left.
    execute_commands();
    enet_host_flush(host);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(linger_ms.load());
    while (std::chrono::steady_clock::now() < deadline && any_outgoing()) service(std::min<enet_uint32>(interval, 10));
    for (auto& [id, entry] : peers) {
      entry.peer->data = nullptr;
      enet_peer_disconnect_now(entry.peer, 0);
    }
    peers.clear();
    enet_host_flush(host);
    enet_host_destroy(host);
    host = nullptr;
  }

  // At least 4 ping intervals (libenet pings a quiet peer every 500 ms), so "silent for half
  // the timeout" cannot happen to a live peer and tells a timeout from a graceful DISCONNECT.
  enet_uint32 peer_timeout_ms() const {
    return static_cast<enet_uint32>(std::clamp<long long>(options.peer_timeout.count(), 2000, 0xFFFFFFFF));
  }

  bool any_outgoing() const {
    return std::any_of(peers.begin(), peers.end(), [](const auto& p) {
      return p.second.peer->state != ENET_PEER_STATE_DISCONNECTED && has_outgoing_reliable(p.second.peer);
    });
  }

  void execute_commands() {
    {
      std::lock_guard lock(command_mutex);
      running.swap(commands);
    }
    for (auto& c : running) {
      const auto it = peers.find(c.peer);
      if (it == peers.end()) continue;  // unknown or gone: dropped (the packet frees itself)
      ENetPeer* peer = it->second.peer;
      if (c.packet) {
        // enet_peer_send takes ownership on success only; channels beyond the negotiated
        // count fail and the packet is freed here.
        if (enet_peer_send(peer, c.channel, c.packet.get()) == 0) (void)c.packet.release();
      } else if (c.graceful) {
        enet_peer_disconnect_later(peer, 0);  // on_disconnect follows when it completes
      } else {
        peer->data = nullptr;
        enet_peer_disconnect_now(peer, 0);  // resets the peer: no event will follow
        peers.erase(it);
      }
    }
    running.clear();
  }

  // Half-open handshakes: a CONNECT takes a peer slot at once (ACKNOWLEDGING_CONNECT) and
  // libenet keeps it until our VERIFY_CONNECT times out (5 to 30 s by its defaults), so
  // CONNECTs that are never completed (one datagram each, any source) would lock the real
  // client out of the max_peers slots. A slot still half-open after kHandshakeTimeout is
  // reset (silently: libenet reports no event for a peer that never connected).
  void reap_half_open() {
    const auto now = std::chrono::steady_clock::now();
    for (ENetPeer* p = host->peers; p < host->peers + host->peerCount; ++p) {
      if (p->state != ENET_PEER_STATE_ACKNOWLEDGING_CONNECT) {
        handshakes.erase(p);
        continue;
      }
      const auto [it, inserted] = handshakes.try_emplace(p, Handshake{p->connectID, now});
      if (inserted) continue;
      if (it->second.connect_id != p->connectID) {
        it->second = Handshake{p->connectID, now};  // the slot was reused by another CONNECT
      } else if (now - it->second.since > kHandshakeTimeout) {
        enet_peer_reset(p);
        handshakes.erase(it);
      }
    }
  }

  // One enet_host_service with `timeout_ms`, then every event already queued (timeout 0).
  void service(enet_uint32 timeout_ms) {
    ENetEvent event{};
    int rc = enet_host_service(host, &event, timeout_ms);
    while (rc > 0) {
      handle(event);
      rc = enet_host_service(host, &event, 0);
    }
    // Snapshot liveness: libenet resets lastReceiveTime before reporting a disconnect.
    for (auto& [id, entry] : peers) {
      if (entry.peer->lastReceiveTime != 0) entry.last_receive_ms = entry.peer->lastReceiveTime;
    }
  }

  void handle(ENetEvent& event) {
    switch (event.type) {
      case ENET_EVENT_TYPE_CONNECT: on_connect(event); break;
      case ENET_EVENT_TYPE_RECEIVE: on_receive(event); break;
      case ENET_EVENT_TYPE_DISCONNECT: on_disconnect(event); break;
      case ENET_EVENT_TYPE_NONE: break;
    }
  }

  void on_connect(ENetEvent& event) {
    ENetPeer* peer = event.peer;
    const EnetPeerId id = next_id++;
    peer->data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
    const auto timeout = peer_timeout_ms();
    // Limit 2 as the client does: give up after `timeout` without ACKs, not after 32 RTOs.
    enet_peer_timeout(peer, 2, timeout, timeout);
    peers[id] = PeerEntry{peer, enet_time_get()};
    EnetPeerInfo info;
    info.id = id;
    // ENetAddress::host is in network byte order, port in host order.
    std::array<unsigned char, 4> octets{};
    std::memcpy(octets.data(), &peer->address.host, 4);
    info.peer_address = boost::asio::ip::address_v4(octets);
    info.peer_port = peer->address.port;
    info.connect_data = event.data;
    if (events.on_connect) events.on_connect(info);
  }

  void on_receive(ENetEvent& event) {
    const PacketPtr packet(event.packet);  // destroyed after the handler returns
    const EnetPeerId id = peer_id_of(event.peer);
    if (id == 0 || !peers.contains(id)) return;
    if (packet->dataLength > options.max_packet_bytes) {
      oversize_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (events.on_receive)
      events.on_receive(id, event.channelID, std::span<const std::uint8_t>(packet->data, packet->dataLength));
  }

  void on_disconnect(ENetEvent& event) {
    const EnetPeerId id = peer_id_of(event.peer);
    event.peer->data = nullptr;
    const auto it = peers.find(id);
    if (id == 0 || it == peers.end()) return;
    // A timeout needs unacknowledged data for peer_timeout; a live peer is heard from at
    // least every ping interval (500 ms), so silence of half the timeout means a timeout.
    const enet_uint32 silent_ms = enet_time_get() - it->second.last_receive_ms;  // modular: wraps safely
    const bool timed_out = silent_ms >= peer_timeout_ms() / 2;
    peers.erase(it);
    if (events.on_disconnect) events.on_disconnect(id, timed_out);
  }
};

EnetHost::EnetHost(EnetHostOptions options, EnetEvents events)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(events))) {}

EnetHost::~EnetHost() { stop(); }

void EnetHost::send(EnetPeerId peer, std::span<const std::uint8_t> payload, std::uint8_t channel,
                    EnetDelivery delivery) {
  // enet_packet_create only allocates and copies: safe off the ENet thread.
  PacketPtr packet(enet_packet_create(payload.data(), payload.size(), packet_flags(delivery)));
  if (!packet) return;
  impl_->queue(Command{peer, std::move(packet), channel, false});
}

void EnetHost::disconnect(EnetPeerId peer, bool graceful) {
  impl_->queue(Command{peer, nullptr, 0, graceful});
}

void EnetHost::stop(std::chrono::milliseconds linger) {
  std::lock_guard lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->linger_ms.store(std::max<long long>(0, linger.count()));
  impl_->thread.request_stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t EnetHost::port() const noexcept { return impl_->bound_port; }

std::uint64_t EnetHost::oversize_packets_dropped() const noexcept {
  return impl_->oversize_dropped.load(std::memory_order_relaxed);
}

}  // namespace lightwell::net
