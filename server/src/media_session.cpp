// MediaSession: construction (backends, stages, configuration derived from the ANNOUNCE),
// control from other threads, stop and stats. The threads' loops are in
// media_session_video.cpp and media_session_audio.cpp; docs/media-path.md explains the design.
#include "lightwell/server/media_session.hpp"

#include <pthread.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/proto/stream_params.hpp"
#include "media_session_internal.hpp"

namespace lightwell::server {

namespace {

constexpr std::size_t kQueueFrames = 4;
// Pooled frame buffers: at least this much each, at most this much pre-allocated.
constexpr std::size_t kMinFrameReserveBytes = 64 * 1024;
constexpr std::size_t kMaxFrameReserveBytes = 8 * 1024 * 1024;

// The layout the client was told in DESCRIBE (audio/ keeps the same table as
// proto::kDefaultSurroundLayouts; tests/server/test_media_layouts.cpp holds them equal), at the
// audio.md §2.5 bit rate. opus_config_for lowers the rate when a packet would not fit one
// datagram; a session is refused instead, since the client expects the §2.5 rate.
audio::OpusConfig opus_config(const MediaSessionConfig& c) {
  const auto& p = c.params;
  audio::OpusConfig out;
  try {
    out = audio::opus_config_for(p.audio_channels, c.high_quality_audio, p.audio_packet_duration_ms);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("audio: ") + e.what());
  }
  const std::uint32_t expected_bps = audio::opus_bitrate_bps(p.audio_channels, c.high_quality_audio);
  if (out.bitrate_bps < expected_bps) {
    throw std::runtime_error("audio: " + std::to_string(expected_bps / 1000) + " kbps at " +
                             std::to_string(p.audio_packet_duration_ms) + " ms packets exceeds the 1400-byte datagram");
  }
  return out;
}

encode::ColorSpace color_space(proto::ColorSpace c) {
  switch (c) {
    case proto::ColorSpace::rec601: return encode::ColorSpace::rec601;
    case proto::ColorSpace::rec709: return encode::ColorSpace::rec709;
    case proto::ColorSpace::rec2020: return encode::ColorSpace::rec2020;
  }
  return encode::ColorSpace::rec601;
}

encode::EncoderConfig encoder_config(const MediaSessionConfig& c) {
  const auto& p = c.params;
  encode::EncoderConfig e;
  // The ANNOUNCE's bitStreamFormat (rtsp.md §5, video.md §10.1); the encoder table picks a
  // backend for it (encode/encoder_table.hpp).
  switch (p.codec) {
    case proto::VideoCodec::h264: e.codec = encode::Codec::h264; break;
    case proto::VideoCodec::hevc: e.codec = encode::Codec::hevc; break;
    case proto::VideoCodec::av1: e.codec = encode::Codec::av1; break;
  }
  e.width_px = p.width_px;
  e.height_px = p.height_px;
  e.frame_rate_x100 = p.frame_rate_x100();
  e.bitrate_kbps = c.encoder_bitrate_kbps != 0 ? c.encoder_bitrate_kbps : p.max_bitrate_kbps;
  e.slices_per_frame = std::max<std::uint32_t>(1, p.slices_per_frame);
  e.max_reference_frames = p.max_reference_frames;
  e.color_space = color_space(p.color_space);
  e.full_range = p.color_range == proto::ColorRange::full;
  e.ten_bit = p.ten_bit();
  return e;
}

// The largest frame we expect: twice a CBR frame at the target rate (the VBV is one frame;
// an IDR may overshoot it), at least 64 KiB, at most 8 MiB pre-allocated per pooled buffer.
std::size_t frame_reserve_bytes(const MediaSessionConfig& c) {
  const std::uint64_t rate_kbps = c.encoder_bitrate_kbps != 0 ? c.encoder_bitrate_kbps : c.params.max_bitrate_kbps;
  const std::uint64_t fps_x100 = std::max<std::uint32_t>(1, c.params.frame_rate_x100());
  const std::uint64_t cbr_frame = rate_kbps * 1000 / 8 * 100 / fps_x100;
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(2 * cbr_frame, kMinFrameReserveBytes, kMaxFrameReserveBytes));
}

template <class T>
std::unique_ptr<T> make_backend(const char* what, const std::function<std::unique_ptr<T>()>& factory) {
  if (!factory) throw std::runtime_error(std::string(what) + ": no backend");
  auto out = factory();
  if (!out) throw std::runtime_error(std::string(what) + ": backend refused");
  return out;
}

}  // namespace

void name_this_thread(const char* name) noexcept { ::pthread_setname_np(::pthread_self(), name); }

// ---- FrameQueue ---------------------------------------------------------------------------

FrameQueue::FrameQueue(std::size_t capacity, std::size_t reserve_bytes) : slots_(capacity) {
  for (auto& s : slots_) s.bytes.resize(reserve_bytes);
}

QueuedFrame* FrameQueue::try_begin_push() {
  std::lock_guard lock(mutex_);
  if (tail_ - head_ == slots_.size()) return nullptr;
  return &slots_[tail_ % slots_.size()];
}

void FrameQueue::commit_push() {
  {
    std::lock_guard lock(mutex_);
    ++tail_;
  }
  ready_.notify_one();
}

QueuedFrame* FrameQueue::wait_pop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait(lock, stop, [&] { return head_ != tail_; })) return nullptr;
  return &slots_[head_ % slots_.size()];
}

void FrameQueue::finish_pop() {
  std::lock_guard lock(mutex_);
  ++head_;
}

// ---- Impl ---------------------------------------------------------------------------------

MediaSession::Impl::Impl(MediaSessionConfig c, const MediaBackends& b, Log l, FatalHandler f)
    : config(std::move(c)),
      backends(b),
      log(std::move(l)),
      on_fatal(std::move(f)),
      frame_rate_x100(config.params.frame_rate_x100()),
      expected_max_frame_bytes(frame_reserve_bytes(config)),
      queue(kQueueFrames, expected_max_frame_bytes) {
  const auto& p = config.params;
  if (p.width_px == 0 || p.height_px == 0 || frame_rate_x100 == 0) {
    throw std::runtime_error("video: invalid stream parameters (size or frame rate is 0)");
  }
  // 1 s / (fps_x100 / 100) = 1e11 ns / fps_x100.
  frame_interval = std::chrono::nanoseconds(100'000'000'000LL / frame_rate_x100);
  const auto enc = encoder_config(config);
  video_bitrate_kbps = enc.bitrate_kbps;
  opus = opus_config(config);

  frame_source = make_backend<capture::FrameSource>(
      "capture", [&]() { return backends.frame_source ? backends.frame_source(p.width_px, p.height_px) : nullptr; });
  // The negotiated matrix and range (video.md §10.1) go to both the encoder's VUI and the
  // converter, so the pixels and their tags always agree.
  converter = std::make_unique<VideoFrameConverter>(p.width_px, p.height_px,
                                                    encode::YuvFormat{enc.color_space, enc.full_range});
  encoder = make_backend<encode::VideoEncoder>(
      "video encoder", [&]() { return backends.video_encoder ? backends.video_encoder(enc) : nullptr; });
  audio_source = make_backend<audio::AudioSource>(
      "audio capture", [&]() { return backends.audio_source ? backends.audio_source(opus.channels, log) : nullptr; });
  audio_encoder = make_backend<audio::AudioEncoder>(
      "audio encoder", [&]() { return backends.audio_encoder ? backends.audio_encoder(opus) : nullptr; });
  if (audio_encoder->channels() != opus.channels || audio_encoder->frame_samples() == 0) {
    throw std::runtime_error("audio encoder: unexpected frame layout");
  }
  pcm.resize(audio_encoder->frame_samples() * opus.channels);

  media::VideoSendConfig vs;
  vs.packet_size_bytes = p.packet_size_bytes;
  vs.fec_percentage = config.fec_percentage;
  vs.min_required_fec_packets = p.min_required_fec_packets;
  if (p.video_encrypted()) vs.key = config.rikey;
  vs.fd = config.video_fd;
  vs.expected_max_frame_bytes = expected_max_frame_bytes;
  video_send = std::make_unique<media::VideoSendStage>(vs);

  media::AudioSendConfig as;
  as.packet_duration_ms = p.audio_packet_duration_ms;
  if (p.audio_encrypted()) as.key = config.rikey;
  as.rikeyid = config.rikeyid;
  as.fd = config.audio_fd;
  audio_send = std::make_unique<media::AudioSendStage>(as);
}

MediaSession::Impl::~Impl() { stop(); }

void MediaSession::Impl::start_threads() {
  video_thread = std::jthread([this](std::stop_token st) { run_video(st); });
  send_thread = std::jthread([this](std::stop_token st) { run_send(st); });
  audio_thread = std::jthread([this](std::stop_token st) { run_audio(st); });
}

void MediaSession::Impl::stop() {
  std::lock_guard lock(stop_mutex);
  if (stopped) return;
  stopped = true;
  // Every wait in the threads is a condition_variable_any wait on the thread's stop token (or
  // a bounded sleep of at most one frame interval), so request_stop wakes them all.
  for (auto* t : {&video_thread, &send_thread, &audio_thread}) t->request_stop();
  for (auto* t : {&video_thread, &send_thread, &audio_thread}) {
    if (t->joinable()) t->join();
  }
}

bool MediaSession::Impl::wait_destination(std::stop_token stop, bool video) {
  std::unique_lock lock(destination_mutex);
  return destination_changed.wait(lock, stop, [&] {
    return (video ? video_destination : audio_destination).has_value();
  });
}

std::optional<boost::asio::ip::udp::endpoint> MediaSession::Impl::destination(bool video) {
  std::lock_guard lock(destination_mutex);
  return video ? video_destination : audio_destination;
}

bool MediaSession::Impl::sleep_until(std::stop_token stop, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(sleep_mutex);
  sleep_cv.wait_until(lock, stop, deadline, [] { return false; });
  return !stop.stop_requested();
}

void MediaSession::Impl::idle_until_stop(std::stop_token stop) {
  std::unique_lock lock(sleep_mutex);
  sleep_cv.wait(lock, stop, [] { return false; });
}

void MediaSession::Impl::fatal(std::uint32_t termination_hresult, std::string reason) {
  if (failed_.exchange(true, std::memory_order_acq_rel)) return;
  log.error("media path failed: {}", reason);
  if (on_fatal) on_fatal(termination_hresult, std::move(reason));
}

void MediaSession::Impl::remember_sent(std::uint32_t frame_index, std::uint64_t source_sequence) {
  std::lock_guard lock(sent_mutex);
  sent_frames[frame_index % sent_frames.size()] = {frame_index, source_sequence};
}

std::optional<std::uint64_t> MediaSession::Impl::sequence_of(std::uint32_t frame_index) {
  std::lock_guard lock(sent_mutex);
  const auto& entry = sent_frames[frame_index % sent_frames.size()];
  if (entry.first != frame_index || frame_index == 0) return std::nullopt;
  return entry.second;
}

// ---- MediaSession -------------------------------------------------------------------------

MediaSession::MediaSession(MediaSessionConfig config, const MediaBackends& backends, Log log, FatalHandler on_fatal)
    : impl_(std::make_unique<Impl>(std::move(config), backends, std::move(log), std::move(on_fatal))) {
  impl_->start_threads();
}

MediaSession::~MediaSession() { stop(); }

void MediaSession::set_video_destination(const boost::asio::ip::udp::endpoint& to) {
  {
    std::lock_guard lock(impl_->destination_mutex);
    impl_->video_destination = to;
  }
  impl_->destination_changed.notify_all();
}

void MediaSession::set_audio_destination(const boost::asio::ip::udp::endpoint& to) {
  {
    std::lock_guard lock(impl_->destination_mutex);
    impl_->audio_destination = to;
  }
  impl_->destination_changed.notify_all();
}

void MediaSession::request_idr() { impl_->idr_requested.store(true, std::memory_order_release); }

void MediaSession::invalidate_references(std::uint32_t first_frame, std::uint32_t last_frame) {
  if (first_frame > last_frame) std::swap(first_frame, last_frame);
  {
    std::lock_guard lock(impl_->rfi_mutex);
    if (impl_->rfi_requested.load(std::memory_order_relaxed)) {
      impl_->rfi_first = std::min(impl_->rfi_first, first_frame);
      impl_->rfi_last = std::max(impl_->rfi_last, last_frame);
    } else {
      impl_->rfi_first = first_frame;
      impl_->rfi_last = last_frame;
    }
    impl_->rfi_requested.store(true, std::memory_order_release);
  }
}

void MediaSession::stop() {
  if (impl_) impl_->stop();
}

MediaStats MediaSession::stats() const {
  const auto& c = impl_->counters;
  MediaStats s;
  s.frames_captured = c.frames_captured.load(std::memory_order_relaxed);
  s.frames_encoded = c.frames_encoded.load(std::memory_order_relaxed);
  s.frames_sent = c.frames_sent.load(std::memory_order_relaxed);
  s.frames_dropped = c.frames_dropped.load(std::memory_order_relaxed);
  s.idr_frames = c.idr_frames.load(std::memory_order_relaxed);
  s.video_datagrams = c.video_datagrams.load(std::memory_order_relaxed);
  s.audio_packets = c.audio_packets.load(std::memory_order_relaxed);
  s.send_errors = c.send_errors.load(std::memory_order_relaxed);
  s.last_latency_100us = c.last_latency_100us.load(std::memory_order_relaxed);
  return s;
}

std::uint32_t MediaSession::session_id() const noexcept { return impl_->config.session_id; }

}  // namespace lightwell::server
