// Software colour conversion of captured frames (issue 5): XRGB8888 → NV12 in the colour space
// the client negotiated (x-nv-video[0].encoderCscMode, video.md §10.1): matrix BT.601, BT.709
// or BT.2020 (non-constant luminance), limited (Y 16–235, C 16–240) or full (0–255) range.
//
// A small pure component: no threads, no allocation, no global mutable state. The caller owns
// every buffer; the source is only read and the destination only written, both for the call.
// Thread: any; calls on disjoint destinations may run concurrently.
//
// Arithmetic (docs/capture-kms.md "Colour"): fixed-point with 15 fractional bits, coefficients
// derived from Kr/Kb (ITU-R BT.601-7 §2.5, BT.709-6 item 3.2, BT.2020-2 table 4), chroma is
// the 2×2 box average of R'G'B' converted once (centre siting, see below), rounded half up,
// clamped to 0–255. Every path gives bit-identical output (the tests check it).
//
// Chroma siting: the 2×2 average puts each chroma sample at the centre of its four luma
// samples (H.264 chroma_sample_loc_type 1). H.264's default (type 0, MPEG-2 "left") is
// half a luma sample to the left; the difference is invisible at streaming bitrates and
// is noted as a possible refinement.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lightwell/encode/video_encoder.hpp"

namespace lightwell::encode {

// DRM_FORMAT_XRGB8888 / ARGB8888 (little-endian: bytes B, G, R, X in memory); X/A is ignored.
struct XrgbView {
  const std::uint8_t* data = nullptr;
  std::size_t pitch_bytes = 0;  // ≥ 4 × width_px
  std::uint32_t width_px = 0;   // ≥ 1, odd allowed
  std::uint32_t height_px = 0;  // ≥ 1, odd allowed
};

// NV12 destination: a Y plane (width × height bytes) and an interleaved CbCr plane of
// ceil(width/2) pairs × ceil(height/2) rows. Odd sizes: the last column/row is paired with
// itself for chroma.
struct Nv12View {
  std::uint8_t* y = nullptr;
  std::size_t y_pitch_bytes = 0;   // ≥ width_px
  std::uint8_t* uv = nullptr;
  std::size_t uv_pitch_bytes = 0;  // ≥ 2 × ceil(width_px / 2)
};

struct YuvFormat {
  ColorSpace matrix = ColorSpace::rec709;
  bool full_range = false;
};

enum class ConvertPath : std::uint8_t {
  scalar,  // the reference, portable
  avx2,    // x86-64 with AVX2 (checked at run time; the build targets baseline x86-64)
  ssse3,   // x86-64 with SSSE3 (checked at run time), for CPUs without AVX2
};

// The fastest path this CPU runs.
ConvertPath best_convert_path();
// False when the CPU cannot run it.
bool convert_path_supported(ConvertPath path);

// Converts the whole picture. Returns false and writes nothing when a pointer is null, a size
// is zero, a pitch is too small for the width, or the path is not supported here.
bool convert_xrgb_to_nv12(const XrgbView& source, const Nv12View& destination, YuvFormat format,
                          ConvertPath path = best_convert_path());

// Converts whole row pairs from first_row (even) on: rows [first_row, first_row + row_count
// rounded up to even), clipped to the picture, so a caller may split one frame into bands converted on several threads:
// bands starting at even rows write disjoint Y rows and disjoint UV rows. Same refusals as
// above, plus an odd first_row.
bool convert_xrgb_to_nv12_rows(const XrgbView& source, const Nv12View& destination, YuvFormat format,
                               std::uint32_t first_row, std::uint32_t row_count,
                               ConvertPath path = best_convert_path());

// Where a picture of src size lands inside a dst-sized frame when scaled to fit with its
// aspect ratio kept (letterbox / pillarbox): the largest rectangle of src's shape that fits,
// centred, with even origin and size (NV12 chroma pairs), at least 2×2.
struct FitRect {
  std::uint32_t x_px = 0, y_px = 0, width_px = 0, height_px = 0;
};
FitRect fit_rect(std::uint32_t src_width_px, std::uint32_t src_height_px, std::uint32_t dst_width_px,
                 std::uint32_t dst_height_px);

// The stream's size differs from the screen's (the client asked for 1920x1080, the screen runs
// 1280x800, or its mode changed mid-stream): scales `source` into fit_rect() of a dst_width_px
// × dst_height_px XRGB picture at `destination` (rows of dst_pitch_bytes), nearest-neighbour
// (each destination pixel takes the source pixel under its centre), and paints the borders
// black. Returns false and writes nothing on a null pointer, a zero size or a short pitch.
bool scale_xrgb_letterbox(const XrgbView& source, std::uint8_t* destination, std::size_t dst_pitch_bytes,
                          std::uint32_t dst_width_px, std::uint32_t dst_height_px);

}  // namespace lightwell::encode
