// Packetize → encrypt → send for video and audio (media_session_stages.hpp). Includes the
// packetizer headers and NOT stream_params.hpp (see the header for why).
#include "media_session_stages.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "lightwell/proto/audio_packetizer.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/video_packetizer.hpp"

namespace lightwell::server::media {

namespace {

// Sunshine's and video.md §4.1's rounding: min(65535, (µs + 50) / 100).
std::uint16_t latency_100us(std::chrono::steady_clock::time_point captured_at) {
  const auto now = std::chrono::steady_clock::now();
  if (captured_at == std::chrono::steady_clock::time_point{} || captured_at > now) return 0;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - captured_at).count();
  return static_cast<std::uint16_t>(std::min<std::int64_t>(65535, (us + 50) / 100));
}

proto::VideoFrameType frame_type(FrameKind kind) {
  switch (kind) {
    case FrameKind::idr: return proto::VideoFrameType::idr;
    case FrameKind::after_rfi: return proto::VideoFrameType::after_rfi;
    case FrameKind::p_frame: break;
  }
  return proto::VideoFrameType::p_frame;
}

template <class T>
T value_or_throw(proto::Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

}  // namespace

struct VideoSendStage::State {
  State(proto::VideoPacketizer p, std::optional<proto::crypto::VideoEncryptor> e, int fd)
      : packetizer(std::move(p)), encryptor(std::move(e)), sender(fd) {}
  proto::VideoPacketizer packetizer;
  std::optional<proto::crypto::VideoEncryptor> encryptor;
  net::PacedUdpSender sender;
};

VideoSendStage::VideoSendStage(const VideoSendConfig& config) {
  proto::VideoStreamParams params;
  params.packet_size_bytes = config.packet_size_bytes;
  params.fec_percentage = config.fec_percentage;
  params.min_required_fec_packets = config.min_required_fec_packets;
  params.first_sequence_number = 0;  // video.md §6
  params.codec = proto::VideoCodec::h264;
  auto packetizer = value_or_throw(proto::VideoPacketizer::create(params), "video packetizer");
  std::optional<proto::crypto::VideoEncryptor> encryptor;
  if (config.key) encryptor.emplace(value_or_throw(proto::crypto::VideoEncryptor::create(*config.key, 0), "video encryption"));
  // Pre-size the arena for the largest frame we expect (+ header + parity), so even the first
  // IDR does not allocate on the send thread.
  if (config.expected_max_frame_bytes > 0) {
    if (auto plan = proto::plan_video_frame(params, config.expected_max_frame_bytes)) {
      packetizer.reserve(plan->total_datagrams);
    }
  }
  state_ = std::make_unique<State>(std::move(packetizer), std::move(encryptor), config.fd);
}

VideoSendStage::~VideoSendStage() = default;

StageResult VideoSendStage::send(const VideoFrameToSend& frame, const boost::asio::ip::udp::endpoint& to,
                                 std::chrono::nanoseconds spread) {
  StageResult result;
  proto::VideoFrameInput input;
  input.bitstream = frame.bitstream;
  input.frame_index = frame.frame_index;
  input.rtp_timestamp_90khz = frame.rtp_timestamp_90khz;
  input.frame_type = frame_type(frame.kind);
  // Latency = capture → packetized, measured as late as possible before it is written.
  result.latency_100us = latency_100us(frame.captured_at);
  input.processing_latency_100us = result.latency_100us;
  auto packets = state_->packetizer.packetize(input, state_->encryptor ? &*state_->encryptor : nullptr);
  if (!packets) {
    result.error = packets.error().message;
    return result;
  }
  result.packetized = true;
  result.datagrams = packets->datagrams.size();
  result.outcome = state_->sender.send(packets->datagrams, to, spread);
  return result;
}

struct AudioSendStage::State {
  State(proto::AudioPacketizer p, std::optional<proto::crypto::AudioEncryptor> e, int fd)
      : packetizer(std::move(p)), encryptor(std::move(e)), sender(fd, net::PacingOptions{.max_batch_datagrams = 4}) {}
  proto::AudioPacketizer packetizer;
  std::optional<proto::crypto::AudioEncryptor> encryptor;
  net::PacedUdpSender sender;
};

AudioSendStage::AudioSendStage(const AudioSendConfig& config) {
  proto::AudioStreamParams params;
  params.packet_duration_ms = config.packet_duration_ms;
  auto packetizer = value_or_throw(proto::AudioPacketizer::create(params), "audio packetizer");
  std::optional<proto::crypto::AudioEncryptor> encryptor;
  if (config.key) {
    encryptor.emplace(value_or_throw(proto::crypto::AudioEncryptor::create(*config.key, config.rikeyid), "audio encryption"));
  }
  state_ = std::make_unique<State>(std::move(packetizer), std::move(encryptor), config.fd);
}

AudioSendStage::~AudioSendStage() = default;

StageResult AudioSendStage::send(std::span<const std::uint8_t> opus_packet, const boost::asio::ip::udp::endpoint& to) {
  StageResult result;
  auto packets = state_->packetizer.packetize(opus_packet, state_->encryptor ? &*state_->encryptor : nullptr);
  if (!packets) {
    result.error = packets.error().message;
    return result;
  }
  result.packetized = true;
  result.datagrams = packets->size();
  result.outcome = state_->sender.send(*packets, to, std::chrono::nanoseconds(0));
  return result;
}

}  // namespace lightwell::server::media
