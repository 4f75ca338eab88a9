// The AVX2 kernel of the XRGB8888 → NV12 converter (convert.hpp). Compiled for baseline
// x86-64 with a per-function target attribute and chosen at run time
// (__builtin_cpu_supports), so the binary still runs on CPUs without AVX2.
// Same integer arithmetic as rows_scalar, in the same order of rounding: bit-identical output.
#include "convert_detail.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace lightwell::encode::detail {
namespace {

#define LW_AVX2 __attribute__((target("avx2")))

// Four 16-bit multipliers in pixel byte order (B, G, R, X), repeated across the register.
LW_AVX2 inline __m256i bgrx_weights(std::int32_t b, std::int32_t g, std::int32_t r) {
  const auto u16 = [](std::int32_t v) { return static_cast<std::uint64_t>(static_cast<std::uint16_t>(v)); };
  return _mm256_set1_epi64x(static_cast<long long>(u16(b) | (u16(g) << 16) | (u16(r) << 32)));
}

// Weighted sums of 8 pixels whose channels are widened to 16 bits (lo: pixels 0,1 | 4,5;
// hi: pixels 2,3 | 6,7, as unpacklo/hi leave them) → 8 × int32 in pixel order.
LW_AVX2 inline __m256i weigh8(__m256i lo, __m256i hi, __m256i weights) {
  return _mm256_hadd_epi32(_mm256_madd_epi16(lo, weights), _mm256_madd_epi16(hi, weights));
}

// Two vectors of 8 int32 (pixels 0–7 and 8–15) → 16 bytes in order, saturated to 0–255.
LW_AVX2 inline __m128i pack16(__m256i a, __m256i b) {
  // packs works per 128-bit lane: [a0-3 b0-3 | a4-7 b4-7]; the permute restores the order.
  const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  return _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
}

}  // namespace

LW_AVX2 std::uint32_t rows_avx2(const Coefficients& c, const std::uint8_t* row0, const std::uint8_t* row1,
                                std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* uv, std::uint32_t width_px) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i wy = bgrx_weights(c.y_b, c.y_g, c.y_r);
  const __m256i wcb = bgrx_weights(c.cb_b, c.cb_g, c.cb_r);
  const __m256i wcr = bgrx_weights(c.cr_b, c.cr_g, c.cr_r);
  const __m256i y_bias = _mm256_set1_epi32(c.y_bias);
  const __m256i c_bias = _mm256_set1_epi32(c.c_bias);
  const std::uint32_t blocks_px = width_px / 16 * 16;
  for (std::uint32_t x = 0; x < blocks_px; x += 16) {
    __m256i luma0[2], luma1[2], cb_px[2], cr_px[2];
    for (int half = 0; half < 2; ++half) {
      const std::uint32_t at = 4 * (x + 8 * static_cast<std::uint32_t>(half));
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row0 + at));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row1 + at));
      const __m256i a_lo = _mm256_unpacklo_epi8(a, zero), a_hi = _mm256_unpackhi_epi8(a, zero);
      const __m256i b_lo = _mm256_unpacklo_epi8(b, zero), b_hi = _mm256_unpackhi_epi8(b, zero);
      luma0[half] = _mm256_srai_epi32(_mm256_add_epi32(weigh8(a_lo, a_hi, wy), y_bias), kShift);
      luma1[half] = _mm256_srai_epi32(_mm256_add_epi32(weigh8(b_lo, b_hi, wy), y_bias), kShift);
      // Vertical sums of the two rows (≤ 510, fits 16 bits), then weighted per pixel column.
      const __m256i s_lo = _mm256_add_epi16(a_lo, b_lo), s_hi = _mm256_add_epi16(a_hi, b_hi);
      cb_px[half] = weigh8(s_lo, s_hi, wcb);
      cr_px[half] = weigh8(s_lo, s_hi, wcr);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y0 + x), pack16(luma0[0], luma0[1]));
    if (y1 != nullptr) _mm_storeu_si128(reinterpret_cast<__m128i*>(y1 + x), pack16(luma1[0], luma1[1]));
    // Horizontal pair sums: [c0 c1 c4 c5 | c2 c3 c6 c7] for the 8 chroma samples.
    const __m256i cb = _mm256_srai_epi32(_mm256_add_epi32(_mm256_hadd_epi32(cb_px[0], cb_px[1]), c_bias), kShift + 2);
    const __m256i cr = _mm256_srai_epi32(_mm256_add_epi32(_mm256_hadd_epi32(cr_px[0], cr_px[1]), c_bias), kShift + 2);
    // Interleave: [cb0 cr0 cb1 cr1 | cb2 cr2 cb3 cr3] and [cb4 cr4 cb5 cr5 | cb6 cr6 cb7 cr7].
    _mm_storeu_si128(reinterpret_cast<__m128i*>(uv + x),
                     pack16(_mm256_unpacklo_epi32(cb, cr), _mm256_unpackhi_epi32(cb, cr)));
  }
  return blocks_px;
}

#undef LW_AVX2

}  // namespace lightwell::encode::detail
#endif
