// GF(2^8) of fec.md §1 as compile-time tables, shared by fec*.cpp (internal header).
// Polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator alpha = 2.
#pragma once

#include <array>
#include <cstdint>

namespace lightwell::proto::fec::detail {

struct GfTables {
  std::array<std::uint8_t, 512> exp{};  // doubled so exp[log a + log b] needs no "mod 255"
  std::array<std::uint8_t, 256> log{};
};

constexpr GfTables make_gf_tables() {
  GfTables t;
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

inline constexpr GfTables kGf = make_gf_tables();

constexpr std::uint8_t mul(std::uint8_t a, std::uint8_t b) noexcept {
  if (a == 0 || b == 0) return 0;
  return kGf.exp[static_cast<unsigned>(kGf.log[a]) + kGf.log[b]];
}

constexpr std::uint8_t inv(std::uint8_t a) noexcept {  // a != 0
  return kGf.exp[255 - static_cast<unsigned>(kGf.log[a])];
}

// The full 64 KiB product table: kMul[c] is the "multiply by c" row the scalar kernel and
// the decoder's row operations use (one load per product instead of two logs and an exp).
using MulTable = std::array<std::array<std::uint8_t, 256>, 256>;
constexpr MulTable make_mul_table() {
  MulTable t{};
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      t[a][b] = mul(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b));
    }
  }
  return t;
}
inline constexpr MulTable kMul = make_mul_table();

}  // namespace lightwell::proto::fec::detail
