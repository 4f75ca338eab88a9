// See guest_devices.hpp.
#include "guest_devices.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace lightwell::guest {
namespace {

constexpr const char* kNamePrefix = "Lightwell ";

std::vector<std::string> event_nodes() {
  std::vector<std::string> out;
  DIR* dir = ::opendir("/dev/input");
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    if (std::strncmp(e->d_name, "event", 5) == 0) out.push_back(std::string("/dev/input/") + e->d_name);
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

DeviceWatch::~DeviceWatch() { close_all(); }

void DeviceWatch::close_all() {
  for (auto& d : devices_) {
    if (d.dev != nullptr) libevdev_free(d.dev);
    if (d.fd >= 0) ::close(d.fd);
    d.dev = nullptr;
    d.fd = -1;
  }
  devices_.clear();
}

OpenDevice* DeviceWatch::find(const std::string& name) {
  for (auto& d : devices_)
    if (d.name == name && !d.gone) return &d;
  return nullptr;
}

void DeviceWatch::discover() {
  for (const auto& path : event_nodes()) {
    const bool known = std::any_of(devices_.begin(), devices_.end(),
                                   [&](const OpenDevice& d) { return d.path == path && !d.gone; });
    if (known) continue;
    const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;  // a node of a device being removed
    libevdev* dev = nullptr;
    if (libevdev_new_from_fd(fd, &dev) != 0) {
      ::close(fd);
      continue;
    }
    const std::string name = libevdev_get_name(dev);
    if (name.rfind(kNamePrefix, 0) != 0) {  // the guest's own AT keyboard, power button...
      libevdev_free(dev);
      ::close(fd);
      continue;
    }
    devices_.push_back(OpenDevice{path, name, fd, dev, false});
    describe(devices_.back());
  }
}

void DeviceWatch::describe(const OpenDevice& d) const {
  const char* s = scenario_.c_str();
  const char* n = d.name.c_str();
  std::printf("DEV %s %s 0x%04x 0x%04x\n", s, n, static_cast<unsigned>(libevdev_get_id_vendor(d.dev)),
              static_cast<unsigned>(libevdev_get_id_product(d.dev)));
  for (unsigned type : {EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_SW, EV_LED, EV_FF}) {
    if (libevdev_has_event_type(d.dev, type) == 0) continue;
    const int max = libevdev_event_type_get_max(type);
    for (int code = 0; code <= max; ++code) {
      if (libevdev_has_event_code(d.dev, type, static_cast<unsigned>(code)) == 0) continue;
      std::printf("CAP %s %s %u %d\n", s, n, type, code);
      if (type == EV_ABS) {
        const input_absinfo* a = libevdev_get_abs_info(d.dev, static_cast<unsigned>(code));
        std::printf("ABS %s %s %d %d %d %d\n", s, n, code, a->minimum, a->maximum, a->resolution);
      }
    }
  }
  for (unsigned prop = 0; prop <= INPUT_PROP_MAX; ++prop)
    if (libevdev_has_property(d.dev, prop) != 0) std::printf("PROP %s %s %u\n", s, n, prop);
}

bool DeviceWatch::drain(OpenDevice& d) {
  if (d.gone) return false;
  bool any = false;
  for (;;) {
    input_event ev{};
    const int rc = libevdev_next_event(d.dev, LIBEVDEV_READ_FLAG_NORMAL, &ev);
    if (rc == LIBEVDEV_READ_STATUS_SUCCESS || rc == LIBEVDEV_READ_STATUS_SYNC) {
      // SYNC: the kernel buffer overflowed (SYN_DROPPED); it is printed as it came, so a
      // checker sees it and fails rather than the loss going unnoticed.
      std::printf("EV %s %s %u %u %d\n", scenario_.c_str(), d.name.c_str(),
                  static_cast<unsigned>(ev.type), static_cast<unsigned>(ev.code), ev.value);
      any = true;
      continue;
    }
    if (rc == -EAGAIN) break;
    if (rc == -ENODEV) {
      std::printf("GONE %s %s\n", scenario_.c_str(), d.name.c_str());
    } else {
      std::printf("NOTE %s read error on %s: %s\n", scenario_.c_str(), d.name.c_str(), std::strerror(-rc));
    }
    d.gone = true;
    libevdev_free(d.dev);
    ::close(d.fd);
    d.dev = nullptr;
    d.fd = -1;
    break;
  }
  return any;
}

void DeviceWatch::drain_now() {
  for (auto& d : devices_) drain(d);
}

void DeviceWatch::drain_until_idle(int idle_ms) {
  using clock = std::chrono::steady_clock;
  auto last = clock::now();
  for (;;) {
    bool any = false;
    for (auto& d : devices_) any = drain(d) || any;
    if (any) last = clock::now();
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - last);
    if (waited.count() >= idle_ms) break;
    std::vector<pollfd> fds;
    for (const auto& d : devices_)
      if (!d.gone) fds.push_back({d.fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), static_cast<int>(idle_ms - waited.count()));
  }
}

void DeviceWatch::print_held() {
  for (const auto& d : devices_) {
    if (d.gone || libevdev_has_event_type(d.dev, EV_KEY) == 0) continue;
    unsigned char bits[KEY_MAX / 8 + 1] = {};
    if (::ioctl(d.fd, EVIOCGKEY(sizeof bits), bits) < 0) {
      std::printf("NOTE %s EVIOCGKEY failed on %s: %s\n", scenario_.c_str(), d.name.c_str(), std::strerror(errno));
      continue;
    }
    bool any = false;
    for (unsigned code = 0; code <= KEY_MAX; ++code) {
      if ((bits[code / 8] >> (code % 8)) & 1u) {
        std::printf("HELD %s %s %u\n", scenario_.c_str(), d.name.c_str(), code);
        any = true;
      }
    }
    if (!any) std::printf("HELD %s %s none\n", scenario_.c_str(), d.name.c_str());
  }
}

}  // namespace lightwell::guest
