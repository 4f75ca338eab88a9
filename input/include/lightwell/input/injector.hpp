// Turns decoded GameStream input (proto/input.hpp) into evdev-level events for an InputSink.
//
// The Injector handles keyboard and mouse itself and hands gamepads (gamepads.hpp), touch and
// pen (touch_pen.hpp) and UTF-8 text (text_typer.hpp) to their parts. It keeps the held keys
// and mouse buttons so release_all() (session end) can release every one of them (input.md
// §3, §4) — and so do the parts for their devices. Before each key it releases the modifier
// keys it holds that the event's modifiers byte reports up (a lost Shift up would otherwise
// leave Shift stuck, input.md §3.1); it never presses modifiers from that byte.
// Ownership: the Injector holds a reference to the sink; the sink must outlive it.
// Thread rules: not thread-safe; one thread (the control thread) drives an Injector.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "lightwell/input/gamepads.hpp"
#include "lightwell/input/sink.hpp"
#include "lightwell/input/text_typer.hpp"
#include "lightwell/input/touch_pen.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::input {

// Windows VK (low byte of the key code) -> evdev KEY_* (input.md §3.2); nullopt = not mapped.
std::optional<std::uint16_t> vk_to_evdev(std::uint8_t vk) noexcept;

// The proto::input::modifier bit (input.md §3.1) an evdev modifier key stands for, 0 for
// any other key: KEY_LEFTSHIFT/KEY_RIGHTSHIFT (VK 0x10, 0xA0, 0xA1) → shift 0x01,
// KEY_LEFTCTRL/KEY_RIGHTCTRL (VK 0x11, 0xA2, 0xA3) → ctrl 0x02, KEY_LEFTALT/KEY_RIGHTALT
// (VK 0x12, 0xA4, 0xA5) → alt 0x04, KEY_LEFTMETA/KEY_RIGHTMETA (VK 0x5B, 0x5C) → meta 0x08.
std::uint8_t modifier_bit_of(std::uint16_t evdev_code) noexcept;

class Injector {
 public:
  Injector(InputSink& sink, ScreenSize screen) noexcept
      : sink_(sink), screen_(screen), gamepads_(sink), touch_pen_(sink, screen), text_(sink) {}
  // Injects one decoded event. Controller touchpad, motion and battery, and haptics enable
  // are accepted and ignored (feature flag 0x02 is not advertised, input.md §0).
  void inject(const proto::input::InputEvent& event);
  // Session end: releases every held key and mouse button, lifts touches, takes the pen out
  // of range, neutralises and removes gamepads. Idempotent.
  void release_all();

 private:
  void key_event(const proto::input::KeyEvent& e);
  void key(std::uint16_t code, bool down);
  void release_stale_modifiers(std::uint8_t client_modifiers, std::uint16_t except_code);
  void button(std::uint16_t code, bool down);
  void scroll(std::uint16_t hires_code, std::uint16_t legacy_code, std::int16_t amount,
              std::int32_t& remainder);
  void syn(DeviceId device);

  InputSink& sink_;
  ScreenSize screen_;
  std::set<std::uint16_t> held_keys_;
  std::set<std::uint16_t> held_buttons_;
  std::int32_t vscroll_remainder_ = 0;  // 1/120 notch units not yet sent as REL_WHEEL
  std::int32_t hscroll_remainder_ = 0;
  Gamepads gamepads_;
  TouchPen touch_pen_;
  TextTyper text_;
};

}  // namespace lightwell::input
