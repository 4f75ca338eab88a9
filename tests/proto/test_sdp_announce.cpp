// ANNOUNCE body -> StreamParams, against the captured client body
// (tests/data/wire/announce_example.sdp: 1920x1080@60, 20 Mbps, stereo, HEVC, video+audio
// encryption, local stream), and every kind of malformed value (rtsp.md §4.4).
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/proto/sdp.hpp"
#include "lightwell/proto/sdp_announce.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

std::string captured_body() { return test::read_text("wire/announce_example.sdp"); }

// Replaces the value of attribute `name` in the captured body (keeping the client's trailing
// space), or removes the line when value is nullopt.
std::string with_attribute(const std::string& name, std::optional<std::string> value) {
  std::string body = captured_body();
  const std::string key = "a=" + name + ":";
  const auto start = body.find(key);
  REQUIRE(start != std::string::npos);
  const auto end = body.find("\r\n", start);
  if (value) {
    body.replace(start, end - start, key + *value + " ");
  } else {
    body.erase(start, end + 2 - start);
  }
  return body;
}

Error announce_error(const std::string& body) {
  auto r = parse_announce_sdp(body);
  REQUIRE_FALSE(r);
  return r.error();
}

void check_rejected(const std::string& name, const std::string& value, Errc code) {
  INFO(name << " = '" << value << "'");
  const Error e = announce_error(with_attribute(name, value));
  CHECK(e.code == code);
  CHECK(e.message.find(name) != std::string::npos);  // the error names the attribute
}

}  // namespace

TEST_CASE("The captured ANNOUNCE body gives the client's configuration, field by field") {
  auto parsed = parse_announce_sdp(captured_body());
  REQUIRE(parsed);
  const StreamParams& p = *parsed;
  CHECK(p.width_px == 1920);
  CHECK(p.height_px == 1080);
  CHECK(p.fps == 60);
  CHECK(p.client_refresh_rate_x100 == 6000);
  CHECK(p.frame_rate_x100() == 6000);
  CHECK(p.packet_size_bytes == 1360);  // 1392 − 32 for video encryption
  CHECK(p.max_bitrate_kbps == 16000);  // 80 % of 20 Mbps
  CHECK(p.configured_bitrate_kbps == 20000);
  CHECK(p.codec == VideoCodec::hevc);
  CHECK(p.dynamic_range == DynamicRange::sdr_8bit);
  CHECK_FALSE(p.ten_bit());
  CHECK(p.chroma == ChromaSampling::yuv420);
  CHECK_FALSE(p.yuv444());
  CHECK(p.color_space == ColorSpace::rec709);  // encoderCscMode 2 = (1 << 1) | 0
  CHECK(p.color_range == ColorRange::limited);
  CHECK(p.slices_per_frame == 1);
  CHECK(p.max_reference_frames == 1);
  CHECK_FALSE(p.intra_refresh);
  CHECK(p.min_required_fec_packets == 2);
  CHECK_FALSE(p.fec_repair_percent.has_value());
  CHECK(p.video_qos_traffic_type == 5);
  CHECK(p.audio_qos_traffic_type == 4);
  CHECK(p.audio_channels == 2);
  CHECK(p.audio_channel_mask == 3);
  CHECK_FALSE(p.audio_high_quality_surround);
  CHECK(p.audio_packet_duration_ms == 5);
  CHECK(p.encryption_enabled == 7);
  CHECK(p.video_encrypted());
  CHECK(p.audio_encrypted());
  CHECK(p.control_v2_encrypted());
  CHECK(p.nv_feature_flags == 167);
  CHECK(p.ml_feature_flags == (kMlFeatureFecStatus | kMlFeatureSessionIdV1));
  CHECK(p.control_protocol == kControlProtocolEncrypted);
  CHECK(p.client_version == 14);
}

TEST_CASE("Derived values: stereo quality from Host, Sunshine's encoder bitrate") {
  const StreamParams p = parse_announce_sdp(captured_body()).value();
  CHECK(audio_high_quality(p, "127.0.0.1"));
  CHECK_FALSE(audio_high_quality(p, "0.0.0.0"));
  // 20000 × 80 % = 16000; − min(2 × 256, 3200) = 15488; − min(500, 1548) = 14988.
  CHECK(encoder_bitrate_kbps(p, 20, true) == 14988);
  // Normal quality: 16000 − 192 = 15808; − 500 = 15308.
  CHECK(encoder_bitrate_kbps(p, 20, false) == 15308);
  // FEC above 80 % is not subtracted.
  CHECK(encoder_bitrate_kbps(p, 100, false) == 20000 - 192 - 500);
  StreamParams gfe = p;
  gfe.configured_bitrate_kbps = 0;
  CHECK(encoder_bitrate_kbps(gfe, 20, true) == 16000);

  StreamParams ntsc = p;
  ntsc.client_refresh_rate_x100 = 5994;
  CHECK(ntsc.frame_rate_x100() == 5994);
  ntsc.client_refresh_rate_x100 = 14400;  // a 144 Hz display streaming at 60: not the stream rate
  CHECK(ntsc.frame_rate_x100() == 6000);
}

TEST_CASE("The header block and body parse as generic SDP too") {
  const std::string body = captured_body();  // the document views into it
  auto doc = parse_sdp(body);
  REQUIRE(doc);
  CHECK(doc->attributes.size() == 37);
  CHECK(doc->line("v") == std::optional<std::string_view>("0"));
  CHECK(doc->line("s") == std::optional<std::string_view>("NVIDIA Streaming Client"));
  CHECK(doc->line("m") == std::optional<std::string_view>("video 47998  "));
  CHECK(doc->attribute("x-nv-video[0].packetSize") == std::optional<std::string_view>("1360"));
}

TEST_CASE("Out-of-range values are rejected naming the attribute") {
  check_rejected("x-nv-video[0].clientViewportWd", "0", Errc::out_of_range);
  check_rejected("x-nv-video[0].clientViewportWd", "8193", Errc::out_of_range);
  check_rejected("x-nv-video[0].clientViewportHt", "0", Errc::out_of_range);
  check_rejected("x-nv-video[0].clientViewportHt", "100000", Errc::out_of_range);
  check_rejected("x-nv-video[0].maxFPS", "0", Errc::out_of_range);
  check_rejected("x-nv-video[0].maxFPS", "481", Errc::out_of_range);
  check_rejected("x-nv-video[0].packetSize", "1361", Errc::out_of_range);  // not a multiple of 16
  check_rejected("x-nv-video[0].packetSize", "128", Errc::out_of_range);
  check_rejected("x-nv-video[0].packetSize", "65536", Errc::out_of_range);
  check_rejected("x-nv-vqos[0].bw.maximumBitrateKbps", "0", Errc::out_of_range);
  check_rejected("x-nv-vqos[0].bw.maximumBitrateKbps", "2000001", Errc::out_of_range);
  check_rejected("x-ml-video.configuredBitrateKbps", "4000000", Errc::out_of_range);
  check_rejected("x-nv-vqos[0].bitStreamFormat", "3", Errc::out_of_range);
  check_rejected("x-nv-video[0].dynamicRangeMode", "2", Errc::out_of_range);
  check_rejected("x-ss-video[0].chromaSamplingType", "2", Errc::out_of_range);
  check_rejected("x-nv-video[0].encoderCscMode", "6", Errc::out_of_range);
  check_rejected("x-nv-video[0].videoEncoderSlicesPerFrame", "0", Errc::out_of_range);
  check_rejected("x-nv-video[0].maxNumReferenceFrames", "17", Errc::out_of_range);
  check_rejected("x-nv-video[0].clientRefreshRateX100", "100001", Errc::out_of_range);
  check_rejected("x-nv-vqos[0].fec.minRequiredFecPackets", "256", Errc::out_of_range);
  check_rejected("x-nv-audio.surround.numChannels", "4", Errc::unsupported);
  check_rejected("x-nv-audio.surround.numChannels", "9", Errc::out_of_range);
  check_rejected("x-nv-audio.surround.channelMask", "7", Errc::out_of_range);  // 3 speakers ≠ 2
  check_rejected("x-nv-audio.surround.channelMask", "0", Errc::out_of_range);
  check_rejected("x-nv-audio.surround.AudioQuality", "2", Errc::out_of_range);
  check_rejected("x-nv-aqos.packetDuration", "7", Errc::out_of_range);
  check_rejected("x-nv-aqos.packetDuration", "0", Errc::out_of_range);
}

TEST_CASE("Non-numeric and garbled values are rejected naming the attribute") {
  check_rejected("x-nv-video[0].clientViewportWd", "abc", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "1920x", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "-1920", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "+1920", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "0x780", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "19 20", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "", Errc::malformed);
  check_rejected("x-nv-video[0].clientViewportWd", "99999999999999999999", Errc::out_of_range);
  check_rejected("x-ss-general.encryptionEnabled", "7a", Errc::malformed);
}

TEST_CASE("Missing required attributes are rejected; optional ones take Sunshine's defaults") {
  for (const char* name :
       {"x-nv-video[0].clientViewportWd", "x-nv-video[0].clientViewportHt", "x-nv-video[0].maxFPS",
        "x-nv-video[0].packetSize", "x-nv-vqos[0].bw.maximumBitrateKbps",
        "x-nv-video[0].videoEncoderSlicesPerFrame", "x-nv-video[0].maxNumReferenceFrames",
        "x-nv-audio.surround.numChannels", "x-nv-audio.surround.channelMask",
        "x-nv-audio.surround.AudioQuality"}) {
    INFO(name);
    const Error e = announce_error(with_attribute(name, std::nullopt));
    CHECK(e.code == Errc::malformed);
    CHECK(e.message.find(name) != std::string::npos);
  }

  std::string body = captured_body();
  for (const char* name :
       {"x-nv-vqos[0].bitStreamFormat", "x-nv-video[0].encoderCscMode",
        "x-nv-aqos.packetDuration", "x-nv-general.useReliableUdp",
        "x-nv-vqos[0].fec.minRequiredFecPackets", "x-ss-general.encryptionEnabled",
        "x-nv-general.featureFlags", "x-ml-general.featureFlags",
        "x-ml-video.configuredBitrateKbps", "x-nv-video[0].clientRefreshRateX100"}) {
    const auto start = body.find(std::string("a=") + name + ":");
    REQUIRE(start != std::string::npos);
    body.erase(start, body.find("\r\n", start) + 2 - start);
  }
  const StreamParams p = parse_announce_sdp(body).value();
  CHECK(p.codec == VideoCodec::h264);
  CHECK(p.color_space == ColorSpace::rec601);
  CHECK(p.audio_packet_duration_ms == 5);
  CHECK(p.control_protocol == 1);
  CHECK(p.min_required_fec_packets == 0);
  CHECK(p.nv_feature_flags == 135);
  CHECK(p.encryption_enabled == 0);  // 135 has no 0x20 legacy audio bit
  CHECK(p.ml_feature_flags == 0);
  CHECK(p.configured_bitrate_kbps == 0);
  CHECK(p.frame_rate_x100() == 6000);
}

TEST_CASE("Duplicates of used attributes are rejected; unknown ones are ignored") {
  const std::string dup = captured_body() + "a=x-nv-video[0].maxFPS:60 \r\n";
  const Error e = announce_error(dup);
  CHECK(e.code == Errc::malformed);
  CHECK(e.message.find("x-nv-video[0].maxFPS") != std::string::npos);

  const std::string extra =
      captured_body() + "a=x-nv-video[0].someFutureKnob:what ever \r\na=x-nv-x:1 \r\na=flag\r\n";
  CHECK(parse_announce_sdp(extra));
  // The ignored GFE knobs may even repeat.
  CHECK(parse_announce_sdp(captured_body() + "a=x-nv-video[0].rateControlMode:4 \r\n"));
}

TEST_CASE("Legacy audio-encryption feature flag and optional Sunshine extensions") {
  auto p = parse_announce_sdp(with_attribute("x-ss-general.encryptionEnabled", "1")).value();
  CHECK(p.encryption_enabled == (kEncControlV2 | kEncAudio));  // featureFlags 167 has 0x20

  std::string body = captured_body() +
                     "a=x-ss-video[0].intraRefresh:1 \r\na=x-nv-vqos[0].fec.repairPercent:20 \r\n";
  p = parse_announce_sdp(body).value();
  CHECK(p.intra_refresh);
  CHECK(p.fec_repair_percent == std::optional<std::uint32_t>(20));

  p = parse_announce_sdp(with_attribute("x-nv-video[0].encoderCscMode", "5")).value();
  CHECK(p.color_space == ColorSpace::rec2020);
  CHECK(p.color_range == ColorRange::full);
}

TEST_CASE("Surround ANNOUNCE values the client sends are accepted") {
  std::string body = with_attribute("x-nv-audio.surround.numChannels", "8");
  const auto at = body.find("surround.channelMask:3 ");
  REQUIRE(at != std::string::npos);
  body.replace(at, 23, "surround.channelMask:1599 ");  // 0x63F
  auto p = parse_announce_sdp(body);
  REQUIRE(p);
  CHECK(p->audio_channels == 8);
  CHECK(p->audio_channel_mask == 0x63F);
}

TEST_CASE("Truncated, huge and syntactically broken SDP bodies are rejected") {
  const std::string body = captured_body();
  // Cut in half: required attributes are missing.
  CHECK(announce_error(body.substr(0, body.size() / 2)).code == Errc::malformed);
  // Cut inside a number: that value is out of range.
  const auto cut = body.find("packetSize:1360") + std::string("packetSize:13").size();
  CHECK(announce_error(body.substr(0, cut)).code == Errc::out_of_range);

  CHECK(announce_error(body + std::string(20000, 'x')).code == Errc::too_large);
  std::string many = body;
  for (int i = 0; i < 300; ++i) many += "a=x:1\r\n";
  CHECK(announce_error(many).code == Errc::too_large);
  CHECK(announce_error(body + "a=x-long:" + std::string(2000, '1') + "\r\n").code ==
        Errc::too_large);

  CHECK(announce_error(body + "garbage line\r\n").code == Errc::malformed);
  CHECK(announce_error(body + "=novalue\r\n").code == Errc::malformed);
  CHECK(announce_error(body + "a=:5\r\n").code == Errc::malformed);
  CHECK(announce_error(body + std::string("a=x:1\0\r\n", 8)).code == Errc::malformed);
  CHECK(announce_error(body + "a=x:1\rb=2\r\n").code == Errc::malformed);
  CHECK(announce_error("").code == Errc::malformed);  // nothing required is there
}

TEST_CASE("LF-only line ends are accepted (Sunshine splits on CR or LF)") {
  std::string body = captured_body();
  std::string lf;
  for (char c : body) {
    if (c != '\r') lf.push_back(c);
  }
  auto p = parse_announce_sdp(lf);
  REQUIRE(p);
  CHECK(p->packet_size_bytes == 1360);
}
