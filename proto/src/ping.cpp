#include "lightwell/proto/ping.hpp"

#include <algorithm>
#include <string>

namespace lightwell::proto {

PingPayload make_ping_payload(std::span<const std::uint8_t, kPingPayloadRandomBytes> random) noexcept {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  PingPayload out;
  for (std::size_t i = 0; i < random.size(); ++i) {
    out.bytes[2 * i] = static_cast<std::uint8_t>(kDigits[random[i] >> 4]);
    out.bytes[2 * i + 1] = static_cast<std::uint8_t>(kDigits[random[i] & 0x0F]);
  }
  return out;
}

Result<PingPayload> parse_ping_payload(std::string_view text) {
  if (text.size() != kPingPayloadBytes) {
    return fail(Errc::malformed, "ping payload must be 16 characters, got " +
                                     std::to_string(text.size()));
  }
  PingPayload out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // Printable ASCII only: it travels in an RTSP header line.
    if (c < 0x21 || c > 0x7E) {
      return fail(Errc::malformed, "ping payload character " + std::to_string(i) +
                                       " is not printable ASCII");
    }
    out.bytes[i] = c;
  }
  return out;
}

Result<UdpPing> parse_udp_ping(Bytes datagram) {
  UdpPing ping;
  if (datagram.size() == kLegacyPingBytes) {
    if (!std::equal(datagram.begin(), datagram.end(), kLegacyPing.begin())) {
      return fail(Errc::malformed, "4-byte ping datagram is not \"PING\"");
    }
    ping.form = PingForm::legacy;
    return ping;
  }
  if (datagram.size() == kPingV2Bytes) {
    ping.form = PingForm::v2;
    std::copy_n(datagram.begin(), kPingPayloadBytes, ping.payload.bytes.begin());
    ping.sequence = load_u32_be(datagram.data() + kPingPayloadBytes);
    return ping;
  }
  return fail(Errc::malformed, "ping datagram of " + std::to_string(datagram.size()) +
                                   " bytes is neither the 4-byte legacy nor the 20-byte v2 form");
}

bool ping_matches(const UdpPing& ping, const PingPayload& session_payload) noexcept {
  if (ping.form != PingForm::v2) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kPingPayloadBytes; ++i) {
    diff = static_cast<std::uint8_t>(diff | (ping.payload.bytes[i] ^ session_payload.bytes[i]));
  }
  return diff == 0;
}

std::array<std::uint8_t, kPingV2Bytes> build_udp_ping(const PingPayload& payload,
                                                      std::uint32_t sequence) noexcept {
  std::array<std::uint8_t, kPingV2Bytes> out{};
  std::copy(payload.bytes.begin(), payload.bytes.end(), out.begin());
  store_u32_be(out.data() + kPingPayloadBytes, sequence);
  return out;
}

ConnectData make_connect_data(std::span<const std::uint8_t, 4> random) noexcept {
  return ConnectData{load_u32_le(random.data())};
}

std::string format_connect_data(ConnectData data) { return std::to_string(data.value); }

Result<ConnectData> parse_connect_data(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 10) {
    return fail(Errc::malformed, "connect data must be 1..10 decimal digits");
  }
  std::uint64_t value = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return fail(Errc::malformed, "connect data is not a decimal number");
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 0xFFFFFFFFULL) return fail(Errc::out_of_range, "connect data exceeds 32 bits");
  return ConnectData{static_cast<std::uint32_t>(value)};
}

}  // namespace lightwell::proto
