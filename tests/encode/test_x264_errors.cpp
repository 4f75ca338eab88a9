// x264 error paths: configurations it cannot honour throw with a message naming the field;
// frames that do not fit the configuration are an error status naming the problem, and the
// encoder keeps working afterwards.
#include <catch2/catch.hpp>
#include <stdexcept>

#include "encode_support.hpp"

namespace capture = lightwell::capture;
namespace encode = lightwell::encode;
using lightwell::test::config_for;
using Catch::Matchers::Contains;

TEST_CASE("x264 rejects configurations it cannot honour, naming the field", "[x264][errors]") {
  const auto base = config_for(1280, 720, 10000);
  const auto rejects = [](const encode::EncoderConfig& c, const std::string& text) {
    INFO("expecting: " << text);
    CHECK_THROWS_WITH(encode::make_x264_encoder(c), Contains(text));
    CHECK_THROWS_AS(encode::make_x264_encoder(c), std::invalid_argument);
  };
  auto c = base;
  c.codec = encode::Codec::hevc;
  rejects(c, "H.264 only");
  c = base;
  c.width_px = 1281;
  rejects(c, "1281x720");
  c = base;
  c.height_px = 0;
  rejects(c, "1280x0");
  c = base;
  c.width_px = 8194;
  rejects(c, "8194x720");
  c = base;
  c.bitrate_kbps = 0;
  rejects(c, "bitrate_kbps 0");
  c = base;
  c.frame_rate_x100 = 0;
  rejects(c, "frame_rate_x100 0");
  c = base;
  c.slices_per_frame = 0;
  rejects(c, "slices_per_frame 0");
  c = base;
  c.slices_per_frame = 46;  // 720 px = 45 macroblock rows
  rejects(c, "slices_per_frame 46");
  c = base;
  c.max_reference_frames = 17;
  rejects(c, "max_reference_frames 17");
  c = base;
  c.ten_bit = true;
  rejects(c, "10-bit");
}

TEST_CASE("x264 wrong frames are an error status, and the encoder carries on", "[x264][errors]") {
  auto enc = encode::make_x264_encoder(config_for(640, 384, 4000));
  const capture::I420Image img = capture::render_test_pattern(1, 640, 384);
  capture::Frame good;
  good.width_px = 640;
  good.height_px = 384;
  good.format = capture::PixelFormat::i420;
  good.planes = {capture::FramePlane{img.y.data(), 640}, capture::FramePlane{img.u.data(), 320},
                 capture::FramePlane{img.v.data(), 320}};
  good.plane_count = 3;
  good.sequence = 1;

  auto wrong_size = good;
  wrong_size.width_px = 320;
  auto r = enc->encode(wrong_size, false);
  CHECK(r.status == encode::EncodeStatus::error);
  CHECK_THAT(r.error, Contains("320x384") && Contains("640x384"));

  auto bgrx = good;
  bgrx.format = capture::PixelFormat::bgrx8888;
  bgrx.plane_count = 1;
  r = enc->encode(bgrx, false);
  CHECK(r.status == encode::EncodeStatus::error);
  CHECK_THAT(r.error, Contains("bgrx8888"));

  auto missing = good;
  missing.planes[2].data = nullptr;
  r = enc->encode(missing, false);
  CHECK(r.status == encode::EncodeStatus::error);
  CHECK_THAT(r.error, Contains("plane 2"));

  auto short_stride = good;
  short_stride.planes[0].stride_bytes = 600;
  r = enc->encode(short_stride, false);
  CHECK(r.status == encode::EncodeStatus::error);

  auto few_planes = good;
  few_planes.plane_count = 2;
  r = enc->encode(few_planes, false);
  CHECK(r.status == encode::EncodeStatus::error);

  // Nothing was encoded so far: the first good frame is still the stream's IDR.
  r = enc->encode(good, false);
  REQUIRE(r.status == encode::EncodeStatus::ok);
  CHECK(r.frame.idr);
  CHECK(r.frame.source_sequence == 1);
}

TEST_CASE("x264 presets: named presets work, unknown names are refused", "[x264][errors]") {
  CHECK(lightwell::encode::kX264DefaultPreset == "ultrafast");
  CHECK_NOTHROW(encode::make_x264_encoder(config_for(640, 384, 4000), "superfast"));
  CHECK_THROWS_WITH(encode::make_x264_encoder(config_for(640, 384, 4000), "warpspeed"), Contains("warpspeed"));
  CHECK_THROWS_AS(encode::make_x264_encoder(config_for(640, 384, 4000), "3"), std::invalid_argument);
}
