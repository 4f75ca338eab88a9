// The client's ANNOUNCE body (proto/sdp.hpp line layer + sdp_announce.hpp, rtsp.md §4.4),
// then everything the host derives from the parameters before it starts the encoders:
// the acceptance check against what DESCRIBE offered, the exact frame rate and the bitrate.
// Invariants: an accepted body yields values inside the documented ranges
// (stream_params.hpp) and the same parameters from the two-step and one-step parse.
#include "fuzz_check.hpp"
#include "lightwell/proto/sdp.hpp"
#include "lightwell/proto/sdp_announce.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/proto/stream_params.hpp"

namespace lp = lightwell::proto;

namespace {

void check_ranges(const lp::StreamParams& p) {
  FUZZ_CHECK(p.width_px >= 1 && p.width_px <= lp::kMaxVideoDimensionPx);
  FUZZ_CHECK(p.height_px >= 1 && p.height_px <= lp::kMaxVideoDimensionPx);
  FUZZ_CHECK(p.fps >= 1 && p.fps <= lp::kMaxFps);
  FUZZ_CHECK(p.client_refresh_rate_x100 <= lp::kMaxRefreshRateX100);
  FUZZ_CHECK(p.packet_size_bytes <= lp::kMaxPacketSizeBytes);
  FUZZ_CHECK(p.max_bitrate_kbps <= lp::kMaxBitrateKbps);
  FUZZ_CHECK(p.slices_per_frame <= lp::kMaxSlicesPerFrame);
  FUZZ_CHECK(p.max_reference_frames <= lp::kMaxReferenceFrames);
  FUZZ_CHECK(p.min_required_fec_packets <= lp::kMaxMinRequiredFecPackets);
  FUZZ_CHECK(p.audio_channels == 2 || p.audio_channels == 6 || p.audio_channels == 8);
  FUZZ_CHECK(p.packet_size_bytes >= lp::kMinPacketSizeBytes && p.packet_size_bytes % 16 == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = lightwell::fuzz::as_text(data, size);
  auto doc = lp::parse_sdp(body);
  if (doc) {
    FUZZ_CHECK(body.size() <= lp::kDefaultSdpLimits.max_bytes);
    FUZZ_CHECK(doc->lines.size() <= lp::kDefaultSdpLimits.max_lines);
    FUZZ_CHECK(doc->attributes.size() <= doc->lines.size());
    for (const auto& line : doc->lines) {
      // Views must point into the body (the document borrows it).
      FUZZ_CHECK(line.key.data() >= body.data() && line.key.data() + line.key.size() <= body.data() + body.size());
      FUZZ_CHECK(!line.key.empty());
    }
    for (const auto& a : doc->attributes) (void)doc->attribute_count(a.name);
  }
  auto params = lp::parse_announce_sdp(body);
  if (!doc) FUZZ_CHECK(!params.has_value());
  if (!params) return 0;
  auto again = lp::stream_params_from_sdp(*doc);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->width_px == params->width_px && again->height_px == params->height_px &&
             again->encryption_enabled == params->encryption_enabled);
  check_ranges(*params);

  // What the host does next (rtsp_service): accept or refuse against a minimal and a full
  // offer, then derive the encoder settings.
  lp::HostCapabilities minimal;
  lp::HostCapabilities full;
  full.hevc = full.hevc_main10 = full.av1 = full.av1_main10 = true;
  full.h264_444 = full.hevc_444 = full.hevc_444_10 = full.av1_444 = full.av1_444_10 = true;
  full.encryption_requested = lp::kEncControlV2 | lp::kEncVideo | lp::kEncAudio;
  const auto verdict_minimal = lp::check_announce(*params, minimal);
  const auto verdict_full = lp::check_announce(*params, full);
  FUZZ_CHECK(verdict_minimal.accepted() == verdict_minimal.reason.empty());
  FUZZ_CHECK(verdict_full.accepted() == verdict_full.reason.empty());
  const std::uint32_t rate = params->frame_rate_x100();
  FUZZ_CHECK(rate > 0);
  for (std::uint32_t fec : {0u, 20u, 80u, 255u}) {
    (void)lp::encoder_bitrate_kbps(*params, fec, lp::audio_high_quality(*params, "127.0.0.1"));
  }
  return 0;
}
