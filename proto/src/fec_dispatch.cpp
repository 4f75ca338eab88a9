// Run-time kernel choice from CPUID. A feature bit alone is not enough for AVX and AVX-512:
// the OS must also save the wider registers on context switch, which it advertises in XCR0
// (read with XGETBV once CPUID reports OSXSAVE). Nothing is cached: construction of an
// Encoder is rare, and proto keeps no global mutable state.
#include "fec_kernel.hpp"
#include "lightwell/proto/fec.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace lightwell::proto::fec {

namespace {

struct CpuFeatures {
  bool ssse3 = false;
  bool avx2 = false;      // CPUID and OS ymm state
  bool gfni = false;      // CPUID only (the legacy-SSE form needs nothing more)
  bool avx512bw = false;  // AVX-512F + BW, and OS opmask/zmm state
};

CpuFeatures detect() noexcept {
  CpuFeatures f;
#if defined(LIGHTWELL_FEC_X86)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return f;
  f.ssse3 = (c & (1u << 9)) != 0;
  const bool osxsave = (c & (1u << 27)) != 0;
  const bool avx = (c & (1u << 28)) != 0;
  unsigned long long xcr0 = 0;
  if (osxsave) {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
  }
  const bool os_ymm = (xcr0 & 0x6) == 0x6;      // SSE + AVX state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;    // + opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return f;
  f.avx2 = avx && os_ymm && (b & (1u << 5)) != 0;
  f.gfni = (c & (1u << 8)) != 0;
  f.avx512bw = os_zmm && (b & (1u << 16)) != 0 && (b & (1u << 30)) != 0;
#endif
  return f;
}

}  // namespace

bool kernel_available(Kernel kernel) noexcept {
  const CpuFeatures f = detect();
  switch (kernel) {
    case Kernel::scalar: return true;
    case Kernel::ssse3: return f.ssse3;
    case Kernel::avx2: return f.avx2;
    case Kernel::gfni: return f.gfni && f.avx2;  // our GFNI kernels use the VEX/EVEX forms
  }
  return false;
}

Kernel best_kernel() noexcept {
  for (Kernel k : {Kernel::gfni, Kernel::avx2, Kernel::ssse3}) {
    if (kernel_available(k)) return k;
  }
  return Kernel::scalar;
}

namespace detail {

KernelChoice choose_kernel(Kernel kernel, VectorWidth width) noexcept {
#if defined(LIGHTWELL_FEC_X86)
  switch (kernel) {
    case Kernel::scalar: break;
    case Kernel::ssse3: return {&encode_ssse3, kNibbleTableBytes, &make_nibble_table, 16};
    case Kernel::avx2: return {&encode_avx2, kNibbleTableBytes, &make_nibble_table, 32};
    case Kernel::gfni:
      if (width == VectorWidth::widest && detect().avx512bw) {
        return {&encode_gfni_zmm, kAffineTableBytes, &make_affine_table, 64};
      }
      return {&encode_gfni_ymm, kAffineTableBytes, &make_affine_table, 32};
  }
#else
  (void)kernel;
  (void)width;
#endif
  return {&encode_scalar, 0, nullptr, 1};
}

}  // namespace detail
}  // namespace lightwell::proto::fec
