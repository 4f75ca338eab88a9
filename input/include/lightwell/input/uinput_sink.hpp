// InputSink backed by /dev/uinput through libevdev's uinput helpers. Creates the devices
// "Lightwell Keyboard", "Lightwell Mouse", "Lightwell Absolute Pointer" on create_device().
// Gamepads, touch and pen devices are not created yet (docs/input.md).
// Thread rules: one thread. Owns its uinput fds; devices are destroyed with the sink.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "lightwell/input/injector.hpp"
#include "lightwell/proto/result.hpp"

struct libevdev_uinput;

namespace lightwell::input {

class UinputSink final : public InputSink {
 public:
  // Fails (Errc::unsupported, message naming the node and errno text) when the node cannot be opened.
  static proto::Result<std::unique_ptr<UinputSink>> open(std::string node = "/dev/uinput",
                                                         ScreenSize screen = {});
  ~UinputSink() override;
  UinputSink(const UinputSink&) = delete;
  UinputSink& operator=(const UinputSink&) = delete;

  void create_device(DeviceId device) override;
  void remove_device(DeviceId device) override;
  void emit(const EvdevEvent& event) override;
  // The last create_device() failure, empty when none.
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  UinputSink(std::string node, ScreenSize screen) : node_(std::move(node)), screen_(screen) {}
  std::string node_;
  ScreenSize screen_;
  std::map<int, libevdev_uinput*> devices_;  // key: kind * 16 + index
  std::string last_error_;
};

}  // namespace lightwell::input
