// Deterministic mutation loop over the captured client packets: every truncation, every
// value of every byte, and seeded random multi-byte damage. The parser must never crash
// (run this under ASan/UBSan) and must return either an error or an event that satisfies
// every documented invariant, from a packet whose framing was exact.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include "lightwell/proto/input.hpp"
#include "test_input_util.hpp"

using namespace lightwell::proto;
using namespace lightwell::proto::input;
using namespace lightwell::test::input_util;

namespace {

std::string encode_utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

bool rotation_ok(std::uint16_t r) { return r <= kMaxRotationDeg || r == kRotationUnknown; }
bool nonneg(float v) { return std::isfinite(v) && v >= 0.0f; }

// Expected total size of a packet type (0 = variable: text).
std::size_t size_for(const InputEvent& ev) {
  return std::visit(
      [](const auto& e) -> std::size_t {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, EnableHaptics>) return packet_bytes::enable_haptics;
        if constexpr (std::is_same_v<T, KeyEvent>) return packet_bytes::key;
        if constexpr (std::is_same_v<T, TextEvent>) return 0;
        if constexpr (std::is_same_v<T, MouseMove>) return packet_bytes::mouse_move;
        if constexpr (std::is_same_v<T, MousePosition>) return packet_bytes::mouse_position;
        if constexpr (std::is_same_v<T, MouseButtonEvent>) return packet_bytes::mouse_button;
        if constexpr (std::is_same_v<T, VerticalScroll>) return packet_bytes::vertical_scroll;
        if constexpr (std::is_same_v<T, HorizontalScroll>) return packet_bytes::horizontal_scroll;
        if constexpr (std::is_same_v<T, ControllerState>) return packet_bytes::controller_state;
        if constexpr (std::is_same_v<T, ControllerArrival>) return packet_bytes::controller_arrival;
        if constexpr (std::is_same_v<T, ControllerTouch>) return packet_bytes::controller_touch;
        if constexpr (std::is_same_v<T, ControllerMotion>) return packet_bytes::controller_motion;
        if constexpr (std::is_same_v<T, ControllerBattery>) return packet_bytes::controller_battery;
        if constexpr (std::is_same_v<T, TouchEvent>) return packet_bytes::touch;
        if constexpr (std::is_same_v<T, PenEvent>) return packet_bytes::pen;
      },
      ev);
}

// Every invariant docs/input-packets.md promises for an accepted event. Returns a
// description of the first violation, or empty.
std::string violation(const Packet& p, const InputEvent& ev) {
  if (p.size() < 8 || load_u32_be(p.data()) != p.size() - 4) return "accepted a lying size";
  const std::size_t want = size_for(ev);
  if (want != 0 && p.size() != want) return "accepted a wrong-size packet";
  return std::visit(
      [&](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TextEvent>) {
          if (e.size_bytes < 1 || e.size_bytes > kMaxTextBytes) return "text size";
          if (p.size() != 8u + e.size_bytes) return "text size vs packet";
          if (e.code_point_count < 1 || e.code_point_count > e.size_bytes) return "text count";
          std::string re;
          for (char32_t cp : e.decoded()) {
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "code point";
            re += encode_utf8(cp);
          }
          if (re != e.utf8()) return "code points do not re-encode to the bytes";
        } else if constexpr (std::is_same_v<T, MousePosition>) {
          if (e.reference_width <= 0 || e.reference_height <= 0) return "reference size";
        } else if constexpr (std::is_same_v<T, MouseButtonEvent>) {
          const auto b = static_cast<int>(e.button);
          if (b < 1 || b > 5) return "mouse button";
        } else if constexpr (std::is_same_v<T, ControllerState> ||
                             std::is_same_v<T, ControllerArrival> ||
                             std::is_same_v<T, ControllerBattery>) {
          if (e.controller_number >= kMaxControllers) return "controller number";
          if constexpr (std::is_same_v<T, ControllerArrival>) {
            if (static_cast<int>(e.type) > 4) return "controller type";
          }
          if constexpr (std::is_same_v<T, ControllerBattery>) {
            if (static_cast<int>(e.state) > 5) return "battery state";
            if (e.percentage > 100 && e.percentage != 0xFF) return "battery percentage";
          }
        } else if constexpr (std::is_same_v<T, ControllerTouch>) {
          if (e.controller_number >= kMaxControllers) return "controller number";
          if (e.touchpad_index > 1) return "touchpad index";
          const auto t = static_cast<int>(e.event_type);
          if (t > 7 || t == 5) return "event type";
          if (!std::isfinite(e.x) || !std::isfinite(e.y) || !nonneg(e.pressure)) return "floats";
        } else if constexpr (std::is_same_v<T, ControllerMotion>) {
          if (e.controller_number >= kMaxControllers) return "controller number";
          const auto t = static_cast<int>(e.type);
          if (t < 1 || t > 2) return "motion type";
          if (!std::isfinite(e.x) || !std::isfinite(e.y) || !std::isfinite(e.z)) return "floats";
        } else if constexpr (std::is_same_v<T, TouchEvent>) {
          const auto t = static_cast<int>(e.event_type);
          if (t > 7 || t == 5) return "event type";
          if (!rotation_ok(e.rotation_deg)) return "rotation";
          if (!std::isfinite(e.x) || !std::isfinite(e.y) || !nonneg(e.pressure_or_distance) ||
              !nonneg(e.contact_area_major) || !nonneg(e.contact_area_minor)) {
            return "floats";
          }
        } else if constexpr (std::is_same_v<T, PenEvent>) {
          if (static_cast<int>(e.event_type) > 7) return "event type";
          if (static_cast<int>(e.tool) > 2) return "tool type";
          if (!rotation_ok(e.rotation_deg)) return "rotation";
          if (e.tilt_deg > kMaxTiltDeg && e.tilt_deg != kTiltUnknown) return "tilt";
          if (!std::isfinite(e.x) || !std::isfinite(e.y) || !nonneg(e.pressure_or_distance) ||
              !nonneg(e.contact_area_major) || !nonneg(e.contact_area_minor)) {
            return "floats";
          }
        }
        return {};
      },
      ev);
}

struct Tally {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
};

// Parses one mutant and checks the outcome; CHECKs only on failure to keep the assertion
// count (and the run time under ASan) small.
void run(const Packet& p, Tally& tally) {
  auto r = parse(p);
  if (r) {
    ++tally.accepted;
    const std::string v = violation(p, *r);
    if (!v.empty()) FAIL_CHECK(v << " for " << lightwell::test::hex(p));
    return;
  }
  ++tally.rejected;
  const Errc c = r.error().code;
  const bool known = c == Errc::truncated || c == Errc::malformed || c == Errc::too_large ||
                     c == Errc::out_of_range || c == Errc::unsupported;
  if (!known || r.error().message.empty()) FAIL_CHECK("bad error for " << lightwell::test::hex(p));
}

}  // namespace

TEST_CASE("input fuzz: every truncation of every captured packet") {
  Tally tally;
  for (const auto& good : all_packets()) {
    for (std::size_t len = 0; len < good.size(); ++len) {
      Packet cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
      // Size left as sent: always a framing error.
      auto r = parse(cut);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Errc::truncated);
      // Size rewritten to agree: must still never misparse.
      if (len >= 4) run(fix_size(cut), tally);
    }
  }
  // Every captured packet is exactly one fixed-size packet or one code point of text, so
  // no proper prefix of one is a valid packet, whatever its size field says.
  CHECK(tally.accepted == 0);
  CHECK(tally.rejected > 0);
}

TEST_CASE("input fuzz: every value of every byte of every captured packet") {
  Tally tally;
  for (const auto& good : all_packets()) {
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (int v = 0; v < 256; ++v) {
        Packet m = good;
        m[i] = static_cast<std::uint8_t>(v);
        run(m, tally);
      }
    }
  }
  // Both outcomes happen: the loop exercises the accept paths as well as the rejects.
  CHECK(tally.accepted > 1000);
  CHECK(tally.rejected > 1000);
}

TEST_CASE("input fuzz: seeded random multi-byte damage, resizing and size fixing") {
  std::uint32_t x = 0x1234567u;  // xorshift32, fixed seed: the run is reproducible
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  const auto packets = all_packets();
  Tally tally;
  for (int iter = 0; iter < 200000; ++iter) {
    Packet m = packets[next() % packets.size()];
    const std::uint32_t action = next() % 4;
    if (action == 1 && m.size() > 1) {
      m.resize(next() % m.size());
    } else if (action == 2) {
      const std::size_t extra = next() % 40;
      for (std::size_t k = 0; k < extra; ++k) m.push_back(static_cast<std::uint8_t>(next()));
    }
    const std::uint32_t flips = 1 + next() % 4;
    for (std::uint32_t k = 0; k < flips && !m.empty(); ++k) {
      m[next() % m.size()] ^= static_cast<std::uint8_t>(1u << (next() % 8));
    }
    if (m.size() >= 4 && next() % 2 == 0) m = fix_size(m);
    run(m, tally);
  }
  CHECK(tally.accepted > 0);
  CHECK(tally.rejected > 0);
}
