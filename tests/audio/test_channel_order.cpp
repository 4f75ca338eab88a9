// End to end channel order (audio.md §2.3–§2.5): our encoder's packets, decoded with the
// layout the CLIENT ends up with after reading the surround-params strings we advertise (and
// its GFE reorder for normal quality), put every test tone on its own output channel.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/audio/test_tone.hpp"
#include "opus_roundtrip.hpp"

using lightwell::audio::kTestToneAmplitude;
using lightwell::audio::make_test_tone_source;
using lightwell::audio::opus_config_for;
using lightwell::audio::test_tone_frequency_hz;
using namespace lightwell::audio::testing;

namespace {

// The recommended DESCRIBE lines (audio.md §2.5), what proto::surround_params_text produces.
constexpr const char* kAdvertised51Normal = "642012453";
constexpr const char* kAdvertised51High = "660012345";
constexpr const char* kAdvertised71Normal = "85301245673";
constexpr const char* kAdvertised71High = "88001234567";
// Sunshine's 7.1 normal line (audio.md §2.5 pitfall): wrong channels after the reorder.
constexpr const char* kSunshine71Normal = "85301245367";

// Skip the decoder's start-up (≥ 20 ms), then 0.9 s: 43200 samples, a multiple of 960, so
// every 50-Hz-multiple tone sits exactly on a Goertzel bin.
constexpr std::size_t kFirst = 960;
constexpr std::size_t kCount = 43200;

std::vector<float> roundtrip(std::uint32_t channels, bool high, std::uint32_t ms, const ClientLayout& client) {
  auto tone = make_test_tone_source(channels);
  const auto packets = encode_frames(*tone, opus_config_for(channels, high, ms), static_cast<int>(1000 / ms));
  const auto pcm = decode_packets(client, packets, static_cast<int>(48 * ms));
  REQUIRE(pcm.size() >= (kFirst + kCount) * channels);
  return pcm;
}

// Output channel `out` carries the tone of encoder channel `expected`: at a plausible level
// (0.25 ± 2 dB) and ≥ 30 dB above every other channel's tone (measured ≥ 46 dB at the lowest
// bitrates, docs/audio-pipeline.md).
void check_channel_carries(const std::vector<float>& pcm, int channels, int out, std::uint32_t expected) {
  const double own = goertzel_amplitude(pcm, channels, out, kFirst, kCount, test_tone_frequency_hz(expected));
  INFO("output channel " << out << ", expected tone of channel " << expected << ": amplitude " << own);
  CHECK(own > kTestToneAmplitude * 0.79);
  CHECK(own < kTestToneAmplitude * 1.26);
  for (std::uint32_t j = 0; j < 8; ++j) {
    if (j == expected) continue;
    const double other = goertzel_amplitude(pcm, channels, out, kFirst, kCount, test_tone_frequency_hz(j));
    INFO("tone of channel " << j << ": amplitude " << other << ", " << 20 * std::log10(own / other) << " dB below");
    CHECK(other * 31.62 < own);  // 30 dB
  }
}

void check_identity(std::uint32_t channels, bool high, std::uint32_t ms, const ClientLayout& client) {
  const auto pcm = roundtrip(channels, high, ms, client);
  for (int c = 0; c < static_cast<int>(channels); ++c) check_channel_carries(pcm, static_cast<int>(channels), c, static_cast<std::uint32_t>(c));
}

ClientLayout parsed(const char* text, bool normal_quality) {
  const auto l = parse_client_surround_params(text, normal_quality);
  REQUIRE(l.has_value());
  return *l;
}

}  // namespace

TEST_CASE("the client's surround-params reading (audio.md §2.4, §2.5 table)", "[channel_order]") {
  const std::array<unsigned char, 8> identity{0, 1, 2, 3, 4, 5, 6, 7};
  for (auto [text, normal, ch, streams, coupled] :
       {std::tuple{kAdvertised51Normal, true, 6, 4, 2}, std::tuple{kAdvertised51High, false, 6, 6, 0},
        std::tuple{kAdvertised71Normal, true, 8, 5, 3}, std::tuple{kAdvertised71High, false, 8, 8, 0}}) {
    INFO(text);
    const ClientLayout l = parsed(text, normal);
    CHECK(l.channels == ch);
    CHECK(l.streams == streams);
    CHECK(l.coupled == coupled);
    for (int i = 0; i < ch; ++i) CHECK(l.mapping[static_cast<std::size_t>(i)] == identity[static_cast<std::size_t>(i)]);
  }
  // audio.md §2.5: Sunshine's 7.1 string ends up as [0,1,2,7,4,5,3,6].
  const ClientLayout sunshine = parsed(kSunshine71Normal, true);
  const std::array<unsigned char, 8> expected{0, 1, 2, 7, 4, 5, 3, 6};
  CHECK(sunshine.mapping == expected);
  CHECK_FALSE(parse_client_surround_params("", true));
  CHECK_FALSE(parse_client_surround_params("6420124", true));
  CHECK_FALSE(parse_client_surround_params("64201245x", true));
}

TEST_CASE("stereo: FL and FR arrive in place (client layout 2/1/1 [0,1])", "[channel_order]") {
  SECTION("normal quality, 96 kbps") { check_identity(2, false, 5, client_stereo_layout()); }
  SECTION("high quality, 512 kbps") { check_identity(2, true, 5, client_stereo_layout()); }
  SECTION("normal quality, 10 ms packets") { check_identity(2, false, 10, client_stereo_layout()); }
}

TEST_CASE("5.1: every channel arrives in place through the advertised strings", "[channel_order]") {
  SECTION("normal quality, 256 kbps, 4 streams / 2 coupled") { check_identity(6, false, 5, parsed(kAdvertised51Normal, true)); }
  SECTION("high quality, 1536 kbps, 6 mono streams") { check_identity(6, true, 5, parsed(kAdvertised51High, false)); }
  SECTION("normal quality, 10 ms packets") { check_identity(6, false, 10, parsed(kAdvertised51Normal, true)); }
}

TEST_CASE("7.1: every channel arrives in place through the advertised strings", "[channel_order]") {
  SECTION("normal quality, 450 kbps, 5 streams / 3 coupled") { check_identity(8, false, 5, parsed(kAdvertised71Normal, true)); }
  SECTION("high quality, 2048 kbps, 8 mono streams") { check_identity(8, true, 5, parsed(kAdvertised71High, false)); }
  SECTION("normal quality, 10 ms packets") { check_identity(8, false, 10, parsed(kAdvertised71Normal, true)); }
}

TEST_CASE("7.1 with Sunshine's string: the detector sees LFE, SL and SR misplaced", "[channel_order]") {
  // Proves the check above can fail: with mapping [0,1,2,7,4,5,3,6] output LFE plays SR,
  // SL plays LFE and SR plays SL (audio.md §2.5 pitfall).
  const auto pcm = roundtrip(8, false, 5, parsed(kSunshine71Normal, true));
  check_channel_carries(pcm, 8, 0, 0);
  check_channel_carries(pcm, 8, 2, 2);
  check_channel_carries(pcm, 8, 3, 7);
  check_channel_carries(pcm, 8, 6, 3);
  check_channel_carries(pcm, 8, 7, 6);
}
