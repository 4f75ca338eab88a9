// Opus encoder: the audio.md §2.5 layouts and bitrates, CBR packet sizes (the audio FEC
// needs equal payloads, §5.1), frame sizes per duration, and refusal of invalid configs.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/audio/test_tone.hpp"
#include "opus_roundtrip.hpp"

using lightwell::audio::kMaxOpusPacketBytes;
using lightwell::audio::make_opus_encoder;
using lightwell::audio::make_test_tone_source;
using lightwell::audio::opus_bitrate_bps;
using lightwell::audio::opus_config_for;
using lightwell::audio::opus_packet_bytes;
using lightwell::audio::OpusConfig;

TEST_CASE("Opus bitrates are audio.md §2.5's table", "[opus]") {
  CHECK(opus_bitrate_bps(2, false) == 96000);
  CHECK(opus_bitrate_bps(2, true) == 512000);
  CHECK(opus_bitrate_bps(6, false) == 256000);
  CHECK(opus_bitrate_bps(6, true) == 1536000);
  CHECK(opus_bitrate_bps(8, false) == 450000);
  CHECK(opus_bitrate_bps(8, true) == 2048000);
  for (std::uint32_t ch : {0u, 1u, 3u, 4u, 5u, 7u, 9u}) CHECK(opus_bitrate_bps(ch, false) == 0);
}

TEST_CASE("opus_config_for gives the layouts DESCRIBE advertises (audio.md §2.5)", "[opus]") {
  struct Row {
    std::uint32_t channels;
    bool high;
    std::uint32_t streams, coupled, bitrate;
  };
  // streams / coupled per audio.md §2.5 (= proto::kDefaultSurroundLayouts), identity mapping.
  const Row rows[] = {{2, false, 1, 1, 96000},  {2, true, 1, 1, 512000},  {6, false, 4, 2, 256000},
                      {6, true, 6, 0, 1536000}, {8, false, 5, 3, 450000}, {8, true, 8, 0, 2048000}};
  for (const Row& r : rows) {
    INFO(r.channels << " channels, high " << r.high);
    const OpusConfig c = opus_config_for(r.channels, r.high, 5);
    CHECK(c.channels == r.channels);
    CHECK(c.streams == r.streams);
    CHECK(c.coupled_streams == r.coupled);
    CHECK(c.bitrate_bps == r.bitrate);
    CHECK(c.packet_duration_ms == 5);
    for (std::uint32_t i = 0; i < r.channels; ++i) CHECK(c.mapping[i] == i);
    CHECK(opus_packet_bytes(c) <= kMaxOpusPacketBytes);
  }
  CHECK(opus_config_for(2, false, 10).packet_duration_ms == 10);
  CHECK(opus_config_for(2, false, 10).bitrate_bps == 96000);
  CHECK_THROWS_AS(opus_config_for(4, false, 5), std::invalid_argument);
  CHECK_THROWS_AS(opus_config_for(2, false, 3), std::invalid_argument);
}

TEST_CASE("opus_config_for keeps one packet inside one datagram (audio.md §3, §4)", "[opus]") {
  // 1536 kbps × 10 ms would be 1920 bytes; 1375 is the most AES-CBC still pads to 1376.
  const OpusConfig c = opus_config_for(6, true, 10);
  CHECK(c.bitrate_bps == 1100000);
  CHECK(opus_packet_bytes(c) == 1375);
  CHECK(opus_packet_bytes(opus_config_for(8, true, 60)) <= kMaxOpusPacketBytes);
  // Stereo 512 kbps × 20 ms = 1280 bytes, but one stream carries ≤ 1275 bytes per 20 ms frame.
  CHECK(opus_config_for(2, true, 20).bitrate_bps == 510000);
  CHECK(opus_config_for(2, true, 10).bitrate_bps == 512000);  // 640 bytes: no cap needed
  CHECK(16 * (kMaxOpusPacketBytes / 16 + 1) == 1376);
}

TEST_CASE("CBR packet sizes: bitrate × duration / 8000, rounded down", "[opus]") {
  // audio.md §2.5's examples, and 7.1 normal, which is not a whole number of bytes.
  CHECK(opus_packet_bytes(opus_config_for(2, false, 5)) == 60);
  CHECK(opus_packet_bytes(opus_config_for(8, true, 5)) == 1280);
  CHECK(opus_packet_bytes(opus_config_for(8, false, 5)) == 281);
  CHECK(opus_packet_bytes(opus_config_for(8, false, 10)) == 562);
}

TEST_CASE("every packet has exactly the CBR size, whatever the signal", "[opus]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> noise(-1.0f, 1.0f);
  for (std::uint32_t ch : {2u, 6u, 8u}) {
    for (bool high : {false, true}) {
      for (std::uint32_t ms : {5u, 10u, 20u, 40u, 60u}) {
        const OpusConfig cfg = opus_config_for(ch, high, ms);
        INFO(ch << " channels, high " << high << ", " << ms << " ms");
        auto enc = make_opus_encoder(cfg);
        REQUIRE(enc->channels() == ch);
        REQUIRE(enc->frame_samples() == 48u * ms);
        auto tone = make_test_tone_source(ch);
        std::vector<float> pcm(enc->frame_samples() * ch);
        // A generous buffer: the size must come from the bitrate, not from the buffer.
        std::vector<std::uint8_t> out(8000);
        const int expected = static_cast<int>(opus_packet_bytes(cfg));
        const int packets = static_cast<int>(300 / ms) + 3;
        for (int i = 0; i < packets; ++i) {
          // tone, then digital silence (still sent, audio.md §6), then full-scale noise
          if (i < packets / 3) {
            REQUIRE(tone->read(pcm, std::chrono::milliseconds(0)) == lightwell::audio::AudioStatus::ok);
          } else if (i < 2 * packets / 3) {
            std::fill(pcm.begin(), pcm.end(), 0.0f);
          } else {
            for (float& s : pcm) s = noise(rng);
          }
          REQUIRE(enc->encode(pcm, out) == expected);
        }
      }
    }
  }
}

TEST_CASE("encode refuses a wrong frame or a short output buffer", "[opus]") {
  auto enc = make_opus_encoder(opus_config_for(6, false, 5));
  std::vector<float> pcm(240 * 6, 0.0f);
  std::vector<std::uint8_t> out(160);
  CHECK(enc->encode(pcm, out) == 160);
  std::vector<float> short_pcm(240 * 6 - 1, 0.0f);
  CHECK(enc->encode(short_pcm, out) == OPUS_BAD_ARG);
  std::vector<float> long_pcm(480 * 6, 0.0f);
  CHECK(enc->encode(long_pcm, out) == OPUS_BAD_ARG);
  std::vector<std::uint8_t> small(159);
  CHECK(enc->encode(pcm, small) == OPUS_BUFFER_TOO_SMALL);
  CHECK(enc->encode(pcm, out) == 160);  // still usable
}

TEST_CASE("invalid Opus configs are refused with invalid_argument", "[opus]") {
  const OpusConfig good = opus_config_for(8, false, 5);
  REQUIRE_NOTHROW(make_opus_encoder(good));
  auto refused = [](OpusConfig c) {
    CHECK_THROWS_AS(make_opus_encoder(c), std::invalid_argument);
  };
  for (std::uint32_t ch : {0u, 1u, 3u, 4u, 5u, 7u, 9u, 255u}) {
    OpusConfig c = good;
    c.channels = ch;
    INFO("channels " << ch);
    refused(c);
  }
  {
    OpusConfig c = good;
    c.streams = 0;
    refused(c);
  }
  {
    OpusConfig c = good;  // coupled > streams
    c.streams = 2;
    c.coupled_streams = 6;
    refused(c);
  }
  {
    OpusConfig c = good;  // 4 + 3 codes only 7 of 8 channels
    c.streams = 4;
    refused(c);
  }
  {
    OpusConfig c = good;  // 6 + 3 codes 9
    c.streams = 6;
    refused(c);
  }
  {
    OpusConfig c = good;
    c.mapping[7] = 8;  // ≥ streams + coupled
    refused(c);
  }
  {
    OpusConfig c = good;
    c.mapping[7] = 255;  // libopus' "silent channel": not a GameStream layout
    refused(c);
  }
  {
    OpusConfig c = good;
    c.mapping[7] = 0;  // coded channel 0 twice, 7 never
    refused(c);
  }
  for (std::uint32_t ms : {0u, 1u, 2u, 3u, 4u, 6u, 15u, 30u, 80u, 100u, 120u}) {
    OpusConfig c = good;
    c.packet_duration_ms = ms;
    INFO(ms << " ms");
    refused(c);
  }
  {
    OpusConfig c = good;
    c.bitrate_bps = 0;
    refused(c);
  }
  {
    OpusConfig c = good;  // 5 streams need ≥ 20 bytes; 30 kbps × 5 ms = 18
    c.bitrate_bps = 30000;
    refused(c);
  }
  {
    OpusConfig c = opus_config_for(2, false, 5);  // one stream, at most 1275 bytes per 5 ms frame
    c.bitrate_bps = 2100000;
    refused(c);
  }
  {
    OpusConfig c = opus_config_for(2, false, 5);  // a permuted mapping is a valid layout
    c.mapping = {1, 0};
    CHECK_NOTHROW(make_opus_encoder(c));
  }
}
