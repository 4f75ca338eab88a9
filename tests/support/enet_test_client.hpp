// A single-peer ENet client on libenet, driven by the test thread (it services only when
// polled), shaped like moonlight-common-c's control stream: 48 channels (CTRL_CHANNEL_COUNT),
// CONNECT data = X-SS-Connect-Data (control.md §2). Shared by the EnetHost and ControlService
// tests; needs libenet linked (PkgConfig::TEST_ENET). Header-only, test use only.
#pragma once

#include <catch2/catch.hpp>

#include <enet/enet.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace lightwell::test {

struct EnetTestClient {
  static constexpr std::size_t kChannels = 0x30;
  using Bytes = std::vector<std::uint8_t>;
  struct Packet {
    std::uint8_t channel;
    Bytes bytes;
  };
  ENetHost* host = nullptr;
  ENetPeer* peer = nullptr;
  bool connected = false;
  bool disconnected = false;
  std::vector<Packet> received;

  EnetTestClient() {
    static const int init = enet_initialize();  // no-op on Unix; never deinitialised
    REQUIRE(init == 0);
    ENetAddress local{};
    enet_address_set_host_ip(&local, "127.0.0.1");
    local.port = 0;
    host = enet_host_create(&local, 1, kChannels, 0, 0);
    REQUIRE(host != nullptr);
  }
  ~EnetTestClient() { enet_host_destroy(host); }
  EnetTestClient(const EnetTestClient&) = delete;
  EnetTestClient& operator=(const EnetTestClient&) = delete;

  std::uint16_t local_port() const { return host->address.port; }

  void poll(enet_uint32 timeout_ms = 10) {
    ENetEvent e{};
    int rc = enet_host_service(host, &e, timeout_ms);
    while (rc > 0) {
      if (e.type == ENET_EVENT_TYPE_CONNECT) connected = true;
      if (e.type == ENET_EVENT_TYPE_DISCONNECT) disconnected = true;
      if (e.type == ENET_EVENT_TYPE_RECEIVE) {
        received.push_back({e.channelID, Bytes(e.packet->data, e.packet->data + e.packet->dataLength)});
        enet_packet_destroy(e.packet);
      }
      rc = enet_host_service(host, &e, 0);
    }
  }

  template <class Pred>
  bool pump_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      poll(5);
    }
    return true;
  }
  // Services for a while (to let something that must NOT happen have its chance).
  void pump_for(std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline) poll(5);
  }

  bool connect(std::uint16_t port, std::uint32_t data) {
    ENetAddress address{};
    enet_address_set_host_ip(&address, "127.0.0.1");
    address.port = port;
    peer = enet_host_connect(host, &address, kChannels, data);
    REQUIRE(peer != nullptr);
    return pump_until([&] { return connected || disconnected; }) && connected;
  }

  void send(const Bytes& bytes, std::uint8_t channel = 0, enet_uint32 flags = ENET_PACKET_FLAG_RELIABLE) {
    ENetPacket* p = enet_packet_create(bytes.data(), bytes.size(), flags);
    REQUIRE(enet_peer_send(peer, channel, p) == 0);
    enet_host_flush(host);
  }
};

}  // namespace lightwell::test
