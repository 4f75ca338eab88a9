// libopus multistream encoder for the GameStream audio stream (opus_encoder.hpp, audio.md §2).
#include "lightwell/audio/opus_encoder.hpp"

#include <opus_multistream.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "lightwell/audio/audio_source.hpp"

namespace lightwell::audio {
namespace {

// Complexity 10 (libopus' default, the best quality): measured by bench/bench_audio.cpp, even
// 7.1 high quality encodes a 5 ms frame in a few per cent of the frame's duration on one core,
// and lower settings save little in CELT-only mode (docs/audio-pipeline.md).
constexpr int kComplexity = 10;

// audio.md §2.5, duplicated from proto::kDefaultSurroundLayouts (audio depends on nothing of
// ours; a server test compares the two). Identity mapping everywhere; DESCRIBE advertises
// strings the client turns into exactly these layouts.
struct LayoutRow {
  std::uint32_t channels;
  std::uint32_t streams_normal, coupled_normal, bitrate_normal_bps;
  std::uint32_t streams_high, coupled_high, bitrate_high_bps;
};
constexpr LayoutRow kLayouts[] = {
    {2, 1, 1, 96000, 1, 1, 512000},
    {6, 4, 2, 256000, 6, 0, 1536000},
    {8, 5, 3, 450000, 8, 0, 2048000},
};

const LayoutRow* find_layout(std::uint32_t channels) noexcept {
  for (const LayoutRow& row : kLayouts) {
    if (row.channels == channels) return &row;
  }
  return nullptr;
}

bool valid_duration(std::uint32_t ms) noexcept {
  // Opus frame sizes in whole milliseconds (2.5 ms cannot be negotiated, audio_packetizer.hpp).
  return ms == 5 || ms == 10 || ms == 20 || ms == 40 || ms == 60;
}

// libopus' multistream limit: at most 1275 bytes per stream and 20 ms frame (a 40 or 60 ms
// CELT packet holds 2 or 3 frames).
std::size_t max_packet_bytes_for(std::uint32_t streams, std::uint32_t duration_ms) noexcept {
  return std::size_t{1275} * streams * std::max<std::size_t>(1, duration_ms / 20);
}

[[noreturn]] void reject(const std::string& why) { throw std::invalid_argument("Opus config: " + why); }

void validate(const OpusConfig& c) {
  if (find_layout(c.channels) == nullptr) reject("channels must be 2, 6 or 8, got " + std::to_string(c.channels));
  if (c.streams < 1 || c.coupled_streams > c.streams || c.streams + c.coupled_streams != c.channels) {
    reject("streams " + std::to_string(c.streams) + " / coupled " + std::to_string(c.coupled_streams) +
           " do not code " + std::to_string(c.channels) + " channels (need streams + coupled == channels)");
  }
  // Every input channel coded exactly once: a permutation of the coded channel indices.
  std::array<bool, 8> seen{};
  for (std::uint32_t i = 0; i < c.channels; ++i) {
    const std::uint8_t m = c.mapping[i];
    if (m >= c.streams + c.coupled_streams) {
      reject("mapping[" + std::to_string(i) + "] = " + std::to_string(m) + " is not below streams + coupled");
    }
    if (seen[m]) reject("mapping uses coded channel " + std::to_string(m) + " twice");
    seen[m] = true;
  }
  if (!valid_duration(c.packet_duration_ms)) {
    reject("packet duration must be 5, 10, 20, 40 or 60 ms, got " + std::to_string(c.packet_duration_ms));
  }
  // libopus' multistream limits: at least 4 bytes per stream (OPUS_BUFFER_TOO_SMALL below)
  // and max_packet_bytes_for. Outside them CBR cannot be exact.
  const std::size_t bytes = opus_packet_bytes(c);
  if (bytes < 4u * c.streams || bytes > max_packet_bytes_for(c.streams, c.packet_duration_ms)) {
    reject("bitrate " + std::to_string(c.bitrate_bps) + " bps gives " + std::to_string(bytes) +
           "-byte packets, outside what " + std::to_string(c.streams) + " Opus stream(s) can carry");
  }
}

struct MsEncoderDeleter {
  void operator()(OpusMSEncoder* e) const noexcept { opus_multistream_encoder_destroy(e); }
};

class OpusMsEncoder final : public AudioEncoder {
 public:
  explicit OpusMsEncoder(const OpusConfig& c)
      : channels_(c.channels),
        frame_samples_(static_cast<std::size_t>(kSampleRateHz / 1000 * c.packet_duration_ms)),
        packet_bytes_(opus_packet_bytes(c)) {
    int err = OPUS_OK;
    encoder_.reset(opus_multistream_encoder_create(static_cast<opus_int32>(kSampleRateHz), static_cast<int>(c.channels),
                                                   static_cast<int>(c.streams), static_cast<int>(c.coupled_streams),
                                                   c.mapping.data(), OPUS_APPLICATION_RESTRICTED_LOWDELAY, &err));
    if (err != OPUS_OK || !encoder_) {
      throw std::runtime_error(std::string("opus_multistream_encoder_create: ") + opus_strerror(err));
    }
    // CBR (audio.md §2.5, §5.1): the audio FEC needs four equal payloads per block.
    ctl_or_throw(opus_multistream_encoder_ctl(encoder_.get(), OPUS_SET_VBR(0)), "OPUS_SET_VBR");
    ctl_or_throw(opus_multistream_encoder_ctl(encoder_.get(), OPUS_SET_BITRATE(static_cast<opus_int32>(c.bitrate_bps))),
                 "OPUS_SET_BITRATE");
    ctl_or_throw(opus_multistream_encoder_ctl(encoder_.get(), OPUS_SET_COMPLEXITY(kComplexity)),
                 "OPUS_SET_COMPLEXITY");
  }

  std::size_t frame_samples() const noexcept override { return frame_samples_; }
  std::uint32_t channels() const noexcept override { return channels_; }

  int encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept override {
    if (pcm.size() != frame_samples_ * channels_) return OPUS_BAD_ARG;
    if (out.size() < packet_bytes_) return OPUS_BUFFER_TOO_SMALL;
    // Offer exactly the CBR size: libopus pads the last stream up to it, so every packet is
    // packet_bytes_ long whatever the caller's buffer size.
    return opus_multistream_encode_float(encoder_.get(), pcm.data(), static_cast<int>(frame_samples_), out.data(),
                                         static_cast<opus_int32>(packet_bytes_));
  }

 private:
  static void ctl_or_throw(int rc, const char* what) {
    if (rc != OPUS_OK) throw std::runtime_error(std::string(what) + ": " + opus_strerror(rc));
  }

  std::uint32_t channels_;
  std::size_t frame_samples_;
  std::size_t packet_bytes_;
  std::unique_ptr<OpusMSEncoder, MsEncoderDeleter> encoder_;
};

}  // namespace

std::uint32_t opus_bitrate_bps(std::uint32_t channels, bool high_quality) noexcept {
  const LayoutRow* row = find_layout(channels);
  if (row == nullptr) return 0;
  return high_quality ? row->bitrate_high_bps : row->bitrate_normal_bps;
}

std::size_t opus_packet_bytes(const OpusConfig& config) noexcept {
  return static_cast<std::size_t>(static_cast<std::uint64_t>(config.bitrate_bps) * config.packet_duration_ms / 8000);
}

OpusConfig opus_config_for(std::uint32_t channels, bool high_quality, std::uint32_t packet_duration_ms) {
  const LayoutRow* row = find_layout(channels);
  if (row == nullptr) reject("channels must be 2, 6 or 8, got " + std::to_string(channels));
  if (!valid_duration(packet_duration_ms)) {
    reject("packet duration must be 5, 10, 20, 40 or 60 ms, got " + std::to_string(packet_duration_ms));
  }
  OpusConfig c;
  c.channels = channels;
  c.streams = high_quality ? row->streams_high : row->streams_normal;
  c.coupled_streams = high_quality ? row->coupled_high : row->coupled_normal;
  for (std::uint32_t i = 0; i < 8; ++i) c.mapping[i] = static_cast<std::uint8_t>(i < channels ? i : 0);
  c.packet_duration_ms = packet_duration_ms;
  // Cap so a packet fits one datagram (audio.md §3), bitrate × ms / 8000 ≤ 1375, and what
  // the streams can carry (stereo high quality at 20 ms would be 1280 bytes in one stream).
  const std::size_t cap_bytes = std::min(kMaxOpusPacketBytes, max_packet_bytes_for(c.streams, packet_duration_ms));
  const auto cap_bps = static_cast<std::uint32_t>(cap_bytes * 8000 / packet_duration_ms);
  c.bitrate_bps = std::min(high_quality ? row->bitrate_high_bps : row->bitrate_normal_bps, cap_bps);
  return c;
}

std::unique_ptr<AudioEncoder> make_opus_encoder(const OpusConfig& config) {
  validate(config);
  return std::make_unique<OpusMsEncoder>(config);
}

}  // namespace lightwell::audio
