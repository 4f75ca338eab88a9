// One loss level of the loss test and bench (docs/testing-faults.md "Loss"): a stream from
// the real server to the test client across the veth link while nftables in the server's
// namespace drops the server→client media datagrams (video and audio ports) at random
// (`numgen random mod 100 < N`), in deterministic runs (`numgen inc`), or in timed outage
// windows. The figures say how many frames arrived whole (after FEC), how many Moonlight
// would have shown (after a loss nothing until the IDR it asks for), and how many datagrams
// nftables really dropped (named counters).
//
// Thread rules: the test thread only (it lives in the client namespace of the link).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fault_session.hpp"
#include "stream_client.hpp"

namespace lightwell::test {

struct LossLevel {
  std::string name;           // e.g. "random 10 %"
  std::string nft_condition;  // an nft expression before `drop`, e.g. "numgen random mod 100 < 10"; "" none
  std::chrono::milliseconds outage_every{0};   // > 0: drop ALL media for outage_length every so often
  std::chrono::milliseconds outage_length{0};
};

struct LossFigures {
  std::string name;
  std::chrono::milliseconds duration{0};
  FrameTally frames;
  std::uint64_t media_datagrams = 0;  // server→client video+audio datagrams (nft counter)
  std::uint64_t media_dropped = 0;    // of those, dropped by the rule (nft counter)
  StreamCounters counters;            // the client's own counters at the end
  std::uint64_t audio_delivered = 0;  // audio packets delivered in order (after FEC)
  std::vector<ReceivedVideoFrame> shown;  // the frames counted as shown (for decoding)
  bool kept_streaming = false;        // whole frames still arrived after the measured period
  double whole_fraction() const;      // frames.whole / frames.sent
  double shown_fraction() const;      // frames.shown / frames.sent
  double drop_fraction() const;       // media_dropped / media_datagrams
};

// The built-in levels: 5 %, 10 %, 20 % random; runs of 5 datagrams in every 100; a 100 ms
// outage every second.
std::vector<LossLevel> standard_loss_levels();

// Streams `duration` through the link of `session` (which must have one) under `level`.
// Throws std::runtime_error (with diagnostics) when the stream cannot be set up.
LossFigures run_loss_level(FaultSession& session, const LossLevel& level, std::chrono::milliseconds duration);

// A fixed-width table, one row per level.
std::string format_loss_table(const std::vector<LossFigures>& rows);

}  // namespace lightwell::test
