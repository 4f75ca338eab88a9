// Gamepads (issue 7, input.md §5): one virtual Xbox-style pad per client controller number
// (0..15), created on arrival (§5.3) or on the first state packet with its bit set (legacy
// clients), removed on a state packet with its bit cleared (§5.2). State → evdev: buttons of
// §5.1, sticks ABS_X/Y/RX/RY (Y negated and clamped: protocol positive = up, evdev positive
// = down), triggers ABS_Z/RZ 0..255, d-pad ABS_HAT0X/Y −1..1; one SYN_REPORT per packet;
// only changed values are emitted.
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
  void arrival(const proto::input::ControllerArrival& a);
  void state(const proto::input::ControllerState& s);
  // Session end: every pad back to neutral (buttons up, sticks centred), then removed.
  void remove_all();
  bool present(std::uint8_t controller_number) const noexcept;

 private:
  InputSink& sink_;
  std::array<std::optional<proto::input::ControllerState>, 16> pads_{};  // last state; nullopt = absent
};

}  // namespace lightwell::input
