// uinput backend through libevdev (capability bits per device kind, docs/input.md).
#include "lightwell/input/uinput_sink.hpp"

#include "uinput_caps.hpp"
#include "uinput_ff.hpp"

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

// libevdev_uinput_destroy() does not close an fd it did not open itself (we open /dev/uinput
// per device and hand it over), so close it here or every device leaks one descriptor.
void destroy(libevdev_uinput* ui) {
  const int fd = libevdev_uinput_get_fd(ui);
  libevdev_uinput_destroy(ui);
  if (fd >= 0) ::close(fd);
}
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

UinputSink::UinputSink(std::string node, ScreenSize screen)
    : node_(std::move(node)), screen_(screen), feedback_(std::make_unique<detail::FeedbackTable>()) {}

UinputSink::~UinputSink() {
  for (auto& [k, dev] : devices_) destroy(dev);
}

std::vector<int> UinputSink::feedback_fds() const { return feedback_->fds(); }
void UinputSink::service_feedback(std::vector<Rumble>& out) { feedback_->service(out); }

void UinputSink::create_device(DeviceId device) {
  if (devices_.count(key_of(device)) != 0) return;
  libevdev* dev = libevdev_new();
  switch (device.kind) {
    case DeviceKind::keyboard: describe_keyboard(dev); break;
    case DeviceKind::mouse: describe_mouse(dev); break;
    case DeviceKind::absolute_pointer: describe_absolute_pointer(dev, screen_); break;
    case DeviceKind::touchscreen: describe_touchscreen(dev, screen_); break;
    case DeviceKind::pen: describe_pen(dev, screen_); break;
    case DeviceKind::gamepad: describe_gamepad(dev, device.index); break;
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
  if (device.kind == DeviceKind::gamepad) feedback_->add(device.index, ui);
}

void UinputSink::remove_device(DeviceId device) {
  const auto it = devices_.find(key_of(device));
  if (it == devices_.end()) return;
  if (device.kind == DeviceKind::gamepad) feedback_->remove(device.index);
  destroy(it->second);
  devices_.erase(it);
}

void UinputSink::emit(const EvdevEvent& event) {
  if (devices_.count(key_of(event.device)) == 0) create_device(event.device);
  const auto it = devices_.find(key_of(event.device));
  if (it == devices_.end()) return;
  libevdev_uinput_write_event(it->second, event.type, event.code, event.value);
}

}  // namespace lightwell::input
