// The loop structure shared by every SIMD kernel (internal header, included only by the
// fec_kernel_<isa>.cpp files). An ISA file supplies an Ops struct in an anonymous namespace,
// so every instantiation stays internal to that file and its ISA flags.
//
// Ops provides:
//   Vec, In, Coef           vector type, a loaded data vector in the form madd wants, a coefficient
//   kWidth, kTableBytes     bytes per vector, bytes of prepared table per coefficient
//   load(p) / store(p, v)   unaligned
//   zero(), prepare(Vec) -> In, coef(table) -> Coef, madd(acc, In, Coef) -> acc ^ c*x
//   optionally madd2(acc, x0, c0, x1, c1) -> acc ^ c0*x0 ^ c1*x1 (one VPTERNLOG for both)
//
// Loop order (docs/fec.md): the shard is walked in chunks of V vectors. For one chunk, a group
// of R parity rows is held in R*V accumulator registers while every data shard is read once
// and multiplied by its R coefficients; then the accumulators are stored. All row groups of a
// chunk run back to back, so the chunk of every data shard (D * V * kWidth bytes) is read
// from L1 after the first group. Parity memory is only ever written, never read.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fec_kernel.hpp"

namespace lightwell::proto::fec::detail {
namespace {

template <class Ops, int R, int V>
[[gnu::always_inline]] inline void encode_chunk(const KernelJob& job, std::size_t j0, std::size_t off) noexcept {
  typename Ops::Vec acc[R][V];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = Ops::zero();
  }
  const std::size_t p = job.parity_count;
  const std::uint8_t* table = job.tables + j0 * Ops::kTableBytes;
  std::size_t i = 0;
  if constexpr (requires { Ops::madd2; }) {
    // Two data shards per step: one three-way XOR (VPTERNLOG) folds both products in.
    for (; i + 2 <= job.data_count; i += 2, table += 2 * p * Ops::kTableBytes) {
      const std::uint8_t* src0 = job.data[i] + off;
      const std::uint8_t* src1 = job.data[i + 1] + off;
      typename Ops::In x0[V], x1[V];
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        x0[v] = Ops::prepare(Ops::load(src0 + static_cast<std::size_t>(v) * Ops::kWidth));
        x1[v] = Ops::prepare(Ops::load(src1 + static_cast<std::size_t>(v) * Ops::kWidth));
      }
#pragma GCC unroll 32
      for (int r = 0; r < R; ++r) {
        const typename Ops::Coef c0 = Ops::coef(table + static_cast<std::size_t>(r) * Ops::kTableBytes);
        const typename Ops::Coef c1 = Ops::coef(table + (p + static_cast<std::size_t>(r)) * Ops::kTableBytes);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[r][v] = Ops::madd2(acc[r][v], x0[v], c0, x1[v], c1);
      }
    }
  }
  for (; i < job.data_count; ++i, table += p * Ops::kTableBytes) {
    const std::uint8_t* src = job.data[i] + off;
    typename Ops::In x[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) x[v] = Ops::prepare(Ops::load(src + static_cast<std::size_t>(v) * Ops::kWidth));
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      const typename Ops::Coef c = Ops::coef(table + static_cast<std::size_t>(r) * Ops::kTableBytes);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[r][v] = Ops::madd(acc[r][v], x[v], c);
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
    std::uint8_t* dst = job.parity[j0 + static_cast<std::size_t>(r)] + off;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) Ops::store(dst + static_cast<std::size_t>(v) * Ops::kWidth, acc[r][v]);
  }
}

// Row counts are template parameters so the accumulators live in registers.
template <class Ops, int V, int R>
void encode_rows(int rows, const KernelJob& job, std::size_t j0, std::size_t off) noexcept {
  if constexpr (R > 0) {
    if (rows == R) {
      encode_chunk<Ops, R, V>(job, j0, off);
    } else {
      encode_rows<Ops, V, R - 1>(rows, job, j0, off);
    }
  }
}

// All row groups for one chunk. Groups are balanced (sizes differ by at most one) so a
// 43-row block becomes 11+11+11+10 rather than 14+14+14+1.
template <class Ops, int V, int RMax>
void encode_column(const KernelJob& job, std::size_t off) noexcept {
  const std::size_t p = job.parity_count;
  const std::size_t groups = (p + RMax - 1) / RMax;
  const std::size_t base = p / groups;
  const std::size_t extra = p % groups;
  std::size_t j0 = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t rows = base + (g < extra ? 1 : 0);
    encode_rows<Ops, V, RMax>(static_cast<int>(rows), job, j0, off);
    j0 += rows;
  }
}

// Whole shards: chunks of V vectors, then single vectors, then (ragged tail) one vector
// ending exactly at shard_size, overlapping bytes already done. Recomputing them gives the
// same values and the kernel never reads parity, so the overlap is harmless. Shards shorter
// than one vector go to the scalar kernel (the avx2 and zmm entry points first try the next
// narrower kernel).
template <class Ops, int V, int RMax, int RMaxSingle>
void encode_blocks(const KernelJob& job) noexcept {
  constexpr std::size_t w = Ops::kWidth;
  const std::size_t s = job.shard_size;
  if (s < w) {
    encode_scalar(job);
    return;
  }
  std::size_t off = 0;
  for (; off + V * w <= s; off += V * w) encode_column<Ops, V, RMax>(job, off);
  for (; off + w <= s; off += w) encode_column<Ops, 1, RMaxSingle>(job, off);
  if (off < s) encode_column<Ops, 1, RMaxSingle>(job, s - w);
}

}  // namespace
}  // namespace lightwell::proto::fec::detail
