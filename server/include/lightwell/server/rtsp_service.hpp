// The host side of the RTSP handshake (shared/protocol/rtsp.md §2–§6) on top of
// net::RtspServer: decrypts (rtspenc) or parses (plaintext) one request, answers OPTIONS,
// DESCRIBE, SETUP ×3, ANNOUNCE, PLAY, and serialises (and seals) the reply.
//
// Policy:
//  - Connections bind to the single pending launch session (StreamSessions::current()); with
//    none, every request gets 503-free silence: the connection is closed without a reply
//    (Sunshine does the same, rtsp.md §1).
//  - A session launched with corever ≥ 1 got an rtspenc:// URL (LaunchRequest::wants_encryption,
//    the rule nvhttp uses for sessionUrl0): plaintext requests are refused with a plaintext
//    400 (rtsp.md §3). Encrypted frames for a session without encryption → plaintext 400 too.
//  - On an rtspenc session every reply to an encrypted frame is sealed (RtspCipher, role host,
//    the session's rikey), errors included, with the host sequence: per launch session,
//    incremented before each sealed reply, first 1, restarted when the session id changes.
//    The client's sequence is not validated (rtsp.md §3).
//  - Malformed request (proto's parser, default RtspLimits), bad tag, lying frame → 400 with
//    CSeq 0; unknown method (TEARDOWN included) → 404; SETUP of another stream → 404.
//  - DESCRIBE is built from the HostCapabilities (the encode probe) with build_describe_sdp;
//    inconsistent capabilities → 500 (never advertise what we cannot do).
//  - SETUP answers the session's ping payload and connect data, and the configured ports.
//  - ANNOUNCE: parse_announce_sdp + check_announce + the host's limits (VideoOptions
//    max_width_px / max_height_px / max_fps → 400) + useReliableUdp must be 13 (the legacy
//    plaintext control stream is not implemented → 400) → the StreamStarter; its status
//    becomes the reply (200 / 500; anything outside 100..999 → 500). Every accepted ANNOUNCE
//    calls the starter (a repeated ANNOUNCE is the starter's business).
//  - Framing errors from net (oversize, incomplete, timeout) → 400, sealed when both the
//    session and the partial bytes are encrypted.
//  - Every request is logged at debug, every refusal at info/warn, with the session id and
//    the reason; no secret is logged.
//
// Thread: io thread only (net::RtspServer calls handle() there).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lightwell/net/rtsp_server.hpp"
#include "lightwell/proto/rtsp.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/proto/stream_params.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/stream_sessions.hpp"

namespace lightwell::server {

struct AnnounceContext {
  std::string host_header;  // decides stereo high quality (rtsp.md §2, proto::audio_high_quality)
  boost::asio::ip::address peer_address;
  boost::asio::ip::address local_address;
};

// Starts the media session for an accepted ANNOUNCE. Returns the RTSP status to answer:
// 200, or 500 when the session could not start (rtsp.md §4.4 "Failure to start").
using StreamStarter =
    std::function<int(const StreamSession&, const proto::StreamParams&, const AnnounceContext&)>;

class RtspService {
 public:
  RtspService(StreamSessions& sessions, proto::HostCapabilities caps, Ports ports, VideoOptions limits,
              StreamStarter starter, Log log);

  // net::RtspServer handlers.
  std::vector<std::uint8_t> handle(const net::RtspMessage& message);
  std::vector<std::uint8_t> handle_framing_error(const net::RtspMessage& partial, const net::RtspFramingError& error);

 private:
  // One request being answered (rtsp_service.cpp / rtsp_service_requests.cpp).
  struct Exchange {
    StreamSession session;  // a copy: the starter may replace or end the pending session
    const net::RtspMessage& message;
    Log log;                // log_ tagged with the session id
    std::string peer;       // "address:port" for log lines
  };

  // Serialises the reply; seals it with the session's rikey and the next host sequence number
  // when `seal` (rtsp.md §3). Empty (close without reply) if that fails, which is logged.
  std::vector<std::uint8_t> respond(const Exchange& ex, const proto::RtspResponse& reply, bool seal);
  // The answer to one well-formed request (rtsp.md §4).
  proto::RtspResponse dispatch(const Exchange& ex, const proto::RtspRequest& request);
  proto::RtspResponse describe(const Exchange& ex, const proto::RtspRequest& request);
  proto::RtspResponse setup(const Exchange& ex, const proto::RtspRequest& request);
  proto::RtspResponse announce(const Exchange& ex, const proto::RtspRequest& request);
  // Starts a new reply sequence when the pending session changed (a new /launch or /resume).
  void sync_reply_sequence(std::uint32_t session_id) noexcept;

  StreamSessions& sessions_;
  proto::HostCapabilities caps_;
  Ports ports_;
  VideoOptions limits_;
  StreamStarter starter_;
  Log log_;
  // Host reply sequence for encrypted RTSP, per launch session (rtsp.md §3: incremented before
  // each reply, starting at 1).
  std::uint32_t reply_sequence_session_ = 0;
  std::uint32_t reply_sequence_ = 0;
};

}  // namespace lightwell::server
