// SVT-AV1 (software AV1, Debian libsvtav1enc 1.4) behind the VideoEncoder interface
// (video_encoder.hpp). Every setting and why is in docs/video-encoding.md; the protocol
// reasons are video.md §8 and §10.3.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lightwell/encode/video_encoder.hpp"
#include "software_common.hpp"

extern "C" {
#include <svt-av1/EbSvtAv1Enc.h>
}

namespace lightwell::encode {
namespace {

// SVT-AV1's smallest picture (EbSvtAv1EncConfiguration source_width/height: "Min is 64").
constexpr std::uint32_t kMinSidePx = 64;

[[noreturn]] void bad_config(const std::string& what) {
  throw std::invalid_argument("SVT-AV1 encoder configuration: " + what);
}

std::string svt_error(EbErrorType e) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", static_cast<unsigned>(e));
  return hex;
}

// Tiles: AV1 has no slices; tiles are its independently decodable regions. The client asks
// for videoEncoderSlicesPerFrame; we give the nearest power-of-two tile rows (log2 up to 6,
// at least one 64 px superblock row per tile), which keeps each tile's entropy state
// independent like a slice (video.md §10.3 says nothing of tiles; the client ignores them).
int tile_rows_log2(std::uint32_t slices, std::uint32_t height_px) {
  const std::uint32_t sb_rows = (height_px + 63) / 64;
  int log2 = 0;
  while (log2 < 6 && (1u << (log2 + 1)) <= slices && (1u << (log2 + 1)) <= sb_rows) ++log2;
  return log2;
}

class SvtAv1Encoder final : public VideoEncoder {
 public:
  SvtAv1Encoder(const EncoderConfig& config, int preset) : config_(config), preset_(preset) {
    detail::validate_common(config, Codec::av1, "SVT-AV1", kMinSidePx);
    if (preset < 0 || preset > 13) bad_config("preset " + std::to_string(preset) + " is outside 0..13");
    if (config.max_reference_frames > 7) {
      bad_config("max_reference_frames " + std::to_string(config.max_reference_frames) +
                 " is above 7 (AV1 has 7 reference slots)");
    }
    // SVT-AV1 takes 10-bit input as 16-bit samples only; our frames are 8-bit.
    if (config.ten_bit) bad_config("ten_bit: SVT-AV1 needs 10-bit input samples and frames here are 8-bit");
    open();
  }

  ~SvtAv1Encoder() override { close(); }
  SvtAv1Encoder(const SvtAv1Encoder&) = delete;
  SvtAv1Encoder& operator=(const SvtAv1Encoder&) = delete;

  EncodeResult encode(const capture::Frame& frame, bool force_idr) override {
    if (std::string problem = detail::check_frame(frame, config_, "SVT-AV1", true); !problem.empty()) {
      return detail::encode_error(std::move(problem));
    }
    if (force_idr && !first_) {
      // A key frame on request: a fresh instance (see open()). Frames still inside the old
      // one are dropped: the session asked for a key frame because the client lost frames.
      close();
      try {
        open();
      } catch (const std::exception& e) {
        return detail::encode_error(std::string("SVT-AV1 could not restart for a key frame: ") + e.what());
      }
    }
    const auto planes = input_.view(frame);
    EbSvtIOFormat io;
    std::memset(&io, 0, sizeof io);
    // SVT copies the picture into its own buffers in svt_av1_enc_send_picture.
    io.luma = const_cast<std::uint8_t*>(planes.y);
    io.cb = const_cast<std::uint8_t*>(planes.u);
    io.cr = const_cast<std::uint8_t*>(planes.v);
    // Strides are in pixels (samples), as the SVT sample app sets them.
    io.y_stride = static_cast<std::uint32_t>(planes.y_stride);
    io.cb_stride = static_cast<std::uint32_t>(planes.u_stride);
    io.cr_stride = static_cast<std::uint32_t>(planes.v_stride);
    io.width = config_.width_px;
    io.height = config_.height_px;
    io.color_fmt = EB_YUV420;
    io.bit_depth = EB_EIGHT_BIT;
    EbBufferHeaderType in;
    std::memset(&in, 0, sizeof in);
    in.size = sizeof in;
    in.p_buffer = reinterpret_cast<std::uint8_t*>(&io);
    in.n_filled_len = static_cast<std::uint32_t>(planes.y_stride * config_.height_px + planes.u_stride * config_.height_px);
    in.n_alloc_len = in.n_filled_len;
    in.pts = static_cast<std::int64_t>(frame.sequence);
    in.pic_type = EB_AV1_INVALID_PICTURE;  // the encoder decides (only the first frame is a key frame)
    first_ = false;
    if (const EbErrorType e = svt_av1_enc_send_picture(handle_, &in); e != EB_ErrorNone) {
      return detail::encode_error("svt_av1_enc_send_picture failed for frame " + std::to_string(frame.sequence) + ": " +
                                  svt_error(e));
    }
    sent_ = true;
    in_flight_.push_back(frame.sequence);
    return receive();
  }

  bool can_invalidate_references() const noexcept override { return false; }
  // SVT-AV1 1.4 has no reference invalidation API; the session answers RFI with a key frame.
  bool invalidate_references(std::uint64_t, std::uint64_t) override { return false; }
  // SVT-AV1 1.4 cannot change the rate of a running encoder (no reconfigure call).
  bool set_bitrate_kbps(std::uint32_t) override { return false; }
  std::string_view name() const noexcept override { return "svt-av1"; }

 private:
  // One SVT-AV1 encoder instance. SVT-AV1 1.4 refuses force_key_frames outside random-access
  // CRF/CQP ("Force key frame is only supported with RA CRF/CQP mode") and ignores a KEY
  // pic_type without it, so a key frame on request is a fresh instance (its first frame is a
  // key frame with the sequence header): measured ≈ 40 ms to open at 720p, docs/video-encoding.md.
  void open() {
    EbSvtAv1EncConfiguration c;
    std::memset(&c, 0, sizeof c);
    if (const EbErrorType e = svt_av1_enc_init_handle(&handle_, nullptr, &c); e != EB_ErrorNone || handle_ == nullptr) {
      handle_ = nullptr;
      throw std::runtime_error("SVT-AV1 could not create an encoder handle (" + svt_error(e) + ")");
    }
    c.enc_mode = static_cast<std::int8_t>(preset_);
    c.source_width = config_.width_px;
    c.source_height = config_.height_px;
    const std::uint32_t g = std::gcd(config_.frame_rate_x100, 100u);
    c.frame_rate_numerator = config_.frame_rate_x100 / g;
    c.frame_rate_denominator = 100 / g;
    c.encoder_bit_depth = 8;
    c.encoder_color_format = EB_YUV420;
    c.profile = MAIN_PROFILE;

    // Low delay: no reordering (SVT_AV1_PRED_LOW_DELAY_B is the low-delay structure 1.4 still
    // supports: every frame refers only to earlier frames, output order = input order), no
    // lookahead, no temporal filtering / alt-refs / overlays (they hold frames back), no
    // scene-change detection (every key frame is one the session asked for, video.md §8).
    c.pred_structure = SVT_AV1_PRED_LOW_DELAY_B;
    c.hierarchical_levels = 0;
    c.look_ahead_distance = 0;
    c.enable_tpl_la = 0;
    c.enable_tf = 0;
    c.enable_overlays = 0;
    c.scene_change_detection = 0;
    c.intra_period_length = -1;                 // key frames only at the start and on request
    c.intra_refresh_type = SVT_AV1_KF_REFRESH;  // a key frame, not a forward key frame (CRA)
    c.force_key_frames = 0;
    c.superres_mode = SUPERRES_NONE;
    c.resize_mode = 0;

    // CBR with a one-frame buffer (video.md §5.7 paces within one frame interval).
    c.rate_control_mode = SVT_AV1_RC_MODE_CBR;
    c.target_bit_rate = config_.bitrate_kbps * 1000;
    const std::int64_t frame_ms = std::max<std::int64_t>(21, (100'000 + config_.frame_rate_x100 - 1) / config_.frame_rate_x100);
    c.starting_buffer_level_ms = frame_ms - 1;  // SVT wants start, optimal < maximum
    c.optimal_buffer_level_ms = frame_ms - 1;
    c.maximum_buffer_size_ms = frame_ms;
    c.recode_loop = 0;

    // Colour description in the sequence header's color_config (AV1 spec §6.4.2, H.273 codes).
    const detail::ColourCodes colour = detail::colour_codes(config_.color_space);
    c.color_description_present_flag = 1;
    c.color_primaries = static_cast<EbColorPrimaries>(colour.primaries);
    c.transfer_characteristics = static_cast<EbTransferCharacteristics>(colour.transfer);
    c.matrix_coefficients = static_cast<EbMatrixCoefficients>(colour.matrix);
    c.color_range = config_.full_range ? EB_CR_FULL_RANGE : EB_CR_STUDIO_RANGE;

    c.tile_rows = tile_rows_log2(config_.slices_per_frame, config_.height_px);
    c.tile_columns = 0;
    if (config_.threads != 0) c.logical_processors = config_.threads;

    if (const EbErrorType e = svt_av1_enc_set_parameter(handle_, &c); e != EB_ErrorNone) {
      svt_av1_enc_deinit_handle(handle_);
      handle_ = nullptr;
      throw std::runtime_error("SVT-AV1 refused the configuration (" + describe() + "): " + svt_error(e));
    }
    if (const EbErrorType e = svt_av1_enc_init(handle_); e != EB_ErrorNone) {
      svt_av1_enc_deinit_handle(handle_);
      handle_ = nullptr;
      throw std::runtime_error("SVT-AV1 could not start (" + describe() + "): " + svt_error(e));
    }
    first_ = true;
    sent_ = false;
  }

  void close() {
    if (handle_ == nullptr) return;
    // Drain: an EOS picture, then packets until the EOS packet (svt_av1_enc_deinit expects the
    // pipeline empty; skipping this can hang its threads on exit).
    EbBufferHeaderType eos;
    std::memset(&eos, 0, sizeof eos);
    eos.size = sizeof eos;
    eos.flags = EB_BUFFERFLAG_EOS;
    eos.pic_type = EB_AV1_INVALID_PICTURE;
    // SVT-AV1 1.4 never answers an EOS, and svt_av1_enc_deinit (which drains itself) blocks
    // forever, when no picture entered the instance: give it one grey picture first.
    if (!sent_) send_grey();
    if (svt_av1_enc_send_picture(handle_, &eos) == EB_ErrorNone) {
      for (;;) {
        EbBufferHeaderType* out = nullptr;
        const EbErrorType e = svt_av1_enc_get_packet(handle_, &out, 1);
        if (e != EB_ErrorNone || out == nullptr) break;
        const bool last = (out->flags & EB_BUFFERFLAG_EOS) != 0;
        svt_av1_enc_release_out_buffer(&out);
        if (last) break;
      }
    }
    svt_av1_enc_deinit(handle_);
    svt_av1_enc_deinit_handle(handle_);
    handle_ = nullptr;
    in_flight_.clear();
  }

  void send_grey() {
    const std::size_t luma = std::size_t{config_.width_px} * config_.height_px;
    std::vector<std::uint8_t> grey(luma + luma / 2, 128);
    EbSvtIOFormat io;
    std::memset(&io, 0, sizeof io);
    io.luma = grey.data();
    io.cb = grey.data() + luma;
    io.cr = grey.data() + luma + luma / 4;
    io.y_stride = config_.width_px;
    io.cb_stride = io.cr_stride = config_.width_px / 2;
    io.width = config_.width_px;
    io.height = config_.height_px;
    io.color_fmt = EB_YUV420;
    io.bit_depth = EB_EIGHT_BIT;
    EbBufferHeaderType in;
    std::memset(&in, 0, sizeof in);
    in.size = sizeof in;
    in.p_buffer = reinterpret_cast<std::uint8_t*>(&io);
    in.n_filled_len = in.n_alloc_len = static_cast<std::uint32_t>(grey.size());
    in.pic_type = EB_AV1_INVALID_PICTURE;
    if (svt_av1_enc_send_picture(handle_, &in) == EB_ErrorNone) sent_ = true;
  }

  // Takes the next temporal unit if SVT has one. SVT-AV1 1.4's pipeline returns a frame's
  // packet only once the following picture has entered (measured: docs/video-encoding.md);
  // a frame with nothing out yet is EncodeStatus::pending, and its temporal unit comes out of
  // a later call with its own source_sequence.
  EncodeResult receive() {
    EbBufferHeaderType* out = nullptr;
    const EbErrorType e = svt_av1_enc_get_packet(handle_, &out, 0);
    if (e == EB_NoErrorEmptyQueue || (e == EB_ErrorNone && out == nullptr)) {
      EncodeResult r;
      r.status = EncodeStatus::pending;
      return r;
    }
    if (e != EB_ErrorNone) return detail::encode_error("svt_av1_enc_get_packet failed: " + svt_error(e));
    if ((out->flags & EB_BUFFERFLAG_ERROR_MASK) != 0) {
      svt_av1_enc_release_out_buffer(&out);
      return detail::encode_error("SVT-AV1 reported an encode error");
    }
    bitstream_.assign(out->p_buffer, out->p_buffer + out->n_filled_len);
    const bool key = out->pic_type == EB_AV1_KEY_PICTURE;
    const std::int64_t pts = out->pts;
    svt_av1_enc_release_out_buffer(&out);
    EncodeResult r;
    r.frame.bitstream = bitstream_;
    r.frame.idr = key;
    r.frame.source_sequence = static_cast<std::uint64_t>(pts);
    // Output order = input order (low delay, no reordering): drop what came out.
    while (!in_flight_.empty() && in_flight_.front() <= r.frame.source_sequence) in_flight_.pop_front();
    return r;
  }

  std::string describe() const {
    return std::to_string(config_.width_px) + "x" + std::to_string(config_.height_px) + " @ " +
           std::to_string(config_.frame_rate_x100) + "/100 fps, " + std::to_string(config_.bitrate_kbps) + " kbps";
  }

  EncoderConfig config_;
  EbComponentType* handle_ = nullptr;
  int preset_;
  detail::PlanarInput input_;
  std::deque<std::uint64_t> in_flight_;
  std::vector<std::uint8_t> bitstream_;
  bool first_ = true;
  bool sent_ = false;  // a picture entered this instance (close() drains only then)
};

}  // namespace

std::unique_ptr<VideoEncoder> make_svtav1_encoder(const EncoderConfig& config) {
  return std::make_unique<SvtAv1Encoder>(config, kSvtAv1DefaultPreset);
}

std::unique_ptr<VideoEncoder> make_svtav1_encoder(const EncoderConfig& config, int preset) {
  return std::make_unique<SvtAv1Encoder>(config, preset);
}

std::string svtav1_version() { return svt_av1_get_version(); }

}  // namespace lightwell::encode
