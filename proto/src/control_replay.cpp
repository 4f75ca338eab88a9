#include "lightwell/proto/control_replay.hpp"

#include <string>

namespace lightwell::proto {

static_assert(ControlReplayWindow::kWindow % 64 == 0, "the bitmap holds whole words");

bool ControlReplayWindow::test(std::uint32_t seq) const noexcept {
  const std::uint32_t bit = seq % kWindow;
  return (seen_[bit / 64] >> (bit % 64)) & 1U;
}

void ControlReplayWindow::set(std::uint32_t seq) noexcept {
  const std::uint32_t bit = seq % kWindow;
  seen_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

void ControlReplayWindow::clear(std::uint32_t seq) noexcept {
  const std::uint32_t bit = seq % kWindow;
  seen_[bit / 64] &= ~(std::uint64_t{1} << (bit % 64));
}

Result<void> ControlReplayWindow::check(std::uint32_t seq) const {
  if (!any_ || seq > highest_) return {};
  if (highest_ - seq >= kWindow) {
    return fail(Errc::out_of_range, "control sequence number " + std::to_string(seq) +
                                        " is older than the replay window (highest " +
                                        std::to_string(highest_) + ")");
  }
  if (test(seq)) {
    return fail(Errc::out_of_range, "replayed control sequence number " + std::to_string(seq));
  }
  return {};
}

void ControlReplayWindow::accept(std::uint32_t seq) noexcept {
  if (!any_) {
    any_ = true;
    highest_ = seq;
    set(seq);
    return;
  }
  if (seq > highest_) {
    // The slots between the old and the new highest now stand for seqs never seen.
    const std::uint32_t advance = seq - highest_;
    if (advance >= kWindow) {
      seen_.fill(0);
    } else {
      for (std::uint32_t s = highest_ + 1; s != seq; ++s) clear(s);
      clear(seq);
    }
    highest_ = seq;
  }
  set(seq);
}

}  // namespace lightwell::proto
