// Unit conversions of the input wire values (input.md §4-§6), as small pure helpers the
// injector (input/) calls after parse_input_packet(). They take parsed, already validated
// values; none allocates or keeps state except ScrollAccumulator, a value the caller owns.
// Thread rules: none.
#pragma once

#include <cstdint>
#include <optional>

#include "lightwell/proto/input.hpp"

namespace lightwell::proto::input {

// ---- Absolute mouse (input.md §4.2) ----------------------------------------------------

// The client sends its reference size minus 1 (GFE rounding workaround), so the real
// client-side size is the wire value + 1: LiSendMousePositionEvent(.., 1920, 1080) arrives
// as 1919 x 1079.
constexpr std::int32_t client_reference_width(const MousePosition& p) noexcept {
  return std::int32_t{p.reference_width} + 1;
}
constexpr std::int32_t client_reference_height(const MousePosition& p) noexcept {
  return std::int32_t{p.reference_height} + 1;
}

// The point as a fraction of the streamed picture: x clamped to [0, width], divided by
// the wire width (so x == width, the client's last pixel, is the right edge 1.0; this is
// what Sunshine does). Same for y. Requires reference_width/height > 0 (the parser
// guarantees it).
struct UnitPoint {
  double x = 0;  // 0 = left edge, 1 = right edge
  double y = 0;  // 0 = top, 1 = bottom
};
UnitPoint normalized_position(const MousePosition& p) noexcept;

// ---- Scroll (input.md §4.4, §4.5) -----------------------------------------------------

inline constexpr int kScrollUnitsPerNotch = 120;  // 120 = one detent (WHEEL_DELTA)

constexpr double scroll_notches(std::int16_t amount) noexcept {
  return static_cast<double>(amount) / kScrollUnitsPerNotch;
}

// For hosts that emit only whole REL_WHEEL / REL_HWHEEL notches: sums high-resolution
// amounts and hands out whole notches, keeping the remainder (input.md §4.4 "accumulate
// remainders"). Truncates toward zero, so -30 four times gives one notch of -1.
class ScrollAccumulator {
 public:
  // Adds `amount` (1/120 notch) and returns the whole notches now due (may be 0).
  std::int32_t add(std::int16_t amount) noexcept;
  std::int32_t pending_units() const noexcept { return pending_; }
  void reset() noexcept { pending_ = 0; }

 private:
  std::int32_t pending_ = 0;  // |pending_| < 120 between calls
};

// ---- Game controller (input.md §5.2) --------------------------------------------------

constexpr std::uint32_t compose_buttons(std::uint16_t button_flags,
                                        std::uint16_t button_flags2) noexcept {
  return std::uint32_t{button_flags} | (std::uint32_t{button_flags2} << 16);
}

// Protocol Y is positive = up, evdev positive = down. -(-32768) does not fit in int16, so
// the negation saturates at 32767 (input.md §5.2).
constexpr std::int16_t stick_y_to_evdev(std::int16_t protocol_y) noexcept {
  return protocol_y == INT16_MIN ? INT16_MAX
                                 : static_cast<std::int16_t>(-static_cast<int>(protocol_y));
}

// Stick value as -1..1: -32768 -> -1.0, 32767 -> 1.0, 0 -> 0.
constexpr float stick_to_unit(std::int16_t v) noexcept {
  return v < 0 ? static_cast<float>(v) / 32768.0f : static_cast<float>(v) / 32767.0f;
}

// Trigger 0..255 as 0..1.
constexpr float trigger_to_unit(std::uint8_t v) noexcept { return static_cast<float>(v) / 255.0f; }

// ---- Motion (input.md §5.5) -----------------------------------------------------------

// Gyroscope reports arrive in deg/s; HID reports and most consumers want rad/s.
float degrees_to_radians(float degrees) noexcept;

// ---- Battery (input.md §5.6) ----------------------------------------------------------

constexpr std::optional<std::uint8_t> battery_percent(const ControllerBattery& b) noexcept {
  if (b.percentage == kBatteryPercentUnknown) return std::nullopt;
  return b.percentage;
}

// ---- Touch and pen (input.md §6) ------------------------------------------------------

// Clamps a normalized coordinate, pressure or distance to [0, 1] (Sunshine clamps x/y to
// the video area and pressure to 0..1). NaN, which the parser never lets through, maps to 0.
constexpr float clamp_unit(float v) noexcept {
  if (!(v > 0.0f)) return 0.0f;
  return v > 1.0f ? 1.0f : v;
}

// Rotation in 0..359 degrees, or nullopt if unknown (0xFFFF). 360 folds to 0.
constexpr std::optional<std::uint16_t> rotation_degrees(std::uint16_t wire) noexcept {
  if (wire == kRotationUnknown) return std::nullopt;
  return static_cast<std::uint16_t>(wire % 360);
}

// ABS_MT_ORIENTATION for a contact ellipse: the rotation folded into -90..90 (an ellipse
// rotated by 180 degrees is the same ellipse). 0 -> 0, 90 -> 90, 135 -> -45, 270 -> 90.
// nullopt if the rotation is unknown.
std::optional<std::int32_t> ellipse_orientation_degrees(std::uint16_t rotation_wire) noexcept;

// Pen tilt in degrees from perpendicular (0..90), or nullopt if unknown (0xFF).
constexpr std::optional<std::uint8_t> tilt_degrees(std::uint8_t wire) noexcept {
  if (wire == kTiltUnknown) return std::nullopt;
  return wire;
}

// ABS_TILT_X / ABS_TILT_Y (degrees, -90..90) from the polar (rotation, tilt) form of
// input.md §6.3: r = sin(tilt), z = cos(tilt), tilt_x = deg(atan2(sin(-rot) * r, z)),
// tilt_y = deg(atan2(cos(-rot) * r, z)). Only when both rotation and tilt are known.
struct PenTiltXY {
  double x_deg = 0;
  double y_deg = 0;
};
std::optional<PenTiltXY> pen_tilt_xy(std::uint16_t rotation_wire, std::uint8_t tilt_wire) noexcept;

}  // namespace lightwell::proto::input
