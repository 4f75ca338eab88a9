// The client-side RTSP decisions of the test client, without sockets (so they can be tested
// against tests/data/wire/): request target and Host (rtsp.md §2), the handshake requests
// with their exact header order (rtsp.md §4), what the client reads from DESCRIBE (§4.2),
// the negotiation it derives (codec, x-ss-general.encryptionEnabled, audio quality, §4.4)
// and the ANNOUNCE body in the client's attribute order with one trailing space per
// attribute line (tests/data/wire/announce_example.sdp).
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lightwell/proto/rtsp.hpp"
#include "stream_client.hpp"

namespace lightwell::test::rtsp_client {

// What the client searches for in the DESCRIBE body (rtsp.md §4.2: substrings, not SDP).
struct DescribeInfo {
  bool has_encryption_supported = false;  // a=x-ss-general.encryptionSupported present
  std::uint32_t encryption_supported = 0;
  std::uint32_t encryption_requested = 0;
  std::uint32_t host_feature_flags = 0;
  bool hevc = false;                  // sprop-parameter-sets=AAAAAU
  bool av1 = false;                   // AV1/90000
  bool reference_frame_invalidation = false;
  int surround_lines_for_channels = 0;  // "a=fmtp:97 surround-params=<C>" lines for our C
};
DescribeInfo parse_describe(std::string_view body, std::uint32_t audio_channels);

// What the client decides from the options and DESCRIBE (rtsp.md §4.4, SdpGenerator.c).
struct Negotiation {
  std::uint32_t encryption_enabled = 0;  // x-ss-general.encryptionEnabled (kEnc* bits)
  bool video_encrypted = false;
  bool audio_encrypted = false;          // SS_ENC_AUDIO enabled or nvFeatureFlags 0x20
  std::uint32_t packet_size_bytes = 0;   // negotiated P: multiple of 16, -32 when video encrypted
  std::uint32_t bit_stream_format = 0;   // 0 H.264, 1 HEVC, 2 AV1
  bool high_quality_surround = false;    // x-nv-audio.surround.AudioQuality
  std::uint32_t audio_packet_duration_ms = 5;
};
Negotiation negotiate(const StreamClientOptions& options, const DescribeInfo& describe);

// rtsp.md §2: sessionUrl0 verbatim (Host = its host part) when bitrate >= 15000 kbps and
// high-quality audio is wanted (local or stereo; our tests are local); otherwise
// rtsp://0.0.0.0:<port> with Host 0.0.0.0.
struct RequestTarget {
  std::string target;  // OPTIONS / DESCRIBE target
  std::string host;    // Host header of every request
};
RequestTarget request_target(const StreamClientOptions& options);

// The seven handshake requests (rtsp.md §4 table), CSeq given by the caller.
proto::RtspRequest options_request(const RequestTarget& t, std::uint32_t cseq);
proto::RtspRequest describe_request(const RequestTarget& t, std::uint32_t cseq);
// stream: "audio/0/0", "video/0/0", "control/13/0"; session empty for the audio SETUP.
proto::RtspRequest setup_request(const RequestTarget& t, std::uint32_t cseq, std::string_view stream,
                                 std::string_view session);
proto::RtspRequest announce_request(const RequestTarget& t, std::uint32_t cseq, std::string_view session,
                                    std::string sdp_body);
proto::RtspRequest play_request(const RequestTarget& t, std::uint32_t cseq, std::string_view session);

// The ANNOUNCE body: v=/o=/s= lines, the attributes in the client's order, t=0 0 and
// `m=video <video_port>  `; CRLF line ends (rtsp.md §4.4).
std::string build_announce_sdp(const StreamClientOptions& options, const Negotiation& negotiation,
                               std::uint16_t video_port);

}  // namespace lightwell::test::rtsp_client
