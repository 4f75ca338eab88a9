// Byte readers/writers and hex: the bounds checks every parser relies on.
#include <catch2/catch.hpp>

#include <array>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/hex.hpp"

using namespace lightwell::proto;

TEST_CASE("ByteReader reads both byte orders and refuses to run past the end") {
  const std::array<std::uint8_t, 7> in{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r{Bytes(in)};
  CHECK(r.u16_le().value() == 0x0201);
  CHECK(r.u16_be().value() == 0x0304);
  auto too_long = r.u32_le();
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().code == Errc::truncated);
  CHECK(r.position() == 4);  // a failed read consumes nothing
  CHECK(r.take(3).value().size() == 3);
  CHECK(r.empty());
  CHECK_FALSE(r.u8());
}

TEST_CASE("ByteReader reads 64-bit and float fields") {
  const std::array<std::uint8_t, 12> in{1, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x00, 0x80, 0x3f};
  ByteReader r{Bytes(in)};
  CHECK(r.u64_le().value() == 0x8000000000000001ULL);
  CHECK(r.f32_le().value() == 1.0f);
}

TEST_CASE("ByteWriter flags overflow and writes nothing past the buffer") {
  std::array<std::uint8_t, 6> out{};
  ByteWriter w{MutableBytes(out)};
  w.u32_be(0xA1B2C3D4).u16_le(0x0102);
  CHECK(w.ok());
  CHECK(out == std::array<std::uint8_t, 6>{0xA1, 0xB2, 0xC3, 0xD4, 0x02, 0x01});
  w.u8(0xFF);
  CHECK_FALSE(w.ok());
  CHECK(w.size() == 6);
}

TEST_CASE("hex decoding accepts both cases and rejects bad input") {
  CHECK(to_hex(from_hex("00aBfF", 16).value()) == "00abff");
  CHECK(to_hex(from_hex("00abff", 16).value(), true) == "00ABFF");
  CHECK(from_hex("abc", 16).error().code == Errc::malformed);
  CHECK(from_hex("zz", 16).error().code == Errc::malformed);
  CHECK(from_hex("0011", 1).error().code == Errc::too_large);
}
