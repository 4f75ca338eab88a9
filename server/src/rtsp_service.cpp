// RTSP service, transport half (rtsp_service.hpp; shared/protocol/rtsp.md §1–§3, §6): binds a
// message to the pending launch session, enforces the session's framing (plaintext or
// rtspenc), decrypts and parses, and seals the reply. The per-method answers are in
// rtsp_service_requests.cpp.
#include "lightwell/server/rtsp_service.hpp"

#include <string_view>
#include <utility>

#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"
#include "lightwell/proto/rtsp_replies.hpp"

namespace lightwell::server {

namespace {

using proto::crypto::RtspCipher;
using proto::crypto::RtspRole;

std::string peer_text(const net::RtspMessage& m) {
  const std::string address = m.peer_address.to_string();
  return m.peer_address.is_v6() ? "[" + address + "]:" + std::to_string(m.peer_port)
                                : address + ":" + std::to_string(m.peer_port);
}

// One whole request in `text` (net framed it, or it came out of one sealed frame): need-more
// or bytes left over mean the framing and the content disagree, which is malformed too.
proto::Result<proto::RtspRequest> parse_whole_request(std::string_view text) {
  auto parsed = proto::parse_rtsp_request(text, proto::kDefaultRtspLimits);
  if (!parsed) return tl::unexpected(parsed.error());
  if (parsed->need_more()) return proto::fail(proto::Errc::truncated, "RTSP request incomplete");
  if (parsed->consumed_bytes != text.size()) {
    return proto::fail(proto::Errc::malformed, "bytes after the RTSP request");
  }
  return std::move(*parsed->message);
}

std::string_view as_text(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

RtspService::RtspService(StreamSessions& sessions, proto::HostCapabilities caps, Ports ports, VideoOptions limits,
                         StreamStarter starter, Log log)
    : sessions_(sessions),
      caps_(std::move(caps)),
      ports_(ports),
      limits_(limits),
      starter_(std::move(starter)),
      log_(std::move(log)) {}

void RtspService::sync_reply_sequence(std::uint32_t session_id) noexcept {
  // rtsp.md §3: the host's counter belongs to the launch session; a new /launch or /resume
  // brings a new rikey and a new session id, and the counter starts again at 1.
  if (session_id != reply_sequence_session_) {
    reply_sequence_session_ = session_id;
    reply_sequence_ = 0;
  }
}

std::vector<std::uint8_t> RtspService::respond(const Exchange& ex, const proto::RtspResponse& reply, bool seal) {
  auto text = proto::serialize_rtsp_response(reply);
  if (!text) {
    ex.log.error("RTSP reply to {} could not be serialised: {}; closing", ex.peer, text.error().message);
    return {};
  }
  if (!seal) return {text->begin(), text->end()};
  auto cipher = RtspCipher::create(ex.session.request.rikey, RtspRole::host);
  if (!cipher) {
    ex.log.error("RTSP reply to {}: cipher unavailable: {}; closing", ex.peer, cipher.error().message);
    return {};
  }
  // Incremented before each sealed reply, so the first is 1 (rtsp.md §3, as Sunshine).
  auto sealed = cipher->seal(++reply_sequence_, *text);
  if (!sealed) {
    ex.log.error("RTSP reply to {} could not be sealed: {}; closing", ex.peer, sealed.error().message);
    return {};
  }
  return std::move(*sealed);
}

std::vector<std::uint8_t> RtspService::handle(const net::RtspMessage& message) {
  const auto& current = sessions_.current();
  if (!current) {
    // rtsp.md §1: RTSP is only meaningful for a pending launch; the reference host closes.
    log_.info("RTSP connection from {} without a pending launch session: closed without reply",
              peer_text(message));
    return {};
  }
  Exchange ex{*current, message, log_.with_session(current->id), peer_text(message)};
  sync_reply_sequence(ex.session.id);
  const bool rtspenc = ex.session.request.wants_encryption();

  if (message.framing == net::RtspFraming::plaintext) {
    auto request = parse_whole_request(as_text(message.bytes));
    if (rtspenc) {
      // rtsp.md §3: after an rtspenc:// URL every message must be sealed. The client would
      // not read a plaintext reply either, but the 400 is what the reference host sends.
      ex.log.warn("plaintext RTSP request from {} on an encrypted (rtspenc) session: 400", ex.peer);
      return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, request ? request->cseq : 0), false);
    }
    if (!request) {
      ex.log.info("malformed RTSP request from {}: {}: 400", ex.peer, request.error().message);
      return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, 0), false);
    }
    return respond(ex, dispatch(ex, *request), false);
  }

  if (!rtspenc) {
    // The session got an rtsp:// URL (corever 0): an encrypted frame is not what it agreed on.
    ex.log.warn("encrypted RTSP frame from {} on a plaintext session (launched with corever 0): 400", ex.peer);
    return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, 0), false);
  }
  // From here on every reply is sealed: the client rejects plaintext on rtspenc (rtsp.md §3),
  // and a sealed 400 lets it report the status instead of a framing failure.
  auto frame = proto::parse_encrypted_rtsp_message(message.bytes);
  if (!frame) {
    ex.log.info("unreadable encrypted RTSP frame from {}: {}: 400", ex.peer, frame.error().message);
    return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, 0), true);
  }
  auto cipher = RtspCipher::create(ex.session.request.rikey, RtspRole::host);
  if (!cipher) {
    ex.log.error("RTSP from {}: cipher unavailable: {}; closing", ex.peer, cipher.error().message);
    return {};
  }
  // The client's sequence number is not validated (rtsp.md §3: its counter is process-wide).
  auto text = cipher->open(*frame);
  if (!text) {
    ex.log.warn("encrypted RTSP request from {} failed authentication (wrong key or tampered): 400", ex.peer);
    return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, 0), true);
  }
  auto request = parse_whole_request(*text);
  if (!request) {
    ex.log.info("malformed RTSP request (decrypted) from {}: {}: 400", ex.peer, request.error().message);
    return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, 0), true);
  }
  return respond(ex, dispatch(ex, *request), true);
}

std::vector<std::uint8_t> RtspService::handle_framing_error(const net::RtspMessage& partial,
                                                            const net::RtspFramingError& error) {
  const auto& current = sessions_.current();
  if (!current) {
    log_.info("RTSP connection from {} without a pending launch session ({}): closed without reply",
              peer_text(partial), error.reason);
    return {};
  }
  Exchange ex{*current, partial, log_.with_session(current->id), peer_text(partial)};
  sync_reply_sequence(ex.session.id);
  // rtsp.md §6: oversize or incomplete requests get 400. Sealed only when both the session and
  // the bytes are encrypted; CSeq is unknown (0).
  const bool seal = ex.session.request.wants_encryption() && partial.framing == net::RtspFraming::encrypted;
  ex.log.warn("RTSP request from {} refused (400): {}", ex.peer, error.reason);
  return respond(ex, proto::rtsp_reply(proto::kRtspBadRequest, 0), seal);
}

}  // namespace lightwell::server
