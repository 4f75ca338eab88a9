// Force feedback of the uinput gamepads (issue 7, input.md §7 "Rumble from the OS to the
// client"): answers the guest's effect uploads/erases on each gamepad's uinput fd, tracks
// which effects play, and turns them into Rumble values. Internal to input/ (UinputSink).
// (Placeholder: helper A implements it.)
#pragma once

#include <map>
#include <vector>

#include "lightwell/input/sink.hpp"

struct libevdev_uinput;

namespace lightwell::input::detail {

class FeedbackTable {
 public:
  void add(std::uint8_t gamepad, libevdev_uinput* device) { (void)gamepad; (void)device; }
  void remove(std::uint8_t gamepad) { (void)gamepad; }
  std::vector<int> fds() const { return {}; }
  void service(std::vector<Rumble>& out) { (void)out; }
};

}  // namespace lightwell::input::detail
