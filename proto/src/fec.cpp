// Field arithmetic, the parity matrices of fec.md §2/§3, and the Encoder front end. The
// byte-crunching lives in fec_kernel_*.cpp, the CPU choice in fec_dispatch.cpp, decoding in
// fec_decode.cpp.
#include "lightwell/proto/fec.hpp"

#include <cassert>
#include <string>

#include "fec_gf.hpp"
#include "fec_kernel.hpp"

namespace lightwell::proto::fec {

std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) noexcept { return detail::mul(a, b); }

std::uint8_t gf_inv(std::uint8_t a) noexcept { return detail::inv(a); }

const char* to_string(Kernel kernel) noexcept {
  switch (kernel) {
    case Kernel::scalar: return "scalar";
    case Kernel::ssse3: return "ssse3";
    case Kernel::avx2: return "avx2";
    case Kernel::gfni: return "gfni";
  }
  return "unknown";
}

namespace {

Result<void> check_shape(std::size_t data_shards, std::size_t parity_shards) {
  if (data_shards == 0 || parity_shards == 0 || data_shards + parity_shards > kMaxTotalShards) {
    return fail(Errc::out_of_range, "FEC block of " + std::to_string(data_shards) + "+" +
                                        std::to_string(parity_shards) + " shards (need D,Pn >= 1, D+Pn <= 255)");
  }
  return {};
}

}  // namespace

Result<Matrix> Matrix::cauchy(std::size_t data_shards, std::size_t parity_shards) {
  if (auto ok = check_shape(data_shards, parity_shards); !ok) return tl::unexpected(ok.error());
  // fec.md §2: M[j][i] = inv((Pn + i) XOR j). Pn + i <= 254 and j < Pn <= Pn + i, so the
  // XOR is never 0 (x_j != y_i) and fits a byte.
  std::vector<std::uint8_t> coef(data_shards * parity_shards);
  for (std::size_t j = 0; j < parity_shards; ++j) {
    for (std::size_t i = 0; i < data_shards; ++i) {
      coef[j * data_shards + i] = gf_inv(static_cast<std::uint8_t>((parity_shards + i) ^ j));
    }
  }
  return Matrix(data_shards, parity_shards, std::move(coef));
}

Matrix Matrix::audio() {
  return Matrix(4, 2, {0x77, 0x40, 0x38, 0x0e, 0xc7, 0xa7, 0x0d, 0x6c});
}

Result<Matrix> Matrix::from_coefficients(std::size_t data_shards, std::size_t parity_shards,
                                         std::vector<std::uint8_t> coefficients) {
  if (auto ok = check_shape(data_shards, parity_shards); !ok) return tl::unexpected(ok.error());
  if (coefficients.size() != data_shards * parity_shards) {
    return fail(Errc::out_of_range, "FEC matrix of " + std::to_string(coefficients.size()) +
                                        " coefficients for " + std::to_string(parity_shards) + "x" +
                                        std::to_string(data_shards));
  }
  return Matrix(data_shards, parity_shards, std::move(coefficients));
}

Encoder::Encoder(Matrix matrix, Kernel kernel) : Encoder(std::move(matrix), kernel, VectorWidth::widest) {}

Encoder::Encoder(Matrix matrix, Kernel kernel, VectorWidth width)
    : matrix_(std::move(matrix)), kernel_(kernel_available(kernel) ? kernel : best_kernel()) {
  const detail::KernelChoice choice = detail::choose_kernel(kernel_, width);
  run_ = choice.run;
  vector_bytes_ = choice.vector_bytes;
  const std::size_t d = matrix_.data_shards();
  const std::size_t p = matrix_.parity_shards();
  if (choice.table_bytes == 0) return;
  tables_.resize(d * p * choice.table_bytes);
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j < p; ++j) choice.make_table(matrix_.at(j, i), &tables_[(i * p + j) * choice.table_bytes]);
  }
}

void Encoder::encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                     std::size_t shard_size) const {
  assert(data.size() == matrix_.data_shards() && parity.size() == matrix_.parity_shards());
  // Release builds: a caller bug must not turn into reads past the pointer arrays.
  if (data.size() != matrix_.data_shards() || parity.size() != matrix_.parity_shards()) return;
  if (shard_size == 0) return;
  const detail::KernelJob job{matrix_.coefficients().data(), tables_.data(), data.data(), data.size(),
                              parity.data(), parity.size(), shard_size};
  run_(job);
}

EncoderCache::EncoderCache(Kernel kernel, std::size_t max_entries)
    : kernel_(kernel), max_entries_(max_entries == 0 ? 1 : max_entries) {}

Result<const Encoder*> EncoderCache::cauchy(std::size_t data_shards, std::size_t parity_shards) {
  for (const Encoder& e : entries_) {
    if (e.matrix().data_shards() == data_shards && e.matrix().parity_shards() == parity_shards) return &e;
  }
  auto matrix = Matrix::cauchy(data_shards, parity_shards);
  if (!matrix) return tl::unexpected(matrix.error());
  if (entries_.size() == max_entries_) entries_.erase(entries_.begin());
  entries_.emplace_back(std::move(*matrix), kernel_);
  return &entries_.back();
}

}  // namespace lightwell::proto::fec
