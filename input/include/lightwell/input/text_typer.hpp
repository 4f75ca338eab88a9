// UTF-8 text packets (issue 7, input.md §3.3) typed on the keyboard device: characters of
// the US layout as key presses (with Shift where needed); anything else through the
// Ctrl+Shift+U <hex> <space> sequence that GTK and IBus understand (docs/input.md says what
// works where). Never leaves a key held.
// Ownership: holds a reference to the sink. Thread: the injector's thread.
#pragma once

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::input {

class TextTyper {
 public:
  explicit TextTyper(InputSink& sink) noexcept : sink_(sink) {}
  void type(const proto::input::TextEvent& e);

 private:
  InputSink& sink_;
};

}  // namespace lightwell::input
