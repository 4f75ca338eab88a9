// Input packets (proto/input.hpp parse_input_packet, input.md §2-§6): the payload of control
// message 0x0206, a security boundary (the host injects the result into the OS), then the
// unit conversions the injector applies (input_convert.hpp).
// Invariants: an accepted packet has exactly its type's size (or, for text, its size field);
// controller numbers are 0..15; floats are finite; text is valid UTF-8 that decodes to the
// reported code points; an unknown magic is the only source of Errc::unsupported.
#include <cmath>
#include <type_traits>
#include <variant>

#include "fuzz_check.hpp"
#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_convert.hpp"

namespace lp = lightwell::proto;
namespace in = lightwell::proto::input;

namespace {

bool finite(float v) { return std::isfinite(v); }

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void check_event(const in::InputEvent& event, std::size_t size) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, in::KeyEvent>) {
          FUZZ_CHECK(size == in::packet_bytes::key);
        } else if constexpr (std::is_same_v<E, in::TextEvent>) {
          FUZZ_CHECK(e.size_bytes >= 1 && e.size_bytes <= in::kMaxTextBytes);
          FUZZ_CHECK(size == in::kHeaderBytes + e.size_bytes);
          FUZZ_CHECK(e.code_point_count >= 1 && e.code_point_count <= e.size_bytes);
          for (char32_t cp : e.decoded()) FUZZ_CHECK(cp != 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
        } else if constexpr (std::is_same_v<E, in::MouseMove>) {
          FUZZ_CHECK(size == in::packet_bytes::mouse_move);
        } else if constexpr (std::is_same_v<E, in::MousePosition>) {
          FUZZ_CHECK(size == in::packet_bytes::mouse_position);
          FUZZ_CHECK(e.reference_width > 0 && e.reference_height > 0);
          const auto p = in::normalized_position(e);
          FUZZ_CHECK(p.x >= 0.0 && p.x <= 1.0 && p.y >= 0.0 && p.y <= 1.0);
        } else if constexpr (std::is_same_v<E, in::VerticalScroll> || std::is_same_v<E, in::HorizontalScroll>) {
          in::ScrollAccumulator acc;
          for (int i = 0; i < 4; ++i) (void)acc.add(e.amount);
          FUZZ_CHECK(acc.pending_units() > -in::kScrollUnitsPerNotch && acc.pending_units() < in::kScrollUnitsPerNotch);
        } else if constexpr (std::is_same_v<E, in::ControllerState>) {
          FUZZ_CHECK(size == in::packet_bytes::controller_state);
          FUZZ_CHECK(e.controller_number < in::kMaxControllers);
          (void)in::stick_y_to_evdev(e.left_stick_y);
          (void)in::stick_to_unit(e.right_stick_x);
        } else if constexpr (std::is_same_v<E, in::ControllerArrival>) {
          FUZZ_CHECK(size == in::packet_bytes::controller_arrival && e.controller_number < in::kMaxControllers);
        } else if constexpr (std::is_same_v<E, in::ControllerTouch>) {
          FUZZ_CHECK(size == in::packet_bytes::controller_touch && e.controller_number < in::kMaxControllers);
          FUZZ_CHECK(finite(e.x) && finite(e.y) && finite(e.pressure) && e.pressure >= 0);
        } else if constexpr (std::is_same_v<E, in::ControllerMotion>) {
          FUZZ_CHECK(size == in::packet_bytes::controller_motion && e.controller_number < in::kMaxControllers);
          FUZZ_CHECK(finite(e.x) && finite(e.y) && finite(e.z));
          (void)in::degrees_to_radians(e.x);
        } else if constexpr (std::is_same_v<E, in::ControllerBattery>) {
          FUZZ_CHECK(size == in::packet_bytes::controller_battery && e.controller_number < in::kMaxControllers);
          (void)in::battery_percent(e);
        } else if constexpr (std::is_same_v<E, in::TouchEvent>) {
          FUZZ_CHECK(size == in::packet_bytes::touch);
          FUZZ_CHECK(finite(e.x) && finite(e.y) && finite(e.pressure_or_distance));
          FUZZ_CHECK(e.pressure_or_distance >= 0 && e.contact_area_major >= 0 && e.contact_area_minor >= 0);
          const float c = in::clamp_unit(e.x);
          FUZZ_CHECK(c >= 0.0f && c <= 1.0f);
          (void)in::ellipse_orientation_degrees(e.rotation_deg);
        } else if constexpr (std::is_same_v<E, in::PenEvent>) {
          FUZZ_CHECK(size == in::packet_bytes::pen);
          FUZZ_CHECK(finite(e.x) && finite(e.y) && e.pressure_or_distance >= 0);
          if (auto t = in::pen_tilt_xy(e.rotation_deg, e.tilt_deg)) {
            FUZZ_CHECK(std::isfinite(t->x_deg) && std::isfinite(t->y_deg));
          }
          (void)in::rotation_degrees(e.rotation_deg);
          (void)in::tilt_degrees(e.tilt_deg);
        }
      },
      event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto event = lp::input::parse_input_packet(lp::Bytes(data, size));
  if (!event) {
    if (event.error().code == lp::Errc::unsupported) {
      // Only a well-framed packet (size field = the rest) may be "unknown magic".
      FUZZ_CHECK(size >= in::kHeaderBytes && be32(data) == size - 4);
    }
    return 0;
  }
  FUZZ_CHECK(size >= in::kHeaderBytes);
  check_event(*event, size);
  return 0;
}
