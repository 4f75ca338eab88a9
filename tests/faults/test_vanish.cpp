// Issue 10 "Faults and loss": the client vanishes mid-stream without a goodbye — its network
// goes away (every packet in and out of the client's namespace dropped by nftables, as when a
// laptop leaves the Wi-Fi) while its sockets stay open. The server must free the session
// within 10 s (docs/streaming.md "How a stream ends": 5 s without control traffic) and the
// next client must stream. (tests/integration/test_streaming.cpp covers the client that
// closes its sockets; this is the one whose packets simply stop arriving.)
#include <catch2/catch.hpp>

#include <thread>

#include "fault_checks.hpp"
#include "fault_session.hpp"

namespace lightwell::test {

using namespace std::chrono_literals;

TEST_CASE("a client whose network disappears is freed within 10 s and the next client streams",
          "[faults][vanish][measures]") {
  LIGHTWELL_REQUIRE_NETNS();
  FaultSession session(true);
  VethLink& link = *session.link();
  {
    StreamClient gone(session.launch());
    gone.handshake();
    gone.start_streaming();
    INFO("client transcript:\n" << gone.transcript() << session.diagnostics());
    REQUIRE(gone.wait_for_frames(30, 20s) >= 30);
    link.nft_client(
        "table inet lwf_cut {\n"
        "  chain in { type filter hook input priority 0; policy drop; }\n"
        "  chain out { type filter hook output priority 0; policy drop; }\n"
        "}\n");
    const auto cut_at = std::chrono::steady_clock::now();
    REQUIRE(session.log_has("client vanished", 15s));
    const auto freed_after = std::chrono::steady_clock::now() - cut_at;
    INFO("freed after " << std::chrono::duration_cast<std::chrono::milliseconds>(freed_after).count() << " ms");
    CHECK(freed_after < 10s);
    // Meanwhile the client still sent its pings into the void and saw no termination.
    CHECK_FALSE(gone.counters().termination_hresult);
    gone.vanish();
  }
  link.nft_client("delete table inet lwf_cut\n");
  StreamClient next(session.launch());
  next.handshake();
  next.start_streaming();
  INFO("client transcript:\n" << next.transcript() << session.diagnostics());
  REQUIRE(next.wait_for_frames(30, 20s) >= 30);
  const auto frames = next.take_video_frames();
  CHECK(frames.front().frame_index == 1);
  CHECK(frames.front().frame_type == 2);
  CHECK(next.counters().video_frames_lost == 0);
  next.disconnect();
  CHECK(session.log_has("client disconnected", 5s));
}

}  // namespace lightwell::test
