// The SPS x264 writes, parsed bit by bit (h264_parse.hpp): the VUI colour description the
// client's negotiated colour space asks for, the low-delay bitstream restriction and the
// reference-frame limit (video.md §10.2, §8), timing for the configured frame rate.
#include <catch2/catch.hpp>

#include "encode_support.hpp"

namespace capture = lightwell::capture;
namespace encode = lightwell::encode;
namespace h264 = lightwell::test::h264;
using lightwell::test::config_for;
using lightwell::test::encode_frames;

namespace {

h264::Sps first_sps(const encode::EncoderConfig& config) {
  auto enc = encode::make_x264_encoder(config);
  auto source = capture::make_test_pattern_source(config.width_px, config.height_px);
  const auto frames = encode_frames(*enc, *source, 1);
  const auto nals = h264::split_annexb(frames[0].bytes);
  REQUIRE_FALSE(nals.empty());
  REQUIRE(nals[0].type == 7);
  return h264::parse_sps(nals[0]);
}

}  // namespace

TEST_CASE("x264 SPS: VUI colour description per colour space and range", "[x264][sps]") {
  struct Case {
    encode::ColorSpace space;
    bool full_range;
    std::uint32_t primaries, transfer, matrix;
  };
  const Case cases[] = {
      {encode::ColorSpace::rec601, false, 6, 6, 6},   {encode::ColorSpace::rec601, true, 6, 6, 6},
      {encode::ColorSpace::rec709, false, 1, 1, 1},   {encode::ColorSpace::rec709, true, 1, 1, 1},
      {encode::ColorSpace::rec2020, false, 9, 14, 9}, {encode::ColorSpace::rec2020, true, 9, 14, 9},
  };
  for (const Case& c : cases) {
    auto config = config_for(640, 384, 4000);
    config.color_space = c.space;
    config.full_range = c.full_range;
    INFO("colour space " << static_cast<int>(c.space) << " full range " << c.full_range);
    const h264::Sps sps = first_sps(config);
    REQUIRE(sps.vui_present);
    CHECK(sps.video_signal_type_present);
    CHECK(sps.video_format == 5);
    CHECK(sps.full_range == c.full_range);
    CHECK(sps.colour_description_present);
    CHECK(sps.colour_primaries == c.primaries);
    CHECK(sps.transfer_characteristics == c.transfer);
    CHECK(sps.matrix_coefficients == c.matrix);
  }
}

TEST_CASE("x264 SPS: bitstream restriction says no reordering, one reference when asked", "[x264][sps]") {
  auto config = config_for(1280, 720, 10000);
  config.max_reference_frames = 1;
  const h264::Sps sps = first_sps(config);
  CHECK(sps.width_px == 1280);
  CHECK(sps.height_px == 720);
  CHECK(sps.max_num_ref_frames == 1);
  REQUIRE(sps.bitstream_restriction);
  CHECK(sps.motion_vectors_over_pic_boundaries);
  CHECK(sps.max_num_reorder_frames == 0);
  CHECK(sps.max_dec_frame_buffering == 1);
  CHECK_FALSE(sps.nal_hrd);
  CHECK_FALSE(sps.vcl_hrd);
  // Baseline-compatible profiles or High: a client that offers H.264 decodes all of them.
  CHECK((sps.profile_idc == 66 || sps.profile_idc == 77 || sps.profile_idc == 100));
}

TEST_CASE("x264 SPS: more references when the client allows them", "[x264][sps]") {
  auto config = config_for(640, 384, 4000);
  config.max_reference_frames = 3;
  const h264::Sps sps = first_sps(config);
  CHECK(sps.max_num_ref_frames == 3);
  CHECK(sps.max_num_reorder_frames == 0);
  CHECK(sps.max_dec_frame_buffering == 3);
  config.max_reference_frames = 0;  // encoder's choice: a small number
  const h264::Sps any = first_sps(config);
  CHECK(any.max_num_ref_frames >= 1);
  CHECK(any.max_num_ref_frames <= 4);
}

TEST_CASE("x264 SPS: constant frame rate timing for 60 and 59.94 fps", "[x264][sps]") {
  auto config = config_for(640, 384, 4000);
  const h264::Sps s60 = first_sps(config);
  REQUIRE(s60.timing_info_present);
  CHECK(s60.fixed_frame_rate);
  // H.264 frame rate = time_scale / (2 * num_units_in_tick).
  CHECK(static_cast<double>(s60.time_scale) / (2.0 * s60.num_units_in_tick) == Approx(60.0));
  config.frame_rate_x100 = 5994;
  const h264::Sps s5994 = first_sps(config);
  REQUIRE(s5994.timing_info_present);
  CHECK(static_cast<double>(s5994.time_scale) / (2.0 * s5994.num_units_in_tick) == Approx(59.94));
}

TEST_CASE("x264: every IDR carries the same SPS and PPS bytes", "[x264][sps]") {
  auto enc = encode::make_x264_encoder(config_for(640, 384, 4000));
  auto source = capture::make_test_pattern_source(640, 384);
  const auto frames = encode_frames(*enc, *source, 10, {4, 9});
  const auto first = h264::split_annexb(frames[0].bytes);
  for (int i : {4, 9}) {
    const auto later = h264::split_annexb(frames[static_cast<std::size_t>(i)].bytes);
    REQUIRE(later.size() >= 3);
    for (int k = 0; k < 2; ++k) {
      const auto& a = first[static_cast<std::size_t>(k)].bytes;
      const auto& b = later[static_cast<std::size_t>(k)].bytes;
      CHECK(std::vector<std::uint8_t>(a.begin(), a.end()) == std::vector<std::uint8_t>(b.begin(), b.end()));
    }
  }
}
