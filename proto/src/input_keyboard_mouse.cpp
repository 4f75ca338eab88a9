// Keyboard, mouse, scroll and haptics packets (input.md §3.1, §4, §5.7). Keyboard fields
// are little-endian, mouse and scroll fields big-endian (input.md §9 pitfall 1).
#include <string>

#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_detail.hpp"

namespace lightwell::proto::input::detail {

Result<InputEvent> parse_haptics(Bytes packet) {
  // input.md §5.7: offset 8 LE16 enable (the client sends 1).
  if (auto ok = check_size(packet, packet_bytes::enable_haptics, "enable haptics"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  EnableHaptics e;
  e.enable = f.u16_le();
  if (!f.ok()) return layout_bug("enable haptics");
  return e;
}

Result<InputEvent> parse_key(std::uint32_t type, Bytes packet) {
  // input.md §3.1: 8 flags, 9 keyCode LE16, 11 modifiers, 12 two zero bytes.
  if (auto ok = check_size(packet, packet_bytes::key, "keyboard"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  KeyEvent e;
  e.action = type == magic::key_down ? KeyAction::down : KeyAction::up;
  e.flags = f.u8();
  e.key_code = f.u16_le();
  e.modifiers = f.u8();
  f.skip(2);  // zero (not checked: reserved)
  if (!f.ok()) return layout_bug("keyboard");
  return e;
}

Result<InputEvent> parse_mouse_move(Bytes packet) {
  // input.md §4.1: 8 deltaX BE int16, 10 deltaY BE int16.
  if (auto ok = check_size(packet, packet_bytes::mouse_move, "mouse move"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  MouseMove e;
  e.delta_x = f.i16_be();
  e.delta_y = f.i16_be();
  if (!f.ok()) return layout_bug("mouse move");
  return e;
}

Result<InputEvent> parse_mouse_position(Bytes packet) {
  // input.md §4.2: 8 x, 10 y, 12 zero, 14 width, 16 height; all BE int16.
  if (auto ok = check_size(packet, packet_bytes::mouse_position, "mouse position"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  MousePosition e;
  e.x = f.i16_be();
  e.y = f.i16_be();
  f.skip(2);
  e.reference_width = f.i16_be();
  e.reference_height = f.i16_be();
  if (!f.ok()) return layout_bug("mouse position");
  // A reference size of 0 would divide by zero (Sunshine ignores such packets); a negative
  // one has no meaning.
  if (e.reference_width <= 0 || e.reference_height <= 0) {
    return fail(Errc::out_of_range, "mouse position reference size " +
                                        std::to_string(e.reference_width) + "x" +
                                        std::to_string(e.reference_height) + " is not positive");
  }
  return e;
}

Result<InputEvent> parse_mouse_button(std::uint32_t type, Bytes packet) {
  // input.md §4.3: offset 8 button 1..5.
  if (auto ok = check_size(packet, packet_bytes::mouse_button, "mouse button"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  const std::uint8_t button = f.u8();
  if (!f.ok()) return layout_bug("mouse button");
  if (button < static_cast<std::uint8_t>(MouseButton::left) ||
      button > static_cast<std::uint8_t>(MouseButton::x2)) {
    return fail(Errc::out_of_range, "mouse button " + std::to_string(button) + " not in 1..5");
  }
  MouseButtonEvent e;
  e.action = type == magic::mouse_button_down ? ButtonAction::press : ButtonAction::release;
  e.button = static_cast<MouseButton>(button);
  return e;
}

Result<InputEvent> parse_vertical_scroll(Bytes packet) {
  // input.md §4.4: 8 scrollAmt1 BE int16, 10 scrollAmt2 (same value), 12 zero.
  if (auto ok = check_size(packet, packet_bytes::vertical_scroll, "vertical scroll"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  VerticalScroll e;
  e.amount = f.i16_be();
  f.skip(4);  // scrollAmt2 and zero: not checked (Sunshine reads scrollAmt1 only)
  if (!f.ok()) return layout_bug("vertical scroll");
  return e;
}

Result<InputEvent> parse_horizontal_scroll(Bytes packet) {
  // input.md §4.5: 8 amount BE int16.
  if (auto ok = check_size(packet, packet_bytes::horizontal_scroll, "horizontal scroll"); !ok) {
    return tl::unexpected(ok.error());
  }
  FieldReader f(packet);
  f.skip(kHeaderBytes);
  HorizontalScroll e;
  e.amount = f.i16_be();
  if (!f.ok()) return layout_bug("horizontal scroll");
  return e;
}

}  // namespace lightwell::proto::input::detail
