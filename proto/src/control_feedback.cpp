#include "lightwell/proto/control_feedback.hpp"

#include <string>

namespace lightwell::proto {

namespace {

// Starts a message: header with the payload length, the writer positioned at the payload.
// All sizes here are compile-time constants well below kMaxHostMessageBytes, so the writer
// cannot overflow.
ByteWriter begin(HostMessage& msg, HostMessageType type, std::uint16_t payload_bytes) noexcept {
  ByteWriter w{MutableBytes(msg.storage)};
  w.u16_le(static_cast<std::uint16_t>(type)).u16_le(payload_bytes);
  return w;
}

HostMessage finish(HostMessage msg, const ByteWriter& w) noexcept {
  msg.size = w.size();
  return msg;
}

Result<void> check_controller(std::uint16_t controller) {
  if (controller < kMaxControllers) return {};
  return fail(Errc::out_of_range,
              "controller number " + std::to_string(controller) + " is not in 0..15");
}

}  // namespace

HostMessage build_termination(std::uint32_t hresult) noexcept {
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::termination, 4);
  w.u32_be(hresult);  // control.md §5: the one big-endian field of the host messages
  return finish(msg, w);
}

Result<HostMessage> build_rumble(std::uint16_t controller, std::uint16_t low_freq_motor,
                                 std::uint16_t high_freq_motor) {
  if (auto ok = check_controller(controller); !ok) return tl::unexpected(ok.error());
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::rumble, 10);
  w.u32_le(kRumbleFiller).u16_le(controller).u16_le(low_freq_motor).u16_le(high_freq_motor);
  return finish(msg, w);
}

Result<HostMessage> build_trigger_rumble(std::uint16_t controller, std::uint16_t left_trigger,
                                         std::uint16_t right_trigger) {
  if (auto ok = check_controller(controller); !ok) return tl::unexpected(ok.error());
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::trigger_rumble, 6);
  w.u16_le(controller).u16_le(left_trigger).u16_le(right_trigger);
  return finish(msg, w);
}

Result<HostMessage> build_motion_event_state(std::uint16_t controller, std::uint16_t report_rate_hz,
                                             MotionSensor sensor) {
  if (auto ok = check_controller(controller); !ok) return tl::unexpected(ok.error());
  if (sensor != MotionSensor::accelerometer && sensor != MotionSensor::gyroscope) {
    return fail(Errc::out_of_range, "motion sensor type " +
                                        std::to_string(static_cast<unsigned>(sensor)) +
                                        " is neither accelerometer (1) nor gyroscope (2)");
  }
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::motion_event_state, 5);
  w.u16_le(controller).u16_le(report_rate_hz).u8(static_cast<std::uint8_t>(sensor));
  return finish(msg, w);
}

Result<HostMessage> build_rgb_led(std::uint16_t controller, std::uint8_t r, std::uint8_t g,
                                  std::uint8_t b) {
  if (auto ok = check_controller(controller); !ok) return tl::unexpected(ok.error());
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::rgb_led, 5);
  w.u16_le(controller).u8(r).u8(g).u8(b);
  return finish(msg, w);
}

Result<HostMessage> build_adaptive_triggers(std::uint16_t controller, const AdaptiveTriggers& t) {
  if (auto ok = check_controller(controller); !ok) return tl::unexpected(ok.error());
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::adaptive_triggers, 25);
  w.u16_le(controller).u8(t.event_flags).u8(t.type_left).u8(t.type_right);
  w.bytes(Bytes(t.left)).bytes(Bytes(t.right));
  return finish(msg, w);
}

HostMessage build_hdr_mode(bool enabled, const HdrMetadata& m) noexcept {
  HostMessage msg;
  ByteWriter w = begin(msg, HostMessageType::hdr_mode, 1 + kHdrMetadataBytes);
  w.u8(enabled ? 1 : 0);
  for (const HdrChromaticity& p : m.display_primaries) w.u16_le(p.x).u16_le(p.y);
  w.u16_le(m.white_point.x).u16_le(m.white_point.y);
  w.u16_le(m.max_display_luminance_nits).u16_le(m.min_display_luminance_1e4_nits);
  w.u16_le(m.max_content_light_level_nits).u16_le(m.max_frame_average_light_level_nits);
  w.u16_le(m.max_full_frame_luminance_nits);
  return finish(msg, w);
}

}  // namespace lightwell::proto
