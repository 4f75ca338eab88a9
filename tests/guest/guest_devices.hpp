// The reading side of lightwell_input_guest (runs inside the QEMU guest of run-in-guest.sh,
// docs/testing-guest.md): finds the /dev/input/eventN nodes of the "Lightwell ..." devices
// that the UinputSink under test created, and prints what a real evdev client (libevdev, as
// libinput uses it) reads from them, one line per fact, on stdout:
//   DEV  <scenario> <device name> <vendor 0x%04x> <product 0x%04x>
//   CAP  <scenario> <device name> <type> <code>             every supported code but EV_SYN
//   ABS  <scenario> <device name> <code> <min> <max> <resolution>
//   PROP <scenario> <device name> <property>
//   EV   <scenario> <device name> <type> <code> <value>     every event, SYN_REPORT included
//   HELD <scenario> <device name> <key code>|none           keys the kernel says are down
//   GONE <scenario> <device name>                           the device was removed
// All numbers are decimal unless marked. Device names contain spaces: a reader parses the
// fixed fields from both ends.
// Thread rules: one thread. Owns the fds it opened; closes them in the destructor — destroy the
// sink first when force-feedback effects were uploaded through them (see input_guest_main.cpp).
#pragma once

#include <string>
#include <vector>

struct libevdev;

namespace lightwell::guest {

struct OpenDevice {
  std::string path;  // /dev/input/eventN
  std::string name;
  int fd = -1;       // O_RDWR | O_NONBLOCK
  libevdev* dev = nullptr;
  bool gone = false;
};

class DeviceWatch {
 public:
  explicit DeviceWatch(std::string scenario) : scenario_(std::move(scenario)) {}
  ~DeviceWatch();
  DeviceWatch(const DeviceWatch&) = delete;
  DeviceWatch& operator=(const DeviceWatch&) = delete;

  // Opens every /dev/input/event* whose name starts with "Lightwell " and that is not open yet,
  // and prints its DEV/CAP/ABS/PROP lines.
  void discover();
  // Prints every event already queued on the open devices, without waiting.
  void drain_now();
  // Keeps draining until no event arrived for idle_ms.
  void drain_until_idle(int idle_ms);
  // Prints the HELD lines of every open keyboard-like device (EVIOCGKEY: the kernel's view).
  void print_held();
  // The open device of that name, nullptr if none.
  OpenDevice* find(const std::string& name);
  // Closes every fd now (the destructor does it too).
  void close_all();

 private:
  void describe(const OpenDevice& d) const;
  bool drain(OpenDevice& d);  // true if it printed at least one event

  std::string scenario_;
  std::vector<OpenDevice> devices_;
};

}  // namespace lightwell::guest
