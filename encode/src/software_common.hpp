// Helpers shared by the software encoders (x265, SVT-AV1): configuration checks with messages
// that name the field, the one-frame VBV, frame checks, colour codes. Internal to encode/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "lightwell/encode/video_encoder.hpp"

namespace lightwell::encode::detail {

inline constexpr std::uint32_t kMaxSidePx = 8192;
inline constexpr std::uint32_t kMaxBitrateKbps = 1'000'000;
inline constexpr std::uint32_t kMaxFrameRateX100 = 100'000;  // 1000 fps

inline const char* codec_name(Codec c) {
  switch (c) {
    case Codec::h264: return "h264";
    case Codec::hevc: return "hevc";
    case Codec::av1: return "av1";
  }
  return "unknown";
}

inline const char* format_name(capture::PixelFormat f) {
  switch (f) {
    case capture::PixelFormat::i420: return "i420";
    case capture::PixelFormat::nv12: return "nv12";
    case capture::PixelFormat::bgrx8888: return "bgrx8888";
  }
  return "unknown";
}

// Colour codes shared by H.264/HEVC VUI (ITU-T H.273 = H.265 Table E.3..E.5) and the AV1
// sequence header's color_config (AV1 spec §6.4.2 uses the same H.273 numbers).
struct ColourCodes {
  int primaries, transfer, matrix;
};
inline ColourCodes colour_codes(ColorSpace cs) {
  switch (cs) {
    case ColorSpace::rec601: return {6, 6, 6};    // SMPTE 170M (BT.601 525)
    case ColorSpace::rec709: return {1, 1, 1};    // BT.709
    case ColorSpace::rec2020: return {9, 14, 9};  // BT.2020, 10-bit transfer, non-constant luminance
  }
  return {2, 2, 2};  // unspecified
}

// The checks every software encoder shares; `who` prefixes the message ("x265 encoder
// configuration: ..."). min_side_px: the library's smallest picture (SVT-AV1: 64).
inline void validate_common(const EncoderConfig& c, Codec expected, const std::string& who, std::uint32_t min_side_px) {
  const auto bad = [&who](const std::string& what) { throw std::invalid_argument(who + " encoder configuration: " + what); };
  if (c.codec != expected) bad(who + " encodes " + codec_name(expected) + " only, not " + codec_name(c.codec));
  const auto side_ok = [min_side_px](std::uint32_t v) { return v >= min_side_px && v <= kMaxSidePx && v % 2 == 0; };
  if (!side_ok(c.width_px) || !side_ok(c.height_px)) {
    bad("size " + std::to_string(c.width_px) + "x" + std::to_string(c.height_px) + " is not even within " +
        std::to_string(min_side_px) + "..8192 px");
  }
  if (c.frame_rate_x100 == 0 || c.frame_rate_x100 > kMaxFrameRateX100) {
    bad("frame_rate_x100 " + std::to_string(c.frame_rate_x100) + " is outside 1..100000");
  }
  if (c.bitrate_kbps == 0 || c.bitrate_kbps > kMaxBitrateKbps) {
    bad("bitrate_kbps " + std::to_string(c.bitrate_kbps) + " is outside 1..1000000");
  }
  if (c.slices_per_frame == 0) bad("slices_per_frame 0 (at least one slice)");
  if (c.threads > 64) bad("threads " + std::to_string(c.threads) + " is above 64");
}

// VBV buffer of one frame at the target rate (kbit): no frame may exceed about one frame
// interval of link time, the CBR shape the send thread paces within (video.md §5.7).
inline std::uint32_t vbv_buffer_kbit(std::uint32_t bitrate_kbps, std::uint32_t frame_rate_x100) {
  const std::uint64_t kbit = (std::uint64_t{bitrate_kbps} * 100 + frame_rate_x100 - 1) / frame_rate_x100;
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(1, kbit));
}

// "" when the frame fits the encoder (i420, or nv12 when accept_nv12, the configured size, all
// planes present with strides at least one row); otherwise what is wrong.
inline std::string check_frame(const capture::Frame& f, const EncoderConfig& c, const std::string& who, bool accept_nv12) {
  const bool i420 = f.format == capture::PixelFormat::i420;
  if (!i420 && !(accept_nv12 && f.format == capture::PixelFormat::nv12)) {
    return who + (accept_nv12 ? " takes i420 or nv12 frames, not " : " takes i420 frames, not ") + format_name(f.format);
  }
  if (f.width_px != c.width_px || f.height_px != c.height_px) {
    return "frame is " + std::to_string(f.width_px) + "x" + std::to_string(f.height_px) + ", the encoder was set up for " +
           std::to_string(c.width_px) + "x" + std::to_string(c.height_px);
  }
  const std::size_t planes = i420 ? 3 : 2;
  if (f.plane_count < planes) return std::string(format_name(f.format)) + " frame with too few planes";
  for (std::size_t i = 0; i < planes; ++i) {
    const std::size_t row = i == 0 || !i420 ? f.width_px : f.width_px / 2;
    if (f.planes[i].data == nullptr || f.planes[i].stride_bytes < row || f.planes[i].stride_bytes > (1u << 30)) {
      return "plane " + std::to_string(i) + " has no data or a stride shorter than its row";
    }
  }
  return {};
}

inline EncodeResult encode_error(std::string message) {
  EncodeResult r;
  r.status = EncodeStatus::error;
  r.error = std::move(message);
  return r;
}

}  // namespace lightwell::encode::detail

namespace lightwell::encode::detail {

// Planar 4:2:0 view of a frame for libraries that take only planar input (x265 3.5: "only
// X265_CSP_I420 and X265_CSP_I444 are supported"; SVT-AV1's EbSvtIOFormat is planar): an i420
// frame is passed through, an nv12 frame's interleaved chroma is split into two owned planes
// (sized once, reused: no allocation per frame after the first).
class PlanarInput {
 public:
  struct Planes {
    const std::uint8_t* y;
    const std::uint8_t* u;
    const std::uint8_t* v;
    std::size_t y_stride, u_stride, v_stride;
  };

  Planes view(const capture::Frame& f) {
    if (f.format == capture::PixelFormat::i420) {
      return {f.planes[0].data, f.planes[1].data, f.planes[2].data,
              f.planes[0].stride_bytes, f.planes[1].stride_bytes, f.planes[2].stride_bytes};
    }
    const std::size_t cw = f.width_px / 2, ch = f.height_px / 2;
    u_.resize(cw * ch);
    v_.resize(cw * ch);
    for (std::size_t row = 0; row < ch; ++row) {
      const std::uint8_t* uv = f.planes[1].data + row * f.planes[1].stride_bytes;
      std::uint8_t* u = u_.data() + row * cw;
      std::uint8_t* v = v_.data() + row * cw;
      for (std::size_t x = 0; x < cw; ++x) {
        u[x] = uv[2 * x];
        v[x] = uv[2 * x + 1];
      }
    }
    return {f.planes[0].data, u_.data(), v_.data(), f.planes[0].stride_bytes, cw, cw};
  }

 private:
  std::vector<std::uint8_t> u_, v_;
};

}  // namespace lightwell::encode::detail
