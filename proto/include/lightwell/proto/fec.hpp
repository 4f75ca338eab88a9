// Reed–Solomon erasure code over GF(2^8) as the Moonlight client decodes it
// (shared/protocol/fec.md): polynomial 0x11D, systematic generator [I; M] with the Cauchy
// parity matrix M[j][i] = inv((Pn + i) XOR j) for video, and the fixed 4+2 matrix for audio.
// Our own implementation; the kernel (scalar or SIMD) is chosen at run time from CPUID.
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
enum class Kernel : std::uint8_t { scalar, ssse3, avx2, gfni };
const char* to_string(Kernel kernel) noexcept;
bool kernel_available(Kernel kernel) noexcept;  // does this CPU (and build) support it
Kernel best_kernel() noexcept;                   // fastest available kernel

// GF(2^8) arithmetic of fec.md §1 (exposed for tests and the decoder).
std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) noexcept;
std::uint8_t gf_inv(std::uint8_t a) noexcept;  // a != 0

// The Pn x D parity matrix, row-major.
class Matrix {
 public:
  // D >= 1, Pn >= 1, D + Pn <= 255, else out_of_range.
  static Result<Matrix> cauchy(std::size_t data_shards, std::size_t parity_shards);
  static Matrix audio();  // fec.md §3: D = 4, Pn = 2, fixed constants

  std::size_t data_shards() const noexcept { return data_; }
  std::size_t parity_shards() const noexcept { return parity_; }
  std::uint8_t at(std::size_t row, std::size_t col) const noexcept { return coef_[row * data_ + col]; }

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
  explicit Encoder(Matrix matrix, Kernel kernel = best_kernel());

  const Matrix& matrix() const noexcept { return matrix_; }
  Kernel kernel() const noexcept { return kernel_; }

  // data: D pointers, parity: Pn pointers, each to shard_size bytes (buffers borrowed for
  // the call; parity is overwritten). Sizes must match the matrix (checked by assert).
  void encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
              std::size_t shard_size) const;

 private:
  Matrix matrix_;
  Kernel kernel_;
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
Result<void> reconstruct(const Matrix& matrix, std::span<std::uint8_t* const> shards,
                         std::span<const bool> present, std::size_t shard_size);

}  // namespace lightwell::proto::fec
