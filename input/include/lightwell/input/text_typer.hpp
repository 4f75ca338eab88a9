// UTF-8 text packets (issue 7, input.md §3.3) typed on the keyboard device.
//
// What works where (for docs/input.md):
// * Printable ASCII (U+0020..U+007E) is typed as the key presses of the US layout, with
//   Shift held around shifted characters ('A', '!', '"'), '\n' as Enter and '\t' as Tab.
//   The guest's keymap (X11 / the Wayland compositor) must be US for these to come out as
//   the same characters: evdev carries key positions, not characters.
// * Every other code point is typed as Ctrl+Shift+U, its lowercase hex digits, then Space:
//   the Unicode entry of GTK and IBus input methods (as Sunshine does on Linux). It works in
//   GTK applications and wherever IBus is the input method; elsewhere (Qt without IBus,
//   games, terminals with their own keymaps, bare X clients) the keystrokes arrive as plain
//   keys, e.g. Ctrl+Shift+U then "20ac" then a space. The hex digits and 'u' are US-layout
//   keys too.
// * Other C0 controls ('\r', '\b', ...) and DEL are dropped: they are not text, and typing
//   them through Ctrl+Shift+U gives nothing useful. (Clients send Enter/Backspace as key
//   events, input.md §3.1.)
// Never leaves a key held: each key down is followed by its up, with a SYN_REPORT after
// each event, all within one type() call.
// Known limit: the typer does not see the modifier keys the client holds through key events
// (Injector::held_keys_). Text typed while, say, Shift is held comes out shifted, and the
// typer's own Shift up releases that Shift in the guest (the Injector still counts it held
// and releases it again at session end, which is harmless).
// Ownership: holds a reference to the sink. Thread: the injector's thread.
#pragma once

#include <cstdint>
#include <optional>

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::input {

// US layout: the key (evdev KEY_*) and whether Shift is needed for an ASCII character;
// nullopt for characters outside U+0020..U+007E other than '\n' and '\t'.
struct UsKey {
  std::uint16_t code = 0;
  bool shift = false;
};
std::optional<UsKey> us_key_for(char32_t ascii) noexcept;

class TextTyper {
 public:
  explicit TextTyper(InputSink& sink) noexcept : sink_(sink) {}
  // Types every code point of the packet (the client sends one per packet).
  void type(const proto::input::TextEvent& e);
  void type_code_point(char32_t cp);

 private:
  void tap(std::uint16_t code);  // down, SYN, up, SYN
  void press(std::uint16_t code, bool down);
  InputSink& sink_;
};

}  // namespace lightwell::input
