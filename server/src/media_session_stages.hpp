// The packetize → encrypt → send stages of a media session (private to server/src). Each stage
// owns its packetizer, its encryptor (ONE per session and stream: the video IV counter must
// never restart under the same key, media_cipher.hpp) and a PacedUdpSender on the stream's
// socket.
//
// Why a separate header with plain types: proto's stream_params.hpp and video_packetizer.hpp
// both define lightwell::proto::VideoCodec, so no translation unit can include both. The
// session (which needs StreamParams) talks to the packetizers only through these classes.
//
// Thread: one stage per media thread (VideoSendStage on "video-send", AudioSendStage on
// "audio"); not thread-safe. After construction send() does not allocate unless a frame is
// larger than any before it (the packetizer's arena grows), or on an error path.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/ip/udp.hpp>

#include "lightwell/net/udp_media.hpp"

namespace lightwell::server::media {

// video.md §4.1 frameType values the host sends.
enum class FrameKind : std::uint8_t { p_frame = 1, idr = 2, after_rfi = 5 };

struct VideoSendConfig {
  std::size_t packet_size_bytes = 1392;  // negotiated P (already minus 32 when encrypted)
  unsigned fec_percentage = 20;
  unsigned min_required_fec_packets = 2;
  std::optional<std::array<std::uint8_t, 16>> key;  // set = AES-GCM per datagram (video.md §9)
  int fd = -1;                                      // borrowed socket
  std::size_t expected_max_frame_bytes = 0;         // pre-sizes the packetizer's arena
};

struct VideoFrameToSend {
  std::span<const std::uint8_t> bitstream;  // borrowed for the call
  std::uint32_t frame_index = 1;
  std::uint32_t rtp_timestamp_90khz = 0;
  FrameKind kind = FrameKind::p_frame;
  std::chrono::steady_clock::time_point captured_at{};  // start of the latency (video.md §4.1)
};

struct StageResult {
  bool packetized = false;   // false: nothing was sent (error says why)
  std::string error;         // only on failure
  std::uint16_t latency_100us = 0;
  std::size_t datagrams = 0;  // datagrams handed to the sender
  net::SendOutcome outcome;
};

class VideoSendStage {
 public:
  // Throws std::runtime_error when the parameters or the key are refused.
  explicit VideoSendStage(const VideoSendConfig& config);
  ~VideoSendStage();
  VideoSendStage(const VideoSendStage&) = delete;
  VideoSendStage& operator=(const VideoSendStage&) = delete;

  // Measures the latency (now − captured_at, 100 µs units, capped to 65535) right before
  // packetizing, packetizes, seals, and sends paced over `spread`.
  StageResult send(const VideoFrameToSend& frame, const boost::asio::ip::udp::endpoint& to,
                   std::chrono::nanoseconds spread);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct AudioSendConfig {
  std::uint32_t packet_duration_ms = 5;
  std::optional<std::array<std::uint8_t, 16>> key;  // set = AES-CBC per payload (audio.md §4)
  std::int32_t rikeyid = 0;
  int fd = -1;
};

class AudioSendStage {
 public:
  explicit AudioSendStage(const AudioSendConfig& config);  // throws std::runtime_error
  ~AudioSendStage();
  AudioSendStage(const AudioSendStage&) = delete;
  AudioSendStage& operator=(const AudioSendStage&) = delete;

  // One Opus packet → its data datagram (+ the block's 2 FEC datagrams after every 4th),
  // sent at once (audio.md §6).
  StageResult send(std::span<const std::uint8_t> opus_packet, const boost::asio::ip::udp::endpoint& to);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lightwell::server::media
