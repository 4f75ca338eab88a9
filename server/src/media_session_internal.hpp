// MediaSession's state (private to server/src): shared by media_session.cpp (construction,
// control, stop), media_session_video.cpp (the "video" and "video-send" threads) and
// media_session_audio.cpp (the "audio" thread).
//
// Who touches what:
//   config, interval, backends' factories ... read-only after construction
//   frame_source, encoder ..................... video thread only
//   video_send ................................ video-send thread only
//   audio_source, audio_encoder, audio_send ... audio thread only
//   queue ..................................... video (producer) / video-send (consumer)
//   destinations, rfi range, sent-frame ring .. mutexes (held for a few instructions)
//   flags and stats ........................... atomics
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "lightwell/server/media_session.hpp"
#include "media_session_stages.hpp"
#include "video_frame_convert.hpp"

namespace lightwell::server {

// One encoded frame on its way from the video thread to the send thread. `bytes` is a pooled
// buffer: it keeps its capacity across frames and only grows (allocation policy,
// docs/media-path.md).
struct QueuedFrame {
  std::vector<std::uint8_t> bytes;
  std::size_t size = 0;
  std::chrono::steady_clock::time_point captured_at{};
  std::uint32_t rtp_timestamp_90khz = 0;
  std::uint64_t source_sequence = 0;
  media::FrameKind kind = media::FrameKind::p_frame;
};

// Bounded single-producer single-consumer queue of pre-allocated slots. The mutex guards only
// the two indices (a slot being filled or drained is owned by its thread), so neither side
// ever waits for the other's copy or send; the consumer sleeps on the condition variable,
// and request_stop() on its thread wakes it.
class FrameQueue {
 public:
  FrameQueue(std::size_t capacity, std::size_t reserve_bytes);
  // Producer: a free slot, or nullptr when the queue is full (the caller drops the frame).
  QueuedFrame* try_begin_push();
  void commit_push();
  // Consumer: waits for a frame; nullptr once stop is requested.
  QueuedFrame* wait_pop(std::stop_token stop);
  void finish_pop();

 private:
  std::mutex mutex_;
  std::condition_variable_any ready_;
  std::vector<QueuedFrame> slots_;
  std::size_t head_ = 0;  // next to pop
  std::size_t tail_ = 0;  // next to push
};

struct MediaSession::Impl {
  Impl(MediaSessionConfig config, const MediaBackends& backends, Log log, FatalHandler on_fatal);
  ~Impl();  // stop()

  void start_threads();
  void stop();

  // Threads (media_session_video.cpp, media_session_audio.cpp).
  void run_video(std::stop_token stop);
  void run_send(std::stop_token stop);
  void run_audio(std::stop_token stop);

  // Blocks until the stream's destination is known (true) or stop is requested (false).
  bool wait_destination(std::stop_token stop, bool video);
  std::optional<boost::asio::ip::udp::endpoint> destination(bool video);
  // Sleeps until `deadline` or until stop is requested (false then).
  bool sleep_until(std::stop_token stop, std::chrono::steady_clock::time_point deadline);
  // After a fatal error: nothing more to do until the owner stops the session.
  void idle_until_stop(std::stop_token stop);
  // Reports once (the first caller wins), then every media thread idles.
  void fatal(std::uint32_t termination_hresult, std::string reason);
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  // Frame index → source sequence of recently sent frames (RFI translation, video.md §8).
  void remember_sent(std::uint32_t frame_index, std::uint64_t source_sequence);
  std::optional<std::uint64_t> sequence_of(std::uint32_t frame_index);

  // --- read-only after construction
  MediaSessionConfig config;
  MediaBackends backends;  // kept to rebuild a source that asks for it (CaptureStatus::reinit)
  Log log;
  FatalHandler on_fatal;
  std::uint32_t frame_rate_x100 = 6000;
  std::chrono::nanoseconds frame_interval{};
  std::size_t expected_max_frame_bytes = 0;
  std::uint32_t video_bitrate_kbps = 0;  // what the encoder was configured with
  audio::OpusConfig opus;

  // --- backends and stages (one thread each, see the header comment)
  std::unique_ptr<capture::FrameSource> frame_source;
  std::unique_ptr<encode::VideoEncoder> encoder;
  std::unique_ptr<VideoFrameConverter> converter;  // RGB captures → NV12 (video thread)
  std::unique_ptr<audio::AudioSource> audio_source;
  std::unique_ptr<audio::AudioEncoder> audio_encoder;
  std::unique_ptr<media::VideoSendStage> video_send;
  std::unique_ptr<media::AudioSendStage> audio_send;
  std::vector<float> pcm;                       // one audio frame, interleaved
  std::array<std::uint8_t, 1400> opus_packet{};  // audio.md §3: whole datagram ≤ 1400

  // --- video → send
  FrameQueue queue;

  // --- control from other threads
  std::mutex destination_mutex;
  std::condition_variable_any destination_changed;
  std::optional<boost::asio::ip::udp::endpoint> video_destination;
  std::optional<boost::asio::ip::udp::endpoint> audio_destination;
  std::atomic<bool> idr_requested{false};
  std::atomic<bool> rfi_requested{false};
  std::mutex rfi_mutex;
  std::uint32_t rfi_first = 0;  // merged range of pending invalidations (frame indices)
  std::uint32_t rfi_last = 0;
  std::mutex sent_mutex;
  std::array<std::pair<std::uint32_t, std::uint64_t>, 128> sent_frames{};
  std::mutex sleep_mutex;
  std::condition_variable_any sleep_cv;  // never notified: an interruptible timed sleep

  // --- stats (relaxed atomics; stats() reads a consistent-enough snapshot)
  struct Counters {
    std::atomic<std::uint64_t> frames_captured{0}, frames_encoded{0}, frames_sent{0}, frames_dropped{0},
        idr_frames{0}, video_datagrams{0}, audio_packets{0}, send_errors{0};
    std::atomic<std::uint32_t> last_latency_100us{0};
  } counters;

  std::atomic<bool> failed_{false};
  std::mutex stop_mutex;
  bool stopped = false;

  // Last members: destroyed (stopped and joined) first, before anything they use.
  std::jthread video_thread;
  std::jthread send_thread;
  std::jthread audio_thread;
};

void name_this_thread(const char* name) noexcept;

}  // namespace lightwell::server
