// Anti-replay window for the client's control-stream sequence numbers (docs/control.md
// "Replay policy").
//
// Why a window and not "seq must grow": the client numbers every encrypted message from one
// counter shared by all 48 ENet channels (moonlight-common-c ControlStream.c sendMessageEnet,
// `currentEnetSequenceNumber++` under enetMutex), so seqs are unique and increase in send
// order. But ENet only orders within a channel: a reliable packet on one channel that needs a
// retransmission arrives after newer packets on other channels, and unreliable / unsequenced
// packets (motion, touch hover, FEC status, control.md §2) can be lost or reordered. Neither the
// client nor Sunshine checks seq order (control.md §3). A strict-monotonic rule would drop
// legitimate input; a sliding window (as in IPsec/DTLS) accepts any seq not seen before that
// is within kWindow of the highest one accepted, and refuses exact replays and very old seqs.
//
// Only authenticated packets may update the window (call accept() after the GCM tag
// verified), otherwise a forged seq could push the window forward. Not thread-safe: one
// instance per session, used by the thread that opens client packets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

class ControlReplayWindow {
 public:
  // 8192 messages: at a busy ~3000 messages/s (1 kHz mouse + 4 pads of motion) a reliable
  // packet may still arrive ~2.7 s late, well beyond ENet's retransmission delays; at the
  // usual rate (10 pings/s plus input) it is minutes. The bitmap costs 1 KiB per session.
  static constexpr std::uint32_t kWindow = 8192;

  // ok if seq was never accepted and is within the window; otherwise out_of_range
  // ("replayed" or "older than the replay window"). Does not change the state.
  Result<void> check(std::uint32_t seq) const;
  // Records seq as seen. Precondition: check(seq) succeeded.
  void accept(std::uint32_t seq) noexcept;

  bool empty() const noexcept { return !any_; }
  std::uint32_t highest() const noexcept { return highest_; }  // meaningful if !empty()

 private:
  static constexpr std::size_t kWords = kWindow / 64;
  bool test(std::uint32_t seq) const noexcept;
  void set(std::uint32_t seq) noexcept;
  void clear(std::uint32_t seq) noexcept;

  std::array<std::uint64_t, kWords> seen_{};  // bit (seq % kWindow)
  std::uint32_t highest_ = 0;
  bool any_ = false;
};

}  // namespace lightwell::proto
