// What the client asked for in its RTSP ANNOUNCE (shared/protocol/rtsp.md §4.4), typed and
// range-checked. Produced by parse_announce_sdp() (sdp_announce.hpp); consumed by the session
// that starts video, audio and control. Plain value type; no ownership, no threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lightwell::proto {

// Encryption bits (rtsp.md §4.2 table, moonlight-common-c SS_ENC_*).
inline constexpr std::uint32_t kEncControlV2 = 0x01;  // control stream 12-byte IVs (control.md §3)
inline constexpr std::uint32_t kEncVideo = 0x02;      // video AES-GCM (video.md)
inline constexpr std::uint32_t kEncAudio = 0x04;      // audio AES-CBC (audio.md §4)
inline constexpr std::uint32_t kEncKnownMask = kEncControlV2 | kEncVideo | kEncAudio;

// x-nv-general.featureFlags bit meaning "audio encryption" for legacy clients (rtsp.md §4.4).
inline constexpr std::uint32_t kNvFeatureAudioEncryption = 0x20;
// x-ml-general.featureFlags (rtsp.md §4.4): per-frame FEC status; ping payload/connect data.
inline constexpr std::uint32_t kMlFeatureFecStatus = 0x01;
inline constexpr std::uint32_t kMlFeatureSessionIdV1 = 0x02;
// x-nv-general.useReliableUdp value selecting the encrypted control stream (control.md).
inline constexpr std::uint32_t kControlProtocolEncrypted = 13;

enum class VideoCodec : std::uint8_t { h264 = 0, hevc = 1, av1 = 2 };  // bitStreamFormat
enum class DynamicRange : std::uint8_t { sdr_8bit = 0, hdr_10bit = 1 };  // dynamicRangeMode
enum class ChromaSampling : std::uint8_t { yuv420 = 0, yuv444 = 1 };    // chromaSamplingType
// encoderCscMode = (ColorSpace << 1) | ColorRange (video.md §10.1).
enum class ColorSpace : std::uint8_t { rec601 = 0, rec709 = 1, rec2020 = 2 };
enum class ColorRange : std::uint8_t { limited = 0, full = 1 };

// Accepted ranges (docs/rtsp-sdp.md explains each).
inline constexpr std::uint32_t kMaxVideoDimensionPx = 8192;
inline constexpr std::uint32_t kMaxFps = 480;
inline constexpr std::uint32_t kMaxRefreshRateX100 = 100000;  // 1000 Hz display
inline constexpr std::uint32_t kMinPacketSizeBytes = 256;
inline constexpr std::uint32_t kMaxPacketSizeBytes = 16384;
inline constexpr std::uint32_t kMaxBitrateKbps = 2000000;  // 2 Gbit/s
inline constexpr std::uint32_t kMaxSlicesPerFrame = 64;
inline constexpr std::uint32_t kMaxReferenceFrames = 16;
inline constexpr std::uint32_t kMaxMinRequiredFecPackets = 255;
inline constexpr std::uint32_t kMaxFecPercent = 255;

struct StreamParams {
  // --- video (rtsp.md §4.4, video.md §10.1)
  std::uint32_t width_px = 0;              // x-nv-video[0].clientViewportWd (required)
  std::uint32_t height_px = 0;             // x-nv-video[0].clientViewportHt (required)
  std::uint32_t fps = 0;                   // x-nv-video[0].maxFPS (required)
  std::uint32_t client_refresh_rate_x100 = 0;  // x-nv-video[0].clientRefreshRateX100, 0 = absent
  // Max video payload per RTP packet, already minus 32 when video is encrypted (rtsp.md §7).
  std::uint32_t packet_size_bytes = 0;     // x-nv-video[0].packetSize (required)
  std::uint32_t max_bitrate_kbps = 0;      // x-nv-vqos[0].bw.maximumBitrateKbps (required)
  std::uint32_t configured_bitrate_kbps = 0;  // x-ml-video.configuredBitrateKbps, 0 = absent
  VideoCodec codec = VideoCodec::h264;     // x-nv-vqos[0].bitStreamFormat (default 0)
  DynamicRange dynamic_range = DynamicRange::sdr_8bit;      // dynamicRangeMode (default 0)
  ChromaSampling chroma = ChromaSampling::yuv420;           // chromaSamplingType (default 0)
  ColorSpace color_space = ColorSpace::rec601;              // encoderCscMode >> 1 (default 0)
  ColorRange color_range = ColorRange::limited;             // encoderCscMode & 1
  std::uint32_t slices_per_frame = 1;      // videoEncoderSlicesPerFrame (required)
  std::uint32_t max_reference_frames = 1;  // maxNumReferenceFrames (required), 0 = any count
  bool intra_refresh = false;              // x-ss-video[0].intraRefresh (default 0)
  std::uint32_t min_required_fec_packets = 0;   // x-nv-vqos[0].fec.minRequiredFecPackets
  std::optional<std::uint32_t> fec_repair_percent;  // x-nv-vqos[0].fec.repairPercent (legacy)
  std::uint32_t video_qos_traffic_type = 5;  // x-nv-vqos[0].qosTrafficType, non-zero = DSCP
  std::uint32_t audio_qos_traffic_type = 4;  // x-nv-aqos.qosTrafficType

  // --- audio (rtsp.md §4.4, audio.md §2)
  std::uint32_t audio_channels = 2;        // x-nv-audio.surround.numChannels (required): 2, 6, 8
  std::uint32_t audio_channel_mask = 0x3;  // x-nv-audio.surround.channelMask (required)
  bool audio_high_quality_surround = false;  // x-nv-audio.surround.AudioQuality (required)
  std::uint32_t audio_packet_duration_ms = 5;  // x-nv-aqos.packetDuration (default 5)

  // --- control and security
  // x-ss-general.encryptionEnabled, with kEncAudio added when the legacy
  // x-nv-general.featureFlags has 0x20 (Sunshine does the same, rtsp.md §4.4).
  std::uint32_t encryption_enabled = 0;
  std::uint32_t nv_feature_flags = 135;    // x-nv-general.featureFlags (default 135)
  std::uint32_t ml_feature_flags = 0;      // x-ml-general.featureFlags (default 0)
  std::uint32_t control_protocol = 1;      // x-nv-general.useReliableUdp (default 1; 13 = encrypted)
  std::uint32_t client_version = 0;        // o= line's third field (X-GS-ClientVersion), 0 = absent

  bool video_encrypted() const noexcept { return (encryption_enabled & kEncVideo) != 0; }
  bool audio_encrypted() const noexcept { return (encryption_enabled & kEncAudio) != 0; }
  bool control_v2_encrypted() const noexcept { return (encryption_enabled & kEncControlV2) != 0; }
  bool ten_bit() const noexcept { return dynamic_range == DynamicRange::hdr_10bit; }
  bool yuv444() const noexcept { return chroma == ChromaSampling::yuv444; }

  // Exact frame rate ×100: clientRefreshRateX100 when it is within ±1 % of maxFPS (NTSC
  // rates such as 5994), else fps × 100. Sunshine discards other values (rtsp.md §4.4).
  std::uint32_t frame_rate_x100() const noexcept;
};

// High-quality audio decision (rtsp.md §2, audio.md §2.5): for stereo the client signals low
// quality by putting 0.0.0.0 in the Host header; for surround AudioQuality decides.
bool audio_high_quality(const StreamParams& params, std::string_view host_header) noexcept;

// Encoder bitrate in kbps, as Sunshine derives it (rtsp.md §4.4): with a configured bitrate,
//   b = cfg × (100 − fec%) / 100  (only when fec% ≤ 80),
//   b −= min(channels × (256 if high quality else 96), b / 5),
//   b −= min(500, b / 10);
// without one, max_bitrate_kbps. fec_percent is the host's FEC setting (video.md §5).
std::uint32_t encoder_bitrate_kbps(const StreamParams& params, std::uint32_t fec_percent,
                                   bool high_quality_audio) noexcept;

}  // namespace lightwell::proto
