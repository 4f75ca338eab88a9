// RumbleMixer: the force-feedback state of one virtual gamepad, without any syscall
// (input.md §7 "Rumble from the OS to the client", §8 0x010B). uinput_ff.cpp feeds it what
// the guest asks through the uinput fd (effect uploads and erases, EV_FF play/stop, FF_GAIN)
// and sends what it reports to the client. Internal to input/.
//
// Rules (the why in rumble_mixer.cpp):
//   * An effect contributes to the motors while it plays: from play + replay.delay for
//     play_count × replay.length ms (length 0 = until stopped). Envelopes, ramp shapes and
//     periodic waveforms are not simulated: the client's motors take one magnitude each.
//   * FF_RUMBLE: strong_magnitude → low_freq_motor, weak_magnitude → high_freq_motor.
//     FF_CONSTANT (|level|), FF_PERIODIC (|magnitude|) and FF_RAMP (max(|start|, |end|))
//     are one force: 0..0x7FFF doubled to 0..0xFFFE, on both motors.
//   * Several playing effects: the maximum per motor (a sum saturates at once and makes two
//     weak effects feel like a strong one; the max keeps "the strongest request wins").
//   * FF_GAIN 0..0xFFFF scales the result (default 0xFFFF = full).
//   * A Rumble is reported only when the scaled motor pair changed since the last report;
//     {0, 0} once nothing plays any more.
// Times are caller-supplied milliseconds on any monotonic clock.
// Thread rules: one thread.
#pragma once

#include <linux/input.h>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "lightwell/input/sink.hpp"

namespace lightwell::input::detail {

class RumbleMixer {
 public:
  // Effect ids the kernel hands out are below ff_effects_max (10 with libevdev, see
  // uinput_caps_gamepad.cpp); anything at or above this bound is refused as malformed.
  static constexpr int kMaxEffectId = 64;

  explicit RumbleMixer(std::uint8_t gamepad) noexcept : gamepad_(gamepad), last_{gamepad, 0, 0} {}

  // A new or updated effect (EVIOCSFF, effect.id already assigned by the kernel). Returns
  // the retval for UI_END_FF_UPLOAD: 0, or -EINVAL for an id out of range. An update of a
  // playing effect keeps it playing with the new magnitudes.
  int upload(const ff_effect& effect);
  // EVIOCRMFF (also sent by the kernel when the guest closes its fd). Stops the effect if it
  // plays. Returns 0, or -EINVAL for an id that was never uploaded.
  int erase(int effect_id);
  // EV_FF code = effect id, value = play count (>= 1 play, 0 stop), at now_ms. Unknown ids
  // are ignored (the kernel only passes ids it knows).
  void play(int effect_id, std::int32_t count, std::int64_t now_ms);
  // EV_FF FF_GAIN, 0..0xFFFF.
  void set_gain(std::uint16_t gain) noexcept { gain_ = gain; }
  // Appends a Rumble to `out` when the motor pair at now_ms differs from the last one
  // reported (nothing is reported before the first change from {0, 0}).
  void update(std::int64_t now_ms, std::vector<Rumble>& out);
  // The next time something would change on its own (a delay ending or a length running
  // out), so the caller can wake up for it; nullopt when nothing is scheduled.
  std::optional<std::int64_t> next_change_ms(std::int64_t now_ms) const;
  // The last reported pair (tests, and to decide whether a removed pad must be stopped).
  Rumble last() const noexcept { return last_; }

 private:
  struct Effect {
    ff_effect params{};
    bool playing = false;
    std::int64_t start_ms = 0;  // play time + replay.delay
    std::int64_t end_ms = 0;    // start + count × length; meaningless when length == 0
  };
  bool active(const Effect& e, std::int64_t now_ms) const noexcept;

  std::uint8_t gamepad_;
  std::uint16_t gain_ = 0xFFFF;
  std::map<int, Effect> effects_;
  Rumble last_;  // starts at {gamepad, 0, 0}: the client's motors are off
};

}  // namespace lightwell::input::detail
