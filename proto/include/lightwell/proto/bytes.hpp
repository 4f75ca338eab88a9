// Bounds-checked byte readers and writers. The GameStream wire mixes byte orders (RTP and
// the pairing/RTSP parts are big-endian, NV_VIDEO_PACKET, control and most input fields are
// little-endian: shared/protocol video.md §11, control.md §3, input.md §2), so every accessor
// names its order. Neither class owns memory; both borrow a caller's span for their lifetime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

// Reads from a borrowed span. A read past the end fails and leaves the position unchanged,
// so a caller can report the offset of the field that did not fit.
class ByteReader {
 public:
  explicit ByteReader(Bytes data) noexcept : data_(data) {}

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool empty() const noexcept { return pos_ == data_.size(); }

  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16_le();
  Result<std::uint16_t> u16_be();
  Result<std::uint32_t> u32_le();
  Result<std::uint32_t> u32_be();
  Result<std::uint64_t> u64_le();
  Result<std::uint64_t> u64_be();
  Result<std::int16_t> i16_le();
  Result<std::int32_t> i32_le();
  Result<float> f32_le();  // IEEE-754 binary32, as the motion and touch packets carry it
  // The next n bytes as a sub-span of the input (no copy).
  Result<Bytes> take(std::size_t n);
  // Everything not yet read.
  Bytes rest() noexcept;
  Result<void> skip(std::size_t n);

 private:
  Result<Bytes> need(std::size_t n);
  Bytes data_;
  std::size_t pos_ = 0;
};

// Writes into a borrowed, fixed-size span (builders write into caller buffers; the hot path
// never allocates). A write that does not fit sets the overflow flag and writes nothing;
// check ok() once after a sequence of writes.
class ByteWriter {
 public:
  explicit ByteWriter(MutableBytes out) noexcept : out_(out) {}

  std::size_t size() const noexcept { return pos_; }  // bytes written so far
  bool ok() const noexcept { return !overflow_; }
  MutableBytes written() const noexcept { return out_.first(pos_); }

  ByteWriter& u8(std::uint8_t v);
  ByteWriter& u16_le(std::uint16_t v);
  ByteWriter& u16_be(std::uint16_t v);
  ByteWriter& u32_le(std::uint32_t v);
  ByteWriter& u32_be(std::uint32_t v);
  ByteWriter& u64_le(std::uint64_t v);
  ByteWriter& u64_be(std::uint64_t v);
  ByteWriter& f32_le(float v);
  ByteWriter& bytes(Bytes v);
  ByteWriter& text(std::string_view v);
  ByteWriter& zeros(std::size_t n);

 private:
  std::uint8_t* reserve(std::size_t n);
  MutableBytes out_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

// Plain load/store helpers for fixed offsets in a buffer the caller has already sized.
inline void store_u16_le(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_u16_be(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_u32_le(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_u32_be(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (3 - i)));
}
inline void store_u64_le(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint16_t load_u16_le(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint16_t load_u16_be(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_u32_le(const std::uint8_t* p) noexcept {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
         (std::uint32_t(p[3]) << 24);
}
inline std::uint32_t load_u32_be(const std::uint8_t* p) noexcept {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

}  // namespace lightwell::proto
