// DESCRIBE body and codec capability bits (shared/protocol/rtsp.md §4.2, video.md §10.1,
// audio.md §2.4–2.5).
#include "lightwell/proto/sdp_describe.hpp"

#include <string>

namespace lightwell::proto {

namespace {

constexpr std::string_view kSurroundPrefix = "a=fmtp:97 surround-params=";

// Opus multistream constraints expressible in the one-digit format: 1..8 channels, at least
// one stream, coupled <= streams, every mapping entry names a decoded channel.
Result<void> check_layout(const SurroundLayout& l) {
  if (l.channels < 1 || l.channels > 8) {
    return fail(Errc::out_of_range, "surround layout: channel count must be 1..8");
  }
  if (l.streams < 1 || l.streams > 9 || l.coupled_streams > l.streams) {
    return fail(Errc::out_of_range, "surround layout: invalid stream/coupled counts");
  }
  const unsigned decoded = unsigned(l.streams) + unsigned(l.coupled_streams);
  for (std::size_t i = 0; i < l.channels; ++i) {
    if (l.mapping[i] >= decoded || l.mapping[i] > 9) {
      return fail(Errc::out_of_range, "surround layout: mapping entry outside the streams");
    }
  }
  return {};
}

char digit(unsigned v) noexcept { return static_cast<char>('0' + v); }

}  // namespace

Result<std::string> surround_params_text(const SurroundLayout& layout) {
  if (auto ok = check_layout(layout); !ok) return tl::unexpected(ok.error());
  std::array<std::uint8_t, 8> m = layout.mapping;
  const std::size_t c = layout.channels;
  // The client applies m'[3] = m[C-1], m'[4..C-1] = m[3..C-2] to the first (normal) line for
  // 6 and 8 channels; pre-rotate left over [3, C) so it lands on the encoder's order.
  if (layout.normal_quality && (c == 6 || c == 8)) {
    const std::uint8_t first = m[3];
    for (std::size_t i = 3; i + 1 < c; ++i) m[i] = m[i + 1];
    m[c - 1] = first;
  }
  std::string out;
  out.push_back(digit(layout.channels));
  out.push_back(digit(layout.streams));
  out.push_back(digit(layout.coupled_streams));
  for (std::size_t i = 0; i < c; ++i) out.push_back(digit(m[i]));
  return out;
}

Result<SurroundLayout> client_surround_layout(std::string_view text, bool normal_quality) {
  if (text.size() < 4) return fail(Errc::malformed, "surround-params: too short");
  for (char ch : text) {
    if (ch < '0' || ch > '9') return fail(Errc::malformed, "surround-params: not all digits");
  }
  SurroundLayout l;
  l.channels = static_cast<std::uint8_t>(text[0] - '0');
  l.streams = static_cast<std::uint8_t>(text[1] - '0');
  l.coupled_streams = static_cast<std::uint8_t>(text[2] - '0');
  l.normal_quality = normal_quality;
  if (l.channels < 1 || l.channels > 8 || text.size() != 3u + l.channels) {
    return fail(Errc::malformed, "surround-params: length does not match the channel count");
  }
  for (std::size_t i = 0; i < l.channels; ++i) {
    l.mapping[i] = static_cast<std::uint8_t>(text[3 + i] - '0');
  }
  if (auto ok = check_layout(l); !ok) return tl::unexpected(ok.error());
  const std::size_t c = l.channels;
  if (normal_quality && (c == 6 || c == 8)) {
    const auto original = l.mapping;
    l.mapping[3] = original[c - 1];
    for (std::size_t i = 4; i < c; ++i) l.mapping[i] = original[i - 1];
  }
  return l;
}

EncryptionMasks encryption_masks_for(EncryptionMode mode) noexcept {
  EncryptionMasks m{kEncControlV2 | kEncAudio, kEncControlV2};
  if (mode != EncryptionMode::never) m.supported |= kEncVideo;
  if (mode == EncryptionMode::mandatory) m.requested |= kEncVideo | kEncAudio;
  return m;
}

std::uint32_t server_codec_mode_support(const HostCapabilities& caps) noexcept {
  std::uint32_t scm = kScmH264;
  if (caps.h264_444) scm |= kScmH264High8_444;
  if (caps.hevc) scm |= kScmHevc;
  if (caps.hevc && caps.hevc_main10) scm |= kScmHevcMain10;
  if (caps.hevc && caps.hevc_444) scm |= kScmHevcRext8_444;
  if (caps.hevc && caps.hevc_main10 && caps.hevc_444 && caps.hevc_444_10) scm |= kScmHevcRext10_444;
  if (caps.av1) scm |= kScmAv1Main8;
  if (caps.av1 && caps.av1_main10) scm |= kScmAv1Main10;
  if (caps.av1 && caps.av1_444) scm |= kScmAv1High8_444;
  if (caps.av1 && caps.av1_main10 && caps.av1_444 && caps.av1_444_10) scm |= kScmAv1High10_444;
  return scm;
}

namespace {

Result<void> check_capabilities(const HostCapabilities& caps) {
  if ((caps.hevc_main10 || caps.hevc_444) && !caps.hevc) {
    return fail(Errc::malformed, "capabilities: an HEVC variant without HEVC");
  }
  if (caps.hevc_444_10 && !(caps.hevc_main10 && caps.hevc_444)) {
    return fail(Errc::malformed, "capabilities: HEVC 4:4:4 10-bit without Main10 and 4:4:4");
  }
  if ((caps.av1_main10 || caps.av1_444) && !caps.av1) {
    return fail(Errc::malformed, "capabilities: an AV1 variant without AV1");
  }
  if (caps.av1_444_10 && !(caps.av1_main10 && caps.av1_444)) {
    return fail(Errc::malformed, "capabilities: AV1 4:4:4 10-bit without Main10 and 4:4:4");
  }
  if ((caps.feature_flags & ~(kHostFeaturePenTouch | kHostFeatureControllerTouch)) != 0) {
    return fail(Errc::malformed, "capabilities: unknown host feature flag");
  }
  if ((caps.encryption_supported & ~kEncKnownMask) != 0 ||
      (caps.encryption_requested & ~kEncKnownMask) != 0) {
    return fail(Errc::malformed, "capabilities: unknown encryption bit");
  }
  if ((caps.encryption_requested & ~caps.encryption_supported) != 0) {
    return fail(Errc::malformed, "capabilities: encryption requested but not supported");
  }
  if ((caps.encryption_supported & caps.encryption_requested & kEncControlV2) == 0) {
    return fail(Errc::malformed, "capabilities: CONTROL_V2 must be supported and requested");
  }
  // First line per channel count is the normal-quality one (the client re-orders it).
  std::array<int, 9> seen{};
  for (const auto& l : caps.surround_layouts) {
    if (auto ok = check_layout(l); !ok) return ok;
    const bool first = seen[l.channels]++ == 0;
    if (l.normal_quality != first) {
      return fail(Errc::malformed,
                  "capabilities: the first layout for a channel count must be normal quality, "
                  "the others high quality");
    }
  }
  return {};
}

}  // namespace

Result<std::string> build_describe_sdp(const HostCapabilities& caps) {
  if (auto ok = check_capabilities(caps); !ok) return tl::unexpected(ok.error());
  std::string out;
  out.reserve(512);
  out.append("a=x-ss-general.featureFlags:").append(std::to_string(caps.feature_flags)).append("\n");
  out.append("a=x-ss-general.encryptionSupported:")
      .append(std::to_string(caps.encryption_supported))
      .append("\n");
  out.append("a=x-ss-general.encryptionRequested:")
      .append(std::to_string(caps.encryption_requested))
      .append("\n");
  if (caps.reference_frame_invalidation) out.append("a=x-nv-video[0].refPicInvalidation:1\n");
  // GFE's HEVC VPS prefix in base64; the client's only HEVC marker (video.md §10.1).
  if (caps.hevc) out.append("sprop-parameter-sets=AAAAAU\n");
  if (caps.av1) out.append("a=rtpmap:98 AV1/90000\n");
  if (caps.custom_surround_params) {
    // Validate as the client will read it (first/normal use re-orders, so check both).
    if (auto l = client_surround_layout(*caps.custom_surround_params, true); !l) {
      return tl::unexpected(l.error());
    }
    for (int i = 0; i < 2; ++i) {
      out.append(kSurroundPrefix).append(*caps.custom_surround_params).append("\n");
    }
  }
  for (const auto& layout : caps.surround_layouts) {
    auto text = surround_params_text(layout);
    if (!text) return tl::unexpected(text.error());
    out.append(kSurroundPrefix).append(*text).append("\n");
  }
  return out;
}

}  // namespace lightwell::proto
