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
// Channel counts other than 2/6/8 → 0.
std::uint32_t opus_bitrate_bps(std::uint32_t channels, bool high_quality) noexcept;

// Largest Opus packet one audio datagram carries: the payload limit is 1376 bytes (audio.md
// §3) and AES-CBC pads n bytes to 16·(⌊n/16⌋+1) (§4), so n ≤ 1375. (Duplicated from
// proto::kAudioMaxPayloadBytes: audio depends on nothing of ours.)
inline constexpr std::size_t kMaxOpusPacketBytes = 1375;

// CBR packet size in bytes: ⌊bitrate_bps × packet_duration_ms / 8000⌋ (libopus rounds down,
// e.g. 450 kbps × 5 ms = 281 bytes). Every packet of an encoder has exactly this size.
std::size_t opus_packet_bytes(const OpusConfig& config) noexcept;

// The layout the client decodes with for `channels` (2, 6, 8) and quality, i.e. the same
// streams / coupled / identity mapping that DESCRIBE advertises (proto::kDefaultSurroundLayouts,
// audio.md §2.5), the §2.5 bitrate, and packet_duration_ms. The bitrate is lowered, if needed,
// so one packet fits kMaxOpusPacketBytes and the streams' capacity (1275 bytes per stream and
// 20 ms); only a duration ≥ 10 ms at high quality needs this, and real clients ask high
// quality with 5 ms only (audio.md §2.4). Throws std::invalid_argument for other channel
// counts or a duration make_opus_encoder refuses.
OpusConfig opus_config_for(std::uint32_t channels, bool high_quality, std::uint32_t packet_duration_ms);

// Encoder interface (the media session takes a factory, so tests can use a fake).
class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  // Samples per channel in one frame (240 for 5 ms at 48 kHz).
  virtual std::size_t frame_samples() const noexcept = 0;
  virtual std::uint32_t channels() const noexcept = 0;
  // pcm: frame_samples() × channels interleaved floats. Writes one packet into out and returns
  // its size (> 0), or a negative libopus error code. CBR: every packet of a session has the
  // same size (opus_packet_bytes(config) for the Opus encoder).
  virtual int encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept = 0;
};

// libopus multistream encoder (opus_multistream_encoder_create with the layout above, CBR,
// OPUS_APPLICATION_RESTRICTED_LOWDELAY, complexity 10: docs/audio-pipeline.md). Throws
// std::invalid_argument (bad layout: channels not 2/6/8; streams < 1, coupled > streams or
// streams + coupled ≠ channels; mapping not a permutation of 0…channels−1; duration not
// 5/10/20/40/60; a bitrate whose CBR packet is below 4 bytes per stream or above 1275 bytes
// per stream and 20 ms) or std::runtime_error (libopus refused).
// encode() never allocates; it returns OPUS_BAD_ARG (−1) when pcm is not frame_samples() ×
// channels() floats and OPUS_BUFFER_TOO_SMALL (−2) when out is shorter than opus_packet_bytes().
std::unique_ptr<AudioEncoder> make_opus_encoder(const OpusConfig& config);

}  // namespace lightwell::audio
