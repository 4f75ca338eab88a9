// Force feedback of the uinput gamepads (issue 7, input.md §7 "Rumble from the OS to the
// client"): answers the guest's effect uploads/erases on each gamepad's uinput fd, tracks
// which effects play (RumbleMixer, rumble_mixer.hpp, holds all the logic) and turns them into
// Rumble values for control message 0x010B (§8). Internal to input/ (UinputSink).
//
// The uinput protocol (kernel Documentation/input/uinput.rst, linux/uinput.h): when the guest
// uploads an effect (EVIOCSFF) the kernel queues {EV_UINPUT, UI_FF_UPLOAD, request_id} on our
// fd and blocks the guest until we answer with UI_BEGIN_FF_UPLOAD (fetches the effect) and
// UI_END_FF_UPLOAD (returns retval); the same for erases with UI_FF_ERASE /
// UI_BEGIN_FF_ERASE / UI_END_FF_ERASE. Play/stop arrive as {EV_FF, effect id, count} and the
// gain as {EV_FF, FF_GAIN, 0..0xFFFF}.
//
// Ownership: does not own the libevdev_uinput devices (UinputSink does; it calls remove()
// before destroying one). add() switches the device fd to O_NONBLOCK so service() never
// waits (uinput writes are not affected by it).
// Timing: play lengths expire only when service() runs; the caller polls fds() and should
// also wake by next_change_ms() (or at least every ~50 ms while a pad rumbles).
// Thread rules: one thread (the sink's).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "lightwell/input/sink.hpp"
#include "rumble_mixer.hpp"

struct libevdev_uinput;

namespace lightwell::input::detail {

class FeedbackTable {
 public:
  // Starts answering the pad's uinput fd (libevdev_uinput_get_fd). Replaces an earlier
  // registration of the same gamepad number.
  void add(std::uint8_t gamepad, libevdev_uinput* device);
  // The same for a bare fd speaking the uinput read/ioctl protocol (add() uses it; the unit
  // tests feed a pipe with an ioctl stand-in). The fd stays owned by the caller.
  void add_fd(std::uint8_t gamepad, int fd);
  // Forgets the pad; if it was rumbling, a {gamepad, 0, 0} is reported by the next service().
  void remove(std::uint8_t gamepad);
  std::vector<int> fds() const;
  // Answers every pending request on every pad fd, then appends rumble changes to `out`.
  void service(std::vector<Rumble>& out);
  // Milliseconds from now until a playing effect starts or ends by itself; nullopt if none.
  std::optional<std::int64_t> next_change_in_ms() const;

 private:
  struct Pad {
    int fd = -1;
    RumbleMixer mixer;
  };
  static std::int64_t now_ms();
  void drain(Pad& pad, std::int64_t now);

  std::map<std::uint8_t, Pad> pads_;
  std::vector<Rumble> pending_;  // stops of removed pads, sent with the next service()
};

}  // namespace lightwell::input::detail
