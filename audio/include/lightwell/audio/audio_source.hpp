// The audio-source interface (docs/architecture.md): PipeWire (issue 6) and the test tone
// (test_tone.hpp). The session's audio thread owns one source and reads one Opus frame's worth
// of samples (5 ms = 240 frames at 48 kHz) per call.
//
// Samples: 48 kHz, float32 in [-1, 1], interleaved in the ENCODER's channel order (audio.md
// §2.3): FL FR FC LFE BL BR SL SR (first `channels` of them).
// Thread: one thread at a time (the session's audio thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

namespace lightwell::audio {

inline constexpr std::uint32_t kSampleRateHz = 48000;

enum class AudioStatus : std::uint8_t {
  ok,       // `out` filled completely
  silence,  // nothing is playing: `out` was zero-filled, the caller still sends (audio.md §6)
  error,    // the source is gone; the caller may rebuild it (PipeWire restart, issue 6)
};

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  // Fills out (frames × channels interleaved floats). Blocks at most `timeout` for data; the
  // test tone never blocks. out.size() must be a multiple of channels().
  virtual AudioStatus read(std::span<float> out, std::chrono::milliseconds timeout) = 0;
  virtual std::uint32_t channels() const noexcept = 0;
  virtual std::string_view name() const noexcept = 0;
};

}  // namespace lightwell::audio
