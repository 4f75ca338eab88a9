// The frame-source interface every capture backend implements (docs/architecture.md "A frame's
// way"): KMS (issue 5) and the deterministic test pattern (test_pattern.hpp). The video thread
// of a session owns one FrameSource and calls capture() once per frame deadline.
//
// Ownership: a Frame is LENT by the source: its plane pointers stay valid until the next
// capture() call or the source's destruction, whichever comes first ("newest frame wins").
// Thread: one thread at a time (the session's video thread); sources are not thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lightwell::capture {

// Pixel layouts a source can hand out. The software encoders take i420 directly; KMS frames
// (bgrx8888 / dma-buf) go through a converter first (issue 5).
enum class PixelFormat : std::uint8_t {
  i420,      // 3 planes: Y (w×h), U (w/2×h/2), V (w/2×h/2); BT.601/709 limited range as tagged
  nv12,      // 2 planes: Y, interleaved UV (w/2×h/2 pairs)
  bgrx8888,  // 1 plane, 4 bytes per pixel, little-endian XRGB as DRM_FORMAT_XRGB8888
};

struct FramePlane {
  const std::uint8_t* data = nullptr;  // lent, see above
  std::size_t stride_bytes = 0;
};

struct Frame {
  std::uint32_t width_px = 0;   // even
  std::uint32_t height_px = 0;  // even
  PixelFormat format = PixelFormat::i420;
  std::array<FramePlane, 3> planes{};
  std::size_t plane_count = 0;
  // When the pixels were captured (steady clock): the start of the host processing latency
  // written into the video frame header (video.md §4.1).
  std::chrono::steady_clock::time_point captured_at{};
  // The source's own frame counter (the test pattern draws it into the picture).
  std::uint64_t sequence = 0;
};

// Recoverable outcomes are values (design.md "Errors"): reinit → the caller rebuilds the
// source; error → the session ends with a termination code.
enum class CaptureStatus : std::uint8_t { ok, timeout, reinit, error };

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Fills `out` with the newest frame. May block up to `timeout` waiting for one.
  virtual CaptureStatus capture(Frame& out, std::chrono::milliseconds timeout) = 0;
  virtual std::string_view name() const noexcept = 0;  // "test-pattern", "kms:card0/HDMI-A-1"
};

}  // namespace lightwell::capture
