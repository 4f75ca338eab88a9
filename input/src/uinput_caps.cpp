// See uinput_caps.hpp: keyboard, mouse and absolute pointer.
#include "uinput_caps.hpp"

#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>

namespace lightwell::input {

void describe_keyboard(libevdev* dev) {
  libevdev_set_name(dev, "Lightwell Keyboard");
  libevdev_enable_event_type(dev, EV_KEY);
  for (unsigned c = KEY_ESC; c < BTN_MISC; ++c) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
  for (unsigned c = KEY_OK; c < BTN_DPAD_UP; ++c) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
}

void describe_mouse(libevdev* dev) {
  libevdev_set_name(dev, "Lightwell Mouse");
  libevdev_enable_event_type(dev, EV_KEY);
  for (unsigned c = BTN_LEFT; c <= BTN_EXTRA; ++c) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
  libevdev_enable_event_type(dev, EV_REL);
  for (unsigned c : {REL_X, REL_Y, REL_WHEEL, REL_HWHEEL, REL_WHEEL_HI_RES, REL_HWHEEL_HI_RES})
    libevdev_enable_event_code(dev, EV_REL, c, nullptr);
}

void describe_absolute_pointer(libevdev* dev, ScreenSize screen) {
  libevdev_set_name(dev, "Lightwell Absolute Pointer");
  libevdev_enable_event_type(dev, EV_KEY);
  libevdev_enable_event_code(dev, EV_KEY, BTN_LEFT, nullptr);
  libevdev_enable_event_type(dev, EV_ABS);
  input_absinfo x{0, 0, screen.width_px - 1, 0, 0, 0};
  input_absinfo y{0, 0, screen.height_px - 1, 0, 0, 0};
  libevdev_enable_event_code(dev, EV_ABS, ABS_X, &x);
  libevdev_enable_event_code(dev, EV_ABS, ABS_Y, &y);
}

}  // namespace lightwell::input
