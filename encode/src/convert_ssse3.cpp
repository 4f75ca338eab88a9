// The SSSE3 kernel of the XRGB8888 → NV12 converter (convert.hpp), for x86-64 CPUs without
// AVX2: the AVX2 kernel's steps on 128-bit registers, 8 pixels × 2 rows at a time (no lane
// crossing, so no permutes). Per-function target attribute, chosen at run time.
// Same integer arithmetic as rows_scalar: bit-identical output.
#include "convert_detail.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace lightwell::encode::detail {
namespace {

#define LW_SSSE3 __attribute__((target("ssse3")))

// Four 16-bit multipliers in pixel byte order (B, G, R, X), repeated.
LW_SSSE3 inline __m128i bgrx_weights(std::int32_t b, std::int32_t g, std::int32_t r) {
  const auto u16 = [](std::int32_t v) { return static_cast<std::uint64_t>(static_cast<std::uint16_t>(v)); };
  return _mm_set1_epi64x(static_cast<long long>(u16(b) | (u16(g) << 16) | (u16(r) << 32)));
}

// Pixels 0,1 (lo) and 2,3 (hi) widened to 16 bits → 4 × int32 weighted sums in pixel order.
LW_SSSE3 inline __m128i weigh4(__m128i lo, __m128i hi, __m128i weights) {
  return _mm_hadd_epi32(_mm_madd_epi16(lo, weights), _mm_madd_epi16(hi, weights));
}

// 8 × int32 (a: 0–3, b: 4–7) → 8 bytes saturated to 0–255, in the low half.
LW_SSSE3 inline __m128i pack8(__m128i a, __m128i b) {
  const __m128i words = _mm_packs_epi32(a, b);
  return _mm_packus_epi16(words, words);
}

}  // namespace

LW_SSSE3 std::uint32_t rows_ssse3(const Coefficients& c, const std::uint8_t* row0, const std::uint8_t* row1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* uv, std::uint32_t width_px) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i wy = bgrx_weights(c.y_b, c.y_g, c.y_r);
  const __m128i wcb = bgrx_weights(c.cb_b, c.cb_g, c.cb_r);
  const __m128i wcr = bgrx_weights(c.cr_b, c.cr_g, c.cr_r);
  const __m128i y_bias = _mm_set1_epi32(c.y_bias);
  const __m128i c_bias = _mm_set1_epi32(c.c_bias);
  const std::uint32_t blocks_px = width_px / 8 * 8;
  for (std::uint32_t x = 0; x < blocks_px; x += 8) {
    __m128i luma0[2], luma1[2], cb_px[2], cr_px[2];
    for (int half = 0; half < 2; ++half) {
      const std::uint32_t at = 4 * (x + 4 * static_cast<std::uint32_t>(half));
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row0 + at));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row1 + at));
      const __m128i a_lo = _mm_unpacklo_epi8(a, zero), a_hi = _mm_unpackhi_epi8(a, zero);
      const __m128i b_lo = _mm_unpacklo_epi8(b, zero), b_hi = _mm_unpackhi_epi8(b, zero);
      luma0[half] = _mm_srai_epi32(_mm_add_epi32(weigh4(a_lo, a_hi, wy), y_bias), kShift);
      luma1[half] = _mm_srai_epi32(_mm_add_epi32(weigh4(b_lo, b_hi, wy), y_bias), kShift);
      const __m128i s_lo = _mm_add_epi16(a_lo, b_lo), s_hi = _mm_add_epi16(a_hi, b_hi);
      cb_px[half] = weigh4(s_lo, s_hi, wcb);
      cr_px[half] = weigh4(s_lo, s_hi, wcr);
    }
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y0 + x), pack8(luma0[0], luma0[1]));
    if (y1 != nullptr) _mm_storel_epi64(reinterpret_cast<__m128i*>(y1 + x), pack8(luma1[0], luma1[1]));
    // Horizontal pair sums: chroma samples 0–3 in order.
    const __m128i cb = _mm_srai_epi32(_mm_add_epi32(_mm_hadd_epi32(cb_px[0], cb_px[1]), c_bias), kShift + 2);
    const __m128i cr = _mm_srai_epi32(_mm_add_epi32(_mm_hadd_epi32(cr_px[0], cr_px[1]), c_bias), kShift + 2);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(uv + x), pack8(_mm_unpacklo_epi32(cb, cr), _mm_unpackhi_epi32(cb, cr)));
  }
  return blocks_px;
}

#undef LW_SSSE3

}  // namespace lightwell::encode::detail
#endif
