// Helpers shared by the x264 tests: an encoder fed by the test-pattern source, access units
// copied out (the encoder only lends them until its next call), NAL type lists.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "h264_parse.hpp"
#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/video_encoder.hpp"

namespace lightwell::test {

struct EncodedCopy {
  std::vector<std::uint8_t> bytes;
  bool idr = false;
  std::uint64_t source_sequence = 0;
  std::uint64_t frame_sequence = 0;  // what the source said
};

inline encode::EncoderConfig config_for(std::uint32_t w, std::uint32_t h, std::uint32_t kbps) {
  encode::EncoderConfig c;
  c.width_px = w;
  c.height_px = h;
  c.bitrate_kbps = kbps;
  c.frame_rate_x100 = 6000;
  return c;
}

// Captures `count` frames from `source`, encodes them (forcing an IDR at the given 0-based
// indices) and copies every access unit out. Fails the test on any encode error.
inline std::vector<EncodedCopy> encode_frames(encode::VideoEncoder& enc, capture::FrameSource& source, int count,
                                              const std::set<int>& force_idr_at = {}) {
  std::vector<EncodedCopy> out;
  for (int i = 0; i < count; ++i) {
    capture::Frame frame;
    REQUIRE(source.capture(frame, std::chrono::milliseconds(0)) == capture::CaptureStatus::ok);
    const encode::EncodeResult r = enc.encode(frame, force_idr_at.count(i) != 0);
    INFO("frame " << frame.sequence << ": " << r.error);
    REQUIRE(r.status == encode::EncodeStatus::ok);
    REQUIRE_FALSE(r.frame.bitstream.empty());
    out.push_back(EncodedCopy{{r.frame.bitstream.begin(), r.frame.bitstream.end()}, r.frame.idr,
                              r.frame.source_sequence, frame.sequence});
  }
  return out;
}

inline std::vector<int> nal_types(std::span<const std::uint8_t> au) {
  std::vector<int> types;
  for (const auto& n : h264::split_annexb(au)) types.push_back(n.type);
  return types;
}

inline bool starts_with_start_code(std::span<const std::uint8_t> au) {
  return (au.size() >= 4 && au[0] == 0 && au[1] == 0 && au[2] == 0 && au[3] == 1) ||
         (au.size() >= 3 && au[0] == 0 && au[1] == 0 && au[2] == 1);
}

}  // namespace lightwell::test
