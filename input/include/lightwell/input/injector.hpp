// Turns decoded GameStream input (proto/input.hpp) into evdev-level events for an InputSink.
//
// The Injector handles keyboard and mouse itself and hands gamepads (gamepads.hpp), touch and
// pen (touch_pen.hpp) and UTF-8 text (text_typer.hpp) to their parts. It keeps the held keys
// and mouse buttons so release_all() (session end) can release every one of them (input.md
// §3, §4) — and so do the parts for their devices.
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
  void key(std::uint16_t code, bool down);
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
