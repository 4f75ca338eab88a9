// Touchscreen and pen against the client-captured packets of tests/data/input_packets.txt
// (LiSendTouchEvent / LiSendPenEvent) and hand-built events. Expected evdev events are
// written by hand from input.md §6.1-§6.3, §7, the multi-touch protocol B and the Linux
// input-event-codes numbers: EV_SYN 0, EV_KEY 1, EV_ABS 3; ABS_X 0, ABS_Y 1,
// ABS_PRESSURE 24, ABS_DISTANCE 25, ABS_TILT_X 26, ABS_TILT_Y 27, ABS_MT_SLOT 47,
// ABS_MT_TOUCH_MAJOR 48, ABS_MT_TOUCH_MINOR 49, ABS_MT_ORIENTATION 52,
// ABS_MT_POSITION_X 53, ABS_MT_POSITION_Y 54, ABS_MT_TRACKING_ID 57, ABS_MT_PRESSURE 58;
// BTN_TOOL_PEN 0x140, BTN_TOOL_RUBBER 0x141, BTN_STYLUS3 0x149, BTN_TOUCH 0x14a,
// BTN_STYLUS 0x14b, BTN_STYLUS2 0x14c. Screen 1920x1080 unless stated: x → round(x·1919),
// y → round(y·1079); pressure → round(p·1024), unknown → 512.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "input_vectors.hpp"
#include "lightwell/input/injector.hpp"

namespace {
using namespace lightwell::input;
namespace pi = lightwell::proto::input;
namespace tv = lightwell::test;

constexpr DeviceId kTs{DeviceKind::touchscreen, 0};
constexpr DeviceId kPen{DeviceKind::pen, 0};



EvdevEvent t_abs(std::uint16_t code, std::int32_t v) { return {kTs, 3, code, v}; }
EvdevEvent t_key(std::uint16_t code, std::int32_t v) { return {kTs, 1, code, v}; }
EvdevEvent p_abs(std::uint16_t code, std::int32_t v) { return {kPen, 3, code, v}; }
EvdevEvent p_key(std::uint16_t code, std::int32_t v) { return {kPen, 1, code, v}; }
EvdevEvent syn(DeviceId d) { return {d, 0, 0, 0}; }

pi::TouchEvent touch(pi::TouchEventType type, std::uint32_t id, float x, float y,
                     float pressure = 0) {
  pi::TouchEvent e;
  e.event_type = type;
  e.pointer_id = id;
  e.x = x;
  e.y = y;
  e.pressure_or_distance = pressure;
  return e;
}

pi::PenEvent pen(pi::TouchEventType type, pi::ToolType tool, float x, float y, float p,
                 std::uint8_t buttons = 0) {
  pi::PenEvent e;
  e.event_type = type;
  e.tool = tool;
  e.x = x;
  e.y = y;
  e.pressure_or_distance = p;
  e.buttons = buttons;
  return e;
}
}  // namespace

TEST_CASE("captured touch down then cancel-all", "[touch]") {
  RecordingSink sink;
  Injector inj(sink, {1920, 1080});
  // pointerId 0x11223344, x 0.5 → 959.5 → 960, y 0.25 → 269.75 → 270, pressure 0.8 → 819,
  // rotation 90 → orientation 90, major 0.01 along x (rotation 90: the axis is horizontal)
  // → 0.01·1920 = 19, minor 0.005 along y → 0.005·1080 = 5.
  tv::inject_packet(inj, tv::input_packet("LiSendTouchEvent(LI_TOUCH_EVENT_DOWN"));
  const std::vector<EvdevEvent> down{
      t_abs(47, 0),   t_abs(57, 0),   t_abs(53, 960), t_abs(54, 270), t_abs(58, 819),
      t_abs(52, 90),  t_abs(48, 19),  t_abs(49, 5),   t_key(0x14a, 1), t_abs(0, 960),
      t_abs(1, 270),  t_abs(24, 819), syn(kTs)};
  CHECK(sink.events == down);
  sink.events.clear();
  tv::inject_packet(inj, tv::input_packet("LiSendTouchEvent(LI_TOUCH_EVENT_CANCEL_ALL"));
  const std::vector<EvdevEvent> lifted{t_abs(47, 0), t_abs(57, -1), t_key(0x14a, 0),
                                       t_abs(24, 0), syn(kTs)};
  CHECK(sink.events == lifted);
  sink.events.clear();
  inj.release_all();  // nothing left down
  CHECK(sink.events.empty());
}

TEST_CASE("two contacts: slots, fresh tracking ids, BTN_TOUCH and emulation hand-over",
          "[touch]") {
  RecordingSink sink;
  TouchPen tp(sink, {101, 51});  // x → round(x·100), y → round(y·50)
  using T = pi::TouchEventType;
  tp.touch(touch(T::down, 7, 0.1f, 0.2f));        // unknown pressure → 512
  tp.touch(touch(T::down, 9, 0.5f, 0.5f, 0.25f));  // second contact: slot 1, id 1
  tp.touch(touch(T::move, 9, 0.6f, 0.5f, 0.25f));  // not the oldest: no ABS_X
  tp.touch(touch(T::up, 7, 0, 0));                 // oldest lifts: emulation moves to 9
  tp.touch(touch(T::up, 9, 0, 0));
  tp.touch(touch(T::down, 3, 1.0f, 1.0f, 1.0f));   // slot 0 again, tracking id 2
  const std::vector<EvdevEvent> want{
      t_abs(47, 0), t_abs(57, 0), t_abs(53, 10), t_abs(54, 10), t_abs(58, 512),
      t_key(0x14a, 1), t_abs(0, 10), t_abs(1, 10), t_abs(24, 512), syn(kTs),
      t_abs(47, 1), t_abs(57, 1), t_abs(53, 50), t_abs(54, 25), t_abs(58, 256), syn(kTs),
      t_abs(47, 1), t_abs(53, 60), t_abs(54, 25), t_abs(58, 256), syn(kTs),
      t_abs(47, 0), t_abs(57, -1), t_abs(0, 60), t_abs(1, 25), t_abs(24, 256), syn(kTs),
      t_abs(47, 1), t_abs(57, -1), t_key(0x14a, 0), t_abs(24, 0), syn(kTs),
      t_abs(47, 0), t_abs(57, 2), t_abs(53, 100), t_abs(54, 50), t_abs(58, 1024),
      t_key(0x14a, 1), t_abs(0, 100), t_abs(1, 50), t_abs(24, 1024), syn(kTs)};
  CHECK(sink.events == want);
}

TEST_CASE("touch: 16 slots, the 17th pointer is ignored until a slot frees", "[touch]") {
  RecordingSink sink;
  TouchPen tp(sink, {1920, 1080});
  using T = pi::TouchEventType;
  for (std::uint32_t id = 100; id < 116; ++id) tp.touch(touch(T::down, id, 0.5f, 0.5f));
  sink.events.clear();
  tp.touch(touch(T::down, 200, 0.5f, 0.5f));
  tp.touch(touch(T::move, 200, 0.6f, 0.5f));
  tp.touch(touch(T::up, 200, 0, 0));
  tp.touch(touch(T::cancel, 200, 0, 0));
  CHECK(sink.events.empty());
  tp.touch(touch(T::cancel, 105, 0, 0));  // frees slot 5
  tp.touch(touch(T::down, 200, 0, 0));
  const std::vector<EvdevEvent> want{
      t_abs(47, 5), t_abs(57, -1), syn(kTs),
      t_abs(47, 5), t_abs(57, 16), t_abs(53, 0), t_abs(54, 0), t_abs(58, 512), syn(kTs)};
  CHECK(sink.events == want);
  sink.events.clear();
  tp.release_all();  // one packet lifting all 16, then BTN_TOUCH 0
  REQUIRE(sink.events.size() == 16 * 2 + 3);
  CHECK(sink.events[0] == t_abs(47, 0));
  CHECK(sink.events[1] == t_abs(57, -1));
  CHECK(sink.events[31] == t_abs(57, -1));
  CHECK(sink.events[32] == t_key(0x14a, 0));
  CHECK(sink.events.back() == syn(kTs));
}

TEST_CASE("touch: unknown moves, hover and a repeated down", "[touch]") {
  RecordingSink sink;
  TouchPen tp(sink, {101, 51});
  using T = pi::TouchEventType;
  tp.touch(touch(T::move, 1, 0.5f, 0.5f));  // never went down
  tp.touch(touch(T::hover, 1, 0.5f, 0.5f));
  tp.touch(touch(T::hover_leave, 1, 0, 0));
  tp.touch(touch(T::up, 1, 0, 0));
  tp.touch(touch(T::cancel_all, 0, 0, 0));
  CHECK(sink.events.empty());
  tp.touch(touch(T::down, 1, -0.5f, 2.0f));  // clamped to 0 and 50
  tp.touch(touch(T::down, 1, 0.3f, 0.4f));   // same pointer again: a move, no new id
  const std::vector<EvdevEvent> want{
      t_abs(47, 0), t_abs(57, 0), t_abs(53, 0), t_abs(54, 50), t_abs(58, 512),
      t_key(0x14a, 1), t_abs(0, 0), t_abs(1, 50), t_abs(24, 512), syn(kTs),
      t_abs(47, 0), t_abs(53, 30), t_abs(54, 20), t_abs(58, 512),
      t_abs(0, 30), t_abs(1, 20), t_abs(24, 512), syn(kTs)};
  CHECK(sink.events == want);
}

TEST_CASE("touch: orientation folding and contact size", "[touch]") {
  CHECK(fold_orientation(0) == 0);
  CHECK(fold_orientation(45) == 45);
  CHECK(fold_orientation(90) == 90);
  CHECK(fold_orientation(91) == -89);
  CHECK(fold_orientation(180) == 0);
  CHECK(fold_orientation(270) == 90);
  CHECK(fold_orientation(359) == -1);
  CHECK(fold_orientation(360) == 0);
  RecordingSink sink;
  TouchPen tp(sink, {1600, 900});
  auto e = touch(pi::TouchEventType::down, 1, 0, 0, 1.0f);
  e.rotation_deg = 0;  // major axis vertical: scaled by the height, minor by the width
  e.contact_area_major = 0.1f;
  e.contact_area_minor = 0.05f;
  tp.touch(e);
  CHECK(std::find(sink.events.begin(), sink.events.end(), t_abs(48, 90)) != sink.events.end());
  CHECK(std::find(sink.events.begin(), sink.events.end(), t_abs(49, 80)) != sink.events.end());
  CHECK(std::find(sink.events.begin(), sink.events.end(), t_abs(52, 0)) != sink.events.end());
  sink.events.clear();
  e.event_type = pi::TouchEventType::move;
  e.rotation_deg = pi::kRotationUnknown;  // unknown: no orientation, sqrt(1600·900) = 1200
  tp.touch(e);
  CHECK(std::find(sink.events.begin(), sink.events.end(), t_abs(48, 120)) != sink.events.end());
  CHECK(std::find(sink.events.begin(), sink.events.end(), t_abs(49, 60)) != sink.events.end());
  for (const auto& ev : sink.events) CHECK(ev.code != 52);
  sink.events.clear();
  e.contact_area_major = 0;  // unknown: not sent
  e.contact_area_minor = 0;
  tp.touch(e);
  for (const auto& ev : sink.events) CHECK((ev.code != 48 && ev.code != 49));
}

TEST_CASE("captured pen hover, then an eraser down switches tools cleanly", "[pen]") {
  RecordingSink sink;
  Injector inj(sink, {1920, 1080});
  // Pen, primary button, x 0.1 → 191.9 → 192, y 0.9 → 971.1 → 971, distance 0.5 → 512,
  // rotation unknown (tilt 45 alone is not enough for tilt axes).
  tv::inject_packet(inj, tv::input_packet("LiSendPenEvent(LI_TOUCH_EVENT_HOVER"));
  const std::vector<EvdevEvent> hover{p_key(0x140, 1), p_abs(0, 192), p_abs(1, 971),
                                      p_abs(25, 512), p_key(0x14b, 1), syn(kPen)};
  CHECK(sink.events == hover);
  sink.events.clear();
  // Eraser, no buttons, x = y = 0.3 → 575.7 → 576, 323.7 → 324, pressure 1.0 → 1024,
  // tilt unknown: no tilt axes. The pen leaves (button released first) in its own frame.
  tv::inject_packet(inj, tv::input_packet("LiSendPenEvent(LI_TOUCH_EVENT_DOWN"));
  const std::vector<EvdevEvent> down{
      p_key(0x14b, 0),  p_key(0x140, 0), syn(kPen),
      p_key(0x141, 1),  p_abs(0, 576),   p_abs(1, 324), p_abs(25, 0), p_abs(24, 1024),
      p_key(0x14a, 1),  syn(kPen)};
  CHECK(sink.events == down);
  sink.events.clear();
  inj.release_all();  // tip up, eraser out of range
  const std::vector<EvdevEvent> released{p_abs(24, 0), p_key(0x14a, 0), p_key(0x141, 0),
                                         syn(kPen)};
  CHECK(sink.events == released);
  sink.events.clear();
  inj.release_all();
  CHECK(sink.events.empty());
}

TEST_CASE("pen: hover, down, move, up, buttons, leave", "[pen]") {
  RecordingSink sink;
  TouchPen tp(sink, {101, 51});
  using T = pi::TouchEventType;
  using Tool = pi::ToolType;
  tp.pen(pen(T::hover, Tool::unknown, 0.5f, 0.5f, 0));           // unknown tool → pen
  tp.pen(pen(T::down, Tool::unknown, 0.5f, 0.5f, 0));            // unknown pressure → 512
  tp.pen(pen(T::move, Tool::pen, 0.6f, 0.5f, 0.5f, 0x02));       // secondary → BTN_STYLUS2
  tp.pen(pen(T::up, Tool::pen, 0.6f, 0.5f, 0, 0x02));
  tp.pen(pen(T::button_only, Tool::pen, 0, 0, 0, 0x04 | 0x01));  // STYLUS3 + STYLUS
  tp.pen(pen(T::move, Tool::pen, 0.7f, 0.5f, 0.9f, 0x05));       // hovering move: no pressure
  tp.pen(pen(T::hover_leave, Tool::pen, 0, 0, 0));
  tp.pen(pen(T::hover_leave, Tool::pen, 0, 0, 0));               // already out: nothing
  const std::vector<EvdevEvent> want{
      p_key(0x140, 1), p_abs(0, 50), p_abs(1, 25), syn(kPen),
      p_abs(0, 50), p_abs(1, 25), p_abs(25, 0), p_abs(24, 512), p_key(0x14a, 1), syn(kPen),
      p_abs(0, 60), p_abs(1, 25), p_abs(24, 512), p_key(0x14c, 1), syn(kPen),
      p_abs(0, 60), p_abs(1, 25), p_abs(24, 0), p_key(0x14a, 0), syn(kPen),
      p_key(0x14b, 1), p_key(0x14c, 0), p_key(0x149, 1), syn(kPen),
      p_abs(0, 70), p_abs(1, 25), syn(kPen),
      p_key(0x14b, 0), p_key(0x149, 0), p_key(0x140, 0), syn(kPen)};
  CHECK(sink.events == want);
}

TEST_CASE("pen: cancel while touching lifts the tip and leaves proximity", "[pen]") {
  RecordingSink sink;
  TouchPen tp(sink, {101, 51});
  using T = pi::TouchEventType;
  tp.pen(pen(T::down, pi::ToolType::eraser, 0, 0, 0.5f, 0x01));
  sink.events.clear();
  tp.pen(pen(T::cancel, pi::ToolType::unknown, 0, 0, 0));
  const std::vector<EvdevEvent> want{p_abs(24, 0), p_key(0x14a, 0), p_key(0x14b, 0),
                                     p_key(0x141, 0), syn(kPen)};
  CHECK(sink.events == want);
}

TEST_CASE("pen tilt from (rotation, tilt), input.md §6.3, only when both are known",
          "[pen]") {
  // X = deg(atan2(sin(−rot)·sin(tilt), cos(tilt))), Y = deg(atan2(cos(−rot)·sin(tilt), cos(tilt))).
  CHECK(pen_tilt(0, 0).x_deg == 0);
  CHECK(pen_tilt(0, 0).y_deg == 0);
  CHECK(pen_tilt(0, 30).x_deg == 0);
  CHECK(pen_tilt(0, 30).y_deg == 30);
  CHECK(pen_tilt(90, 45).x_deg == -45);
  CHECK(pen_tilt(90, 45).y_deg == 0);
  CHECK(pen_tilt(180, 45).x_deg == 0);
  CHECK(pen_tilt(180, 45).y_deg == -45);
  CHECK(pen_tilt(45, 45).x_deg == -35);  // atan2(−0.5, 0.7071) = −35.26°
  CHECK(pen_tilt(45, 45).y_deg == 35);
  CHECK(pen_tilt(270, 90).x_deg == 90);
  CHECK(pen_tilt(270, 90).y_deg == 0);

  RecordingSink sink;
  TouchPen tp(sink, {101, 51});
  auto e = pen(pi::TouchEventType::hover, pi::ToolType::pen, 0, 0, 0);
  e.rotation_deg = 90;
  e.tilt_deg = 45;
  tp.pen(e);
  const std::vector<EvdevEvent> want{p_key(0x140, 1), p_abs(0, 0), p_abs(1, 0),
                                     p_abs(26, -45), p_abs(27, 0), syn(kPen)};
  CHECK(sink.events == want);
}

TEST_CASE("normalized coordinates are clamped and scaled to 0..extent-1", "[touch]") {
  CHECK(scale_normalized(0.0f, 1920) == 0);
  CHECK(scale_normalized(1.0f, 1920) == 1919);
  CHECK(scale_normalized(-3.0f, 1920) == 0);
  CHECK(scale_normalized(7.0f, 1080) == 1079);
  CHECK(scale_normalized(0.5f, 1080) == 540);  // 539.5 rounds away from zero
  CHECK(scale_normalized(0.5f, 0) == 0);
}

// ---- Device descriptions (uinput_caps_touch.cpp), checked on a libevdev description
// without /dev/uinput (tests_input links libevdev for this).
#include <libevdev/libevdev.h>
#include <memory>

#include "../../input/src/uinput_caps.hpp"

namespace {
using DevPtr = std::unique_ptr<libevdev, decltype(&libevdev_free)>;

DevPtr described(DeviceKind kind, ScreenSize screen) {
  DevPtr dev(libevdev_new(), &libevdev_free);
  REQUIRE(dev);
  if (kind == DeviceKind::touchscreen) describe_touchscreen(dev.get(), screen);
  else describe_pen(dev.get(), screen);
  return dev;
}

struct Abs {
  int min, max, resolution;
};
Abs abs_of(libevdev* dev, unsigned code) {
  const input_absinfo* a = libevdev_get_abs_info(dev, code);
  REQUIRE(a != nullptr);
  return {a->minimum, a->maximum, a->resolution};
}

// Every event emitted must be a code the device has, and inside its declared range.
void check_within(libevdev* dev, const std::vector<EvdevEvent>& events) {
  for (const auto& e : events) {
    INFO("type " << e.type << " code " << e.code << " value " << e.value);
    CHECK(libevdev_has_event_code(dev, e.type, e.code));
    if (e.type == 3 && e.code != 0x39) {  // tracking id −1 is the protocol's "lifted"
      const Abs a = abs_of(dev, e.code);
      CHECK(e.value >= a.min);
      CHECK(e.value <= a.max);
    }
  }
}
}  // namespace

TEST_CASE("touchscreen description: name, direct, protocol B axes and ranges", "[caps]") {
  const auto dev = described(DeviceKind::touchscreen, {1920, 1080});
  CHECK(std::string(libevdev_get_name(dev.get())) == "Lightwell Touchscreen");
  CHECK(libevdev_has_property(dev.get(), 0x01));  // INPUT_PROP_DIRECT
  CHECK_FALSE(libevdev_has_property(dev.get(), 0x00));  // not INPUT_PROP_POINTER
  CHECK(libevdev_has_event_code(dev.get(), 1, 0x14a));
  const Abs slot = abs_of(dev.get(), 0x2f);
  CHECK((slot.min == 0 && slot.max == 15));
  const Abs id = abs_of(dev.get(), 0x39);
  CHECK((id.min == 0 && id.max == 65535));
  for (const unsigned c : {0u, 0x35u}) {
    const Abs a = abs_of(dev.get(), c);
    CHECK((a.min == 0 && a.max == 1919 && a.resolution == 4));
  }
  for (const unsigned c : {1u, 0x36u}) {
    const Abs a = abs_of(dev.get(), c);
    CHECK((a.min == 0 && a.max == 1079 && a.resolution == 4));
  }
  for (const unsigned c : {0x18u, 0x3au}) CHECK(abs_of(dev.get(), c).max == 1024);
  const Abs orient = abs_of(dev.get(), 0x34);
  CHECK((orient.min == -90 && orient.max == 90));
  CHECK(abs_of(dev.get(), 0x30).max == 1920);
  CHECK(abs_of(dev.get(), 0x31).max == 1920);
}

TEST_CASE("pen description: what libinput requires of a tablet", "[caps]") {
  const auto dev = described(DeviceKind::pen, {1920, 1080});
  CHECK(std::string(libevdev_get_name(dev.get())) == "Lightwell Pen");
  CHECK(libevdev_has_property(dev.get(), 0x01));
  // libinput: "missing tablet capabilities: xy pen btn-stylus resolution".
  for (const unsigned c : {0x14au, 0x140u, 0x141u, 0x14bu, 0x14cu, 0x149u})
    CHECK(libevdev_has_event_code(dev.get(), 1, c));
  CHECK(abs_of(dev.get(), 0).resolution > 0);
  CHECK(abs_of(dev.get(), 1).resolution > 0);
  CHECK(abs_of(dev.get(), 0x18).max == 1024);
  CHECK(abs_of(dev.get(), 0x19).max == 1024);
  for (const unsigned c : {0x1au, 0x1bu}) {  // tilt: degrees, 57 units/radian
    const Abs a = abs_of(dev.get(), c);
    CHECK((a.min == -90 && a.max == 90 && a.resolution == 57));
  }
}

TEST_CASE("everything TouchPen emits is declared by the descriptions", "[caps]") {
  const ScreenSize screen{1280, 800};
  RecordingSink sink;
  TouchPen tp(sink, screen);
  using T = pi::TouchEventType;
  for (std::uint32_t id = 0; id < 20; ++id) {
    auto e = touch(T::down, id, -1.0f + 0.15f * static_cast<float>(id), 2.0f, 5.0f);
    e.rotation_deg = static_cast<std::uint16_t>(id * 19 % 361);
    e.contact_area_major = 3.0f;  // oversized: clamped
    e.contact_area_minor = 0.001f * static_cast<float>(id);
    tp.touch(e);
  }
  tp.touch(touch(T::cancel_all, 0, 0, 0));
  for (const std::uint16_t rot : {std::uint16_t{0}, std::uint16_t{123}, std::uint16_t{360}}) {
    auto p = pen(T::hover, pi::ToolType::pen, 1.5f, -0.5f, 9.0f, 0xFF);
    p.rotation_deg = rot;
    p.tilt_deg = 90;
    tp.pen(p);
    p.event_type = T::down;
    p.tool = pi::ToolType::eraser;
    tp.pen(p);
  }
  tp.release_all();
  std::vector<EvdevEvent> touch_events, pen_events;
  for (const auto& e : sink.events)
    (e.device.kind == DeviceKind::touchscreen ? touch_events : pen_events).push_back(e);
  REQUIRE_FALSE(touch_events.empty());
  REQUIRE_FALSE(pen_events.empty());
  check_within(described(DeviceKind::touchscreen, screen).get(), touch_events);
  check_within(described(DeviceKind::pen, screen).get(), pen_events);
}
