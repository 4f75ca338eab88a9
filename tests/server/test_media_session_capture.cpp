// MediaSession with RGB captures (issue 5, docs/capture-kms.md): KMS-like bgrx8888 frames are
// converted to NV12 in the colour space and range the client negotiated before the encoder
// sees them (values checked against the BT.601/BT.709 code values of the standards), a screen
// of another size is letterboxed into the stream's size, and a source that asks for a rebuild
// (reinit) is rebuilt inside the session — also when the first rebuilds fail — without
// ending the stream.
#include <catch2/catch.hpp>

#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "lightwell/server/log.hpp"
#include "test_media_session_fakes.hpp"

using namespace media_test;
using lightwell::capture::CaptureStatus;
using lightwell::capture::Frame;
using lightwell::capture::PixelFormat;
using lightwell::server::LogHub;
using lightwell::server::LogLevel;
using lightwell::server::MediaSession;

namespace {

// What the encoder was given: the frame's format/size and a copy of its planes.
struct Seen {
  PixelFormat format = PixelFormat::i420;
  std::uint32_t width_px = 0, height_px = 0;
  std::vector<std::uint8_t> y, uv;
  bool idr = false;
};

struct Script {
  std::mutex mutex;
  std::vector<Seen> seen;
  // Per source made: its screen size and colour, and after how many frames it says reinit.
  struct Screen {
    std::uint32_t w, h, xrgb;
    int frames_before_reinit;  // -1: never
  };
  std::vector<Screen> screens;
  int sources_made = 0;
  int failing_rebuilds = 0;  // the factory throws this many times after the first source
  int rebuild_attempts = 0;
};

class RgbSource : public lightwell::capture::FrameSource {
 public:
  explicit RgbSource(Script::Screen s) : s_(s), pixels_(std::size_t{s.w} * s.h * 4) {
    for (std::size_t i = 0; i < pixels_.size(); i += 4) {
      pixels_[i] = static_cast<std::uint8_t>(s.xrgb);
      pixels_[i + 1] = static_cast<std::uint8_t>(s.xrgb >> 8);
      pixels_[i + 2] = static_cast<std::uint8_t>(s.xrgb >> 16);
      pixels_[i + 3] = 0xff;
    }
  }
  CaptureStatus capture(Frame& out, std::chrono::milliseconds) override {
    if (s_.frames_before_reinit >= 0 && n_ >= s_.frames_before_reinit) return CaptureStatus::reinit;
    ++n_;
    out = Frame{};
    out.width_px = s_.w;
    out.height_px = s_.h;
    out.format = PixelFormat::bgrx8888;
    out.planes[0] = {pixels_.data(), std::size_t{s_.w} * 4};
    out.plane_count = 1;
    out.captured_at = std::chrono::steady_clock::now();
    out.sequence = ++sequence_;
    return CaptureStatus::ok;
  }
  std::string_view name() const noexcept override { return "rgb-fake"; }

 private:
  Script::Screen s_;
  std::vector<std::uint8_t> pixels_;
  int n_ = 0;
  std::uint64_t sequence_ = 0;
};

class RecordingEncoder : public lightwell::encode::VideoEncoder {
 public:
  explicit RecordingEncoder(std::shared_ptr<Script> s) : s_(std::move(s)) {}
  lightwell::encode::EncodeResult encode(const Frame& f, bool force_idr) override {
    Seen seen;
    seen.format = f.format;
    seen.width_px = f.width_px;
    seen.height_px = f.height_px;
    seen.idr = force_idr || first_;
    first_ = false;
    if (f.format == PixelFormat::nv12) {
      for (std::uint32_t y = 0; y < f.height_px; ++y) {
        const auto* row = f.planes[0].data + y * f.planes[0].stride_bytes;
        seen.y.insert(seen.y.end(), row, row + f.width_px);
      }
      for (std::uint32_t y = 0; y < f.height_px / 2; ++y) {
        const auto* row = f.planes[1].data + y * f.planes[1].stride_bytes;
        seen.uv.insert(seen.uv.end(), row, row + f.width_px);
      }
    }
    {
      std::lock_guard lock(s_->mutex);
      s_->seen.push_back(std::move(seen));
    }
    fill_fake_bitstream(bitstream_, f.sequence, force_idr);
    lightwell::encode::EncodeResult r;
    r.frame.bitstream = bitstream_;
    r.frame.idr = force_idr;
    r.frame.source_sequence = f.sequence;
    return r;
  }
  bool can_invalidate_references() const noexcept override { return false; }
  bool invalidate_references(std::uint64_t, std::uint64_t) override { return false; }
  bool set_bitrate_kbps(std::uint32_t) override { return false; }
  std::string_view name() const noexcept override { return "recording"; }

 private:
  std::shared_ptr<Script> s_;
  Datagram bitstream_;
  bool first_ = true;
};

struct Run {
  std::ostringstream log_text;
  LogHub hub = LogHub::to_stream(log_text, LogLevel::debug);
  Fakes fakes;
  SendSocket video_socket, audio_socket;
  Collector video;
  std::shared_ptr<Script> script = std::make_shared<Script>();
  std::atomic<int> fatal_calls{0};
  std::string fatal_reason;
  std::unique_ptr<MediaSession> session;

  void start(int csc_mode) {
    auto config = small_config(video_socket.fd(), audio_socket.fd());
    config.params.color_space = static_cast<lightwell::proto::ColorSpace>(csc_mode >> 1);
    config.params.color_range = static_cast<lightwell::proto::ColorRange>(csc_mode & 1);
    auto b = fakes.backends();
    auto s = script;
    b.frame_source = [s](std::uint32_t, std::uint32_t) -> std::unique_ptr<lightwell::capture::FrameSource> {
      std::lock_guard lock(s->mutex);
      if (s->sources_made > 0) {
        ++s->rebuild_attempts;
        if (s->failing_rebuilds > 0) {
          --s->failing_rebuilds;
          throw std::runtime_error("KMS capture: card0 has no lit CRTC (fake)");
        }
      }
      const auto screen = s->screens[static_cast<std::size_t>(std::min<int>(s->sources_made, static_cast<int>(s->screens.size()) - 1))];
      ++s->sources_made;
      return std::make_unique<RgbSource>(screen);
    };
    b.video_encoder = [s](const lightwell::encode::EncoderConfig&) { return std::make_unique<RecordingEncoder>(s); };
    session = std::make_unique<MediaSession>(config, b, hub.get("media"), [this](std::uint32_t, std::string why) {
      fatal_reason = std::move(why);
      ++fatal_calls;
    });
    session->set_video_destination(video.endpoint());
  }

  // Waits until the encoder saw `count` frames (or 20 s).
  std::vector<Seen> wait_seen(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      {
        std::lock_guard lock(script->mutex);
        if (script->seen.size() >= count || std::chrono::steady_clock::now() > deadline) return script->seen;
      }
      std::this_thread::sleep_for(5ms);
    }
  }
};

}  // namespace

TEST_CASE("MediaSession converts RGB captures to NV12 in the negotiated colour space and range", "[capture_session]") {
  // encoderCscMode (video.md §10.1): bit 0 full range, bits 1.. the matrix (0 BT.601, 1 BT.709).
  // Red (R=255): BT.709 limited Y 63, Cb 102, Cr 240; BT.601 limited 81, 90, 240;
  // BT.709 full Y 54 (0.2126·255), Cb 99, Cr 255 (clamped). Hand-worked from the formulas (docs/capture-kms.md "Colour").
  struct Case {
    int csc;
    int y, cb, cr;
  };
  for (const Case c : {Case{2, 63, 102, 240}, Case{0, 81, 90, 240}, Case{3, 54, 99, 255}}) {
    Run run;
    run.script->screens = {{64, 64, 0xff0000, -1}};
    run.start(c.csc);
    const auto seen = run.wait_seen(3);
    run.session->stop();
    INFO("csc mode " << c.csc << "\n" << run.log_text.str());
    REQUIRE(seen.size() >= 3);
    CHECK(run.fatal_calls == 0);
    for (const auto& s : seen) {
      REQUIRE(s.format == PixelFormat::nv12);
      CHECK((s.width_px == 64 && s.height_px == 64));
      CHECK(s.y[0] == c.y);
      CHECK(s.y[64 * 64 - 1] == c.y);
      CHECK(s.uv[0] == c.cb);
      CHECK(s.uv[1] == c.cr);
    }
  }
}

TEST_CASE("MediaSession letterboxes a screen of another size into the stream's size", "[capture_session]") {
  Run run;
  // A 32x64 screen (1:2) in a 64x64 stream: fit 32x64 at x = 16, black (Y 16) bars either side.
  run.script->screens = {{32, 64, 0xffffff, -1}};
  run.start(2);
  const auto seen = run.wait_seen(2);
  run.session->stop();
  INFO(run.log_text.str());
  REQUIRE(seen.size() >= 2);
  const auto& s = seen.back();
  REQUIRE(s.format == PixelFormat::nv12);
  CHECK((s.width_px == 64 && s.height_px == 64));
  for (std::uint32_t y : {0U, 31U, 63U}) {
    CHECK(s.y[y * 64 + 0] == 16);
    CHECK(s.y[y * 64 + 15] == 16);
    CHECK(s.y[y * 64 + 16] == 235);
    CHECK(s.y[y * 64 + 47] == 235);
    CHECK(s.y[y * 64 + 48] == 16);
    CHECK(s.y[y * 64 + 63] == 16);
  }
  CHECK(run.log_text.str().find("the screen is 32x64, the stream 64x64: scaled to 32x64 at (16, 0)") != std::string::npos);
}

TEST_CASE("MediaSession rebuilds a source that asks for it, through failing rebuilds, and keeps streaming", "[capture_session]") {
  Run run;
  // Source 1: 64x64 red, reinit after 3 frames; the next two rebuilds fail (screen off), then
  // source 2: 32x32 green (a mode change), scaled up to the stream's 64x64.
  run.script->screens = {{64, 64, 0xff0000, 3}, {32, 32, 0x00ff00, -1}};
  run.script->failing_rebuilds = 2;
  run.start(2);
  std::vector<Seen> seen;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    seen = run.wait_seen(seen.size() + 1);
    if ((!seen.empty() && seen.back().y.size() == 64 * 64 && seen.back().y[0] == 173 && seen.size() >= 6) ||
        std::chrono::steady_clock::now() > deadline) {
      break;
    }
  }
  run.session->stop();
  INFO(run.log_text.str());
  CHECK(run.fatal_calls == 0);
  CHECK(run.script->rebuild_attempts == 3);
  REQUIRE(seen.size() >= 4);
  CHECK(seen[0].y[0] == 63);  // red, BT.709 limited
  CHECK(seen[0].idr);
  // The first frame of the rebuilt source is an IDR, green (BT.709 limited Y 173), 64x64.
  std::size_t first_green = 0;
  while (first_green < seen.size() && seen[first_green].y[0] != 173) ++first_green;
  REQUIRE(first_green < seen.size());
  CHECK(first_green == 3);
  CHECK(seen[first_green].idr);
  CHECK((seen[first_green].width_px == 64 && seen[first_green].height_px == 64));
  const std::string log = run.log_text.str();
  CHECK(log.find("capture source not rebuilt yet (retrying): KMS capture: card0 has no lit CRTC (fake)") != std::string::npos);
  CHECK(log.find("capture source rgb-fake rebuilt") != std::string::npos);
}
