// Client-side RTSP decisions of the test client (see stream_client_rtsp.hpp).
#include "stream_client_rtsp.hpp"

#include <cstdlib>
#include <string>

#include "lightwell/proto/rtsp_replies.hpp"
#include "lightwell/proto/stream_params.hpp"

namespace lightwell::test::rtsp_client {
namespace {

// The value after the first ':' following `name`, read like strtoul(..., 0) (rtsp.md §4.2).
std::uint32_t read_value(std::string_view body, std::string_view name, bool* found = nullptr) {
  const auto at = body.find(name);
  if (found) *found = at != std::string_view::npos;
  if (at == std::string_view::npos) return 0;
  const auto colon = body.find(':', at + name.size());
  if (colon == std::string_view::npos) return 0;
  const std::string rest(body.substr(colon + 1, 32));
  return static_cast<std::uint32_t>(std::strtoul(rest.c_str(), nullptr, 0));
}

std::uint32_t channel_mask(std::uint32_t channels) {
  switch (channels) {
    case 6: return 0x3F;
    case 8: return 0x63F;
    default: return 0x3;
  }
}

constexpr std::string_view kIfModifiedSince = "Thu, 01 Jan 1970 00:00:00 GMT";
constexpr std::string_view kClientTransport = "unicast;X-GS-ClientPort=50000-50001";

}  // namespace

DescribeInfo parse_describe(std::string_view body, std::uint32_t audio_channels) {
  DescribeInfo d;
  d.encryption_supported = read_value(body, "x-ss-general.encryptionSupported", &d.has_encryption_supported);
  d.encryption_requested = read_value(body, "x-ss-general.encryptionRequested");
  d.host_feature_flags = read_value(body, "x-ss-general.featureFlags");
  d.hevc = body.find("sprop-parameter-sets=AAAAAU") != std::string_view::npos;
  d.av1 = body.find("AV1/90000") != std::string_view::npos;
  d.reference_frame_invalidation = body.find("x-nv-video[0].refPicInvalidation") != std::string_view::npos;
  const std::string marker = "a=fmtp:97 surround-params=" + std::to_string(audio_channels);
  for (auto at = body.find(marker); at != std::string_view::npos; at = body.find(marker, at + 1)) {
    ++d.surround_lines_for_channels;
  }
  return d;
}

Negotiation negotiate(const StreamClientOptions& o, const DescribeInfo& d) {
  using proto::kEncAudio;
  using proto::kEncControlV2;
  using proto::kEncVideo;
  Negotiation n;
  // SdpGenerator.c: CONTROL_V2 whenever supported; VIDEO / AUDIO if supported and opted in,
  // or requested by the host.
  if (d.encryption_supported & kEncControlV2) n.encryption_enabled |= kEncControlV2;
  if (((d.encryption_supported & kEncVideo) && o.video_encryption) || (d.encryption_requested & kEncVideo)) {
    n.encryption_enabled |= kEncVideo;
  }
  if (((d.encryption_supported & kEncAudio) && o.audio_encryption) || (d.encryption_requested & kEncAudio)) {
    n.encryption_enabled |= kEncAudio;
  }
  n.video_encrypted = (n.encryption_enabled & kEncVideo) != 0;
  // audio.md §4: the client encrypts audio when the app asked for it even without host support
  // (signalled by nvFeatureFlags 0x20) or when the host requested it.
  n.audio_encrypted = o.audio_encryption || (d.encryption_requested & kEncAudio) != 0;
  n.packet_size_bytes = o.packet_size_bytes / 16 * 16 - (n.video_encrypted ? 32u : 0u);
  n.bit_stream_format = (o.supports_av1 && d.av1) ? 2u : (o.supports_hevc && d.hevc) ? 1u : 0u;
  n.high_quality_surround = o.audio_channels > 2 && o.bitrate_kbps >= 15000 && o.high_quality_audio &&
                            d.surround_lines_for_channels >= 2;
  n.audio_packet_duration_ms = 5;  // not a slow decoder (audio.md §2.2)
  return n;
}

RequestTarget request_target(const StreamClientOptions& o) {
  // rtsp.md §2: bitrate >= 15000, audio decoder not slow, local or stereo (we are local).
  if (o.bitrate_kbps >= 15000 && o.high_quality_audio && !o.session_url.empty()) {
    std::string_view url = o.session_url;
    const auto scheme = url.find("://");
    std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    std::string_view host;
    if (!rest.empty() && rest.front() == '[') {
      host = rest.substr(0, rest.find(']') + 1);  // "[fe80::1]"
    } else {
      host = rest.substr(0, rest.find_first_of(":/"));
    }
    return {std::string(url), std::string(host)};
  }
  return {"rtsp://0.0.0.0:" + std::to_string(o.rtsp_port), "0.0.0.0"};
}

proto::RtspRequest options_request(const RequestTarget& t, std::uint32_t cseq) {
  return proto::rtsp_client_request("OPTIONS", t.target, cseq, t.host);
}

proto::RtspRequest describe_request(const RequestTarget& t, std::uint32_t cseq) {
  auto r = proto::rtsp_client_request("DESCRIBE", t.target, cseq, t.host);
  r.headers.add("Accept", "application/sdp");
  r.headers.add("If-Modified-Since", std::string(kIfModifiedSince));
  return r;
}

proto::RtspRequest setup_request(const RequestTarget& t, std::uint32_t cseq, std::string_view stream,
                                 std::string_view session) {
  auto r = proto::rtsp_client_request("SETUP", "streamid=" + std::string(stream), cseq, t.host);
  if (!session.empty()) r.headers.add("Session", std::string(session));
  r.headers.add("Transport", std::string(kClientTransport));
  r.headers.add("If-Modified-Since", std::string(kIfModifiedSince));
  return r;
}

proto::RtspRequest announce_request(const RequestTarget& t, std::uint32_t cseq, std::string_view session,
                                    std::string sdp_body) {
  auto r = proto::rtsp_client_request("ANNOUNCE", "streamid=control/13/0", cseq, t.host);
  r.headers.add("Session", std::string(session));
  proto::rtsp_attach_sdp(r, std::move(sdp_body));
  return r;
}

proto::RtspRequest play_request(const RequestTarget& t, std::uint32_t cseq, std::string_view session) {
  auto r = proto::rtsp_client_request("PLAY", "/", cseq, t.host);
  r.headers.add("Session", std::string(session));
  return r;
}

std::string build_announce_sdp(const StreamClientOptions& o, const Negotiation& n, std::uint16_t video_port) {
  std::string s;
  const bool ipv6 = o.host.find(':') != std::string::npos;
  s += "v=0\r\n";
  s += "o=android 0 " + std::string(proto::kRtspClientVersionGen7) + " IN " + (ipv6 ? "IPv6 " : "IPv4 ") +
       o.host + "\r\n";
  s += "s=NVIDIA Streaming Client\r\n";
  auto attr = [&](std::string_view name, const std::string& value) {
    s += "a=";
    s += name;
    s += ':';
    s += value;
    s += " \r\n";  // the client's trailing space (rtsp.md §4.4)
  };
  auto num = [](std::uint64_t v) { return std::to_string(v); };
  // Local stream: 80 % of the configured bitrate, capped at 100 000 (rtsp.md §4.4).
  const std::uint32_t bitrate = std::min<std::uint32_t>(o.bitrate_kbps * 80 / 100, 100000);
  std::uint32_t nv_features = 0x87;  // base 0x07 + remote input encryption 0x80
  if (n.audio_encrypted) nv_features |= 0x20;
  attr("x-ml-general.featureFlags", "3");  // ML_FF_FEC_STATUS | ML_FF_SESSION_ID_V1
  attr("x-ss-general.encryptionEnabled", num(n.encryption_enabled));
  attr("x-ss-video[0].chromaSamplingType", "0");
  attr("x-nv-video[0].clientViewportWd", num(o.width_px));
  attr("x-nv-video[0].clientViewportHt", num(o.height_px));
  attr("x-nv-video[0].maxFPS", num(o.fps));
  attr("x-nv-video[0].packetSize", num(n.packet_size_bytes));
  attr("x-nv-video[0].rateControlMode", "4");
  attr("x-nv-video[0].timeoutLengthMs", "7000");
  attr("x-nv-video[0].framesWithInvalidRefThreshold", "0");
  attr("x-nv-video[0].initialBitrateKbps", num(bitrate));
  attr("x-nv-video[0].initialPeakBitrateKbps", num(bitrate));
  attr("x-nv-vqos[0].bw.minimumBitrateKbps", num(bitrate));
  attr("x-nv-vqos[0].bw.maximumBitrateKbps", num(bitrate));
  attr("x-ml-video.configuredBitrateKbps", num(o.bitrate_kbps));
  attr("x-nv-vqos[0].fec.enable", "1");
  attr("x-nv-vqos[0].videoQualityScoreUpdateTime", "5000");
  attr("x-nv-vqos[0].qosTrafficType", "5");
  attr("x-nv-aqos.qosTrafficType", "4");
  attr("x-nv-general.featureFlags", num(nv_features));
  attr("x-nv-general.useReliableUdp", "13");
  attr("x-nv-vqos[0].fec.minRequiredFecPackets", "2");
  attr("x-nv-vqos[0].bllFec.enable", "0");
  attr("x-nv-vqos[0].drc.enable", "0");
  attr("x-nv-general.enableRecoveryMode", "0");
  attr("x-nv-video[0].videoEncoderSlicesPerFrame", num(std::max<std::uint32_t>(1, o.slices_per_frame)));
  if (n.bit_stream_format != 2) attr("x-nv-clientSupportHevc", n.bit_stream_format == 1 ? "1" : "0");
  attr("x-nv-vqos[0].bitStreamFormat", num(n.bit_stream_format));
  attr("x-nv-video[0].dynamicRangeMode", "0");
  attr("x-nv-video[0].maxNumReferenceFrames", "1");  // no RFI in this client
  attr("x-nv-video[0].clientRefreshRateX100", num(std::uint64_t{o.fps} * 100));
  attr("x-nv-audio.surround.numChannels", num(o.audio_channels));
  attr("x-nv-audio.surround.channelMask", num(channel_mask(o.audio_channels)));
  attr("x-nv-audio.surround.enable", o.audio_channels > 2 ? "1" : "0");
  attr("x-nv-audio.surround.AudioQuality", n.high_quality_surround ? "1" : "0");
  attr("x-nv-aqos.packetDuration", num(n.audio_packet_duration_ms));
  attr("x-nv-video[0].encoderCscMode", "2");  // Rec.709, limited range
  s += "t=0 0\r\n";
  s += "m=video " + num(video_port) + "  \r\n";
  return s;
}

}  // namespace lightwell::test::rtsp_client
