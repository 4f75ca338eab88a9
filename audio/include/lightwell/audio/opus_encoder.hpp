// Opus (multistream) encoder for the GameStream audio stream (audio.md §2): 48 kHz, CBR (the
// audio FEC needs equal packet sizes, audio_packetizer.hpp), restricted-lowdelay application,
// frames of packet_duration_ms (5 by default), the stream/coupled/mapping layout the client
// was told in DESCRIBE (sdp_describe.hpp SurroundLayout). Stereo uses the same multistream
// API with 1 stream, 1 coupled, mapping {0, 1}.
//
// Ownership: encode() writes into the caller's buffer. Thread: one thread at a time.
// (Packet durations: the client negotiates 5 or 10 ms; 2.5 ms cannot be expressed in the
// integer SDP attribute, audio_packetizer.hpp.)
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

// Encoder interface (the media session takes a factory, so tests can use a fake).
class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  // Samples per channel in one frame (240 for 5 ms at 48 kHz).
  virtual std::size_t frame_samples() const noexcept = 0;
  virtual std::uint32_t channels() const noexcept = 0;
  // pcm: frame_samples() × channels interleaved floats. Writes one packet into out and returns
  // its size (> 0), or a negative libopus error code. CBR: every packet of a session has the
  // same size (bitrate_bps × packet_duration_ms / 8000 bytes).
  virtual int encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept = 0;
};

// libopus multistream encoder (opus_multistream_encoder_create with the layout above, CBR,
// OPUS_APPLICATION_RESTRICTED_LOWDELAY). Throws std::invalid_argument (bad layout: channels
// not 2/6/8, streams/coupled/mapping inconsistent, duration not 5/10/20/40/60) or
// std::runtime_error (libopus refused).
std::unique_ptr<AudioEncoder> make_opus_encoder(const OpusConfig& config);

}  // namespace lightwell::audio
