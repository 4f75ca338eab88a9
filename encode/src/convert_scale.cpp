// Letterboxed nearest-neighbour scaling of XRGB pictures (convert.hpp fit_rect,
// scale_xrgb_letterbox): the step between a screen whose size differs from the stream's and
// the NV12 converter. Nearest neighbour is the simplest honest scaler: exact when the sizes
// match or one is an integer multiple, blocky for text otherwise (docs/capture-kms.md "Size").
#include <cstring>

#include "lightwell/encode/convert.hpp"

namespace lightwell::encode {

FitRect fit_rect(std::uint32_t sw, std::uint32_t sh, std::uint32_t dw, std::uint32_t dh) {
  FitRect r;
  if (sw == 0 || sh == 0 || dw < 2 || dh < 2) return r;
  // Width-limited when sw/sh ≥ dw/dh, i.e. sw·dh ≥ dw·sh (64-bit: no overflow for any size).
  std::uint64_t w = dw, h = dh;
  if (static_cast<std::uint64_t>(sw) * dh >= static_cast<std::uint64_t>(dw) * sh) {
    h = (static_cast<std::uint64_t>(dw) * sh + sw / 2) / sw;
  } else {
    w = (static_cast<std::uint64_t>(dh) * sw + sh / 2) / sh;
  }
  w = w > dw ? dw : w;
  h = h > dh ? dh : h;
  w &= ~std::uint64_t{1};
  h &= ~std::uint64_t{1};
  if (w < 2) w = 2;
  if (h < 2) h = 2;
  r.width_px = static_cast<std::uint32_t>(w);
  r.height_px = static_cast<std::uint32_t>(h);
  r.x_px = ((dw - r.width_px) / 2) & ~1U;
  r.y_px = ((dh - r.height_px) / 2) & ~1U;
  return r;
}

bool scale_xrgb_letterbox(const XrgbView& src, std::uint8_t* dst, std::size_t dst_pitch, std::uint32_t dw,
                          std::uint32_t dh) {
  if (src.data == nullptr || dst == nullptr || src.width_px == 0 || src.height_px == 0 || dw < 2 || dh < 2 ||
      src.pitch_bytes < static_cast<std::size_t>(src.width_px) * 4U || dst_pitch < static_cast<std::size_t>(dw) * 4U) {
    return false;
  }
  const FitRect r = fit_rect(src.width_px, src.height_px, dw, dh);
  const std::size_t row_bytes = static_cast<std::size_t>(dw) * 4U;
  for (std::uint32_t y = 0; y < dh; ++y) {
    std::uint8_t* out = dst + static_cast<std::size_t>(y) * dst_pitch;
    if (y < r.y_px || y >= r.y_px + r.height_px) {
      std::memset(out, 0, row_bytes);
      continue;
    }
    // Source row under the centre of destination row y: floor(((y − y0) + ½) · sh / h).
    const std::uint64_t sy = ((2ULL * (y - r.y_px) + 1) * src.height_px) / (2ULL * r.height_px);
    const auto* in = src.data + sy * src.pitch_bytes;
    std::memset(out, 0, static_cast<std::size_t>(r.x_px) * 4U);
    std::uint32_t* o = reinterpret_cast<std::uint32_t*>(out) + r.x_px;
    // 32.32 fixed-point step: exact enough for any width (error < 2^-32 per pixel).
    const std::uint64_t step = (static_cast<std::uint64_t>(src.width_px) << 32) / r.width_px;
    std::uint64_t pos = step / 2;
    for (std::uint32_t x = 0; x < r.width_px; ++x, pos += step) {
      std::memcpy(o + x, in + (pos >> 32) * 4U, 4);
    }
    const std::uint32_t right = r.x_px + r.width_px;
    std::memset(out + static_cast<std::size_t>(right) * 4U, 0, static_cast<std::size_t>(dw - right) * 4U);
  }
  return true;
}

}  // namespace lightwell::encode
