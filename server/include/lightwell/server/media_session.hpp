// One streaming session's media path (design.md "Threads", "A frame's way"): three named
// std::jthreads per session, started by the constructor and joined by stop()/destructor.
//
//   video  capture → encode, paced on ABSOLUTE deadlines at the client's fps (a late frame
//          does not shift later deadlines); pushes the lent bitstream into a bounded queue
//          (copied once into a pooled buffer). Queue full → drop the frame and force an IDR,
//          never block the encoder.
//   send   packetize (VideoPacketizer: FEC + frame header with host processing latency),
//          encrypt (VideoEncryptor when the client enabled video encryption), batched paced
//          sendmmsg (PacedUdpSender) spread over ≤ 80 % of the frame interval.
//   audio  every packet_duration_ms on absolute deadlines: AudioSource → Opus (CBR) →
//          AudioPacketizer (4+2 FEC) → AudioEncryptor (AES-CBC) → send.
//
// Nothing is sent to a stream before its destination is known (set_*_destination, from the
// first matching UDP ping, control.md §6); the video thread waits for it and then starts with
// an IDR. After warm-up the hot path does not allocate and does not touch Asio.
//
// Control from other threads (ENet thread, io thread): request_idr(),
// invalidate_references(), set_*_destination() — atomics / a small mutex, never blocking
// the media threads for long. on_fatal (encoder or source failure that cannot be recovered) is
// called at most once, from a media thread: the owner posts it to the io thread and ends the
// session with a termination code.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/udp.hpp>

#include "lightwell/audio/audio_source.hpp"
#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/capture/frame_source.hpp"
#include "lightwell/encode/video_encoder.hpp"
#include "lightwell/proto/stream_params.hpp"
#include "lightwell/server/log.hpp"

namespace lightwell::server {

// Factories for the backends (chosen by the caller from the probe; tests pass fakes).
struct MediaBackends {
  std::function<std::unique_ptr<capture::FrameSource>(std::uint32_t width_px, std::uint32_t height_px)> frame_source;
  std::function<std::unique_ptr<encode::VideoEncoder>(const encode::EncoderConfig&)> video_encoder;
  // `log` is the session's (component and session id); sources that report events (PipeWire)
  // keep a copy and may log from their own threads.
  std::function<std::unique_ptr<audio::AudioSource>(std::uint32_t channels, const Log& log)> audio_source;
  std::function<std::unique_ptr<audio::AudioEncoder>(const audio::OpusConfig&)> audio_encoder;
};

struct MediaSessionConfig {
  std::uint32_t session_id = 0;
  proto::StreamParams params;           // validated ANNOUNCE
  std::array<std::uint8_t, 16> rikey{};  // SECRET
  std::int32_t rikeyid = 0;
  bool high_quality_audio = false;      // proto::audio_high_quality(...)
  unsigned fec_percentage = 20;         // video.md §5 (host setting)
  std::uint32_t encoder_bitrate_kbps = 0;  // proto::encoder_bitrate_kbps(...), clamped by config
  int video_fd = -1;                    // UdpPingSocket::native_handle() of the video port
  int audio_fd = -1;                    // … of the audio port
};

struct MediaStats {
  std::uint64_t frames_captured = 0;
  std::uint64_t frames_encoded = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_dropped = 0;   // queue full or packetize failure
  std::uint64_t idr_frames = 0;
  std::uint64_t video_datagrams = 0;
  std::uint64_t audio_packets = 0;
  std::uint64_t send_errors = 0;
  std::uint32_t last_latency_100us = 0;  // the last frame header's host processing latency
};

class MediaSession {
 public:
  using FatalHandler = std::function<void(std::uint32_t termination_hresult, std::string reason)>;

  // Creates the sources/encoders (throws std::runtime_error with a clear reason if a backend
  // refuses: the RTSP layer answers 500) and starts the three threads (waiting for pings).
  MediaSession(MediaSessionConfig config, const MediaBackends& backends, Log log, FatalHandler on_fatal);
  ~MediaSession();  // = stop()
  MediaSession(const MediaSession&) = delete;
  MediaSession& operator=(const MediaSession&) = delete;

  void set_video_destination(const boost::asio::ip::udp::endpoint& to);
  void set_audio_destination(const boost::asio::ip::udp::endpoint& to);
  void request_idr();
  void invalidate_references(std::uint32_t first_frame, std::uint32_t last_frame);

  // Requests stop and joins the three threads. Idempotent. Call from the owner's thread.
  void stop();
  MediaStats stats() const;
  std::uint32_t session_id() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightwell::server
