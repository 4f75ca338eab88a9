// libavcodec H.264 / HEVC / AV1 decoding for tests (video_decoder.hpp).
#include "video_decoder.hpp"

#include <stdexcept>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace lightwell::test {

struct H264Decoder::Impl {
  AVCodecContext* ctx = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  std::vector<std::uint8_t> padded;  // AV_INPUT_BUFFER_PADDING_SIZE zero bytes after the data

  ~Impl() {
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&ctx);
  }
};

H264Decoder::H264Decoder(DecoderCodec which) : impl_(std::make_unique<Impl>()) {
  const AVCodec* codec = nullptr;
  switch (which) {
    case DecoderCodec::h264: codec = avcodec_find_decoder(AV_CODEC_ID_H264); break;
    case DecoderCodec::hevc: codec = avcodec_find_decoder(AV_CODEC_ID_HEVC); break;
    // FFmpeg's native "av1" decoder needs a hardware accelerator; libdav1d decodes in software.
    case DecoderCodec::av1: codec = avcodec_find_decoder_by_name("libdav1d"); break;
  }
  if (codec == nullptr) throw std::runtime_error("libavcodec has no decoder for this codec");
  impl_->ctx = avcodec_alloc_context3(codec);
  impl_->packet = av_packet_alloc();
  impl_->frame = av_frame_alloc();
  if (impl_->ctx == nullptr || impl_->packet == nullptr || impl_->frame == nullptr) {
    throw std::runtime_error("libavcodec allocation failed");
  }
  // One picture out per access unit: no frame threading, no reordering delay.
  impl_->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
  impl_->ctx->thread_count = 1;
  AVDictionary* options = nullptr;
  // libdav1d: one frame in flight, so a temporal unit comes out as soon as it is sent.
  if (which == DecoderCodec::av1) av_dict_set(&options, "max_frame_delay", "1", 0);
  const int rc = avcodec_open2(impl_->ctx, codec, &options);
  av_dict_free(&options);
  if (rc < 0) throw std::runtime_error("cannot open the decoder");
}

H264Decoder::~H264Decoder() = default;

bool H264Decoder::decode(std::span<const std::uint8_t> access_unit, DecodedPicture& out) {
  Impl& d = *impl_;
  d.padded.assign(access_unit.begin(), access_unit.end());
  d.padded.resize(access_unit.size() + AV_INPUT_BUFFER_PADDING_SIZE, 0);
  d.packet->data = d.padded.data();
  d.packet->size = static_cast<int>(access_unit.size());
  int rc = avcodec_send_packet(d.ctx, d.packet);
  if (rc < 0) {
    error_ = "avcodec_send_packet failed (" + std::to_string(rc) + ")";
    return false;
  }
  rc = avcodec_receive_frame(d.ctx, d.frame);
  if (rc < 0) {
    error_ = "no picture for this access unit (" + std::to_string(rc) + ")";
    return false;
  }
  if (d.frame->format != AV_PIX_FMT_YUV420P && d.frame->format != AV_PIX_FMT_YUVJ420P) {
    error_ = "unexpected pixel format " + std::to_string(d.frame->format);
    return false;
  }
  out.width_px = d.frame->width;
  out.height_px = d.frame->height;
  for (int i = 0; i < 3; ++i) {
    out.planes[i] = d.frame->data[i];
    out.strides[i] = static_cast<std::size_t>(d.frame->linesize[i]);
  }
  out.color_primaries = static_cast<int>(d.frame->color_primaries);
  out.color_transfer = static_cast<int>(d.frame->color_trc);
  out.color_matrix = static_cast<int>(d.frame->colorspace);
  out.color_range = static_cast<int>(d.frame->color_range);
  out.key_frame = d.frame->key_frame != 0;  // FFmpeg 5.1 (bookworm): the field, not the flag
  error_.clear();
  return true;
}

}  // namespace lightwell::test
