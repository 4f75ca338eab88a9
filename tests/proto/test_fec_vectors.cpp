// Reed–Solomon parity against the vectors captured from the client's own RS code
// (tests/data/fec_vectors.txt, fec.md §7), for every kernel this CPU can run, plus the
// field and matrix facts of fec.md §1–§3.
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/proto/fec.hpp"
#include "test_fec_support.hpp"
#include "vector_file.hpp"

using namespace lightwell::proto::fec;
using lightwell::test::fec::available_variants;
using lightwell::test::fec::Shards;
using lightwell::test::fec::XorShift32;

namespace {

Matrix matrix_of(const lightwell::test::Record& rec) {
  const auto d = static_cast<std::size_t>(rec.integer("data_shards"));
  const auto p = static_cast<std::size_t>(rec.integer("parity_shards"));
  if (rec.get("matrix") == "audio_fixed") {
    REQUIRE(d == 4);
    REQUIRE(p == 2);
    return Matrix::audio();
  }
  REQUIRE(rec.get("matrix") == "cauchy");
  return Matrix::cauchy(d, p).value();
}

}  // namespace

TEST_CASE("fec_vectors.txt: parity byte for byte with every available kernel") {
  const auto records = lightwell::test::read_records("fec_vectors.txt");
  REQUIRE(records.size() == 9);  // fec.md §7: 7 video/Cauchy cases + 2 audio cases
  std::size_t checked_parity = 0;
  for (const auto& rec : records) {
    const std::string name = rec.get("name");
    INFO("case " << name);
    const Matrix m = matrix_of(rec);
    const std::size_t d = m.data_shards(), p = m.parity_shards();
    const auto s = static_cast<std::size_t>(rec.integer("shard_size"));

    // Listed matrix rows (only for small cases) against Matrix::at.
    const auto rows = rec.indexed("matrix_row");
    if (d * p <= 64) REQUIRE(rows.size() == p);
    for (std::size_t j = 0; j < rows.size(); ++j) {
      REQUIRE(rows[j].first == "matrix_row[" + std::to_string(j) + "]");
      const auto row = lightwell::test::unhex(rows[j].second);
      REQUIRE(row.size() == d);
      for (std::size_t i = 0; i < d; ++i) CHECK(m.at(j, i) == row[i]);
    }

    // Data: regenerate from the seed and check it is the listed data.
    const auto data_hex = rec.indexed("data");
    REQUIRE(data_hex.size() == d);
    XorShift32 gen{static_cast<std::uint32_t>(rec.integer("seed"))};
    Shards data(d, s);
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t k = 0; k < s; ++k) data[i][k] = gen.next();
      REQUIRE(data_hex[i].first == "data[" + std::to_string(i) + "]");
      REQUIRE(data.copy(i) == lightwell::test::unhex(data_hex[i].second));
    }
    const auto parity_hex = rec.indexed("parity");
    REQUIRE(parity_hex.size() == p);

    for (const auto& variant : available_variants()) {
      INFO("kernel " << variant.name);
      const Encoder enc(m, variant.kernel, variant.width);
      REQUIRE(enc.kernel() == variant.kernel);
      Shards parity(p, s);
      for (std::size_t j = 0; j < p; ++j) std::fill(parity[j], parity[j] + s, std::uint8_t{0xA5});  // overwritten
      enc.encode(data.cptrs(), parity.ptrs(), s);
      for (std::size_t j = 0; j < p; ++j) {
        REQUIRE(parity_hex[j].first == "parity[" + std::to_string(j) + "]");
        CHECK(parity.copy(j) == lightwell::test::unhex(parity_hex[j].second));
        ++checked_parity;
      }
    }
  }
  CHECK(checked_parity >= 143);  // every listed parity shard at least once
}

TEST_CASE("GF(2^8) handy values of fec.md §1") {
  CHECK(gf_inv(2) == 0x8E);
  CHECK(gf_inv(3) == 0xF4);
  CHECK(gf_inv(4) == 0x47);
  CHECK(gf_inv(5) == 0xA7);
  CHECK(gf_mul(2, 0x80) == 0x1D);  // x^8 reduces by 0x11D
  CHECK(gf_mul(0, 0x37) == 0);
  CHECK(gf_mul(0x37, 1) == 0x37);
  for (unsigned a = 1; a < 256; ++a) {
    INFO("a = " << a);
    REQUIRE(gf_mul(static_cast<std::uint8_t>(a), gf_inv(static_cast<std::uint8_t>(a))) == 1);
  }
  // Multiplication against the shift-and-reduce definition, every pair.
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      unsigned product = 0, x = a;
      for (unsigned bit = 0; bit < 8; ++bit) {
        if (b & (1u << bit)) product ^= x;
        x <<= 1;
        if (x & 0x100) x ^= 0x11D;
      }
      if (gf_mul(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)) != product) {
        FAIL("gf_mul(" << a << ", " << b << ")");
      }
    }
  }
}

TEST_CASE("Cauchy matrix examples of fec.md §2") {
  const Matrix m12 = Matrix::cauchy(1, 2).value();
  CHECK(m12.at(0, 0) == 0x8E);
  CHECK(m12.at(1, 0) == 0xF4);
  CHECK(gf_mul(0x8E, 0x21) == 0x9E);  // video_ds1_ps2 first bytes
  CHECK(gf_mul(0xF4, 0x21) == 0x1F);

  const Matrix m42 = Matrix::cauchy(4, 2).value();
  const std::uint8_t expect[2][4] = {{0x8e, 0xf4, 0x47, 0xa7}, {0xf4, 0x8e, 0xa7, 0x47}};
  for (std::size_t j = 0; j < 2; ++j) {
    for (std::size_t i = 0; i < 4; ++i) CHECK(m42.at(j, i) == expect[j][i]);
  }
  // Pn enters the matrix: (4,3) is not an extension of (4,2).
  CHECK(Matrix::cauchy(4, 3).value().at(0, 0) != m42.at(0, 0));

  const Matrix a = Matrix::audio();
  const std::uint8_t audio[8] = {0x77, 0x40, 0x38, 0x0e, 0xc7, 0xa7, 0x0d, 0x6c};  // fec.md §3
  REQUIRE(a.data_shards() == 4);
  REQUIRE(a.parity_shards() == 2);
  for (std::size_t k = 0; k < 8; ++k) CHECK(a.at(k / 4, k % 4) == audio[k]);
  REQUIRE(a.coefficients().size() == 8);
}

TEST_CASE("Matrix::cauchy and from_coefficients reject impossible shapes") {
  CHECK(Matrix::cauchy(0, 1).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::cauchy(1, 0).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::cauchy(0, 0).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::cauchy(200, 56).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::cauchy(255, 1).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::cauchy(254, 1).has_value());
  CHECK(Matrix::cauchy(1, 254).has_value());
  CHECK(Matrix::cauchy(212, 43).has_value());
  CHECK(Matrix::from_coefficients(2, 2, {1, 2, 3}).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::from_coefficients(0, 1, {}).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(Matrix::from_coefficients(2, 1, {7, 9}).value().at(0, 1) == 9);
}

TEST_CASE("EncoderCache reuses prepared encoders per shape and refuses bad shapes") {
  EncoderCache cache(best_kernel(), 2);
  const Encoder* a = cache.cauchy(10, 2).value();
  CHECK(cache.cauchy(10, 2).value() == a);
  CHECK(a->matrix().at(0, 0) == Matrix::cauchy(10, 2).value().at(0, 0));
  CHECK(a->kernel() == best_kernel());
  CHECK(cache.cauchy(0, 2).error().code == lightwell::proto::Errc::out_of_range);
  CHECK(cache.cauchy(250, 6).error().code == lightwell::proto::Errc::out_of_range);
  const Encoder* b = cache.cauchy(4, 3).value();
  CHECK(b->matrix().parity_shards() == 3);
  const Encoder* c = cache.cauchy(5, 1).value();  // evicts (10, 2)
  CHECK(c->matrix().data_shards() == 5);
  CHECK(cache.cauchy(10, 2).value()->matrix().data_shards() == 10);
}
