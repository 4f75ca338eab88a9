// See rumble_mixer.hpp. Facts: input.md §7 (strong → lowFreqMotor, weak → highFreqMotor,
// 0..0xFFFF, scaled by FF_GAIN, re-sent only on change, zeros when effects stop), §8
// (0x010B; rumble values persist on the client until changed — hence lengths must expire
// here, or a game that plays a 200 ms effect and never stops it would rumble forever),
// linux/input.h (struct ff_effect, ff_replay lengths in ms).
#include "rumble_mixer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace lightwell::input::detail {
namespace {

// A signed 16-bit force (−0x8000..0x7FFF) as a motor magnitude: the sign is a direction a
// rumble motor does not have, and doubling maps the force range onto 0..0xFFFF.
std::uint32_t force_to_motor(std::int32_t level) noexcept {
  return std::min<std::uint32_t>(static_cast<std::uint32_t>(std::abs(level)) * 2u, 0xFFFFu);
}

struct Motors {
  std::uint32_t low = 0;   // strong
  std::uint32_t high = 0;  // weak
};

Motors motors_of(const ff_effect& e) noexcept {
  switch (e.type) {
    case FF_RUMBLE: return {e.u.rumble.strong_magnitude, e.u.rumble.weak_magnitude};
    case FF_CONSTANT: {
      const auto m = force_to_motor(e.u.constant.level);
      return {m, m};
    }
    case FF_PERIODIC: {
      const auto m = force_to_motor(e.u.periodic.magnitude);
      return {m, m};
    }
    case FF_RAMP: {
      const auto m = std::max(force_to_motor(e.u.ramp.start_level), force_to_motor(e.u.ramp.end_level));
      return {m, m};
    }
    default: return {};  // not advertised (uinput_caps_gamepad.cpp): the kernel refuses it
  }
}

}  // namespace

int RumbleMixer::upload(const ff_effect& effect) {
  if (effect.id < 0 || effect.id >= kMaxEffectId) return -EINVAL;
  auto& slot = effects_[effect.id];
  slot.params = effect;
  return 0;
}

int RumbleMixer::erase(int effect_id) {
  return effects_.erase(effect_id) != 0 ? 0 : -EINVAL;
}

void RumbleMixer::play(int effect_id, std::int32_t count, std::int64_t now_ms) {
  const auto it = effects_.find(effect_id);
  if (it == effects_.end()) return;
  Effect& e = it->second;
  if (count <= 0) {
    e.playing = false;
    return;
  }
  e.playing = true;
  e.start_ms = now_ms + e.params.replay.delay;
  e.end_ms = e.start_ms + static_cast<std::int64_t>(count) * e.params.replay.length;
}

bool RumbleMixer::active(const Effect& e, std::int64_t now_ms) const noexcept {
  if (!e.playing || now_ms < e.start_ms) return false;
  return e.params.replay.length == 0 || now_ms < e.end_ms;
}

void RumbleMixer::update(std::int64_t now_ms, std::vector<Rumble>& out) {
  Motors mix;
  for (const auto& [id, e] : effects_) {
    if (!active(e, now_ms)) continue;
    const Motors m = motors_of(e.params);
    mix.low = std::max(mix.low, m.low);
    mix.high = std::max(mix.high, m.high);
  }
  const Rumble now{gamepad_, static_cast<std::uint16_t>(mix.low * gain_ / 0xFFFFu),
                   static_cast<std::uint16_t>(mix.high * gain_ / 0xFFFFu)};
  if (now == last_) return;
  last_ = now;
  out.push_back(now);
}

std::optional<std::int64_t> RumbleMixer::next_change_ms(std::int64_t now_ms) const {
  std::optional<std::int64_t> next;
  auto consider = [&](std::int64_t t) {
    if (t > now_ms && (!next || t < *next)) next = t;
  };
  for (const auto& [id, e] : effects_) {
    if (!e.playing) continue;
    consider(e.start_ms);
    if (e.params.replay.length != 0) consider(e.end_ms);
  }
  return next;
}

}  // namespace lightwell::input::detail
