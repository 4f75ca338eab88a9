// Deterministic test-pattern frame source (issue 4): moving content plus the frame number
// drawn so a test can read it back after lossy encoding and decoding.
//
// Picture of frame n (a pure function of n, width and height; I420, BT.709 limited range):
//  - background: a diagonal luma gradient (a triangle wave along x + y, period 512 px) that
//    scrolls by 4 px per frame, plus a fine grain of ±4 luma levels that changes every frame
//    (motion alone is almost free to code; the grain is what makes a CBR encoder spend its
//    bits, as real content would); chroma gradients (U along x, V along y);
//  - a bright square (luma 235, warm chroma) moving left→right, one period per 120 frames,
//    vertically centred (below the number row);
//  - the frame number as 32 bits, most significant first, in one row of 32 cells at the top
//    left: each cell 16×16 px, luma 235 for a 1, 16 for a 0, chroma neutral. 16×16 cells
//    aligned to macroblocks survive any sane encode at our bitrates.
// Any even size from 16×16 to 8192×8192 is drawn; the number row needs width ≥ 512 (32 cells)
// and height ≥ 64 and is left out of smaller pictures (a client may ask for 640×360 or less).
// The grain makes the reference and a perfect decode differ by at most ~40 dB when an
// encoder drops it entirely, so PSNR thresholds around 35 dB are meaningful.
//
// Thread: a source is used by one thread; the free functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lightwell/capture/frame_source.hpp"

namespace lightwell::capture {

inline constexpr std::uint32_t kTestPatternCellPx = 16;
inline constexpr std::uint32_t kTestPatternMinWidthPx = 32 * kTestPatternCellPx;
inline constexpr std::uint32_t kTestPatternMinHeightPx = 64;

// An I420 picture owned by value (for references in tests and benchmarks).
struct I420Image {
  std::uint32_t width_px = 0;
  std::uint32_t height_px = 0;
  std::vector<std::uint8_t> y, u, v;  // tightly packed: strides width, width/2, width/2
};

// Renders frame `frame_number` (pure). Throws std::invalid_argument for a size that is odd,
// below 16 or above 8192 on either side.
I420Image render_test_pattern(std::uint32_t frame_number, std::uint32_t width_px, std::uint32_t height_px);

// Reads the frame number back from a decoded luma plane (threshold at mid-grey per cell,
// sampling the 8×8 centre of each cell). nullopt if the picture is too small.
std::optional<std::uint32_t> read_test_pattern_number(const std::uint8_t* luma, std::size_t stride_bytes,
                                                      std::uint32_t width_px, std::uint32_t height_px);

// PSNR in dB of a decoded I420 picture (Y, U, V weighted 4:1:1 by sample count) against the
// reference; 100 for identical pictures (and capped at 100). The planes must be at least the
// reference's size (Y w×h, U and V w/2×h/2) with the given strides in bytes.
double psnr_i420_db(const I420Image& reference, const std::uint8_t* const planes[3], const std::size_t strides[3]);

// Frame source: capture() renders the next frame (numbers 1, 2, 3 …) into an internal buffer
// and never blocks; pacing is the caller's job. The frame is i420 with tight strides (w, w/2,
// w/2), sequence = the frame number, captured_at = steady_clock::now() after drawing; its
// buffers are allocated once, here, never per frame. Throws std::invalid_argument for a size
// render_test_pattern rejects.
std::unique_ptr<FrameSource> make_test_pattern_source(std::uint32_t width_px, std::uint32_t height_px);

}  // namespace lightwell::capture
