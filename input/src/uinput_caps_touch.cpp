// See uinput_caps.hpp: touchscreen and pen tablet. (Placeholder: helper B fills the caps.)
#include <libevdev/libevdev.h>

#include "uinput_caps.hpp"

namespace lightwell::input {

void describe_touchscreen(libevdev* dev, ScreenSize) { libevdev_set_name(dev, "Lightwell Touchscreen"); }
void describe_pen(libevdev* dev, ScreenSize) { libevdev_set_name(dev, "Lightwell Pen"); }

}  // namespace lightwell::input
