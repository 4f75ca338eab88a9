// Host side of the QEMU guest input test (docs/testing-guest.md): boots the guest ONCE per
// process through tests/guest/run-in-guest.sh with lightwell_input_guest and the captured
// packets as payload, and parses what it printed (line format: guest_devices.hpp and
// input_guest_main.cpp) so that each TEST_CASE can look up its scenario.
// Thread rules: call from the test thread only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lightwell::test::guest {

struct Ev {
  std::uint16_t type = 0;
  std::uint16_t code = 0;
  std::int32_t value = 0;
  bool operator==(const Ev&) const = default;
  auto operator<=>(const Ev&) const = default;
};

struct AbsInfo {
  std::int32_t minimum = 0;
  std::int32_t maximum = 0;
  std::int32_t resolution = 0;
};

// What one device showed during one scenario.
struct DeviceSeen {
  std::uint16_t vendor = 0;
  std::uint16_t product = 0;
  std::set<std::pair<std::uint16_t, std::uint16_t>> caps;  // (type, code)
  std::map<std::uint16_t, AbsInfo> abs;
  std::set<unsigned> props;
  // Events by step: "start" (before any packet), "pkt0", "pkt1", ..., or a MARK name.
  std::map<std::string, std::vector<Ev>> events;
  std::vector<std::string> held;  // HELD values ("none" or key codes)
  std::string gone_step;          // step during which the device disappeared, empty if not
  bool has(int type, int code) const {
    return caps.count({static_cast<std::uint16_t>(type), static_cast<std::uint16_t>(code)}) != 0;
  }
  const AbsInfo* abs_info(int code) const {
    const auto it = abs.find(static_cast<std::uint16_t>(code));
    return it == abs.end() ? nullptr : &it->second;
  }
  std::vector<Ev> all_events() const;
};

struct Scenario {
  std::map<std::string, DeviceSeen> devices;  // by device name
  std::vector<std::string> lines;             // its lines except CAP/ABS (for failure messages)
  std::vector<std::pair<std::string, std::string>> rumbles;  // (step, "gamepad low high")
  std::vector<std::pair<std::string, std::string>> messages; // (step, hex of MSG)
  std::string text() const;                   // lines joined, for INFO
};

struct GuestRun {
  bool started = false;   // the runner could be executed at all
  int exit_code = -1;     // runner exit status (124 timeout, 125 guest died, 126 setup)
  double seconds = 0;     // wall time of the whole run
  std::string stdout_text;
  std::string stderr_text;
  bool done = false;      // the guest printed DONE (it reached its end)
  std::map<std::string, Scenario> scenarios;
  bool ok() const { return started && exit_code == 0 && done; }
  std::string failure_report() const;  // everything needed to see why it did not work
};

// Runs the guest the first time it is called (one VM boot per process), then returns the
// same result.
const GuestRun& guest_run();

// Splits events into frames at SYN_REPORT (the SYN itself dropped), each frame sorted: the
// order inside one evdev frame carries no meaning to a client.
std::vector<std::vector<Ev>> frames(const std::vector<Ev>& events);

}  // namespace lightwell::test::guest
