// Internal plumbing shared by the input parsers (proto/src/input*.cpp). Not part of the
// public API: include lightwell/proto/input.hpp instead.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/input.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto::input::detail {

// Reads fields in order and remembers the first failure, so a parser reads a whole layout
// and checks once. Callers have already checked the exact packet size, so a failure here
// means a layout table and its size constant disagree (a bug), still reported, never UB.
class FieldReader {
 public:
  explicit FieldReader(Bytes packet) noexcept : reader_(packet) {}

  bool ok() const noexcept { return ok_; }
  void skip(std::size_t n) { ok_ = ok_ && reader_.skip(n).has_value(); }
  std::uint8_t u8() { return take(reader_.u8()); }
  std::uint16_t u16_le() { return take(reader_.u16_le()); }
  std::uint16_t u16_be() { return take(reader_.u16_be()); }
  std::uint32_t u32_le() { return take(reader_.u32_le()); }
  std::int16_t i16_le() { return take(reader_.i16_le()); }
  std::int16_t i16_be() { return static_cast<std::int16_t>(u16_be()); }
  float f32_le() { return take(reader_.f32_le()); }

 private:
  template <class T>
  T take(Result<T> r) {
    if (!r) {
      ok_ = false;
      return T{};
    }
    return *r;
  }
  ByteReader reader_;
  bool ok_ = true;
};

inline tl::unexpected<Error> layout_bug(const char* name) {
  return fail(Errc::truncated, std::string(name) + ": field layout exceeds packet");
}

// Fixed-size packet types: the whole packet (header included) must be exactly `expected`.
inline Result<void> check_size(Bytes packet, std::size_t expected, const char* name) {
  if (packet.size() < expected) {
    return fail(Errc::truncated, std::string(name) + " packet is " + std::to_string(packet.size()) +
                                     " bytes, expected " + std::to_string(expected));
  }
  if (packet.size() > expected) {
    return fail(Errc::too_large, std::string(name) + " packet is " + std::to_string(packet.size()) +
                                     " bytes, expected " + std::to_string(expected));
  }
  return {};
}

inline Result<void> check_controller(std::uint32_t number, const char* name) {
  if (number >= kMaxControllers) {
    return fail(Errc::out_of_range,
                std::string(name) + ": controller number " + std::to_string(number) + " > 15");
  }
  return {};
}

inline Result<void> check_finite(float v, const char* field) {
  if (!std::isfinite(v)) return fail(Errc::out_of_range, std::string(field) + " is not finite");
  return {};
}

// Finite and not negative (pressure, distance, contact area: input.md §6.2).
inline bool non_negative_finite(float v) noexcept { return std::isfinite(v) && v >= 0.0f; }

inline Result<void> check_non_negative(float v, const char* field) {
  if (!non_negative_finite(v)) {
    return fail(Errc::out_of_range, std::string(field) + " is negative or not finite");
  }
  return {};
}

inline Result<void> check_rotation(std::uint16_t rotation_deg) {
  if (rotation_deg != kRotationUnknown && rotation_deg > kMaxRotationDeg) {
    return fail(Errc::out_of_range, "rotation " + std::to_string(rotation_deg) + " > 360");
  }
  return {};
}

// Event types valid for touch and controller-touch packets (every §6.1 value but the
// pen-only button_only).
inline Result<TouchEventType> touch_event_type(std::uint8_t raw, bool allow_button_only) {
  if (raw > static_cast<std::uint8_t>(TouchEventType::cancel_all) ||
      (!allow_button_only && raw == static_cast<std::uint8_t>(TouchEventType::button_only))) {
    return fail(Errc::out_of_range, "touch event type " + std::to_string(raw) + " not allowed");
  }
  return static_cast<TouchEventType>(raw);
}

inline bool is_cancel(TouchEventType t) noexcept {
  return t == TouchEventType::cancel || t == TouchEventType::cancel_all;
}

// Per-family parsers; `packet` is the whole framed packet (header included), `magic` its
// magic. Each checks its own size and fields.
Result<InputEvent> parse_haptics(Bytes packet);
Result<InputEvent> parse_key(std::uint32_t magic, Bytes packet);
Result<InputEvent> parse_text(Bytes packet);
Result<InputEvent> parse_mouse_move(Bytes packet);
Result<InputEvent> parse_mouse_position(Bytes packet);
Result<InputEvent> parse_mouse_button(std::uint32_t magic, Bytes packet);
Result<InputEvent> parse_vertical_scroll(Bytes packet);
Result<InputEvent> parse_horizontal_scroll(Bytes packet);
Result<InputEvent> parse_controller_state(Bytes packet);
Result<InputEvent> parse_controller_arrival(Bytes packet);
Result<InputEvent> parse_controller_touch(Bytes packet);
Result<InputEvent> parse_controller_motion(Bytes packet);
Result<InputEvent> parse_controller_battery(Bytes packet);
Result<InputEvent> parse_touch(Bytes packet);
Result<InputEvent> parse_pen(Bytes packet);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, no
// truncated sequence, no stray continuation byte; additionally no U+0000. Writes at most
// out.size() code points; returns how many.
Result<std::size_t> decode_utf8(Bytes text, std::span<char32_t> out);

}  // namespace lightwell::proto::input::detail
