// Every kernel computes the same parity as a byte-by-byte reference built on gf_mul, for odd
// sizes, ragged tails and unaligned pointers, and writes nothing outside the parity shards.
// Also: the dispatcher's answers agree with what the kernel reports in /proc/cpuinfo.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "lightwell/proto/fec.hpp"
#include "test_fec_support.hpp"

using namespace lightwell::proto::fec;
using lightwell::test::fec::available_variants;
using lightwell::test::fec::Shards;

namespace {

void reference_encode(const Matrix& m, const Shards& data, Shards& parity, std::size_t size) {
  for (std::size_t j = 0; j < m.parity_shards(); ++j) {
    for (std::size_t k = 0; k < size; ++k) {
      std::uint8_t acc = 0;
      for (std::size_t i = 0; i < m.data_shards(); ++i) acc ^= gf_mul(m.at(j, i), data[i][k]);
      parity[j][k] = acc;
    }
  }
}

// Runs every kernel on one shape; all must match the reference and leave guard bytes alone.
void check_shape(std::mt19937& rng, const Matrix& m, std::size_t size, std::size_t misalign_data,
                 std::size_t misalign_parity) {
  const std::size_t d = m.data_shards(), p = m.parity_shards();
  INFO("D=" << d << " Pn=" << p << " size=" << size << " misalign=" << misalign_data << "/" << misalign_parity);
  Shards data(d, size, misalign_data);
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t k = 0; k < size; ++k) data[i][k] = static_cast<std::uint8_t>(rng());
  }
  Shards expect(p, size);
  reference_encode(m, data, expect, size);
  for (const auto& variant : available_variants()) {
    INFO("kernel " << variant.name);
    Shards parity(p, size + 64, misalign_parity);  // 64 guard bytes after each shard
    for (std::size_t j = 0; j < p; ++j) std::fill(parity[j], parity[j] + size + 64, std::uint8_t{0xEE});
    const Encoder enc(m, variant.kernel, variant.width);
    enc.encode(data.cptrs(), parity.ptrs(), size);
    for (std::size_t j = 0; j < p; ++j) {
      REQUIRE(std::equal(parity[j], parity[j] + size, expect[j]));
      for (std::size_t g = size; g < size + 64; ++g) REQUIRE(parity[j][g] == 0xEE);
    }
  }
}

std::set<std::string> cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string w; words >> w;) flags.insert(w);
    break;
  }
  return flags;
}

}  // namespace

TEST_CASE("every kernel matches the reference for sizes around every vector width") {
  std::mt19937 rng(1234);
  const Matrix m = Matrix::cauchy(7, 5).value();
  for (std::size_t size : {1u, 2u, 15u, 16u, 17u, 31u, 32u, 33u, 47u, 63u, 64u, 65u, 96u, 127u, 128u, 129u,
                           191u, 192u, 255u, 256u, 257u, 1000u, 1024u, 1039u, 1392u, 1393u}) {
    check_shape(rng, m, size, size % 7, size % 13);
  }
}

TEST_CASE("every kernel matches the reference for random shapes, sizes and alignments") {
  std::mt19937 rng(99);
  for (int round = 0; round < 60; ++round) {
    const std::size_t d = 1 + rng() % 60;
    const std::size_t p = 1 + rng() % 40;  // up to 40 rows: several balanced row groups
    const std::size_t size = 1 + rng() % 2000;
    check_shape(rng, Matrix::cauchy(d, p).value(), size, rng() % 64, rng() % 64);
  }
  check_shape(rng, Matrix::cauchy(212, 43).value(), 1392, 3, 5);
  check_shape(rng, Matrix::cauchy(170, 85).value(), 333, 0, 1);
  check_shape(rng, Matrix::cauchy(1, 254).value(), 77, 1, 0);
  check_shape(rng, Matrix::cauchy(254, 1).value(), 200, 0, 63);
  check_shape(rng, Matrix::audio(), 60, 1, 2);
  check_shape(rng, Matrix::audio(), 61, 0, 0);
}

TEST_CASE("Encoder with every coefficient value (table builders cover the whole field)") {
  // One 255-row matrix column per coefficient value 1..255 plus 0: every byte times every
  // coefficient, through each kernel's prepared tables.
  std::vector<std::uint8_t> coef(256);
  for (unsigned c = 0; c < 256; ++c) coef[c] = static_cast<std::uint8_t>(c);
  // D = 1, Pn = 254 can hold 254 coefficients; run two matrices to cover all 256.
  for (unsigned start : {0u, 2u}) {
    std::vector<std::uint8_t> rows(coef.begin() + start, coef.begin() + start + 254);
    const Matrix m = Matrix::from_coefficients(1, 254, rows).value();
    Shards data(1, 256);
    for (unsigned x = 0; x < 256; ++x) data[0][x] = static_cast<std::uint8_t>(x);
    for (const auto& variant : available_variants()) {
      INFO("kernel " << variant.name);
      Shards parity(254, 256);
      Encoder(m, variant.kernel, variant.width).encode(data.cptrs(), parity.ptrs(), 256);
      for (std::size_t j = 0; j < 254; ++j) {
        for (unsigned x = 0; x < 256; ++x) {
          if (parity[j][x] != gf_mul(rows[j], static_cast<std::uint8_t>(x))) FAIL("c=" << unsigned(rows[j]) << " x=" << x);
        }
      }
    }
  }
}

TEST_CASE("kernel_available and best_kernel tell the truth about this CPU") {
  CHECK(kernel_available(Kernel::scalar));
  CHECK(kernel_available(best_kernel()));
  const auto flags = cpu_flags();
  if (flags.empty()) {
    WARN("no /proc/cpuinfo flags; only self-consistency checked");
  } else {
    // Linux lists avx/avx2/avx512* only when it enables their register state (XCR0).
    const bool avx2 = flags.count("avx2") != 0;
    CHECK(kernel_available(Kernel::ssse3) == (flags.count("ssse3") != 0));
    CHECK(kernel_available(Kernel::avx2) == avx2);
    CHECK(kernel_available(Kernel::gfni) == (avx2 && flags.count("gfni") != 0));
    const Kernel expect = kernel_available(Kernel::gfni) ? Kernel::gfni
                          : avx2                         ? Kernel::avx2
                          : flags.count("ssse3")         ? Kernel::ssse3
                                                         : Kernel::scalar;
    CHECK(best_kernel() == expect);
    if (kernel_available(Kernel::gfni)) {
      const bool zmm = flags.count("avx512f") != 0 && flags.count("avx512bw") != 0;
      CHECK(Encoder(Matrix::audio(), Kernel::gfni).vector_bytes() == (zmm ? 64u : 32u));
      CHECK(Encoder(Matrix::audio(), Kernel::gfni, VectorWidth::max256).vector_bytes() == 32u);
    }
  }
  CHECK(Encoder(Matrix::audio(), Kernel::scalar).vector_bytes() == 1u);
  for (Kernel k : {Kernel::scalar, Kernel::ssse3, Kernel::avx2, Kernel::gfni}) {
    const Encoder enc(Matrix::cauchy(2, 1).value(), k);
    CHECK(enc.kernel() == (kernel_available(k) ? k : best_kernel()));
  }
  CHECK(std::string(to_string(Kernel::gfni)) == "gfni");
  CHECK(std::string(to_string(Kernel::scalar)) == "scalar");
}

TEST_CASE("kernels read and write only inside exactly-sized shard buffers") {
  // Each shard its own heap block of exactly size bytes, so under ASan (LIGHTWELL_SANITIZE)
  // any read or write past a shard, e.g. by a ragged-tail vector, is reported.
  std::mt19937 rng(5);
  const Matrix m = Matrix::cauchy(5, 3).value();
  for (std::size_t size = 1; size <= 300; size += (size < 140 ? 1 : 37)) {
    std::vector<std::vector<std::uint8_t>> data(5, std::vector<std::uint8_t>(size));
    for (auto& shard : data) {
      for (auto& b : shard) b = static_cast<std::uint8_t>(rng());
    }
    std::vector<const std::uint8_t*> in;
    for (const auto& shard : data) in.push_back(shard.data());
    std::vector<std::vector<std::uint8_t>> expect;
    for (const auto& variant : available_variants()) {
      INFO("kernel " << variant.name << " size " << size);
      std::vector<std::vector<std::uint8_t>> parity(3, std::vector<std::uint8_t>(size));
      std::vector<std::uint8_t*> out;
      for (auto& shard : parity) out.push_back(shard.data());
      Encoder(m, variant.kernel, variant.width).encode(in, out, size);
      if (expect.empty()) expect = parity;  // scalar comes first
      REQUIRE(parity == expect);
    }
  }
}

TEST_CASE("encode with zero-length shards writes nothing") {
  const Matrix m = Matrix::cauchy(3, 2).value();
  std::uint8_t data[3] = {1, 2, 3};
  std::uint8_t parity[2] = {0x77, 0x77};
  const std::uint8_t* in[3] = {&data[0], &data[1], &data[2]};
  std::uint8_t* out[2] = {&parity[0], &parity[1]};
  for (const auto& variant : available_variants()) {
    Encoder(m, variant.kernel, variant.width).encode(in, out, 0);
    CHECK(parity[0] == 0x77);
    CHECK(parity[1] == 0x77);
  }
}
