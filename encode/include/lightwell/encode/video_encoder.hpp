// The video-encoder interface every backend implements (docs/architecture.md): software x264
// now (issue 4); x265, SVT-AV1 and oneVPL/Quick Sync in issue 5, chosen by probing.
//
// Ownership: encode() LENDS the bitstream (a span into encoder-owned memory) until the next
// encode() call or destruction (design.md "A frame's way" step 3). The frame passed in is
// borrowed for the call only.
// Thread: one thread at a time (the session's video thread).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lightwell/capture/frame_source.hpp"

namespace lightwell::encode {

enum class Codec : std::uint8_t { h264, hevc, av1 };
// Colour description written into the VUI / sequence header (video.md §10.2; the client's
// x-nv-video[0].encoderCscMode): matrix/primaries/transfer of the space, and the range flag.
enum class ColorSpace : std::uint8_t { rec601, rec709, rec2020 };

struct EncoderConfig {
  Codec codec = Codec::h264;
  std::uint32_t width_px = 1280;
  std::uint32_t height_px = 720;
  std::uint32_t frame_rate_x100 = 6000;  // 5994 for NTSC-style rates
  std::uint32_t bitrate_kbps = 10000;    // CBR target; VBV = one frame at this rate
  std::uint32_t slices_per_frame = 1;    // x-nv-video[0].videoEncoderSlicesPerFrame (≥ 1)
  std::uint32_t max_reference_frames = 1;  // 0 = encoder's choice (client supports any count)
  ColorSpace color_space = ColorSpace::rec709;
  bool full_range = false;
  bool ten_bit = false;        // only where the backend reports it
  std::uint32_t threads = 0;   // 0 = backend default
};

struct EncodedFrame {
  std::span<const std::uint8_t> bitstream;  // lent (see above); Annex B for H.264/HEVC
  bool idr = false;  // starts with the parameter sets (video.md §10.2)
  // The source frame this came from (same frame in, same frame out: no B-frames, no lookahead).
  std::uint64_t source_sequence = 0;
};

// ok: `frame` holds an access unit (possibly of an EARLIER source frame: check
// frame.source_sequence). pending: the frame was accepted but the library has not emitted
// anything yet (SVT-AV1 1.4 emits a frame's temporal unit only once the next picture has
// entered, docs/video-encoding.md); nothing to send this time, a later call returns it.
// error: see `error`. x264 and x265 never return pending.
enum class EncodeStatus : std::uint8_t { ok, error, pending };

struct EncodeResult {
  EncodeStatus status = EncodeStatus::ok;
  EncodedFrame frame;
  std::string error;  // set when status == error (not on the per-frame happy path)
};

class VideoEncoder {
 public:
  virtual ~VideoEncoder() = default;
  // Encodes one frame, synchronously: one frame in, at most one access unit out, in input
  // order (x264, x265: always the same frame; SVT-AV1: the previous one, see EncodeStatus).
  // force_idr makes this frame an IDR (the first frame always is). The frame's size must
  // match the config.
  virtual EncodeResult encode(const capture::Frame& frame, bool force_idr) = 0;
  // True if invalidate_references() can avoid an IDR (RFI, video.md §8). x264: false.
  virtual bool can_invalidate_references() const noexcept = 0;
  // Asks the encoder to stop referencing frames first..last (source sequence numbers). Returns
  // false when it cannot; the caller then forces an IDR instead.
  virtual bool invalidate_references(std::uint64_t first_sequence, std::uint64_t last_sequence) = 0;
  // New CBR target (client bitrate changes); false if the backend cannot change it live.
  virtual bool set_bitrate_kbps(std::uint32_t bitrate_kbps) = 0;
  virtual std::string_view name() const noexcept = 0;  // "x264"
};

// libx264 (software H.264): zerolatency tuning, no B-frames, infinite GOP (IDR on request),
// SPS/PPS repeated in every IDR, no AUD/SEI between the parameter sets and the first slice,
// VUI colour description + bitstream restriction per video.md §10.2, CBR with a one-frame VBV,
// config.slices_per_frame slices (exactly, unless config.threads asks for more threads than
// slices: x264's zero-delay sliced threading writes one slice per thread). Accepts i420 frames
// (nv12 too); any other format, a size other than the config's or a missing plane is an
// EncodeStatus::error naming the problem. Throws std::invalid_argument naming the field for a
// configuration it cannot honour (codec other than h264, odd size or outside 16..8192, zero
// rate or bitrate, slices outside 1..macroblock rows, more than 16 reference frames, ten_bit),
// std::runtime_error with x264's own message if x264 refuses to open. Details and the reasons
// for every setting: docs/video-encoding.md.
std::unique_ptr<VideoEncoder> make_x264_encoder(const EncoderConfig& config);

// The x264 speed preset make_x264_encoder uses (chosen by measurement, docs/video-encoding.md).
inline constexpr std::string_view kX264DefaultPreset = "ultrafast";
// Same, with another x264 preset ("ultrafast" … "placebo"; for benchmarks and a future
// configuration knob). Every other setting above is kept. Throws std::invalid_argument for a
// preset name x264 does not know.
std::unique_ptr<VideoEncoder> make_x264_encoder(const EncoderConfig& config, std::string_view preset);

// libx265 (software HEVC Main, Main10 when ten_bit and this libx265 has the 10-bit build):
// zerolatency tuning (no lookahead, no B-frames, one frame thread), infinite GOP with IDR on
// request, VPS/SPS/PPS in front of every IDR, no AUD/SEI, VUI colour description per config,
// CBR with a one-frame VBV, exactly config.slices_per_frame slices (at most one per CTU row).
// Accepts i420 and nv12 frames; same error rules as make_x264_encoder (codec other than hevc,
// odd size or outside 16..8192, zero rate/bitrate, slices above the CTU rows, more than 16
// references, ten_bit without x265_has_main10()). One access unit out per frame in.
std::unique_ptr<VideoEncoder> make_x265_encoder(const EncoderConfig& config);
inline constexpr std::string_view kX265DefaultPreset = "ultrafast";
std::unique_ptr<VideoEncoder> make_x265_encoder(const EncoderConfig& config, std::string_view preset);
// True when libx265's Main10 build is present (x265_api_get(10) != nullptr).
bool x265_has_main10() noexcept;

// SVT-AV1 1.4 (software AV1 Main, 8-bit; ten_bit is refused): low-delay
// prediction structure, no lookahead / temporal filter / scene change, key frames only at the
// start and on request (sequence header OBU in every key frame's temporal unit), CBR with
// the smallest buffer SVT allows (21 ms), colour description per config, tile rows for
// slices. Sizes from 64 px. A key frame on request restarts the library instance (SVT-AV1 1.4
// forces key frames only in random-access CRF/CQP mode). SVT-AV1 1.4 holds each frame until the next one arrives: encode()
// answers EncodeStatus::pending for the first frame and then returns the PREVIOUS frame's
// temporal unit (source_sequence says which). No live bitrate change (returns false).
std::unique_ptr<VideoEncoder> make_svtav1_encoder(const EncoderConfig& config);
inline constexpr int kSvtAv1DefaultPreset = 12;  // 0 (slowest) .. 13 (fastest); measured
std::unique_ptr<VideoEncoder> make_svtav1_encoder(const EncoderConfig& config, int preset);
std::string svtav1_version();  // svt_av1_get_version(), e.g. "v1.4.1"

}  // namespace lightwell::encode
