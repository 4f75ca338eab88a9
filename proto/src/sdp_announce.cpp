// ANNOUNCE body -> StreamParams (shared/protocol/rtsp.md §4.4; defaults and the required set
// follow Sunshine's cmd_announce, ranges are ours: docs/rtsp-sdp.md).
#include "lightwell/proto/sdp_announce.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

namespace lightwell::proto {

namespace {

enum class Field {
  width, height, fps, refresh_x100, packet_size, max_bitrate, configured_bitrate, codec,
  dynamic_range, chroma, csc_mode, slices, ref_frames, intra_refresh, min_fec, fec_percent,
  video_qos, audio_qos, channels, channel_mask, audio_quality, packet_duration, encryption,
  nv_flags, ml_flags, control_protocol,
};

struct Spec {
  std::string_view name;
  Field field;
  bool required;
  std::uint32_t min;
  std::uint32_t max;
};

constexpr std::uint32_t kU32Max = 0xFFFFFFFFu;

// Every attribute a host uses. Ranges: see stream_params.hpp constants and docs/rtsp-sdp.md.
constexpr std::array<Spec, 26> kSpecs{{
    {"x-nv-video[0].clientViewportWd", Field::width, true, 1, kMaxVideoDimensionPx},
    {"x-nv-video[0].clientViewportHt", Field::height, true, 1, kMaxVideoDimensionPx},
    {"x-nv-video[0].maxFPS", Field::fps, true, 1, kMaxFps},
    {"x-nv-video[0].clientRefreshRateX100", Field::refresh_x100, false, 0, kMaxRefreshRateX100},
    {"x-nv-video[0].packetSize", Field::packet_size, true, kMinPacketSizeBytes, kMaxPacketSizeBytes},
    {"x-nv-vqos[0].bw.maximumBitrateKbps", Field::max_bitrate, true, 1, kMaxBitrateKbps},
    {"x-ml-video.configuredBitrateKbps", Field::configured_bitrate, false, 0, kMaxBitrateKbps},
    {"x-nv-vqos[0].bitStreamFormat", Field::codec, false, 0, 2},
    {"x-nv-video[0].dynamicRangeMode", Field::dynamic_range, false, 0, 1},
    {"x-ss-video[0].chromaSamplingType", Field::chroma, false, 0, 1},
    {"x-nv-video[0].encoderCscMode", Field::csc_mode, false, 0, 5},
    {"x-nv-video[0].videoEncoderSlicesPerFrame", Field::slices, true, 1, kMaxSlicesPerFrame},
    {"x-nv-video[0].maxNumReferenceFrames", Field::ref_frames, true, 0, kMaxReferenceFrames},
    {"x-ss-video[0].intraRefresh", Field::intra_refresh, false, 0, 1},
    {"x-nv-vqos[0].fec.minRequiredFecPackets", Field::min_fec, false, 0, kMaxMinRequiredFecPackets},
    {"x-nv-vqos[0].fec.repairPercent", Field::fec_percent, false, 0, kMaxFecPercent},
    {"x-nv-vqos[0].qosTrafficType", Field::video_qos, false, 0, 255},
    {"x-nv-aqos.qosTrafficType", Field::audio_qos, false, 0, 255},
    {"x-nv-audio.surround.numChannels", Field::channels, true, 2, 8},
    {"x-nv-audio.surround.channelMask", Field::channel_mask, true, 1, 0x3FFFF},
    {"x-nv-audio.surround.AudioQuality", Field::audio_quality, true, 0, 1},
    {"x-nv-aqos.packetDuration", Field::packet_duration, false, 5, 60},
    {"x-ss-general.encryptionEnabled", Field::encryption, false, 0, kU32Max},
    {"x-nv-general.featureFlags", Field::nv_flags, false, 0, kU32Max},
    {"x-ml-general.featureFlags", Field::ml_flags, false, 0, kU32Max},
    {"x-nv-general.useReliableUdp", Field::control_protocol, false, 0, kU32Max},
}};

std::string named(std::string_view name, std::string_view what) {
  return std::string(name) + ": " + std::string(what);
}

Result<std::uint32_t> parse_value(const Spec& spec, std::string_view text) {
  if (text.empty()) return fail(Errc::malformed, named(spec.name, "empty value"));
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fail(Errc::malformed, named(spec.name, "not a decimal number"));
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > kU32Max) return fail(Errc::out_of_range, named(spec.name, "value too large"));
  }
  if (v < spec.min || v > spec.max) {
    return fail(Errc::out_of_range, named(spec.name, "value " + std::to_string(v) +
                                                         " outside " + std::to_string(spec.min) +
                                                         ".." + std::to_string(spec.max)));
  }
  return static_cast<std::uint32_t>(v);
}

void assign(StreamParams& p, Field f, std::uint32_t v) {
  switch (f) {
    case Field::width: p.width_px = v; break;
    case Field::height: p.height_px = v; break;
    case Field::fps: p.fps = v; break;
    case Field::refresh_x100: p.client_refresh_rate_x100 = v; break;
    case Field::packet_size: p.packet_size_bytes = v; break;
    case Field::max_bitrate: p.max_bitrate_kbps = v; break;
    case Field::configured_bitrate: p.configured_bitrate_kbps = v; break;
    case Field::codec: p.codec = static_cast<VideoCodec>(v); break;
    case Field::dynamic_range: p.dynamic_range = static_cast<DynamicRange>(v); break;
    case Field::chroma: p.chroma = static_cast<ChromaSampling>(v); break;
    case Field::csc_mode:
      p.color_space = static_cast<ColorSpace>(v >> 1);
      p.color_range = static_cast<ColorRange>(v & 1);
      break;
    case Field::slices: p.slices_per_frame = v; break;
    case Field::ref_frames: p.max_reference_frames = v; break;
    case Field::intra_refresh: p.intra_refresh = v != 0; break;
    case Field::min_fec: p.min_required_fec_packets = v; break;
    case Field::fec_percent: p.fec_repair_percent = v; break;
    case Field::video_qos: p.video_qos_traffic_type = v; break;
    case Field::audio_qos: p.audio_qos_traffic_type = v; break;
    case Field::channels: p.audio_channels = v; break;
    case Field::channel_mask: p.audio_channel_mask = v; break;
    case Field::audio_quality: p.audio_high_quality_surround = v != 0; break;
    case Field::packet_duration: p.audio_packet_duration_ms = v; break;
    case Field::encryption: p.encryption_enabled = v; break;
    case Field::nv_flags: p.nv_feature_flags = v; break;
    case Field::ml_flags: p.ml_feature_flags = v; break;
    case Field::control_protocol: p.control_protocol = v; break;
  }
}

// Checks that need more than one attribute or a set rather than a range.
Result<void> check_combined(const StreamParams& p) {
  if (p.packet_size_bytes % 16 != 0) {
    // The client rounds down to 16 and subtracts 32 for encryption (rtsp.md §4.4, fec.md).
    return fail(Errc::out_of_range, "x-nv-video[0].packetSize: not a multiple of 16");
  }
  if (p.audio_channels != 2 && p.audio_channels != 6 && p.audio_channels != 8) {
    return fail(Errc::unsupported, "x-nv-audio.surround.numChannels: only 2, 6 and 8 exist");
  }
  if (static_cast<std::uint32_t>(std::popcount(p.audio_channel_mask)) != p.audio_channels) {
    return fail(Errc::out_of_range,
                "x-nv-audio.surround.channelMask: speaker count differs from numChannels");
  }
  switch (p.audio_packet_duration_ms) {
    case 5: case 10: case 20: case 40: case 60: break;  // Opus frame sizes in whole ms
    default:
      return fail(Errc::out_of_range, "x-nv-aqos.packetDuration: not an Opus frame duration");
  }
  // Rec.2020 with 8-bit is accepted: Sunshine falls back to Rec.709 (rtsp.md §4.4); the
  // encoder decides.
  return {};
}

std::optional<std::uint32_t> client_version_from_origin(std::string_view origin) {
  // o=android 0 <X-GS-ClientVersion> IN IPv4 <addr>: third field (informational only).
  std::size_t pos = 0;
  for (int field = 0; field < 2; ++field) {
    pos = origin.find(' ', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  const auto end = origin.find(' ', pos);
  const auto text = origin.substr(pos, end == std::string_view::npos ? origin.npos : end - pos);
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return v;
}

}  // namespace

std::uint32_t StreamParams::frame_rate_x100() const noexcept {
  const std::uint64_t nominal = std::uint64_t(fps) * 100;
  const std::uint64_t r = client_refresh_rate_x100;
  // Within ±1 %: 99·nominal ≤ 100·r ≤ 101·nominal, in integers.
  if (r != 0 && r * 100 >= nominal * 99 && r * 100 <= nominal * 101) {
    return static_cast<std::uint32_t>(r);
  }
  return static_cast<std::uint32_t>(nominal);
}

bool audio_high_quality(const StreamParams& params, std::string_view host_header) noexcept {
  if (params.audio_channels == 2) return host_header.find("0.0.0.0") == std::string_view::npos;
  return params.audio_high_quality_surround;
}

std::uint32_t encoder_bitrate_kbps(const StreamParams& params, std::uint32_t fec_percent,
                                   bool high_quality_audio) noexcept {
  if (params.configured_bitrate_kbps == 0) return params.max_bitrate_kbps;
  std::uint64_t b = params.configured_bitrate_kbps;
  if (fec_percent <= 80) b = b * (100 - fec_percent) / 100;
  const std::uint64_t audio = std::uint64_t(params.audio_channels) * (high_quality_audio ? 256 : 96);
  b -= std::min(audio, b / 5);
  b -= std::min<std::uint64_t>(500, b / 10);
  return static_cast<std::uint32_t>(b);
}

Result<StreamParams> stream_params_from_sdp(const SdpDocument& doc) {
  StreamParams p;
  std::array<bool, kSpecs.size()> seen{};
  for (const auto& attr : doc.attributes) {
    for (std::size_t i = 0; i < kSpecs.size(); ++i) {
      const Spec& spec = kSpecs[i];
      if (attr.name != spec.name) continue;
      if (seen[i]) return fail(Errc::malformed, named(spec.name, "attribute appears twice"));
      seen[i] = true;
      auto v = parse_value(spec, attr.value);
      if (!v) return tl::unexpected(v.error());
      assign(p, spec.field, *v);
      break;
    }
  }
  for (std::size_t i = 0; i < kSpecs.size(); ++i) {
    if (kSpecs[i].required && !seen[i]) {
      return fail(Errc::malformed, named(kSpecs[i].name, "required attribute missing"));
    }
  }
  if (auto ok = check_combined(p); !ok) return tl::unexpected(ok.error());
  // Legacy clients flag audio encryption in the GFE feature flags (rtsp.md §4.4).
  if ((p.nv_feature_flags & kNvFeatureAudioEncryption) != 0) p.encryption_enabled |= kEncAudio;
  if (auto origin = doc.line("o")) {
    if (auto v = client_version_from_origin(*origin)) p.client_version = *v;
  }
  return p;
}

Result<StreamParams> parse_announce_sdp(std::string_view body, const SdpLimits& limits) {
  auto doc = parse_sdp(body, limits);
  if (!doc) return tl::unexpected(doc.error());
  return stream_params_from_sdp(*doc);
}

AnnounceVerdict check_announce(const StreamParams& p, const HostCapabilities& caps) {
  const std::uint32_t scm = server_codec_mode_support(caps);
  std::uint32_t needed = 0;
  switch (p.codec) {
    case VideoCodec::h264:
      needed = p.yuv444() ? kScmH264High8_444 : kScmH264;
      if (p.ten_bit()) return {400, "10-bit H.264 is not offered by any host"};
      break;
    case VideoCodec::hevc:
      needed = p.yuv444() ? (p.ten_bit() ? kScmHevcRext10_444 : kScmHevcRext8_444)
                          : (p.ten_bit() ? kScmHevcMain10 : kScmHevc);
      break;
    case VideoCodec::av1:
      needed = p.yuv444() ? (p.ten_bit() ? kScmAv1High10_444 : kScmAv1High8_444)
                          : (p.ten_bit() ? kScmAv1Main10 : kScmAv1Main8);
      break;
  }
  if ((scm & needed) == 0) return {400, "requested codec/bit depth/chroma was not offered"};
  if (p.audio_channels != 2) {
    int lines = caps.custom_surround_params &&
                        !caps.custom_surround_params->empty() &&
                        caps.custom_surround_params->front() == char('0' + p.audio_channels)
                    ? 2
                    : 0;
    for (const auto& l : caps.surround_layouts) {
      if (l.channels == p.audio_channels) ++lines;
    }
    if (lines == 0) return {400, "requested channel count was not offered"};
    if (p.audio_high_quality_surround && lines < 2) {
      return {400, "high-quality surround was not offered for this channel count"};
    }
  }
  const std::uint32_t must = caps.encryption_requested & (kEncVideo | kEncAudio);
  if ((p.encryption_enabled & must) != must) {
    return {403, "host requires video/audio encryption the client did not enable"};
  }
  return {};
}

}  // namespace lightwell::proto
