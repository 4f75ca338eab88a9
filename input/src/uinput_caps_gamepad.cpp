// See uinput_caps.hpp: the Xbox-style gamepad. (Placeholder: helper A fills the caps.)
#include <libevdev/libevdev.h>

#include <string>

#include "uinput_caps.hpp"

namespace lightwell::input {

void describe_gamepad(libevdev* dev, std::uint8_t index) {
  libevdev_set_name(dev, ("Lightwell Gamepad " + std::to_string(index + 1)).c_str());
}

}  // namespace lightwell::input
