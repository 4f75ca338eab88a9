// RTSP service, the answers (rtsp_service.hpp; shared/protocol/rtsp.md §4, §6): OPTIONS,
// DESCRIBE, SETUP ×3, ANNOUNCE, PLAY. Every refusal is logged with the session id (the Log
// carries it) and the reason; nothing secret is logged.
#include <string_view>

#include "lightwell/proto/rtsp_replies.hpp"
#include "lightwell/proto/sdp_announce.hpp"
#include "lightwell/server/rtsp_service.hpp"

namespace lightwell::server {

namespace {

std::string_view codec_name(proto::VideoCodec c) noexcept {
  switch (c) {
    case proto::VideoCodec::h264: return "H.264";
    case proto::VideoCodec::hevc: return "HEVC";
    case proto::VideoCodec::av1: return "AV1";
  }
  return "?";
}

proto::RtspResponse refuse(std::uint32_t cseq) { return proto::rtsp_reply(proto::kRtspBadRequest, cseq); }

}  // namespace

proto::RtspResponse RtspService::dispatch(const Exchange& ex, const proto::RtspRequest& request) {
  ex.log.debug("RTSP {} {} (CSeq {}) from {}", request.method, request.target, request.cseq, ex.peer);
  switch (request.kind()) {
    case proto::RtspMethod::options:
      return proto::rtsp_reply(proto::kRtspOk, request.cseq);  // §4.1
    case proto::RtspMethod::describe:
      return describe(ex, request);
    case proto::RtspMethod::setup:
      return setup(ex, request);
    case proto::RtspMethod::announce:
      return announce(ex, request);
    case proto::RtspMethod::play:
      // §4.5: nothing to do; the media session started on ANNOUNCE.
      ex.log.info("RTSP handshake with {} complete (PLAY)", ex.peer);
      return proto::rtsp_reply(proto::kRtspOk, request.cseq);
    case proto::RtspMethod::teardown:
    case proto::RtspMethod::unknown:
      break;
  }
  // §6: the reference host answers any other command with 404 (the client never sends one).
  ex.log.info("RTSP method {} from {} not supported: 404", request.method, ex.peer);
  return proto::rtsp_reply(proto::kRtspNotFound, request.cseq);
}

proto::RtspResponse RtspService::describe(const Exchange& ex, const proto::RtspRequest& request) {
  // §4.2: markers only for what the encoder probe found (caps_), so DESCRIBE and /serverinfo
  // agree; the encryption masks are the lead's policy, set in caps_.
  auto body = proto::build_describe_sdp(caps_);
  if (!body) {
    ex.log.error("DESCRIBE from {}: host capabilities are inconsistent ({}): 500", ex.peer, body.error().message);
    return proto::rtsp_reply(proto::kRtspInternalError, request.cseq);
  }
  return proto::rtsp_describe_reply(request.cseq, std::move(*body));
}

proto::RtspResponse RtspService::setup(const Exchange& ex, const proto::RtspRequest& request) {
  // §4.3: the stream type sits between '=' and the next '/' of the target.
  const auto stream = proto::rtsp_setup_stream(request.target);
  if (!stream) {
    ex.log.info("SETUP from {} for unknown stream \"{}\": 404", ex.peer, request.target);
    return proto::rtsp_reply(proto::kRtspNotFound, request.cseq);
  }
  proto::RtspSetupReply values;
  switch (*stream) {
    case proto::RtspStream::audio: values.server_port = ports_.audio; break;
    case proto::RtspStream::video: values.server_port = ports_.video; break;
    case proto::RtspStream::control: values.server_port = ports_.control; break;
  }
  values.ping_payload = ex.session.ping_payload;
  values.connect_data = ex.session.connect_data;
  auto reply = proto::rtsp_setup_reply(request.cseq, *stream, values);
  if (!reply) {
    ex.log.error("SETUP from {}: reply could not be built ({}): 500", ex.peer, reply.error().message);
    return proto::rtsp_reply(proto::kRtspInternalError, request.cseq);
  }
  return std::move(*reply);
}

proto::RtspResponse RtspService::announce(const Exchange& ex, const proto::RtspRequest& request) {
  // §4.4: parse (all or nothing), then what DESCRIBE offered, then this host's limits.
  auto params = proto::parse_announce_sdp(request.body);
  if (!params) {
    ex.log.warn("ANNOUNCE from {} refused (400): {}", ex.peer, params.error().message);
    return refuse(request.cseq);
  }
  const proto::AnnounceVerdict verdict = proto::check_announce(*params, caps_);
  if (!verdict.accepted()) {
    ex.log.warn("ANNOUNCE from {} refused ({}): {}", ex.peer, verdict.rtsp_status, verdict.reason);
    return proto::rtsp_reply(verdict.rtsp_status, request.cseq);
  }
  if (params->width_px > limits_.max_width_px) {
    ex.log.warn("ANNOUNCE from {} refused (400): width {} px above this host's maximum {} px (video.max_width_px)",
                ex.peer, params->width_px, limits_.max_width_px);
    return refuse(request.cseq);
  }
  if (params->height_px > limits_.max_height_px) {
    ex.log.warn("ANNOUNCE from {} refused (400): height {} px above this host's maximum {} px (video.max_height_px)",
                ex.peer, params->height_px, limits_.max_height_px);
    return refuse(request.cseq);
  }
  if (params->fps > limits_.max_fps) {
    ex.log.warn("ANNOUNCE from {} refused (400): {} fps above this host's maximum {} fps (video.max_fps)", ex.peer,
                params->fps, limits_.max_fps);
    return refuse(request.cseq);
  }
  if (params->control_protocol != proto::kControlProtocolEncrypted) {
    // Clients since 7.1.431 send 13; older ones (value 1) expect the legacy plaintext ENet
    // control stream, which this host does not implement (control.md).
    ex.log.warn(
        "ANNOUNCE from {} refused (400): x-nv-general.useReliableUdp is {}; only {} (the encrypted control "
        "stream) is supported, the legacy plaintext control stream is not implemented",
        ex.peer, params->control_protocol, proto::kControlProtocolEncrypted);
    return refuse(request.cseq);
  }

  AnnounceContext context;
  context.host_header = std::string(request.headers.find("Host").value_or(""));
  context.peer_address = ex.message.peer_address;
  context.local_address = ex.message.local_address;
  ex.log.info("ANNOUNCE from {}: {} {}x{}@{}, {} bit, {}, {} audio channels, encryption mask {:#x}", ex.peer,
              codec_name(params->codec), params->width_px, params->height_px, params->fps,
              params->ten_bit() ? 10 : 8, params->yuv444() ? "4:4:4" : "4:2:0", params->audio_channels,
              params->encryption_enabled);
  int status = starter_ ? starter_(ex.session, *params, context) : proto::kRtspInternalError;
  if (status < 100 || status > 999) {
    ex.log.error("stream starter returned {} for {}: answering 500", status, ex.peer);
    status = proto::kRtspInternalError;
  }
  if (status != proto::kRtspOk) ex.log.warn("stream for {} did not start: {}", ex.peer, status);
  return proto::rtsp_reply(status, request.cseq);
}

}  // namespace lightwell::server
