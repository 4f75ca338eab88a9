// Run-time kernel choice. Feature bits come from __builtin_cpu_supports, i.e. the CPUID
// results libgcc reads once at start-up: executing CPUID ourselves costs 15-50 us per call in
// a VM (it traps to the hypervisor), which mattered for reconstruct() and Encoder creation,
// and caching it ourselves would be global state in proto. A feature bit alone is not enough
// for AVX and AVX-512: the OS must also save the wider registers on context switch, which it
// advertises in XCR0; we read that directly with XGETBV (cheap, it does not trap) even though
// libgcc also checks it, because running AVX-512 code without OS support is a crash.
#include "fec_kernel.hpp"
#include "lightwell/proto/fec.hpp"

namespace lightwell::proto::fec {

namespace {

struct CpuFeatures {
  bool ssse3 = false;
  bool avx2 = false;      // CPUID and OS ymm state
  bool gfni = false;      // CPUID only
  bool avx512bw = false;  // AVX-512F + BW, and OS opmask/zmm state
};

CpuFeatures detect() noexcept {
  CpuFeatures f;
#if defined(LIGHTWELL_FEC_X86)
  __builtin_cpu_init();  // no-op once libgcc's constructor ran; needed if called before it
  f.ssse3 = __builtin_cpu_supports("ssse3") != 0;
  unsigned long long xcr0 = 0;
  if (__builtin_cpu_supports("avx") != 0) {  // libgcc sets avx only with CPUID OSXSAVE, so XGETBV exists
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
  }
  const bool os_ymm = (xcr0 & 0x6) == 0x6;    // SSE + AVX state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  f.avx2 = os_ymm && __builtin_cpu_supports("avx2") != 0;
  f.gfni = __builtin_cpu_supports("gfni") != 0;
  f.avx512bw = os_zmm && __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512bw") != 0;
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
