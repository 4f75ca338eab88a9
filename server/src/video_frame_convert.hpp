// The step between capture and the software encoder on the video thread (docs/capture-kms.md
// "Colour" and "Size"): x264 takes i420/nv12 at the stream's size, KMS hands out bgrx8888 at
// the screen's size. This converts to NV12 in the colour space and range the client
// negotiated (EncoderConfig color_space/full_range → encode/convert.hpp), and when the screen's
// size is not the stream's, first scales the picture to fit with its aspect ratio kept and
// black bars (nearest neighbour, encode::scale_xrgb_letterbox). Decision: the stream keeps
// the size the client asked for (a client does not expect its decoder to be resized
// mid-stream); the screen is fitted into it.
//
// Ownership: the NV12 frame returned is lent until the next prepare() or destruction.
// Buffers are allocated on first use and kept (no allocation per frame after that).
// Thread: the video thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lightwell/capture/frame_source.hpp"
#include "lightwell/encode/convert.hpp"

namespace lightwell::server {

class VideoFrameConverter {
 public:
  VideoFrameConverter(std::uint32_t stream_width_px, std::uint32_t stream_height_px, encode::YuvFormat format);

  // The frame to encode: `in` itself when it is i420/nv12 at the stream's size, else a
  // converted NV12 frame owned here. nullptr with `error` set when it cannot be converted
  // (a YUV frame of another size, no bgrx plane).
  const capture::Frame* prepare(const capture::Frame& in, std::string& error);

  // True when the last prepare() had to scale (the screen's size differs from the stream's).
  bool scaled() const noexcept { return scaled_; }
  encode::YuvFormat format() const noexcept { return format_; }

 private:
  std::uint32_t width_px_;
  std::uint32_t height_px_;
  encode::YuvFormat format_;
  std::vector<std::uint8_t> nv12_;
  std::vector<std::uint8_t> canvas_;  // XRGB at the stream's size, for the scaled case
  capture::Frame out_{};
  bool scaled_ = false;
};

}  // namespace lightwell::server
