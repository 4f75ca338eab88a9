// Deterministic test-pattern frame source (issue 4): moving content plus the frame number
// drawn so a test can read it back after lossy encoding and decoding.
//
// Picture of frame n (a pure function of n, width and height; I420, BT.709 limited range):
//  - background: a diagonal luma gradient that scrolls by 4 px per frame, chroma gradients
//    (so the encoder has real motion and texture to code);
//  - a bright square moving left→right, one period per 120 frames;
//  - the frame number as 32 bits, most significant first, in one row of 32 cells at the top
//    left: each cell 16×16 px, luma 235 for a 1, 16 for a 0, chroma neutral. 16×16 cells
//    aligned to macroblocks survive any sane encode at our bitrates.
// Any even size ≥ 16×16 is drawn; the number row needs width ≥ 512 (32 cells) and height ≥ 64
// and is left out of smaller pictures (a client may ask for 640×360 or less).
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

// Renders frame `frame_number` (pure).
I420Image render_test_pattern(std::uint32_t frame_number, std::uint32_t width_px, std::uint32_t height_px);

// Reads the frame number back from a decoded luma plane (threshold at mid-grey per cell,
// sampling the 8×8 centre of each cell). nullopt if the picture is too small.
std::optional<std::uint32_t> read_test_pattern_number(const std::uint8_t* luma, std::size_t stride_bytes,
                                                      std::uint32_t width_px, std::uint32_t height_px);

// PSNR in dB of a decoded I420 picture (Y, U, V weighted 4:1:1 by sample count) against the
// reference; 100 for identical pictures.
double psnr_i420_db(const I420Image& reference, const std::uint8_t* const planes[3], const std::size_t strides[3]);

// Frame source: capture() renders the next frame (numbers 1, 2, 3 …) into an internal buffer
// and never blocks; pacing is the caller's job. Throws std::invalid_argument for an odd or
// zero size, or one above 8192.
std::unique_ptr<FrameSource> make_test_pattern_source(std::uint32_t width_px, std::uint32_t height_px);

}  // namespace lightwell::capture
