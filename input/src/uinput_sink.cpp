// uinput backend through libevdev (capability bits per device kind, docs/input.md).
#include "lightwell/input/uinput_sink.hpp"

#include <fcntl.h>
#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lightwell::input {
namespace {
int key_of(DeviceId d) { return static_cast<int>(d.kind) * 16 + d.index; }
}  // namespace

proto::Result<std::unique_ptr<UinputSink>> UinputSink::open(std::string node, ScreenSize screen) {
  const int fd = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return proto::fail(proto::Errc::unsupported,
                       "cannot open " + node + ": " + std::strerror(errno) +
                           " (load the module with `modprobe uinput` and give the user write access)");
  }
  ::close(fd);
  return std::unique_ptr<UinputSink>(new UinputSink(std::move(node), screen));
}

UinputSink::~UinputSink() {
  for (auto& [k, dev] : devices_) libevdev_uinput_destroy(dev);
}

void UinputSink::create_device(DeviceId device) {
  if (devices_.count(key_of(device)) != 0) return;
  libevdev* dev = libevdev_new();
  switch (device.kind) {
    case DeviceKind::keyboard:
      libevdev_set_name(dev, "Lightwell Keyboard");
      libevdev_enable_event_type(dev, EV_KEY);
      for (unsigned c = KEY_ESC; c < BTN_MISC; ++c) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
      for (unsigned c = KEY_OK; c < BTN_DPAD_UP; ++c) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
      break;
    case DeviceKind::mouse:
      libevdev_set_name(dev, "Lightwell Mouse");
      libevdev_enable_event_type(dev, EV_KEY);
      for (unsigned c = BTN_LEFT; c <= BTN_EXTRA; ++c) libevdev_enable_event_code(dev, EV_KEY, c, nullptr);
      libevdev_enable_event_type(dev, EV_REL);
      for (unsigned c : {REL_X, REL_Y, REL_WHEEL, REL_HWHEEL, REL_WHEEL_HI_RES, REL_HWHEEL_HI_RES})
        libevdev_enable_event_code(dev, EV_REL, c, nullptr);
      break;
    case DeviceKind::absolute_pointer: {
      libevdev_set_name(dev, "Lightwell Absolute Pointer");
      libevdev_enable_event_type(dev, EV_KEY);
      libevdev_enable_event_code(dev, EV_KEY, BTN_LEFT, nullptr);
      libevdev_enable_event_type(dev, EV_ABS);
      input_absinfo x{0, 0, screen_.width_px - 1, 0, 0, 0};
      input_absinfo y{0, 0, screen_.height_px - 1, 0, 0, 0};
      libevdev_enable_event_code(dev, EV_ABS, ABS_X, &x);
      libevdev_enable_event_code(dev, EV_ABS, ABS_Y, &y);
      break;
    }
    default:
      libevdev_free(dev);
      last_error_ = "device kind not supported yet";
      return;
  }
  const int fd = ::open(node_.c_str(), O_RDWR | O_CLOEXEC);
  libevdev_uinput* ui = nullptr;
  const int rc = fd < 0 ? -errno : libevdev_uinput_create_from_device(dev, fd, &ui);
  libevdev_free(dev);
  if (rc != 0) {
    if (fd >= 0) ::close(fd);
    last_error_ = "cannot create uinput device on " + node_ + ": " + std::strerror(-rc);
    return;
  }
  devices_[key_of(device)] = ui;
}

void UinputSink::remove_device(DeviceId device) {
  const auto it = devices_.find(key_of(device));
  if (it == devices_.end()) return;
  libevdev_uinput_destroy(it->second);
  devices_.erase(it);
}

void UinputSink::emit(const EvdevEvent& event) {
  if (devices_.count(key_of(event.device)) == 0) create_device(event.device);
  const auto it = devices_.find(key_of(event.device));
  if (it == devices_.end()) return;
  libevdev_uinput_write_event(it->second, event.type, event.code, event.value);
}

}  // namespace lightwell::input
