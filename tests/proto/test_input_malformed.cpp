// Malformed input packets, built by damaging the real client packets of input_packets.txt:
// every type truncated, extended, with a lying size field, a wrong magic, out-of-range
// numbers, bad floats. Each must be rejected whole with the documented error code.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <variant>

#include "lightwell/proto/input.hpp"
#include "test_input_util.hpp"

using namespace lightwell::proto;
using namespace lightwell::proto::input;
using namespace lightwell::test::input_util;

namespace {

Errc error_of(const Packet& p) {
  auto r = parse(p);
  REQUIRE_FALSE(r.has_value());
  CHECK_FALSE(r.error().message.empty());
  return r.error().code;
}

const std::uint32_t kFixedMagics[] = {
    magic::key_down,          magic::key_up,
    magic::mouse_position,    magic::mouse_move,
    magic::mouse_button_down, magic::mouse_button_up,
    magic::vertical_scroll,   magic::controller_state,
    magic::enable_haptics,    magic::horizontal_scroll,
    magic::touch,             magic::pen,
    magic::controller_arrival, magic::controller_touch,
    magic::controller_motion, magic::controller_battery,
};

}  // namespace

TEST_CASE("input malformed: the vectors hold one packet of every 7.1.431 type") {
  const auto by_magic = first_by_magic();
  CHECK(by_magic.size() == 17);
  for (auto m : kFixedMagics) CHECK(by_magic.count(m) == 1);
  CHECK(by_magic.count(magic::utf8_text) == 1);
}

TEST_CASE("input malformed: shorter than the 8-byte header") {
  const Packet p = sample(magic::key_down);
  for (std::size_t n = 0; n < kHeaderBytes; ++n) {
    CHECK(error_of(Packet(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n))) ==
          Errc::truncated);
  }
}

TEST_CASE("input malformed: every fixed-size type, truncated, extended, lying size") {
  for (auto m : kFixedMagics) {
    const Packet good = sample(m);
    INFO("magic " << m << " size " << good.size());
    REQUIRE(parse(good).has_value());

    Packet shorter(good.begin(), good.end() - 1);
    CHECK(error_of(shorter) == Errc::truncated);            // size field claims one more
    CHECK(error_of(fix_size(shorter)) == Errc::truncated);  // consistent, but short for the type

    Packet longer = good;
    longer.push_back(0);
    CHECK(error_of(longer) == Errc::malformed);            // one byte the size does not cover
    CHECK(error_of(fix_size(longer)) == Errc::too_large);  // consistent, but long for the type

    const auto n = static_cast<std::uint32_t>(good.size() - 4);
    Packet lie = good;
    for (std::uint32_t size : {n - 1, 0u}) {
      store_u32_be(lie.data(), size);
      CHECK(error_of(lie) == Errc::malformed);
    }
    for (std::uint32_t size : {n + 1, n + 4, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
      store_u32_be(lie.data(), size);
      CHECK(error_of(lie) == Errc::truncated);
    }
    // The size is big-endian: the same value little-endian is a lie.
    store_u32_be(lie.data(), __builtin_bswap32(n));
    CHECK_FALSE(parse(lie).has_value());

    // Every truncation point, with the size left as sent.
    for (std::size_t len = 0; len < good.size(); ++len) {
      CHECK(error_of(Packet(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len))) ==
            Errc::truncated);
    }
  }
}

TEST_CASE("input malformed: unknown magic is 'unsupported', and only unknown magic is") {
  const Packet good = sample(magic::key_down);
  // Legacy magics (0x06 = gen-4 relative mouse, 0x0B..), byte-swapped (a BE magic), unused
  // Sunshine values, garbage.
  for (std::uint32_t m : {0x00000000u, 0x00000001u, 0x00000002u, 0x00000006u, 0x0000000Bu,
                          0x0000000Eu, 0x00000016u, 0x00000018u, 0x03000000u, 0x55000000u,
                          0x55000008u, 0x01000055u, 0xFFFFFFFFu}) {
    INFO("magic " << m);
    CHECK(error_of(with_u32_le(good, 4, m)) == Errc::unsupported);
  }
  // Unknown magic with a lying size is a framing error, not something to ignore.
  Packet lying = with_u32_le(good, 4, 0x55000008u);
  store_u32_be(lying.data(), 100);
  CHECK(error_of(lying) == Errc::truncated);
  // A known magic on a packet of another type's size is rejected by size, never misread.
  CHECK(error_of(with_u32_le(good, 4, magic::mouse_move)) == Errc::too_large);
  CHECK(error_of(with_u32_le(good, 4, magic::touch)) == Errc::truncated);
  CHECK(error_of(with_u32_le(good, 4, magic::mouse_button_down)) == Errc::too_large);
}

TEST_CASE("input malformed: controller number 0..15 in every controller packet") {
  struct Field {
    std::uint32_t magic;
    bool le16;
  };
  for (Field f : {Field{magic::controller_state, true}, Field{magic::controller_arrival, false},
                  Field{magic::controller_touch, false}, Field{magic::controller_motion, false},
                  Field{magic::controller_battery, false}}) {
    INFO("magic " << f.magic);
    const Packet good = sample(f.magic);
    const std::size_t off = f.le16 ? 10 : 8;
    auto set = [&](int n) { return f.le16 ? with_u16_le(good, off, n) : with_u8(good, off, n); };
    auto ok = parse(set(15));
    REQUIRE(ok.has_value());
    CHECK(client_channel(*ok) == (f.magic == magic::controller_motion ? 0x2F : 0x1F));
    CHECK(error_of(set(16)) == Errc::out_of_range);
    CHECK(error_of(set(255)) == Errc::out_of_range);
    if (f.le16) {
      CHECK(error_of(set(0x0100)) == Errc::out_of_range);  // the high byte counts too
      CHECK(error_of(set(0xFFFF)) == Errc::out_of_range);
    }
  }
}

TEST_CASE("input malformed: controller state fixed tags and the full 16-bit mask") {
  const Packet good = sample(magic::controller_state);
  for (std::size_t off : {8u, 14u, 28u, 32u}) {  // headerB, midB, tailA, tailB
    INFO("tag at " << off);
    CHECK(error_of(with_u8(good, off, good[off] ^ 0x01)) ==
          Errc::malformed);
  }
  // Every mask value is meaningful (bit n = controller n): 16 controllers.
  auto all = parse(with_u16_le(good, 12, 0xFFFF));
  REQUIRE(all.has_value());
  CHECK(std::get<ControllerState>(*all).active_mask == 0xFFFF);
  // buttonFlags2 supplies bits 16..31 of the button mask.
  auto high = parse(with_u16_le(with_u16_le(good, 16, 0x0000), 30, 0x0020));
  REQUIRE(high.has_value());
  CHECK(std::get<ControllerState>(*high).buttons == gamepad_button::misc);
}

TEST_CASE("input malformed: enumerations") {
  SECTION("mouse button 1..5") {
    const Packet good = sample(magic::mouse_button_down);
    for (std::uint8_t b = 1; b <= 5; ++b) CHECK(parse(with_u8(good, 8, b)).has_value());
    for (int b : {0, 6, 7, 0x80, 0xFF}) {
      CHECK(error_of(with_u8(good, 8, b)) == Errc::out_of_range);
      CHECK(error_of(with_u8(sample(magic::mouse_button_up), 8, b)) == Errc::out_of_range);
    }
  }
  SECTION("touch event types: button_only is pen-only, nothing above cancel_all") {
    for (auto [m, off] : {std::pair{magic::touch, 8u}, std::pair{magic::controller_touch, 9u}}) {
      const Packet good = sample(m);
      for (int t : {0, 1, 2, 3, 4, 6, 7}) CHECK(parse(with_u8(good, off, t)).has_value());
      for (int t : {5, 8, 0x80, 0xFF}) {
        CHECK(error_of(with_u8(good, off, t)) == Errc::out_of_range);
      }
    }
    const Packet pen = sample(magic::pen);
    for (std::uint8_t t = 0; t <= 7; ++t) CHECK(parse(with_u8(pen, 8, t)).has_value());
    CHECK(error_of(with_u8(pen, 8, 8)) == Errc::out_of_range);
  }
  SECTION("pen tool type 0..2") {
    const Packet good = sample(magic::pen);
    for (std::uint8_t t = 0; t <= 2; ++t) CHECK(parse(with_u8(good, 9, t)).has_value());
    CHECK(error_of(with_u8(good, 9, 3)) == Errc::out_of_range);
    CHECK(error_of(with_u8(good, 9, 0xFF)) == Errc::out_of_range);
  }
  SECTION("controller type 0..4") {
    const Packet good = sample(magic::controller_arrival);
    for (std::uint8_t t = 0; t <= 4; ++t) CHECK(parse(with_u8(good, 9, t)).has_value());
    CHECK(error_of(with_u8(good, 9, 5)) == Errc::out_of_range);
    CHECK(error_of(with_u8(good, 9, 0xFF)) == Errc::out_of_range);
  }
  SECTION("motion type 1..2") {
    const Packet good = sample(magic::controller_motion);
    CHECK(error_of(with_u8(good, 9, 0)) == Errc::out_of_range);
    CHECK(error_of(with_u8(good, 9, 3)) == Errc::out_of_range);
  }
  SECTION("battery state 0..5, percentage 0..100 or 0xFF") {
    const Packet good = sample(magic::controller_battery);
    for (std::uint8_t s = 0; s <= 5; ++s) CHECK(parse(with_u8(good, 9, s)).has_value());
    CHECK(error_of(with_u8(good, 9, 6)) == Errc::out_of_range);
    for (int pct : {0, 100, 0xFF}) CHECK(parse(with_u8(good, 10, pct)).has_value());
    for (int pct : {101, 200, 0xFE}) {
      CHECK(error_of(with_u8(good, 10, pct)) == Errc::out_of_range);
    }
  }
  SECTION("touchpad index 0..1") {
    const Packet good = sample(magic::controller_touch);
    CHECK(parse(with_u8(good, 11, 1)).has_value());
    CHECK(error_of(with_u8(good, 11, 2)) == Errc::out_of_range);
    CHECK(error_of(with_u8(good, 11, 0xFF)) == Errc::out_of_range);
  }
}

TEST_CASE("input malformed: rotation, tilt and the absolute mouse reference size") {
  for (auto [m, off] : {std::pair{magic::touch, 10u}, std::pair{magic::pen, 24u}}) {
    const Packet good = sample(m);
    for (int r : {0, 90, 359, 360, 0xFFFF}) {
      CHECK(parse(with_u16_le(good, off, r)).has_value());
    }
    for (int r : {361, 720, 0x8000, 0xFFFE}) {
      CHECK(error_of(with_u16_le(good, off, r)) == Errc::out_of_range);
    }
  }
  const Packet pen = sample(magic::pen);
  for (int t : {0, 45, 90, 0xFF}) CHECK(parse(with_u8(pen, 26, t)).has_value());
  for (int t : {91, 180, 0xFE}) CHECK(error_of(with_u8(pen, 26, t)) == Errc::out_of_range);

  const Packet pos = sample(magic::mouse_position);  // BE int16 width at 14, height at 16
  auto set_be = [](Packet p, std::size_t off, int v) {
    store_u16_be(p.data() + off, static_cast<std::uint16_t>(v));
    return p;
  };
  for (int bad : {0x0000, 0x8000, 0xFFFF}) {  // 0, -32768, -1
    CHECK(error_of(set_be(pos, 14, bad)) == Errc::out_of_range);
    CHECK(error_of(set_be(pos, 16, bad)) == Errc::out_of_range);
  }
  // x/y outside the reference area are kept as sent (the host clamps, input.md §4.2).
  auto outside = parse(set_be(set_be(pos, 8, 0xFFF6), 10, 5000));
  REQUIRE(outside.has_value());
  CHECK(std::get<MousePosition>(*outside).x == -10);
  CHECK(std::get<MousePosition>(*outside).y == 5000);
}

TEST_CASE("input malformed: NaN and infinity where input.md wants a number") {
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::signaling_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  struct Case {
    std::uint32_t magic;
    std::size_t off;
    bool non_negative;  // pressure, distance, contact area
  };
  const Case cases[] = {
      {magic::controller_touch, 16, false}, {magic::controller_touch, 20, false},
      {magic::controller_touch, 24, true},  {magic::controller_motion, 12, false},
      {magic::controller_motion, 16, false}, {magic::controller_motion, 20, false},
      {magic::touch, 16, false},            {magic::touch, 20, false},
      {magic::touch, 24, true},             {magic::touch, 28, true},
      {magic::touch, 32, true},             {magic::pen, 12, false},
      {magic::pen, 16, false},              {magic::pen, 20, true},
      {magic::pen, 28, true},               {magic::pen, 32, true},
  };
  for (const auto& c : cases) {
    INFO("magic " << c.magic << " float at " << c.off);
    const Packet good = sample(c.magic);
    for (float v : bad_values) CHECK(error_of(with_f32(good, c.off, v)) == Errc::out_of_range);
    if (c.non_negative) {
      CHECK(error_of(with_f32(good, c.off, -0.25f)) == Errc::out_of_range);
      CHECK(parse(with_f32(good, c.off, 0.0f)).has_value());
      CHECK(parse(with_f32(good, c.off, 1.5f)).has_value());  // > 1 is kept (Android may report it)
    } else {
      CHECK(parse(with_f32(good, c.off, -0.5f)).has_value());  // outside the area: clamped later
      CHECK(parse(with_f32(good, c.off, 1e30f)).has_value());
    }
  }
}

TEST_CASE("input malformed: ignored fields of cancel and button-only events are not checked") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // touch cancel (0x04): only pointerId counts; garbage elsewhere is dropped, not passed on.
  Packet touch = with_u8(sample(magic::touch), 8, 0x04);
  touch = with_u16_le(with_f32(with_f32(touch, 16, nan), 24, -1.0f), 10, 0x1234);
  auto t = parse(touch);
  REQUIRE(t.has_value());
  const auto& te = std::get<TouchEvent>(*t);
  CHECK(te.event_type == TouchEventType::cancel);
  CHECK(te.pointer_id == 0x11223344u);
  CHECK(te.x == 0.0f);
  CHECK(te.pressure_or_distance == 0.0f);
  CHECK(te.rotation_deg == kRotationUnknown);

  // pen button-only (0x05): position, pressure, rotation, tilt, contact area are ignored.
  Packet pen = with_u8(sample(magic::pen), 8, 0x05);
  pen = with_u8(with_u16_le(with_f32(pen, 12, nan), 24, 999), 26, 200);
  auto p = parse(pen);
  REQUIRE(p.has_value());
  const auto& pe = std::get<PenEvent>(*p);
  CHECK(pe.event_type == TouchEventType::button_only);
  CHECK(pe.buttons == pen_button::primary);
  CHECK(pe.x == 0.0f);
  CHECK(pe.rotation_deg == kRotationUnknown);
  CHECK(pe.tilt_deg == kTiltUnknown);

  // controller touch cancel-all.
  Packet ct = with_f32(with_u8(sample(magic::controller_touch), 9, 0x07), 20, nan);
  auto c = parse(ct);
  REQUIRE(c.has_value());
  CHECK(std::get<ControllerTouch>(*c).y == 0.0f);
}

TEST_CASE("input malformed: reserved bytes and unknown mask bits pass (forward compatibility)") {
  // Clients have turned zero bytes into fields before (touchpadIndex, buttonFlags2).
  auto key = parse(with_u16_le(with_u8(sample(magic::key_down), 11, 0xF1), 12, 0xFFFF));
  REQUIRE(key.has_value());
  CHECK(std::get<KeyEvent>(*key).modifiers == 0xF1);
  // moonlight-qt sends 0x8000 | vk: the VK is the low byte only (input.md §3.1).
  auto qt = parse(with_u16_le(sample(magic::key_down), 9, 0x8041));
  REQUIRE(qt.has_value());
  CHECK(std::get<KeyEvent>(*qt).key_code == 0x8041);
  CHECK(std::get<KeyEvent>(*qt).vk() == 0x41);
  // scrollAmt2 differing from scrollAmt1: scrollAmt1 wins (Sunshine reads only it).
  Packet scroll = sample(magic::vertical_scroll);
  store_u16_be(scroll.data() + 10, 0x0001);
  auto s = parse(scroll);
  REQUIRE(s.has_value());
  CHECK(std::get<VerticalScroll>(*s).amount == 120);
  auto caps = parse(with_u16_le(sample(magic::controller_arrival), 10, 0xFFFF));
  REQUIRE(caps.has_value());
  CHECK(std::get<ControllerArrival>(*caps).capabilities == 0xFFFF);
}
