// A real `lightwell serve` with one paired client, ready to stream, for the fault tests and
// bench/bench_loss.cpp (so it throws instead of using Catch): optionally behind a veth link
// in its own network namespace (tests/support/netns.hpp), where nftables drops what a test
// wants dropped. docs/testing-faults.md describes the set-up and the figures.
//
// Thread rules: one thread (the test thread) constructs, uses and destroys it; with a veth
// link that thread lives in the client namespace meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gamestream_client.hpp"
#include "lightwell_process.hpp"
#include "netns.hpp"
#include "stream_client.hpp"

namespace lightwell::test {

class FaultSession {
 public:
  // use_veth: server in its own namespace at VethLink::kServerIp; else 127.0.0.1 here.
  explicit FaultSession(bool use_veth, LightwellOptions options = {});
  ~FaultSession();
  FaultSession(const FaultSession&) = delete;
  FaultSession& operator=(const FaultSession&) = delete;

  // /launch the first time, /resume afterwards (the app keeps running between streams);
  // options for a 720p60 H.264 stream at 10 Mbit/s with encrypted RTSP, video and audio.
  StreamClientOptions launch();

  VethLink* link() noexcept { return link_ ? &*link_ : nullptr; }
  LightwellProcess& host() noexcept { return *host_; }
  GameStreamClient& client() noexcept { return *client_; }
  // Server log + client transcript, for failure messages.
  std::string diagnostics() const;
  // Polls the server log for text until `within`.
  bool log_has(const std::string& text, std::chrono::milliseconds within) const;
  // Occurrences of text in the server log.
  std::size_t log_count(const std::string& text) const;

 private:
  std::optional<VethLink> link_;  // first: outlives the server and the clients
  std::unique_ptr<LightwellProcess> host_;
  std::unique_ptr<GameStreamClient> client_;
  long long desktop_ = 0;
  bool launched_ = false;
};

// Video frames as the client saw them, the way Moonlight would show them (video.md §7):
// frame indices are consecutive from 1, so a missing index is a lost frame; after a loss the
// client shows nothing until a whole IDR (type 2) arrives.
struct FrameTally {
  std::uint64_t sent = 0;       // highest frame index seen (every index up to it was sent)
  std::uint64_t whole = 0;      // reassembled complete (directly or through FEC)
  std::uint64_t missing = 0;    // sent − whole
  std::uint64_t shown = 0;      // whole and with an unbroken reference chain back to an IDR
  std::uint64_t recovery_idrs = 0;  // IDR frames after the first (answers to IDR requests)
  std::uint64_t longest_gap = 0;    // most consecutive frames not shown
};
FrameTally tally_frames(const std::vector<ReceivedVideoFrame>& frames);
// The frames counted as shown, in index order (what a decoder gets fed).
std::vector<ReceivedVideoFrame> shown_frames(std::vector<ReceivedVideoFrame> frames);

}  // namespace lightwell::test
