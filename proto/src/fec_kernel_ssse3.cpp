// Split-nibble PSHUFB kernel on xmm (compiled with -mssse3; called only when CPUID reports
// SSSE3). c*x = lo_c[x & 15] XOR hi_c[x >> 4], each a PSHUFB into a 16-entry table.
#include <immintrin.h>

#include "fec_kernel_simd.hpp"

namespace lightwell::proto::fec::detail {
namespace {

struct Ssse3 {
  using Vec = __m128i;
  struct In {
    __m128i lo, hi;
  };
  struct Coef {
    __m128i lo, hi;
  };
  static constexpr std::size_t kWidth = 16;
  static constexpr std::size_t kTableBytes = kNibbleTableBytes;
  static Vec load(const std::uint8_t* p) noexcept { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static void store(std::uint8_t* p, Vec v) noexcept { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static Vec zero() noexcept { return _mm_setzero_si128(); }
  static In prepare(Vec x) noexcept {
    const __m128i nibble = _mm_set1_epi8(0x0F);
    return In{_mm_and_si128(x, nibble), _mm_and_si128(_mm_srli_epi16(x, 4), nibble)};
  }
  static Coef coef(const std::uint8_t* t) noexcept {
    return Coef{_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)),
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + 16))};
  }
  static Vec madd(Vec acc, const In& x, const Coef& c) noexcept {
    return _mm_xor_si128(acc, _mm_xor_si128(_mm_shuffle_epi8(c.lo, x.lo), _mm_shuffle_epi8(c.hi, x.hi)));
  }
};

}  // namespace

// 16 xmm registers: nibble mask, 2 x 2 nibble vectors, 2 tables, a temporary, 4 x 2
// accumulators (measured faster than 1 vector x 8 rows: each table load serves 2 vectors).
void encode_ssse3(const KernelJob& job) noexcept { encode_blocks<Ssse3, 2, 4, 8>(job); }

}  // namespace lightwell::proto::fec::detail
