#include "lightwell/proto/fec.hpp"

#include <array>
#include <cassert>
#include <cstring>
#include <string>

namespace lightwell::proto::fec {

namespace {

// fec.md §1: exp/log tables for polynomial 0x11D with generator 2, built at compile time.
struct Tables {
  std::array<std::uint8_t, 512> exp{};
  std::array<std::uint8_t, 256> log{};
};

constexpr Tables make_tables() {
  Tables t;
  unsigned x = 1;
  for (unsigned i = 0; i < 255; ++i) {
    t.exp[i] = static_cast<std::uint8_t>(x);
    t.exp[i + 255] = static_cast<std::uint8_t>(x);
    t.log[x] = static_cast<std::uint8_t>(i);
    x <<= 1;
    if (x & 0x100) x ^= 0x11D;
  }
  return t;
}

constexpr Tables kTables = make_tables();

}  // namespace

std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) noexcept {
  if (a == 0 || b == 0) return 0;
  return kTables.exp[kTables.log[a] + kTables.log[b]];
}

std::uint8_t gf_inv(std::uint8_t a) noexcept { return kTables.exp[255 - kTables.log[a]]; }

const char* to_string(Kernel kernel) noexcept {
  switch (kernel) {
    case Kernel::scalar: return "scalar";
    case Kernel::ssse3: return "ssse3";
    case Kernel::avx2: return "avx2";
    case Kernel::gfni: return "gfni";
  }
  return "unknown";
}

bool kernel_available(Kernel kernel) noexcept { return kernel == Kernel::scalar; }
Kernel best_kernel() noexcept { return Kernel::scalar; }

Result<Matrix> Matrix::cauchy(std::size_t data_shards, std::size_t parity_shards) {
  if (data_shards == 0 || parity_shards == 0 || data_shards + parity_shards > kMaxTotalShards) {
    return fail(Errc::out_of_range, "FEC block of " + std::to_string(data_shards) + "+" +
                                        std::to_string(parity_shards) + " shards (need D,Pn >= 1, D+Pn <= 255)");
  }
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

Encoder::Encoder(Matrix matrix, Kernel kernel) : matrix_(std::move(matrix)), kernel_(kernel) {}

void Encoder::encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                     std::size_t shard_size) const {
  assert(data.size() == matrix_.data_shards() && parity.size() == matrix_.parity_shards());
  for (std::size_t j = 0; j < parity.size(); ++j) {
    std::uint8_t* out = parity[j];
    std::memset(out, 0, shard_size);
    for (std::size_t i = 0; i < data.size(); ++i) {
      const std::uint8_t c = matrix_.at(j, i);
      const std::uint8_t* in = data[i];
      for (std::size_t k = 0; k < shard_size; ++k) out[k] ^= gf_mul(c, in[k]);
    }
  }
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

Result<void> reconstruct(const Matrix&, std::span<std::uint8_t* const>, std::span<const bool>, std::size_t) {
  return fail(Errc::unsupported, "FEC reconstruction not implemented yet");
}

}  // namespace lightwell::proto::fec
