// The picture the streaming guest test (stream_guest_main.cpp) puts on the screen and the
// host-side checker (stream_check_main.cpp) expects after decoding: 8 × 6 blocks of solid
// colours, every channel within 32..223 so limited-range YUV never clamps, and a cursor image.
// Also the file format the guest writes the received frames in. Test-only.
#pragma once

#include <array>
#include <cstdint>

namespace lightwell::test::stream_guest {

inline constexpr std::uint32_t kColumns = 8;
inline constexpr std::uint32_t kRows = 6;

struct Rgb {
  int r, g, b;
};

// Block (column i, row j) of picture `seed` (1 before the mode change, 2 after).
inline Rgb block_colour(std::uint32_t i, std::uint32_t j, std::uint32_t seed) {
  const int k = static_cast<int>(i + kColumns * j + 7 * seed);
  return Rgb{32 + (k * 27) % 192, 32 + (k * 71 + 40) % 192, 32 + (k * 113 + 90) % 192};
}

// XRGB8888 of pixel (x, y) on a w × h screen.
inline std::uint32_t screen_pixel(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  const Rgb c = block_colour(x * kColumns / w, y * kRows / h, seed);
  return (static_cast<std::uint32_t>(c.r) << 16) | (static_cast<std::uint32_t>(c.g) << 8) | static_cast<std::uint32_t>(c.b);
}

// The cursor: 64 × 64 premultiplied ARGB8888; left half opaque white, right half black at
// alpha 128 (premultiplied black is 0,0,0 with A = 128): composited, the right half is the
// block colour × 127/255.
inline constexpr std::uint32_t kCursorSize = 64;
inline std::uint32_t cursor_pixel(std::uint32_t x, std::uint32_t /*y*/) { return x < kCursorSize / 2 ? 0xFFFFFFFFU : 0x80000000U; }

// frames.bin: a header, then per frame: phase (1 byte: 1 before the mode change, 0 during,
// 2 after), frame type (1 byte), length (4 bytes LE), Annex B bytes.
struct FileHeader {
  char magic[8] = {'L', 'W', 'S', 'T', 'R', 'M', '0', '1'};
  std::uint32_t width1_px = 0, height1_px = 0;  // screen before (= the stream's size)
  std::uint32_t width2_px = 0, height2_px = 0;  // screen after the mode change
  std::uint32_t cursor_shown = 0;               // 1 when SetCursor worked (phase 1 only)
  std::int32_t cursor_x_px = 0, cursor_y_px = 0;
};

}  // namespace lightwell::test::stream_guest
