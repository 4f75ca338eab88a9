// Turns decoded GameStream input (proto/input.hpp) into evdev-level events for an InputSink.
//
// The Injector keeps the held keys and mouse buttons so release_all() (session end) can
// release every one of them (input.md §3, §4). Gamepads, touch, pen and UTF-8 text are NOT
// done yet (docs/input.md "What is left"); those events are ignored.
// Ownership: the Injector holds a reference to the sink; the sink must outlive it.
// Thread rules: not thread-safe; one thread (the control thread) drives an Injector.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "lightwell/proto/input.hpp"

namespace lightwell::input {

enum class DeviceKind : std::uint8_t { keyboard, mouse, absolute_pointer, touchscreen, pen, gamepad };

struct DeviceId {
  DeviceKind kind = DeviceKind::keyboard;
  std::uint8_t index = 0;  // gamepad number (0..15); 0 for the others
  bool operator==(const DeviceId&) const = default;
};

// One evdev event (type/code/value as in linux/input-event-codes.h). SYN_REPORT is sent
// as an ordinary event {EV_SYN, SYN_REPORT, 0}.
struct EvdevEvent {
  DeviceId device;
  std::uint16_t type = 0;
  std::uint16_t code = 0;
  std::int32_t value = 0;
  bool operator==(const EvdevEvent&) const = default;
};

// Backend: uinput in production, RecordingSink in tests.
class InputSink {
 public:
  virtual ~InputSink() = default;
  virtual void create_device(DeviceId device) = 0;
  virtual void remove_device(DeviceId device) = 0;
  virtual void emit(const EvdevEvent& event) = 0;
};

// Records everything it receives (tests, and a future `lightwell input-test`).
class RecordingSink final : public InputSink {
 public:
  void create_device(DeviceId device) override { created.push_back(device); }
  void remove_device(DeviceId device) override { removed.push_back(device); }
  void emit(const EvdevEvent& event) override { events.push_back(event); }
  std::vector<DeviceId> created;
  std::vector<DeviceId> removed;
  std::vector<EvdevEvent> events;
};

// Windows VK (low byte of the key code) -> evdev KEY_* (input.md §3.2); nullopt = not mapped.
std::optional<std::uint16_t> vk_to_evdev(std::uint8_t vk) noexcept;

struct ScreenSize {
  std::int32_t width_px = 1920;
  std::int32_t height_px = 1080;
};

class Injector {
 public:
  Injector(InputSink& sink, ScreenSize screen) noexcept : sink_(sink), screen_(screen) {}
  // Injects one decoded event; unsupported kinds are ignored.
  void inject(const proto::input::InputEvent& event);
  // Releases every held key and mouse button (session end).
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
};

}  // namespace lightwell::input
