// Internal interface between the Encoder (fec.cpp), the CPU dispatcher (fec_dispatch.cpp) and
// the per-ISA kernels (fec_kernel_*.cpp). Deliberately std-free apart from fixed-width types:
// the kernel files are compiled with ISA flags (-mavx2, -mgfni -mavx512bw ...), and any inline
// std template instantiated there could be picked by the linker for plain code and then run
// on a CPU without that ISA. So kernels see raw pointers only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lightwell::proto::fec {
enum class Kernel : std::uint8_t;  // fec.hpp; not included here to keep std out (see above)
enum class VectorWidth : std::uint8_t;
}

namespace lightwell::proto::fec::detail {

// One encode call: parity[j][k] = XOR_i coef[j * data_count + i] * data[i][k] (fec.md §2),
// for k < shard_size. Every kernel overwrites the whole parity shard and never reads it,
// which is what lets the SIMD kernels finish a ragged tail by recomputing one overlapping
// vector at shard_size - width instead of falling back to bytes.
struct KernelJob {
  const std::uint8_t* coef;    // Pn x D, row-major (Matrix)
  const std::uint8_t* tables;  // kernel tables, coefficient (j, i) at entry i * Pn + j
  const std::uint8_t* const* data;
  std::size_t data_count;
  std::uint8_t* const* parity;
  std::size_t parity_count;
  std::size_t shard_size;
};
using KernelFn = void (*)(const KernelJob& job) noexcept;  // same alias as fec.hpp

// Bytes of prepared table per coefficient, per kernel family.
inline constexpr std::size_t kNibbleTableBytes = 32;  // 16 products of the low nibble, 16 of the high
inline constexpr std::size_t kAffineTableBytes = 8;   // one 8x8 GF(2) bit matrix (a qword)

// Table builders (fec_kernel_scalar.cpp, plain x86-64 code). out has room for one entry.
void make_nibble_table(std::uint8_t c, std::uint8_t* out) noexcept;
void make_affine_table(std::uint8_t c, std::uint8_t* out) noexcept;

// The kernels. Each handles any shard_size and alignment.
void encode_scalar(const KernelJob& job) noexcept;
#if defined(__x86_64__) || defined(__i386__)
#define LIGHTWELL_FEC_X86 1
void encode_ssse3(const KernelJob& job) noexcept;
void encode_avx2(const KernelJob& job) noexcept;
void encode_gfni_ymm(const KernelJob& job) noexcept;  // GFNI + AVX2
void encode_gfni_zmm(const KernelJob& job) noexcept;  // GFNI + AVX-512BW
#endif

// Dispatcher (fec_dispatch.cpp): the function for a kernel, and how its tables are built.
struct KernelChoice {
  KernelFn run;
  std::size_t table_bytes;  // per coefficient, 0 for scalar
  void (*make_table)(std::uint8_t c, std::uint8_t* out) noexcept;
  std::size_t vector_bytes;
};
KernelChoice choose_kernel(Kernel kernel, VectorWidth width) noexcept;  // kernel must be available

}  // namespace lightwell::proto::fec::detail
