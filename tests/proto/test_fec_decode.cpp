// reconstruct() (fec.md §5): any D of the D + Pn shards rebuild every data shard, for the
// Cauchy matrix and the fixed audio matrix, with every kernel; and clean refusals.
#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <vector>

#include "lightwell/proto/fec.hpp"
#include "test_fec_support.hpp"

using namespace lightwell::proto::fec;
using lightwell::test::fec::available_kernels;
using lightwell::test::fec::Shards;

namespace {

struct Block {
  Block(const Matrix& m, std::size_t size, std::mt19937& rng, std::size_t misalign)
      : shards(m.data_shards() + m.parity_shards(), size, misalign), size_bytes(size) {
    const std::size_t d = m.data_shards();
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t k = 0; k < size; ++k) shards[i][k] = static_cast<std::uint8_t>(rng());
    }
    std::vector<const std::uint8_t*> data(shards.ptrs().begin(), shards.ptrs().begin() + static_cast<long>(d));
    std::vector<std::uint8_t*> parity(shards.ptrs().begin() + static_cast<long>(d), shards.ptrs().end());
    Encoder(m, Kernel::scalar).encode(data, parity, size);
    for (std::size_t s = 0; s < shards.count(); ++s) original.push_back(shards.copy(s));
  }
  Shards shards;
  std::size_t size_bytes;
  std::vector<std::vector<std::uint8_t>> original;
};

// Erases the shards flagged in lost (garbage in data, null pointer for parity), reconstructs,
// and requires every data shard back byte for byte.
void check_recovery(const Matrix& m, Block& block, const std::vector<bool>& lost, Kernel kernel) {
  const std::size_t d = m.data_shards(), n = d + m.parity_shards();
  std::vector<std::uint8_t*> ptrs = block.shards.ptrs();
  std::unique_ptr<bool[]> present(new bool[n]);
  for (std::size_t s = 0; s < n; ++s) {
    present[s] = !lost[s];
    if (!lost[s]) continue;
    if (s < d) {
      std::fill(ptrs[s], ptrs[s] + block.size_bytes, std::uint8_t{0x5A});
    } else {
      ptrs[s] = nullptr;  // parity need not exist when lost
    }
  }
  const auto r = reconstruct(m, ptrs, std::span<const bool>(present.get(), n), block.size_bytes, kernel);
  REQUIRE(r.has_value());
  for (std::size_t s = 0; s < d; ++s) REQUIRE(block.shards.copy(s) == block.original[s]);
}

}  // namespace

TEST_CASE("reconstruct: every loss pattern of up to Pn shards for all blocks with D + Pn <= 12") {
  std::mt19937 rng(7);
  const auto kernels = available_kernels();
  std::size_t patterns = 0;
  for (std::size_t d = 1; d <= 11; ++d) {
    for (std::size_t p = 1; d + p <= 12; ++p) {
      const Matrix m = Matrix::cauchy(d, p).value();
      const std::size_t n = d + p;
      const std::size_t size = 1 + rng() % 200;
      Block block(m, size, rng, rng() % 64);
      for (unsigned mask = 0; mask < (1u << n); ++mask) {
        if (static_cast<std::size_t>(__builtin_popcount(mask)) > p) continue;
        std::vector<bool> lost(n);
        for (std::size_t s = 0; s < n; ++s) lost[s] = (mask >> s) & 1u;
        INFO("D=" << d << " Pn=" << p << " size=" << size << " lost mask=" << mask);
        check_recovery(m, block, lost, kernels[patterns % kernels.size()]);
        ++patterns;
      }
    }
  }
  CHECK(patterns > 10000);
}

TEST_CASE("reconstruct: the fixed audio matrix survives every loss of up to 2 of 6 shards") {
  std::mt19937 rng(8);
  const Matrix m = Matrix::audio();
  for (std::size_t size : {60u, 64u, 1u, 17u, 333u}) {
    Block block(m, size, rng, size % 5);
    for (unsigned mask = 0; mask < 64; ++mask) {
      if (__builtin_popcount(mask) > 2) continue;
      std::vector<bool> lost(6);
      for (std::size_t s = 0; s < 6; ++s) lost[s] = (mask >> s) & 1u;
      for (Kernel kernel : available_kernels()) {
        INFO("size=" << size << " mask=" << mask << " kernel " << to_string(kernel));
        check_recovery(m, block, lost, kernel);
      }
    }
  }
}

TEST_CASE("reconstruct: random shapes and sampled loss patterns, up to 212+43 and 170+85") {
  std::mt19937 rng(9);
  const auto kernels = available_kernels();
  struct Shape {
    std::size_t d, p;
  };
  std::vector<Shape> shapes{{212, 43}, {170, 85}, {254, 1}, {1, 254}, {59, 12}, {44, 9}};
  for (int i = 0; i < 20; ++i) {
    const std::size_t d = 1 + rng() % 254;
    shapes.push_back({d, 1 + rng() % (255 - d)});
  }
  for (const Shape& shape : shapes) {
    const Matrix m = Matrix::cauchy(shape.d, shape.p).value();
    const std::size_t n = shape.d + shape.p;
    const std::size_t size = 1 + rng() % 2000;
    Block block(m, size, rng, rng() % 64);
    for (int pattern = 0; pattern < 6; ++pattern) {
      // Patterns 0, 2, 4 lose exactly Pn random shards, 3 and 5 fewer, 1 the leading data.
      const std::size_t count = pattern % 2 == 0 ? shape.p : rng() % (shape.p + 1);
      std::vector<bool> lost(n, false);
      for (std::size_t k = 0; k < count;) {
        const std::size_t s = rng() % n;
        if (!lost[s]) lost[s] = true, ++k;
      }
      if (pattern == 1) {  // the first min(D, Pn) data shards: the most data to rebuild
        std::fill(lost.begin(), lost.end(), false);
        std::fill(lost.begin(), lost.begin() + static_cast<long>(std::min(shape.d, shape.p)), true);
      }
      INFO("D=" << shape.d << " Pn=" << shape.p << " size=" << size << " pattern " << pattern);
      check_recovery(m, block, lost, kernels[static_cast<std::size_t>(pattern) % kernels.size()]);
    }
  }
}

TEST_CASE("reconstruct refuses too few shards and mismatched sizes, writing nothing") {
  std::mt19937 rng(10);
  const Matrix m = Matrix::cauchy(4, 2).value();
  Block block(m, 50, rng, 0);
  std::vector<std::uint8_t*> ptrs = block.shards.ptrs();
  bool present[6] = {false, false, false, true, true, true};  // 3 of 6 present, D = 4
  for (std::size_t s = 0; s < 3; ++s) std::fill(ptrs[s], ptrs[s] + 50, std::uint8_t{0x11});
  auto r = reconstruct(m, ptrs, present, 50);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == lightwell::proto::Errc::truncated);
  for (std::size_t s = 0; s < 3; ++s) CHECK(block.shards.copy(s) == std::vector<std::uint8_t>(50, 0x11));

  bool all[6] = {true, true, true, true, true, true};
  CHECK(reconstruct(m, std::span(ptrs).first(5), all, 50).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(reconstruct(m, ptrs, std::span<const bool>(all, 5), 50).error().code == lightwell::proto::Errc::out_of_range);

  // Nothing lost: success, untouched. Lost parity only: success, data untouched.
  for (std::size_t s = 0; s < 6; ++s) ptrs[s] = block.shards[s];
  for (std::size_t s = 0; s < 6; ++s) std::copy(block.original[s].begin(), block.original[s].end(), ptrs[s]);
  CHECK(reconstruct(m, ptrs, all, 50).has_value());
  bool no_parity[6] = {true, true, true, true, false, false};
  ptrs[4] = ptrs[5] = nullptr;
  CHECK(reconstruct(m, ptrs, no_parity, 50).has_value());
  for (std::size_t s = 0; s < 4; ++s) CHECK(block.shards.copy(s) == block.original[s]);

  // A lost data shard without a buffer to rebuild into, or a "present" shard that is null.
  bool one_lost[6] = {false, true, true, true, true, true};
  ptrs = block.shards.ptrs();
  ptrs[0] = nullptr;
  CHECK(reconstruct(m, ptrs, one_lost, 50).error().code == lightwell::proto::Errc::out_of_range);
  ptrs = block.shards.ptrs();
  ptrs[4] = nullptr;
  CHECK(reconstruct(m, ptrs, one_lost, 50).error().code == lightwell::proto::Errc::out_of_range);
  // Five of six with one data lost: fine.
  ptrs = block.shards.ptrs();
  std::fill(ptrs[0], ptrs[0] + 50, std::uint8_t{0});
  REQUIRE(reconstruct(m, ptrs, one_lost, 50).has_value());
  CHECK(block.shards.copy(0) == block.original[0]);
}
