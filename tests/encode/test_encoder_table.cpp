// The encoder table (encoder_table.hpp): order, which entry answers for which codec, the
// choice falling through to the next entry when one refuses, and the speed report.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "lightwell/encode/encoder_table.hpp"
#include "lightwell/encode/video_encoder.hpp"

namespace encode = lightwell::encode;

namespace {

encode::Availability refuse_all(const encode::EncodeMode&) { return {false, "no such device"}; }
encode::Availability accept_all(const encode::EncodeMode&) { return {true, "fake"}; }
std::unique_ptr<encode::VideoEncoder> create_throws(const encode::EncoderConfig&) {
  throw std::runtime_error("the device is busy");
}
std::unique_ptr<encode::VideoEncoder> create_null(const encode::EncoderConfig&) { return nullptr; }

encode::EncoderConfig config_of(encode::Codec codec) {
  encode::EncoderConfig c;
  c.codec = codec;
  c.width_px = 640;
  c.height_px = 360;
  c.bitrate_kbps = 3000;
  return c;
}

}  // namespace

TEST_CASE("the table: hardware rows first, then x264, x265, SVT-AV1", "[table]") {
  const auto table = encode::encoder_table();
  REQUIRE(table.size() >= 3);
  bool software_seen = false;
  for (const auto& e : table) {
    if (!e.hardware) software_seen = true;
    CHECK((e.hardware ? !software_seen : true));  // no hardware row after a software one
    CHECK(e.probe != nullptr);
    CHECK(e.create != nullptr);
  }
  const auto n = table.size();
  CHECK(table[n - 3].name == "x264");
  CHECK(table[n - 2].name == "x265");
  CHECK(table[n - 1].name == "svt-av1");
}

TEST_CASE("each software row answers for its own codec only", "[table]") {
  const auto table = encode::encoder_table();
  const auto n = table.size();
  const encode::Codec own[] = {encode::Codec::h264, encode::Codec::hevc, encode::Codec::av1};
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& e = table[n - 3 + k];
    for (const auto codec : own) {
      encode::EncodeMode m;
      m.codec = codec;
      INFO(e.name << " asked about codec " << static_cast<int>(codec));
      CHECK(e.probe(m).usable == (codec == own[k]));
    }
  }
  encode::EncodeMode m;
  m.codec = encode::Codec::av1;
  m.width_px = m.height_px = 48;  // below SVT-AV1's 64 px
  CHECK_FALSE(encode::can_encode(m));
  m.codec = encode::Codec::hevc;
  m.ten_bit = true;
  CHECK(encode::can_encode(m) == encode::x265_has_main10());
  m.codec = encode::Codec::h264;
  CHECK_FALSE(encode::can_encode(m));  // 10-bit H.264 is no GameStream mode
}

TEST_CASE("create_encoder picks the row for the negotiated codec", "[table]") {
  CHECK(encode::create_encoder(config_of(encode::Codec::h264))->name() == "x264");
  CHECK(encode::create_encoder(config_of(encode::Codec::hevc))->name() == "x265");
  CHECK(encode::create_encoder(config_of(encode::Codec::av1))->name() == "svt-av1");
}

TEST_CASE("create_encoder falls through refusing and failing rows, and says why when none can", "[table]") {
  const encode::EncoderEntry software = encode::encoder_table()[encode::encoder_table().size() - 2];  // x265
  const encode::EncoderEntry table[] = {
      {"absent", true, &refuse_all, &create_throws},
      {"busy", true, &accept_all, &create_throws},
      {"empty", true, &accept_all, &create_null},
      software,
  };
  std::vector<std::string> tried;
  auto enc = encode::create_encoder(config_of(encode::Codec::hevc), table, &tried);
  CHECK(enc->name() == "x265");
  REQUIRE(tried.size() == 3);
  CHECK(tried[0] == "absent: no such device");
  CHECK(tried[1] == "busy: the device is busy");
  CHECK(tried[2] == "empty: refused");

  const encode::EncoderEntry none[] = {{"absent", true, &refuse_all, &create_throws}};
  try {
    encode::create_encoder(config_of(encode::Codec::av1), none);
    FAIL("an encoder from a table that has none");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "no encoder can encode AV1 640x360 (absent: no such device)");
  }
  // A configuration every row refuses: the row's own reason is in the message.
  auto bad = config_of(encode::Codec::hevc);
  bad.slices_per_frame = 0;
  CHECK_THROWS_WITH(encode::create_encoder(bad), Catch::Contains("slices_per_frame"));
}

TEST_CASE("software_fit measures every software codec at 720p60 and 1080p60", "[table][fit]") {
  const auto fits = encode::software_fit(3);
  REQUIRE(fits.size() == 3);
  CHECK(fits[0].encoder == "x264");
  CHECK(fits[1].encoder == "x265");
  CHECK(fits[2].encoder == "svt-av1");
  for (const auto& f : fits) {
    INFO(f.summary);
    REQUIRE(f.modes.size() == 2);
    CHECK(f.modes[0].height_px == 720);
    CHECK(f.modes[1].height_px == 1080);
    for (const auto& m : f.modes) {
      CHECK(m.wall_ms_per_frame > 0);
      CHECK(m.cpu_ms_per_frame > 0);
    }
    CHECK(f.summary.rfind(f.encoder + " (" + f.codec + "): ", 0) == 0);
  }
  CHECK(fits[2].note.find("latency") != std::string::npos);
}
