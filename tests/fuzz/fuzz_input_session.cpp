// A client's input stream all the way to the evdev events the host would inject
// (input/injector.hpp over proto/input.hpp, input.md §3-§7): a sequence of input packets,
// each parsed and, when valid, handed to an Injector writing into a RecordingSink; then the
// session ends (release_all). This is where network bytes decide which keys are held and
// which virtual gamepads exist.
// Input: chunks [u8 length][length bytes], each one input packet (at most 64).
// Invariants after release_all(): no key or button is left pressed on any device (the last
// EV_KEY value of every code is 0), every gamepad created was removed, no event names a
// gamepad outside 0..15, and absolute pointer coordinates stay inside the screen.
#include <linux/input-event-codes.h>

#include <map>
#include <tuple>

#include "fuzz_check.hpp"
#include "lightwell/input/injector.hpp"
#include "lightwell/input/sink.hpp"
#include "lightwell/proto/input.hpp"

namespace li = lightwell::input;
namespace lp = lightwell::proto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const li::ScreenSize screen{1920, 1080};
  li::RecordingSink sink;
  li::Injector injector(sink, screen);
  lp::Bytes rest(data, size);
  for (int packet = 0; packet < 64 && !rest.empty(); ++packet) {
    const std::size_t length = std::min<std::size_t>(rest[0], rest.size() - 1);
    auto event = lp::input::parse_input_packet(rest.subspan(1, length));
    rest = rest.subspan(1 + length);
    if (event) injector.inject(*event);
  }
  injector.release_all();
  injector.release_all();  // idempotent

  using Key = std::tuple<li::DeviceKind, std::uint8_t, std::uint16_t>;
  std::map<Key, std::int32_t> last_key;
  for (const auto& e : sink.events) {
    if (e.device.kind == li::DeviceKind::gamepad) FUZZ_CHECK(e.device.index < 16);
    if (e.type == EV_KEY) last_key[{e.device.kind, e.device.index, e.code}] = e.value;
    if (e.type == EV_ABS && e.device.kind == li::DeviceKind::absolute_pointer) {
      if (e.code == ABS_X) FUZZ_CHECK(e.value >= 0 && e.value <= screen.width_px);
      if (e.code == ABS_Y) FUZZ_CHECK(e.value >= 0 && e.value <= screen.height_px);
    }
  }
  for (const auto& [key, value] : last_key) FUZZ_CHECK(value == 0);
  std::map<std::uint8_t, int> pads;
  for (const auto& d : sink.created) {
    if (d.kind == li::DeviceKind::gamepad) ++pads[d.index];
  }
  for (const auto& d : sink.removed) {
    if (d.kind == li::DeviceKind::gamepad) --pads[d.index];
  }
  for (const auto& [index, balance] : pads) FUZZ_CHECK(balance == 0);
  return 0;
}
