// Real-kernel expectations for text, touch, pen, gamepad and rumble (issue 7): written from
// input.md §3.3/§5/§6/§7/§8, the packet captions of tests/data/input_packets.txt and
// linux/input-event-codes.h, before those parts existed. Same single guest boot as
// test_input_guest.cpp.
// Codes: KEY_U 22, KEY_H 35, KEY_SPACE 57, KEY_ENTER 28, KEY_LEFTCTRL 29, KEY_RIGHTCTRL 97,
// KEY_LEFTSHIFT 42, KEY_RIGHTSHIFT 54; BTN_SOUTH 0x130, BTN_TOUCH 0x14a, BTN_TOOL_PEN 0x140,
// BTN_TOOL_RUBBER 0x141, BTN_STYLUS 0x14b; ABS_X 0, ABS_Y 1, ABS_Z 2, ABS_RX 3, ABS_RY 4,
// ABS_RZ 5, ABS_HAT0Y 0x11, ABS_PRESSURE 0x18, ABS_DISTANCE 0x19, ABS_TILT_X/Y 0x1a/0x1b,
// ABS_MT_POSITION_X/Y 0x35/0x36, ABS_MT_TRACKING_ID 0x39, ABS_MT_PRESSURE 0x3a; FF_RUMBLE 0x50;
// INPUT_PROP_DIRECT 1.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "guest_checks.hpp"

using namespace lightwell::test::guest;

namespace {

struct Typed {
  std::uint16_t key = 0;
  bool ctrl = false;
  bool shift = false;
  bool operator==(const Typed&) const = default;
};

// The non-modifier key presses of a step, with the modifiers held at the time — what an
// input method sees. Also reports whether every key pressed was released again.
std::vector<Typed> typed(const std::vector<Ev>& evs, bool& all_released) {
  std::vector<Typed> out;
  std::set<std::uint16_t> down;
  for (const auto& e : evs) {
    if (e.type != EV_KEY_) continue;
    if (e.value == 0) { down.erase(e.code); continue; }
    if (e.value != 1) continue;  // autorepeat would be a bug of its own, seen in the sequence
    down.insert(e.code);
    const bool modifier = e.code == 29 || e.code == 97 || e.code == 42 || e.code == 54;
    if (!modifier)
      out.push_back({e.code, down.count(29) + down.count(97) > 0, down.count(42) + down.count(54) > 0});
  }
  all_released = down.empty();
  return out;
}

// KEY_* of a hex digit, -1 otherwise.
int hex_digit(std::uint16_t key) {
  static const std::map<std::uint16_t, int> digits = {
      {11, 0}, {2, 1},   {3, 2},   {4, 3},   {5, 4},   {6, 5},   {7, 6},   {8, 7},
      {9, 8},  {10, 9},  {30, 10}, {48, 11}, {46, 12}, {32, 13}, {18, 14}, {33, 15}};
  const auto it = digits.find(key);
  return it == digits.end() ? -1 : it->second;
}

// Ctrl+Shift+U <hex digits> <space|enter> (input.md §3.3, text_typer.hpp): the code point it types.
long unicode_sequence(const std::vector<Typed>& keys) {
  if (keys.size() < 3 || !(keys.front() == Typed{22, true, true})) return -1;
  if (keys.back().key != 57 && keys.back().key != 28) return -1;
  long cp = 0;
  for (std::size_t i = 1; i + 1 < keys.size(); ++i) {
    const int d = hex_digit(keys[i].key);
    if (d < 0) return -1;
    cp = cp * 16 + d;
  }
  return cp;
}

}  // namespace

TEST_CASE("guest: text — 'h' as KEY_H, 'é' and '€' through Ctrl+Shift+U, nothing left held", "[guest]") {
  const Scenario& s = scenario("text");
  INFO(s.text());
  const DeviceSeen& kbd = device(s, "Lightwell Keyboard");
  bool released = false;
  CHECK(typed(step_events(kbd, "pkt0"), released) == std::vector<Typed>{{35, false, false}});
  CHECK(released);
  CHECK(unicode_sequence(typed(step_events(kbd, "pkt1"), released)) == 0xE9);
  CHECK(released);
  CHECK(unicode_sequence(typed(step_events(kbd, "pkt2"), released)) == 0x20AC);
  CHECK(released);
  CHECK(kbd.held == std::vector<std::string>{"none"});
}

TEST_CASE("guest: touch — down at (0.5, 0.25) then cancel-all on \"Lightwell Touchscreen\"", "[guest]") {
  const Scenario& s = scenario("touch");
  INFO(s.text());
  const DeviceSeen& t = device(s, "Lightwell Touchscreen");
  CHECK(t.props.count(1) == 1);  // INPUT_PROP_DIRECT
  for (int abs : {0x2f, 0x35, 0x36, 0x39, 0x3a}) CHECK(t.has(EV_ABS_, abs));
  CHECK(t.has(EV_KEY_, 0x14a));
  const auto down = step_events(t, "pkt0");
  CHECK(frames(down).size() == 1);  // one contact change, one frame
  const auto id = last_value(down, EV_ABS_, 0x39);
  REQUIRE(id.has_value());
  CHECK(*id >= 0);
  CHECK(near_scaled(last_value(down, EV_ABS_, 0x35), 0.5, t, 0x35));
  CHECK(near_scaled(last_value(down, EV_ABS_, 0x36), 0.25, t, 0x36));
  CHECK(near_scaled(last_value(down, EV_ABS_, 0x3a), 0.8, t, 0x3a));  // pressure 0.8
  CHECK(last_value(down, EV_KEY_, 0x14a) == 1);
  const auto cancel = step_events(t, "pkt1");
  CHECK(last_value(cancel, EV_ABS_, 0x39) == -1);
  CHECK(last_value(cancel, EV_KEY_, 0x14a) == 0);
  CHECK(t.held == std::vector<std::string>{"none"});
}

TEST_CASE("guest: pen — hover with the primary button, then eraser down at full pressure", "[guest]") {
  const Scenario& s = scenario("pen");
  INFO(s.text());
  const DeviceSeen& p = device(s, "Lightwell Pen");
  for (int key : {0x140, 0x141, 0x14a, 0x14b}) CHECK(p.has(EV_KEY_, key));
  for (int abs : {0x00, 0x01, 0x18, 0x19}) CHECK(p.has(EV_ABS_, abs));
  // Hover: pen in range, primary button, x 0.1 y 0.9, distance 0.5, tilt 45 with rotation
  // unknown -> no tilt (only sent when both are known).
  const auto hover = step_events(p, "pkt0");
  CHECK(last_value(hover, EV_KEY_, 0x140) == 1);
  CHECK(last_value(hover, EV_KEY_, 0x14b) == 1);
  CHECK(last_value(hover, EV_KEY_, 0x14a) != std::optional<std::int32_t>(1));
  CHECK(near_scaled(last_value(hover, EV_ABS_, 0x00), 0.1, p, 0x00));
  CHECK(near_scaled(last_value(hover, EV_ABS_, 0x01), 0.9, p, 0x01));
  CHECK(near_scaled(last_value(hover, EV_ABS_, 0x19), 0.5, p, 0x19));
  CHECK_FALSE(last_value(hover, EV_ABS_, 0x1a).has_value());
  CHECK_FALSE(last_value(hover, EV_ABS_, 0x1b).has_value());
  // Down: eraser (pen tool out, rubber in), no buttons, x 0.3 y 0.3, pressure 1.0.
  const auto down = step_events(p, "pkt1");
  CHECK(last_value(down, EV_KEY_, 0x140) == 0);
  CHECK(last_value(down, EV_KEY_, 0x141) == 1);
  CHECK(last_value(down, EV_KEY_, 0x14b) == 0);
  CHECK(last_value(down, EV_KEY_, 0x14a) == 1);
  CHECK(near_scaled(last_value(down, EV_ABS_, 0x00), 0.3, p, 0x00));
  CHECK(near_scaled(last_value(down, EV_ABS_, 0x01), 0.3, p, 0x01));
  CHECK(near_scaled(last_value(down, EV_ABS_, 0x18), 1.0, p, 0x18));
}

TEST_CASE("guest: gamepad — arrival creates pad 2, the state packet, removal destroys it", "[guest]") {
  const Scenario& s = scenario("gamepad");
  INFO(s.text());
  const DeviceSeen& g = device(s, "Lightwell Gamepad 2");  // controller number 1
  for (int btn : {0x130, 0x131, 0x133, 0x134, 0x136, 0x137, 0x13a, 0x13b, 0x13c, 0x13d, 0x13e})
    CHECK(g.has(EV_KEY_, btn));
  for (int axis : {0, 1, 3, 4}) {
    REQUIRE(g.abs_info(axis) != nullptr);
    CHECK(g.abs_info(axis)->minimum == -32768);
    CHECK(g.abs_info(axis)->maximum == 32767);
  }
  for (int trigger : {2, 5}) {
    REQUIRE(g.abs_info(trigger) != nullptr);
    CHECK(g.abs_info(trigger)->minimum == 0);
    CHECK(g.abs_info(trigger)->maximum == 255);
  }
  for (int hat : {0x10, 0x11}) {
    REQUIRE(g.abs_info(hat) != nullptr);
    CHECK(g.abs_info(hat)->minimum == -1);
    CHECK(g.abs_info(hat)->maximum == 1);
  }
  CHECK(g.has(EV_FF_, 0x50));  // FF_RUMBLE
  // Arrival and the all-zero state packet: a neutral pad, nothing for the kernel to send.
  CHECK(step_events(g, "pkt0").empty());
  CHECK(step_events(g, "pkt1").empty());
  // A + D-pad up + touchpad (no Xbox equivalent), LT 0x80, RT 0xFF, LS (-32768, 32767) and
  // RS (1000, -1000) with Y negated: one frame.
  const std::vector<std::vector<Ev>> want{{{EV_KEY_, 0x130, 1},
                                           {EV_ABS_, 0, -32768}, {EV_ABS_, 1, -32767},
                                           {EV_ABS_, 2, 128},    {EV_ABS_, 3, 1000},
                                           {EV_ABS_, 4, 1000},   {EV_ABS_, 5, 255},
                                           {EV_ABS_, 0x11, -1}}};
  CHECK(frames(step_events(g, "pkt2")) == want);
  CHECK(g.gone_step == "pkt3");  // the state packet with bit 1 cleared
}

TEST_CASE("guest: rumble — FF_RUMBLE upload and play reach the client as 0x010B", "[guest]") {
  const Scenario& s = scenario("rumble");
  INFO(s.text());
  const DeviceSeen& g = device(s, "Lightwell Gamepad 2");
  CHECK(g.has(EV_FF_, 0x50));
  // Uploading alone does not rumble; play -> strong 0x8000 as low-frequency motor, weak
  // 0x4000 as high-frequency motor (input.md §7); stop -> zeros.
  using Step = std::pair<std::string, std::string>;
  CHECK(s.rumbles == std::vector<Step>{{"play", "1 32768 16384"}, {"stop", "1 0 0"}});
  // 0x010B, length 10, LE32 0x00C0FFEE, controller 1, low 0x8000, high 0x4000 (input.md §8).
  CHECK(s.messages == std::vector<Step>{{"play", "0b010a00eeffc000010000800040"},
                                        {"stop", "0b010a00eeffc000010000000000"}});
}
