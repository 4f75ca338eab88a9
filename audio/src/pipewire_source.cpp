// See pipewire_source.hpp: the AudioSource over a PipeWire connection that is remade when
// PipeWire goes away. The ring outlives every connection, so read() never touches PipeWire.
#include "lightwell/audio/pipewire_source.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

#include "pipewire_capture.hpp"
#include "pipewire_ring.hpp"

namespace lightwell::audio {
namespace {

using Clock = std::chrono::steady_clock;

void validate(const PipeWireSourceOptions& o) {
  for (const std::uint32_t c : {o.channels, o.max_channels}) {
    if (c != 2 && c != 6 && c != 8) {
      throw std::invalid_argument("pipewire: unsupported channel count " + std::to_string(c) + " (2, 6 or 8)");
    }
  }
  if (o.ring_ms < 20 || o.ring_ms > 2000) throw std::invalid_argument("pipewire: ring_ms must be 20..2000");
  if (o.max_backlog_ms < 10 || o.max_backlog_ms >= o.ring_ms) {
    throw std::invalid_argument("pipewire: max_backlog_ms must be at least 10 and below ring_ms");
  }
  if (o.target_sink.empty() && o.virtual_sink && o.virtual_sink_name.empty()) {
    throw std::invalid_argument("pipewire: the virtual sink needs a name");
  }
}

class PipeWireSource final : public AudioSource {
 public:
  // retry=false: one synchronous attempt that throws (connect_pipewire_source).
  PipeWireSource(PipeWireSourceOptions options, bool retry)
      : options_(std::move(options)),
        capture_options_(capture_options(options_)),
        ring_(std::size_t{kSampleRateHz} * options_.ring_ms / 1000 * capture_options_.channels,
              capture_options_.channels),
        max_backlog_samples_(std::size_t{kSampleRateHz} * options_.max_backlog_ms / 1000 * capture_options_.channels),
        scratch_(std::size_t{kSampleRateHz} * 60 / 1000 * capture_options_.channels) {
    if (!retry) {
      capture_ = std::make_unique<detail::PipeWireCapture>(capture_options_, ring_);
      connected_.store(true);
      return;
    }
    supervisor_ = std::jthread([this](std::stop_token stop) { supervise(stop); });
  }

  ~PipeWireSource() override {
    if (supervisor_.joinable()) {
      supervisor_.request_stop();
      wake_.notify_all();
      supervisor_.join();  // the supervisor destroys its connection (restoring the default sink)
    }
    capture_.reset();
  }

  AudioStatus read(std::span<float> out, std::chrono::milliseconds timeout) override {
    if (capture_options_.channels == options_.channels) return read_captured(out, timeout);
    // Fewer channels captured than the session has: read them, then spread each frame over
    // the session's layout with the extra channels silent.
    const std::size_t frames = out.size() / options_.channels;
    const std::size_t captured = capture_options_.channels;
    if (scratch_.size() < frames * captured) scratch_.resize(frames * captured);  // > 60 ms frames only
    const AudioStatus status = read_captured(std::span<float>(scratch_.data(), frames * captured), timeout);
    std::fill(out.begin(), out.end(), 0.0f);
    for (std::size_t f = 0; f < frames; ++f) {
      std::copy_n(scratch_.begin() + static_cast<std::ptrdiff_t>(f * captured), captured,
                  out.begin() + static_cast<std::ptrdiff_t>(f * options_.channels));
    }
    return status;
  }
  std::uint32_t channels() const noexcept override { return options_.channels; }
  std::string_view name() const noexcept override { return "pipewire"; }

 private:
  static PipeWireSourceOptions capture_options(const PipeWireSourceOptions& o) {
    PipeWireSourceOptions c = o;
    c.channels = std::min(o.channels, o.max_channels);
    return c;
  }

  AudioStatus read_captured(std::span<float> out, std::chrono::milliseconds timeout) {
    // Bound latency: audio that piled up (a stall of this thread, a burst from PipeWire) is
    // dropped down to the backlog limit rather than delivered late forever.
    const std::size_t available = ring_.available();
    if (available > max_backlog_samples_ + out.size()) ring_.discard(available - max_backlog_samples_ - out.size());
    if (connected_.load(std::memory_order_acquire)) {
      // Sleep for as long as the missing samples take to arrive rather than polling: every
      // wake-up costs CPU (polling every 250 µs made the audio thread 7 % of a core, measured
      // by bench_audio_pipewire).
      const auto deadline = Clock::now() + timeout;
      for (std::size_t have = ring_.available(); have < out.size(); have = ring_.available()) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        const auto missing_frames = static_cast<std::int64_t>((out.size() - have) / capture_options_.channels);
        const auto needed = std::chrono::microseconds(std::max<std::int64_t>(200, missing_frames * 1'000'000 / kSampleRateHz));
        std::this_thread::sleep_until(std::min<Clock::time_point>(deadline, now + needed));
      }
    }
    if (ring_.available() < out.size()) {
      std::fill(out.begin(), out.end(), 0.0f);  // keep the timing (audio.md §6)
      return AudioStatus::silence;
    }
    ring_.pop(out.data(), out.size());
    return AudioStatus::ok;
  }

  void report(const std::string& line) const {
    if (options_.on_event) options_.on_event(line);
  }

  // Supervisor thread: (re)connects, notices a broken connection, tears it down.
  void supervise(std::stop_token stop) {
    std::string last_failure;
    while (!stop.stop_requested()) {
      if (capture_ && capture_->broken()) {
        connected_.store(false, std::memory_order_release);
        capture_.reset();
        last_failure.clear();
        report("pipewire: the connection was lost (PipeWire stopped or restarted); streaming silence and "
               "reconnecting");
      }
      if (!capture_) {
        try {
          capture_ = std::make_unique<detail::PipeWireCapture>(capture_options_, ring_, stop);
          connected_.store(true, std::memory_order_release);
          report("pipewire: capturing " + capture_->description());
        } catch (const std::exception& e) {
          if (e.what() != last_failure) {  // one line per distinct reason, not one per retry
            last_failure = e.what();
            report(last_failure + "; streaming silence, retrying every " +
                   std::to_string(options_.reconnect_interval.count()) + " ms");
          }
        }
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, capture_ ? std::chrono::milliseconds(100) : options_.reconnect_interval,
                     [] { return false; });
    }
    connected_.store(false, std::memory_order_release);
    capture_.reset();
  }

  const PipeWireSourceOptions options_;
  const PipeWireSourceOptions capture_options_;  // channels = what PipeWire delivers
  detail::FloatRing ring_;
  const std::size_t max_backlog_samples_;
  std::vector<float> scratch_;  // audio thread: one frame of captured channels
  std::unique_ptr<detail::PipeWireCapture> capture_;  // supervisor thread only (retry mode)
  std::atomic<bool> connected_{false};
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread supervisor_;  // last: started after everything it uses exists
};

}  // namespace

std::unique_ptr<AudioSource> connect_pipewire_source(const PipeWireSourceOptions& options) {
  validate(options);
  return std::make_unique<PipeWireSource>(options, false);
}

std::unique_ptr<AudioSource> make_pipewire_source(const PipeWireSourceOptions& options) {
  validate(options);
  return std::make_unique<PipeWireSource>(options, true);
}

}  // namespace lightwell::audio
