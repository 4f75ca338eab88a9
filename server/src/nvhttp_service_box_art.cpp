// The built-in box art (http-pairing.md §4: clients expect a PNG for every app). Generated at
// compile time from the drawing below, so the binary carries no image file and no third-party
// art: a 120x170 (Moonlight's poster aspect) 8-bit palette PNG, a framed "play" triangle.
// Encoding: one zlib stream with a single stored (uncompressed) deflate block, which every
// PNG decoder reads; ~20 KiB.
#include <array>
#include <cstdint>

#include "lightwell/server/nvhttp_service.hpp"

namespace lightwell::server {
namespace {

constexpr std::uint32_t kWidth = 120;
constexpr std::uint32_t kHeight = 170;
constexpr std::size_t kRawBytes = (kWidth + 1) * kHeight;  // filter byte 0 + one index per pixel
static_assert(kRawBytes <= 0xFFFF, "one stored deflate block holds at most 65535 bytes");
constexpr std::array<std::uint8_t, 9> kPalette{0x1E, 0x2A, 0x38,   // 0 background
                                               0x3D, 0x5A, 0x80,   // 1 frame
                                               0xE0, 0xE6, 0xED};  // 2 triangle

constexpr std::size_t kIdatBytes = 2 + 5 + kRawBytes + 4;  // zlib header, block header, data, Adler-32
constexpr std::size_t kPngBytes = 8 + (12 + 13) + (12 + kPalette.size()) + (12 + kIdatBytes) + 12;

constexpr std::uint8_t pixel(std::uint32_t x, std::uint32_t y) {
  const bool frame = (x >= 6 && x < kWidth - 6 && y >= 6 && y < kHeight - 6) &&
                     !(x >= 10 && x < kWidth - 10 && y >= 10 && y < kHeight - 10);
  if (frame) return 1;
  // Triangle pointing right, centred: rows 60..110, widest (38 px) at row 85, from x = 45.
  if (y >= 60 && y <= 110) {
    const std::uint32_t d = y >= 85 ? y - 85 : 85 - y;
    if (x >= 45 && x < 45 + (25 - d) * 38 / 25) return 2;
  }
  return 0;
}

constexpr std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

struct Writer {
  std::array<std::uint8_t, kPngBytes> out{};
  std::size_t at = 0;
  constexpr void byte(std::uint32_t b) { out[at++] = static_cast<std::uint8_t>(b); }
  constexpr void be32(std::uint32_t v) {
    byte(v >> 24);
    byte((v >> 16) & 0xFF);
    byte((v >> 8) & 0xFF);
    byte(v & 0xFF);
  }
  // Length, type and CRC around whatever body() writes.
  template <class Body>
  constexpr void chunk(const char (&type)[5], std::uint32_t length, Body body) {
    be32(length);
    const std::size_t crc_from = at;
    for (int i = 0; i < 4; ++i) byte(static_cast<std::uint8_t>(type[i]));
    body(*this);
    be32(crc32(out.data() + crc_from, at - crc_from));
  }
};

constexpr std::array<std::uint8_t, kPngBytes> make_png() {
  Writer w;
  constexpr std::array<std::uint8_t, 8> kSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  for (std::uint8_t b : kSignature) w.byte(b);
  w.chunk("IHDR", 13, [](Writer& c) {
    c.be32(kWidth);
    c.be32(kHeight);
    c.byte(8);  // bit depth
    c.byte(3);  // colour type: palette
    c.byte(0);  // deflate
    c.byte(0);  // adaptive filtering (every row uses filter 0)
    c.byte(0);  // not interlaced
  });
  w.chunk("PLTE", static_cast<std::uint32_t>(kPalette.size()), [](Writer& c) {
    for (std::uint8_t b : kPalette) c.byte(b);
  });
  w.chunk("IDAT", static_cast<std::uint32_t>(kIdatBytes), [](Writer& c) {
    c.byte(0x78);  // CM 8, 32K window
    c.byte(0x01);  // FCHECK: 0x7801 % 31 == 0, no dictionary, fastest
    c.byte(0x01);  // BFINAL 1, BTYPE 00 (stored)
    constexpr std::uint32_t len = kRawBytes;  // LEN and NLEN (its complement), little-endian
    c.byte(len & 0xFF);
    c.byte(len >> 8);
    c.byte(~len & 0xFF);
    c.byte((~len >> 8) & 0xFF);
    std::uint32_t a = 1;
    std::uint32_t b = 0;
    for (std::uint32_t y = 0; y < kHeight; ++y) {
      for (std::uint32_t x = 0; x <= kWidth; ++x) {
        const std::uint8_t v = x == 0 ? 0 : pixel(x - 1, y);
        c.byte(v);
        a = (a + v) % 65521;
        b = (b + a) % 65521;
      }
    }
    c.be32((b << 16) | a);
  });
  w.chunk("IEND", 0, [](Writer&) {});
  return w.out;
}

constexpr std::array<std::uint8_t, kPngBytes> kDefaultBoxArt = make_png();

}  // namespace

std::span<const std::uint8_t> default_box_art_png() { return kDefaultBoxArt; }

}  // namespace lightwell::server
