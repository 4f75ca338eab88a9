// InputSink backed by /dev/uinput through libevdev's uinput helpers. Creates the devices
// "Lightwell Keyboard", "Lightwell Mouse", "Lightwell Absolute Pointer", "Lightwell
// Touchscreen", "Lightwell Pen" and "Lightwell Gamepad N" (src/uinput_caps*.cpp) on
// create_device() or the first event; gamepads answer force feedback (feedback_fds,
// service_feedback).
// Thread rules: one thread. Owns its uinput fds; devices are destroyed with the sink.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/result.hpp"

struct libevdev_uinput;

namespace lightwell::input {
namespace detail {
class FeedbackTable;
}

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
  std::vector<int> feedback_fds() const override;
  void service_feedback(std::vector<Rumble>& out) override;
  // The last create_device() failure, empty when none.
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  UinputSink(std::string node, ScreenSize screen);
  std::string node_;
  ScreenSize screen_;
  std::map<int, libevdev_uinput*> devices_;  // key: kind * 16 + index
  std::string last_error_;
  std::unique_ptr<detail::FeedbackTable> feedback_;
};

}  // namespace lightwell::input
