// Touchscreen and pen tablet (issue 7, input.md §6, §7): a multi-touch protocol B
// touchscreen ("Lightwell Touchscreen": a slot per pointer id, ABS_MT_TRACKING_ID −1 on
// up/cancel, BTN_TOUCH while any contact is down, pressure, orientation, contact size) and a
// pen tablet ("Lightwell Pen": BTN_TOOL_PEN / BTN_TOOL_RUBBER while in range, BTN_TOUCH while
// down, ABS_PRESSURE / ABS_DISTANCE, tilt from (rotation, tilt), BTN_STYLUS/2/3). Normalized
// 0..1 coordinates are clamped and scaled to the screen.
//
// The value ranges below are shared with the device descriptions (uinput_caps_touch.cpp):
// what is emitted must lie inside the declared absinfo.
// Ownership: holds a reference to the sink. Thread: the injector's thread.
#pragma once

#include <array>
#include <cstdint>

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::input {

namespace touch_pen_range {
// Contacts tracked at once. input.md §7 suggests "16 or more" slots (Sunshine); a new
// pointer id when every slot is taken is ignored until one frees up.
inline constexpr std::size_t kTouchSlots = 16;
// ABS_MT_TRACKING_ID 0..kMaxTrackingId; a fresh id per contact, wrapping.
inline constexpr std::int32_t kMaxTrackingId = 65535;
// Pressure 0..1 (input.md §6.2, values above 1 are clamped) → 0..kMaxPressure, for touch
// (ABS_MT_PRESSURE, ABS_PRESSURE) and pen (ABS_PRESSURE).
inline constexpr std::int32_t kMaxPressure = 1024;
// Pressure 0 means "unknown" on the wire. A down contact must still report a pressure
// above zero: libinput's tablet code takes tip state from pressure thresholds on devices
// with ABS_PRESSURE, and a contact at pressure 0 reads as "not touching" to some apps. Half
// scale is a plain firm touch.
inline constexpr std::int32_t kDefaultPressure = kMaxPressure / 2;
// Pen hover distance 0..1 → ABS_DISTANCE 0..kMaxDistance (0 = unknown → not sent).
inline constexpr std::int32_t kMaxDistance = 1024;
// ABS_MT_ORIENTATION and ABS_TILT_X/Y in degrees.
inline constexpr std::int32_t kMinAngleDeg = -90;
inline constexpr std::int32_t kMaxAngleDeg = 90;
}  // namespace touch_pen_range

// Pure conversions (input.md §6.2, §6.3), exposed for tests and the device description.
// x or y in 0..1 (clamped) → 0..extent_px−1, rounded to nearest.
std::int32_t scale_normalized(float v, std::int32_t extent_px) noexcept;
// rotation 0..360 (ellipse, 180° symmetric) → −90..90; 90 stays 90, 180 → 0, 270 → 90.
std::int32_t fold_orientation(std::uint16_t rotation_deg) noexcept;
// (rotation, tilt) polar → (ABS_TILT_X, ABS_TILT_Y) degrees with input.md §6.3:
// r = sin(tilt), z = cos(tilt), X = deg(atan2(sin(−rot)·r, z)), Y = deg(atan2(cos(−rot)·r, z)).
struct Tilt {
  std::int32_t x_deg = 0;
  std::int32_t y_deg = 0;
};
Tilt pen_tilt(std::uint16_t rotation_deg, std::uint8_t tilt_deg) noexcept;

class TouchPen {
 public:
  TouchPen(InputSink& sink, ScreenSize screen) noexcept : sink_(sink), screen_(screen) {}
  void touch(const proto::input::TouchEvent& e);
  void pen(const proto::input::PenEvent& e);
  // Session end: lift every contact and take the pen out of range. Idempotent.
  void release_all();

 private:
  struct Contact {
    bool active = false;
    std::uint32_t pointer_id = 0;
    std::int32_t x = 0;  // last scaled position (for single-touch emulation hand-over)
    std::int32_t y = 0;
    std::int32_t pressure = 0;
    std::uint64_t since = 0;  // order of arrival: the oldest contact drives ABS_X/Y
  };
  enum class Tool : std::uint8_t { none, pen, rubber };

  // Touch helpers.
  int find_slot(std::uint32_t pointer_id) const noexcept;
  int primary_slot() const noexcept;
  bool any_contact() const noexcept;
  void touch_down_or_move(const proto::input::TouchEvent& e);
  void lift(int slot);  // no SYN
  void finish_lift(int old_primary);  // BTN_TOUCH / emulation after lifts; SYN
  void emit_touch(std::uint16_t type, std::uint16_t code, std::int32_t value);

  // Pen helpers.
  void pen_enter(Tool tool);      // BTN_TOOL_* 1 (switching cleanly); no SYN
  void pen_leave();               // tip up, buttons up, BTN_TOOL_* 0, SYN (if in range)
  void pen_buttons(std::uint8_t buttons);
  void pen_position(const proto::input::PenEvent& e);
  void emit_pen(std::uint16_t type, std::uint16_t code, std::int32_t value);

  InputSink& sink_;
  ScreenSize screen_;
  std::array<Contact, touch_pen_range::kTouchSlots> contacts_{};
  std::uint64_t arrivals_ = 0;
  std::int32_t next_tracking_id_ = 0;
  Tool pen_tool_ = Tool::none;
  bool pen_touching_ = false;
  std::uint8_t pen_buttons_ = 0;  // pen_button:: bits currently pressed
};

}  // namespace lightwell::input
