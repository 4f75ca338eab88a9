// Issue 10 "Faults and loss": the capture source disappears mid-stream (KMS device gone,
// compositor restarted) → the session recreates it and goes on; the client keeps decoding
// (the first frame after the gap is an IDR, frame indices stay consecutive, video.md §6-§7).
// Unit level: a MediaSession on the fakes of tests/server (test_media_session_fakes.hpp) with
// a frame source that fails on command and a factory that cannot build one for a while.
// (PipeWire going away mid-stream is tests/integration/test_audio_pipewire.cpp.)
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <stdexcept>

#include "../server/test_media_session_fakes.hpp"
#include "lightwell/server/log.hpp"

using namespace media_test;
using lightwell::capture::CaptureStatus;
using lightwell::server::LogHub;
using lightwell::server::LogLevel;
using lightwell::server::MediaSession;

namespace {

// What the flaky source answers instead of frames, and how many factory calls fail.
struct Outage {
  std::atomic<int> mode{0};  // 0 frames, 1 error, 2 reinit once (then frames)
  std::atomic<int> failing_builds{0};
  std::atomic<int> builds{0}, failed_builds{0};
};

class FlakySource : public lightwell::capture::FrameSource {
 public:
  FlakySource(std::shared_ptr<VideoState> v, std::shared_ptr<Outage> o, std::uint32_t w, std::uint32_t h)
      : inner_(std::move(v), w, h), outage_(std::move(o)) {}
  CaptureStatus capture(lightwell::capture::Frame& out, std::chrono::milliseconds timeout) override {
    const int m = outage_->mode.load();
    if (m == 1) return CaptureStatus::error;
    if (m == 2) {
      outage_->mode = 0;
      return CaptureStatus::reinit;
    }
    return inner_.capture(out, timeout);
  }
  std::string_view name() const noexcept override { return "flaky"; }

 private:
  FakeFrameSource inner_;
  std::shared_ptr<Outage> outage_;
};

struct Harness {
  std::ostringstream log_text;
  LogHub hub = LogHub::to_stream(log_text, LogLevel::debug);
  Fakes fakes;
  std::shared_ptr<Outage> outage = std::make_shared<Outage>();
  SendSocket video_socket, audio_socket;
  Collector video, audio;
  std::atomic<int> fatal_calls{0};
  std::unique_ptr<MediaSession> session;

  Harness() {
    auto backends = fakes.backends();
    auto v = fakes.video;
    auto o = outage;
    backends.frame_source = [v, o](std::uint32_t w, std::uint32_t h) -> std::unique_ptr<lightwell::capture::FrameSource> {
      o->builds++;
      if (o->failing_builds.load() > 0) {
        o->failing_builds--;
        o->failed_builds++;
        throw std::runtime_error("no DRM device (test)");
      }
      v->sources_made++;
      return std::make_unique<FlakySource>(v, o, w, h);
    };
    session = std::make_unique<MediaSession>(small_config(video_socket.fd(), audio_socket.fd()), backends,
                                             hub.get("media"), [this](std::uint32_t, std::string) { ++fatal_calls; });
    session->set_video_destination(video.endpoint());
  }

  std::vector<VideoFrame> frames() {
    std::vector<VideoPacket> packets;
    for (const auto& d : video.snapshot()) packets.push_back(parse_video(d));
    return reassemble(packets);
  }
  std::size_t frame_count() { return frames().size(); }
};

// Frame indices 1, 2, 3, … without a gap (video.md §6: the client counts a gap as loss).
bool consecutive(const std::vector<VideoFrame>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].index != i + 1) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("capture source failing for a while: rebuilt, the stream goes on with an IDR", "[faults][capture]") {
  Harness h;
  REQUIRE(h.video.wait_until([&](const auto&) { return h.frame_count() >= 20; }));
  // The source breaks, and the next three attempts to build a new one fail too.
  h.outage->failing_builds = 3;
  h.outage->mode = 1;
  REQUIRE(h.video.wait_until([&](const auto&) { return h.outage->failed_builds.load() >= 3; }));
  const std::size_t during = h.frame_count();
  h.outage->mode = 0;  // the device is back: the 4th build works and gives frames
  REQUIRE(h.video.wait_until([&](const auto&) { return h.frame_count() >= during + 20; }));
  INFO(h.log_text.str());
  CHECK(h.fatal_calls == 0);
  const auto frames = h.frames();
  CHECK(consecutive(frames));
  // The sessions's first frame after the outage comes from a new source (its sequence restarts)
  // and is an IDR, so the client's decoder restarts cleanly.
  std::size_t restart = 0;
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const auto prev = decode_fake_bitstream(frames[i - 1].bitstream);
    const auto cur = decode_fake_bitstream(frames[i].bitstream);
    REQUIRE(prev);
    REQUIRE(cur);
    if (cur->first <= prev->first) {
      restart = i;
      break;
    }
  }
  REQUIRE(restart > 0);
  CHECK(frames[restart].frame_type == 2);
  CHECK(decode_fake_bitstream(frames[restart].bitstream)->second);
  CHECK(h.fakes.video->sources_made >= 2);
  CHECK(h.outage->failed_builds == 3);
  CHECK(h.log_text.str().find("capture source flaky failed; rebuilding it") != std::string::npos);
  CHECK(h.log_text.str().find("capture source flaky rebuilt") != std::string::npos);
}

TEST_CASE("capture source asking for a rebuild (reinit): a new source at once, then an IDR", "[faults][capture]") {
  Harness h;
  REQUIRE(h.video.wait_until([&](const auto&) { return h.frame_count() >= 10; }));
  const int builds = h.outage->builds;
  h.outage->mode = 2;
  REQUIRE(h.video.wait_until([&](const auto&) { return h.outage->builds > builds && h.frame_count() >= 30; }));
  CHECK(h.fatal_calls == 0);
  const auto frames = h.frames();
  CHECK(consecutive(frames));
  const auto idrs = std::count_if(frames.begin(), frames.end(), [](const auto& f) { return f.frame_type == 2; });
  CHECK(idrs == 2);  // the first frame and the one after the rebuild
}

TEST_CASE("capture gone for good: the session ends once, after the 10 s outage limit", "[faults][capture]") {
  Harness h;
  REQUIRE(h.video.wait_until([&](const auto&) { return h.frame_count() >= 5; }));
  h.outage->failing_builds = 1'000'000;
  h.outage->mode = 1;
  const auto broke = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  CHECK(h.fatal_calls == 0);  // still trying after 5 s
  const auto deadline = broke + std::chrono::seconds(30);
  while (h.fatal_calls == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(h.fatal_calls == 1);
  CHECK(std::chrono::steady_clock::now() - broke >= std::chrono::seconds(10));
  CHECK(h.outage->failed_builds > 10);  // retried all along (every 250 ms)
  INFO(h.log_text.str());
  CHECK(h.log_text.str().find("no working source for 10 s (no DRM device (test))") != std::string::npos);
}
