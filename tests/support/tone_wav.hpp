// A 16-bit PCM WAV (48 kHz unless told) with a distinct sine on every channel, for pw-play in the PipeWire
// tests (issue 6). Channel order in the file is the order given to pw-play's --channel-map.
// Test-only, header-only.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>

namespace lightwell::test {

inline void write_tone_wav(const std::filesystem::path& p, std::uint16_t channels, double seconds,
                           const std::function<double(std::uint16_t channel)>& hz, double amplitude = 0.3,
                           std::uint32_t rate_hz = 48000) {
  constexpr double kPi = 3.14159265358979323846;
  auto put16 = [](std::ofstream& f, std::uint16_t v) {
    f.put(static_cast<char>(v & 0xff)).put(static_cast<char>(v >> 8));
  };
  auto put32 = [&](std::ofstream& f, std::uint32_t v) {
    put16(f, static_cast<std::uint16_t>(v & 0xffff));
    put16(f, static_cast<std::uint16_t>(v >> 16));
  };
  const auto frames = static_cast<std::uint32_t>(rate_hz * seconds);
  const std::uint32_t data_bytes = frames * channels * 2u;
  std::ofstream f(p, std::ios::binary);
  f.write("RIFF", 4);
  put32(f, 36 + data_bytes);
  f.write("WAVEfmt ", 8);
  put32(f, 16);
  put16(f, 1);  // PCM
  put16(f, channels);
  put32(f, rate_hz);
  put32(f, rate_hz * channels * 2u);
  put16(f, static_cast<std::uint16_t>(channels * 2));
  put16(f, 16);
  f.write("data", 4);
  put32(f, data_bytes);
  for (std::uint32_t i = 0; i < frames; ++i) {
    for (std::uint16_t c = 0; c < channels; ++c) {
      const double s = amplitude * std::sin(2 * kPi * hz(c) * i / rate_hz);
      put16(f, static_cast<std::uint16_t>(static_cast<std::int16_t>(std::lround(s * 32767))));
    }
  }
}

}  // namespace lightwell::test
