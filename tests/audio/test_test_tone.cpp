// Test-tone source: the frequency plan, exact samples (formula of test_tone.hpp), phase
// continuity across reads of any size, determinism, and the channel-count contract.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "lightwell/audio/test_tone.hpp"
#include "opus_roundtrip.hpp"

using lightwell::audio::AudioStatus;
using lightwell::audio::kTestToneAmplitude;
using lightwell::audio::make_test_tone_source;
using lightwell::audio::test_tone_frequency_hz;

namespace {

constexpr std::chrono::milliseconds kNoWait{0};

// test_tone.hpp: sample k of channel c = amplitude·sin(2π·f_c·k/48000).
double expected_sample(std::uint32_t channel, std::uint64_t k) {
  const double f = test_tone_frequency_hz(channel);
  return kTestToneAmplitude * std::sin(2.0 * std::numbers::pi * std::fmod(f * static_cast<double>(k), 48000.0) / 48000.0);
}

// Reads `frames` frames in chunks of `chunk` frames and checks every sample against the formula,
// starting at absolute frame `first`.
void check_reads(lightwell::audio::AudioSource& src, std::uint64_t first, std::size_t frames, std::size_t chunk) {
  const std::uint32_t ch = src.channels();
  std::vector<float> buf;
  std::uint64_t k = first;
  for (std::size_t done = 0; done < frames; done += chunk) {
    const std::size_t n = std::min(chunk, frames - done);
    buf.assign(n * ch, 99.0f);
    REQUIRE(src.read(buf, kNoWait) == AudioStatus::ok);
    for (std::size_t i = 0; i < n; ++i, ++k) {
      for (std::uint32_t c = 0; c < ch; ++c) {
        INFO("channel " << c << " sample " << k);
        REQUIRE(buf[i * ch + c] == Approx(expected_sample(c, k)).margin(1e-6));
      }
    }
  }
}

}  // namespace

TEST_CASE("test tone: one distinct frequency per channel, low enough for any Opus bitrate", "[test_tone]") {
  for (std::uint32_t c = 0; c < 8; ++c) {
    const double f = test_tone_frequency_hz(c);
    INFO("channel " << c);
    CHECK(f >= 100.0);
    CHECK(f <= 4000.0);  // Opus may band-limit low-bitrate streams; keep well inside
    // Whole multiples of 50 Hz: exact integer phase and on a Goertzel bin of 960·n samples.
    CHECK(std::fmod(f, 50.0) == 0.0);
    for (std::uint32_t d = 0; d < c; ++d) CHECK(std::abs(f - test_tone_frequency_hz(d)) >= 400.0);
  }
  CHECK(test_tone_frequency_hz(3) < 200.0);  // LFE: a low tone
  CHECK(test_tone_frequency_hz(8) == 0.0);
  CHECK(test_tone_frequency_hz(1000) == 0.0);
}

TEST_CASE("test tone: 1..8 channels are accepted, 0 and 9 are not", "[test_tone]") {
  for (std::uint32_t ch = 1; ch <= 8; ++ch) {
    auto src = make_test_tone_source(ch);
    REQUIRE(src);
    CHECK(src->channels() == ch);
    CHECK(src->name() == "test-tone");
  }
  CHECK_THROWS_AS(make_test_tone_source(0), std::invalid_argument);
  CHECK_THROWS_AS(make_test_tone_source(9), std::invalid_argument);
  CHECK_THROWS_AS(make_test_tone_source(1000), std::invalid_argument);
}

TEST_CASE("test tone: samples follow the formula, phase continuous across reads of any size", "[test_tone]") {
  for (std::uint32_t ch : {1u, 2u, 6u, 8u}) {
    INFO("channels " << ch);
    auto src = make_test_tone_source(ch);
    // Odd chunk sizes cross every period boundary (150 Hz repeats every 320 samples).
    check_reads(*src, 0, 2000, 240);
    check_reads(*src, 2000, 2000, 37);
    check_reads(*src, 4000, 3, 1);
  }
}

TEST_CASE("test tone: no drift after minutes, and two sources are identical", "[test_tone]") {
  auto a = make_test_tone_source(8);
  auto b = make_test_tone_source(8);
  std::vector<float> fa(4800 * 8), fb(4800 * 8);
  const std::uint64_t frames = 48000ull * 120;  // two minutes
  for (std::uint64_t done = 0; done < frames; done += 4800) {
    REQUIRE(a->read(fa, kNoWait) == AudioStatus::ok);
    REQUIRE(b->read(fb, kNoWait) == AudioStatus::ok);
    REQUIRE(fa == fb);
  }
  check_reads(*a, frames, 960, 240);
}

TEST_CASE("test tone: each channel holds its own tone and nothing of the others", "[test_tone]") {
  auto src = make_test_tone_source(8);
  std::vector<float> pcm(48000 * 8);
  REQUIRE(src->read(pcm, kNoWait) == AudioStatus::ok);
  for (int c = 0; c < 8; ++c) {
    for (int j = 0; j < 8; ++j) {
      const double a = lightwell::audio::testing::goertzel_amplitude(pcm, 8, c, 0, 48000, test_tone_frequency_hz(static_cast<std::uint32_t>(j)));
      INFO("channel " << c << " probed at channel " << j << "'s frequency");
      if (j == c) {
        CHECK(a == Approx(kTestToneAmplitude).epsilon(1e-4));
      } else {
        CHECK(a < 1e-5);
      }
    }
  }
}

TEST_CASE("test tone: a buffer that is not whole frames is refused with silence", "[test_tone]") {
  auto src = make_test_tone_source(6);
  std::vector<float> bad(6 * 10 + 1, 1.0f);
  CHECK(src->read(bad, kNoWait) == AudioStatus::error);
  for (float s : bad) CHECK(s == 0.0f);
  // The refused call consumed nothing: the next read starts at sample 0.
  check_reads(*src, 0, 240, 240);
  std::vector<float> empty;
  CHECK(src->read(empty, kNoWait) == AudioStatus::ok);
}
