// GFNI kernel on ymm registers for CPUs with GFNI but no (or OS-disabled) AVX-512, compiled
// with -mgfni -mavx2 only (a separate file from the zmm kernel: with AVX-512VL enabled the
// compiler would be free to emit EVEX-only instructions such as VPTERNLOG here).
#include <immintrin.h>

#include "fec_kernel_simd.hpp"

namespace lightwell::proto::fec::detail {
namespace {

struct GfniYmm {
  using Vec = __m256i;
  using In = __m256i;
  using Coef = __m256i;
  static constexpr std::size_t kWidth = 32;
  static constexpr std::size_t kTableBytes = kAffineTableBytes;
  static Vec load(const std::uint8_t* p) noexcept { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(std::uint8_t* p, Vec v) noexcept { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static Vec zero() noexcept { return _mm256_setzero_si256(); }
  static In prepare(Vec x) noexcept { return x; }
  static Coef coef(const std::uint8_t* t) noexcept {
    long long m;
    __builtin_memcpy(&m, t, sizeof m);
    return _mm256_set1_epi64x(m);
  }
  static Vec madd(Vec acc, In x, Coef c) noexcept {
    return _mm256_xor_si256(acc, _mm256_gf2p8affine_epi64_epi8(x, c, 0));
  }
};

}  // namespace

// 16 ymm registers: 2 data vectors, 1 coefficient, up to 6 x 2 accumulators (measured best
// of 1x12, 2x6 and 4x3 vectors x rows).
void encode_gfni_ymm(const KernelJob& job) noexcept { encode_blocks<GfniYmm, 2, 6, 12>(job); }

}  // namespace lightwell::proto::fec::detail
