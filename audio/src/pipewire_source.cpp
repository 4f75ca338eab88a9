// See pipewire_source.hpp. libpipewire is used only here (linked PRIVATE).
#include "lightwell/audio/pipewire_source.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

namespace lightwell::audio {
namespace {

// Single-producer (PipeWire's RT thread) single-consumer (read()) float ring.
class FloatRing {
 public:
  explicit FloatRing(std::size_t capacity) : data_(capacity) {}
  // Producer: drops what does not fit (the consumer is late; newest audio is lost, timing kept).
  void push(const float* src, std::size_t n) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    n = std::min(n, data_.size() - (head - tail));
    for (std::size_t i = 0; i < n; ++i) data_[(head + i) % data_.size()] = src[i];
    head_.store(head + n, std::memory_order_release);
  }
  std::size_t available() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed);
  }
  std::size_t pop(float* dst, std::size_t n) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    n = std::min(n, head_.load(std::memory_order_acquire) - tail);
    for (std::size_t i = 0; i < n; ++i) dst[i] = data_[(tail + i) % data_.size()];
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }

 private:
  std::vector<float> data_;
  std::atomic<std::size_t> head_{0};
  std::atomic<std::size_t> tail_{0};
};

// Encoder order (audio.md §2.3) expressed as PipeWire positions: PipeWire's channel mixer
// then delivers the sink's monitor already in our order.
constexpr spa_audio_channel kPositions[8] = {
    SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC, SPA_AUDIO_CHANNEL_LFE,
    SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR, SPA_AUDIO_CHANNEL_SL, SPA_AUDIO_CHANNEL_SR};

class PipeWireSource final : public AudioSource {
 public:
  explicit PipeWireSource(const PipeWireSourceOptions& o)
      : channels_(o.channels), ring_(std::size_t{kSampleRateHz} * o.ring_ms / 1000 * o.channels) {
    pw_init(nullptr, nullptr);
    loop_ = pw_thread_loop_new("lw-pipewire", nullptr);
    if (loop_ == nullptr) throw std::runtime_error("pipewire: cannot create the thread loop");
    context_ = pw_context_new(pw_thread_loop_get_loop(loop_), nullptr, 0);
    if (context_ == nullptr) {
      destroy();
      throw std::runtime_error("pipewire: cannot create a context");
    }
    if (pw_thread_loop_start(loop_) != 0) {
      destroy();
      throw std::runtime_error("pipewire: cannot start the thread loop");
    }
    pw_thread_loop_lock(loop_);
    core_ = pw_context_connect(context_, nullptr, 0);
    if (core_ == nullptr) {
      pw_thread_loop_unlock(loop_);
      destroy();
      throw std::runtime_error("pipewire: not running (cannot connect to the PipeWire daemon)");
    }
    pw_properties* props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Capture",
                                             PW_KEY_MEDIA_ROLE, "Music", PW_KEY_STREAM_CAPTURE_SINK, "true",
                                             PW_KEY_NODE_NAME, "lightwell-capture", nullptr);
    if (!o.target_sink.empty()) pw_properties_set(props, PW_KEY_TARGET_OBJECT, o.target_sink.c_str());
    stream_ = pw_stream_new(core_, "lightwell-capture", props);
    events_.version = PW_VERSION_STREAM_EVENTS;
    events_.process = &PipeWireSource::on_process;
    pw_stream_add_listener(stream_, &listener_, &events_, this);

    std::uint8_t pod_buffer[1024];
    spa_pod_builder builder = SPA_POD_BUILDER_INIT(pod_buffer, sizeof pod_buffer);
    spa_audio_info_raw info{};
    info.format = SPA_AUDIO_FORMAT_F32;
    info.rate = kSampleRateHz;
    info.channels = channels_;
    for (std::uint32_t i = 0; i < channels_; ++i) info.position[i] = kPositions[i];
    const spa_pod* params[1] = {spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info)};
    const auto flags = static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
                                                    PW_STREAM_FLAG_RT_PROCESS);
    const int rc = pw_stream_connect(stream_, PW_DIRECTION_INPUT, PW_ID_ANY, flags, params, 1);
    pw_thread_loop_unlock(loop_);
    if (rc != 0) {
      destroy();
      throw std::runtime_error("pipewire: cannot connect the capture stream");
    }
  }
  ~PipeWireSource() override { destroy(); }

  AudioStatus read(std::span<float> out, std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ring_.available() < out.size() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    if (ring_.available() < out.size()) {
      std::fill(out.begin(), out.end(), 0.0f);  // keep the timing (audio.md §6)
      return AudioStatus::silence;
    }
    ring_.pop(out.data(), out.size());
    return AudioStatus::ok;
  }
  std::uint32_t channels() const noexcept override { return channels_; }
  std::string_view name() const noexcept override { return "pipewire"; }

 private:
  // PipeWire's real-time thread: copy only, no allocation, no lock.
  static void on_process(void* user) {
    auto* self = static_cast<PipeWireSource*>(user);
    pw_buffer* b = pw_stream_dequeue_buffer(self->stream_);
    if (b == nullptr) return;
    const spa_data& d = b->buffer->datas[0];
    if (d.data != nullptr && d.chunk != nullptr) {
      const std::uint32_t offset = std::min(d.chunk->offset, d.maxsize);
      const std::uint32_t size = std::min(d.chunk->size, d.maxsize - offset);
      self->ring_.push(reinterpret_cast<const float*>(static_cast<const std::uint8_t*>(d.data) + offset),
                       size / sizeof(float));
    }
    pw_stream_queue_buffer(self->stream_, b);
  }

  void destroy() noexcept {
    if (loop_ != nullptr) pw_thread_loop_stop(loop_);
    if (stream_ != nullptr) pw_stream_destroy(stream_);
    if (core_ != nullptr) pw_core_disconnect(core_);
    if (context_ != nullptr) pw_context_destroy(context_);
    if (loop_ != nullptr) pw_thread_loop_destroy(loop_);
    stream_ = nullptr;
    core_ = nullptr;
    context_ = nullptr;
    loop_ = nullptr;
  }

  std::uint32_t channels_;
  FloatRing ring_;
  pw_thread_loop* loop_ = nullptr;
  pw_context* context_ = nullptr;
  pw_core* core_ = nullptr;
  pw_stream* stream_ = nullptr;
  spa_hook listener_{};
  pw_stream_events events_{};
};

}  // namespace

std::unique_ptr<AudioSource> make_pipewire_source(const PipeWireSourceOptions& options) {
  if (options.channels != 2 && options.channels != 6 && options.channels != 8)
    throw std::runtime_error("pipewire: unsupported channel count");
  return std::make_unique<PipeWireSource>(options);
}

}  // namespace lightwell::audio
