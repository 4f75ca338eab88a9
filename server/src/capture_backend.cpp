// [video] capture: choosing the frame source at start-up (capture_backend.hpp).
#include "lightwell/server/capture_backend.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/server/privileges.hpp"

namespace lightwell::server {

capture::KmsOptions kms_options(const VideoOptions& video, bool raise_sys_admin) {
  capture::KmsOptions o;
  o.card = video.card;
  o.connector = video.connector;
  if (raise_sys_admin) {
    // Effective only for the few ioctls between raise and lower, on the thread that captures
    // (capabilities are per thread: capset(2)). A failing raise is not an error here: GetFB2
    // then returns no handle and the source says what is missing.
    o.privileged = [](bool raise) { (void)set_effective(cap_bit(kCapSysAdmin), raise); };
  }
  return o;
}

CaptureChoice choose_capture(const VideoOptions& video, const capture::KmsOptions& kms) {
  CaptureChoice c;
  c.kms = kms;
  if (video.capture == CaptureKind::test_pattern) {
    c.kind = CaptureKind::test_pattern;
    c.message = "capture: the test pattern ([video] capture = \"test-pattern\")";
    return c;
  }
  std::string why;
  auto opened = capture::open_kms_source(kms);
  if (opened.source) {
    capture::Frame frame;
    const auto status = opened.source->capture(frame, std::chrono::milliseconds(100));
    if (status == capture::CaptureStatus::ok) {
      c.kind = CaptureKind::kms;
      c.message = fmt::format("capture: KMS, {} at {}x{}", opened.source->name(), frame.width_px, frame.height_px);
      return c;
    }
    why = fmt::format("{} cannot be read: {}", opened.source->name(), opened.source->last_error());
  } else {
    why = opened.error;
  }
  if (video.capture == CaptureKind::kms) {
    c.kind = CaptureKind::kms;
    c.warning = true;
    c.message = fmt::format("capture: KMS ([video] capture = \"kms\"), but not now: {}. Each stream start tries again.", why);
    return c;
  }
  c.kind = CaptureKind::test_pattern;
  c.message = fmt::format("capture: streaming the test pattern, because there is no screen to capture: {}", why);
  return c;
}

FrameSourceFactory frame_source_factory(const CaptureChoice& choice) {
  if (choice.kind != CaptureKind::kms) {
    return [](std::uint32_t w, std::uint32_t h) { return capture::make_test_pattern_source(w, h); };
  }
  return [options = choice.kms](std::uint32_t, std::uint32_t) -> std::unique_ptr<capture::FrameSource> {
    auto opened = capture::open_kms_source(options);
    if (!opened.source) throw std::runtime_error("KMS capture: " + opened.error);
    return std::move(opened.source);
  };
}

}  // namespace lightwell::server
