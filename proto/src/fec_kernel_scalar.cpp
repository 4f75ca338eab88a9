// Portable kernel and the SIMD table builders (plain x86-64 code, no ISA flags).
#include <algorithm>
#include <cstring>

#include "fec_gf.hpp"
#include "fec_kernel.hpp"

namespace lightwell::proto::fec::detail {

// PSHUFB split-nibble tables: c*x = c*(x & 0x0F) XOR c*(x & 0xF0) because multiplication
// distributes over XOR, so two 16-entry lookups (low nibble, high nibble) give any product.
void make_nibble_table(std::uint8_t c, std::uint8_t* out) noexcept {
  const auto& row = kMul[c];
  for (unsigned n = 0; n < 16; ++n) {
    out[n] = row[n];
    out[16 + n] = row[n << 4];
  }
}

// GF2P8AFFINEQB computes, per byte x, result bit b = parity(row_b AND x) where row_b is
// byte (7 - b) of the qword matrix (Intel SDM, "affine transformation"). x -> c*x is linear
// over GF(2) for any field polynomial: c*x = XOR over set bits k of x of c*2^k. So row_b
// has bit k set exactly when bit b of c*2^k is set. (The instruction's own 0x11B reduction
// only applies to GF2P8MULB; the affine form is polynomial-agnostic, hence usable for 0x11D.)
// Built as: qword with byte k = c*2^k (the columns), 8x8 bit transpose (three delta swaps)
// so byte b = row_b, byte swap so row_b lands in byte 7 - b. The decoder builds one table
// per recovery coefficient on every call, so this is kept to a few dozen operations.
void make_affine_table(std::uint8_t c, std::uint8_t* out) noexcept {
  std::uint64_t x = 0;
  unsigned column = c;
  for (unsigned k = 0; k < 8; ++k) {
    x |= static_cast<std::uint64_t>(column) << (8 * k);
    column <<= 1;  // times 2, reduced by 0x11D (fec.md §1)
    if (column & 0x100) column ^= 0x11D;
  }
  std::uint64_t t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAull;
  x ^= t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCull;
  x ^= t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ull;
  x ^= t ^ (t << 28);
  x = __builtin_bswap64(x);
  for (unsigned b = 0; b < 8; ++b) out[b] = static_cast<std::uint8_t>(x >> (8 * b));
}

// Byte-wise product rows, blocked by 1 KiB of the shard so that block of every data shard
// stays in L1 while all parity rows are produced from it.
void encode_scalar(const KernelJob& job) noexcept {
  constexpr std::size_t kBlock = 1024;
  const std::size_t d = job.data_count;
  for (std::size_t off = 0; off < job.shard_size; off += kBlock) {
    const std::size_t n = std::min(kBlock, job.shard_size - off);
    for (std::size_t j = 0; j < job.parity_count; ++j) {
      std::uint8_t* out = job.parity[j] + off;
      const std::uint8_t* row = kMul[job.coef[j * d]].data();
      const std::uint8_t* in = job.data[0] + off;
      for (std::size_t k = 0; k < n; ++k) out[k] = row[in[k]];
      for (std::size_t i = 1; i < d; ++i) {
        row = kMul[job.coef[j * d + i]].data();
        in = job.data[i] + off;
        for (std::size_t k = 0; k < n; ++k) out[k] = static_cast<std::uint8_t>(out[k] ^ row[in[k]]);
      }
    }
  }
}

}  // namespace lightwell::proto::fec::detail
