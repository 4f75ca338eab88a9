// XRGB8888 → NV12 (convert.hpp): coefficients, the scalar reference kernel, validation and
// the run-time choice of kernel.
#include "lightwell/encode/convert.hpp"

#include <algorithm>

#include "convert_detail.hpp"

namespace lightwell::encode {
namespace detail {
namespace {

struct LumaWeights {
  double kr, kb;
};

// Kr and Kb of each matrix: ITU-R BT.601-7 §2.5.1 (0.299, 0.114), BT.709-6 item 3.2
// (0.2126, 0.0722), BT.2020-2 table 4 non-constant luminance (0.2627, 0.0593).
constexpr LumaWeights weights_for(ColorSpace matrix) {
  switch (matrix) {
    case ColorSpace::rec601: return {0.299, 0.114};
    case ColorSpace::rec709: return {0.2126, 0.0722};
    case ColorSpace::rec2020: return {0.2627, 0.0593};
  }
  return {0.2126, 0.0722};
}

constexpr std::int32_t fixed(double v) {
  const double scaled = v * static_cast<double>(1 << kShift);
  return static_cast<std::int32_t>(scaled >= 0 ? scaled + 0.5 : scaled - 0.5);
}

inline std::uint8_t clamp_u8(std::int32_t v) {
  return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

Coefficients coefficients_for(YuvFormat format) {
  const LumaWeights w = weights_for(format.matrix);
  // Limited range (BT.601-7 §2.5.3, BT.709-6 item 3.4 at 8 bits): Y = 16 + 219·E'y,
  // Cb/Cr = 128 + 224·E'cb/cr; full range: 255 and 128 (H.264 Annex E, video_full_range_flag 1).
  const double y_scale = format.full_range ? 1.0 : 219.0 / 255.0;
  const double c_scale = format.full_range ? 1.0 : 224.0 / 255.0;
  const std::int32_t y_offset = format.full_range ? 0 : 16;
  Coefficients c{};
  c.y_r = fixed(w.kr * y_scale);
  c.y_b = fixed(w.kb * y_scale);
  // Kg = 1 − Kr − Kb: take it from the rounded total so white maps exactly to 235 (255).
  c.y_g = fixed(y_scale) - c.y_r - c.y_b;
  c.y_bias = (y_offset << kShift) + (1 << (kShift - 1));
  // E'cb = (E'b − E'y) / (2 (1 − Kb)), E'cr = (E'r − E'y) / (2 (1 − Kr)).
  c.cb_b = fixed(0.5 * c_scale);
  c.cb_r = fixed(-0.5 * c_scale * w.kr / (1.0 - w.kb));
  c.cb_g = -c.cb_b - c.cb_r;  // the three sum to zero: grey has Cb = 128 exactly
  c.cr_r = fixed(0.5 * c_scale);
  c.cr_b = fixed(-0.5 * c_scale * w.kb / (1.0 - w.kr));
  c.cr_g = -c.cr_r - c.cr_b;
  c.c_bias = (128 << (kShift + 2)) + (1 << (kShift + 1));
  return c;
}

void rows_scalar(const Coefficients& c, const std::uint8_t* row0, const std::uint8_t* row1,
                 std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* uv, std::uint32_t width_px,
                 std::uint32_t from_px) {
  for (std::uint32_t x = from_px; x < width_px; x += 2) {
    // The odd last column pairs with itself.
    const std::uint32_t x1 = x + 1 < width_px ? x + 1 : x;
    const std::uint8_t* p[4] = {row0 + 4 * x, row0 + 4 * x1, row1 + 4 * x, row1 + 4 * x1};
    std::int32_t sb = 0, sg = 0, sr = 0;
    for (int i = 0; i < 4; ++i) {
      sb += p[i][0];
      sg += p[i][1];
      sr += p[i][2];
    }
    auto luma = [&c](const std::uint8_t* px) {
      return clamp_u8((c.y_r * px[2] + c.y_g * px[1] + c.y_b * px[0] + c.y_bias) >> kShift);
    };
    y0[x] = luma(p[0]);
    if (x1 != x) y0[x1] = luma(p[1]);
    if (y1 != nullptr) {
      y1[x] = luma(p[2]);
      if (x1 != x) y1[x1] = luma(p[3]);
    }
    uv[x] = clamp_u8((c.cb_r * sr + c.cb_g * sg + c.cb_b * sb + c.c_bias) >> (kShift + 2));
    uv[x + 1] = clamp_u8((c.cr_r * sr + c.cr_g * sg + c.cr_b * sb + c.c_bias) >> (kShift + 2));
  }
}

}  // namespace detail

bool convert_path_supported(ConvertPath path) {
  switch (path) {
    case ConvertPath::scalar: return true;
    case ConvertPath::avx2:
#if defined(__x86_64__) || defined(__i386__)
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
    case ConvertPath::ssse3:
#if defined(__x86_64__) || defined(__i386__)
      return __builtin_cpu_supports("ssse3");
#else
      return false;
#endif
  }
  return false;
}

ConvertPath best_convert_path() {
  if (convert_path_supported(ConvertPath::avx2)) return ConvertPath::avx2;
  if (convert_path_supported(ConvertPath::ssse3)) return ConvertPath::ssse3;
  return ConvertPath::scalar;
}

bool convert_xrgb_to_nv12(const XrgbView& source, const Nv12View& destination, YuvFormat format,
                          ConvertPath path) {
  return convert_xrgb_to_nv12_rows(source, destination, format, 0, source.height_px, path);
}

bool convert_xrgb_to_nv12_rows(const XrgbView& source, const Nv12View& destination, YuvFormat format,
                               std::uint32_t first_row, std::uint32_t row_count, ConvertPath path) {
  const std::size_t w = source.width_px;
  const std::size_t chroma_pairs = (w + 1) / 2;
  if (source.data == nullptr || destination.y == nullptr || destination.uv == nullptr || w == 0 ||
      source.height_px == 0 || source.pitch_bytes < 4 * w || destination.y_pitch_bytes < w ||
      destination.uv_pitch_bytes < 2 * chroma_pairs || first_row % 2 != 0 || !convert_path_supported(path)) {
    return false;
  }
  const detail::Coefficients c = detail::coefficients_for(format);
  const std::uint32_t end_row =
      first_row >= source.height_px ? first_row : first_row + std::min(row_count, source.height_px - first_row);
  for (std::uint32_t row = first_row; row < end_row; row += 2) {
    const bool pair = row + 1 < source.height_px;
    const std::uint8_t* row0 = source.data + row * source.pitch_bytes;
    // The odd last row pairs with itself.
    const std::uint8_t* row1 = pair ? row0 + source.pitch_bytes : row0;
    std::uint8_t* y0 = destination.y + row * destination.y_pitch_bytes;
    std::uint8_t* y1 = pair ? y0 + destination.y_pitch_bytes : nullptr;
    std::uint8_t* uv = destination.uv + (row / 2) * destination.uv_pitch_bytes;
    std::uint32_t done = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (path == ConvertPath::avx2) done = detail::rows_avx2(c, row0, row1, y0, y1, uv, source.width_px);
    if (path == ConvertPath::ssse3) done = detail::rows_ssse3(c, row0, row1, y0, y1, uv, source.width_px);
#endif
    detail::rows_scalar(c, row0, row1, y0, y1, uv, source.width_px, done);
  }
  return true;
}

}  // namespace lightwell::encode
