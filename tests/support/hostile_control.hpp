// A hostile control-stream client for the abuse and advisory tests (test use only,
// header-only): a real ENet connection with the session's connect data and valid AES-GCM
// sealing with the launch's rikey (control.md §2, §3), so that crafted packets get past the
// transport and reach the host's parsers; plus a UDP socket that pings the video port with
// the session's payload and counts the video datagrams that come back. pump_for() keeps the
// session alive as a client would (0x0200 every 100 ms, UDP pings every 500 ms).
// Thread rules: one test thread.
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "enet_test_client.hpp"
#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/control_envelope.hpp"
#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/ping.hpp"
#include "stream_client.hpp"

namespace lightwell::test {

using ByteVector = std::vector<std::uint8_t>;

class HostileControl {
  using ms = std::chrono::milliseconds;

 public:
  HostileControl(const StreamClientOptions& o, const HandshakeResult& hs) : ping_payload_(hs.ping_payload) {
    auto gcm = proto::crypto::AesGcm::create(o.rikey);
    REQUIRE(gcm);
    gcm_.emplace(std::move(*gcm));
    REQUIRE(enet_.connect(hs.control_port, hs.connect_data));
    video_port_ = hs.video_port;
    udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(udp_ >= 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    REQUIRE(::bind(udp_, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0);
    int buffer = 4 << 20;
    ::setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    // Start A (IDR request) and start B, as the client does after CONNECT (control.md §4).
    send_message(0x0302, {0, 0});
    send_message(0x0307, {0});
  }
  ~HostileControl() { ::close(udp_); }
  HostileControl(const HostileControl&) = delete;
  HostileControl& operator=(const HostileControl&) = delete;

  // A sealed envelope around arbitrary plaintext bytes. length_delta makes the envelope's
  // length field lie; extra appends bytes after the envelope.
  ByteVector envelope(const ByteVector& plaintext, int length_delta = 0, std::size_t extra = 0) {
    ByteVector packet(proto::kControlEnvelopeOverheadBytes + plaintext.size() + extra, 0xEE);
    const std::uint32_t seq = seq_++;
    proto::store_u16_le(packet.data(), proto::kControlEnvelopeType);
    proto::store_u16_le(packet.data() + 2, static_cast<std::uint16_t>(static_cast<int>(4 + 16 + plaintext.size()) + length_delta));
    proto::store_u32_le(packet.data() + 4, seq);
    const auto iv = proto::control_iv(seq, proto::ControlDirection::client_to_host);
    REQUIRE(gcm_->seal(iv, plaintext, proto::MutableBytes(packet.data() + 24, plaintext.size()),
                      proto::MutableBytes(packet.data() + 8, 16)));
    return packet;
  }
  static ByteVector frame(std::uint16_t type, std::uint16_t length_field, const ByteVector& payload) {
    ByteVector out(4 + payload.size());
    proto::store_u16_le(out.data(), type);
    proto::store_u16_le(out.data() + 2, length_field);
    std::copy(payload.begin(), payload.end(), out.begin() + 4);
    return out;
  }
  void send_message(std::uint16_t type, const ByteVector& payload) {
    send_raw(envelope(frame(type, static_cast<std::uint16_t>(payload.size()), payload)));
  }
  void send_raw(const ByteVector& packet, std::uint8_t channel = 0) { enet_.send(packet, channel); }

  // Services ENet, keeps the control stream alive (0x0200 every 100 ms) and the video
  // destination pinged (every 500 ms), counts video datagrams.
  void pump_for(std::chrono::milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_ping_) {
        send_message(0x0200, {4, 0, 0, 0, 0, 0, 0, 0});
        next_ping_ = now + ms(100);
      }
      if (now >= next_udp_ping_) {
        const auto payload = proto::parse_ping_payload(ping_payload_);
        REQUIRE(payload);
        const auto ping = proto::build_udp_ping(*payload, ++udp_seq_);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(video_port_);
        ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        ::sendto(udp_, ping.data(), ping.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
        next_udp_ping_ = now + ms(500);
      }
      enet_.poll(5);
      std::uint8_t buf[2048];
      while (::recv(udp_, buf, sizeof buf, 0) > 0) ++video_datagrams_;
    }
  }

  std::uint64_t video_datagrams() const noexcept { return video_datagrams_; }
  bool disconnected() const noexcept { return enet_.disconnected; }

 private:
  EnetTestClient enet_;
  std::optional<proto::crypto::AesGcm> gcm_;  // set by the constructor
  std::uint32_t seq_ = 0;
  std::string ping_payload_;
  std::uint16_t video_port_ = 0;
  int udp_ = -1;
  std::uint32_t udp_seq_ = 0;
  std::uint64_t video_datagrams_ = 0;
  std::chrono::steady_clock::time_point next_ping_{}, next_udp_ping_{};
};

}  // namespace lightwell::test
