// Opus (multistream) encoder for the GameStream audio stream (audio.md §2): 48 kHz, CBR (the
// audio FEC needs equal packet sizes, audio_packetizer.hpp), restricted-lowdelay application,
// frames of packet_duration_ms (5 by default), the stream/coupled/mapping layout the client
// was told in DESCRIBE (sdp_describe.hpp SurroundLayout). Stereo uses the same multistream
// API with 1 stream, 1 coupled, mapping {0, 1}.
//
// Ownership: encode() writes into the caller's buffer. Thread: one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lightwell::audio {

struct OpusConfig {
  std::uint32_t channels = 2;         // 2, 6 or 8
  std::uint32_t streams = 1;
  std::uint32_t coupled_streams = 1;
  std::array<std::uint8_t, 8> mapping{0, 1};  // first `channels` used (encoder order)
  std::uint32_t bitrate_bps = 96000;  // audio.md §2.5 for the layout and quality
  std::uint32_t packet_duration_ms = 5;
};

// audio.md §2.5: stereo 96/512 kbps, 5.1 256/1536, 7.1 450/2048 (normal/high quality).
std::uint32_t opus_bitrate_bps(std::uint32_t channels, bool high_quality) noexcept;

class OpusStreamEncoder {
 public:
  // Throws std::invalid_argument (bad layout) or std::runtime_error (libopus refused).
  explicit OpusStreamEncoder(const OpusConfig& config);
  ~OpusStreamEncoder();
  OpusStreamEncoder(const OpusStreamEncoder&) = delete;
  OpusStreamEncoder& operator=(const OpusStreamEncoder&) = delete;

  // Samples per channel in one frame (240 for 5 ms).
  std::size_t frame_samples() const noexcept;
  // pcm: frame_samples() × channels interleaved floats. Writes one Opus packet into out and
  // returns its size (> 0), or a negative libopus error code.
  int encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept;
  const OpusConfig& config() const noexcept { return config_; }

 private:
  OpusConfig config_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightwell::audio
