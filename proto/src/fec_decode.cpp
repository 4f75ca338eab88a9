// Erasure decoding (fec.md §5): what the client does; our tests and test client use it.
//
// The textbook decoder picks D surviving rows of [I; M], inverts that D x D matrix A and
// multiplies. Most of A is identity rows (the surviving data shards), so we invert only the
// part that is not: with k data shards lost and k surviving parity rows r_a chosen,
//   p_{r_a} = sum_b M[r_a][lost_b] d_{lost_b} + sum_{i present} M[r_a][i] d_i
// so with B = M[r][lost] (k x k, a square sub-matrix of a Cauchy matrix, hence invertible):
//   d_{lost_b} = sum_a Binv[b][a] p_{r_a} + sum_{i present} (sum_a Binv[b][a] M[r_a][i]) d_i.
// Those coefficients are exactly the rows of A^-1 for the lost shards (block elimination of
// the same Gauss-Jordan), at O(k^3 + k^2 D) instead of O(D^3). The k x D recovery matrix is
// then run through an Encoder, so decoding uses the same SIMD kernels as encoding.
#include <string>
#include <vector>

#include "fec_gf.hpp"
#include "lightwell/proto/fec.hpp"

namespace lightwell::proto::fec {

namespace {

// In-place Gauss-Jordan inverse of the n x n row-major matrix a; false when singular.
bool invert(std::vector<std::uint8_t>& a, std::size_t n) {
  std::vector<std::uint8_t> inv(n * n, 0);
  for (std::size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    while (pivot < n && a[pivot * n + col] == 0) ++pivot;
    if (pivot == n) return false;
    if (pivot != col) {
      for (std::size_t k = 0; k < n; ++k) {
        std::swap(a[pivot * n + k], a[col * n + k]);
        std::swap(inv[pivot * n + k], inv[col * n + k]);
      }
    }
    const auto& scale = detail::kMul[detail::inv(a[col * n + col])];
    for (std::size_t k = 0; k < n; ++k) {
      a[col * n + k] = scale[a[col * n + k]];
      inv[col * n + k] = scale[inv[col * n + k]];
    }
    for (std::size_t row = 0; row < n; ++row) {
      const std::uint8_t factor = a[row * n + col];
      if (row == col || factor == 0) continue;
      const auto& f = detail::kMul[factor];
      for (std::size_t k = 0; k < n; ++k) {
        a[row * n + k] ^= f[a[col * n + k]];
        inv[row * n + k] ^= f[inv[col * n + k]];
      }
    }
  }
  a.swap(inv);
  return true;
}

}  // namespace

Result<void> reconstruct(const Matrix& matrix, std::span<std::uint8_t* const> shards,
                         std::span<const bool> present, std::size_t shard_size) {
  return reconstruct(matrix, shards, present, shard_size, best_kernel());
}

Result<void> reconstruct(const Matrix& matrix, std::span<std::uint8_t* const> shards,
                         std::span<const bool> present, std::size_t shard_size, Kernel kernel) {
  const std::size_t d = matrix.data_shards();
  const std::size_t p = matrix.parity_shards();
  if (shards.size() != d + p || present.size() != d + p) {
    return fail(Errc::out_of_range, "FEC reconstruct: " + std::to_string(shards.size()) + " shards and " +
                                        std::to_string(present.size()) + " present flags for a " +
                                        std::to_string(d) + "+" + std::to_string(p) + " block");
  }
  std::vector<std::size_t> lost;        // missing data shard indices
  std::vector<std::size_t> parity_rows;  // surviving parity rows used, one per lost shard
  std::size_t survivors = 0;
  for (std::size_t s = 0; s < d + p; ++s) {
    if (present[s]) ++survivors;
    if (s < d && !present[s]) lost.push_back(s);
  }
  if (survivors < d) {
    return fail(Errc::truncated, "FEC reconstruct: " + std::to_string(survivors) + " of " +
                                     std::to_string(d + p) + " shards present, need " + std::to_string(d));
  }
  for (std::size_t j = 0; j < p && parity_rows.size() < lost.size(); ++j) {
    if (present[d + j]) parity_rows.push_back(j);
  }
  for (std::size_t s = 0; s < d; ++s) {
    if (shards[s] == nullptr) return fail(Errc::out_of_range, "FEC reconstruct: data shard " + std::to_string(s) + " is null");
  }
  for (std::size_t j : parity_rows) {
    if (shards[d + j] == nullptr) return fail(Errc::out_of_range, "FEC reconstruct: parity shard " + std::to_string(j) + " is null");
  }
  if (lost.empty() || shard_size == 0) return {};

  const std::size_t k = lost.size();
  std::vector<std::uint8_t> b(k * k);
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t c = 0; c < k; ++c) b[a * k + c] = matrix.at(parity_rows[a], lost[c]);
  }
  // Never fails for the Cauchy matrix; the fixed audio matrix (fec.md §3) is checked by the
  // tests for every loss pattern, and a future custom matrix gets an error, not garbage.
  if (!invert(b, k)) return fail(Errc::malformed, "FEC reconstruct: singular sub-matrix for this loss pattern");

  // Recovery matrix: k outputs over D inputs = the surviving data shards, then the chosen parity.
  std::vector<const std::uint8_t*> inputs;
  inputs.reserve(d);
  std::vector<std::uint8_t> coef(k * d, 0);
  for (std::size_t i = 0; i < d; ++i) {
    if (!present[i]) continue;
    const std::size_t col = inputs.size();
    inputs.push_back(shards[i]);
    for (std::size_t out = 0; out < k; ++out) {
      std::uint8_t sum = 0;
      for (std::size_t a = 0; a < k; ++a) sum ^= gf_mul(b[out * k + a], matrix.at(parity_rows[a], i));
      coef[out * d + col] = sum;
    }
  }
  for (std::size_t a = 0; a < k; ++a) {
    const std::size_t col = inputs.size();
    inputs.push_back(shards[d + parity_rows[a]]);
    for (std::size_t out = 0; out < k; ++out) coef[out * d + col] = b[out * k + a];
  }
  std::vector<std::uint8_t*> outputs;
  outputs.reserve(k);
  for (std::size_t s : lost) outputs.push_back(shards[s]);

  auto recovery = Matrix::from_coefficients(d, k, std::move(coef));
  if (!recovery) return tl::unexpected(recovery.error());
  const Encoder encoder(std::move(*recovery), kernel);
  encoder.encode(inputs, outputs, shard_size);
  return {};
}

}  // namespace lightwell::proto::fec
