// See uinput_caps.hpp: the Xbox-style gamepad (input.md §5.2, §7).
//
// Identity: BUS_USB 0x045E:0x02EA version 0x0408, the Xbox One pad ids input.md §7 lists for
// Sunshine's uinput pad, so SDL's controller database and Steam map it as an Xbox pad
// without user configuration. Only the name is ours ("Lightwell Gamepad <n+1>").
//
// Force feedback and ff_effects_max: libevdev_uinput_create_from_device() has no parameter
// for the effect count, but libevdev (checked in the installed 1.13: its UI_DEV_SETUP path
// stores ff_effects_max = EV_FF enabled ? 10 : 0) sets 10 whenever EV_FF is enabled, which
// is what the kernel needs to call input_ff_create() and route EVIOCSFF / EV_FF to our fd.
// Ten concurrent effects is more than an Xbox pad's two motors need (games typically upload
// one or two), so we keep libevdev instead of raw UI_DEV_SETUP ioctls. The kernel uses
// UI_DEV_SETUP since uinput version 5 (Linux 4.5); on older kernels libevdev falls back to
// the legacy write of uinput_user_dev with ff_effects_max = 0 and rumble is unavailable
// (the pad itself still works).
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>
#include <linux/input.h>

#include <string>

#include "uinput_caps.hpp"

namespace lightwell::input {

void describe_gamepad(libevdev* dev, std::uint8_t index) {
  libevdev_set_name(dev, ("Lightwell Gamepad " + std::to_string(index + 1)).c_str());
  libevdev_set_id_bustype(dev, BUS_USB);
  libevdev_set_id_vendor(dev, 0x045E);
  libevdev_set_id_product(dev, 0x02EA);
  libevdev_set_id_version(dev, 0x0408);

  // Every code gamepads.cpp emits (§5.1 plus our paddle and Share choices).
  libevdev_enable_event_type(dev, EV_KEY);
  for (unsigned c : {BTN_SOUTH, BTN_EAST, BTN_NORTH, BTN_WEST, BTN_TL, BTN_TR, BTN_SELECT, BTN_START,
                     BTN_MODE, BTN_THUMBL, BTN_THUMBR, BTN_TRIGGER_HAPPY5, BTN_TRIGGER_HAPPY6,
                     BTN_TRIGGER_HAPPY7, BTN_TRIGGER_HAPPY8, KEY_RECORD})
    libevdev_enable_event_code(dev, EV_KEY, c, nullptr);

  // §5.2: sticks −32768..32767 fuzz 16 flat 128, triggers 0..255, hats −1..1.
  // input_absinfo field order: value, minimum, maximum, fuzz, flat, resolution.
  libevdev_enable_event_type(dev, EV_ABS);
  const input_absinfo stick{0, -32768, 32767, 16, 128, 0};
  const input_absinfo trigger{0, 0, 255, 0, 0, 0};
  const input_absinfo hat{0, -1, 1, 0, 0, 0};
  for (unsigned c : {ABS_X, ABS_Y, ABS_RX, ABS_RY}) libevdev_enable_event_code(dev, EV_ABS, c, &stick);
  for (unsigned c : {ABS_Z, ABS_RZ}) libevdev_enable_event_code(dev, EV_ABS, c, &trigger);
  for (unsigned c : {ABS_HAT0X, ABS_HAT0Y}) libevdev_enable_event_code(dev, EV_ABS, c, &hat);

  // §7: the effects Sunshine's Xbox pad offers. FF_SINE is the only periodic waveform: the
  // kernel rejects an FF_PERIODIC upload whose waveform bit is not set, and SDL falls back to
  // a sine when FF_RUMBLE is missing. FF_GAIN lets the guest scale everything (uinput_ff).
  libevdev_enable_event_type(dev, EV_FF);
  for (unsigned c : {FF_RUMBLE, FF_CONSTANT, FF_PERIODIC, FF_SINE, FF_RAMP, FF_GAIN})
    libevdev_enable_event_code(dev, EV_FF, c, nullptr);
}

}  // namespace lightwell::input
