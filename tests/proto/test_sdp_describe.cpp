// DESCRIBE body from HostCapabilities (rtsp.md §4.2, video.md §10.1, audio.md §2.4–2.5):
// exact text, markers present only with the capability, read back the way the client reads it
// (substring search, strtoul after ':', surround-params re-ordering), and ANNOUNCE checks.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "lightwell/proto/sdp.hpp"
#include "lightwell/proto/sdp_announce.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

bool contains(const std::string& s, std::string_view needle) {
  return s.find(needle) != std::string::npos;
}

// moonlight-common-c parseSdpAttributeToUInt: strstr(name), then strtoul(…, 0) after the next ':'.
std::optional<unsigned long> client_uint(const std::string& body, const std::string& name) {
  const auto at = body.find(name);
  if (at == std::string::npos) return std::nullopt;
  const auto colon = body.find(':', at);
  if (colon == std::string::npos) return std::nullopt;
  return std::strtoul(body.c_str() + colon + 1, nullptr, 0);
}

// moonlight-common-c parseOpusConfigurations: first match of "a=fmtp:97 surround-params=<C>"
// is normal quality (re-ordered for 6/8), the next match high quality.
struct ClientOpus {
  std::optional<SurroundLayout> normal, high;
};
ClientOpus client_opus(const std::string& body, int channels) {
  ClientOpus out;
  const std::string prefix = "a=fmtp:97 surround-params=" + std::to_string(channels);
  auto digits_at = [&](std::size_t pos) {
    const auto start = pos + prefix.size() - 1;  // keep the channel digit
    const auto end = body.find('\n', start);
    return body.substr(start, end - start);
  };
  auto first = body.find(prefix);
  if (first == std::string::npos) return out;
  out.normal = client_surround_layout(digits_at(first), true).value();
  auto second = body.find(prefix, first + prefix.size());
  if (second != std::string::npos) out.high = client_surround_layout(digits_at(second), false).value();
  return out;
}

std::array<std::uint8_t, 8> identity(int channels) {
  std::array<std::uint8_t, 8> m{};
  for (int i = 0; i < channels; ++i) m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  return m;
}

}  // namespace

TEST_CASE("Default capabilities: exact body, H.264 only, no RFI, recommended surround lines") {
  const HostCapabilities caps;
  CHECK(build_describe_sdp(caps).value() ==
        "a=x-ss-general.featureFlags:0\n"
        "a=x-ss-general.encryptionSupported:7\n"
        "a=x-ss-general.encryptionRequested:1\n"
        "a=fmtp:97 surround-params=21101\n"
        "a=fmtp:97 surround-params=21101\n"
        "a=fmtp:97 surround-params=642012453\n"
        "a=fmtp:97 surround-params=660012345\n"
        "a=fmtp:97 surround-params=85301245673\n"
        "a=fmtp:97 surround-params=88001234567\n");
  CHECK(server_codec_mode_support(caps) == kScmH264);
}

TEST_CASE("Codec and RFI markers appear exactly when the capability is there") {
  HostCapabilities caps;
  std::string body = build_describe_sdp(caps).value();
  CHECK_FALSE(contains(body, "sprop-parameter-sets=AAAAAU"));
  CHECK_FALSE(contains(body, "AV1/90000"));
  CHECK_FALSE(contains(body, "x-nv-video[0].refPicInvalidation"));

  caps.hevc = true;
  body = build_describe_sdp(caps).value();
  CHECK(contains(body, "\nsprop-parameter-sets=AAAAAU\n"));
  CHECK_FALSE(contains(body, "AV1/90000"));

  caps.hevc = false;
  caps.av1 = true;
  body = build_describe_sdp(caps).value();
  CHECK_FALSE(contains(body, "sprop-parameter-sets=AAAAAU"));
  CHECK(contains(body, "\na=rtpmap:98 AV1/90000\n"));

  caps.hevc = true;
  caps.reference_frame_invalidation = true;
  body = build_describe_sdp(caps).value();
  CHECK(contains(body, "\na=x-nv-video[0].refPicInvalidation:1\n"));
  // Sunshine's order: RFI, HEVC, AV1 before the audio lines.
  CHECK(body.find("refPicInvalidation") < body.find("sprop-parameter-sets"));
  CHECK(body.find("sprop-parameter-sets") < body.find("AV1/90000"));
  CHECK(body.find("AV1/90000") < body.find("surround-params"));
}

TEST_CASE("The client reads our feature and encryption values") {
  HostCapabilities caps;
  caps.feature_flags = kHostFeaturePenTouch | kHostFeatureControllerTouch;
  const auto masks = encryption_masks_for(EncryptionMode::mandatory);
  caps.encryption_supported = masks.supported;
  caps.encryption_requested = masks.requested;
  const std::string body = build_describe_sdp(caps).value();
  CHECK(client_uint(body, "x-ss-general.featureFlags") == 3ul);
  CHECK(client_uint(body, "x-ss-general.encryptionSupported") == 7ul);
  CHECK(client_uint(body, "x-ss-general.encryptionRequested") == 7ul);
}

TEST_CASE("Encryption masks follow Sunshine's modes") {
  CHECK(encryption_masks_for(EncryptionMode::never).supported == (kEncControlV2 | kEncAudio));
  CHECK(encryption_masks_for(EncryptionMode::never).requested == kEncControlV2);
  CHECK(encryption_masks_for(EncryptionMode::opportunistic).supported == 7u);
  CHECK(encryption_masks_for(EncryptionMode::opportunistic).requested == kEncControlV2);
  CHECK(encryption_masks_for(EncryptionMode::mandatory).requested == 7u);
}

TEST_CASE("Advertised surround layouts end up as the encoder's identity order in the client") {
  const std::string body = build_describe_sdp(HostCapabilities{}).value();
  for (int c : {6, 8}) {
    INFO(c << " channels");
    const ClientOpus opus = client_opus(body, c);
    REQUIRE(opus.normal);
    REQUIRE(opus.high);  // a second line enables high-quality surround
    CHECK(opus.normal->mapping == identity(c));
    CHECK(opus.high->mapping == identity(c));
  }
  const ClientOpus five_one = client_opus(body, 6);
  CHECK(five_one.normal->streams == 4);
  CHECK(five_one.normal->coupled_streams == 2);
  CHECK(five_one.high->streams == 6);
  CHECK(five_one.high->coupled_streams == 0);

  // Our model of the client's re-ordering reproduces the documented Sunshine 7.1 bug.
  const auto sunshine = client_surround_layout("85301245367", true).value();
  CHECK(sunshine.mapping == std::array<std::uint8_t, 8>{0, 1, 2, 7, 4, 5, 3, 6});
  // And the documented correct 5.1 string.
  CHECK(surround_params_text(kDefaultSurroundLayouts[2]).value() == "642012453");
  CHECK(surround_params_text(kDefaultSurroundLayouts[4]).value() == "85301245673");
}

TEST_CASE("Custom surround params are advertised twice before the table") {
  HostCapabilities caps;
  caps.custom_surround_params = "660012345";
  const std::string body = build_describe_sdp(caps).value();
  CHECK(contains(body, "encryptionRequested:1\n"
                       "a=fmtp:97 surround-params=660012345\n"
                       "a=fmtp:97 surround-params=660012345\n"
                       "a=fmtp:97 surround-params=21101\n"));
  for (const char* bad : {"", "6600", "66001234x", "6600123456", "960012345", "612012345"}) {
    INFO(bad);
    caps.custom_surround_params = bad;
    CHECK_FALSE(build_describe_sdp(caps));
  }
}

TEST_CASE("The body parses as SDP lines") {
  HostCapabilities caps;
  caps.hevc = caps.av1 = caps.reference_frame_invalidation = true;
  const std::string body = build_describe_sdp(caps).value();
  auto doc = parse_sdp(body);
  REQUIRE(doc);
  CHECK(doc->attribute("x-ss-general.encryptionSupported") == std::optional<std::string_view>("7"));
  CHECK(doc->attribute("rtpmap") == std::optional<std::string_view>("98 AV1/90000"));
  CHECK(doc->attribute_count("fmtp") == 6);
  CHECK(doc->line("sprop-parameter-sets") == std::optional<std::string_view>("AAAAAU"));
}

TEST_CASE("Codec mode bits and markers come from the same capabilities") {
  HostCapabilities caps;
  caps.hevc = caps.hevc_main10 = caps.hevc_444 = true;
  caps.av1 = true;
  caps.h264_444 = true;
  CHECK(server_codec_mode_support(caps) ==
        (kScmH264 | kScmH264High8_444 | kScmHevc | kScmHevcMain10 | kScmHevcRext8_444 |
         kScmAv1Main8));
  caps.hevc_444_10 = true;
  caps.av1_main10 = caps.av1_444 = caps.av1_444_10 = true;
  CHECK(server_codec_mode_support(caps) == 0x007F0301u);
}

TEST_CASE("Self-contradicting capabilities are refused rather than advertised") {
  auto refused = [](auto modify) {
    HostCapabilities caps;
    modify(caps);
    return !build_describe_sdp(caps).has_value();
  };
  CHECK(refused([](HostCapabilities& c) { c.hevc_main10 = true; }));
  CHECK(refused([](HostCapabilities& c) { c.hevc_444 = true; }));
  CHECK(refused([](HostCapabilities& c) { c.hevc = c.hevc_444_10 = true; }));
  CHECK(refused([](HostCapabilities& c) { c.av1_main10 = true; }));
  CHECK(refused([](HostCapabilities& c) { c.av1 = c.av1_444_10 = true; }));
  CHECK(refused([](HostCapabilities& c) { c.feature_flags = 0x04; }));
  CHECK(refused([](HostCapabilities& c) { c.encryption_supported = kEncAudio; }));
  CHECK(refused([](HostCapabilities& c) { c.encryption_requested = 0; }));
  CHECK(refused([](HostCapabilities& c) {
    c.encryption_supported = kEncControlV2;
    c.encryption_requested = kEncControlV2 | kEncVideo;
  }));
  CHECK(refused([](HostCapabilities& c) { c.encryption_supported |= 0x10; }));

  static constexpr std::array<SurroundLayout, 1> high_first{{{6, 6, 0, {0, 1, 2, 3, 4, 5}, false}}};
  CHECK(refused([](HostCapabilities& c) { c.surround_layouts = high_first; }));
  static constexpr std::array<SurroundLayout, 1> bad_map{{{2, 1, 0, {0, 1}, true}}};
  CHECK(refused([](HostCapabilities& c) { c.surround_layouts = bad_map; }));
}

TEST_CASE("ANNOUNCE is checked against what DESCRIBE offered") {
  const StreamParams hevc = parse_announce_sdp(test::read_text("wire/announce_example.sdp")).value();
  HostCapabilities caps;
  CHECK(check_announce(hevc, caps).rtsp_status == 400);  // HEVC not offered
  caps.hevc = true;
  CHECK(check_announce(hevc, caps).accepted());

  StreamParams p = hevc;
  p.dynamic_range = DynamicRange::hdr_10bit;
  CHECK(check_announce(p, caps).rtsp_status == 400);
  caps.hevc_main10 = true;
  CHECK(check_announce(p, caps).accepted());

  p = hevc;
  p.codec = VideoCodec::av1;
  CHECK(check_announce(p, caps).rtsp_status == 400);
  p.codec = VideoCodec::h264;
  CHECK(check_announce(p, caps).accepted());
  p.chroma = ChromaSampling::yuv444;
  CHECK(check_announce(p, caps).rtsp_status == 400);

  // Mandatory encryption: the client must have enabled video and audio.
  caps.encryption_requested = 7;
  CHECK(check_announce(hevc, caps).accepted());  // captured client enabled 7
  p = hevc;
  p.encryption_enabled = kEncControlV2 | kEncAudio;
  CHECK(check_announce(p, caps).rtsp_status == 403);

  // Surround must have been advertised.
  caps.encryption_requested = kEncControlV2;
  p = hevc;
  p.audio_channels = 8;
  p.audio_channel_mask = 0x63F;
  p.audio_high_quality_surround = true;
  CHECK(check_announce(p, caps).accepted());
  static constexpr std::array<SurroundLayout, 3> no_hq_71{{
      {2, 1, 1, {0, 1}, true}, {6, 4, 2, {0, 1, 2, 3, 4, 5}, true},
      {8, 5, 3, {0, 1, 2, 3, 4, 5, 6, 7}, true}}};
  caps.surround_layouts = no_hq_71;
  CHECK(check_announce(p, caps).rtsp_status == 400);
  p.audio_high_quality_surround = false;
  CHECK(check_announce(p, caps).accepted());
  caps.surround_layouts = {};
  CHECK(check_announce(p, caps).rtsp_status == 400);
}
