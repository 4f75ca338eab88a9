// Touch and pen packets (input.md §6, Sunshine extensions behind feature flag 0x01).
// Integers little-endian, floats LE binary32.
#include <cmath>
#include <string>

#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_detail.hpp"

namespace lightwell::proto::input::detail {

namespace {

// Checks the geometry shared by touch and pen. NaN is the dangerous case: std::clamp lets
// it through and a float->int conversion of NaN is undefined, so it never leaves proto.
Result<void> check_geometry(float x, float y, float pressure_or_distance, float major,
                            float minor, const char* what) {
  // Field names are composed only on failure: this runs for every touch/pen move.
  const auto bad = [what](const char* field, const char* problem) {
    return fail(Errc::out_of_range, std::string(what) + " " + field + " " + problem);
  };
  if (!std::isfinite(x)) return bad("x", "is not finite");
  if (!std::isfinite(y)) return bad("y", "is not finite");
  if (!non_negative_finite(pressure_or_distance)) {
    return bad("pressure/distance", "is negative or not finite");
  }
  if (!non_negative_finite(major)) return bad("contact area major", "is negative or not finite");
  if (!non_negative_finite(minor)) return bad("contact area minor", "is negative or not finite");
  return {};
}

}  // namespace

Result<InputEvent> parse_touch(Bytes packet) {
  // input.md §6.2: 8 eventType, 9 zero, 10 rotation LE16, 12 pointerId LE32, 16 x, 20 y,
  // 24 pressureOrDistance, 28 contactAreaMajor, 32 contactAreaMinor.
  if (auto ok = check_size(packet, packet_bytes::touch, "touch"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t type = f.u8();
  f.skip(1);
  TouchEvent e;
  e.rotation_deg = f.u16_le();
  e.pointer_id = f.u32_le();
  e.x = f.f32_le();
  e.y = f.f32_le();
  e.pressure_or_distance = f.f32_le();
  e.contact_area_major = f.f32_le();
  e.contact_area_minor = f.f32_le();
  if (!f.ok()) return layout_bug("touch");

  auto event_type = touch_event_type(type, false);
  if (!event_type) return tl::unexpected(event_type.error());
  e.event_type = *event_type;
  if (is_cancel(e.event_type)) {
    // Only pointerId is meaningful (moonlight-common-c Limelight.h LiSendTouchEvent); the
    // rest may be anything, so it is neither checked nor passed on.
    e.rotation_deg = kRotationUnknown;
    e.x = e.y = e.pressure_or_distance = e.contact_area_major = e.contact_area_minor = 0.0f;
    return e;
  }
  if (auto ok = check_rotation(e.rotation_deg); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_geometry(e.x, e.y, e.pressure_or_distance, e.contact_area_major,
                               e.contact_area_minor, "touch");
      !ok) {
    return tl::unexpected(ok.error());
  }
  return e;
}

Result<InputEvent> parse_pen(Bytes packet) {
  // input.md §6.3: 8 eventType, 9 toolType, 10 penButtons, 11 zero, 12 x, 16 y,
  // 20 pressureOrDistance, 24 rotation LE16, 26 tilt, 27 zero, 28 major, 32 minor.
  if (auto ok = check_size(packet, packet_bytes::pen, "pen"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t type = f.u8();
  const std::uint8_t tool = f.u8();
  PenEvent e;
  e.buttons = f.u8();
  f.skip(1);
  e.x = f.f32_le();
  e.y = f.f32_le();
  e.pressure_or_distance = f.f32_le();
  e.rotation_deg = f.u16_le();
  e.tilt_deg = f.u8();
  f.skip(1);
  e.contact_area_major = f.f32_le();
  e.contact_area_minor = f.f32_le();
  if (!f.ok()) return layout_bug("pen");

  auto event_type = touch_event_type(type, true);
  if (!event_type) return tl::unexpected(event_type.error());
  e.event_type = *event_type;
  if (tool > static_cast<std::uint8_t>(ToolType::eraser)) {
    return fail(Errc::out_of_range, "pen tool type " + std::to_string(tool) + " not in 0..2");
  }
  e.tool = static_cast<ToolType>(tool);
  if (is_cancel(e.event_type) || e.event_type == TouchEventType::button_only) {
    // button_only: "x, y, pressure, rotation, contact area, and tilt are ignored"
    // (moonlight-common-c Limelight.h LiSendPenEvent); cancel: only the pointer matters.
    e.x = e.y = e.pressure_or_distance = e.contact_area_major = e.contact_area_minor = 0.0f;
    e.rotation_deg = kRotationUnknown;
    e.tilt_deg = kTiltUnknown;
    return e;
  }
  if (auto ok = check_rotation(e.rotation_deg); !ok) return tl::unexpected(ok.error());
  if (e.tilt_deg != kTiltUnknown && e.tilt_deg > kMaxTiltDeg) {
    return fail(Errc::out_of_range, "pen tilt " + std::to_string(e.tilt_deg) + " > 90");
  }
  if (auto ok = check_geometry(e.x, e.y, e.pressure_or_distance, e.contact_area_major,
                               e.contact_area_minor, "pen");
      !ok) {
    return tl::unexpected(ok.error());
  }
  return e;
}

}  // namespace lightwell::proto::input::detail
