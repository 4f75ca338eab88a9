// Input packet framing and dispatch (input.md §2). The per-type layouts live in
// input_keyboard_mouse.cpp, input_text.cpp, input_controller.cpp and input_touch.cpp.
#include "lightwell/proto/input.hpp"

#include <string>
#include <type_traits>

#include "lightwell/proto/input_detail.hpp"

namespace lightwell::proto::input {

namespace {

std::string hex32(std::uint32_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xF];
  return out;
}

}  // namespace

Result<InputEvent> parse_input_packet(Bytes packet) {
  // input.md §2: BE32 size = total length - 4 (it counts the magic and the body). The
  // control message already delimits the packet, so the size must agree exactly: a size
  // that claims more is a truncated packet, one that claims less leaves bytes nobody
  // accounts for. Lengths are then taken from the real size, never from this field.
  if (packet.size() < kHeaderBytes) {
    return fail(Errc::truncated, "input packet of " + std::to_string(packet.size()) +
                                     " bytes is shorter than its 8-byte header");
  }
  const std::uint32_t size_field = load_u32_be(packet.data());
  const std::size_t actual = packet.size() - 4;
  if (size_field > actual) {
    return fail(Errc::truncated, "input size field " + std::to_string(size_field) +
                                     " exceeds the " + std::to_string(actual) + " bytes present");
  }
  if (size_field < actual) {
    return fail(Errc::malformed, "input size field " + std::to_string(size_field) +
                                     " leaves " + std::to_string(actual - size_field) +
                                     " trailing bytes");
  }

  const std::uint32_t type = load_u32_le(packet.data() + 4);
  switch (type) {
    case magic::enable_haptics: return detail::parse_haptics(packet);
    case magic::key_down:
    case magic::key_up: return detail::parse_key(type, packet);
    case magic::utf8_text: return detail::parse_text(packet);
    case magic::mouse_move: return detail::parse_mouse_move(packet);
    case magic::mouse_position: return detail::parse_mouse_position(packet);
    case magic::mouse_button_down:
    case magic::mouse_button_up: return detail::parse_mouse_button(type, packet);
    case magic::vertical_scroll: return detail::parse_vertical_scroll(packet);
    case magic::horizontal_scroll: return detail::parse_horizontal_scroll(packet);
    case magic::controller_state: return detail::parse_controller_state(packet);
    case magic::controller_arrival: return detail::parse_controller_arrival(packet);
    case magic::controller_touch: return detail::parse_controller_touch(packet);
    case magic::controller_motion: return detail::parse_controller_motion(packet);
    case magic::controller_battery: return detail::parse_controller_battery(packet);
    case magic::touch: return detail::parse_touch(packet);
    case magic::pen: return detail::parse_pen(packet);
    default: break;
  }
  // input.md §0: new clients add packet types; the caller drops these silently.
  return fail(Errc::unsupported, "unknown input packet magic " + hex32(type));
}

std::uint8_t client_channel(const InputEvent& event) noexcept {
  // input.md §1 channel table (moonlight-common-c CTRL_CHANNEL_*).
  return std::visit(
      [](const auto& e) -> std::uint8_t {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, EnableHaptics>) {
          return 0x00;
        } else if constexpr (std::is_same_v<T, KeyEvent>) {
          return 0x02;
        } else if constexpr (std::is_same_v<T, MouseMove> || std::is_same_v<T, MousePosition> ||
                             std::is_same_v<T, MouseButtonEvent> ||
                             std::is_same_v<T, VerticalScroll> ||
                             std::is_same_v<T, HorizontalScroll>) {
          return 0x03;
        } else if constexpr (std::is_same_v<T, PenEvent>) {
          return 0x04;
        } else if constexpr (std::is_same_v<T, TouchEvent>) {
          return 0x05;
        } else if constexpr (std::is_same_v<T, TextEvent>) {
          return 0x06;
        } else if constexpr (std::is_same_v<T, ControllerMotion>) {
          return static_cast<std::uint8_t>(0x20 + e.controller_number);
        } else {
          // state, arrival, controller touch, battery
          return static_cast<std::uint8_t>(0x10 + e.controller_number);
        }
      },
      event);
}

}  // namespace lightwell::proto::input
