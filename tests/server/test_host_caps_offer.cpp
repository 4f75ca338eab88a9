// What is offered to clients and which encoder rows a session may use (host_caps.hpp
// offered_capabilities / offered_encoders): one rule from [video] encoder, software_hevc and
// software_av1, checked on a fake table (a hardware row for H.264 + HEVC, software rows per codec).
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/server/host_caps.hpp"

using namespace lightwell;
using encode::Availability;
using encode::Codec;
using encode::EncodeMode;

namespace {

Availability hw_probe(const EncodeMode& m) { return {m.codec != Codec::av1, "fake GPU"}; }
Availability sw_h264(const EncodeMode& m) { return {m.codec == Codec::h264, "fake x264"}; }
Availability sw_hevc(const EncodeMode& m) { return {m.codec == Codec::hevc, "fake x265"}; }
Availability sw_av1(const EncodeMode& m) { return {m.codec == Codec::av1, "fake svt"}; }

const encode::EncoderEntry kTable[] = {
    {"gpu", true, &hw_probe, nullptr},
    {"x264", false, &sw_h264, nullptr},
    {"x265", false, &sw_hevc, nullptr},
    {"svt", false, &sw_av1, nullptr},
};

std::string names(const std::vector<encode::EncoderEntry>& rows) {
  std::string s;
  for (const auto& r : rows) s += std::string(s.empty() ? "" : ",") + std::string(r.name);
  return s;
}

}  // namespace

TEST_CASE("availability is split into hardware and software rows", "[host_caps]") {
  const server::CodecAvailability a = server::codec_availability(kTable);
  CHECK(a.hardware_h264);
  CHECK(a.hardware_hevc);
  CHECK_FALSE(a.hardware_av1);
  CHECK(a.software_h264);
  CHECK(a.software_hevc);
  CHECK(a.software_av1);
}

TEST_CASE("defaults: hardware codecs offered, software HEVC and AV1 not", "[host_caps]") {
  const server::VideoOptions video;
  const auto caps = server::offered_capabilities(server::codec_availability(kTable), video);
  CHECK(caps.hevc);      // from the GPU row
  CHECK_FALSE(caps.av1);  // only software could, and it is off by default
  CHECK(names(server::offered_encoders(kTable, video)) == "gpu,x264");
}

TEST_CASE("software_hevc / software_av1 add the software rows and the codecs", "[host_caps]") {
  server::VideoOptions video;
  video.software_av1 = true;
  auto caps = server::offered_capabilities(server::codec_availability(kTable), video);
  CHECK(caps.av1);
  CHECK(names(server::offered_encoders(kTable, video)) == "gpu,x264,svt");
  video.software_hevc = true;
  CHECK(names(server::offered_encoders(kTable, video)) == "gpu,x264,x265,svt");
}

TEST_CASE("encoder = software drops the hardware rows; qsv / vaapi drop the software rows", "[host_caps]") {
  server::VideoOptions video;
  video.encoder = server::EncoderPreference::software;
  auto caps = server::offered_capabilities(server::codec_availability(kTable), video);
  CHECK_FALSE(caps.hevc);
  CHECK(names(server::offered_encoders(kTable, video)) == "x264");
  video.software_hevc = true;
  caps = server::offered_capabilities(server::codec_availability(kTable), video);
  CHECK(caps.hevc);
  video.encoder = server::EncoderPreference::qsv;
  video.software_av1 = true;
  caps = server::offered_capabilities(server::codec_availability(kTable), video);
  CHECK(caps.hevc);
  CHECK_FALSE(caps.av1);
  CHECK(names(server::offered_encoders(kTable, video)) == "gpu");
}
