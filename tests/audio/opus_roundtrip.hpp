// Test helpers for tests/audio: the client's reading of a `surround-params` string, a
// multistream decode of our encoder's packets, and a Goertzel tone detector.
// Written from the facts in audio.md §2.4 (not from the client's code).
#pragma once

#include <opus_multistream.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/audio/audio_source.hpp"
#include "lightwell/audio/opus_encoder.hpp"

namespace lightwell::audio::testing {

// What the client decodes with (audio.md §2.4).
struct ClientLayout {
  int channels = 2;
  int streams = 1;
  int coupled = 1;
  std::array<unsigned char, 8> mapping{0, 1};
};

// Stereo is hard-coded in the client: 2 / 1 / 1 / [0, 1].
inline ClientLayout client_stereo_layout() { return {}; }

// `text` is the value after "surround-params=": C S K m0 … m(C−1), one digit each. The first
// line for a channel count is normal quality, which the client re-orders to undo GFE's "LFE
// last" (C = 6 or 8): m'[3] = m[C−1], m'[4..C−1] = m[3..C−2]. The second line is used as is.
inline std::optional<ClientLayout> parse_client_surround_params(std::string_view text, bool normal_quality) {
  if (text.empty()) return std::nullopt;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  ClientLayout l;
  l.channels = text[0] - '0';
  if (l.channels < 1 || l.channels > 8 || text.size() != static_cast<std::size_t>(3 + l.channels)) return std::nullopt;
  l.streams = text[1] - '0';
  l.coupled = text[2] - '0';
  for (int i = 0; i < l.channels; ++i) l.mapping[static_cast<std::size_t>(i)] = static_cast<unsigned char>(text[3 + static_cast<std::size_t>(i)] - '0');
  if (normal_quality && (l.channels == 6 || l.channels == 8)) {
    const auto c = static_cast<std::size_t>(l.channels);
    const auto original = l.mapping;
    l.mapping[3] = original[c - 1];
    for (std::size_t i = 4; i < c; ++i) l.mapping[i] = original[i - 1];
  }
  return l;
}

struct MsDecoderDeleter {
  void operator()(OpusMSDecoder* d) const noexcept { opus_multistream_decoder_destroy(d); }
};

// Decodes each packet (frame_samples per channel) with the client's layout; returns the
// interleaved output, channels = layout.channels.
inline std::vector<float> decode_packets(const ClientLayout& layout, const std::vector<std::vector<std::uint8_t>>& packets,
                                         int frame_samples) {
  int err = OPUS_OK;
  std::unique_ptr<OpusMSDecoder, MsDecoderDeleter> dec(opus_multistream_decoder_create(
      48000, layout.channels, layout.streams, layout.coupled, layout.mapping.data(), &err));
  if (err != OPUS_OK || !dec) throw std::runtime_error(opus_strerror(err));
  std::vector<float> pcm;
  std::vector<float> frame(static_cast<std::size_t>(frame_samples * layout.channels));
  for (const auto& p : packets) {
    const int n = opus_multistream_decode_float(dec.get(), p.data(), static_cast<opus_int32>(p.size()), frame.data(),
                                                frame_samples, 0);
    if (n != frame_samples) throw std::runtime_error("opus_multistream_decode_float failed");
    pcm.insert(pcm.end(), frame.begin(), frame.end());
  }
  return pcm;
}

// Amplitude of the sine at freq_hz in channel `channel` of interleaved pcm, over `count`
// samples from `first` (Goertzel; exact for a tone on a bin: count·freq/48000 an integer).
inline double goertzel_amplitude(std::span<const float> pcm, int channels, int channel, std::size_t first,
                                 std::size_t count, double freq_hz) {
  const double w = 2.0 * std::numbers::pi * freq_hz / 48000.0;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const double x = pcm[(first + k) * static_cast<std::size_t>(channels) + static_cast<std::size_t>(channel)];
    const double s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * std::sqrt(std::max(power, 0.0)) / static_cast<double>(count);
}

// Encodes `frames` packets of `source` with an encoder for `config`.
inline std::vector<std::vector<std::uint8_t>> encode_frames(AudioSource& source, const OpusConfig& config, int frames) {
  auto enc = make_opus_encoder(config);
  std::vector<float> pcm(enc->frame_samples() * enc->channels());
  std::vector<std::uint8_t> out(4000);
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < frames; ++i) {
    if (source.read(pcm, std::chrono::milliseconds(0)) != AudioStatus::ok) throw std::runtime_error("source read failed");
    const int n = enc->encode(pcm, out);
    if (n <= 0) throw std::runtime_error(std::string("encode failed: ") + opus_strerror(n));
    packets.emplace_back(out.begin(), out.begin() + n);
  }
  return packets;
}

}  // namespace lightwell::audio::testing
