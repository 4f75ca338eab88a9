// Test-tone audio source (issue 4): a continuous sine per channel, each channel at its own
// frequency, so a test can decode the Opus stream and prove every channel arrived in its
// place. Deterministic: sample k of channel c is amplitude·sin(2π·f_c·k/48000), phase
// continuous across reads.
#pragma once

#include <cstdint>
#include <memory>

#include "lightwell/audio/audio_source.hpp"

namespace lightwell::audio {

// Frequency of channel c (encoder order, audio.md §2.3), in Hz: FL 600, FR 2400, FC 1400,
// LFE 150, BL 1000, BR 3000, SL 1800, SR 3600 — whole multiples of 50 Hz, ≥ 400 Hz apart and
// below 4 kHz, so a Goertzel detector separates them after Opus at the lowest bitrate
// (docs/audio-pipeline.md §2 has the measurements). Index ≥ 8 → 0.
double test_tone_frequency_hz(std::uint32_t channel) noexcept;
inline constexpr float kTestToneAmplitude = 0.25f;

// channels: 1…8. Throws std::invalid_argument otherwise. read() never blocks and returns ok;
// a buffer that is not whole frames is zero-filled and answered `error` (nothing consumed).
std::unique_ptr<AudioSource> make_test_tone_source(std::uint32_t channels);

}  // namespace lightwell::audio
