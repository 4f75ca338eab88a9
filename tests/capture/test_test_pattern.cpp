// The test pattern (test_pattern.hpp): deterministic pictures, the frame number drawn and read
// back for every bit pattern, sizes accepted and refused, PSNR arithmetic, and the frame source
// (numbers 1, 2, 3 …, stable buffers, i420 layout).
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "lightwell/capture/test_pattern.hpp"

namespace capture = lightwell::capture;
using capture::I420Image;
using capture::read_test_pattern_number;
using capture::render_test_pattern;

namespace {

std::optional<std::uint32_t> read_back(const I420Image& img) {
  return read_test_pattern_number(img.y.data(), img.width_px, img.width_px, img.height_px);
}

std::uint8_t luma_at(const I420Image& img, std::uint32_t x, std::uint32_t y) { return img.y[std::size_t{y} * img.width_px + x]; }

}  // namespace

TEST_CASE("test pattern is a pure function of frame number and size", "[pattern]") {
  const I420Image a = render_test_pattern(1234, 1280, 720);
  const I420Image b = render_test_pattern(1234, 1280, 720);
  CHECK(a.width_px == 1280);
  CHECK(a.height_px == 720);
  REQUIRE(a.y.size() == 1280u * 720u);
  REQUIRE(a.u.size() == 640u * 360u);
  REQUIRE(a.v.size() == 640u * 360u);
  CHECK(a.y == b.y);
  CHECK(a.u == b.u);
  CHECK(a.v == b.v);
  const I420Image next = render_test_pattern(1235, 1280, 720);
  CHECK(next.y != a.y);  // the picture moves
}

TEST_CASE("test pattern samples stay in the limited range (with the ±4 grain)", "[pattern]") {
  for (std::uint32_t n : {0u, 1u, 77u, 0xFFFFFFFFu}) {
    const I420Image img = render_test_pattern(n, 640, 360);
    const auto [ymin, ymax] = std::minmax_element(img.y.begin(), img.y.end());
    CHECK(*ymin >= 12);
    CHECK(*ymax <= 239);
    for (const auto* plane : {&img.u, &img.v}) {
      const auto [cmin, cmax] = std::minmax_element(plane->begin(), plane->end());
      CHECK(*cmin >= 16);
      CHECK(*cmax <= 240);
    }
  }
}

TEST_CASE("frame number reads back for every bit pattern", "[pattern]") {
  std::vector<std::uint32_t> numbers = {0u, 1u, 2u, 0xFFFFFFFFu, 0x80000000u, 0x7FFFFFFFu, 0x55555555u, 0xAAAAAAAAu,
                                        0x12345678u, 0xDEADBEEFu};
  for (int bit = 0; bit < 32; ++bit) {
    numbers.push_back(1u << bit);
    numbers.push_back(~(1u << bit));
  }
  for (std::uint32_t n : numbers) {
    INFO("number " << n);
    const I420Image img = render_test_pattern(n, 640, 360);
    CHECK(read_back(img) == n);
  }
}

TEST_CASE("number cells: 16x16, luma 235 for one and 16 for zero, MSB first, chroma neutral", "[pattern]") {
  const I420Image img = render_test_pattern(0x80000001u, 512, 64);
  for (std::uint32_t y = 0; y < 16; ++y) {
    for (std::uint32_t x = 0; x < 512; ++x) {
      const std::uint32_t bit = x / 16;
      const std::uint8_t want = (bit == 0 || bit == 31) ? 235 : 16;
      if (luma_at(img, x, y) != want) FAIL("luma at " << x << "," << y << " is " << int{luma_at(img, x, y)});
    }
  }
  for (std::uint32_t y = 0; y < 8; ++y) {
    for (std::uint32_t x = 0; x < 256; ++x) {
      REQUIRE(img.u[y * 256 + x] == 128);
      REQUIRE(img.v[y * 256 + x] == 128);
    }
  }
  // Row 16 is background again.
  CHECK(luma_at(img, 40, 16) != 16);
}

TEST_CASE("number reads back through a padded stride and small perturbations", "[pattern]") {
  const I420Image img = render_test_pattern(0xC0FFEE42u, 640, 360);
  const std::size_t stride = 704;
  std::vector<std::uint8_t> padded(stride * 360, 0);
  for (std::uint32_t y = 0; y < 360; ++y) {
    for (std::uint32_t x = 0; x < 640; ++x) {
      // ±40 of coding noise on every sample must not flip a bit.
      const int noise = ((x * 7 + y * 13) % 81) - 40;
      padded[y * stride + x] = static_cast<std::uint8_t>(std::clamp(int{luma_at(img, x, y)} + noise, 0, 255));
    }
  }
  CHECK(read_test_pattern_number(padded.data(), stride, 640, 360) == 0xC0FFEE42u);
}

TEST_CASE("pictures smaller than 512x64 are drawn without the number row", "[pattern]") {
  CHECK_FALSE(read_back(render_test_pattern(5, 510, 360)).has_value());
  CHECK_FALSE(read_back(render_test_pattern(5, 640, 62)).has_value());
  CHECK_FALSE(read_back(render_test_pattern(5, 16, 16)).has_value());
  CHECK(read_back(render_test_pattern(5, 512, 64)) == 5u);
  // All ones would paint the top-left cell white; at 510 px it is the (dark there) gradient.
  const I420Image small = render_test_pattern(0xFFFFFFFFu, 510, 64);
  const I420Image large = render_test_pattern(0xFFFFFFFFu, 512, 64);
  CHECK(luma_at(large, 8, 8) == 235);
  CHECK(luma_at(small, 8, 8) < 60);
  CHECK_FALSE(read_test_pattern_number(nullptr, 640, 640, 360).has_value());
  CHECK_FALSE(read_test_pattern_number(large.y.data(), 500, 512, 64).has_value());  // stride < width
}

TEST_CASE("odd, tiny or huge sizes are refused", "[pattern]") {
  CHECK_THROWS_AS(render_test_pattern(1, 641, 360), std::invalid_argument);
  CHECK_THROWS_AS(render_test_pattern(1, 640, 361), std::invalid_argument);
  CHECK_THROWS_AS(render_test_pattern(1, 0, 360), std::invalid_argument);
  CHECK_THROWS_AS(render_test_pattern(1, 14, 16), std::invalid_argument);
  CHECK_THROWS_AS(render_test_pattern(1, 8194, 64), std::invalid_argument);
  CHECK_THROWS_AS(capture::make_test_pattern_source(1279, 720), std::invalid_argument);
  CHECK_THROWS_AS(capture::make_test_pattern_source(1280, 0), std::invalid_argument);
  CHECK_THROWS_WITH(capture::make_test_pattern_source(1279, 720), Catch::Matchers::Contains("1279x720"));
  CHECK_NOTHROW(render_test_pattern(1, 8192, 16));
  CHECK_NOTHROW(render_test_pattern(1, 16, 16));
}

TEST_CASE("the bright square crosses left to right once per 120 frames", "[pattern]") {
  // 1280x720: side 180 (a quarter of 720), rows 270..449, x = phase * 1100 / 119 (even).
  const auto square_at = [](const I420Image& img, std::uint32_t x0) {
    for (std::uint32_t y = 270; y < 450; y += 7) {
      for (std::uint32_t x = x0; x < x0 + 180; x += 7) {
        if (luma_at(img, x, y) != 235) return false;
      }
    }
    return true;
  };
  const I420Image f0 = render_test_pattern(0, 1280, 720);
  const I420Image f60 = render_test_pattern(60, 1280, 720);
  const I420Image f119 = render_test_pattern(119, 1280, 720);
  const I420Image f120 = render_test_pattern(120, 1280, 720);
  CHECK(square_at(f0, 0));
  CHECK_FALSE(square_at(f60, 0));
  CHECK(square_at(f60, 554));
  CHECK(square_at(f119, 1100));
  CHECK(square_at(f120, 0));
}

TEST_CASE("PSNR: 100 for identical pictures, the textbook value for a known error", "[pattern][psnr]") {
  const I420Image ref = render_test_pattern(9, 640, 360);
  const std::uint8_t* planes[3] = {ref.y.data(), ref.u.data(), ref.v.data()};
  const std::size_t strides[3] = {640, 320, 320};
  CHECK(capture::psnr_i420_db(ref, planes, strides) == 100.0);

  // Luma off by one everywhere (padded stride): MSE = (w*h) / (1.5*w*h) = 2/3.
  const std::size_t stride = 656;
  std::vector<std::uint8_t> y(stride * 360, 0);
  for (std::uint32_t r = 0; r < 360; ++r) {
    for (std::uint32_t x = 0; x < 640; ++x) y[r * stride + x] = static_cast<std::uint8_t>(luma_at(ref, x, r) + 1);
  }
  const std::uint8_t* shifted[3] = {y.data(), ref.u.data(), ref.v.data()};
  const std::size_t shifted_strides[3] = {stride, 320, 320};
  CHECK(capture::psnr_i420_db(ref, shifted, shifted_strides) == Approx(10 * std::log10(255.0 * 255.0 * 1.5)));

  // Chroma off by 4 in U only: MSE = 16 * (w*h/4) / (1.5*w*h) = 16/6.
  std::vector<std::uint8_t> u(ref.u);
  for (auto& s : u) s = static_cast<std::uint8_t>(s + 4);
  const std::uint8_t* u_off[3] = {ref.y.data(), u.data(), ref.v.data()};
  CHECK(capture::psnr_i420_db(ref, u_off, strides) == Approx(10 * std::log10(255.0 * 255.0 * 6 / 16)));
}

TEST_CASE("test pattern source: frames 1, 2, 3 … in one reused i420 buffer", "[pattern][source]") {
  auto source = capture::make_test_pattern_source(1280, 720);
  CHECK(source->name() == "test-pattern");
  capture::Frame first;
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(source->capture(first, std::chrono::milliseconds(0)) == capture::CaptureStatus::ok);
  CHECK(first.captured_at >= before);
  CHECK(first.captured_at <= std::chrono::steady_clock::now());
  CHECK(first.width_px == 1280);
  CHECK(first.height_px == 720);
  CHECK(first.format == capture::PixelFormat::i420);
  REQUIRE(first.plane_count == 3);
  CHECK(first.planes[0].stride_bytes >= 1280);
  CHECK(first.planes[1].stride_bytes >= 640);
  CHECK(first.planes[2].stride_bytes >= 640);
  const std::uint8_t* y_buffer = first.planes[0].data;
  for (std::uint64_t n = 1; n <= 5; ++n) {
    capture::Frame f;
    if (n == 1) {
      f = first;
    } else {
      REQUIRE(source->capture(f, std::chrono::milliseconds(0)) == capture::CaptureStatus::ok);
    }
    INFO("frame " << n);
    CHECK(f.sequence == n);
    CHECK(f.planes[0].data == y_buffer);  // no new buffer per frame
    CHECK(read_test_pattern_number(f.planes[0].data, f.planes[0].stride_bytes, 1280, 720) == n);
    // The source draws exactly the pure rendering of its number.
    const I420Image ref = render_test_pattern(static_cast<std::uint32_t>(n), 1280, 720);
    const std::uint8_t* planes[3] = {f.planes[0].data, f.planes[1].data, f.planes[2].data};
    const std::size_t strides[3] = {f.planes[0].stride_bytes, f.planes[1].stride_bytes, f.planes[2].stride_bytes};
    CHECK(capture::psnr_i420_db(ref, planes, strides) == 100.0);
  }
}
