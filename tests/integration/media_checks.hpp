// Checks on what a test client received, against facts: the decoded picture carries the frame
// number the test pattern drew and matches the pattern (PSNR), and every decoded audio channel
// carries its own test tone (audio.md §2.3 order). Test-only (libavcodec, libopus).
#pragma once

#include <opus/opus_multistream.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "lightwell/audio/test_tone.hpp"
#include "lightwell/capture/test_pattern.hpp"
#include "tone_margin.hpp"
#include "stream_client.hpp"
#include "video_decoder.hpp"

namespace lightwell::test {

struct VideoCheck {
  std::size_t decoded = 0;
  std::vector<std::uint32_t> numbers;  // frame numbers read back, in order
  double min_psnr_db = 1000;
  std::size_t idr_frames = 0;
  std::string first_error;
};

inline VideoCheck check_video(const std::vector<ReceivedVideoFrame>& frames, std::uint32_t width_px,
                              std::uint32_t height_px, DecoderCodec codec = DecoderCodec::h264) {
  VideoCheck out;
  VideoDecoder decoder(codec);
  for (const auto& f : frames) {
    if (f.frame_type == 2) ++out.idr_frames;
    DecodedPicture pic;
    if (!decoder.decode(f.bitstream, pic)) {
      if (out.first_error.empty()) out.first_error = "frame " + std::to_string(f.frame_index) + ": " + decoder.error();
      continue;
    }
    ++out.decoded;
    if (pic.width_px != static_cast<int>(width_px) || pic.height_px != static_cast<int>(height_px)) {
      if (out.first_error.empty()) out.first_error = "decoded size differs";
      continue;
    }
    const auto number = capture::read_test_pattern_number(pic.planes[0], pic.strides[0], width_px, height_px);
    if (!number) continue;
    out.numbers.push_back(*number);
    const capture::I420Image reference = capture::render_test_pattern(*number, width_px, height_px);
    out.min_psnr_db = std::min(out.min_psnr_db, capture::psnr_i420_db(reference, pic.planes, pic.strides));
  }
  return out;
}

inline bool consecutive(const std::vector<std::uint32_t>& numbers) {
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] != numbers[i - 1] + 1) return false;
  }
  return !numbers.empty();
}

struct OpusLayout {
  int channels = 2, streams = 1, coupled = 1;
  std::array<unsigned char, 8> mapping{0, 1};
};

// The layout the client ends up with (audio.md §2.4): stereo fixed; otherwise the first
// (normal) or second (high quality) `a=fmtp:97 surround-params=<C>…` line of DESCRIBE, the
// normal one re-ordered as the client does (mapping'[3] = m[C-1], mapping'[4..] = m[3..C-2]).
inline std::optional<OpusLayout> client_opus_layout(const std::string& describe, int channels, bool high_quality) {
  OpusLayout l;
  if (channels == 2) return l;
  const std::string marker = "a=fmtp:97 surround-params=" + std::to_string(channels);
  std::size_t at = describe.find(marker);
  if (at != std::string::npos && high_quality) at = describe.find(marker, at + 1);
  if (at == std::string::npos) return std::nullopt;
  const std::string digits = describe.substr(at + marker.size(), static_cast<std::size_t>(2 + channels));
  if (digits.size() != static_cast<std::size_t>(2 + channels)) return std::nullopt;
  l.channels = channels;
  l.streams = digits[0] - '0';
  l.coupled = digits[1] - '0';
  std::array<unsigned char, 8> m{};
  for (int i = 0; i < channels; ++i) m[static_cast<std::size_t>(i)] = static_cast<unsigned char>(digits[static_cast<std::size_t>(2 + i)] - '0');
  if (!high_quality) {
    std::array<unsigned char, 8> r = m;
    r[3] = m[static_cast<std::size_t>(channels - 1)];
    for (int i = 4; i < channels; ++i) r[static_cast<std::size_t>(i)] = m[static_cast<std::size_t>(i - 1)];
    m = r;
  }
  l.mapping = m;
  return l;
}

struct AudioCheck {
  std::size_t decoded_packets = 0;
  std::vector<double> own_tone_margin_db;  // per channel: own tone over the strongest other (median of 20 ms blocks)
  std::size_t signal_blocks = 0;           // 20 ms blocks that carried a tone
  std::string error;
};

inline AudioCheck check_audio(const std::vector<ReceivedAudioPacket>& packets, const OpusLayout& layout) {
  AudioCheck out;
  int err = 0;
  OpusMSDecoder* dec = opus_multistream_decoder_create(48000, layout.channels, layout.streams, layout.coupled,
                                                       layout.mapping.data(), &err);
  if (dec == nullptr) {
    out.error = "opus_multistream_decoder_create failed: " + std::to_string(err);
    return out;
  }
  std::vector<float> pcm;
  std::vector<float> frame(static_cast<std::size_t>(5760 * layout.channels));
  for (const auto& p : packets) {
    const int n = opus_multistream_decode_float(dec, p.opus.data(), static_cast<opus_int32>(p.opus.size()),
                                                frame.data(), 5760, 0);
    if (n < 0) {
      out.error = "opus decode failed: " + std::to_string(n);
      break;
    }
    ++out.decoded_packets;
    // Skip the first 100 ms (encoder and decoder start-up).
    if (out.decoded_packets > 20) pcm.insert(pcm.end(), frame.begin(), frame.begin() + n * layout.channels);
  }
  opus_multistream_decoder_destroy(dec);
  const auto margins = tone_margins(pcm, static_cast<std::size_t>(layout.channels), [](std::size_t c) {
    return audio::test_tone_frequency_hz(static_cast<std::uint32_t>(c));
  });
  out.own_tone_margin_db = margins.median_db;
  out.signal_blocks = margins.signal_blocks;
  return out;
}

}  // namespace lightwell::test
