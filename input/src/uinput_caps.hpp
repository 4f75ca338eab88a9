// What each virtual device looks like to the guest (issue 7, input.md §7): name, bus/vendor/
// product ids and capability bits, written into a fresh libevdev description that
// UinputSink turns into a uinput device. Internal to input/.
#pragma once

#include <cstdint>

#include "lightwell/input/sink.hpp"

struct libevdev;

namespace lightwell::input {

void describe_keyboard(libevdev* dev);                          // uinput_caps.cpp
void describe_mouse(libevdev* dev);                             // uinput_caps.cpp
void describe_absolute_pointer(libevdev* dev, ScreenSize screen);  // uinput_caps.cpp
void describe_touchscreen(libevdev* dev, ScreenSize screen);    // uinput_caps_touch.cpp
void describe_pen(libevdev* dev, ScreenSize screen);            // uinput_caps_touch.cpp
// "Lightwell Gamepad <n+1>", Xbox-style, with EV_FF rumble.
void describe_gamepad(libevdev* dev, std::uint8_t index);       // uinput_caps_gamepad.cpp

}  // namespace lightwell::input
