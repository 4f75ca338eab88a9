// TextTyper against the client-captured LiSendUtf8TextEvent("hé€") packets of
// tests/data/input_packets.txt (one packet per code point, input.md §3.3) and hand-built
// text. Expected evdev events written by hand from linux/input-event-codes.h: EV_SYN 0,
// EV_KEY 1; KEY_1 2, KEY_2 3, KEY_6 7, KEY_9 10, KEY_0 11, KEY_TAB 15, KEY_E 18, KEY_U 22,
// KEY_ENTER 28, KEY_LEFTCTRL 29, KEY_A 30, KEY_F 33, KEY_H 35, KEY_APOSTROPHE 40,
// KEY_LEFTSHIFT 42, KEY_C 46, KEY_SPACE 57.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "input_vectors.hpp"
#include "lightwell/input/injector.hpp"

namespace {
using namespace lightwell::input;
namespace pi = lightwell::proto::input;
namespace tv = lightwell::test;

constexpr DeviceId kKbd{DeviceKind::keyboard, 0};



// down, SYN, up, SYN
void tap(std::vector<EvdevEvent>& v, std::uint16_t code) {
  v.insert(v.end(), {{kKbd, 1, code, 1}, {kKbd, 0, 0, 0}, {kKbd, 1, code, 0}, {kKbd, 0, 0, 0}});
}
void press(std::vector<EvdevEvent>& v, std::uint16_t code, bool down) {
  v.insert(v.end(), {{kKbd, 1, code, down ? 1 : 0}, {kKbd, 0, 0, 0}});
}
// Ctrl+Shift+U, the given hex digit keys, Space.
std::vector<EvdevEvent> unicode_entry(std::initializer_list<std::uint16_t> digit_keys) {
  std::vector<EvdevEvent> v;
  press(v, 29, true);
  press(v, 42, true);
  tap(v, 22);
  press(v, 42, false);
  press(v, 29, false);
  for (const auto k : digit_keys) tap(v, k);
  tap(v, 57);
  return v;
}

pi::TextEvent text_of(std::u32string_view cps) {
  pi::TextEvent e;
  for (const char32_t c : cps) e.code_points[e.code_point_count++] = c;
  return e;
}
}  // namespace

TEST_CASE("captured \"h\", \"é\", \"€\" text packets", "[text]") {
  const auto packets = tv::input_packets("LiSendUtf8TextEvent(");
  REQUIRE(packets.size() == 3);
  RecordingSink sink;
  Injector inj(sink, {});

  tv::inject_packet(inj, packets[0]);  // 'h' (68): the US key H, no Shift
  std::vector<EvdevEvent> h;
  tap(h, 35);
  CHECK(sink.events == h);

  sink.events.clear();
  tv::inject_packet(inj, packets[1]);  // U+00E9 (c3 a9) → "e9"
  CHECK(sink.events == unicode_entry({18, 10}));

  sink.events.clear();
  tv::inject_packet(inj, packets[2]);  // U+20AC (e2 82 ac) → "20ac"
  CHECK(sink.events == unicode_entry({3, 11, 30, 46}));

  sink.events.clear();
  inj.release_all();  // text never leaves anything held
  CHECK(sink.events.empty());
}

TEST_CASE("shifted ASCII, newline, tab; controls dropped; astral code points", "[text]") {
  RecordingSink sink;
  TextTyper typer(sink);
  typer.type(text_of(U"A!\"\n\t"));
  std::vector<EvdevEvent> want;
  for (const int k : {30, 2, 40}) {  // 'A' = Shift+A, '!' = Shift+1, '"' = Shift+'
    press(want, 42, true);
    tap(want, static_cast<std::uint16_t>(k));
    press(want, 42, false);
  }
  tap(want, 28);  // '\n' → Enter
  tap(want, 15);  // '\t' → Tab
  CHECK(sink.events == want);

  sink.events.clear();
  typer.type(text_of(U"\r\b\x7f"));
  CHECK(sink.events.empty());

  typer.type(text_of(U"\U0001F600"));  // "1f600"
  CHECK(sink.events == unicode_entry({2, 33, 7, 11, 11}));
}

TEST_CASE("US table: every printable ASCII character has a key, each press is released",
          "[text]") {
  CHECK(us_key_for(U' ')->code == 57);
  CHECK_FALSE(us_key_for(U' ')->shift);
  CHECK(us_key_for(U'~')->code == 41);  // KEY_GRAVE
  CHECK(us_key_for(U'~')->shift);
  CHECK(us_key_for(U'`')->code == 41);
  CHECK_FALSE(us_key_for(U'`')->shift);
  CHECK(us_key_for(U'@')->code == 3);  // Shift+2
  CHECK(us_key_for(U'|')->code == 43);  // KEY_BACKSLASH
  CHECK(us_key_for(U'?')->code == 53);  // KEY_SLASH
  CHECK(us_key_for(U'?')->shift);
  CHECK_FALSE(us_key_for(U'\r').has_value());
  CHECK_FALSE(us_key_for(U'\x7f').has_value());
  CHECK_FALSE(us_key_for(U'\u00e9').has_value());

  RecordingSink sink;
  TextTyper typer(sink);
  std::u32string all;
  for (char32_t c = 0x20; c < 0x7F; ++c) {
    REQUIRE(us_key_for(c).has_value());
    all.push_back(c);
  }
  for (std::size_t i = 0; i < all.size(); i += 32)
    typer.type(text_of(std::u32string_view(all).substr(i, 32)));
  std::map<std::uint16_t, int> state;
  for (std::size_t i = 0; i < sink.events.size(); ++i) {
    const auto& e = sink.events[i];
    if (e.type != 1) continue;
    REQUIRE(i + 1 < sink.events.size());
    CHECK(sink.events[i + 1] == EvdevEvent{kKbd, 0, 0, 0});  // SYN after each key event
    CHECK(state[e.code] == 1 - e.value);  // alternates down/up, never a double press
    state[e.code] = e.value;
  }
  for (const auto& [code, v] : state) CHECK(v == 0);
}
