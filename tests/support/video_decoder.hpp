// Test-only H.264 / HEVC / AV1 decoder (libavcodec, Debian libavcodec-dev; AV1 through libdav1d) so tests can prove what the
// server sends decodes into the pictures it should (issue 4 "decode with libavcodec").
// Ownership: the decoded picture's planes are lent until the next decode() call.
// Thread: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lightwell::test {

struct DecodedPicture {
  int width_px = 0;
  int height_px = 0;
  const std::uint8_t* planes[3] = {nullptr, nullptr, nullptr};  // Y, U, V (yuv420p)
  std::size_t strides[3] = {0, 0, 0};
  bool key_frame = false;
  // The colour description the bitstream carried (AVColorPrimaries / AVColorTransferCharacteristic
  // / AVColorSpace numbers = ITU-T H.273 codes; range: 1 limited ("MPEG"), 2 full ("JPEG")).
  int color_primaries = 2;
  int color_transfer = 2;
  int color_matrix = 2;
  int color_range = 0;
};

enum class DecoderCodec { h264, hevc, av1 };

class H264Decoder {
 public:
  // Throws std::runtime_error if libavcodec has no decoder for the codec (AV1: libdav1d).
  explicit H264Decoder(DecoderCodec codec = DecoderCodec::h264);
  ~H264Decoder();
  H264Decoder(const H264Decoder&) = delete;
  H264Decoder& operator=(const H264Decoder&) = delete;

  // Decodes one access unit (Annex B, trailing zero padding allowed) or AV1 temporal unit. Low-delay: one picture
  // out per access unit. Returns false (and sets error()) if the decoder rejected it or
  // produced no picture.
  bool decode(std::span<const std::uint8_t> access_unit, DecodedPicture& out);
  const std::string& error() const noexcept { return error_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

// The same class for any codec (the name predates HEVC and AV1).
using VideoDecoder = H264Decoder;

}  // namespace lightwell::test
