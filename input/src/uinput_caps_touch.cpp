// See uinput_caps.hpp: touchscreen and pen tablet (input.md §7). The ranges come from
// touch_pen.hpp (touch_pen_range) so what TouchPen emits always lies inside them.
//
// Resolutions (absinfo.resolution), chosen for libinput:
// * Positions (ABS_X/Y, ABS_MT_POSITION_X/Y, ABS_MT_TOUCH_MAJOR/MINOR): 4 units/mm, i.e.
//   one screen pixel ≈ 0.25 mm (≈ 100 dpi, an ordinary monitor). libinput refuses a
//   tablet without a resolution on x/y ("missing tablet capabilities: ... resolution",
//   libinput doc tablet-debugging), and uses it to give touchscreens a physical size. The
//   value is an integer by the kernel ABI; the exact figure matters little because both
//   devices are direct (mapped onto the screen), only the mm sizes derived from it.
// * Tilt (ABS_TILT_X/Y, degrees −90..90): 57 units/radian (180/π ≈ 57.3). libinput reads a
//   non-zero tilt resolution as units per radian when the range is centred on 0
//   (evdev-tablet.c adjust_tilt), so one unit is one degree (to 0.5 %); with resolution 0
//   it would assume a Wacom ±64° range instead.
// * Pressure, distance, orientation, slot, tracking id: no resolution (not physical
//   lengths; libinput normalizes pressure by its range).
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>

#include <algorithm>

#include "lightwell/input/touch_pen.hpp"
#include "uinput_caps.hpp"

namespace lightwell::input {
namespace {

namespace r = touch_pen_range;

constexpr int kPositionResolutionPerMm = 4;
constexpr int kTiltResolutionPerRad = 57;

void enable_abs(libevdev* dev, unsigned code, int min, int max, int resolution) {
  input_absinfo info{0, min, max, 0, 0, resolution};
  libevdev_enable_event_code(dev, EV_ABS, code, &info);
}

void enable_keys(libevdev* dev, std::initializer_list<unsigned> codes) {
  libevdev_enable_event_type(dev, EV_KEY);
  for (const unsigned c : codes) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
}

}  // namespace

void describe_touchscreen(libevdev* dev, ScreenSize screen) {
  libevdev_set_name(dev, "Lightwell Touchscreen");
  // Direct: the contacts are on the screen itself (input.md §7), not a touchpad.
  libevdev_enable_property(dev, INPUT_PROP_DIRECT);
  enable_keys(dev, {BTN_TOUCH});
  libevdev_enable_event_type(dev, EV_ABS);
  const int max_x = screen.width_px - 1;
  const int max_y = screen.height_px - 1;
  const int max_axis = std::max(screen.width_px, screen.height_px);
  // Single-touch emulation axes (the oldest contact), for clients that ignore MT.
  enable_abs(dev, ABS_X, 0, max_x, kPositionResolutionPerMm);
  enable_abs(dev, ABS_Y, 0, max_y, kPositionResolutionPerMm);
  enable_abs(dev, ABS_PRESSURE, 0, r::kMaxPressure, 0);
  // Protocol B.
  enable_abs(dev, ABS_MT_SLOT, 0, static_cast<int>(r::kTouchSlots) - 1, 0);
  enable_abs(dev, ABS_MT_TRACKING_ID, 0, r::kMaxTrackingId, 0);
  enable_abs(dev, ABS_MT_POSITION_X, 0, max_x, kPositionResolutionPerMm);
  enable_abs(dev, ABS_MT_POSITION_Y, 0, max_y, kPositionResolutionPerMm);
  enable_abs(dev, ABS_MT_PRESSURE, 0, r::kMaxPressure, 0);
  enable_abs(dev, ABS_MT_ORIENTATION, r::kMinAngleDeg, r::kMaxAngleDeg, 0);
  enable_abs(dev, ABS_MT_TOUCH_MAJOR, 0, max_axis, kPositionResolutionPerMm);
  enable_abs(dev, ABS_MT_TOUCH_MINOR, 0, max_axis, kPositionResolutionPerMm);
}

void describe_pen(libevdev* dev, ScreenSize screen) {
  libevdev_set_name(dev, "Lightwell Pen");
  // Direct: a screen tablet (the pen draws where the picture is), input.md §7.
  libevdev_enable_property(dev, INPUT_PROP_DIRECT);
  // BTN_STYLUS is required by libinput for a tablet tool ("btn-stylus").
  enable_keys(dev, {BTN_TOUCH, BTN_TOOL_PEN, BTN_TOOL_RUBBER, BTN_STYLUS, BTN_STYLUS2,
                    BTN_STYLUS3});
  libevdev_enable_event_type(dev, EV_ABS);
  enable_abs(dev, ABS_X, 0, screen.width_px - 1, kPositionResolutionPerMm);
  enable_abs(dev, ABS_Y, 0, screen.height_px - 1, kPositionResolutionPerMm);
  enable_abs(dev, ABS_PRESSURE, 0, r::kMaxPressure, 0);
  enable_abs(dev, ABS_DISTANCE, 0, r::kMaxDistance, 0);
  enable_abs(dev, ABS_TILT_X, r::kMinAngleDeg, r::kMaxAngleDeg, kTiltResolutionPerRad);
  enable_abs(dev, ABS_TILT_Y, r::kMinAngleDeg, r::kMaxAngleDeg, kTiltResolutionPerRad);
}

}  // namespace lightwell::input
