// Replay policy for client control sequence numbers (docs/control.md "Replay policy"): ENet
// reorders across channels and drops unreliable packets, so any unseen seq within the window
// is fresh; an exact repeat or a seq older than the window is refused.
#include <catch2/catch.hpp>

#include "lightwell/proto/control_replay.hpp"

using lightwell::proto::ControlReplayWindow;
using lightwell::proto::Errc;

namespace {
bool fresh(const ControlReplayWindow& w, std::uint32_t seq) { return bool(w.check(seq)); }
void take(ControlReplayWindow& w, std::uint32_t seq) {
  REQUIRE(w.check(seq));
  w.accept(seq);
}
}  // namespace

TEST_CASE("in-order sequence numbers are accepted once each") {
  ControlReplayWindow w;
  CHECK(w.empty());
  for (std::uint32_t s = 0; s < 100; ++s) take(w, s);
  CHECK(w.highest() == 99);
  for (std::uint32_t s = 0; s < 100; ++s) {
    auto r = w.check(s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::out_of_range);
  }
  CHECK(fresh(w, 100));
}

TEST_CASE("reordered and missing sequence numbers (ENet channels, unsequenced packets)") {
  ControlReplayWindow w;
  // The GCM vector file's c2s seqs, in file order: a jump from 3 to 16909060.
  for (std::uint32_t s : {0u, 1u, 2u, 3u, 16909060u}) take(w, s);
  CHECK(w.highest() == 16909060u);
  CHECK_FALSE(fresh(w, 16909060u));
  CHECK_FALSE(fresh(w, 3));  // far outside the window now
  // Late arrivals inside the window that were never seen are fine, once.
  take(w, 16909059u);
  take(w, 16909060u - (ControlReplayWindow::kWindow - 1));
  CHECK_FALSE(fresh(w, 16909060u - (ControlReplayWindow::kWindow - 1)));
  CHECK_FALSE(fresh(w, 16909060u - ControlReplayWindow::kWindow));  // just too old
  CHECK_FALSE(fresh(w, 16909059u));
  CHECK(fresh(w, 16909058u));
}

TEST_CASE("advancing the window forgets the slots it reuses") {
  ControlReplayWindow w;
  constexpr std::uint32_t kW = ControlReplayWindow::kWindow;
  take(w, 5);
  take(w, 7);
  // seq 5 + kW lands in the same bitmap slot as 5 but was never seen.
  take(w, 5 + kW);
  CHECK_FALSE(fresh(w, 5));  // now exactly kW behind: too old
  CHECK_FALSE(fresh(w, 7));  // still inside the window, and seen
  CHECK(fresh(w, 6));        // inside the window, never seen
  // Moving the top to 7 + kW reuses the slots of 6 and 7 for 6 + kW and 7 + kW.
  take(w, 7 + kW);
  CHECK_FALSE(fresh(w, 7 + kW));
  CHECK_FALSE(fresh(w, 7));
  take(w, 6 + kW);  // its slot held 6's (unset) bit and was cleared anyway
  CHECK_FALSE(fresh(w, 6 + kW));
  // A big jump clears everything.
  take(w, 100 * kW);
  for (std::uint32_t s = 100 * kW - kW + 1; s < 100 * kW; ++s) REQUIRE(fresh(w, s));
}

TEST_CASE("the first accepted seq may be anything and the top of the range works") {
  ControlReplayWindow w;
  take(w, 0xFFFFFFFEu);
  take(w, 0xFFFFFFFFu);
  CHECK_FALSE(fresh(w, 0xFFFFFFFFu));
  CHECK(fresh(w, 0xFFFFFFFDu));
  CHECK_FALSE(fresh(w, 0));  // no wrap-around: 0 is 2^32 - 1 behind
}
