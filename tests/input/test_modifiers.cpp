// Modifier consistency (input.md §3.1): the KeyEvent modifiers byte is the client's
// modifier state; a modifier key the Injector holds whose bit is clear is released before
// the key is injected, and modifiers are never pressed from the bits. Uses the captured
// keyboard packets of tests/data/input_packets.txt where they fit. Codes: EV_SYN 0,
// EV_KEY 1; KEY_LEFTCTRL 29, KEY_A 30, KEY_SEMICOLON 39, KEY_LEFTSHIFT 42,
// KEY_RIGHTSHIFT 54, KEY_LEFTALT 56, KEY_RIGHTCTRL 97, KEY_RIGHTALT 100, KEY_LEFTMETA 125,
// KEY_RIGHTMETA 126, KEY_CAPSLOCK 58.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "input_vectors.hpp"
#include "lightwell/input/injector.hpp"

namespace {
using namespace lightwell::input;
namespace pi = lightwell::proto::input;
namespace tv = lightwell::test;

constexpr DeviceId kKbd{DeviceKind::keyboard, 0};



pi::KeyEvent key(std::uint8_t vk, bool down, std::uint8_t modifiers) {
  pi::KeyEvent e;
  e.action = down ? pi::KeyAction::down : pi::KeyAction::up;
  e.key_code = static_cast<std::uint16_t>(0x8000 | vk);  // as moonlight-qt sends it
  e.modifiers = modifiers;
  return e;
}

EvdevEvent k(std::uint16_t code, int v) { return {kKbd, 1, code, v}; }
EvdevEvent syn() { return {kKbd, 0, 0, 0}; }
}  // namespace

TEST_CASE("a lost Shift up is repaired by the next key's modifier bits", "[modifiers]") {
  RecordingSink sink;
  Injector inj(sink, {});
  // Captured: VK_LSHIFT down with MODIFIER_SHIFT, then 'A' down with modifiers 0.
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent(0xA0 VK_LSHIFT, KEY_ACTION_DOWN"));
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN"));
  const std::vector<EvdevEvent> want{k(42, 1), syn(), k(42, 0), syn(), k(30, 1), syn()};
  CHECK(sink.events == want);
}

TEST_CASE("modifiers the client reports held stay held; bits never press keys",
          "[modifiers]") {
  RecordingSink sink;
  Injector inj(sink, {});
  // Captured: VK_LSHIFT down (SHIFT), then VK_OEM_1 down with SHIFT|CTRL: Shift stays,
  // and no Ctrl is pressed although the bit is set.
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent(0xA0 VK_LSHIFT, KEY_ACTION_DOWN"));
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent2(0xBA VK_OEM_1"));
  const std::vector<EvdevEvent> want{k(42, 1), syn(), k(39, 1), syn()};
  CHECK(sink.events == want);
}

TEST_CASE("the modifier's own up is sent once; duplicates are dropped", "[modifiers]") {
  RecordingSink sink;
  Injector inj(sink, {});
  inj.inject(key(0xA0, true, pi::modifier::shift));
  inj.inject(key(0xA0, true, pi::modifier::shift));  // repeated down: dropped
  inj.inject(key(0xA0, false, 0));  // its own up, bit already clear: one up
  inj.inject(key(0xA0, false, 0));  // up of a key that is up: dropped
  const std::vector<EvdevEvent> want{k(42, 1), syn(), k(42, 0), syn()};
  CHECK(sink.events == want);
}

TEST_CASE("only the modifiers whose bit is clear are released, in code order",
          "[modifiers]") {
  RecordingSink sink;
  Injector inj(sink, {});
  const std::uint8_t all = pi::modifier::shift | pi::modifier::ctrl | pi::modifier::alt |
                           pi::modifier::meta;
  inj.inject(key(0xA3, true, all));  // Right Ctrl
  inj.inject(key(0xA5, true, all));  // Right Alt
  inj.inject(key(0x5B, true, all));  // Left Win
  inj.inject(key(0xA1, true, all));  // Right Shift
  inj.inject(key(0x14, true, all));  // Caps Lock: not a modifier bit, never released here
  sink.events.clear();
  inj.inject(key(0x41, true, pi::modifier::alt | pi::modifier::shift));
  const std::vector<EvdevEvent> want{k(97, 0), syn(), k(125, 0), syn(), k(30, 1), syn()};
  CHECK(sink.events == want);
  sink.events.clear();
  inj.release_all();  // the rest: KEY_A 30, KEY_RIGHTSHIFT 54, KEY_CAPSLOCK 58, KEY_RIGHTALT 100
  const std::vector<EvdevEvent> rest{k(30, 0), syn(), k(54, 0), syn(), k(58, 0), syn(),
                                     k(100, 0), syn()};
  CHECK(sink.events == rest);
}

TEST_CASE("generic VKs and unmapped keys", "[modifiers]") {
  RecordingSink sink;
  Injector inj(sink, {});
  inj.inject(key(0x11, true, pi::modifier::ctrl));  // generic Ctrl → KEY_LEFTCTRL
  inj.inject(key(0x2B, true, 0));                     // Execute: unmapped, nothing at all
  CHECK(sink.events == std::vector<EvdevEvent>{k(29, 1), syn()});
  inj.inject(key(0x20, true, pi::modifier::shift));   // Space, Ctrl reported up
  const std::vector<EvdevEvent> want{k(29, 1), syn(), k(29, 0), syn(), k(57, 1), syn()};
  CHECK(sink.events == want);
}

TEST_CASE("modifier_bit_of: which VKs count as which modifier", "[modifiers]") {
  const std::pair<std::uint8_t, std::uint8_t> table[] = {
      {0x10, pi::modifier::shift}, {0xA0, pi::modifier::shift}, {0xA1, pi::modifier::shift},
      {0x11, pi::modifier::ctrl},  {0xA2, pi::modifier::ctrl},  {0xA3, pi::modifier::ctrl},
      {0x12, pi::modifier::alt},   {0xA4, pi::modifier::alt},   {0xA5, pi::modifier::alt},
      {0x5B, pi::modifier::meta},  {0x5C, pi::modifier::meta},
      {0x14, 0}, {0x41, 0}, {0x5D, 0}, {0x90, 0},
  };
  for (const auto& [vk, bit] : table) {
    INFO("vk " << int(vk));
    const auto code = vk_to_evdev(vk);
    REQUIRE(code.has_value());
    CHECK(modifier_bit_of(*code) == bit);
  }
}
