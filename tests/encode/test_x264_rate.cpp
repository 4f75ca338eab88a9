// x264 rate control as the session relies on it: CBR around bitrate / fps per frame with a
// one-frame VBV (no frame far above the budget once the stream runs), live bitrate changes
// (client bitrate requests), and no reference invalidation (x264 cannot: video.md §8).
#include <catch2/catch.hpp>
#include <numeric>

#include "encode_support.hpp"

namespace capture = lightwell::capture;
namespace encode = lightwell::encode;
using lightwell::test::config_for;
using lightwell::test::encode_frames;

namespace {

double mean_bytes(const std::vector<lightwell::test::EncodedCopy>& frames, std::size_t first, std::size_t last) {
  double sum = 0;
  for (std::size_t i = first; i < last; ++i) sum += static_cast<double>(frames[i].bytes.size());
  return sum / static_cast<double>(last - first);
}

}  // namespace

TEST_CASE("x264 CBR: 120 frames average bitrate / fps within 25 %, no frame far above it", "[x264][rate]") {
  for (const std::uint32_t kbps : {3000u, 10000u}) {
    INFO(kbps << " kbps");
    auto enc = encode::make_x264_encoder(config_for(1280, 720, kbps));
    auto source = capture::make_test_pattern_source(1280, 720);
    const auto frames = encode_frames(*enc, *source, 120);
    const double budget_bytes = kbps * 1000.0 / 8.0 / 60.0;
    const double mean = mean_bytes(frames, 0, frames.size());
    INFO("mean " << mean << " bytes, budget " << budget_bytes);
    CHECK(mean >= 0.75 * budget_bytes);
    CHECK(mean <= 1.25 * budget_bytes);
    // One-frame VBV: after the first IDR, every frame fits in about one frame interval of link
    // time; 1.5× leaves room for x264's VBV model, far below an unconstrained encoder's spikes.
    std::size_t largest = 0;
    for (std::size_t i = 1; i < frames.size(); ++i) largest = std::max(largest, frames[i].bytes.size());
    INFO("largest after the first: " << largest);
    CHECK(static_cast<double>(largest) <= 1.5 * budget_bytes);
  }
}

TEST_CASE("x264 set_bitrate_kbps changes the frame sizes live", "[x264][rate]") {
  auto enc = encode::make_x264_encoder(config_for(1280, 720, 12000));
  auto source = capture::make_test_pattern_source(1280, 720);
  const auto before = encode_frames(*enc, *source, 60);
  REQUIRE(enc->set_bitrate_kbps(3000));
  const auto after = encode_frames(*enc, *source, 90);
  const double mean_before = mean_bytes(before, 30, before.size());
  const double mean_after = mean_bytes(after, 30, after.size());
  INFO("before " << mean_before << " bytes/frame, after " << mean_after);
  CHECK(mean_after < 0.5 * mean_before);
  CHECK(mean_after == Approx(3000 * 1000.0 / 8 / 60).epsilon(0.3));
  for (const auto& f : after) CHECK_FALSE(f.idr);  // a bitrate change is not a new stream
  CHECK_FALSE(enc->set_bitrate_kbps(0));
}

TEST_CASE("x264 cannot invalidate references: the session must force an IDR", "[x264]") {
  auto enc = encode::make_x264_encoder(config_for(640, 384, 4000));
  CHECK_FALSE(enc->can_invalidate_references());
  CHECK_FALSE(enc->invalidate_references(3, 5));
}
