// Unit conversions of input wire values (input.md §4-§6); see input_convert.hpp.
#include "lightwell/proto/input_convert.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lightwell::proto::input {

UnitPoint normalized_position(const MousePosition& p) noexcept {
  const double w = p.reference_width > 0 ? p.reference_width : 1;
  const double h = p.reference_height > 0 ? p.reference_height : 1;
  const double x = std::clamp(static_cast<double>(p.x), 0.0, w);
  const double y = std::clamp(static_cast<double>(p.y), 0.0, h);
  return {x / w, y / h};
}

std::int32_t ScrollAccumulator::add(std::int16_t amount) noexcept {
  pending_ += amount;  // |pending_| < 120 before, so no overflow
  const std::int32_t notches = pending_ / kScrollUnitsPerNotch;  // truncates toward zero
  pending_ -= notches * kScrollUnitsPerNotch;
  return notches;
}

float degrees_to_radians(float degrees) noexcept {
  return degrees * (std::numbers::pi_v<float> / 180.0f);
}

std::optional<std::int32_t> ellipse_orientation_degrees(std::uint16_t rotation_wire) noexcept {
  const auto rotation = rotation_degrees(rotation_wire);
  if (!rotation) return std::nullopt;
  std::int32_t folded = *rotation % 180;  // 0..179
  if (folded > 90) folded -= 180;         // -89..90
  return folded;
}

std::optional<PenTiltXY> pen_tilt_xy(std::uint16_t rotation_wire, std::uint8_t tilt_wire) noexcept {
  const auto rotation = rotation_degrees(rotation_wire);
  const auto tilt = tilt_degrees(tilt_wire);
  if (!rotation || !tilt) return std::nullopt;
  constexpr double kRadPerDeg = std::numbers::pi / 180.0;
  constexpr double kDegPerRad = 180.0 / std::numbers::pi;
  const double rot = -static_cast<double>(*rotation) * kRadPerDeg;
  const double t = static_cast<double>(*tilt) * kRadPerDeg;
  const double r = std::sin(t);
  const double z = std::cos(t);
  return PenTiltXY{std::atan2(std::sin(rot) * r, z) * kDegPerRad,
                   std::atan2(std::cos(rot) * r, z) * kDegPerRad};
}

}  // namespace lightwell::proto::input
