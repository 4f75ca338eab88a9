// The input backend interface (issue 7): devices, evdev events, and force feedback coming
// back from the guest. UinputSink (uinput_sink.hpp) in production, RecordingSink in tests.
// Thread rules: a sink is used from one thread (the session's input thread).
#pragma once

#include <cstdint>
#include <vector>

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

// Rumble the guest asked of a gamepad (input.md §7 "Rumble from the OS to the client"):
// strong motor → low_freq_motor, weak motor → high_freq_motor, 0..0xFFFF, already scaled
// by FF_GAIN; {0, 0} when effects stop. Sent to the client as control message 0x010B.
struct Rumble {
  std::uint8_t gamepad = 0;  // the client's controller number
  std::uint16_t low_freq_motor = 0;
  std::uint16_t high_freq_motor = 0;
  bool operator==(const Rumble&) const = default;
};

// The screen the absolute pointer, touch and pen are scaled to (pixels).
struct ScreenSize {
  std::int32_t width_px = 1920;
  std::int32_t height_px = 1080;
};

class InputSink {
 public:
  virtual ~InputSink() = default;
  virtual void create_device(DeviceId device) = 0;
  virtual void remove_device(DeviceId device) = 0;
  virtual void emit(const EvdevEvent& event) = 0;
  // File descriptors to poll for readability: force-feedback requests from the guest
  // (uinput gamepads). Default: none.
  virtual std::vector<int> feedback_fds() const { return {}; }
  // Answers pending force-feedback requests (uploads must be acknowledged promptly: the
  // guest's EVIOCSFF blocks until then) and appends rumble changes to `out`.
  virtual void service_feedback(std::vector<Rumble>& /*out*/) {}
};

// Records everything it receives (tests).
class RecordingSink final : public InputSink {
 public:
  void create_device(DeviceId device) override { created.push_back(device); }
  void remove_device(DeviceId device) override { removed.push_back(device); }
  void emit(const EvdevEvent& event) override { events.push_back(event); }
  std::vector<DeviceId> created;
  std::vector<DeviceId> removed;
  std::vector<EvdevEvent> events;
};

}  // namespace lightwell::input
