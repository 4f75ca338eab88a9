// Reed–Solomon erasure code over GF(2^8) as the Moonlight client decodes it
// (shared/protocol/fec.md): polynomial 0x11D, systematic generator [I; M] with the Cauchy
// parity matrix M[j][i] = inv((Pn + i) XOR j) for video, and the fixed 4+2 matrix for audio.
// Our own implementation; the kernel (scalar or SIMD) is chosen at run time from CPUID.
// How the kernels work and what they measure: docs/fec.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto::fec {

inline constexpr std::size_t kMaxTotalShards = 255;  // fec.md §2: D + Pn <= 255

// Multiply-accumulate kernels. All produce identical bytes; they differ only in speed.
//   scalar: 256-byte product row per coefficient (any CPU)
//   ssse3 / avx2: split-nibble PSHUFB lookups, 16 / 32 bytes per instruction
//   gfni: GF2P8AFFINEQB with an 8x8 bit matrix per coefficient; 64 bytes per instruction
//         (zmm) when the CPU and OS support AVX-512BW, else 32 (ymm, needs AVX2)
enum class Kernel : std::uint8_t { scalar, ssse3, avx2, gfni };
const char* to_string(Kernel kernel) noexcept;
// Does this CPU (CPUID feature bits as libgcc read them at start-up, and for AVX/AVX-512 the
// OS-enabled register state in XCR0, read on every call) and this build support the kernel.
// Cheap (~20 ns); thread-safe.
bool kernel_available(Kernel kernel) noexcept;
Kernel best_kernel() noexcept;  // fastest available kernel: gfni > avx2 > ssse3 > scalar

// Cap on the register width a kernel may use. Only GFNI has two widths today (zmm, ymm).
// max256 suits CPUs that down-clock under AVX-512, and lets tests run the ymm GFNI code on
// AVX-512 machines.
enum class VectorWidth : std::uint8_t { widest, max256 };

namespace detail {
struct KernelJob;  // one encode call as the kernels see it (proto/src/fec_kernel.hpp)
using KernelFn = void (*)(const KernelJob& job) noexcept;
}  // namespace detail

// GF(2^8) arithmetic of fec.md §1 (exposed for tests and the decoder).
std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) noexcept;
std::uint8_t gf_inv(std::uint8_t a) noexcept;  // a != 0

// The Pn x D parity matrix, row-major.
class Matrix {
 public:
  // D >= 1, Pn >= 1, D + Pn <= 255, else out_of_range.
  static Result<Matrix> cauchy(std::size_t data_shards, std::size_t parity_shards);
  static Matrix audio();  // fec.md §3: D = 4, Pn = 2, fixed constants
  // Any Pn x D matrix given row-major (the decoder uses it for its recovery rows). Same
  // shape limits as cauchy(); coefficients.size() must be Pn * D, else out_of_range.
  static Result<Matrix> from_coefficients(std::size_t data_shards, std::size_t parity_shards,
                                          std::vector<std::uint8_t> coefficients);

  std::size_t data_shards() const noexcept { return data_; }
  std::size_t parity_shards() const noexcept { return parity_; }
  std::uint8_t at(std::size_t row, std::size_t col) const noexcept { return coef_[row * data_ + col]; }
  // All Pn * D coefficients, row-major (row j = parity shard j).
  std::span<const std::uint8_t> coefficients() const noexcept { return coef_; }

 private:
  Matrix(std::size_t d, std::size_t p, std::vector<std::uint8_t> coef)
      : data_(d), parity_(p), coef_(std::move(coef)) {}
  std::size_t data_;
  std::size_t parity_;
  std::vector<std::uint8_t> coef_;
};

// Computes parity for one block. Prepared once per matrix (tables built up front), then
// encode() does no allocation. Thread: an Encoder is immutable after creation; encode() may
// be called from any thread.
class Encoder {
 public:
  // A kernel this CPU cannot run (kernel_available() false) is replaced by best_kernel();
  // kernel() reports the one actually used.
  explicit Encoder(Matrix matrix, Kernel kernel = best_kernel());
  Encoder(Matrix matrix, Kernel kernel, VectorWidth width);

  const Matrix& matrix() const noexcept { return matrix_; }
  Kernel kernel() const noexcept { return kernel_; }
  std::size_t vector_bytes() const noexcept { return vector_bytes_; }  // 1 (scalar), 16, 32 or 64

  // data: D pointers, parity: Pn pointers, each to shard_size bytes (buffers borrowed for
  // the call; parity is overwritten). Sizes must match the matrix (checked by assert).
  // Any shard_size and any alignment; parity buffers must not overlap the data buffers.
  void encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
              std::size_t shard_size) const;

 private:
  Matrix matrix_;
  Kernel kernel_;
  detail::KernelFn run_ = nullptr;
  std::size_t vector_bytes_ = 1;
  // Per-coefficient kernel tables, coefficient (row j, column i) at index i * Pn + j so a
  // kernel walking the data shards reads them sequentially (layout: fec_kernel.hpp).
  std::vector<std::uint8_t> tables_;
};

// Prepared Cauchy encoders by block shape (D, Pn). A session's frames reuse a handful of
// shapes, and preparing SIMD tables per frame would cost more than the encoding itself.
// Bounded (oldest shape evicted). Not thread-safe: one cache per send thread.
class EncoderCache {
 public:
  explicit EncoderCache(Kernel kernel = best_kernel(), std::size_t max_entries = 32);
  // The encoder for (D, Pn); the pointer stays valid until the next call.
  Result<const Encoder*> cauchy(std::size_t data_shards, std::size_t parity_shards);

 private:
  Kernel kernel_;
  std::size_t max_entries_;
  std::vector<Encoder> entries_;  // most recently added last
};

// Rebuilds missing data shards in place (what the client does, fec.md §5; the host never
// decodes, our tests and test client do). shards: D + Pn pointers, each to shard_size bytes;
// present[k] tells whether shard k arrived. Fails when fewer than D shards are present.
// Only missing DATA shards are written (their pointers must be valid buffers); missing
// parity shards are left alone and their pointers may be null. Nothing is written on error.
Result<void> reconstruct(const Matrix& matrix, std::span<std::uint8_t* const> shards,
                         std::span<const bool> present, std::size_t shard_size);
// The same with an explicit kernel (tests run every kernel; unavailable -> best_kernel()).
Result<void> reconstruct(const Matrix& matrix, std::span<std::uint8_t* const> shards,
                         std::span<const bool> present, std::size_t shard_size, Kernel kernel);

}  // namespace lightwell::proto::fec
