// UTF-8 text packets (input.md §3.3): strict UTF-8, bounded length, decoded code points.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "lightwell/proto/input.hpp"
#include "test_input_util.hpp"

using namespace lightwell::proto;
using namespace lightwell::proto::input;
using namespace lightwell::test::input_util;

namespace {

// A text packet as the client frames it: BE32 size, LE32 magic 0x17, the bytes.
Packet text_packet(const std::vector<std::uint8_t>& body) {
  Packet p(8);
  store_u32_le(p.data() + 4, magic::utf8_text);
  p.insert(p.end(), body.begin(), body.end());
  return fix_size(p);
}

Result<InputEvent> parse_text(const std::vector<std::uint8_t>& body) {
  return parse(text_packet(body));
}

}  // namespace

TEST_CASE("input text: the captured euro packet is the doc's example") {
  // input.md §3.3: "00000007 17000000 e2 82 ac" for the euro sign.
  const Packet euro = text_packet({0xE2, 0x82, 0xAC});
  CHECK(lightwell::test::hex(euro) == "0000000717000000e282ac");
  auto r = parse(euro);
  REQUIRE(r.has_value());
  CHECK(std::get<TextEvent>(*r).decoded()[0] == U'\u20ac');
}

TEST_CASE("input text: boundary code points of every UTF-8 length decode exactly") {
  struct Case {
    std::vector<std::uint8_t> bytes;
    char32_t cp;
  };
  const Case cases[] = {
      {{0x01}, 0x01},                      // smallest accepted (U+0000 is rejected)
      {{0x7F}, 0x7F},                      // last 1-byte
      {{0xC2, 0x80}, 0x80},                // first 2-byte
      {{0xDF, 0xBF}, 0x7FF},               // last 2-byte
      {{0xE0, 0xA0, 0x80}, 0x800},         // first 3-byte
      {{0xED, 0x9F, 0xBF}, 0xD7FF},        // just below the surrogates
      {{0xEE, 0x80, 0x80}, 0xE000},        // just above the surrogates
      {{0xEF, 0xBF, 0xBF}, 0xFFFF},        // last 3-byte
      {{0xF0, 0x90, 0x80, 0x80}, 0x10000}, // first 4-byte
      {{0xF0, 0x9F, 0x98, 0x80}, 0x1F600}, // an emoji
      {{0xF4, 0x8F, 0xBF, 0xBF}, 0x10FFFF} // last code point
  };
  for (const auto& c : cases) {
    INFO("expected U+" << std::hex << static_cast<std::uint32_t>(c.cp));
    auto r = parse_text(c.bytes);
    REQUIRE(r.has_value());
    const auto& t = std::get<TextEvent>(*r);
    REQUIRE(t.decoded().size() == 1);
    CHECK(t.decoded()[0] == c.cp);
    CHECK(t.size_bytes == c.bytes.size());
  }
}

TEST_CASE("input text: invalid UTF-8 is rejected whole") {
  const std::vector<std::vector<std::uint8_t>> overlong = {
      {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80}, {0xE0, 0x9F, 0xBF},
      {0xF0, 0x80, 0x80, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF}, {0xC0, 0xAF}};  // C0 AF = overlong '/'
  const std::vector<std::vector<std::uint8_t>> surrogates = {
      {0xED, 0xA0, 0x80}, {0xED, 0xAF, 0xBF}, {0xED, 0xB0, 0x80}, {0xED, 0xBF, 0xBF},
      // CESU-8 style surrogate pair for U+1F600
      {0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}};
  const std::vector<std::vector<std::uint8_t>> truncated = {
      {0xC3}, {0xE2, 0x82}, {0xF0, 0x9F, 0x98}, {0x61, 0xE2}, {0xE2, 0x82, 0x61}};
  const std::vector<std::vector<std::uint8_t>> other = {
      {0x80},                     // stray continuation
      {0xBF},
      {0x61, 0x80},
      {0xF4, 0x90, 0x80, 0x80},   // U+110000
      {0xF5, 0x80, 0x80, 0x80},
      {0xF8, 0x88, 0x80, 0x80, 0x80},  // old 5-byte form
      {0xFE},
      {0xFF},
      {0xC3, 0xC3},               // lead where a continuation belongs
  };
  for (const auto* group : {&overlong, &surrogates, &truncated, &other}) {
    for (const auto& body : *group) {
      INFO("body " << lightwell::test::hex(body));
      auto r = parse_text(body);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Errc::malformed);
    }
  }
  // U+0000 is well-formed UTF-8 but not text anyone types.
  for (const auto& body : std::vector<std::vector<std::uint8_t>>{{0x00}, {0x61, 0x00}}) {
    auto r = parse_text(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::out_of_range);
  }
}

TEST_CASE("input text: length bounds (1..32 bytes of text)") {
  auto empty = parse_text({});
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == Errc::truncated);

  // 32 bytes, the client's buffer size, of several code points: accepted and all decoded.
  std::vector<std::uint8_t> full;
  for (int i = 0; i < 8; ++i) full.insert(full.end(), {0xF0, 0x9F, 0x98, 0x80});
  auto ok = parse_text(full);
  REQUIRE(ok.has_value());
  CHECK(std::get<TextEvent>(*ok).decoded().size() == 8);
  std::vector<std::uint8_t> ascii(32, 'a');
  auto ok2 = parse_text(ascii);
  REQUIRE(ok2.has_value());
  CHECK(std::get<TextEvent>(*ok2).utf8() == std::string(32, 'a'));
  CHECK(std::get<TextEvent>(*ok2).decoded().size() == 32);

  for (std::size_t n : {33u, 100u, 1000u, 65531u}) {
    INFO("text bytes " << n);
    auto r = parse_text(std::vector<std::uint8_t>(n, 'a'));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::too_large);
  }
}

TEST_CASE("input text: the captured packets, truncated and extended") {
  for (const auto& p : all_packets()) {
    if (load_u32_le(p.data() + 4) != magic::utf8_text) continue;
    INFO("packet " << lightwell::test::hex(p));
    // One byte short with a consistent size: empty ('h') or a cut sequence.
    Packet shorter = fix_size(Packet(p.begin(), p.end() - 1));
    auto r = parse(shorter);
    REQUIRE_FALSE(r.has_value());
    CHECK((r.error().code == Errc::truncated || r.error().code == Errc::malformed));
    // The size field lying about the text length.
    Packet lie = p;
    store_u32_be(lie.data(), load_u32_be(p.data()) + 1);
    CHECK(parse(lie).error().code == Errc::truncated);
    store_u32_be(lie.data(), load_u32_be(p.data()) - 1);
    CHECK(parse(lie).error().code == Errc::malformed);
    // A continuation byte appended: no longer valid.
    Packet extended = p;
    extended.push_back(0x80);
    CHECK(parse(fix_size(extended)).error().code == Errc::malformed);
  }
}
