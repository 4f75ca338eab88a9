// XRGB8888 → NV12 (encode/convert.hpp) against the standards' formulas, computed here
// independently in floating point: ITU-R BT.601-7 §2.5 and BT.709-6 items 3.2–3.5
// (E'y = Kr E'r + (1 − Kr − Kb) E'g + Kb E'b; E'cb = (E'b − E'y) / (2 (1 − Kb));
// E'cr = (E'r − E'y) / (2 (1 − Kr)); 8-bit limited range Y = 16 + 219 E'y, C = 128 + 224 E'c),
// full range with 255 in place of 219 and 224 (H.264 Annex E, video_full_range_flag = 1).
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "lightwell/encode/convert.hpp"

namespace encode = lightwell::encode;
using encode::ColorSpace;
using encode::ConvertPath;
using encode::YuvFormat;

namespace {

// A picture in memory with padding after each row (pitches larger than the width).
struct Picture {
  std::uint32_t w, h;
  std::size_t pitch;
  std::vector<std::uint8_t> bgrx;
  Picture(std::uint32_t width, std::uint32_t height, std::size_t pad_bytes = 0)
      : w(width), h(height), pitch(4u * width + pad_bytes), bgrx(pitch * height, 0xEE) {}
  void set(std::uint32_t x, std::uint32_t y, std::uint8_t r, std::uint8_t g, std::uint8_t b, std::uint8_t a = 0) {
    std::uint8_t* p = &bgrx[y * pitch + 4u * x];
    p[0] = b, p[1] = g, p[2] = r, p[3] = a;
  }
  encode::XrgbView view() const { return {bgrx.data(), pitch, w, h}; }
};

constexpr std::uint8_t kSentinel = 0xA5;

struct Nv12 {
  std::uint32_t w, h;
  std::size_t y_pitch, uv_pitch;
  std::vector<std::uint8_t> y, uv;
  Nv12(std::uint32_t width, std::uint32_t height, std::size_t pad = 0)
      : w(width), h(height), y_pitch(width + pad), uv_pitch(2u * ((width + 1) / 2) + pad),
        y(y_pitch * height, kSentinel), uv(uv_pitch * ((height + 1) / 2), kSentinel) {}
  encode::Nv12View view() { return {y.data(), y_pitch, uv.data(), uv_pitch}; }
  std::uint8_t luma(std::uint32_t x, std::uint32_t row) const { return y[row * y_pitch + x]; }
  std::uint8_t cb(std::uint32_t cx, std::uint32_t cy) const { return uv[cy * uv_pitch + 2 * cx]; }
  std::uint8_t cr(std::uint32_t cx, std::uint32_t cy) const { return uv[cy * uv_pitch + 2 * cx + 1]; }
};

// Kr, Kb from the standards (BT.601-7 §2.5.1, BT.709-6 item 3.2, BT.2020-2 table 4).
void k_of(ColorSpace m, double& kr, double& kb) {
  switch (m) {
    case ColorSpace::rec601: kr = 0.299, kb = 0.114; return;
    case ColorSpace::rec709: kr = 0.2126, kb = 0.0722; return;
    case ColorSpace::rec2020: kr = 0.2627, kb = 0.0593; return;
  }
}

struct Yuv {
  double y, cb, cr;
};

// The standard's formula on 8-bit R'G'B' (0–255), unrounded.
Yuv reference(ColorSpace m, bool full, double r, double g, double b) {
  double kr = 0, kb = 0;
  k_of(m, kr, kb);
  const double ey = (kr * r + (1 - kr - kb) * g + kb * b) / 255.0;
  const double ecb = (b / 255.0 - ey) / (2 * (1 - kb));
  const double ecr = (r / 255.0 - ey) / (2 * (1 - kr));
  if (full) return {255 * ey, 128 + 255 * ecb, 128 + 255 * ecr};
  return {16 + 219 * ey, 128 + 224 * ecb, 128 + 224 * ecr};
}

double clamp255(double v) { return std::min(255.0, std::max(0.0, v)); }

// Every sample within ±1 code value of the formula (chroma: of the 2×2 average, the odd
// last column/row paired with itself), and nothing written outside the planes' widths.
void check_against_reference(const Picture& pic, const Nv12& out, YuvFormat f) {
  const auto px = [&pic](std::uint32_t x, std::uint32_t row, int ch) {
    return static_cast<double>(pic.bgrx[row * pic.pitch + 4u * x + static_cast<std::uint32_t>(ch)]);
  };
  for (std::uint32_t row = 0; row < pic.h; ++row) {
    for (std::uint32_t x = 0; x < pic.w; ++x) {
      const Yuv want = reference(f.matrix, f.full_range, px(x, row, 2), px(x, row, 1), px(x, row, 0));
      INFO("luma at " << x << "," << row);
      REQUIRE(std::abs(out.luma(x, row) - clamp255(want.y)) <= 1.0);
    }
    for (std::size_t x = pic.w; x < out.y_pitch; ++x) REQUIRE(out.y[row * out.y_pitch + x] == kSentinel);
  }
  for (std::uint32_t cy = 0; cy < (pic.h + 1) / 2; ++cy) {
    for (std::uint32_t cx = 0; cx < (pic.w + 1) / 2; ++cx) {
      const std::uint32_t xs[2] = {2 * cx, std::min(2 * cx + 1, pic.w - 1)};
      const std::uint32_t ys[2] = {2 * cy, std::min(2 * cy + 1, pic.h - 1)};
      double r = 0, g = 0, b = 0;
      for (std::uint32_t yy : ys) {
        for (std::uint32_t xx : xs) r += px(xx, yy, 2), g += px(xx, yy, 1), b += px(xx, yy, 0);
      }
      const Yuv want = reference(f.matrix, f.full_range, r / 4, g / 4, b / 4);
      INFO("chroma at " << cx << "," << cy);
      REQUIRE(std::abs(out.cb(cx, cy) - clamp255(want.cb)) <= 1.0);
      REQUIRE(std::abs(out.cr(cx, cy) - clamp255(want.cr)) <= 1.0);
    }
    for (std::size_t x = 2u * ((pic.w + 1) / 2); x < out.uv_pitch; ++x) REQUIRE(out.uv[cy * out.uv_pitch + x] == kSentinel);
  }
}

Picture random_picture(std::uint32_t w, std::uint32_t h, std::size_t pad, std::uint32_t seed) {
  Picture pic(w, h, pad);
  std::mt19937 rng(seed);
  for (auto& byte : pic.bgrx) byte = static_cast<std::uint8_t>(rng() >> 24);
  return pic;
}

const YuvFormat kAllFormats[] = {
    {ColorSpace::rec601, false}, {ColorSpace::rec601, true},  {ColorSpace::rec709, false},
    {ColorSpace::rec709, true},  {ColorSpace::rec2020, false}, {ColorSpace::rec2020, true},
};

// A 2×2 picture of one colour; returns Y, Cb, Cr.
std::array<int, 3> convert_solid(std::uint8_t r, std::uint8_t g, std::uint8_t b, YuvFormat f, ConvertPath path) {
  Picture pic(2, 2);
  for (std::uint32_t y = 0; y < 2; ++y)
    for (std::uint32_t x = 0; x < 2; ++x) pic.set(x, y, r, g, b, 0xFF);
  Nv12 out(2, 2);
  REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), out.view(), f, path));
  for (std::uint32_t y = 0; y < 2; ++y)
    for (std::uint32_t x = 0; x < 2; ++x) REQUIRE(out.luma(x, y) == out.luma(0, 0));
  return {out.luma(0, 0), out.cb(0, 0), out.cr(0, 0)};
}

std::vector<ConvertPath> supported_paths() {
  std::vector<ConvertPath> paths{ConvertPath::scalar};
  for (ConvertPath fast : {ConvertPath::avx2, ConvertPath::ssse3}) {
    if (encode::convert_path_supported(fast)) paths.push_back(fast);
  }
  return paths;
}

}  // namespace

TEST_CASE("convert: black, white and grey hit the range ends and Cb = Cr = 128 exactly", "[convert]") {
  for (ConvertPath path : supported_paths()) {
    for (YuvFormat f : kAllFormats) {
      const int lo = f.full_range ? 0 : 16, hi = f.full_range ? 255 : 235;
      CHECK(convert_solid(0, 0, 0, f, path) == std::array<int, 3>{lo, 128, 128});
      CHECK(convert_solid(255, 255, 255, f, path) == std::array<int, 3>{hi, 128, 128});
      const auto grey = convert_solid(128, 128, 128, f, path);
      CHECK(grey[1] == 128);
      CHECK(grey[2] == 128);
    }
  }
}

TEST_CASE("convert: primaries give the standards' code values", "[convert]") {
  // Rounded from the formulas above (hand-computed, e.g. BT.709 red: Y = 16 + 219·0.2126 =
  // 62.56 → 63; Cb = 128 − 224·0.2126/1.8556 = 102.34 → 102; Cr = 128 + 112 = 240).
  for (ConvertPath path : supported_paths()) {
    const YuvFormat bt709{ColorSpace::rec709, false}, bt601{ColorSpace::rec601, false};
    CHECK(convert_solid(255, 0, 0, bt709, path) == std::array<int, 3>{63, 102, 240});
    CHECK(convert_solid(0, 255, 0, bt709, path) == std::array<int, 3>{173, 42, 26});
    CHECK(convert_solid(0, 0, 255, bt709, path) == std::array<int, 3>{32, 240, 118});
    CHECK(convert_solid(255, 0, 0, bt601, path) == std::array<int, 3>{81, 90, 240});
    CHECK(convert_solid(0, 255, 0, bt601, path) == std::array<int, 3>{145, 54, 34});
    CHECK(convert_solid(0, 0, 255, bt601, path) == std::array<int, 3>{41, 240, 110});
    // Full range BT.709 red: Y = 255·0.2126 = 54.2; Cb = 128 − 127.5·0.2126/0.9278 = 98.8;
    // Cr = 128 + 127.5 = 255.5, clamped to 255.
    CHECK(convert_solid(255, 0, 0, {ColorSpace::rec709, true}, path) == std::array<int, 3>{54, 99, 255});
  }
}

TEST_CASE("convert: random pictures of odd sizes and padded pitches match the formulas within one code value", "[convert]") {
  const std::uint32_t sizes[][2] = {{1, 1}, {1, 2}, {2, 1}, {3, 3}, {17, 5}, {33, 7}, {64, 4}, {95, 9}};
  std::uint32_t seed = 1;
  for (ConvertPath path : supported_paths()) {
    for (YuvFormat f : kAllFormats) {
      for (const auto& s : sizes) {
        const Picture pic = random_picture(s[0], s[1], 12, seed++);
        Nv12 out(s[0], s[1], 5);
        REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), out.view(), f, path));
        check_against_reference(pic, out, f);
      }
    }
  }
}

TEST_CASE("convert: the SIMD kernels equal the scalar reference bit for bit", "[convert]") {
  const std::vector<ConvertPath> paths = supported_paths();
  if (paths.size() == 1) {
    WARN("this CPU has neither AVX2 nor SSSE3: only the scalar path exists here");
    return;
  }
  const std::uint32_t sizes[][2] = {{7, 3}, {8, 2}, {9, 1}, {15, 3}, {16, 2}, {17, 3}, {31, 1}, {32, 32}, {47, 11}, {129, 17}, {1921, 3}, {640, 361}};
  std::uint32_t seed = 100;
  for (YuvFormat f : kAllFormats) {
    for (const auto& s : sizes) {
      const Picture pic = random_picture(s[0], s[1], 4 * 3 + 8, seed++);
      Nv12 a(s[0], s[1], 7);
      REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), a.view(), f, ConvertPath::scalar));
      for (std::size_t i = 1; i < paths.size(); ++i) {
        Nv12 b(s[0], s[1], 7);
        REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), b.view(), f, paths[i]));
        INFO(s[0] << "x" << s[1] << " path " << static_cast<int>(paths[i]));
        REQUIRE(a.y == b.y);
        REQUIRE(a.uv == b.uv);
      }
    }
  }
}

TEST_CASE("convert: the alpha / X byte is ignored", "[convert]") {
  Picture x0 = random_picture(37, 6, 0, 7), xff = x0;
  for (std::size_t i = 3; i < x0.bgrx.size(); i += 4) x0.bgrx[i] = 0, xff.bgrx[i] = 0xFF;
  for (ConvertPath path : supported_paths()) {
    Nv12 a(37, 6), b(37, 6);
    REQUIRE(encode::convert_xrgb_to_nv12(x0.view(), a.view(), {}, path));
    REQUIRE(encode::convert_xrgb_to_nv12(xff.view(), b.view(), {}, path));
    CHECK(a.y == b.y);
    CHECK(a.uv == b.uv);
  }
}

TEST_CASE("convert: limited and full range differ as the standards scale them", "[convert]") {
  // Full-range Y spans 0–255, limited 16–235: Y_limited ≈ 16 + Y_full · 219/255.
  const Picture pic = random_picture(40, 4, 0, 9);
  Nv12 lim(40, 4), full(40, 4);
  REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), lim.view(), {ColorSpace::rec709, false}));
  REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), full.view(), {ColorSpace::rec709, true}));
  for (std::size_t i = 0; i < lim.y.size(); ++i) {
    CHECK(std::abs(lim.y[i] - (16 + full.y[i] * 219.0 / 255.0)) <= 1.5);
  }
}

TEST_CASE("convert: invalid geometry is refused and nothing is written", "[convert]") {
  Picture pic(8, 4);
  Nv12 out(8, 4);
  const auto untouched = [&out] {
    return std::all_of(out.y.begin(), out.y.end(), [](std::uint8_t v) { return v == kSentinel; }) &&
           std::all_of(out.uv.begin(), out.uv.end(), [](std::uint8_t v) { return v == kSentinel; });
  };
  auto src = pic.view();
  auto dst = out.view();
  for (ConvertPath path : supported_paths()) {
    auto s = src;
    s.pitch_bytes = 31;  // < 4 × 8
    CHECK_FALSE(encode::convert_xrgb_to_nv12(s, dst, {}, path));
    s = src;
    s.data = nullptr;
    CHECK_FALSE(encode::convert_xrgb_to_nv12(s, dst, {}, path));
    s = src;
    s.width_px = 0;
    CHECK_FALSE(encode::convert_xrgb_to_nv12(s, dst, {}, path));
    s = src;
    s.height_px = 0;
    CHECK_FALSE(encode::convert_xrgb_to_nv12(s, dst, {}, path));
    auto d = dst;
    d.y_pitch_bytes = 7;
    CHECK_FALSE(encode::convert_xrgb_to_nv12(src, d, {}, path));
    d = dst;
    d.uv_pitch_bytes = 7;
    CHECK_FALSE(encode::convert_xrgb_to_nv12(src, d, {}, path));
    d = dst;
    d.uv = nullptr;
    CHECK_FALSE(encode::convert_xrgb_to_nv12(src, d, {}, path));
    CHECK(untouched());
  }
}

TEST_CASE("convert: bands of row pairs put together equal the whole picture", "[convert]") {
  const Picture pic = random_picture(45, 13, 8, 21);
  for (ConvertPath path : supported_paths()) {
    Nv12 whole(45, 13, 3), bands(45, 13, 3);
    REQUIRE(encode::convert_xrgb_to_nv12(pic.view(), whole.view(), {}, path));
    REQUIRE(encode::convert_xrgb_to_nv12_rows(pic.view(), bands.view(), {}, 0, 4, path));
    REQUIRE(encode::convert_xrgb_to_nv12_rows(pic.view(), bands.view(), {}, 4, 5, path));  // rows 4–9
    REQUIRE(encode::convert_xrgb_to_nv12_rows(pic.view(), bands.view(), {}, 10, 100, path));
    CHECK(whole.y == bands.y);
    CHECK(whole.uv == bands.uv);
    CHECK_FALSE(encode::convert_xrgb_to_nv12_rows(pic.view(), bands.view(), {}, 3, 2, path));
  }
}
