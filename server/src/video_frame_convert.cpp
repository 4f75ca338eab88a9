// VideoFrameConverter (video_frame_convert.hpp).
#include "video_frame_convert.hpp"

#include <string>

namespace lightwell::server {

VideoFrameConverter::VideoFrameConverter(std::uint32_t w, std::uint32_t h, encode::YuvFormat format)
    : width_px_(w), height_px_(h), format_(format) {}

const capture::Frame* VideoFrameConverter::prepare(const capture::Frame& in, std::string& error) {
  scaled_ = false;
  const bool same_size = in.width_px == width_px_ && in.height_px == height_px_;
  if (in.format == capture::PixelFormat::i420 || in.format == capture::PixelFormat::nv12) {
    if (same_size) return &in;
    error = "a " + std::to_string(in.width_px) + "x" + std::to_string(in.height_px) +
            " YUV frame for a " + std::to_string(width_px_) + "x" + std::to_string(height_px_) +
            " stream (only RGB frames are scaled)";
    return nullptr;
  }
  if (in.plane_count < 1 || in.planes[0].data == nullptr) {
    error = "an RGB frame without pixels";
    return nullptr;
  }
  encode::XrgbView src{in.planes[0].data, in.planes[0].stride_bytes, in.width_px, in.height_px};
  const std::size_t y_bytes = static_cast<std::size_t>(width_px_) * height_px_;
  if (nv12_.size() != y_bytes + y_bytes / 2) nv12_.resize(y_bytes + y_bytes / 2);
  if (!same_size) {
    const std::size_t pitch = static_cast<std::size_t>(width_px_) * 4U;
    if (canvas_.size() != pitch * height_px_) canvas_.resize(pitch * height_px_);
    if (!encode::scale_xrgb_letterbox(src, canvas_.data(), pitch, width_px_, height_px_)) {
      error = "cannot scale a " + std::to_string(in.width_px) + "x" + std::to_string(in.height_px) + " frame";
      return nullptr;
    }
    src = encode::XrgbView{canvas_.data(), pitch, width_px_, height_px_};
    scaled_ = true;
  }
  const encode::Nv12View dst{nv12_.data(), width_px_, nv12_.data() + y_bytes, width_px_};
  if (!encode::convert_xrgb_to_nv12(src, dst, format_)) {
    error = "cannot convert a " + std::to_string(in.width_px) + "x" + std::to_string(in.height_px) + " frame to NV12";
    return nullptr;
  }
  out_ = capture::Frame{};
  out_.width_px = width_px_;
  out_.height_px = height_px_;
  out_.format = capture::PixelFormat::nv12;
  out_.planes[0] = capture::FramePlane{nv12_.data(), width_px_};
  out_.planes[1] = capture::FramePlane{nv12_.data() + y_bytes, width_px_};
  out_.plane_count = 2;
  out_.captured_at = in.captured_at;
  out_.sequence = in.sequence;
  return &out_;
}

}  // namespace lightwell::server
