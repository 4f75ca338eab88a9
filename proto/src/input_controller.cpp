// Game controller packets (input.md §5.2-§5.6); all multi-byte fields little-endian.
#include <string>

#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_convert.hpp"
#include "lightwell/proto/input_detail.hpp"

namespace lightwell::proto::input::detail {

namespace {

// Fixed tags of NV_MULTI_CONTROLLER_PACKET (input.md §5.2). Every client writes them; a
// different value means a different layout, so the packet is not trusted.
constexpr std::uint16_t kHeaderB = 0x001A;
constexpr std::uint16_t kMidB = 0x0014;
constexpr std::uint16_t kTailA = 0x009C;
constexpr std::uint16_t kTailB = 0x0055;

Result<void> check_tag(std::uint16_t got, std::uint16_t want, const char* name) {
  if (got != want) {
    return fail(Errc::malformed, std::string("controller state ") + name + " is " +
                                     std::to_string(got) + ", expected " + std::to_string(want));
  }
  return {};
}

}  // namespace

Result<InputEvent> parse_controller_state(Bytes packet) {
  if (auto ok = check_size(packet, packet_bytes::controller_state, "controller state"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint16_t header_b = f.u16_le();
  const std::uint16_t number = f.u16_le();
  ControllerState e;
  e.active_mask = f.u16_le();
  const std::uint16_t mid_b = f.u16_le();
  const std::uint16_t buttons_low = f.u16_le();
  e.left_trigger = f.u8();
  e.right_trigger = f.u8();
  e.left_stick_x = f.i16_le();
  e.left_stick_y = f.i16_le();
  e.right_stick_x = f.i16_le();
  e.right_stick_y = f.i16_le();
  const std::uint16_t tail_a = f.u16_le();
  const std::uint16_t buttons_high = f.u16_le();  // buttonFlags2: bits 16..31 (Sunshine ext.)
  const std::uint16_t tail_b = f.u16_le();
  if (!f.ok()) return layout_bug("controller state");

  if (auto ok = check_tag(header_b, kHeaderB, "headerB"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_tag(mid_b, kMidB, "midB"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_tag(tail_a, kTailA, "tailA"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_tag(tail_b, kTailB, "tailB"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_controller(number, "controller state"); !ok) {
    return tl::unexpected(ok.error());
  }
  e.controller_number = static_cast<std::uint8_t>(number);
  e.buttons = compose_buttons(buttons_low, buttons_high);
  return e;
}

Result<InputEvent> parse_controller_arrival(Bytes packet) {
  // input.md §5.3: 8 number, 9 type, 10 capabilities LE16, 12 supportedButtonFlags LE32.
  if (auto ok = check_size(packet, packet_bytes::controller_arrival, "controller arrival"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t number = f.u8();
  const std::uint8_t type = f.u8();
  ControllerArrival e;
  e.capabilities = f.u16_le();
  e.supported_buttons = f.u32_le();
  if (!f.ok()) return layout_bug("controller arrival");
  if (auto ok = check_controller(number, "controller arrival"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (type > static_cast<std::uint8_t>(ControllerType::steam)) {
    return fail(Errc::out_of_range, "controller type " + std::to_string(type) + " not in 0..4");
  }
  e.controller_number = number;
  e.type = static_cast<ControllerType>(type);
  return e;
}

Result<InputEvent> parse_controller_touch(Bytes packet) {
  // input.md §5.4: 8 number, 9 eventType, 10 zero, 11 touchpadIndex, 12 pointerId LE32,
  // 16 x, 20 y, 24 pressure (LE floats).
  if (auto ok = check_size(packet, packet_bytes::controller_touch, "controller touch"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t number = f.u8();
  const std::uint8_t type = f.u8();
  f.skip(1);
  ControllerTouch e;
  e.touchpad_index = f.u8();
  e.pointer_id = f.u32_le();
  e.x = f.f32_le();
  e.y = f.f32_le();
  e.pressure = f.f32_le();
  if (!f.ok()) return layout_bug("controller touch");
  if (auto ok = check_controller(number, "controller touch"); !ok) {
    return tl::unexpected(ok.error());
  }
  auto event_type = touch_event_type(type, false);
  if (!event_type) return tl::unexpected(event_type.error());
  // Only 0 and 1 exist (moonlight-common-c LiSendControllerTouchEvent2: "the only valid
  // touchpad indices are currently 0 and 1").
  if (e.touchpad_index > 1) {
    return fail(Errc::out_of_range,
                "touchpad index " + std::to_string(e.touchpad_index) + " not in 0..1");
  }
  e.controller_number = number;
  e.event_type = *event_type;
  if (is_cancel(e.event_type)) {
    e.x = e.y = e.pressure = 0.0f;  // not meaningful, not checked
    return e;
  }
  if (auto ok = check_finite(e.x, "controller touch x"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_finite(e.y, "controller touch y"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_non_negative(e.pressure, "controller touch pressure"); !ok) {
    return tl::unexpected(ok.error());
  }
  return e;
}

Result<InputEvent> parse_controller_motion(Bytes packet) {
  // input.md §5.5: 8 number, 9 motionType, 10 zero LE16, 12 x, 16 y, 20 z (LE floats).
  if (auto ok = check_size(packet, packet_bytes::controller_motion, "controller motion"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t number = f.u8();
  const std::uint8_t type = f.u8();
  f.skip(2);
  ControllerMotion e;
  e.x = f.f32_le();
  e.y = f.f32_le();
  e.z = f.f32_le();
  if (!f.ok()) return layout_bug("controller motion");
  if (auto ok = check_controller(number, "controller motion"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (type != static_cast<std::uint8_t>(MotionType::accelerometer) &&
      type != static_cast<std::uint8_t>(MotionType::gyroscope)) {
    return fail(Errc::out_of_range, "motion type " + std::to_string(type) + " not in 1..2");
  }
  e.controller_number = number;
  e.type = static_cast<MotionType>(type);
  if (auto ok = check_finite(e.x, "motion x"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_finite(e.y, "motion y"); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_finite(e.z, "motion z"); !ok) return tl::unexpected(ok.error());
  return e;
}

Result<InputEvent> parse_controller_battery(Bytes packet) {
  // input.md §5.6: 8 number, 9 batteryState, 10 percentage, 11 zero.
  if (auto ok = check_size(packet, packet_bytes::controller_battery, "controller battery"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t number = f.u8();
  const std::uint8_t state = f.u8();
  ControllerBattery e;
  e.percentage = f.u8();
  f.skip(1);
  if (!f.ok()) return layout_bug("controller battery");
  if (auto ok = check_controller(number, "controller battery"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (state > static_cast<std::uint8_t>(BatteryState::full)) {
    return fail(Errc::out_of_range, "battery state " + std::to_string(state) + " not in 0..5");
  }
  if (e.percentage > 100 && e.percentage != kBatteryPercentUnknown) {
    return fail(Errc::out_of_range,
                "battery percentage " + std::to_string(e.percentage) + " not in 0..100");
  }
  e.controller_number = number;
  e.state = static_cast<BatteryState>(state);
  return e;
}

}  // namespace lightwell::proto::input::detail
