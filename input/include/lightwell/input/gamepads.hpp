// Gamepads (issue 7, input.md §5): one virtual Xbox-style pad per client controller number
// (0..15, DeviceId{DeviceKind::gamepad, n}), created on arrival (§5.3) or on the first state
// packet with its bit set (legacy clients, §5.2), removed on a state packet with its bit
// cleared (§5.2, §9.6). Controller numbers >= 16 are ignored.
//
// State → evdev (the codes are listed in gamepads.cpp):
//   * buttons of §5.1 as EV_KEY; paddles 1–4 → BTN_TRIGGER_HAPPY5..8; misc/Share → KEY_RECORD
//     (what the kernel's xpad driver reports for the Xbox Series Share button); the Sony
//     touchpad click is ignored (an Xbox pad has no such button, and folding it into Back
//     would make Back un-releasable while either is held);
//   * d-pad → ABS_HAT0X / ABS_HAT0Y −1..1 (opposite directions both held → 0);
//   * sticks ABS_X/ABS_Y/ABS_RX/ABS_RY, Y negated and clamped (protocol positive = up,
//     evdev positive = down; −(−32768) → 32767, §5.2 and §9.5);
//   * triggers ABS_Z/ABS_RZ 0..255.
// Only values that changed since the pad's last state are emitted (a new pad starts from
// neutral: all released, centred), keys first in §5.1 table order, then axes in ascending
// code order, then one SYN_REPORT; nothing at all when nothing changed.
// Removal (a cleared bit, or remove_all) first brings the pad back to neutral (changes + SYN)
// so nothing reading the device sees a button stuck down, then removes it.
// Ownership: holds a reference to the sink (must outlive it). Thread: the injector's thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::input {

class Gamepads {
 public:
  explicit Gamepads(InputSink& sink) noexcept : sink_(sink) {}
  // Creates the pad if absent (no events: it starts neutral). A repeated arrival is a no-op.
  void arrival(const proto::input::ControllerArrival& a);
  // Applies the complete state of one controller (create / update / remove, see above).
  void state(const proto::input::ControllerState& s);
  // Session end: every pad back to neutral (buttons up, sticks centred), then removed.
  // Idempotent.
  void remove_all();
  bool present(std::uint8_t controller_number) const noexcept;

 private:
  void create(std::uint8_t n);
  void remove(std::uint8_t n);
  // Emits the evdev differences between the pad's last state and `next`, then stores it.
  void apply(std::uint8_t n, const proto::input::ControllerState& next);

  InputSink& sink_;
  std::array<std::optional<proto::input::ControllerState>, 16> pads_{};  // last state; nullopt = absent
};

}  // namespace lightwell::input
