// Lookup helpers shared by the guest test cases (test_input_guest*.cpp): each fails the
// calling test with the guest's output when what it looks for is missing.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "guest_run.hpp"

namespace lightwell::test::guest {

inline constexpr std::uint16_t EV_SYN_ = 0, EV_KEY_ = 1, EV_REL_ = 2, EV_ABS_ = 3, EV_FF_ = 0x15;
inline constexpr Ev kSyn{EV_SYN_, 0, 0};

// The parsed run; fails the calling test (never skips) when the guest did not run to its end:
// install-deps.sh installs QEMU and the runner's tools, so their absence is a failure.
// The full report goes with the first failing case only (ctest shows one output for all).
inline const GuestRun& require_run() {
  static bool reported = false;
  const GuestRun& run = guest_run();
  if (!run.ok()) {
    if (std::exchange(reported, true)) FAIL("the guest run failed: see the first failing test case");
    FAIL(run.failure_report());
  }
  return run;
}

inline const Scenario& scenario(const std::string& name) {
  const GuestRun& run = require_run();
  const auto it = run.scenarios.find(name);
  if (it == run.scenarios.end()) FAIL("the guest printed no scenario " << name << "\n" << run.stdout_text);
  return it->second;
}

inline const DeviceSeen& device(const Scenario& s, const std::string& name) {
  const auto it = s.devices.find(name);
  if (it == s.devices.end()) FAIL("no device \"" << name << "\" in this scenario");
  return it->second;
}

inline std::vector<Ev> step_events(const DeviceSeen& d, const std::string& step) {
  const auto it = d.events.find(step);
  return it == d.events.end() ? std::vector<Ev>{} : it->second;
}

// Value of (type, code) after the events of one step: the last one sent, or none.
inline std::optional<std::int32_t> last_value(const std::vector<Ev>& evs, std::uint16_t type, std::uint16_t code) {
  std::optional<std::int32_t> v;
  for (const auto& e : evs)
    if (e.type == type && e.code == code) v = e.value;
  return v;
}

// A normalized 0..1 coordinate scaled onto an axis: within one unit of fraction * maximum
// (accepts x*(w-1) truncated or rounded, and x*w).
inline bool near_scaled(std::optional<std::int32_t> v, double fraction, const DeviceSeen& d, std::uint16_t abs_code) {
  const auto it = d.abs.find(abs_code);
  if (!v || it == d.abs.end()) return false;
  return std::fabs(*v - fraction * it->second.maximum) <= 1.0;
}

}  // namespace lightwell::test::guest
