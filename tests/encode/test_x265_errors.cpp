// x265: configurations it cannot honour are refused with an error naming the field; frames
// that do not fit are an EncodeStatus::error and the encoder carries on.
#include <catch2/catch.hpp>

#include "lightwell/encode/video_encoder.hpp"
#include "sw_codec_support.hpp"

namespace capture = lightwell::capture;
namespace encode = lightwell::encode;

namespace {
encode::EncoderConfig good() {
  auto c = lightwell::test::config_for(640, 360, 3000);
  c.codec = encode::Codec::hevc;
  return c;
}
void refused(const encode::EncoderConfig& c, const std::string& needle) {
  try {
    encode::make_x265_encoder(c);
    FAIL("accepted a bad configuration (" << needle << ")");
  } catch (const std::invalid_argument& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
  }
}
}  // namespace

TEST_CASE("x265 refuses bad configurations, naming the field", "[x265][errors]") {
  auto c = good();
  c.codec = encode::Codec::h264;
  refused(c, "hevc only");
  c = good();
  c.width_px = 641;
  refused(c, "size 641x360");
  c = good();
  c.height_px = 8;
  refused(c, "size");
  c = good();
  c.frame_rate_x100 = 0;
  refused(c, "frame_rate_x100");
  c = good();
  c.bitrate_kbps = 0;
  refused(c, "bitrate_kbps");
  c = good();
  c.slices_per_frame = 0;
  refused(c, "slices_per_frame");
  c = good();
  c.slices_per_frame = 100;  // 360 px = 12 CTU rows of 32 px (ultrafast)
  refused(c, "slices_per_frame 100");
  c = good();
  c.max_reference_frames = 17;
  refused(c, "max_reference_frames");
  CHECK_THROWS_AS(encode::make_x265_encoder(good(), "warpspeed"), std::invalid_argument);
}

TEST_CASE("x265 frames that do not fit are errors, and the encoder carries on", "[x265][errors]") {
  auto enc = encode::make_x265_encoder(good());
  const capture::I420Image img = capture::render_test_pattern(1, 640, 360);
  capture::Frame f;
  f.width_px = 640;
  f.height_px = 360;
  f.format = capture::PixelFormat::bgrx8888;
  f.planes[0] = {img.y.data(), 640};
  f.plane_count = 1;
  auto r = enc->encode(f, false);
  CHECK(r.status == encode::EncodeStatus::error);
  CHECK(r.error.find("bgrx8888") != std::string::npos);
  f.format = capture::PixelFormat::i420;
  f.planes = {{{img.y.data(), 640}, {img.u.data(), 320}, {img.v.data(), 320}}};
  f.plane_count = 3;
  f.width_px = 320;
  r = enc->encode(f, false);
  CHECK(r.status == encode::EncodeStatus::error);
  CHECK(r.error.find("320x360") != std::string::npos);
  f.width_px = 640;
  f.planes[2].data = nullptr;
  CHECK(enc->encode(f, false).status == encode::EncodeStatus::error);
  f.planes[2].data = img.v.data();
  f.sequence = 1;
  r = enc->encode(f, false);
  REQUIRE(r.status == encode::EncodeStatus::ok);
  CHECK(r.frame.idr);
}
