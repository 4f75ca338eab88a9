// Handshake reply and client request builders (shared/protocol/rtsp.md §2, §4, §6).
#include "lightwell/proto/rtsp_replies.hpp"

#include <utility>

#include "lightwell/proto/hex.hpp"

namespace lightwell::proto {

std::string_view rtsp_reason_phrase(int status_code) noexcept {
  switch (status_code) {
    case kRtspOk: return "OK";
    case kRtspBadRequest: return "BAD REQUEST";
    case kRtspForbidden: return "Forbidden";
    case kRtspNotFound: return "NOT FOUND";
    case kRtspInternalError: return "Internal Server Error";
    default: return "Error";
  }
}

RtspResponse rtsp_reply(int status_code, std::uint32_t cseq) {
  RtspResponse r;
  r.status_code = status_code;
  r.reason = std::string(rtsp_reason_phrase(status_code));
  r.headers.add("CSeq", std::to_string(cseq));
  return r;
}

RtspResponse rtsp_describe_reply(std::uint32_t cseq, std::string sdp_body) {
  RtspResponse r = rtsp_reply(kRtspOk, cseq);
  r.body = std::move(sdp_body);
  return r;
}

std::optional<RtspStream> rtsp_setup_stream(std::string_view target) noexcept {
  const auto eq = target.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view type = target.substr(eq + 1);
  type = type.substr(0, type.find('/'));
  if (type == "audio") return RtspStream::audio;
  if (type == "video") return RtspStream::video;
  if (type == "control") return RtspStream::control;
  return std::nullopt;
}

std::string rtsp_transport_value(std::uint16_t server_port) {
  return "server_port=" + std::to_string(server_port);
}

std::string rtsp_ping_payload(const std::array<std::uint8_t, 8>& random_bytes) {
  return to_hex(Bytes(random_bytes), /*upper_case=*/true);
}

std::string rtsp_connect_data_value(std::uint32_t connect_data) {
  return std::to_string(connect_data);
}

Result<RtspResponse> rtsp_setup_reply(std::uint32_t cseq, RtspStream stream,
                                      const RtspSetupReply& reply) {
  RtspResponse r = rtsp_reply(kRtspOk, cseq);
  r.headers.add("Session", std::string(kRtspSessionValue));
  r.headers.add("Transport", rtsp_transport_value(reply.server_port));
  if (stream == RtspStream::control) {
    r.headers.add("X-SS-Connect-Data", rtsp_connect_data_value(reply.connect_data));
    return r;
  }
  if (reply.ping_payload.size() != kPingPayloadChars) {
    return fail(Errc::malformed, "X-SS-Ping-Payload must be exactly 16 characters");
  }
  for (char c : reply.ping_payload) {
    if (c <= ' ' || c >= 0x7f) {
      return fail(Errc::malformed, "X-SS-Ping-Payload must be visible ASCII");
    }
  }
  r.headers.add("X-SS-Ping-Payload", reply.ping_payload);
  return r;
}

RtspRequest rtsp_client_request(std::string method, std::string target, std::uint32_t cseq,
                                std::string_view host) {
  RtspRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.cseq = cseq;
  r.headers.add("CSeq", std::to_string(cseq));
  r.headers.add("X-GS-ClientVersion", std::string(kRtspClientVersionGen7));
  r.headers.add("Host", std::string(host));
  return r;
}

void rtsp_attach_sdp(RtspRequest& request, std::string sdp_body) {
  request.headers.add("Content-type", "application/sdp");
  request.headers.add("Content-length", std::to_string(sdp_body.size()));
  request.body = std::move(sdp_body);
}

}  // namespace lightwell::proto
