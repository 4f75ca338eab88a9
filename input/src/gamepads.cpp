// See gamepads.hpp. (Placeholder: helper A implements it.)
#include "lightwell/input/gamepads.hpp"

namespace lightwell::input {

void Gamepads::arrival(const proto::input::ControllerArrival&) {}
void Gamepads::state(const proto::input::ControllerState&) {}
void Gamepads::remove_all() {}
bool Gamepads::present(std::uint8_t n) const noexcept { return n < pads_.size() && pads_[n].has_value(); }

}  // namespace lightwell::input
