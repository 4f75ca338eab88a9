// See touch_pen.hpp. Facts: input.md §6.1-§6.3 (packets, host mapping), §7 (Linux devices),
// the kernel's multi-touch protocol B (Documentation/input/multi-touch-protocol.rst) and
// event-codes.rst (tablets: BTN_TOOL_* marks proximity, BTN_TOUCH the tip).
//
// Touch hover (event type 0x00 / 0x06 on the touch packet) is ignored: a protocol-B
// touchscreen has no hover state without ABS_MT_DISTANCE, and desktop stacks (libinput)
// would not use it. Only pens hover.
#include "lightwell/input/touch_pen.hpp"

#include <linux/input-event-codes.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lightwell::input {
namespace {

namespace pi = proto::input;
namespace r = touch_pen_range;

constexpr DeviceId kTouch{DeviceKind::touchscreen, 0};
constexpr DeviceId kPen{DeviceKind::pen, 0};

constexpr double kDegToRad = std::numbers::pi / 180.0;

std::int32_t round_to_int(double v) noexcept { return static_cast<std::int32_t>(std::lround(v)); }

// Pressure 0..1 → 1..kMaxPressure; 0 (unknown, input.md §6.2) → the default. A known but
// tiny pressure still reads as touching (at least 1).
std::int32_t scale_pressure(float v) noexcept {
  if (!(v > 0.0f)) return r::kDefaultPressure;
  const double clamped = std::min(static_cast<double>(v), 1.0);
  return std::clamp(round_to_int(clamped * r::kMaxPressure), 1, r::kMaxPressure);
}

// Contact ellipse axis (normalized video units, input.md §6.2) → pixels. The axis lies at
// `rotation` degrees from the vertical (Android's orientation convention, which the
// clients forward), so its pixel length weighs the width by sin and the height by cos.
// Unknown rotation: the geometric mean of width and height. Clamped to the declared
// 0..max(width, height) range of ABS_MT_TOUCH_MAJOR/MINOR.
std::int32_t scale_axis(float v, std::uint16_t rotation_deg, bool minor, ScreenSize s) noexcept {
  const double w = s.width_px, h = s.height_px;
  double px_per_unit = std::sqrt(w * h);
  if (rotation_deg != pi::kRotationUnknown) {
    const double a = rotation_deg * kDegToRad + (minor ? std::numbers::pi / 2 : 0.0);
    px_per_unit = std::hypot(w * std::sin(a), h * std::cos(a));
  }
  const std::int32_t max_px = std::max(s.width_px, s.height_px);
  return std::clamp(round_to_int(static_cast<double>(v) * px_per_unit), 0, max_px);
}

}  // namespace

std::int32_t scale_normalized(float v, std::int32_t extent_px) noexcept {
  if (extent_px <= 1) return 0;
  const double clamped = std::clamp(static_cast<double>(v), 0.0, 1.0);  // input.md §6.3
  return round_to_int(clamped * (extent_px - 1));
}

std::int32_t fold_orientation(std::uint16_t rotation_deg) noexcept {
  // An ellipse is the same after 180°: 0..179 first, then 91..179 → −89..−1.
  std::int32_t d = rotation_deg % 180;
  if (d > r::kMaxAngleDeg) d -= 180;
  return d;
}

Tilt pen_tilt(std::uint16_t rotation_deg, std::uint8_t tilt_deg) noexcept {
  // sin/cos of exact multiples of 90° come out as ±1e-16 instead of 0; at tilt 90 (z ≈ 0)
  // atan2 of two such residues would give an arbitrary angle, so they are snapped to 0.
  auto snap = [](double v) { return std::abs(v) < 1e-9 ? 0.0 : v; };
  const double rot = -static_cast<double>(rotation_deg) * kDegToRad;
  const double t = static_cast<double>(tilt_deg) * kDegToRad;
  const double radius = snap(std::sin(t));
  const double z = snap(std::cos(t));
  auto deg = [](double rad) {
    return std::clamp(round_to_int(rad / kDegToRad), r::kMinAngleDeg, r::kMaxAngleDeg);
  };
  return {deg(std::atan2(snap(std::sin(rot)) * radius, z)),
          deg(std::atan2(snap(std::cos(rot)) * radius, z))};
}

// ---- Touch ---------------------------------------------------------------------------

void TouchPen::emit_touch(std::uint16_t type, std::uint16_t code, std::int32_t value) {
  sink_.emit({kTouch, type, code, value});
}

int TouchPen::find_slot(std::uint32_t pointer_id) const noexcept {
  for (std::size_t i = 0; i < contacts_.size(); ++i)
    if (contacts_[i].active && contacts_[i].pointer_id == pointer_id) return static_cast<int>(i);
  return -1;
}

// The oldest active contact drives the single-touch axes (ABS_X/Y, ABS_PRESSURE), as the
// kernel's own pointer emulation does (input_mt_report_pointer_emulation).
int TouchPen::primary_slot() const noexcept {
  int best = -1;
  for (std::size_t i = 0; i < contacts_.size(); ++i) {
    if (!contacts_[i].active) continue;
    if (best < 0 || contacts_[i].since < contacts_[static_cast<std::size_t>(best)].since)
      best = static_cast<int>(i);
  }
  return best;
}

bool TouchPen::any_contact() const noexcept { return primary_slot() >= 0; }

void TouchPen::touch(const pi::TouchEvent& e) {
  switch (e.event_type) {
    case pi::TouchEventType::down:
    case pi::TouchEventType::move:
      touch_down_or_move(e);
      return;
    case pi::TouchEventType::up:
    case pi::TouchEventType::cancel: {
      const int slot = find_slot(e.pointer_id);
      if (slot < 0) return;  // unknown contact (or one ignored because all slots were taken)
      const int old_primary = primary_slot();
      lift(slot);
      finish_lift(old_primary);
      return;
    }
    case pi::TouchEventType::cancel_all: {
      if (!any_contact()) return;
      const int old_primary = primary_slot();
      for (std::size_t i = 0; i < contacts_.size(); ++i)
        if (contacts_[i].active) lift(static_cast<int>(i));
      finish_lift(old_primary);
      return;
    }
    case pi::TouchEventType::hover:
    case pi::TouchEventType::hover_leave:
    case pi::TouchEventType::button_only:  // never parsed for touch; nothing to do
      return;
  }
}

void TouchPen::touch_down_or_move(const pi::TouchEvent& e) {
  int slot = find_slot(e.pointer_id);
  const bool fresh = slot < 0;
  if (fresh) {
    // A move for an unknown pointer is one we never saw go down (or had no slot for).
    if (e.event_type != pi::TouchEventType::down) return;
    const auto free = std::find_if(contacts_.begin(), contacts_.end(),
                                   [](const Contact& c) { return !c.active; });
    if (free == contacts_.end()) return;  // all slots taken: ignore this pointer
    slot = static_cast<int>(free - contacts_.begin());
  }
  const bool was_touching = any_contact();
  Contact& c = contacts_[static_cast<std::size_t>(slot)];
  if (fresh) c = Contact{true, e.pointer_id, 0, 0, 0, ++arrivals_};
  c.x = scale_normalized(e.x, screen_.width_px);
  c.y = scale_normalized(e.y, screen_.height_px);
  c.pressure = scale_pressure(e.pressure_or_distance);

  // Protocol B: select the slot, (new contact) give it a fresh tracking id, then its axes.
  emit_touch(EV_ABS, ABS_MT_SLOT, slot);
  if (fresh) {
    emit_touch(EV_ABS, ABS_MT_TRACKING_ID, next_tracking_id_);
    next_tracking_id_ = next_tracking_id_ == r::kMaxTrackingId ? 0 : next_tracking_id_ + 1;
  }
  emit_touch(EV_ABS, ABS_MT_POSITION_X, c.x);
  emit_touch(EV_ABS, ABS_MT_POSITION_Y, c.y);
  emit_touch(EV_ABS, ABS_MT_PRESSURE, c.pressure);
  if (e.rotation_deg != pi::kRotationUnknown)  // unknown → not sent (input.md §6.1)
    emit_touch(EV_ABS, ABS_MT_ORIENTATION, fold_orientation(e.rotation_deg));
  if (e.contact_area_major > 0.0f)  // 0 = unknown → not sent
    emit_touch(EV_ABS, ABS_MT_TOUCH_MAJOR,
               scale_axis(e.contact_area_major, e.rotation_deg, false, screen_));
  if (e.contact_area_minor > 0.0f)
    emit_touch(EV_ABS, ABS_MT_TOUCH_MINOR,
               scale_axis(e.contact_area_minor, e.rotation_deg, true, screen_));
  if (!was_touching) emit_touch(EV_KEY, BTN_TOUCH, 1);
  if (primary_slot() == slot) {
    emit_touch(EV_ABS, ABS_X, c.x);
    emit_touch(EV_ABS, ABS_Y, c.y);
    emit_touch(EV_ABS, ABS_PRESSURE, c.pressure);
  }
  emit_touch(EV_SYN, SYN_REPORT, 0);
}

void TouchPen::lift(int slot) {
  contacts_[static_cast<std::size_t>(slot)].active = false;
  emit_touch(EV_ABS, ABS_MT_SLOT, slot);
  emit_touch(EV_ABS, ABS_MT_TRACKING_ID, -1);
}

void TouchPen::finish_lift(int old_primary) {
  const int now = primary_slot();
  if (now < 0) {
    emit_touch(EV_KEY, BTN_TOUCH, 0);
    emit_touch(EV_ABS, ABS_PRESSURE, 0);
  } else if (now != old_primary) {
    // The emulated single touch moves on to the next-oldest contact.
    const Contact& c = contacts_[static_cast<std::size_t>(now)];
    emit_touch(EV_ABS, ABS_X, c.x);
    emit_touch(EV_ABS, ABS_Y, c.y);
    emit_touch(EV_ABS, ABS_PRESSURE, c.pressure);
  }
  emit_touch(EV_SYN, SYN_REPORT, 0);
}

// ---- Pen -----------------------------------------------------------------------------

void TouchPen::emit_pen(std::uint16_t type, std::uint16_t code, std::int32_t value) {
  sink_.emit({kPen, type, code, value});
}

void TouchPen::pen_enter(Tool tool) {
  if (pen_tool_ == tool) return;
  // Switching pen ↔ eraser: the old tool leaves proximity in a frame of its own, so the
  // guest sees two distinct tools rather than one with two BTN_TOOL_* bits set.
  pen_leave();
  emit_pen(EV_KEY, tool == Tool::rubber ? BTN_TOOL_RUBBER : BTN_TOOL_PEN, 1);
  pen_tool_ = tool;
}

void TouchPen::pen_leave() {
  if (pen_tool_ == Tool::none) return;
  if (pen_touching_) {
    emit_pen(EV_ABS, ABS_PRESSURE, 0);
    emit_pen(EV_KEY, BTN_TOUCH, 0);
    pen_touching_ = false;
  }
  pen_buttons(0);
  emit_pen(EV_KEY, pen_tool_ == Tool::rubber ? BTN_TOOL_RUBBER : BTN_TOOL_PEN, 0);
  emit_pen(EV_SYN, SYN_REPORT, 0);
  pen_tool_ = Tool::none;
}

void TouchPen::pen_buttons(std::uint8_t buttons) {
  static constexpr std::pair<std::uint8_t, std::uint16_t> kMap[] = {
      {pi::pen_button::primary, BTN_STYLUS},
      {pi::pen_button::secondary, BTN_STYLUS2},
      {pi::pen_button::tertiary, BTN_STYLUS3},
  };
  for (const auto& [bit, code] : kMap) {
    const bool want = (buttons & bit) != 0;
    if (want == ((pen_buttons_ & bit) != 0)) continue;
    emit_pen(EV_KEY, code, want ? 1 : 0);
  }
  // Unknown bits (passed through by the parser) are dropped: there is no code for them.
  pen_buttons_ = buttons & (pi::pen_button::primary | pi::pen_button::secondary |
                            pi::pen_button::tertiary);
}

void TouchPen::pen_position(const pi::PenEvent& e) {
  emit_pen(EV_ABS, ABS_X, scale_normalized(e.x, screen_.width_px));
  emit_pen(EV_ABS, ABS_Y, scale_normalized(e.y, screen_.height_px));
}

void TouchPen::pen(const pi::PenEvent& e) {
  using T = pi::TouchEventType;
  if (e.event_type == T::hover_leave || e.event_type == T::cancel ||
      e.event_type == T::cancel_all) {
    pen_leave();
    return;
  }
  // Tool: eraser → BTN_TOOL_RUBBER, pen → BTN_TOOL_PEN; unknown keeps the tool in range
  // (or a pen when none is).
  Tool tool = Tool::pen;
  if (e.tool == pi::ToolType::eraser) tool = Tool::rubber;
  else if (e.tool == pi::ToolType::unknown && pen_tool_ != Tool::none) tool = pen_tool_;
  pen_enter(tool);

  if (e.event_type != T::button_only) {  // button_only: only the buttons are meaningful
    pen_position(e);
    const bool tip = e.event_type == T::down || (e.event_type == T::move && pen_touching_);
    if (tip) {
      if (!pen_touching_) emit_pen(EV_ABS, ABS_DISTANCE, 0);  // touching: no distance
      emit_pen(EV_ABS, ABS_PRESSURE, scale_pressure(e.pressure_or_distance));
    } else {
      if (pen_touching_) emit_pen(EV_ABS, ABS_PRESSURE, 0);
      if (e.event_type == T::hover && e.pressure_or_distance > 0.0f) {  // 0 = unknown
        const double d = std::min(static_cast<double>(e.pressure_or_distance), 1.0);
        emit_pen(EV_ABS, ABS_DISTANCE, round_to_int(d * r::kMaxDistance));
      }
    }
    if (e.rotation_deg != pi::kRotationUnknown && e.tilt_deg != pi::kTiltUnknown) {
      const Tilt t = pen_tilt(e.rotation_deg, e.tilt_deg);
      emit_pen(EV_ABS, ABS_TILT_X, t.x_deg);
      emit_pen(EV_ABS, ABS_TILT_Y, t.y_deg);
    }
    if (tip != pen_touching_) emit_pen(EV_KEY, BTN_TOUCH, tip ? 1 : 0);
    pen_touching_ = tip;
  }
  pen_buttons(e.buttons);
  emit_pen(EV_SYN, SYN_REPORT, 0);
}

void TouchPen::release_all() {
  touch(pi::TouchEvent{pi::TouchEventType::cancel_all, pi::kRotationUnknown, 0, 0, 0, 0, 0, 0});
  pen_leave();
}

}  // namespace lightwell::input
