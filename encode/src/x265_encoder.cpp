// libx265 (software HEVC) behind the VideoEncoder interface (video_encoder.hpp). Every setting
// and why is in docs/video-encoding.md; the protocol reasons are video.md §8 and §10.2.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "lightwell/encode/video_encoder.hpp"
#include "software_common.hpp"

extern "C" {
#include <x265.h>
}

namespace lightwell::encode {
namespace {

constexpr std::uint32_t kMaxReferenceFrames = 16;  // x265 caps --ref at 16 (X265_MAX_FRAME_THREADS aside)
// HEVC NAL unit types (ITU-T H.265 Table 7-1).
constexpr int kNalPrefixSei = 39;
constexpr int kNalSuffixSei = 40;

[[noreturn]] void bad_config(const std::string& what) {
  throw std::invalid_argument("x265 encoder configuration: " + what);
}

// x265 is built in three bit depths in one library on Debian (libx265-199 "multilib"):
// x265_api_get(10) answers the Main10 build, nullptr where it is missing.
const x265_api* api_for(bool ten_bit) { return x265_api_get(ten_bit ? 10 : 8); }

struct ParamDeleter {
  const x265_api* api;
  void operator()(x265_param* p) const { api->param_free(p); }
};
using ParamPtr = std::unique_ptr<x265_param, ParamDeleter>;

void set(const x265_api* api, x265_param* p, const char* name, const std::string& value) {
  if (api->param_parse(p, name, value.c_str()) != 0) {
    throw std::runtime_error(std::string("x265 refused ") + name + "=" + value);
  }
}

class X265Encoder final : public VideoEncoder {
 public:
  X265Encoder(const EncoderConfig& config, std::string_view preset) : config_(config) {
    detail::validate_common(config, Codec::hevc, "x265", 16);
    // One slice holds at least one CTU row (64 px with x265's default CTU; ultrafast uses 32).
    if (config.max_reference_frames > kMaxReferenceFrames) {
      bad_config("max_reference_frames " + std::to_string(config.max_reference_frames) + " is above 16");
    }
    api_ = api_for(config.ten_bit);
    if (api_ == nullptr) bad_config("ten_bit asked for, but this libx265 has no 10-bit (Main10) build");
    param_ = ParamPtr(api_->param_alloc(), ParamDeleter{api_});
    if (!param_) throw std::runtime_error("x265_param_alloc failed");
    api_->param_default(param_.get());  // x265_param_alloc leaves it uninitialised (param_free reads zones)
    const std::string preset_name(preset);
    bool known = false;  // by name only (x265 also takes "0".."9")
    for (const char* const* n = x265_preset_names; *n != nullptr; ++n) known = known || preset_name == *n;
    // zerolatency: no lookahead, no B-frames, no frame threads (frameNumThreads = 1), no
    // cu-tree: one access unit out for every frame in.
    if (!known || api_->param_default_preset(param_.get(), preset_name.c_str(), "zerolatency") < 0) {
      bad_config("x265 has no preset \"" + preset_name + "\"");
    }
    x265_param* p = param_.get();
    p->logLevel = X265_LOG_NONE;  // x265 logs to stderr only; errors are ours (refusals below)
    p->sourceWidth = static_cast<int>(config.width_px);
    p->sourceHeight = static_cast<int>(config.height_px);
    p->internalCsp = X265_CSP_I420;
    p->internalBitDepth = config.ten_bit ? 10 : 8;
    const std::uint32_t g = std::gcd(config.frame_rate_x100, 100u);
    p->fpsNum = config.frame_rate_x100 / g;
    p->fpsDenom = 100 / g;

    // Threads: one frame thread (zerolatency; frame threads add a frame of delay each) and a
    // pool for wavefront (WPP) rows inside the frame, which adds no delay.
    p->frameNumThreads = 1;
    if (config.threads != 0) set(api_, p, "pools", std::to_string(config.threads));

    // GOP: IDR at the start and on request only (video.md §8); keyint -1 is x265's infinite
    // GOP; no scene-cut I frames, no B-frames (decode order = output order, §10.2), closed
    // GOP, no intra refresh.
    p->keyframeMax = -1;
    p->keyframeMin = 0;
    p->scenecutThreshold = 0;
    p->bframes = 0;
    p->bOpenGOP = 0;
    p->bIntraRefresh = 0;
    p->lookaheadDepth = 0;
    p->maxNumReferences = static_cast<int>(std::max<std::uint32_t>(1, config.max_reference_frames));

    // Bitstream shape the client parses (video.md §10.2): Annex B, VPS/SPS/PPS before every
    // IDR, no AUD, no info SEI (x265's version string) between the PPS and the first slice.
    p->bAnnexB = 1;
    p->bRepeatHeaders = 1;
    p->bEnableAccessUnitDelimiters = 0;
    p->bEmitInfoSEI = 0;
    p->bEmitHRDSEI = 0;
    p->decodedPictureHashSEI = 0;
    p->bEmitIDRRecoverySEI = 0;
    p->bEnableTemporalSubLayers = 0;

    // VUI (video.md §10.2): video_format 5, range and colour description of the negotiated
    // space, timing info.
    const detail::ColourCodes colour = detail::colour_codes(config.color_space);
    p->vui.bEnableVideoSignalTypePresentFlag = 1;
    p->vui.videoFormat = 5;
    p->vui.bEnableVideoFullRangeFlag = config.full_range ? 1 : 0;
    p->vui.bEnableColorDescriptionPresentFlag = 1;
    p->vui.colorPrimaries = colour.primaries;
    p->vui.transferCharacteristics = colour.transfer;
    p->vui.matrixCoeffs = colour.matrix;
    p->bEmitVUITimingInfo = 1;
    p->bEmitVUIHRDInfo = 0;

    // CBR: average = peak = target, VBV of one frame, strict CBR off (it pads with filler).
    p->rc.rateControlMode = X265_RC_ABR;
    p->rc.bitrate = static_cast<int>(config.bitrate_kbps);
    p->rc.vbvMaxBitrate = static_cast<int>(config.bitrate_kbps);
    p->rc.vbvBufferSize = static_cast<int>(detail::vbv_buffer_kbit(config.bitrate_kbps, config.frame_rate_x100));
    p->rc.cuTree = 0;
    p->rc.bStrictCbr = 0;

    // Slices (video.md §10.2: exactly videoEncoderSlicesPerFrame, some decoders need it).
    // x265 splits at CTU rows; more slices than CTU rows is a configuration error.
    const std::uint32_t ctu_px = static_cast<std::uint32_t>(p->maxCUSize);
    const std::uint32_t ctu_rows = (config.height_px + ctu_px - 1) / ctu_px;
    if (config.slices_per_frame > ctu_rows) {
      bad_config("slices_per_frame " + std::to_string(config.slices_per_frame) + " is outside 1.." +
                 std::to_string(ctu_rows) + " (one slice holds at least one " + std::to_string(ctu_px) + " px CTU row)");
    }
    p->maxSlices = config.slices_per_frame;

    if (api_->param_apply_profile(p, config.ten_bit ? "main10" : "main") != 0) {
      throw std::runtime_error("x265 refused the HEVC profile");
    }
    encoder_ = api_->encoder_open(p);
    if (encoder_ == nullptr) throw std::runtime_error("x265 refused the configuration (" + describe() + ")");
    api_->encoder_parameters(encoder_, p);
    picture_ = api_->picture_alloc();
    if (picture_ == nullptr) throw std::runtime_error("x265_picture_alloc failed");
  }

  ~X265Encoder() override {
    if (picture_ != nullptr) api_->picture_free(picture_);
    if (encoder_ != nullptr) api_->encoder_close(encoder_);
  }
  X265Encoder(const X265Encoder&) = delete;
  X265Encoder& operator=(const X265Encoder&) = delete;

  EncodeResult encode(const capture::Frame& frame, bool force_idr) override {
    if (std::string problem = detail::check_frame(frame, config_, "x265", true); !problem.empty()) {
      return detail::encode_error(std::move(problem));
    }
    const auto planes = input_.view(frame);
    api_->picture_init(param_.get(), picture_);
    picture_->colorSpace = X265_CSP_I420;
    picture_->bitDepth = 8;  // 8-bit input; a Main10 encoder shifts it up itself
    // x265 only reads the input picture (it copies it into its own frame).
    picture_->planes[0] = const_cast<std::uint8_t*>(planes.y);
    picture_->planes[1] = const_cast<std::uint8_t*>(planes.u);
    picture_->planes[2] = const_cast<std::uint8_t*>(planes.v);
    picture_->stride[0] = static_cast<int>(planes.y_stride);
    picture_->stride[1] = static_cast<int>(planes.u_stride);
    picture_->stride[2] = static_cast<int>(planes.v_stride);
    picture_->pts = static_cast<std::int64_t>(frame.sequence);  // comes back on the output picture
    picture_->sliceType = force_idr ? X265_TYPE_IDR : X265_TYPE_AUTO;

    x265_nal* nals = nullptr;
    std::uint32_t nal_count = 0;
    x265_picture out;
    api_->picture_init(param_.get(), &out);
    const int rc = api_->encoder_encode(encoder_, &nals, &nal_count, picture_, &out);
    if (rc < 0) return detail::encode_error("x265_encoder_encode failed for frame " + std::to_string(frame.sequence));
    // zerolatency, one frame thread, one slice: one access unit out for every frame in. With
    // more than one slice x265 3.5 emits each frame one call later (measured, lookahead
    // slices off or on): that frame is pending and comes out with the next one.
    if (rc == 0 || nal_count == 0) {
      EncodeResult pending;
      pending.status = EncodeStatus::pending;
      return pending;
    }
    EncodeResult result;
    result.frame.bitstream = collect(nals, nal_count);
    result.frame.idr = out.sliceType == X265_TYPE_IDR;
    result.frame.source_sequence = static_cast<std::uint64_t>(out.pts);
    return result;
  }

  bool can_invalidate_references() const noexcept override { return false; }
  // x265 has no API to drop references; the session answers RFI with an IDR (video.md §8).
  bool invalidate_references(std::uint64_t, std::uint64_t) override { return false; }

  // x265 3.5's x265_encoder_reconfig accepts new bitrate / VBV values but the measured frame
  // sizes did not change over the next 40 frames (tests/encode/test_x265_stream.cpp checks
  // this answer): say so instead of pretending.
  bool set_bitrate_kbps(std::uint32_t) override { return false; }

  std::string_view name() const noexcept override { return "x265"; }

 private:
  // x265 writes the NAL units of an access unit back to back in one buffer (x265.h
  // x265_encoder_encode: "the payloads of all output NALs are guaranteed to be sequential in
  // memory"); lend it as is unless it holds an SEI, then copy the others out.
  std::span<const std::uint8_t> collect(const x265_nal* nals, std::uint32_t count) {
    bool contiguous = true, has_sei = false;
    std::size_t size = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (nals[i].type == kNalPrefixSei || nals[i].type == kNalSuffixSei) has_sei = true;
      if (i > 0 && nals[i].payload != nals[i - 1].payload + nals[i - 1].sizeBytes) contiguous = false;
      size += nals[i].sizeBytes;
    }
    if (contiguous && !has_sei) return {nals[0].payload, size};
    filtered_.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
      if (nals[i].type == kNalPrefixSei || nals[i].type == kNalSuffixSei) continue;
      filtered_.insert(filtered_.end(), nals[i].payload, nals[i].payload + nals[i].sizeBytes);
    }
    return {filtered_.data(), filtered_.size()};
  }

  std::string describe() const {
    return std::to_string(config_.width_px) + "x" + std::to_string(config_.height_px) + " @ " +
           std::to_string(config_.frame_rate_x100) + "/100 fps, " + std::to_string(config_.bitrate_kbps) + " kbps, " +
           std::to_string(config_.slices_per_frame) + " slice(s)" + (config_.ten_bit ? ", Main10" : "");
  }

  EncoderConfig config_;
  const x265_api* api_ = nullptr;
  ParamPtr param_{nullptr, ParamDeleter{nullptr}};
  x265_encoder* encoder_ = nullptr;
  x265_picture* picture_ = nullptr;
  detail::PlanarInput input_;
  std::vector<std::uint8_t> filtered_;
};

}  // namespace

bool x265_has_main10() noexcept { return api_for(true) != nullptr; }

std::unique_ptr<VideoEncoder> make_x265_encoder(const EncoderConfig& config) {
  return std::make_unique<X265Encoder>(config, kX265DefaultPreset);
}

std::unique_ptr<VideoEncoder> make_x265_encoder(const EncoderConfig& config, std::string_view preset) {
  return std::make_unique<X265Encoder>(config, preset);
}

}  // namespace lightwell::encode
