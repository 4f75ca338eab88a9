// StreamClient control stream (control.md §2-§5): the ENet thread. ENet is not thread-safe, so
// this thread alone owns the ENet host; the test thread talks to it through the command queue.
#include <array>
#include <cstring>
#include <mutex>

#include <enet/enet.h>

#include "lightwell/proto/control_envelope.hpp"
#include "lightwell/proto/control_messages.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"
#include "stream_client_impl.hpp"

namespace lightwell::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kChannelCount = 0x30;                    // CTRL_CHANNEL_COUNT
constexpr auto kPingInterval = std::chrono::milliseconds(100);  // periodic ping 0x0200
constexpr auto kLinger = std::chrono::seconds(2);               // graceful disconnect linger
constexpr std::uint16_t kTypeTermination = 0x0109;

std::once_flag enet_once;

}  // namespace

void StreamClient::Impl::queue_command(ControlCommand command) {
  {
    std::lock_guard lock(mutex);
    if (command.kind == ControlCommand::Kind::send && command.type == 0x0302) ++counters.idr_requests;
    commands.push_back(std::move(command));
  }
  cv.notify_all();
}

void StreamClient::Impl::run_control(std::stop_token stop, std::promise<std::string> connected) {
  std::call_once(enet_once, [] { enet_initialize(); });
  std::uint16_t port = 0;
  std::uint32_t connect_data = 0;
  {
    std::lock_guard lock(mutex);
    port = handshake.control_port;
    connect_data = handshake.connect_data;
  }
  if (host_address.ss_family != AF_INET) {
    connected.set_value("ENet control needs an IPv4 host (system libenet 1.3)");
    return;
  }
  auto sealer = proto::crypto::ControlSealer::create(options.rikey, proto::ControlDirection::client_to_host, 0);
  auto opener = proto::crypto::ControlOpener::create(options.rikey, proto::ControlDirection::host_to_client);
  if (!sealer || !opener) {
    connected.set_value("control cipher setup failed");
    return;
  }
  ENetHost* host = enet_host_create(nullptr, 1, kChannelCount, 0, 0);
  if (!host) {
    connected.set_value("enet_host_create failed");
    return;
  }
  ENetAddress address{};
  address.host = reinterpret_cast<const sockaddr_in&>(host_address).sin_addr.s_addr;
  address.port = port;
  ENetPeer* peer = enet_host_connect(host, &address, kChannelCount, connect_data);
  ENetEvent event{};
  bool is_connected = false;
  const auto deadline = Clock::now() + options.io_timeout;
  while (peer && !is_connected && Clock::now() < deadline && !stop.stop_requested()) {
    if (enet_host_service(host, &event, 20) > 0 && event.type == ENET_EVENT_TYPE_CONNECT) is_connected = true;
  }
  if (!is_connected) {
    enet_host_destroy(host);
    connected.set_value("ENet CONNECT to control port " + std::to_string(port) + " did not complete");
    return;
  }
  enet_peer_timeout(peer, 2, 10000, 10000);  // control.md §2

  std::array<std::uint8_t, proto::kControlMaxPacketBytes> packet{};
  std::array<std::uint8_t, proto::kControlMaxPlaintextBytes> plain{};
  auto send = [&](std::uint16_t type, const std::vector<std::uint8_t>& payload, std::uint8_t channel) {
    auto frame = proto::write_control_frame(plain, type, payload);
    if (!frame) return;
    auto sealed = sealer->seal(proto::Bytes(plain.data(), *frame), packet);
    if (!sealed) return;
    ENetPacket* p = enet_packet_create(packet.data(), *sealed, ENET_PACKET_FLAG_RELIABLE);
    if (enet_peer_send(peer, channel, p) != 0) enet_packet_destroy(p);
  };
  // Start A (0x0302) and start B (0x0307) on the generic channel (control.md §4).
  send(0x0302, {0, 0}, 0);
  send(0x0307, {0}, 0);
  enet_host_flush(host);
  {
    std::lock_guard lock(mutex);
    counters.control_connected = true;
  }
  connected.set_value({});

  enum class End { running, disconnect, vanish, host_gone } end = End::running;
  auto next_ping = Clock::now() + kPingInterval;
  while (end == End::running) {
    if (stop.stop_requested()) end = End::vanish;
    std::deque<ControlCommand> todo;
    {
      std::lock_guard lock(mutex);
      todo.swap(commands);
    }
    for (auto& c : todo) {
      if (c.kind == ControlCommand::Kind::send && end == End::running) send(c.type, c.payload, c.channel);
      else if (c.kind == ControlCommand::Kind::disconnect) end = End::disconnect;
      else if (c.kind == ControlCommand::Kind::vanish) end = End::vanish;
    }
    if (end != End::running) break;
    if (Clock::now() >= next_ping) {
      send(0x0200, {4, 0, 0, 0, 0, 0, 0, 0}, 0);  // u16 LE 4, u32 0, 2 bytes (control.md §4)
      next_ping += kPingInterval;
    }
    while (end == End::running && enet_host_service(host, &event, 10) > 0) {
      if (event.type == ENET_EVENT_TYPE_DISCONNECT) {
        std::lock_guard lock(mutex);
        counters.control_disconnected_by_host = true;
        counters.control_connected = false;
        end = End::host_gone;
      } else if (event.type == ENET_EVENT_TYPE_RECEIVE) {
        auto opened = opener->open(proto::Bytes(event.packet->data, event.packet->dataLength), plain);
        std::optional<std::uint32_t> termination;
        bool ok = false;
        if (opened) {
          if (auto frame = proto::parse_control_frame(opened->plaintext)) {
            ok = true;
            // 0x0109: u32 BIG-endian HRESULT (control.md §5).
            if (frame->type == kTypeTermination && frame->payload.size() >= 4) {
              const auto* b = frame->payload.data();
              termination = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
            }
          }
        }
        enet_packet_destroy(event.packet);
        std::lock_guard lock(mutex);
        if (ok) ++counters.control_messages;
        else ++counters.control_rejected;
        if (termination) {
          counters.termination_hresult = termination;
          // The client resets the peer at once, without waiting for a DISCONNECT (§5).
          end = End::vanish;
        }
      }
      cv.notify_all();
    }
  }

  if (end == End::disconnect) {
    enet_peer_disconnect(peer, 0);
    const auto linger_end = Clock::now() + kLinger;
    while (Clock::now() < linger_end) {
      if (enet_host_service(host, &event, 20) > 0) {
        if (event.type == ENET_EVENT_TYPE_DISCONNECT) break;
        if (event.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(event.packet);
      }
    }
  }
  if (end != End::host_gone) enet_peer_reset(peer);  // sends nothing
  enet_host_destroy(host);
  {
    std::lock_guard lock(mutex);
    counters.control_connected = false;
  }
  cv.notify_all();
}

}  // namespace lightwell::test
