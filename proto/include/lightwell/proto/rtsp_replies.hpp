// Builders for the exact RTSP replies the GameStream handshake needs (shared/protocol/rtsp.md
// §4, §6) and for the client's requests (our test client, §2). The client matches header
// names case-sensitively (§7), so the spellings here are the ones it looks for.
// Pure value builders; no state. Randomness (ping payload, connect data) is a parameter.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lightwell/proto/result.hpp"
#include "lightwell/proto/rtsp.hpp"

namespace lightwell::proto {

// Status lines Sunshine uses (rtsp.md §6); the client only distinguishes 200 from the rest
// and reports the number.
inline constexpr int kRtspOk = 200;
inline constexpr int kRtspBadRequest = 400;
inline constexpr int kRtspForbidden = 403;
inline constexpr int kRtspNotFound = 404;
inline constexpr int kRtspInternalError = 500;
// Reason phrase for the codes above ("OK", "BAD REQUEST", "Forbidden", "NOT FOUND",
// "Internal Server Error"); "Error" for any other code.
std::string_view rtsp_reason_phrase(int status_code) noexcept;

// `RTSP/1.0 <status> <reason>` with the single header `CSeq: <cseq>` and no body: OPTIONS,
// ANNOUNCE and PLAY replies and every error (rtsp.md §4.1, §4.5, §6; §7: always send CSeq).
RtspResponse rtsp_reply(int status_code, std::uint32_t cseq);
// DESCRIBE reply: CSeq and the capability text as body, no Content-length (the client reads
// to EOF, rtsp.md §2).
RtspResponse rtsp_describe_reply(std::uint32_t cseq, std::string sdp_body);

// SETUP (rtsp.md §4.3).
enum class RtspStream { audio, video, control };
// The stream type is the text between the first '=' and the next '/' of the target
// ("streamid=audio/0/0"); nullopt means "404 NOT FOUND".
std::optional<RtspStream> rtsp_setup_stream(std::string_view target) noexcept;

// Session header value: the client echoes the token before ';' (Sunshine's constant).
inline constexpr std::string_view kRtspSessionValue = "DEADBEEFCAFE;timeout = 90";
inline constexpr std::string_view kRtspSessionId = "DEADBEEFCAFE";
inline constexpr std::size_t kPingPayloadChars = 16;

// `server_port=<port>`: all the client reads from Transport (strtol after "server_port=").
std::string rtsp_transport_value(std::uint16_t server_port);
// X-SS-Ping-Payload: 8 random bytes as 16 upper-case hex characters (Sunshine's form; the
// client ignores any other length and falls back to legacy pings, control.md §6).
std::string rtsp_ping_payload(const std::array<std::uint8_t, 8>& random_bytes);
// X-SS-Connect-Data: plain decimal (the client uses strtoul(..., 0), so a leading 0 would be
// read as octal; a u32's decimal form never has one unless the value is 0 itself).
std::string rtsp_connect_data_value(std::uint32_t connect_data);

struct RtspSetupReply {
  std::uint16_t server_port = 0;  // UDP port of this stream (audio 48000, video 47998, control 47999)
  std::string ping_payload;       // audio/video: exactly 16 visible ASCII characters
  std::uint32_t connect_data = 0; // control only
};
// Headers in Sunshine's order: CSeq, Session, Transport, then X-SS-Ping-Payload (audio,
// video) or X-SS-Connect-Data (control). Fails if the ping payload is not 16 visible
// ASCII characters (audio/video).
Result<RtspResponse> rtsp_setup_reply(std::uint32_t cseq, RtspStream stream,
                                      const RtspSetupReply& reply);

// Client side (rtsp.md §2): a request with CSeq, X-GS-ClientVersion: 14 and Host, in that
// order, as initializeRtspRequest writes them.
inline constexpr std::string_view kRtspClientVersionGen7 = "14";
RtspRequest rtsp_client_request(std::string method, std::string target, std::uint32_t cseq,
                                std::string_view host);
// Adds the ANNOUNCE body with the client's header spelling: `Content-type: application/sdp`,
// `Content-length: <n>` (rtsp.md §4 table; tests/data/wire/announce_request_headers.txt).
void rtsp_attach_sdp(RtspRequest& request, std::string sdp_body);

}  // namespace lightwell::proto
