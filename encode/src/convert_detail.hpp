// Internal to the converter (convert.cpp, convert_avx2.cpp): the fixed-point coefficients and
// the per-row-pair kernels. Not installed, not part of the public interface.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lightwell/encode/convert.hpp"

namespace lightwell::encode::detail {

// 15 fractional bits: the largest coefficient (full-range Cb/Cr "0.5" = 16384, full-range
// BT.709 Kg = 23436) still fits the signed 16-bit multiplier of pmaddwd.
inline constexpr int kShift = 15;

// Y  = (yr R + yg G + yb B + y_bias) >> 15
// Cb = (cb_r ΣR + cb_g ΣG + cb_b ΣB + c_bias) >> 17, Σ over the 2×2 block (the /4 is the
//      extra 2 bits of shift); Cr likewise. Results clamped to 0–255.
struct Coefficients {
  std::int32_t y_r, y_g, y_b, y_bias;
  std::int32_t cb_r, cb_g, cb_b;
  std::int32_t cr_r, cr_g, cr_b;
  std::int32_t c_bias;
};

Coefficients coefficients_for(YuvFormat format);

// One row pair: luma of row0 into y0 and (when y1 is not null) of row1 into y1, chroma of
// the 2×2 blocks into uv (row1 == row0 for the last row of an odd height). `from_px` (even)
// is where to start: the fast kernels do the bulk and hand the tail to the scalar one.
void rows_scalar(const Coefficients& c, const std::uint8_t* row0, const std::uint8_t* row1,
                 std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* uv, std::uint32_t width_px,
                 std::uint32_t from_px);

#if defined(__x86_64__) || defined(__i386__)
// Processes 16-pixel blocks from 0 and returns how many pixels it did (a multiple of 16).
std::uint32_t rows_avx2(const Coefficients& c, const std::uint8_t* row0, const std::uint8_t* row1,
                        std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* uv, std::uint32_t width_px);
// The same on 128-bit registers, 8-pixel blocks (a multiple of 8 returned).
std::uint32_t rows_ssse3(const Coefficients& c, const std::uint8_t* row0, const std::uint8_t* row1,
                         std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* uv, std::uint32_t width_px);
#endif

}  // namespace lightwell::encode::detail
