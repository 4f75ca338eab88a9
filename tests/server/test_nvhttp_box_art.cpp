// The built-in box art is a valid PNG: signature, chunk CRCs (computed here independently),
// IHDR, a zlib stream whose stored blocks and Adler-32 check out, and IEND.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "lightwell/server/nvhttp_service.hpp"

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Table-driven CRC-32 (ISO-HDLC), a different formulation from the generator's bitwise loop.
std::uint32_t crc(const std::uint8_t* p, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

}  // namespace

TEST_CASE("built-in box art is a well-formed PNG", "[nvhttp][png]") {
  const auto png = lightwell::server::default_box_art_png();
  REQUIRE(png.size() > 8 + 12 * 3);
  CHECK(std::vector<std::uint8_t>(png.begin(), png.begin() + 8) ==
        std::vector<std::uint8_t>{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
  std::size_t at = 8;
  std::vector<std::string> types;
  std::vector<std::uint8_t> zlib;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  while (at + 12 <= png.size()) {
    const std::uint32_t len = be32(&png[at]);
    REQUIRE(at + 12 + len <= png.size());
    const std::string type(reinterpret_cast<const char*>(&png[at + 4]), 4);
    types.push_back(type);
    CHECK(crc(&png[at + 4], 4 + len) == be32(&png[at + 8 + len]));
    if (type == "IHDR") {
      REQUIRE(len == 13);
      width = be32(&png[at + 8]);
      height = be32(&png[at + 12]);
      CHECK(png[at + 16] == 8);  // bit depth
      CHECK(png[at + 17] == 3);  // palette
    }
    if (type == "IDAT") zlib.insert(zlib.end(), png.begin() + static_cast<long>(at + 8), png.begin() + static_cast<long>(at + 8 + len));
    at += 12 + len;
  }
  CHECK(at == png.size());
  CHECK(types == std::vector<std::string>{"IHDR", "PLTE", "IDAT", "IEND"});
  CHECK(width == 120);
  CHECK(height == 170);
  // zlib: header, stored blocks only, Adler-32 of the raw scanlines
  REQUIRE(zlib.size() > 6);
  CHECK(((zlib[0] << 8) | zlib[1]) % 31 == 0);
  CHECK((zlib[0] & 0x0F) == 8);
  std::size_t p = 2;
  std::vector<std::uint8_t> raw;
  bool final_block = false;
  while (!final_block) {
    REQUIRE(p + 5 <= zlib.size());
    final_block = zlib[p] & 1;
    REQUIRE(((zlib[p] >> 1) & 3) == 0);
    const std::size_t len = zlib[p + 1] | (zlib[p + 2] << 8);
    const std::size_t nlen = zlib[p + 3] | (zlib[p + 4] << 8);
    CHECK((len ^ nlen) == 0xFFFF);
    REQUIRE(p + 5 + len <= zlib.size());
    raw.insert(raw.end(), zlib.begin() + static_cast<long>(p + 5), zlib.begin() + static_cast<long>(p + 5 + len));
    p += 5 + len;
  }
  REQUIRE(p + 4 == zlib.size());
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (std::uint8_t v : raw) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  CHECK(((b << 16) | a) == be32(&zlib[p]));
  REQUIRE(raw.size() == (width + 1) * height);
  for (std::uint32_t y = 0; y < height; ++y) {
    CHECK(raw[y * (width + 1)] == 0);  // filter type None on every row
  }
  for (std::uint8_t v : raw) CHECK(v <= 2);  // palette has 3 entries
}
