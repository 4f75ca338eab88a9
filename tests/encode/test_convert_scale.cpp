// fit_rect / scale_xrgb_letterbox (convert.hpp): the step used when the screen's size differs
// from the stream's. Expected rectangles are worked out by hand from the aspect ratios.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "lightwell/encode/convert.hpp"

using namespace lightwell::encode;

namespace {

std::uint32_t px(const std::vector<std::uint8_t>& b, std::size_t pitch, std::uint32_t x, std::uint32_t y) {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + y * pitch + x * 4U, 4);
  return v;
}

std::vector<std::uint8_t> numbered(std::uint32_t w, std::uint32_t h, std::size_t pitch) {
  std::vector<std::uint8_t> b(pitch * h, 0xEE);
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint32_t v = 0xFF000000U | (y << 12) | x;  // distinct per pixel
      std::memcpy(b.data() + y * pitch + x * 4U, &v, 4);
    }
  }
  return b;
}

}  // namespace

TEST_CASE("fit_rect: aspect kept, centred, even", "[convert][scale]") {
  // 16:10 screen in a 16:9 stream: 1080 × 16/10 = 1728 wide, (1920 − 1728)/2 = 96 each side.
  auto r = fit_rect(1280, 800, 1920, 1080);
  CHECK(r.x_px == 96);
  CHECK(r.y_px == 0);
  CHECK(r.width_px == 1728);
  CHECK(r.height_px == 1080);
  // 4:3 in 16:9: 1440 wide, bars of 240.
  r = fit_rect(1024, 768, 1920, 1080);
  CHECK((r.x_px == 240 && r.y_px == 0 && r.width_px == 1440 && r.height_px == 1080));
  // 16:9 in 4:3 (letterbox): 1024 wide, 576 high, bars of 96 above and below.
  r = fit_rect(1920, 1080, 1024, 768);
  CHECK((r.x_px == 0 && r.y_px == 96 && r.width_px == 1024 && r.height_px == 576));
  // Same shape: the whole frame.
  r = fit_rect(3840, 2160, 1280, 720);
  CHECK((r.x_px == 0 && r.y_px == 0 && r.width_px == 1280 && r.height_px == 720));
  // Odd results are rounded down to even: 800 × 1366/768 = 1422.9 → 1422, (1440−1422)/2 = 9 → 8.
  r = fit_rect(1366, 768, 1440, 800);
  CHECK((r.width_px == 1422 && r.height_px == 800 && r.x_px == 8 && r.y_px == 0));
  // Refusals give an empty rectangle.
  CHECK(fit_rect(0, 10, 100, 100).width_px == 0);
  CHECK(fit_rect(10, 10, 1, 100).width_px == 0);
}

TEST_CASE("scale_xrgb_letterbox: same size is a copy, padding of the source ignored", "[convert][scale]") {
  const auto src = numbered(6, 4, 40);
  std::vector<std::uint8_t> dst(6 * 4 * 4, 0x55);
  REQUIRE(scale_xrgb_letterbox(XrgbView{src.data(), 40, 6, 4}, dst.data(), 24, 6, 4));
  for (std::uint32_t y = 0; y < 4; ++y) {
    for (std::uint32_t x = 0; x < 6; ++x) CHECK(px(dst, 24, x, y) == px(src, 40, x, y));
  }
}

TEST_CASE("scale_xrgb_letterbox: 2x up makes 2x2 blocks, 2x down takes the pixel under each centre", "[convert][scale]") {
  const auto src = numbered(4, 2, 16);
  std::vector<std::uint8_t> up(8 * 4 * 4);
  REQUIRE(scale_xrgb_letterbox(XrgbView{src.data(), 16, 4, 2}, up.data(), 32, 8, 4));
  for (std::uint32_t y = 0; y < 4; ++y) {
    for (std::uint32_t x = 0; x < 8; ++x) CHECK(px(up, 32, x, y) == px(src, 16, x / 2, y / 2));
  }
  const auto big = numbered(8, 4, 32);
  std::vector<std::uint8_t> down(4 * 2 * 4);
  REQUIRE(scale_xrgb_letterbox(XrgbView{big.data(), 32, 8, 4}, down.data(), 16, 4, 2));
  // Destination pixel x covers source [2x, 2x+2); its centre 2x+1 is the pixel taken.
  for (std::uint32_t y = 0; y < 2; ++y) {
    for (std::uint32_t x = 0; x < 4; ++x) CHECK(px(down, 16, x, y) == px(big, 32, 2 * x + 1, 2 * y + 1));
  }
}

TEST_CASE("scale_xrgb_letterbox: pillarbox bars are black, the picture sits in fit_rect", "[convert][scale]") {
  // 4:3 source (8×6) into a 16×6 frame: fit 8×6 at x = 4; bars of 4 on either side.
  const auto src = numbered(8, 6, 32);
  std::vector<std::uint8_t> dst(16 * 6 * 4 + 8, 0x77);
  REQUIRE(scale_xrgb_letterbox(XrgbView{src.data(), 32, 8, 6}, dst.data(), 64, 16, 6));
  for (std::uint32_t y = 0; y < 6; ++y) {
    for (std::uint32_t x = 0; x < 16; ++x) {
      if (x < 4 || x >= 12) {
        CHECK(px(dst, 64, x, y) == 0);
      } else {
        CHECK(px(dst, 64, x, y) == px(src, 32, x - 4, y));
      }
    }
  }
  CHECK(dst[16 * 6 * 4] == 0x77);  // nothing written past the frame
}

TEST_CASE("scale_xrgb_letterbox: bad geometry is refused and nothing is written", "[convert][scale]") {
  const auto src = numbered(4, 4, 16);
  std::vector<std::uint8_t> dst(64, 0x33);
  CHECK_FALSE(scale_xrgb_letterbox(XrgbView{nullptr, 16, 4, 4}, dst.data(), 16, 4, 4));
  CHECK_FALSE(scale_xrgb_letterbox(XrgbView{src.data(), 12, 4, 4}, dst.data(), 16, 4, 4));
  CHECK_FALSE(scale_xrgb_letterbox(XrgbView{src.data(), 16, 4, 4}, dst.data(), 12, 4, 4));
  CHECK_FALSE(scale_xrgb_letterbox(XrgbView{src.data(), 16, 4, 4}, nullptr, 16, 4, 4));
  CHECK_FALSE(scale_xrgb_letterbox(XrgbView{src.data(), 16, 0, 4}, dst.data(), 16, 4, 4));
  for (auto b : dst) CHECK(b == 0x33);
}
