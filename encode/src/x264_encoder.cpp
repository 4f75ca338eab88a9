// libx264 behind the VideoEncoder interface (video_encoder.hpp). Every setting and why is in
// docs/video-encoding.md; the protocol reasons are video.md §8 and §10.2.
#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "lightwell/encode/video_encoder.hpp"

extern "C" {
#include <x264.h>
}

namespace lightwell::encode {
namespace {

constexpr std::uint32_t kMaxSidePx = 8192;
constexpr std::uint32_t kMaxBitrateKbps = 1'000'000;
constexpr std::uint32_t kMaxFrameRateX100 = 100'000;  // 1000 fps
constexpr std::uint32_t kMaxReferenceFrames = 16;     // H.264's DPB limit
constexpr std::size_t kMaxLogBytes = 4096;

[[noreturn]] void bad_config(const std::string& what) {
  throw std::invalid_argument("x264 encoder configuration: " + what);
}

const char* codec_name(Codec c) {
  switch (c) {
    case Codec::h264: return "h264";
    case Codec::hevc: return "hevc";
    case Codec::av1: return "av1";
  }
  return "unknown";
}

const char* format_name(capture::PixelFormat f) {
  switch (f) {
    case capture::PixelFormat::i420: return "i420";
    case capture::PixelFormat::nv12: return "nv12";
    case capture::PixelFormat::bgrx8888: return "bgrx8888";
  }
  return "unknown";
}

// H.264 VUI colour codes (ITU-T H.264 Table E-3..E-5), per the negotiated colour space
// (video.md §10.1 encoderCscMode, §10.2 VUI).
struct VuiColour {
  int primaries, transfer, matrix;
};
VuiColour vui_colour(ColorSpace cs) {
  switch (cs) {
    case ColorSpace::rec601: return {6, 6, 6};    // SMPTE 170M
    case ColorSpace::rec709: return {1, 1, 1};    // BT.709
    case ColorSpace::rec2020: return {9, 14, 9};  // BT.2020, 10-bit transfer, non-constant luminance
  }
  return {2, 2, 2};
}

void validate(const EncoderConfig& c) {
  if (c.codec != Codec::h264) bad_config(std::string("x264 encodes H.264 only, not ") + codec_name(c.codec));
  const auto side_ok = [](std::uint32_t v) { return v >= 16 && v <= kMaxSidePx && v % 2 == 0; };
  if (!side_ok(c.width_px) || !side_ok(c.height_px)) {
    bad_config("size " + std::to_string(c.width_px) + "x" + std::to_string(c.height_px) +
               " is not even within 16..8192 px");
  }
  if (c.frame_rate_x100 == 0 || c.frame_rate_x100 > kMaxFrameRateX100) {
    bad_config("frame_rate_x100 " + std::to_string(c.frame_rate_x100) + " is outside 1..100000");
  }
  if (c.bitrate_kbps == 0 || c.bitrate_kbps > kMaxBitrateKbps) {
    bad_config("bitrate_kbps " + std::to_string(c.bitrate_kbps) + " is outside 1..1000000");
  }
  const std::uint32_t mb_rows = (c.height_px + 15) / 16;
  if (c.slices_per_frame == 0 || c.slices_per_frame > mb_rows) {
    bad_config("slices_per_frame " + std::to_string(c.slices_per_frame) + " is outside 1.." +
               std::to_string(mb_rows) + " (one slice holds at least one macroblock row)");
  }
  if (c.max_reference_frames > kMaxReferenceFrames) {
    bad_config("max_reference_frames " + std::to_string(c.max_reference_frames) + " is above 16");
  }
  // 10-bit is only a GameStream mode for HEVC Main10 and AV1 (video.md §10.1).
  if (c.ten_bit) bad_config("10-bit H.264 is not a GameStream mode (only HEVC Main10 / AV1 are)");
  if (c.threads > 64) bad_config("threads " + std::to_string(c.threads) + " is above 64");
}

// VBV buffer of one frame at the target rate (kbit), so no frame may exceed about one frame
// interval of link time: the CBR shape video.md §5.7 paces within a frame interval.
int vbv_buffer_kbit(std::uint32_t bitrate_kbps, std::uint32_t frame_rate_x100) {
  const std::uint64_t kbit = (std::uint64_t{bitrate_kbps} * 100 + frame_rate_x100 - 1) / frame_rate_x100;
  return static_cast<int>(std::max<std::uint64_t>(1, kbit));
}

class X264Encoder final : public VideoEncoder {
 public:
  X264Encoder(const EncoderConfig& config, std::string_view preset) : config_(config) {
    validate(config);
    const std::string preset_name(preset);
    bool known = false;  // by name only (x264 also takes "0".."9")
    for (const char* const* n = x264_preset_names; *n != nullptr; ++n) known = known || preset_name == *n;
    x264_param_t p;
    if (!known || x264_param_default_preset(&p, preset_name.c_str(), "zerolatency") < 0) {
      bad_config("x264 has no preset \"" + preset_name + "\"");
    }
    p.pf_log = &X264Encoder::log_callback;
    p.p_log_private = this;
    p.i_log_level = X264_LOG_WARNING;

    p.i_width = static_cast<int>(config.width_px);
    p.i_height = static_cast<int>(config.height_px);
    p.i_csp = X264_CSP_I420;
    p.i_bitdepth = 8;
    const std::uint32_t g = std::gcd(config.frame_rate_x100, 100u);
    p.i_fps_num = config.frame_rate_x100 / g;
    p.i_fps_den = 100 / g;
    p.i_timebase_num = p.i_fps_den;
    p.i_timebase_den = p.i_fps_num;
    p.b_vfr_input = 0;  // constant frame rate: rate control by frame count, fixed_frame_rate VUI

    // GOP: IDR at the start and on request only (video.md §8); no scene-cut I frames, no
    // B-frames (decode order = output order, §10.2), closed GOP, no intra refresh.
    p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
    p.i_scenecut_threshold = 0;
    p.i_bframe = 0;
    p.b_open_gop = 0;
    p.b_intra_refresh = 0;
    p.i_frame_reference = static_cast<int>(std::max<std::uint32_t>(1, config.max_reference_frames));

    // Bitstream shape the client parses (video.md §10.2): Annex B, SPS/PPS before every IDR,
    // no AUD. (The version SEI x264 puts into its first IDR is dropped in encode().)
    p.b_annexb = 1;
    p.b_repeat_headers = 1;
    p.b_aud = 0;
    p.i_nal_hrd = X264_NAL_HRD_NONE;
    p.b_pic_struct = 0;

    // VUI (video.md §10.2): video_format 5 (unspecified), range and colour description of the
    // negotiated space. x264 writes the bitstream restriction itself: with no B-frames it
    // carries max_num_reorder_frames = 0 and max_dec_frame_buffering = num_ref_frames.
    const VuiColour colour = vui_colour(config.color_space);
    p.vui.i_vidformat = 5;
    p.vui.b_fullrange = config.full_range ? 1 : 0;
    p.vui.i_colorprim = colour.primaries;
    p.vui.i_transfer = colour.transfer;
    p.vui.i_colmatrix = colour.matrix;

    // CBR: average = peak = target, VBV of one frame.
    p.rc.i_rc_method = X264_RC_ABR;
    p.rc.i_bitrate = static_cast<int>(config.bitrate_kbps);
    p.rc.i_vbv_max_bitrate = static_cast<int>(config.bitrate_kbps);
    p.rc.i_vbv_buffer_size = vbv_buffer_kbit(config.bitrate_kbps, config.frame_rate_x100);
    p.rc.b_filler = 0;

    configure_slices(p);

    encoder_ = x264_encoder_open(&p);
    if (encoder_ == nullptr) {
      throw std::runtime_error("x264 refused the configuration (" + describe() + ")" + logged());
    }
    x264_encoder_parameters(encoder_, &param_);
  }

  ~X264Encoder() override {
    if (encoder_ != nullptr) x264_encoder_close(encoder_);
  }
  X264Encoder(const X264Encoder&) = delete;
  X264Encoder& operator=(const X264Encoder&) = delete;

  EncodeResult encode(const capture::Frame& frame, bool force_idr) override {
    EncodeResult result;
    if (std::string problem = check_frame(frame); !problem.empty()) return error(std::move(problem));

    x264_picture_t in;
    x264_picture_init(&in);
    if (frame.format == capture::PixelFormat::i420) {
      in.img.i_csp = X264_CSP_I420;
      in.img.i_plane = 3;
    } else {
      in.img.i_csp = X264_CSP_NV12;
      in.img.i_plane = 2;
    }
    for (int i = 0; i < in.img.i_plane; ++i) {
      // x264 only reads the input picture (it copies it into its own frame).
      in.img.plane[i] = const_cast<std::uint8_t*>(frame.planes[static_cast<std::size_t>(i)].data);
      in.img.i_stride[i] = static_cast<int>(frame.planes[static_cast<std::size_t>(i)].stride_bytes);
    }
    in.i_pts = next_pts_++;
    in.i_type = force_idr ? X264_TYPE_IDR : X264_TYPE_AUTO;

    x264_nal_t* nals = nullptr;
    int nal_count = 0;
    x264_picture_t out;
    const int size = x264_encoder_encode(encoder_, &nals, &nal_count, &in, &out);
    if (size < 0) return error("x264_encoder_encode failed" + logged());
    // zerolatency: no lookahead, no B-frames, sliced (not frame) threads → one access unit
    // out for every frame in. Anything else breaks "same frame in, same frame out".
    if (size == 0 || nal_count <= 0) {
      return error("x264 returned no access unit for frame " + std::to_string(frame.sequence) +
                   " (the encoder is configured for zero delay)");
    }
    result.frame.bitstream = collect(nals, nal_count, static_cast<std::size_t>(size));
    result.frame.idr = out.b_keyframe != 0;
    result.frame.source_sequence = frame.sequence;
    return result;
  }

  bool can_invalidate_references() const noexcept override { return false; }

  // x264 has no API to drop references; the session answers RFI with an IDR (video.md §8).
  bool invalidate_references(std::uint64_t, std::uint64_t) override { return false; }

  bool set_bitrate_kbps(std::uint32_t bitrate_kbps) override {
    if (bitrate_kbps == 0 || bitrate_kbps > kMaxBitrateKbps) return false;
    x264_param_t p = param_;
    p.rc.i_bitrate = static_cast<int>(bitrate_kbps);
    p.rc.i_vbv_max_bitrate = static_cast<int>(bitrate_kbps);
    p.rc.i_vbv_buffer_size = vbv_buffer_kbit(bitrate_kbps, config_.frame_rate_x100);
    if (x264_encoder_reconfig(encoder_, &p) < 0) return false;
    x264_encoder_parameters(encoder_, &param_);
    config_.bitrate_kbps = bitrate_kbps;
    return true;
  }

  std::string_view name() const noexcept override { return "x264"; }

 private:
  // Slices (video.md §10.2: exactly videoEncoderSlicesPerFrame, some decoders need it). x264's
  // sliced threading — the only threading that adds no frame of delay — makes one slice per
  // thread (encoder.c: slice count = threads) and caps threads at one per 4 macroblock rows.
  // So: threads = max(config.threads, slices), default = slices (the exact count asked); when
  // the slice count exceeds the thread cap, one thread writes all slices.
  void configure_slices(x264_param_t& p) const {
    const std::uint32_t slices = config_.slices_per_frame;
    const std::uint32_t max_threads = std::max<std::uint32_t>(1, (config_.height_px + 15) / 16 / 4);
    std::uint32_t threads = std::max(config_.threads, slices);
    if (slices > max_threads) threads = 1;
    threads = std::min(threads, max_threads);
    p.i_threads = static_cast<int>(threads);
    p.b_sliced_threads = threads > 1 ? 1 : 0;
    p.i_slice_count = static_cast<int>(slices);
    p.i_lookahead_threads = 1;
  }

  std::string check_frame(const capture::Frame& f) const {
    if (f.format != capture::PixelFormat::i420 && f.format != capture::PixelFormat::nv12) {
      return std::string("x264 takes i420 or nv12 frames, not ") + format_name(f.format);
    }
    if (f.width_px != config_.width_px || f.height_px != config_.height_px) {
      return "frame is " + std::to_string(f.width_px) + "x" + std::to_string(f.height_px) + ", the encoder was set up for " +
             std::to_string(config_.width_px) + "x" + std::to_string(config_.height_px);
    }
    const bool i420 = f.format == capture::PixelFormat::i420;
    const std::size_t planes = i420 ? 3 : 2;
    if (f.plane_count < planes) return std::string(format_name(f.format)) + " frame with too few planes";
    for (std::size_t i = 0; i < planes; ++i) {
      const std::size_t row = i == 0 || !i420 ? f.width_px : f.width_px / 2;
      if (f.planes[i].data == nullptr || f.planes[i].stride_bytes < row || f.planes[i].stride_bytes > (1u << 30)) {
        return "plane " + std::to_string(i) + " has no data or a stride shorter than its row";
      }
    }
    return {};
  }

  // The access unit: x264 writes the NAL units back to back in one buffer; lend that as is
  // unless it holds an SEI (the version SEI in the first IDR sits between the PPS and the
  // first slice, where video.md §10.2 wants nothing), then copy the other NAL units out.
  std::span<const std::uint8_t> collect(const x264_nal_t* nals, int count, std::size_t size) {
    bool contiguous = true, has_sei = false;
    for (int i = 0; i < count; ++i) {
      if (nals[i].i_type == NAL_SEI) has_sei = true;
      if (i > 0 && nals[i].p_payload != nals[i - 1].p_payload + nals[i - 1].i_payload) contiguous = false;
    }
    if (contiguous && !has_sei) return {nals[0].p_payload, size};
    filtered_.clear();
    for (int i = 0; i < count; ++i) {
      if (nals[i].i_type == NAL_SEI) continue;
      filtered_.insert(filtered_.end(), nals[i].p_payload, nals[i].p_payload + nals[i].i_payload);
    }
    return {filtered_.data(), filtered_.size()};
  }

  EncodeResult error(std::string message) const {
    EncodeResult r;
    r.status = EncodeStatus::error;
    r.error = std::move(message);
    return r;
  }

  std::string describe() const {
    return std::to_string(config_.width_px) + "x" + std::to_string(config_.height_px) + " @ " +
           std::to_string(config_.frame_rate_x100) + "/100 fps, " + std::to_string(config_.bitrate_kbps) + " kbps, " +
           std::to_string(config_.slices_per_frame) + " slice(s)";
  }

  std::string logged() const {
    std::lock_guard lock(log_mutex_);
    return log_.empty() ? std::string() : ": " + log_;
  }

  // x264 reports why it refuses something through its log; keep the text for our errors
  // instead of printing to stderr. Sliced threads may log too, hence the mutex.
  static void log_callback(void* self, int level, const char* format, va_list args) {
    if (level > X264_LOG_WARNING) return;
    auto* enc = static_cast<X264Encoder*>(self);
    char line[512];
    std::vsnprintf(line, sizeof line, format, args);
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::lock_guard lock(enc->log_mutex_);
    if (enc->log_.size() + text.size() + 2 > kMaxLogBytes) return;
    if (!enc->log_.empty()) enc->log_ += "; ";
    enc->log_ += text;
  }

  EncoderConfig config_;
  x264_t* encoder_ = nullptr;
  x264_param_t param_{};
  std::int64_t next_pts_ = 0;
  std::vector<std::uint8_t> filtered_;  // only for access units that held an SEI
  mutable std::mutex log_mutex_;
  std::string log_;
};

}  // namespace

std::unique_ptr<VideoEncoder> make_x264_encoder(const EncoderConfig& config) {
  return std::make_unique<X264Encoder>(config, kX264DefaultPreset);
}

std::unique_ptr<VideoEncoder> make_x264_encoder(const EncoderConfig& config, std::string_view preset) {
  return std::make_unique<X264Encoder>(config, preset);
}

}  // namespace lightwell::encode
