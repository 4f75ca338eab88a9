// UDP pings on the video (47998) and audio (48000) ports and the ENet connect data: how the host
// learns each client's media endpoints and matches its ENet peer (shared/protocol/control.md
// §2 and §6, video.md §2, audio.md §1).
//
// Ping datagrams (client -> host, every 500 ms for the whole session):
//   legacy: 4 bytes ASCII "PING" when the RTSP SETUP reply had no valid 16-character
//           X-SS-Ping-Payload; matched by source IP, only for clients without
//           ML_FF_SESSION_ID_V1.
//   v2:     20 bytes SS_PING = the 16 ASCII characters of X-SS-Ping-Payload ‖ BE32 counter
//           (1, 2, 3 ... per stream).
// The host sends media to the source address:port of the first matching ping.
//
// Pure and stateless. Randomness is a parameter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

inline constexpr std::size_t kPingPayloadBytes = 16;
inline constexpr std::size_t kLegacyPingBytes = 4;
inline constexpr std::size_t kPingV2Bytes = kPingPayloadBytes + 4;
inline constexpr std::array<std::uint8_t, kLegacyPingBytes> kLegacyPing{'P', 'I', 'N', 'G'};
// Sunshine draws 8 random bytes and hex-encodes them into the 16 characters.
inline constexpr std::size_t kPingPayloadRandomBytes = 8;

// The session's X-SS-Ping-Payload: exactly 16 ASCII characters (the client ignores any other
// length, moonlight-common-c RtspConnection.c).
struct PingPayload {
  std::array<std::uint8_t, kPingPayloadBytes> bytes{};
  std::string_view text() const noexcept {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  friend bool operator==(const PingPayload&, const PingPayload&) = default;
};

// 8 caller-drawn random bytes -> 16 upper-case hex characters (the RTSP header value).
PingPayload make_ping_payload(std::span<const std::uint8_t, kPingPayloadRandomBytes> random) noexcept;
// A header value back into a payload: exactly 16 printable ASCII characters, else error.
Result<PingPayload> parse_ping_payload(std::string_view text);

enum class PingForm : std::uint8_t { legacy, v2 };

struct UdpPing {
  PingForm form = PingForm::legacy;
  PingPayload payload;          // v2 only (zero for legacy)
  std::uint32_t sequence = 0;   // v2 only: the big-endian counter, 1 for the first ping
};

// Strict: exactly 4 bytes equal to "PING" -> legacy; exactly 20 bytes -> v2; any other size ->
// malformed (Sunshine accepts >= 20 and looks at the first 16 only; the client always sends
// exactly sizeof(SS_PING) = 20, so we do not accept longer datagrams).
Result<UdpPing> parse_udp_ping(Bytes datagram);

// Does a v2 ping carry this session's payload? Constant-time compare (the payload is the only
// thing that binds a datagram's source address to a session). Legacy pings never match a
// payload: the caller matches them by source IP, and only for sessions whose client did not
// announce ML_FF_SESSION_ID_V1 (video.md §2).
bool ping_matches(const UdpPing& ping, const PingPayload& session_payload) noexcept;

// Builds a v2 ping (for tests and test clients; the host never sends pings).
std::array<std::uint8_t, kPingV2Bytes> build_udp_ping(const PingPayload& payload,
                                                      std::uint32_t sequence) noexcept;

// ---- ENet connect data (X-SS-Connect-Data) --------------------------------------------------
// A 32-bit value the host chooses per launch, sends as a decimal RTSP header
// (X-SS-Connect-Data) and receives back as the ENet CONNECT event's `data`. It identifies the
// ENet peer for clients that announced ML_FF_SESSION_ID_V1 (control.md §2).
struct ConnectData {
  std::uint32_t value = 0;
  friend bool operator==(const ConnectData&, const ConnectData&) = default;
};
ConnectData make_connect_data(std::span<const std::uint8_t, 4> random) noexcept;  // LE32
std::string format_connect_data(ConnectData data);                 // decimal, e.g. "305441741"
Result<ConnectData> parse_connect_data(std::string_view decimal);  // strict decimal u32

}  // namespace lightwell::proto
