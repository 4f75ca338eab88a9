// Helpers shared by the test_fec_*.cpp files: the kernels this CPU runs, the xorshift32 data
// generator of tests/data/README-media-input.md, and unaligned shard buffers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lightwell/proto/fec.hpp"

namespace lightwell::test::fec {

namespace pf = lightwell::proto::fec;

inline std::vector<pf::Kernel> available_kernels() {
  std::vector<pf::Kernel> out;
  for (pf::Kernel k : {pf::Kernel::scalar, pf::Kernel::ssse3, pf::Kernel::avx2, pf::Kernel::gfni}) {
    if (pf::kernel_available(k)) out.push_back(k);
  }
  return out;
}

// Each available kernel, and GFNI also capped at ymm, so the 256-bit GFNI code is tested on
// AVX-512 machines too.
struct Variant {
  pf::Kernel kernel;
  pf::VectorWidth width;
  std::string name;
};
inline std::vector<Variant> available_variants() {
  std::vector<Variant> out;
  for (pf::Kernel k : available_kernels()) out.push_back({k, pf::VectorWidth::widest, pf::to_string(k)});
  if (pf::kernel_available(pf::Kernel::gfni)) out.push_back({pf::Kernel::gfni, pf::VectorWidth::max256, "gfni-ymm"});
  return out;
}

// README-media-input.md "fec_vectors.txt": one uint32 state carried across shards.
struct XorShift32 {
  std::uint32_t x;
  std::uint8_t next() {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return static_cast<std::uint8_t>(x & 0xFF);
  }
};

// count shards of size bytes each, every one starting `misalign` bytes past a 64-byte
// boundary (so kernels see unaligned pointers when misalign != 0).
class Shards {
 public:
  Shards(std::size_t count, std::size_t size, std::size_t misalign = 0) : size_(size) {
    const std::size_t stride = (size + 64 + 63) / 64 * 64;
    storage_.assign(count * stride + 128, 0);
    auto base = reinterpret_cast<std::uintptr_t>(storage_.data());
    const std::size_t first = (64 - base % 64) % 64 + misalign % 64;
    for (std::size_t i = 0; i < count; ++i) ptrs_.push_back(storage_.data() + first + i * stride);
  }
  std::uint8_t* operator[](std::size_t i) const { return ptrs_[i]; }
  std::vector<std::uint8_t*>& ptrs() { return ptrs_; }
  std::vector<const std::uint8_t*> cptrs() const { return {ptrs_.begin(), ptrs_.end()}; }
  std::vector<std::uint8_t> copy(std::size_t i) const { return {ptrs_[i], ptrs_[i] + size_}; }
  std::size_t count() const { return ptrs_.size(); }

 private:
  std::size_t size_;
  std::vector<std::uint8_t> storage_;
  std::vector<std::uint8_t*> ptrs_;
};

}  // namespace lightwell::test::fec
