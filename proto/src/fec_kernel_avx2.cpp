// Split-nibble PSHUFB kernel on ymm (compiled with -mavx2; called only when CPUID reports
// AVX2 and XCR0 shows the OS saves ymm state). c*x = lo_c[x & 15] XOR hi_c[x >> 4], each a
// VPSHUFB into a 16-entry table that is broadcast to both 128-bit lanes.
#include <immintrin.h>

#include "fec_kernel_simd.hpp"

namespace lightwell::proto::fec::detail {
namespace {

struct Avx2 {
  using Vec = __m256i;
  struct In {
    __m256i lo, hi;
  };
  struct Coef {
    __m256i lo, hi;
  };
  static constexpr std::size_t kWidth = 32;
  static constexpr std::size_t kTableBytes = kNibbleTableBytes;
  static Vec load(const std::uint8_t* p) noexcept { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(std::uint8_t* p, Vec v) noexcept { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static Vec zero() noexcept { return _mm256_setzero_si256(); }
  static In prepare(Vec x) noexcept {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    return In{_mm256_and_si256(x, nibble), _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble)};
  }
  static Coef coef(const std::uint8_t* t) noexcept {
    return Coef{_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t))),
                _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t + 16)))};
  }
  static Vec madd(Vec acc, const In& x, const Coef& c) noexcept {
    return _mm256_xor_si256(acc, _mm256_xor_si256(_mm256_shuffle_epi8(c.lo, x.lo), _mm256_shuffle_epi8(c.hi, x.hi)));
  }
};

}  // namespace

// 16 ymm registers: nibble mask, 2 x 2 nibble vectors, 2 tables, a temporary, 4 x 2
// accumulators (measured faster than 1 vector x 8 rows: each table load serves 2 vectors).
// Shards shorter than one ymm go to the SSSE3 kernel (AVX2 implies SSSE3; same tables).
void encode_avx2(const KernelJob& job) noexcept {
  if (job.shard_size < Avx2::kWidth) {
    encode_ssse3(job);
    return;
  }
  encode_blocks<Avx2, 2, 4, 8>(job);
}

}  // namespace lightwell::proto::fec::detail
