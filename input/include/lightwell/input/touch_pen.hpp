// Touchscreen and pen tablet (issue 7, input.md §6, §7): a multi-touch protocol B
// touchscreen ("Lightwell Touchscreen": a slot per pointer id, ABS_MT_TRACKING_ID −1 on
// up/cancel, BTN_TOUCH while any contact is down, pressure, orientation, contact size) and a
// pen tablet ("Lightwell Pen": BTN_TOOL_PEN / BTN_TOOL_RUBBER while in range, BTN_TOUCH while
// down, ABS_PRESSURE / ABS_DISTANCE, tilt from (rotation, tilt), BTN_STYLUS/2/3). Normalized
// 0..1 coordinates are clamped and scaled to the screen.
// Ownership: holds a reference to the sink. Thread: the injector's thread.
#pragma once

#include <cstdint>

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::input {

class TouchPen {
 public:
  TouchPen(InputSink& sink, ScreenSize screen) noexcept : sink_(sink), screen_(screen) {}
  void touch(const proto::input::TouchEvent& e);
  void pen(const proto::input::PenEvent& e);
  // Session end: lift every contact and take the pen out of range.
  void release_all();

 private:
  InputSink& sink_;
  ScreenSize screen_;
  // Helper B adds the contact table (pointer id → slot) and pen state here.
};

}  // namespace lightwell::input
