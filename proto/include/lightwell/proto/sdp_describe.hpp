// The host's DESCRIBE reply body (shared/protocol/rtsp.md §4.2) built from a typed capability
// description, plus the /serverinfo codec bit mask derived from the same description
// (video.md §10.1) so the two can never disagree.
//
// The client does not parse this as SDP: it searches for substrings (`AV1/90000`,
// `sprop-parameter-sets=AAAAAU`, `x-nv-video[0].refPicInvalidation`, `a=fmtp:97
// surround-params=`, and the x-ss-general values read with strtoul). We therefore write each
// marker only when the capability is there; "never advertise what we cannot do".
// Pure value builders.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lightwell/proto/result.hpp"
#include "lightwell/proto/stream_params.hpp"

namespace lightwell::proto {

// /serverinfo ServerCodecModeSupport bits (video.md §10.1).
inline constexpr std::uint32_t kScmH264 = 0x00000001;
inline constexpr std::uint32_t kScmHevc = 0x00000100;
inline constexpr std::uint32_t kScmHevcMain10 = 0x00000200;
inline constexpr std::uint32_t kScmAv1Main8 = 0x00010000;
inline constexpr std::uint32_t kScmAv1Main10 = 0x00020000;
inline constexpr std::uint32_t kScmH264High8_444 = 0x00040000;
inline constexpr std::uint32_t kScmHevcRext8_444 = 0x00080000;
inline constexpr std::uint32_t kScmHevcRext10_444 = 0x00100000;
inline constexpr std::uint32_t kScmAv1High8_444 = 0x00200000;
inline constexpr std::uint32_t kScmAv1High10_444 = 0x00400000;

// Host feature flags in `a=x-ss-general.featureFlags` (rtsp.md §4.2, LI_FF_*).
inline constexpr std::uint32_t kHostFeaturePenTouch = 0x01;
inline constexpr std::uint32_t kHostFeatureControllerTouch = 0x02;

// One Opus multistream layout. `mapping` is the order the ENCODER uses (audio.md §2.3:
// 0 FL, 1 FR, 2 FC, 3 LFE, 4 BL, 5 BR, 6 SL, 7 SR); the advertised text is derived from it.
struct SurroundLayout {
  std::uint8_t channels = 2;
  std::uint8_t streams = 1;
  std::uint8_t coupled_streams = 1;
  std::array<std::uint8_t, 8> mapping{};  // first `channels` entries used
  bool normal_quality = true;  // first line for its channel count (the client re-orders it)
};

// audio.md §2.5 table, identity mapping, in Sunshine's order (normal then high per count).
inline constexpr std::array<SurroundLayout, 6> kDefaultSurroundLayouts{{
    {2, 1, 1, {0, 1}, true},
    {2, 1, 1, {0, 1}, false},
    {6, 4, 2, {0, 1, 2, 3, 4, 5}, true},
    {6, 6, 0, {0, 1, 2, 3, 4, 5}, false},
    {8, 5, 3, {0, 1, 2, 3, 4, 5, 6, 7}, true},
    {8, 8, 0, {0, 1, 2, 3, 4, 5, 6, 7}, false},
}};

// The `surround-params=` digits for a layout. For normal-quality 6/8-channel layouts the
// mapping is rotated left by one from index 3, because the client rotates it right to undo a
// GFE quirk (rtsp.md §4.2). This fixes Sunshine's 7.1 bug: 7.1 normal gives "85301245673".
// Fails (out_of_range) on a layout the one-digit format or Opus cannot express.
Result<std::string> surround_params_text(const SurroundLayout& layout);

// What the client ends up with after parsing `text` (rtsp.md §4.2 / audio.md §2.4): the
// inverse of surround_params_text, used to prove the encoder and decoder agree.
Result<SurroundLayout> client_surround_layout(std::string_view text, bool normal_quality);

struct HostCapabilities {
  // Video (video.md §10.1). H.264 8-bit 4:2:0 is always offered.
  bool hevc = false;         // HEVC Main (-> `sprop-parameter-sets=AAAAAU`)
  bool hevc_main10 = false;  // needs hevc
  bool av1 = false;          // AV1 Main 8 (-> `a=rtpmap:98 AV1/90000`)
  bool av1_main10 = false;   // needs av1
  bool h264_444 = false;
  bool hevc_444 = false;     // RExt 4:4:4 8-bit, needs hevc
  bool hevc_444_10 = false;  // RExt 4:4:4 10-bit, needs hevc_main10 and hevc_444
  bool av1_444 = false;      // High 4:4:4 8-bit, needs av1
  bool av1_444_10 = false;   // High 4:4:4 10-bit, needs av1_main10 and av1_444
  bool reference_frame_invalidation = false;  // -> `a=x-nv-video[0].refPicInvalidation:1`

  std::uint32_t feature_flags = 0;  // kHostFeature* bits, a=x-ss-general.featureFlags

  // a=x-ss-general.encryptionSupported / encryptionRequested (kEnc* bits). Both must contain
  // kEncControlV2 (rtsp.md §4.2: without it the client falls back to the old control
  // encryption) and requested must be a subset of supported.
  std::uint32_t encryption_supported = kEncControlV2 | kEncAudio | kEncVideo;
  std::uint32_t encryption_requested = kEncControlV2;

  // Opus layouts advertised, in order. Each channel count needs its normal line first;
  // a second line for the count enables high quality in the client.
  std::span<const SurroundLayout> surround_layouts = kDefaultSurroundLayouts;
  // Sunshine's /launch surroundParams extension: advertised twice before the table.
  std::optional<std::string> custom_surround_params;
};

// Sunshine's derivation of the two masks from its encryption mode (rtsp.md §4.2): supported =
// CONTROL_V2|AUDIO (+VIDEO unless never), requested = CONTROL_V2 (+VIDEO|AUDIO if mandatory).
enum class EncryptionMode { never, opportunistic, mandatory };
struct EncryptionMasks {
  std::uint32_t supported = 0;
  std::uint32_t requested = 0;
};
EncryptionMasks encryption_masks_for(EncryptionMode mode) noexcept;

// ServerCodecModeSupport for /serverinfo from the same capabilities (H.264 always set).
std::uint32_t server_codec_mode_support(const HostCapabilities& caps) noexcept;

// The DESCRIBE body, LF-terminated lines in Sunshine's order:
//   a=x-ss-general.featureFlags:<dec>
//   a=x-ss-general.encryptionSupported:<dec>
//   a=x-ss-general.encryptionRequested:<dec>
//   a=x-nv-video[0].refPicInvalidation:1          (RFI only)
//   sprop-parameter-sets=AAAAAU                   (HEVC only)
//   a=rtpmap:98 AV1/90000                         (AV1 only)
//   a=fmtp:97 surround-params=<custom>            (twice, custom only)
//   a=fmtp:97 surround-params=<layout>            (one per layout)
// Fails (malformed / out_of_range) if the capabilities contradict themselves (a 10-bit or
// 4:4:4 flag without its base codec, requested ⊄ supported, CONTROL_V2 missing, unknown
// encryption or feature bits, invalid layout or custom string).
Result<std::string> build_describe_sdp(const HostCapabilities& caps);

}  // namespace lightwell::proto
