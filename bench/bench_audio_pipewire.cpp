// Issue 6 benchmark: PipeWire capture latency and the audio thread's CPU, on a real headless
// PipeWire (tests/support/pipewire_fixture) with the real MediaSession and backends serve
// uses (media_backends(): PipeWire virtual sink + Opus), sending to a loopback socket.
//
// Latency "sample entering PipeWire → its packet leaving the socket": a playback stream in
// this process (a game with a 5 ms buffer, node.latency 240/48000) plays a click every 200 ms
// into the default sink (the virtual sink) and notes the time it queues the buffer holding the
// click. A thin wrapper around the session's AudioSource notes which read() first returned
// the click; read k becomes audio data packet k (one per read, audio.md §6), whose arrival on
// the loopback receiver is the "left the socket" time (loopback adds ~20 µs).
// CPU: the audio thread's own CPU clock (read + Opus + packetize + send) per 5 ms packet.
// The real-time copy in PipeWire's data thread is a memcpy of one quantum, not counted.
// Figures only, never a verdict.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "lightwell/audio/audio_source.hpp"
#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/proto/stream_params.hpp"
#include "lightwell/server/media_session.hpp"
#include "lightwell/server/stream_controller.hpp"
#include "pipewire_fixture.hpp"
#include "report.hpp"

namespace audio = lightwell::audio;
namespace bench = lightwell::bench;
namespace proto = lightwell::proto;
namespace server = lightwell::server;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kClickEveryFrames = 9600;  // 200 ms at 48 kHz
constexpr std::uint32_t kClickFrames = 48;         // 1 ms at 0.8

// The "game": a pw_stream playing silence with a click every 200 ms into the default sink.
class ClickPlayer {
 public:
  explicit ClickPlayer(std::uint32_t channels) : channels_(channels) {
    enters_.reserve(4096);
    loop_ = pw_thread_loop_new("bench-player", nullptr);
    pw_thread_loop_lock(loop_);
    pw_thread_loop_start(loop_);
    pw_properties* props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Playback",
                                             PW_KEY_MEDIA_ROLE, "Game", PW_KEY_NODE_LATENCY, "240/48000", nullptr);
    stream_ = pw_stream_new_simple(pw_thread_loop_get_loop(loop_), "bench-clicks", props, &events(), this);
    std::uint8_t pod_buffer[1024];
    spa_pod_builder b = SPA_POD_BUILDER_INIT(pod_buffer, sizeof pod_buffer);
    spa_audio_info_raw info{};
    info.format = SPA_AUDIO_FORMAT_F32;
    info.rate = 48000;
    info.channels = channels;
    const spa_audio_channel pos[8] = {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
                                      SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR,
                                      SPA_AUDIO_CHANNEL_SL, SPA_AUDIO_CHANNEL_SR};
    for (std::uint32_t i = 0; i < channels; ++i) info.position[i] = pos[i];
    const spa_pod* params[1] = {spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info)};
    pw_stream_connect(stream_, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                      static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
                                                   PW_STREAM_FLAG_RT_PROCESS),
                      params, 1);
    pw_thread_loop_unlock(loop_);
  }
  ~ClickPlayer() {
    pw_thread_loop_lock(loop_);
    pw_stream_destroy(stream_);
    pw_thread_loop_unlock(loop_);
    pw_thread_loop_stop(loop_);
    pw_thread_loop_destroy(loop_);
  }
  std::vector<Clock::time_point> enters() {
    std::lock_guard lock(mutex_);
    return enters_;
  }

 private:
  static const pw_stream_events& events() {
    static const pw_stream_events e = [] {
      pw_stream_events ev{};
      ev.version = PW_VERSION_STREAM_EVENTS;
      ev.process = &ClickPlayer::on_process;
      return ev;
    }();
    return e;
  }
  static void on_process(void* data) {
    auto* self = static_cast<ClickPlayer*>(data);
    pw_buffer* b = pw_stream_dequeue_buffer(self->stream_);
    if (b == nullptr) return;
    spa_data& d = b->buffer->datas[0];
    auto* out = static_cast<float*>(d.data);
    if (out == nullptr) return;
    const std::uint32_t stride = self->channels_ * sizeof(float);
    std::uint32_t frames = d.maxsize / stride;
    if (b->requested != 0) frames = std::min<std::uint32_t>(frames, static_cast<std::uint32_t>(b->requested));
    bool click = false;
    for (std::uint32_t i = 0; i < frames; ++i) {
      const std::uint64_t n = self->frames_ + i;
      const bool on = n % kClickEveryFrames < kClickFrames && n >= kClickEveryFrames;
      click = click || (on && n % kClickEveryFrames == 0);
      for (std::uint32_t c = 0; c < self->channels_; ++c) out[i * self->channels_ + c] = on ? 0.8f : 0.0f;
    }
    self->frames_ += frames;
    d.chunk->offset = 0;
    d.chunk->stride = static_cast<std::int32_t>(stride);
    d.chunk->size = frames * stride;
    if (click) {
      // A bench, not the product: a short lock on the RT thread is acceptable here.
      std::lock_guard lock(self->mutex_);
      self->enters_.push_back(Clock::now());
    }
    pw_stream_queue_buffer(self->stream_, b);
  }

  std::uint32_t channels_;
  std::uint64_t frames_ = 0;
  pw_thread_loop* loop_ = nullptr;
  pw_stream* stream_ = nullptr;
  std::mutex mutex_;
  std::vector<Clock::time_point> enters_;
};

// What the audio thread saw: the index and time of each read that started a click, and the
// thread's CPU time between the first and the last read.
struct Probe {
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, Clock::time_point>> clicks;
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::int64_t> cpu_first_ns{-1}, cpu_last_ns{0};
  std::atomic<std::int64_t> cpu_in_read_ns{0};    // of which inside the PipeWire source's read()
  std::atomic<std::int64_t> cpu_in_encode_ns{0};  // of which inside the Opus encoder
  std::atomic<std::uint64_t> encodes{0};
};

std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

class ProbeSource final : public audio::AudioSource {
 public:
  ProbeSource(std::unique_ptr<audio::AudioSource> inner, Probe& probe) : inner_(std::move(inner)), probe_(probe) {}
  audio::AudioStatus read(std::span<float> out, std::chrono::milliseconds timeout) override {
    const std::int64_t before = thread_cpu_ns();
    const auto status = inner_->read(out, timeout);
    probe_.cpu_in_read_ns.fetch_add(thread_cpu_ns() - before);
    const std::uint64_t index = probe_.reads.fetch_add(1);
    float peak = 0;
    for (float v : out) peak = std::max(peak, std::fabs(v));
    if (peak > 0.4f && !in_click_) {
      std::lock_guard lock(probe_.mutex);
      probe_.clicks.emplace_back(index, Clock::now());
    }
    in_click_ = peak > 0.05f;
    const std::int64_t cpu = thread_cpu_ns();
    if (probe_.cpu_first_ns.load() < 0) probe_.cpu_first_ns.store(cpu);
    probe_.cpu_last_ns.store(cpu);
    return status;
  }
  std::uint32_t channels() const noexcept override { return inner_->channels(); }
  std::string_view name() const noexcept override { return inner_->name(); }

 private:
  std::unique_ptr<audio::AudioSource> inner_;
  Probe& probe_;
  bool in_click_ = false;
};

class ProbeEncoder final : public audio::AudioEncoder {
 public:
  ProbeEncoder(std::unique_ptr<audio::AudioEncoder> inner, Probe& probe) : inner_(std::move(inner)), probe_(probe) {}
  std::size_t frame_samples() const noexcept override { return inner_->frame_samples(); }
  std::uint32_t channels() const noexcept override { return inner_->channels(); }
  int encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept override {
    const std::int64_t before = thread_cpu_ns();
    const int n = inner_->encode(pcm, out);
    probe_.cpu_in_encode_ns.fetch_add(thread_cpu_ns() - before);
    probe_.encodes.fetch_add(1);
    return n;
  }

 private:
  std::unique_ptr<audio::AudioEncoder> inner_;
  Probe& probe_;
};

// Loopback receiver of the session's audio datagrams: arrival time of each data packet (RTP
// payload type 97, audio.md) by its position in the stream.
class Receiver {
 public:
  Receiver() : socket_(io_, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    ::timeval tv{0, 100000};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::jthread([this](std::stop_token st) {
      std::vector<std::uint8_t> buf(2048);
      while (!st.stop_requested()) {
        const ssize_t n = ::recv(socket_.native_handle(), buf.data(), buf.size(), 0);
        if (n < 12 || (buf[1] & 0x7F) != 97) continue;
        const auto now = Clock::now();
        std::lock_guard lock(mutex_);
        arrivals_.push_back(now);
      }
    });
  }
  boost::asio::ip::udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  std::vector<Clock::time_point> arrivals() {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_;
  std::mutex mutex_;
  std::vector<Clock::time_point> arrivals_;
  std::jthread thread_;
};

void run(bench::Report& report, std::uint32_t channels, double seconds) {
  const std::string tag = channels == 2 ? "stereo" : channels == 6 ? "5.1" : "7.1";
  lightwell::test::PipeWireFixture pw;
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  ::setenv("XDG_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);

  server::LogHub hub = server::LogHub::to_stderr(server::LogLevel::warn);
  server::AudioOptions audio_options;  // defaults: PipeWire, virtual sink
  server::MediaBackends backends = server::media_backends(audio_options);
  Probe probe;
  auto make_pipewire = backends.audio_source;
  backends.audio_source = [&probe, make_pipewire](std::uint32_t ch, const server::Log& log) {
    return std::make_unique<ProbeSource>(make_pipewire(ch, log), probe);
  };
  auto make_opus = backends.audio_encoder;
  backends.audio_encoder = [&probe, make_opus](const audio::OpusConfig& c) {
    return std::make_unique<ProbeEncoder>(make_opus(c), probe);
  };

  server::MediaSessionConfig config;
  config.session_id = 1;
  config.params.width_px = 640;  // small video: this bench is about audio
  config.params.height_px = 360;
  config.params.fps = 30;
  config.params.packet_size_bytes = 1392 - 32;
  config.params.max_bitrate_kbps = 2000;
  config.params.audio_channels = channels;
  config.params.encryption_enabled = proto::kEncControlV2;  // audio in clear for the receiver
  config.params.min_required_fec_packets = 2;
  config.encoder_bitrate_kbps = 2000;
  config.high_quality_audio = true;
  Receiver video_sink, audio_sink;
  const int video_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int audio_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  config.video_fd = video_fd;
  config.audio_fd = audio_fd;
  std::vector<Clock::time_point> enters;
  {
    server::MediaSession session(config, backends, hub.get("bench"), [](std::uint32_t, std::string) {});
    session.set_audio_destination(audio_sink.endpoint());
    session.set_video_destination(video_sink.endpoint());
    // Wait until the virtual sink is the default, then start the "game".
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (pw.default_sink(std::chrono::seconds(2)) != "lightwell-sink" && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ClickPlayer player(channels);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    enters = player.enters();
    session.stop();
  }
  ::close(video_fd);
  ::close(audio_fd);

  const auto arrivals = audio_sink.arrivals();
  std::vector<std::pair<std::uint64_t, Clock::time_point>> clicks;
  {
    std::lock_guard lock(probe.mutex);
    clicks = probe.clicks;
  }
  std::vector<double> to_read_ms, to_socket_ms;
  for (const auto& [index, read_at] : clicks) {
    // The click that entered last before the read saw it (clicks are 200 ms apart).
    auto it = std::upper_bound(enters.begin(), enters.end(), read_at);
    if (it == enters.begin() || index >= arrivals.size()) continue;
    const Clock::time_point entered = *std::prev(it);
    to_read_ms.push_back(std::chrono::duration<double, std::milli>(read_at - entered).count());
    to_socket_ms.push_back(std::chrono::duration<double, std::milli>(arrivals[index] - entered).count());
  }
  std::printf("%s: %zu clicks played, %zu seen by the audio thread, %zu matched; %zu audio packets\n", tag.c_str(),
              enters.size(), clicks.size(), to_socket_ms.size(), arrivals.size());
  report.add({"pipewire/" + tag + "/enter_to_socket/p50", bench::percentile(to_socket_ms, 0.5), "ms", ""});
  report.add({"pipewire/" + tag + "/enter_to_socket/p99", bench::percentile(to_socket_ms, 0.99), "ms", "<= 10"});
  report.add({"pipewire/" + tag + "/enter_to_read/p50", bench::percentile(to_read_ms, 0.5), "ms", ""});
  const std::uint64_t reads = probe.reads.load();
  if (reads > 1) {
    const double cpu_us_per_frame =
        static_cast<double>(probe.cpu_last_ns.load() - probe.cpu_first_ns.load()) / 1000.0 / static_cast<double>(reads - 1);
    report.add({"pipewire/" + tag + "/audio_thread_cpu_per_5ms_frame", cpu_us_per_frame, "us", ""});
    report.add({"pipewire/" + tag + "/of_which_source_read_per_5ms_frame",
                static_cast<double>(probe.cpu_in_read_ns.load()) / 1000.0 / static_cast<double>(reads), "us", ""});
    const double encode_us = static_cast<double>(probe.cpu_in_encode_ns.load()) / 1000.0 /
                             static_cast<double>(std::max<std::uint64_t>(1, probe.encodes.load()));
    report.add({"pipewire/" + tag + "/of_which_opus_encode_per_5ms_frame", encode_us, "us", ""});
    report.add({"pipewire/" + tag + "/opus_encode_cpu", encode_us / 5000.0 * 100.0, "% of one core",
                channels == 2 ? "<= 1" : ""});
    report.add({"pipewire/" + tag + "/audio_thread_cpu", cpu_us_per_frame / 5000.0 * 100.0, "% of one core", ""});
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!lightwell::test::PipeWireFixture::available()) {
    std::printf("bench_audio_pipewire: pipewire, wireplumber or dbus-daemon not installed; nothing measured\n");
    return 0;
  }
  pw_init(&argc, &argv);
  const double seconds = bench::quick_mode(argc, argv) ? 3.0 : 12.0;
  bench::Report report("bench_audio_pipewire");
  run(report, 2, seconds);
  run(report, 8, seconds);
  return 0;
}
