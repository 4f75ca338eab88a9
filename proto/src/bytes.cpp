#include "lightwell/proto/bytes.hpp"

#include <bit>
#include <cstring>
#include <string>

namespace lightwell::proto {

const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::truncated: return "truncated";
    case Errc::too_large: return "too large";
    case Errc::malformed: return "malformed";
    case Errc::out_of_range: return "out of range";
    case Errc::unsupported: return "unsupported";
    case Errc::auth_failed: return "authentication failed";
    case Errc::crypto_failure: return "crypto failure";
  }
  return "unknown";
}

Result<Bytes> ByteReader::need(std::size_t n) {
  if (n > remaining()) {
    return fail(Errc::truncated, "need " + std::to_string(n) + " bytes at offset " +
                                     std::to_string(pos_) + ", have " + std::to_string(remaining()));
  }
  Bytes out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Result<std::uint8_t> ByteReader::u8() {
  return need(1).map([](Bytes b) { return b[0]; });
}
Result<std::uint16_t> ByteReader::u16_le() {
  return need(2).map([](Bytes b) { return load_u16_le(b.data()); });
}
Result<std::uint16_t> ByteReader::u16_be() {
  return need(2).map([](Bytes b) { return load_u16_be(b.data()); });
}
Result<std::uint32_t> ByteReader::u32_le() {
  return need(4).map([](Bytes b) { return load_u32_le(b.data()); });
}
Result<std::uint32_t> ByteReader::u32_be() {
  return need(4).map([](Bytes b) { return load_u32_be(b.data()); });
}
Result<std::uint64_t> ByteReader::u64_le() {
  return need(8).map([](Bytes b) {
    return std::uint64_t(load_u32_le(b.data())) | (std::uint64_t(load_u32_le(b.data() + 4)) << 32);
  });
}
Result<std::uint64_t> ByteReader::u64_be() {
  return need(8).map([](Bytes b) {
    return (std::uint64_t(load_u32_be(b.data())) << 32) | std::uint64_t(load_u32_be(b.data() + 4));
  });
}
Result<std::int16_t> ByteReader::i16_le() {
  return u16_le().map([](std::uint16_t v) { return static_cast<std::int16_t>(v); });
}
Result<std::int32_t> ByteReader::i32_le() {
  return u32_le().map([](std::uint32_t v) { return static_cast<std::int32_t>(v); });
}
Result<float> ByteReader::f32_le() {
  return u32_le().map([](std::uint32_t v) { return std::bit_cast<float>(v); });
}
Result<Bytes> ByteReader::take(std::size_t n) { return need(n); }
Bytes ByteReader::rest() noexcept {
  Bytes out = data_.subspan(pos_);
  pos_ = data_.size();
  return out;
}
Result<void> ByteReader::skip(std::size_t n) {
  return need(n).map([](Bytes) {});
}

std::uint8_t* ByteWriter::reserve(std::size_t n) {
  if (overflow_ || n > out_.size() - pos_) {
    overflow_ = true;
    return nullptr;
  }
  std::uint8_t* p = out_.data() + pos_;
  pos_ += n;
  return p;
}

ByteWriter& ByteWriter::u8(std::uint8_t v) {
  if (auto* p = reserve(1)) *p = v;
  return *this;
}
ByteWriter& ByteWriter::u16_le(std::uint16_t v) {
  if (auto* p = reserve(2)) store_u16_le(p, v);
  return *this;
}
ByteWriter& ByteWriter::u16_be(std::uint16_t v) {
  if (auto* p = reserve(2)) store_u16_be(p, v);
  return *this;
}
ByteWriter& ByteWriter::u32_le(std::uint32_t v) {
  if (auto* p = reserve(4)) store_u32_le(p, v);
  return *this;
}
ByteWriter& ByteWriter::u32_be(std::uint32_t v) {
  if (auto* p = reserve(4)) store_u32_be(p, v);
  return *this;
}
ByteWriter& ByteWriter::u64_le(std::uint64_t v) {
  if (auto* p = reserve(8)) store_u64_le(p, v);
  return *this;
}
ByteWriter& ByteWriter::u64_be(std::uint64_t v) {
  if (auto* p = reserve(8)) {
    store_u32_be(p, static_cast<std::uint32_t>(v >> 32));
    store_u32_be(p + 4, static_cast<std::uint32_t>(v));
  }
  return *this;
}
ByteWriter& ByteWriter::f32_le(float v) { return u32_le(std::bit_cast<std::uint32_t>(v)); }
ByteWriter& ByteWriter::bytes(Bytes v) {
  if (v.empty()) return *this;
  if (auto* p = reserve(v.size())) std::memcpy(p, v.data(), v.size());
  return *this;
}
ByteWriter& ByteWriter::text(std::string_view v) {
  return bytes(Bytes(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()));
}
ByteWriter& ByteWriter::zeros(std::size_t n) {
  if (n == 0) return *this;
  if (auto* p = reserve(n)) std::memset(p, 0, n);
  return *this;
}

}  // namespace lightwell::proto
