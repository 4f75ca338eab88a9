// Test-tone source (test_tone.hpp): one sine per channel, each at a whole number of hertz.
//
// Why whole hertz: sample k of channel c is A·sin(2π·f_c·k/48000), and with integer f_c the
// phase index (f_c·k) mod 48000 is an exact integer, so the signal never drifts, is identical
// on every run and machine, and repeats after 48000/gcd(f_c, 48000) samples. We precompute
// that one period per channel at construction and read() only copies from the tables: no
// allocation, no libm call, no blocking on the audio thread.
#include "lightwell/audio/test_tone.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace lightwell::audio {
namespace {

// Encoder channel order (audio.md §2.3): FL FR FC LFE BL BR SL SR. Chosen by measurement
// (docs/audio-pipeline.md has the table):
// * all below 4 kHz, so Opus' band limiting at low bitrates cannot remove them, and ≥ 400 Hz
//   apart, so a Goertzel detector over the decoded output separates them;
// * the two channels of each coupled stream of the normal-quality layouts (FL/FR, FC/LFE,
//   BL/BR: streams are filled in channel order, identity mapping) are far apart in
//   frequency. CELT's joint stereo coding at ~40–50 kbps per channel with 5 ms frames leaks
//   one channel's tone into its partner when the tones are close: 500/900 Hz measured only
//   24 dB apart at stereo 96 kbps, 600/2400 Hz measure 63 dB;
// * LFE gets the natural low tone.
// Multiples of 50 Hz: on a Goertzel bin for any window that is a multiple of 960 samples.
constexpr std::array<std::uint32_t, 8> kFrequenciesHz{600, 2400, 1400, 150, 1000, 3000, 1800, 3600};

constexpr std::uint32_t kMaxChannels = 8;

class TestToneSource final : public AudioSource {
 public:
  explicit TestToneSource(std::uint32_t channels) : channels_(channels) {
    for (std::uint32_t c = 0; c < channels_; ++c) {
      const std::uint32_t f = kFrequenciesHz[c];
      const std::uint32_t period = kSampleRateHz / std::gcd(f, kSampleRateHz);
      auto& table = periods_[c];
      table.resize(period);
      for (std::uint32_t k = 0; k < period; ++k) {
        // Exact integer phase (f·k mod 48000) before the one floating-point step.
        const auto phase_index = static_cast<std::uint64_t>(f) * k % kSampleRateHz;
        const double phase = 2.0 * std::numbers::pi * static_cast<double>(phase_index) / kSampleRateHz;
        table[k] = kTestToneAmplitude * static_cast<float>(std::sin(phase));
      }
    }
  }

  AudioStatus read(std::span<float> out, std::chrono::milliseconds /*timeout: never blocks*/) override {
    if (out.size() % channels_ != 0) {
      // A contract violation (audio_source.hpp): hand back silence rather than a torn frame.
      for (float& s : out) s = 0.0f;
      return AudioStatus::error;
    }
    const std::size_t frames = out.size() / channels_;
    for (std::uint32_t c = 0; c < channels_; ++c) {
      const std::vector<float>& table = periods_[c];
      std::size_t pos = positions_[c];
      for (std::size_t i = 0; i < frames; ++i) {
        out[i * channels_ + c] = table[pos];
        if (++pos == table.size()) pos = 0;
      }
      positions_[c] = pos;
    }
    return AudioStatus::ok;
  }

  std::uint32_t channels() const noexcept override { return channels_; }
  std::string_view name() const noexcept override { return "test-tone"; }

 private:
  std::uint32_t channels_;
  std::array<std::vector<float>, kMaxChannels> periods_{};  // one period of each channel's sine
  std::array<std::size_t, kMaxChannels> positions_{};       // next sample index into periods_[c]
};

}  // namespace

double test_tone_frequency_hz(std::uint32_t channel) noexcept {
  return channel < kFrequenciesHz.size() ? static_cast<double>(kFrequenciesHz[channel]) : 0.0;
}

std::unique_ptr<AudioSource> make_test_tone_source(std::uint32_t channels) {
  if (channels < 1 || channels > kMaxChannels) {
    throw std::invalid_argument("test tone: channels must be 1..8, got " + std::to_string(channels));
  }
  return std::make_unique<TestToneSource>(channels);
}

}  // namespace lightwell::audio
