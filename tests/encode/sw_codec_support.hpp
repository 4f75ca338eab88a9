// Helpers for the x265 and SVT-AV1 tests: encode the test pattern through an encoder that may
// answer EncodeStatus::pending (SVT-AV1), HEVC NAL types (ITU-T H.265 §7.3.1.2), AV1 OBU
// splitting (AV1 spec §5.3), and the decode-and-compare check against the reference picture.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "encode_support.hpp"
#include "h264_parse.hpp"
#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/video_encoder.hpp"
#include "video_decoder.hpp"

namespace lightwell::test {

// Encodes `count` source frames (forcing an IDR at the given 0-based input indices) and
// returns every access unit that came out, in output order. Pending answers are allowed
// only when allow_pending (SVT-AV1); `pending` counts them.
inline std::vector<EncodedCopy> encode_all(encode::VideoEncoder& enc, capture::FrameSource& source, int count,
                                           const std::set<int>& force_idr_at = {}, bool allow_pending = false,
                                           int* pending = nullptr) {
  std::vector<EncodedCopy> out;
  for (int i = 0; i < count; ++i) {
    capture::Frame frame;
    REQUIRE(source.capture(frame, std::chrono::milliseconds(0)) == capture::CaptureStatus::ok);
    const encode::EncodeResult r = enc.encode(frame, force_idr_at.count(i) != 0);
    INFO("frame " << frame.sequence << ": " << r.error);
    if (r.status == encode::EncodeStatus::pending) {
      REQUIRE(allow_pending);
      if (pending != nullptr) ++*pending;
      continue;
    }
    REQUIRE(r.status == encode::EncodeStatus::ok);
    REQUIRE_FALSE(r.frame.bitstream.empty());
    out.push_back(EncodedCopy{{r.frame.bitstream.begin(), r.frame.bitstream.end()}, r.frame.idr,
                              r.frame.source_sequence, frame.sequence});
  }
  return out;
}

// HEVC: nal_unit_type is bits 1..6 of the first header byte (H.265 §7.3.1.2).
namespace hevc {
inline constexpr int kTrailN = 0, kTrailR = 1, kIdrWRadl = 19, kIdrNLp = 20, kVps = 32, kSps = 33, kPps = 34,
                     kAud = 35, kPrefixSei = 39, kSuffixSei = 40;
inline std::vector<int> nal_types(std::span<const std::uint8_t> au) {
  std::vector<int> types;
  for (const auto& n : h264::split_annexb(au)) {
    REQUIRE(n.bytes.size() >= 2);
    types.push_back((n.bytes[0] >> 1) & 0x3F);
  }
  return types;
}
inline bool is_slice(int type) { return type <= 21; }  // VCL NAL unit types 0..31, used 0..21
}  // namespace hevc

// AV1 low-overhead bitstream: OBUs with obu_has_size_field (AV1 spec §5.3.1, §5.3.2).
namespace av1 {
inline constexpr int kSequenceHeader = 1, kTemporalDelimiter = 2, kFrameHeader = 3, kTileGroup = 4, kMetadata = 5,
                     kFrame = 6, kPadding = 15;
struct Obu {
  int type = 0;
  std::span<const std::uint8_t> payload;
};
// Splits a temporal unit; nullopt if any OBU lacks a size field or its size lies.
inline std::optional<std::vector<Obu>> split(std::span<const std::uint8_t> tu) {
  std::vector<Obu> out;
  std::size_t i = 0;
  while (i < tu.size()) {
    const std::uint8_t h = tu[i++];
    if ((h & 0x80) != 0) return std::nullopt;  // obu_forbidden_bit
    Obu o;
    o.type = (h >> 3) & 0x0F;
    const bool extension = (h & 0x04) != 0, has_size = (h & 0x02) != 0;
    if (!has_size) return std::nullopt;
    if (extension) ++i;
    std::uint64_t size = 0;
    for (int k = 0;; ++k) {  // leb128 (§4.10.5), at most 8 bytes
      if (i >= tu.size() || k == 8) return std::nullopt;
      const std::uint8_t b = tu[i++];
      size |= std::uint64_t{b & 0x7Fu} << (7 * k);
      if ((b & 0x80) == 0) break;
    }
    if (size > tu.size() - i) return std::nullopt;
    o.payload = tu.subspan(i, static_cast<std::size_t>(size));
    i += static_cast<std::size_t>(size);
    out.push_back(o);
  }
  return out;
}
inline std::vector<int> types(const std::vector<Obu>& obus) {
  std::vector<int> t;
  for (const auto& o : obus) t.push_back(o.type);
  return t;
}
// frame_type of a FRAME / FRAME_HEADER OBU (§5.9.2, reduced_still_picture_header = 0):
// show_existing_frame(1) then frame_type(2): 0 KEY_FRAME, 1 INTER_FRAME.
inline int frame_type(const Obu& o) {
  REQUIRE_FALSE(o.payload.empty());
  REQUIRE((o.payload[0] & 0x80) == 0);  // not show_existing_frame
  return (o.payload[0] >> 5) & 0x03;
}
}  // namespace av1

// Decodes one access unit / temporal unit and checks it shows frame `number`: the number row
// reads back exactly and the picture is within `min_psnr_db` of the reference. Returns the
// PSNR.
inline double check_decodes_to(VideoDecoder& dec, std::span<const std::uint8_t> au, std::uint32_t number,
                               std::uint32_t w, std::uint32_t h, double min_psnr_db) {
  DecodedPicture pic;
  INFO("frame " << number << ": " << dec.error());
  REQUIRE(dec.decode(au, pic));
  REQUIRE(pic.width_px == static_cast<int>(w));
  REQUIRE(pic.height_px == static_cast<int>(h));
  if (w >= 512 && h >= 64) {
    const auto read = capture::read_test_pattern_number(pic.planes[0], pic.strides[0], w, h);
    REQUIRE(read.has_value());
    CHECK(*read == number);
  }
  const capture::I420Image ref = capture::render_test_pattern(number, w, h);
  const double psnr = capture::psnr_i420_db(ref, pic.planes, pic.strides);
  INFO("PSNR " << psnr << " dB");
  CHECK(psnr >= min_psnr_db);
  return psnr;
}

}  // namespace lightwell::test
