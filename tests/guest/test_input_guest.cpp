// The input module against a real kernel: UinputSink devices in a throwaway QEMU guest
// (docs/testing-guest.md), fed with the client-captured packets of tests/data/input_packets.txt,
// read back with libevdev. Expected evdev sequences are written by hand from input.md
// §3.2/§4/§5/§6/§8 and linux/input-event-codes.h numbers: EV_SYN 0, EV_KEY 1, EV_REL 2,
// EV_ABS 3, EV_FF 0x15; KEY_A 30, KEY_LEFTSHIFT 42, KEY_SEMICOLON 39, KEY_H 35, KEY_U 22,
// KEY_LEFTCTRL 29, KEY_SPACE 57, KEY_ENTER 28; BTN_LEFT 0x110, BTN_EXTRA 0x114; REL_X 0,
// REL_Y 1, REL_HWHEEL 6, REL_WHEEL 8, REL_WHEEL_HI_RES 11, REL_HWHEEL_HI_RES 12; ABS_X 0 ...
// The kernel drops empty frames and unchanged values, so "nothing" is the right answer for
// neutral packets.
//
// The whole executable shares ONE guest boot (guest_run()). The parts other helpers are
// finishing (text, touch, pen, gamepad, rumble) are in test_input_guest_parts.cpp.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "guest_checks.hpp"
#include "lightwell/input/injector.hpp"

using namespace lightwell::test::guest;

TEST_CASE("guest: the VM boots, runs every scenario and loses no event", "[guest]") {
  const GuestRun& run = require_run();
  INFO("guest run took " << run.seconds << " s");
  for (const auto& [name, s] : run.scenarios) {
    INFO("scenario " << name << "\n" << s.text());
    for (const auto& [dev, d] : s.devices)
      for (const auto& e : d.all_events()) CHECK_FALSE((e.type == EV_SYN_ && e.code == 3));  // SYN_DROPPED
  }
  for (const char* name : {"keyboard", "mouse", "absolute", "release_all", "text", "touch", "pen",
                           "gamepad", "rumble"})
    CHECK(run.scenarios.count(name) == 1);
  CHECK(run.stdout_text.find("NOTE setup") == std::string::npos);
}

TEST_CASE("guest: keyboard — 'A' down/up, Shift, VK_OEM_1 on \"Lightwell Keyboard\"", "[guest]") {
  const Scenario& s = scenario("keyboard");
  INFO(s.text());
  const DeviceSeen& kbd = device(s, "Lightwell Keyboard");
  const std::vector<Ev> want{{EV_KEY_, 30, 1}, kSyn, {EV_KEY_, 30, 0}, kSyn,
                             {EV_KEY_, 42, 1}, kSyn, {EV_KEY_, 39, 1}, kSyn};
  CHECK(kbd.all_events() == want);
  // The kernel's own key state: Shift and ';' are down (nothing released them yet).
  CHECK(kbd.held == std::vector<std::string>{"39", "42"});
  // The device can send every key the VK table maps (input.md §3.2).
  for (unsigned vk = 0; vk < 256; ++vk)
    if (const auto code = lightwell::input::vk_to_evdev(static_cast<std::uint8_t>(vk))) {
      INFO("VK 0x" << std::hex << vk << " -> KEY " << std::dec << *code);
      CHECK(kbd.has(EV_KEY_, *code));
    }
}

TEST_CASE("guest: mouse — moves, buttons incl. X2, wheel, hi-res wheel, hwheel", "[guest]") {
  const Scenario& s = scenario("mouse");
  INFO(s.text());
  const DeviceSeen& m = device(s, "Lightwell Mouse");
  const std::vector<Ev> want{
      {EV_REL_, 0, 5},       {EV_REL_, 1, -3},   kSyn,  // LiSendMouseMoveEvent(5, -3)
      {EV_REL_, 0, -300},    {EV_REL_, 1, 1000}, kSyn,  // LiSendMouseMoveEvent(-300, 1000)
      {EV_KEY_, 0x110, 1},   kSyn,                      // BTN_LEFT press
      {EV_KEY_, 0x110, 0},   kSyn,                      // BTN_LEFT release
      {EV_KEY_, 0x114, 1},   kSyn,                      // X2 -> BTN_EXTRA
      {EV_REL_, 11, 120},    {EV_REL_, 8, 1},    kSyn,  // scroll +120: hi-res, one notch
      {EV_REL_, 11, -30},    kSyn,                      // hi-res -30: no full notch yet
      {EV_REL_, 12, -120},   {EV_REL_, 6, -1},   kSyn,  // hscroll -120
  };
  CHECK(m.all_events() == want);
  for (int rel : {0, 1, 6, 8, 11, 12}) CHECK(m.has(EV_REL_, rel));
  for (int btn : {0x110, 0x111, 0x112, 0x113, 0x114}) CHECK(m.has(EV_KEY_, btn));
}

TEST_CASE("guest: absolute pointer — (100, 200) of 1920x1080 onto a 1920x1080 screen", "[guest]") {
  const Scenario& s = scenario("absolute");
  INFO(s.text());
  const DeviceSeen& a = device(s, "Lightwell Absolute Pointer");
  // Reference 1919x1079 (client sends size - 1): 100 * (1920 - 1) / 1919 = 100, 200 * 1079 / 1079 = 200.
  const std::vector<Ev> want{{EV_ABS_, 0, 100}, {EV_ABS_, 1, 200}, kSyn};
  CHECK(a.all_events() == want);
  REQUIRE(a.abs_info(0) != nullptr);
  REQUIRE(a.abs_info(1) != nullptr);
  CHECK(a.abs_info(0)->minimum == 0);
  CHECK(a.abs_info(0)->maximum == 1919);
  CHECK(a.abs_info(1)->minimum == 0);
  CHECK(a.abs_info(1)->maximum == 1079);
  CHECK(a.has(EV_KEY_, 0x110));
}

TEST_CASE("guest: release_all lifts every held key and button, the kernel agrees", "[guest]") {
  const Scenario& s = scenario("release_all");
  INFO(s.text());
  const DeviceSeen& kbd = device(s, "Lightwell Keyboard");
  const DeviceSeen& m = device(s, "Lightwell Mouse");
  CHECK(step_events(kbd, "pkt0") == std::vector<Ev>{{EV_KEY_, 42, 1}, kSyn});
  CHECK(step_events(kbd, "pkt1") == std::vector<Ev>{{EV_KEY_, 39, 1}, kSyn});
  CHECK(step_events(m, "pkt2") == std::vector<Ev>{{EV_KEY_, 0x114, 1}, kSyn});
  // Ascending code order: KEY_SEMICOLON (39) before KEY_LEFTSHIFT (42).
  CHECK(step_events(kbd, "release_all") == std::vector<Ev>{{EV_KEY_, 39, 0}, kSyn, {EV_KEY_, 42, 0}, kSyn});
  CHECK(step_events(m, "release_all") == std::vector<Ev>{{EV_KEY_, 0x114, 0}, kSyn});
  CHECK(kbd.held == std::vector<std::string>{"none"});
  CHECK(m.held == std::vector<std::string>{"none"});
}
