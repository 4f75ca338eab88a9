// Injector against the client-captured packets of tests/data/input_packets.txt. Expected
// evdev events are written by hand from input.md §3.2/§4 and the Linux input-event-codes
// numbers (EV_SYN 0, EV_KEY 1, EV_REL 2, EV_ABS 3; KEY_A 30, KEY_LEFTSHIFT 42,
// KEY_SEMICOLON 39, BTN_LEFT 0x110, BTN_EXTRA 0x114; REL_X 0, REL_Y 1, REL_HWHEEL 6,
// REL_WHEEL 8, REL_WHEEL_HI_RES 11, REL_HWHEEL_HI_RES 12; ABS_X 0, ABS_Y 1).
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
constexpr DeviceId kMouse{DeviceKind::mouse, 0};
constexpr DeviceId kAbs{DeviceKind::absolute_pointer, 0};



EvdevEvent syn(DeviceId d) { return {d, 0, 0, 0}; }
}  // namespace

TEST_CASE("key down/up of 'A' become KEY_A 1/0 with SYN_REPORT", "[injector]") {
  RecordingSink sink;
  Injector inj(sink, {});
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN"));
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_UP"));
  const std::vector<EvdevEvent> want{{kKbd, 1, 30, 1}, syn(kKbd), {kKbd, 1, 30, 0}, syn(kKbd)};
  CHECK(sink.events == want);
}

TEST_CASE("release_all releases held keys and buttons, once", "[injector]") {
  RecordingSink sink;
  Injector inj(sink, {});
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent(0xA0 VK_LSHIFT"));
  tv::inject_packet(inj, tv::input_packet("LiSendKeyboardEvent2(0xBA VK_OEM_1"));
  tv::inject_packet(inj, tv::input_packet("LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_X2)"));
  sink.events.clear();
  inj.release_all();
  // Held keys released in ascending code order: KEY_SEMICOLON (39) then KEY_LEFTSHIFT (42).
  const std::vector<EvdevEvent> want{{kKbd, 1, 39, 0},     syn(kKbd),  {kKbd, 1, 42, 0},
                                     syn(kKbd),            {kMouse, 1, 0x114, 0}, syn(kMouse)};
  CHECK(sink.events == want);
  sink.events.clear();
  inj.release_all();
  CHECK(sink.events.empty());
}

TEST_CASE("relative motion and left button", "[injector]") {
  RecordingSink sink;
  Injector inj(sink, {});
  tv::inject_packet(inj, tv::input_packet("LiSendMouseMoveEvent(5, -3)"));
  tv::inject_packet(inj, tv::input_packet("LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_LEFT)"));
  tv::inject_packet(inj, tv::input_packet("LiSendMouseButtonEvent(BUTTON_ACTION_RELEASE, BUTTON_LEFT)"));
  const std::vector<EvdevEvent> want{{kMouse, 2, 0, 5},      {kMouse, 2, 1, -3}, syn(kMouse),
                                     {kMouse, 1, 0x110, 1},  syn(kMouse),
                                     {kMouse, 1, 0x110, 0},  syn(kMouse)};
  CHECK(sink.events == want);
}

TEST_CASE("scroll: hi-res in 1/120 units, legacy wheel per full 120", "[injector]") {
  RecordingSink sink;
  Injector inj(sink, {});
  tv::inject_packet(inj, tv::input_packet("LiSendScrollEvent(1)"));
  tv::inject_packet(inj, tv::input_packet("LiSendHighResScrollEvent(-30)"));
  tv::inject_packet(inj, tv::input_packet("LiSendHScrollEvent(-1)"));
  const std::vector<EvdevEvent> want{{kMouse, 2, 11, 120}, {kMouse, 2, 8, 1}, syn(kMouse),
                                     {kMouse, 2, 11, -30}, syn(kMouse),
                                     {kMouse, 2, 12, -120}, {kMouse, 2, 6, -1}, syn(kMouse)};
  CHECK(sink.events == want);
}

TEST_CASE("absolute position scales the client reference to the screen", "[injector]") {
  RecordingSink sink;
  Injector inj(sink, {3840, 2160});
  // (100, 200) on a 1919x1079 reference -> 100*3839/1919 = 200, 200*2159/1079 = 400.
  tv::inject_packet(inj, tv::input_packet("LiSendMousePositionEvent(100, 200, 1920, 1080)"));
  const std::vector<EvdevEvent> want{{kAbs, 3, 0, 200}, {kAbs, 3, 1, 400}, syn(kAbs)};
  CHECK(sink.events == want);
}

TEST_CASE("VK table spot checks from input.md §3.2", "[injector]") {
  CHECK(vk_to_evdev(0x30) == 11);   // KEY_0
  CHECK(vk_to_evdev(0x31) == 2);    // KEY_1
  CHECK(vk_to_evdev(0x7A) == 87);   // KEY_F11
  CHECK(vk_to_evdev(0x7C) == 183);  // KEY_F13
  CHECK(vk_to_evdev(0x2C) == 99);   // KEY_SYSRQ
  CHECK(vk_to_evdev(0xE2) == 86);   // KEY_102ND
  CHECK_FALSE(vk_to_evdev(0x2B).has_value());  // Execute: ignored
  CHECK_FALSE(vk_to_evdev(0x00).has_value());
}

TEST_CASE("truncated, oversized and unmapped packets inject nothing", "[injector]") {
  RecordingSink sink;
  Injector inj(sink, {});
  auto p = tv::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN");
  auto shorter = p;
  shorter.pop_back();
  CHECK_FALSE(pi::parse_input_packet(shorter).has_value());
  auto longer = p;
  longer.push_back(0);
  CHECK_FALSE(pi::parse_input_packet(longer).has_value());
  pi::KeyEvent unmapped;
  unmapped.key_code = 0x2B;
  inj.inject(unmapped);
  CHECK(sink.events.empty());
}

#include "lightwell/input/uinput_sink.hpp"

TEST_CASE("UinputSink fails clearly when the uinput node cannot be opened", "[uinput]") {
  auto sink = UinputSink::open("/nonexistent/uinput");
  REQUIRE_FALSE(sink.has_value());
  CHECK(sink.error().message.find("/nonexistent/uinput") != std::string::npos);
  CHECK(sink.error().message.find("No such file or directory") != std::string::npos);
}
