// GFNI kernel on zmm registers (compiled with -mgfni -mavx2 -mavx512f -mavx512bw -mavx512vl;
// only called after fec_dispatch.cpp saw GFNI, AVX-512F/BW and OS-enabled zmm state).
// One VGF2P8AFFINEQB multiplies 64 bytes by a constant: the constant is an 8x8 bit matrix
// (make_affine_table), broadcast from its 8-byte table entry.
#include <immintrin.h>

#include "fec_kernel_simd.hpp"

namespace lightwell::proto::fec::detail {
namespace {

struct GfniZmm {
  using Vec = __m512i;
  using In = __m512i;
  using Coef = __m512i;
  static constexpr std::size_t kWidth = 64;
  static constexpr std::size_t kTableBytes = kAffineTableBytes;
  static Vec load(const std::uint8_t* p) noexcept { return _mm512_loadu_si512(p); }
  static void store(std::uint8_t* p, Vec v) noexcept { _mm512_storeu_si512(p, v); }
  static Vec zero() noexcept { return _mm512_setzero_si512(); }
  static In prepare(Vec x) noexcept { return x; }
  static Coef coef(const std::uint8_t* t) noexcept {
    long long m;
    __builtin_memcpy(&m, t, sizeof m);
    return _mm512_set1_epi64(m);
  }
  static Vec madd(Vec acc, In x, Coef c) noexcept {
    return _mm512_xor_si512(acc, _mm512_gf2p8affine_epi64_epi8(x, c, 0));
  }
  static Vec madd2(Vec acc, In x0, Coef c0, In x1, Coef c1) noexcept {
    return _mm512_ternarylogic_epi64(acc, _mm512_gf2p8affine_epi64_epi8(x0, c0, 0),
                                     _mm512_gf2p8affine_epi64_epi8(x1, c1, 0), 0x96);  // a ^ b ^ c
  }
};

}  // namespace

// 32 zmm registers: 2 x 2 data vectors, 2 broadcast coefficients, up to 12 x 2 accumulators
// (measured best of 1x24, 2x12 and 4x6 vectors x rows).
// Shards shorter than one zmm (audio's 60 bytes) go to the ymm kernel: same CPU, same tables.
void encode_gfni_zmm(const KernelJob& job) noexcept {
  if (job.shard_size < GfniZmm::kWidth) {
    encode_gfni_ymm(job);
    return;
  }
  encode_blocks<GfniZmm, 2, 12, 16>(job);
}

}  // namespace lightwell::proto::fec::detail
