// Gamepads against the client-captured controller packets of tests/data/input_packets.txt
// (arrival of controller 1, its all-zero state, the A|UP|TOUCHPAD state, the removal).
// Expected evdev events are written by hand from input.md §5.1/§5.2 and the Linux
// input-event-codes numbers: EV_SYN 0, EV_KEY 1, EV_ABS 3; BTN_SOUTH 0x130, BTN_EAST 0x131,
// BTN_NORTH 0x133, BTN_WEST 0x134, BTN_TL 0x136, BTN_TR 0x137, BTN_SELECT 0x13a,
// BTN_START 0x13b, BTN_MODE 0x13c, BTN_THUMBL 0x13d, BTN_THUMBR 0x13e,
// BTN_TRIGGER_HAPPY5..8 0x2c4..0x2c7, KEY_RECORD 167; ABS_X 0, ABS_Y 1, ABS_Z 2, ABS_RX 3,
// ABS_RY 4, ABS_RZ 5, ABS_HAT0X 16, ABS_HAT0Y 17.
#include <linux/input.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "../../input/src/uinput_caps.hpp"
#include "input_vectors.hpp"
#include "lightwell/input/injector.hpp"

#include <libevdev/libevdev.h>  // tests_input links libevdev for the description checks

namespace {
using namespace lightwell::input;
namespace pi = lightwell::proto::input;
namespace tv = lightwell::test;

constexpr DeviceId kPad0{DeviceKind::gamepad, 0};
constexpr DeviceId kPad1{DeviceKind::gamepad, 1};

// The `index`-th record whose call starts with `call_prefix` (the arrival call is recorded
// twice: the arrival packet, then the all-zero state the client sends after it).

const std::string kArrival = "LiSendControllerArrivalEvent(1, 0x0003";
const std::string kPressed = "LiSendMultiControllerEvent(1, 0x0003, A_FLAG|UP_FLAG|TOUCHPAD_FLAG";
const std::string kRemoved = "LiSendMultiControllerEvent(1, 0x0001 (controller 1 removed)";


EvdevEvent key(DeviceId d, std::uint16_t code, std::int32_t v) { return {d, 1, code, v}; }
EvdevEvent abs(DeviceId d, std::uint16_t code, std::int32_t v) { return {d, 3, code, v}; }
EvdevEvent syn(DeviceId d) { return {d, 0, 0, 0}; }

pi::ControllerState state(std::uint8_t n, std::uint16_t mask, std::uint32_t buttons = 0) {
  pi::ControllerState s;
  s.controller_number = n;
  s.active_mask = mask;
  s.buttons = buttons;
  return s;
}
}  // namespace

TEST_CASE("captured arrival, zero state, A|UP|TOUCHPAD state and removal of controller 1",
          "[gamepads]") {
  RecordingSink sink;
  Injector inj(sink, {});

  tv::inject_packet(inj, tv::input_packet(kArrival, 0));
  CHECK(sink.created == std::vector<DeviceId>{kPad1});
  CHECK(sink.events.empty());  // a new pad is neutral: nothing to say yet

  tv::inject_packet(inj, tv::input_packet(kArrival, 1));  // the client's all-zero state after arrival
  CHECK(sink.events.empty());
  CHECK(sink.created.size() == 1);

  tv::inject_packet(inj, tv::input_packet(kPressed));
  // A → BTN_SOUTH 1; TOUCHPAD ignored (gamepads.hpp); LX −32768; LY 32767 → −32767; LT 0x80;
  // RX 1000; RY −1000 → 1000; RT 0xFF; UP → HAT0Y −1. Axes in ascending code order.
  const std::vector<EvdevEvent> pressed{key(kPad1, 0x130, 1),    abs(kPad1, 0, -32768),
                                        abs(kPad1, 1, -32767),   abs(kPad1, 2, 128),
                                        abs(kPad1, 3, 1000),     abs(kPad1, 4, 1000),
                                        abs(kPad1, 5, 255),      abs(kPad1, 17, -1),
                                        syn(kPad1)};
  CHECK(sink.events == pressed);

  sink.events.clear();
  tv::inject_packet(inj, tv::input_packet(kRemoved));
  const std::vector<EvdevEvent> neutralised{key(kPad1, 0x130, 0), abs(kPad1, 0, 0), abs(kPad1, 1, 0),
                                            abs(kPad1, 2, 0),     abs(kPad1, 3, 0), abs(kPad1, 4, 0),
                                            abs(kPad1, 5, 0),     abs(kPad1, 17, 0), syn(kPad1)};
  CHECK(sink.events == neutralised);
  CHECK(sink.removed == std::vector<DeviceId>{kPad1});

  // Gone for good: a second removal and remove_all do nothing.
  sink.events.clear();
  tv::inject_packet(inj, tv::input_packet(kRemoved));
  inj.release_all();
  CHECK(sink.events.empty());
  CHECK(sink.removed.size() == 1);
}

TEST_CASE("legacy client: the first state with the bit set creates the pad", "[gamepads]") {
  RecordingSink sink;
  Injector inj(sink, {});
  // No arrival; the captured A|UP|TOUCHPAD state of controller 1 alone.
  tv::inject_packet(inj, tv::input_packet(kPressed));
  CHECK(sink.created == std::vector<DeviceId>{kPad1});
  REQUIRE(sink.events.size() == 9);
  CHECK(sink.events.front() == key(kPad1, 0x130, 1));
  CHECK(sink.events.back() == syn(kPad1));
}

TEST_CASE("an unchanged state emits nothing, not even SYN_REPORT", "[gamepads]") {
  RecordingSink sink;
  Gamepads pads(sink);
  auto s = state(0, 0x0001, pi::gamepad_button::b);
  s.left_stick_x = 123;
  pads.state(s);
  CHECK(sink.events == std::vector<EvdevEvent>{key(kPad0, 0x131, 1), abs(kPad0, 0, 123), syn(kPad0)});
  sink.events.clear();
  pads.state(s);
  CHECK(sink.events.empty());
  // A state that differs only in bits with no evdev meaning (touchpad click, the unused
  // 0x0800) changes nothing on the device either.
  s.buttons |= pi::gamepad_button::touchpad | 0x0800u;
  pads.state(s);
  CHECK(sink.events.empty());
}

TEST_CASE("stick Y is negated and −32768 clamps to 32767", "[gamepads]") {
  RecordingSink sink;
  Gamepads pads(sink);
  auto s = state(0, 0x0001);
  s.left_stick_y = -32768;
  s.right_stick_y = -32768;
  pads.state(s);
  CHECK(sink.events == std::vector<EvdevEvent>{abs(kPad0, 1, 32767), abs(kPad0, 4, 32767), syn(kPad0)});
  sink.events.clear();
  s.left_stick_y = 32767;
  s.right_stick_y = 1;
  pads.state(s);
  CHECK(sink.events == std::vector<EvdevEvent>{abs(kPad0, 1, -32767), abs(kPad0, 4, -1), syn(kPad0)});
  sink.events.clear();
  s.left_stick_x = -32768;  // X is not negated
  s.right_stick_x = 32767;
  pads.state(s);
  CHECK(sink.events == std::vector<EvdevEvent>{abs(kPad0, 0, -32768), abs(kPad0, 3, 32767), syn(kPad0)});
}

TEST_CASE("every button bit of §5.1 and the d-pad hats", "[gamepads]") {
  namespace gb = pi::gamepad_button;
  RecordingSink sink;
  Gamepads pads(sink);
  pads.state(state(0, 0x0001, gb::known_mask & ~gb::touchpad &
                                  ~(gb::dpad_up | gb::dpad_down | gb::dpad_left | gb::dpad_right)));
  // §5.1 table order of gamepads.cpp: A B X Y LB RB Back Start Guide LS RS paddles 1-4 misc.
  const std::vector<EvdevEvent> want{
      key(kPad0, 0x130, 1), key(kPad0, 0x131, 1), key(kPad0, 0x133, 1), key(kPad0, 0x134, 1),
      key(kPad0, 0x136, 1), key(kPad0, 0x137, 1), key(kPad0, 0x13a, 1), key(kPad0, 0x13b, 1),
      key(kPad0, 0x13c, 1), key(kPad0, 0x13d, 1), key(kPad0, 0x13e, 1), key(kPad0, 0x2c4, 1),
      key(kPad0, 0x2c5, 1), key(kPad0, 0x2c6, 1), key(kPad0, 0x2c7, 1), key(kPad0, 167, 1),
      syn(kPad0)};
  CHECK(sink.events == want);

  sink.events.clear();
  pads.state(state(0, 0x0001, gb::dpad_down | gb::dpad_right));
  REQUIRE(sink.events.size() == 16 + 2 + 1);
  CHECK(sink.events[16] == abs(kPad0, 16, 1));
  CHECK(sink.events[17] == abs(kPad0, 17, 1));

  sink.events.clear();
  pads.state(state(0, 0x0001, gb::dpad_left | gb::dpad_up));
  CHECK(sink.events == std::vector<EvdevEvent>{abs(kPad0, 16, -1), abs(kPad0, 17, -1), syn(kPad0)});

  // Opposite directions held together cancel out: the hat is centred.
  sink.events.clear();
  pads.state(state(0, 0x0001, gb::dpad_left | gb::dpad_right | gb::dpad_up | gb::dpad_down));
  CHECK(sink.events == std::vector<EvdevEvent>{abs(kPad0, 16, 0), abs(kPad0, 17, 0), syn(kPad0)});
}

TEST_CASE("remove_all neutralises and removes every pad, once", "[gamepads]") {
  RecordingSink sink;
  Gamepads pads(sink);
  pi::ControllerArrival a;
  a.controller_number = 15;
  pads.arrival(a);
  auto s0 = state(0, 0x8001, pi::gamepad_button::start);
  s0.right_trigger = 7;
  pads.state(s0);
  CHECK(pads.present(0));
  CHECK(pads.present(15));
  sink.events.clear();

  pads.remove_all();
  const DeviceId pad15{DeviceKind::gamepad, 15};
  // Pad 15 is still neutral: nothing to release, it is only removed.
  CHECK(sink.events == std::vector<EvdevEvent>{key(kPad0, 0x13b, 0), abs(kPad0, 5, 0), syn(kPad0)});
  CHECK(sink.removed == std::vector<DeviceId>{kPad0, pad15});
  CHECK_FALSE(pads.present(0));
  CHECK_FALSE(pads.present(15));

  sink.events.clear();
  pads.remove_all();
  CHECK(sink.events.empty());
  CHECK(sink.removed.size() == 2);
}

TEST_CASE("arrival twice creates one pad; other controllers' bits do not matter", "[gamepads]") {
  RecordingSink sink;
  Gamepads pads(sink);
  pi::ControllerArrival a;
  a.controller_number = 2;
  pads.arrival(a);
  pads.arrival(a);
  CHECK(sink.created == std::vector<DeviceId>{{DeviceKind::gamepad, 2}});
  // A state for controller 3 whose mask lacks bit 2 does not remove pad 2, and a state for
  // controller 3 with its own bit cleared creates nothing.
  pads.state(state(3, 0x0000));
  CHECK(pads.present(2));
  CHECK_FALSE(pads.present(3));
  CHECK(sink.created.size() == 1);
  CHECK(sink.removed.empty());
  CHECK(sink.events.empty());
}

TEST_CASE("a 17th controller number is ignored", "[gamepads]") {
  RecordingSink sink;
  Gamepads pads(sink);
  pi::ControllerArrival a;
  a.controller_number = 16;
  pads.arrival(a);
  pads.state(state(16, 0xFFFF, pi::gamepad_button::a));
  a.controller_number = 255;
  pads.arrival(a);
  pads.state(state(255, 0xFFFF, pi::gamepad_button::a));
  CHECK(sink.created.empty());
  CHECK(sink.events.empty());
  CHECK_FALSE(pads.present(16));
  CHECK_FALSE(pads.present(255));
  pads.remove_all();
  CHECK(sink.removed.empty());
}

TEST_CASE("the pad describes itself as an Xbox One pad with every code it emits", "[gamepads]") {
  // input.md §7: 0x045E:0x02EA v0x0408 on USB (BUS_USB 3); §5.2 ranges; EV_FF 0x15 with
  // FF_RUMBLE 0x50, FF_PERIODIC 0x51, FF_CONSTANT 0x52, FF_RAMP 0x57, FF_SINE 0x5a, FF_GAIN 0x60.
  std::unique_ptr<libevdev, void (*)(libevdev*)> dev(libevdev_new(), libevdev_free);
  REQUIRE(dev);
  describe_gamepad(dev.get(), 3);
  CHECK(std::string(libevdev_get_name(dev.get())) == "Lightwell Gamepad 4");
  CHECK(libevdev_get_id_bustype(dev.get()) == 3);
  CHECK(libevdev_get_id_vendor(dev.get()) == 0x045E);
  CHECK(libevdev_get_id_product(dev.get()) == 0x02EA);
  CHECK(libevdev_get_id_version(dev.get()) == 0x0408);

  auto range = [&](unsigned code) {
    const input_absinfo* a = libevdev_get_abs_info(dev.get(), code);
    REQUIRE(a != nullptr);
    return std::vector<int>{a->minimum, a->maximum, a->fuzz, a->flat};
  };
  for (unsigned c : {0u, 1u, 3u, 4u}) CHECK(range(c) == std::vector<int>{-32768, 32767, 16, 128});
  for (unsigned c : {2u, 5u}) CHECK(range(c) == std::vector<int>{0, 255, 0, 0});
  for (unsigned c : {16u, 17u}) CHECK(range(c) == std::vector<int>{-1, 1, 0, 0});

  CHECK(libevdev_has_event_type(dev.get(), 0x15));
  for (unsigned c : {0x50u, 0x51u, 0x52u, 0x57u, 0x5au, 0x60u}) CHECK(libevdev_has_event_code(dev.get(), 0x15, c));

  // Everything Gamepads can emit (all buttons, both extremes of every axis) is advertised
  // and within the advertised range: the kernel would drop it otherwise.
  RecordingSink sink;
  Gamepads pads(sink);
  auto s = state(0, 0x0001, pi::gamepad_button::known_mask & ~(pi::gamepad_button::dpad_down |
                                                                pi::gamepad_button::dpad_right));
  s.left_stick_x = s.left_stick_y = s.right_stick_x = s.right_stick_y = -32768;
  s.left_trigger = s.right_trigger = 255;
  pads.state(s);
  s = state(0, 0x0001, pi::gamepad_button::dpad_down | pi::gamepad_button::dpad_right);
  s.left_stick_x = s.left_stick_y = s.right_stick_x = s.right_stick_y = 32767;
  pads.state(s);
  REQUIRE(sink.events.size() > 30);
  for (const auto& e : sink.events) {
    CAPTURE(e.type, e.code, e.value);
    if (e.type == 0) continue;
    CHECK(libevdev_has_event_code(dev.get(), e.type, e.code));
    if (e.type == 3) {
      const input_absinfo* a = libevdev_get_abs_info(dev.get(), e.code);
      REQUIRE(a != nullptr);
      CHECK(e.value >= a->minimum);
      CHECK(e.value <= a->maximum);
    }
  }
}
