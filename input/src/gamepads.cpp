// See gamepads.hpp. Mapping facts: input.md §5.1 (button bits → Xbox-style evdev), §5.2
// (state semantics, Y negation, axis ranges), linux/input-event-codes.h (codes).
#include "lightwell/input/gamepads.hpp"

#include <linux/input-event-codes.h>

#include <cstddef>

namespace lightwell::input {
namespace {

namespace pi = proto::input;
namespace gb = proto::input::gamepad_button;

struct ButtonMap {
  std::uint32_t bit;
  std::uint16_t code;
};

// input.md §5.1. X → BTN_NORTH (= BTN_X) and Y → BTN_WEST (= BTN_Y) as the kernel's xpad
// driver reports them; SDL's mappings for Xbox pads on evdev expect exactly that.
// Not mapped: the d-pad bits (hat axes below) and gb::touchpad (see gamepads.hpp).
constexpr ButtonMap kButtons[] = {
    {gb::a, BTN_SOUTH},          {gb::b, BTN_EAST},
    {gb::x, BTN_NORTH},          {gb::y, BTN_WEST},
    {gb::left_bumper, BTN_TL},   {gb::right_bumper, BTN_TR},
    {gb::back, BTN_SELECT},      {gb::start, BTN_START},
    {gb::guide, BTN_MODE},       {gb::left_stick, BTN_THUMBL},
    {gb::right_stick, BTN_THUMBR},
    {gb::paddle1, BTN_TRIGGER_HAPPY5}, {gb::paddle2, BTN_TRIGGER_HAPPY6},
    {gb::paddle3, BTN_TRIGGER_HAPPY7}, {gb::paddle4, BTN_TRIGGER_HAPPY8},
    {gb::misc, KEY_RECORD},
};
constexpr std::size_t kButtonCount = sizeof(kButtons) / sizeof(kButtons[0]);

// Axes in ascending code order (the order they are emitted in).
constexpr std::uint16_t kAxes[] = {ABS_X, ABS_Y, ABS_Z, ABS_RX, ABS_RY, ABS_RZ, ABS_HAT0X, ABS_HAT0Y};
constexpr std::size_t kAxisCount = sizeof(kAxes) / sizeof(kAxes[0]);

// §5.2: protocol Y is positive = up, evdev positive = down. −(−32768) does not fit in the
// evdev range −32768..32767, so it is clamped to 32767.
constexpr std::int32_t negate_clamped(std::int16_t v) noexcept {
  const std::int32_t n = -static_cast<std::int32_t>(v);
  return n > 32767 ? 32767 : n;
}

// −1, 0 or +1 from two opposite d-pad bits; both held cancel out (§5.1 has no rule for it,
// and a hat cannot point both ways).
constexpr std::int32_t hat(std::uint32_t buttons, std::uint32_t negative, std::uint32_t positive) noexcept {
  return ((buttons & positive) != 0 ? 1 : 0) - ((buttons & negative) != 0 ? 1 : 0);
}

// What the evdev device shows for one protocol state.
struct EvdevPad {
  std::array<std::int32_t, kButtonCount> keys{};
  std::array<std::int32_t, kAxisCount> axes{};
};

EvdevPad to_evdev(const pi::ControllerState& s) noexcept {
  EvdevPad p;
  for (std::size_t i = 0; i < kButtonCount; ++i) p.keys[i] = (s.buttons & kButtons[i].bit) != 0 ? 1 : 0;
  p.axes = {s.left_stick_x,
            negate_clamped(s.left_stick_y),
            s.left_trigger,
            s.right_stick_x,
            negate_clamped(s.right_stick_y),
            s.right_trigger,
            hat(s.buttons, gb::dpad_left, gb::dpad_right),
            hat(s.buttons, gb::dpad_up, gb::dpad_down)};
  return p;
}

// The state a freshly created pad has and a removed pad is brought back to.
pi::ControllerState neutral(std::uint8_t n) noexcept {
  pi::ControllerState s;
  s.controller_number = n;
  return s;
}

}  // namespace

void Gamepads::create(std::uint8_t n) {
  sink_.create_device({DeviceKind::gamepad, n});
  pads_[n] = neutral(n);
}

void Gamepads::remove(std::uint8_t n) {
  apply(n, neutral(n));
  sink_.remove_device({DeviceKind::gamepad, n});
  pads_[n].reset();
}

void Gamepads::apply(std::uint8_t n, const pi::ControllerState& next) {
  const DeviceId dev{DeviceKind::gamepad, n};
  const EvdevPad before = to_evdev(*pads_[n]);
  const EvdevPad after = to_evdev(next);
  bool changed = false;
  for (std::size_t i = 0; i < kButtonCount; ++i) {
    if (before.keys[i] == after.keys[i]) continue;
    sink_.emit({dev, EV_KEY, kButtons[i].code, after.keys[i]});
    changed = true;
  }
  for (std::size_t i = 0; i < kAxisCount; ++i) {
    if (before.axes[i] == after.axes[i]) continue;
    sink_.emit({dev, EV_ABS, kAxes[i], after.axes[i]});
    changed = true;
  }
  if (changed) sink_.emit({dev, EV_SYN, SYN_REPORT, 0});
  pads_[n] = next;
}

void Gamepads::arrival(const pi::ControllerArrival& a) {
  // The parser already bounds controller_number (§5.3: 0..15); this guards the array.
  if (a.controller_number >= pads_.size()) return;
  if (!pads_[a.controller_number]) create(a.controller_number);
}

void Gamepads::state(const pi::ControllerState& s) {
  const std::uint8_t n = s.controller_number;
  if (n >= pads_.size()) return;
  if (!s.present()) {  // §5.2 removal: our own bit cleared
    if (pads_[n]) remove(n);
    return;
  }
  if (!pads_[n]) create(n);  // §5.2 legacy clients: no arrival packet
  apply(n, s);
}

void Gamepads::remove_all() {
  for (std::uint8_t n = 0; n < pads_.size(); ++n)
    if (pads_[n]) remove(n);
}

bool Gamepads::present(std::uint8_t n) const noexcept { return n < pads_.size() && pads_[n].has_value(); }

}  // namespace lightwell::input
