// GameStream input packets (client -> host) parsed into typed events.
//
// Input reaches the host as the payload of control message 0x0206 (control.md §4); that
// payload is exactly one input packet: an 8-byte header (BE32 size, LE32 magic; input.md §2)
// and a body whose layout and byte orders depend on the magic (input.md §2.1, §3-§6). This
// header names every packet a 7.1.431 client sends, with every field's unit and range.
//
// This is a security boundary (the bytes come from the network, and a host injects them
// into the OS), so parse_input_packet() is strict: the size field must match the real
// length exactly, every fixed-size packet must have exactly its size, enumerations and
// ranges are checked, floats must be finite, text must be valid UTF-8 of bounded length.
// A malformed packet yields an error and no event. The full list of what is rejected is in
// docs/input-packets.md.
//
// Forward compatibility (input.md §0: "unknown magic values must be ignored"): a well-framed
// packet with a magic we do not know yields Errc::unsupported and nothing else returns that
// code, so a caller can drop it silently and log everything else. Reserved/zero bytes are
// not checked, because clients have repurposed them before (the touchpad index of §5.4 and
// buttonFlags2 of §5.2 were zero bytes once); unknown bits of bit masks (modifiers,
// capabilities, button flags) are passed through for the consumer to ignore.
//
// Pure: no allocation, no state. Events are plain values that own their data.
// Thread rules: none (all functions are reentrant).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto::input {

// ---- Wire constants -------------------------------------------------------------------

// Packet magics for an appversion >= 7.1.431 host (input.md §2.1). Older generations used
// other values for some of these (§2.1 last paragraph); they are not accepted here.
namespace magic {
inline constexpr std::uint32_t key_down = 0x00000003;
inline constexpr std::uint32_t key_up = 0x00000004;
inline constexpr std::uint32_t mouse_position = 0x00000005;
inline constexpr std::uint32_t mouse_move = 0x00000007;
inline constexpr std::uint32_t mouse_button_down = 0x00000008;
inline constexpr std::uint32_t mouse_button_up = 0x00000009;
inline constexpr std::uint32_t vertical_scroll = 0x0000000A;
inline constexpr std::uint32_t controller_state = 0x0000000C;
inline constexpr std::uint32_t enable_haptics = 0x0000000D;
inline constexpr std::uint32_t utf8_text = 0x00000017;
inline constexpr std::uint32_t horizontal_scroll = 0x55000001;
inline constexpr std::uint32_t touch = 0x55000002;
inline constexpr std::uint32_t pen = 0x55000003;
inline constexpr std::uint32_t controller_arrival = 0x55000004;
inline constexpr std::uint32_t controller_touch = 0x55000005;
inline constexpr std::uint32_t controller_motion = 0x55000006;
inline constexpr std::uint32_t controller_battery = 0x55000007;
}  // namespace magic

inline constexpr std::size_t kHeaderBytes = 8;  // BE32 size + LE32 magic (input.md §2)

// Total packet sizes, header included (input.md §2.1). UTF-8 text is variable.
namespace packet_bytes {
inline constexpr std::size_t key = 14;
inline constexpr std::size_t mouse_position = 18;
inline constexpr std::size_t mouse_move = 12;
inline constexpr std::size_t mouse_button = 9;
inline constexpr std::size_t vertical_scroll = 14;
inline constexpr std::size_t controller_state = 34;
inline constexpr std::size_t enable_haptics = 10;
inline constexpr std::size_t horizontal_scroll = 10;
inline constexpr std::size_t touch = 36;
inline constexpr std::size_t pen = 36;
inline constexpr std::size_t controller_arrival = 16;
inline constexpr std::size_t controller_touch = 28;
inline constexpr std::size_t controller_motion = 24;
inline constexpr std::size_t controller_battery = 12;
}  // namespace packet_bytes
// UTF-8 text body bound: the client's NV_UNICODE_PACKET holds at most 32 bytes of text
// (moonlight-common-c UTF8_TEXT_EVENT_MAX_COUNT); it actually sends one code point (1-4
// bytes) per packet (input.md §3.3).
inline constexpr std::size_t kMaxTextBytes = 32;
// Sunshine-type hosts accept 16 controllers; the client reduces numbers modulo 16
// (input.md §5.2, moonlight-common-c LiSendControllerArrivalEvent).
inline constexpr std::uint8_t kMaxControllers = 16;

// Keyboard modifiers and flags (input.md §3.1).
namespace modifier {
inline constexpr std::uint8_t shift = 0x01;
inline constexpr std::uint8_t ctrl = 0x02;
inline constexpr std::uint8_t alt = 0x04;
inline constexpr std::uint8_t meta = 0x08;
}  // namespace modifier
inline constexpr std::uint8_t kKeyFlagNonNormalized = 0x01;  // SS_KBE_FLAG_NON_NORMALIZED

// Gamepad button bits, the 32-bit mask of input.md §5.1 (low 16 = buttonFlags, high 16 =
// buttonFlags2).
namespace gamepad_button {
inline constexpr std::uint32_t dpad_up = 0x000001;
inline constexpr std::uint32_t dpad_down = 0x000002;
inline constexpr std::uint32_t dpad_left = 0x000004;
inline constexpr std::uint32_t dpad_right = 0x000008;
inline constexpr std::uint32_t start = 0x000010;
inline constexpr std::uint32_t back = 0x000020;
inline constexpr std::uint32_t left_stick = 0x000040;
inline constexpr std::uint32_t right_stick = 0x000080;
inline constexpr std::uint32_t left_bumper = 0x000100;
inline constexpr std::uint32_t right_bumper = 0x000200;
inline constexpr std::uint32_t guide = 0x000400;
inline constexpr std::uint32_t a = 0x001000;
inline constexpr std::uint32_t b = 0x002000;
inline constexpr std::uint32_t x = 0x004000;
inline constexpr std::uint32_t y = 0x008000;
inline constexpr std::uint32_t paddle1 = 0x010000;
inline constexpr std::uint32_t paddle2 = 0x020000;
inline constexpr std::uint32_t paddle3 = 0x040000;
inline constexpr std::uint32_t paddle4 = 0x080000;
inline constexpr std::uint32_t touchpad = 0x100000;
inline constexpr std::uint32_t misc = 0x200000;
// Every bit input.md §5.1 defines (0x0800 and bits 22-31 are unused).
inline constexpr std::uint32_t known_mask = 0x3FF7FF;
}  // namespace gamepad_button

// Controller capabilities of the arrival packet (input.md §5.3).
namespace capability {
inline constexpr std::uint16_t analog_triggers = 0x01;
inline constexpr std::uint16_t rumble = 0x02;
inline constexpr std::uint16_t trigger_rumble = 0x04;
inline constexpr std::uint16_t touchpad = 0x08;
inline constexpr std::uint16_t accelerometer = 0x10;
inline constexpr std::uint16_t gyro = 0x20;
inline constexpr std::uint16_t battery_state = 0x40;
inline constexpr std::uint16_t rgb_led = 0x80;
inline constexpr std::uint16_t dual_touchpad = 0x100;
}  // namespace capability

namespace pen_button {
inline constexpr std::uint8_t primary = 0x01;
inline constexpr std::uint8_t secondary = 0x02;
inline constexpr std::uint8_t tertiary = 0x04;
}  // namespace pen_button

inline constexpr std::uint16_t kRotationUnknown = 0xFFFF;  // input.md §6.1
// The client API documents rotation as 0..360 (moonlight-common-c Limelight.h), input.md
// §6.2 as 0-359; 360 (== 0) is accepted, anything else up to 0xFFFE is rejected.
inline constexpr std::uint16_t kMaxRotationDeg = 360;
inline constexpr std::uint8_t kTiltUnknown = 0xFF;  // input.md §6.1
inline constexpr std::uint8_t kMaxTiltDeg = 90;     // degrees from perpendicular (§6.3)
inline constexpr std::uint8_t kBatteryPercentUnknown = 0xFF;  // input.md §5.6

// ---- Enumerations (unknown values are rejected as out_of_range) ------------------------

enum class KeyAction : std::uint8_t { down, up };
enum class ButtonAction : std::uint8_t { press, release };

// input.md §4.3.
enum class MouseButton : std::uint8_t { left = 1, middle = 2, right = 3, x1 = 4, x2 = 5 };

// input.md §6.1. button_only is valid for pen packets only.
enum class TouchEventType : std::uint8_t {
  hover = 0x00,
  down = 0x01,
  up = 0x02,
  move = 0x03,
  cancel = 0x04,       // only pointer_id is meaningful
  button_only = 0x05,  // pen: only the buttons changed
  hover_leave = 0x06,
  cancel_all = 0x07,   // cancels every contact; no field is meaningful
};

enum class ToolType : std::uint8_t { unknown = 0, pen = 1, eraser = 2 };  // input.md §6.3

// input.md §5.3. steam (4) is sent by 2026 clients; a newer value is rejected, after which
// the host still gets the following state packet and creates a default pad (§5.2).
enum class ControllerType : std::uint8_t {
  unknown = 0,
  xbox = 1,
  playstation = 2,
  nintendo = 3,
  steam = 4,
};

// input.md §5.5: accelerometer in m/s^2 (gravity included), gyroscope in deg/s.
enum class MotionType : std::uint8_t { accelerometer = 1, gyroscope = 2 };

enum class BatteryState : std::uint8_t {  // input.md §5.6
  unknown = 0,
  not_present = 1,
  discharging = 2,
  charging = 3,
  not_charging = 4,
  full = 5,
};

// ---- Events (one per packet type of input.md §2.1) -------------------------------------

// 0x0D, 10 bytes: sent once when input starts; GFE-era "send me rumble" (§5.7). `enable`
// is the raw LE16 (the client sends 1).
struct EnableHaptics {
  std::uint16_t enable = 0;
};

// 3 / 4, 14 bytes (§3.1). key_code is the raw LE16; the VK code is its low byte only
// (moonlight-qt sets 0x80 in the high byte), see vk().
struct KeyEvent {
  KeyAction action = KeyAction::down;
  std::uint16_t key_code = 0;  // raw; use vk()
  std::uint8_t modifiers = 0;  // modifier:: bits (unknown bits passed through)
  std::uint8_t flags = 0;      // kKeyFlagNonNormalized (unknown bits passed through)

  constexpr std::uint8_t vk() const noexcept { return static_cast<std::uint8_t>(key_code & 0xFF); }
  constexpr bool non_normalized() const noexcept { return (flags & kKeyFlagNonNormalized) != 0; }
};

// 0x17, 8 + 1..32 bytes (§3.3): valid UTF-8 without U+0000; the reference client sends
// exactly one code point per packet.
struct TextEvent {
  std::array<char, kMaxTextBytes> bytes{};
  std::uint8_t size_bytes = 0;
  std::array<char32_t, kMaxTextBytes> code_points{};
  std::uint8_t code_point_count = 0;

  std::string_view utf8() const noexcept { return {bytes.data(), size_bytes}; }
  std::span<const char32_t> decoded() const noexcept {
    return {code_points.data(), code_point_count};
  }
};

// 7, 12 bytes (§4.1): BE int16 deltas in client pixels; positive y = down.
struct MouseMove {
  std::int16_t delta_x = 0;
  std::int16_t delta_y = 0;
};

// 5, 18 bytes (§4.2): BE int16 raw values. The client sends its reference size MINUS 1
// (GFE rounding workaround): LiSendMousePositionEvent(100, 200, 1920, 1080) arrives as
// width 1919, height 1079. The point is x / reference_width of the picture (see
// input_convert.hpp). reference_width/height are > 0 (0 is rejected, as Sunshine ignores it);
// x and y are not clamped here.
struct MousePosition {
  std::int16_t x = 0;
  std::int16_t y = 0;
  std::int16_t reference_width = 0;   // client width - 1
  std::int16_t reference_height = 0;  // client height - 1
};

// 8 / 9, 9 bytes (§4.3).
struct MouseButtonEvent {
  ButtonAction action = ButtonAction::press;
  MouseButton button = MouseButton::left;
};

// 0x0A, 14 bytes (§4.4): BE int16 in 1/120 notch, positive = up (away from the user).
// The duplicate scrollAmt2 is not checked (Sunshine uses scrollAmt1 only).
struct VerticalScroll {
  std::int16_t amount = 0;
};

// 0x55000001, 10 bytes (§4.5): BE int16 in 1/120 notch, positive = right.
struct HorizontalScroll {
  std::int16_t amount = 0;
};

// 0x0C, 34 bytes, all LE (§5.2): the complete state of one controller. A cleared bit for
// controller_number in active_mask means "controller removed".
struct ControllerState {
  std::uint8_t controller_number = 0;  // 0..15
  std::uint16_t active_mask = 0;       // bit n = controller n present (all 16 bits valid)
  std::uint32_t buttons = 0;           // gamepad_button:: bits, buttonFlags | buttonFlags2 << 16
  std::uint8_t left_trigger = 0;       // 0..255
  std::uint8_t right_trigger = 0;      // 0..255
  std::int16_t left_stick_x = 0;       // -32768 left .. 32767 right
  std::int16_t left_stick_y = 0;       // positive = UP (negate for evdev)
  std::int16_t right_stick_x = 0;
  std::int16_t right_stick_y = 0;      // positive = up

  constexpr bool present() const noexcept {
    return ((active_mask >> controller_number) & 1u) != 0;
  }
};

// 0x55000004, 16 bytes (§5.3).
struct ControllerArrival {
  std::uint8_t controller_number = 0;  // 0..15
  ControllerType type = ControllerType::unknown;
  std::uint16_t capabilities = 0;        // capability:: bits (unknown bits passed through)
  std::uint32_t supported_buttons = 0;   // gamepad_button:: bits present on the pad
};

// 0x55000005, 28 bytes (§5.4). x, y, pressure nominally 0..1 (finite, pressure >= 0).
// For cancel / cancel_all the coordinates are not meaningful and are reported as 0.
struct ControllerTouch {
  std::uint8_t controller_number = 0;  // 0..15
  TouchEventType event_type = TouchEventType::down;  // any but button_only
  std::uint8_t touchpad_index = 0;     // 0, or 1 for the second pad (dual touchpads)
  std::uint32_t pointer_id = 0;
  float x = 0;
  float y = 0;
  float pressure = 0;
};

// 0x55000006, 24 bytes (§5.5): SDL sensor axes; finite floats.
struct ControllerMotion {
  std::uint8_t controller_number = 0;  // 0..15
  MotionType type = MotionType::accelerometer;
  float x = 0;  // m/s^2 (accelerometer) or deg/s (gyroscope)
  float y = 0;
  float z = 0;
};

// 0x55000007, 12 bytes (§5.6).
struct ControllerBattery {
  std::uint8_t controller_number = 0;  // 0..15
  BatteryState state = BatteryState::unknown;
  std::uint8_t percentage = 0;  // 0..100, or kBatteryPercentUnknown
};

// 0x55000002, 36 bytes (§6.2). Coordinates are normalized to the video area (0..1 nominal;
// values outside are kept, a host clamps them). pressure_or_distance: pressure 0..1 for
// down/move, distance 0..1 for hover, 0 = unknown; contact area axes in normalized video
// units, 0 = unknown. All floats finite and, except x/y, >= 0. Values above 1 are kept
// (Android reports pressure > 1 on some devices; Sunshine clamps). For cancel / cancel_all
// only pointer_id is meaningful: the other fields are not checked and are reported as 0 /
// unknown.
struct TouchEvent {
  TouchEventType event_type = TouchEventType::down;  // any but button_only
  std::uint16_t rotation_deg = kRotationUnknown;     // 0..360 or kRotationUnknown
  std::uint32_t pointer_id = 0;  // stable for one contact
  float x = 0;
  float y = 0;
  float pressure_or_distance = 0;
  float contact_area_major = 0;
  float contact_area_minor = 0;
};

// 0x55000003, 36 bytes (§6.3). Floats as for TouchEvent. For button_only only the buttons
// (and tool) are meaningful, for cancel / cancel_all nothing is: the ignored fields are not
// checked and are reported as 0 / unknown.
struct PenEvent {
  TouchEventType event_type = TouchEventType::hover;
  ToolType tool = ToolType::unknown;
  std::uint8_t buttons = 0;  // pen_button:: bits (unknown bits passed through)
  float x = 0;
  float y = 0;
  float pressure_or_distance = 0;
  std::uint16_t rotation_deg = kRotationUnknown;  // 0..360 or kRotationUnknown
  std::uint8_t tilt_deg = kTiltUnknown;           // 0..90 or kTiltUnknown
  float contact_area_major = 0;
  float contact_area_minor = 0;
};

using InputEvent =
    std::variant<EnableHaptics, KeyEvent, TextEvent, MouseMove, MousePosition, MouseButtonEvent,
                 VerticalScroll, HorizontalScroll, ControllerState, ControllerArrival,
                 ControllerTouch, ControllerMotion, ControllerBattery, TouchEvent, PenEvent>;

// Parses one input packet (the whole payload of control message 0x0206, starting with the
// BE32 size). Errors:
//   truncated    shorter than the header, than its size field, or than its type's size
//   malformed    size field smaller than the data, bad UTF-8, wrong fixed tags (§5.2)
//   too_large    longer than its type's size, or text above kMaxTextBytes
//   out_of_range an enumeration or range check failed, a float is NaN/infinite
//   unsupported  well framed but the magic is unknown: ignore it (input.md §0)
Result<InputEvent> parse_input_packet(Bytes packet);

// The ENet channel the reference client uses for this event (input.md §1 table): useful to
// sanity-check or to keep per-channel ordering. Haptics 0x00, keyboard 0x02, mouse 0x03,
// pen 0x04, touch 0x05, text 0x06, gamepad n 0x10+n, motion of gamepad n 0x20+n.
std::uint8_t client_channel(const InputEvent& event) noexcept;

}  // namespace lightwell::proto::input
