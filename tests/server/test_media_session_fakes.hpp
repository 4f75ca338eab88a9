// Fakes and wire readers for the MediaSession tests: a frame source with tiny i420 frames, a
// video encoder whose bitstream encodes the source sequence and the IDR flag (so a test can
// regenerate exactly what must arrive), an audio source giving silence and an Opus stand-in
// with fixed-size numbered packets; a UDP collector on 127.0.0.1 and readers for the video
// (video.md §3, §4) and audio (audio.md §3, §5) datagrams.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "lightwell/server/media_session.hpp"
#include "test_media_session_wire.hpp"

namespace media_test {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using udp = asio::ip::udp;
using lightwell::server::MediaBackends;

// ---- fake video ------------------------------------------------------------------------------

struct VideoState {
  std::atomic<int> sources_made{0};
  std::atomic<int> encoders_made{0};
  std::atomic<std::uint64_t> captures{0};
  std::atomic<std::uint64_t> encodes{0};
  std::atomic<std::uint64_t> forced_idrs{0};
  std::atomic<std::int64_t> fail_encode_at{-1};  // source sequence whose encode fails
  bool can_invalidate = false;
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> invalidations;
  std::optional<lightwell::encode::EncoderConfig> config;
};

class FakeFrameSource : public lightwell::capture::FrameSource {
 public:
  FakeFrameSource(std::shared_ptr<VideoState> s, std::uint32_t w, std::uint32_t h)
      : state_(std::move(s)), w_(w), h_(h), pixels_(w * h * 3 / 2, 0x80) {}
  lightwell::capture::CaptureStatus capture(lightwell::capture::Frame& out, std::chrono::milliseconds) override {
    out.width_px = w_;
    out.height_px = h_;
    out.format = lightwell::capture::PixelFormat::i420;
    out.plane_count = 3;
    out.planes[0] = {pixels_.data(), w_};
    out.planes[1] = {pixels_.data() + w_ * h_, w_ / 2};
    out.planes[2] = {pixels_.data() + w_ * h_ * 5 / 4, w_ / 2};
    // Pretend the pixels were captured 3 ms ago, so the latency field is never legitimately 0.
    out.captured_at = std::chrono::steady_clock::now() - 3ms;
    out.sequence = ++sequence_;
    state_->captures++;
    return lightwell::capture::CaptureStatus::ok;
  }
  std::string_view name() const noexcept override { return "fake"; }

 private:
  std::shared_ptr<VideoState> state_;
  std::uint32_t w_, h_;
  std::vector<std::uint8_t> pixels_;
  std::uint64_t sequence_ = 0;
};

class FakeVideoEncoder : public lightwell::encode::VideoEncoder {
 public:
  explicit FakeVideoEncoder(std::shared_ptr<VideoState> s) : state_(std::move(s)) { bitstream_.reserve(4096); }
  lightwell::encode::EncodeResult encode(const lightwell::capture::Frame& frame, bool force_idr) override {
    lightwell::encode::EncodeResult r;
    state_->encodes++;
    if (state_->fail_encode_at.load() >= 0 && frame.sequence >= std::uint64_t(state_->fail_encode_at.load())) {
      r.status = lightwell::encode::EncodeStatus::error;
      r.error = "fake failure";
      return r;
    }
    const bool idr = force_idr || first_;
    first_ = false;
    if (force_idr) state_->forced_idrs++;
    fill_fake_bitstream(bitstream_, frame.sequence, idr);  // no allocation after the first frames
    r.frame.bitstream = bitstream_;
    r.frame.idr = idr;
    r.frame.source_sequence = frame.sequence;
    return r;
  }
  bool can_invalidate_references() const noexcept override { return state_->can_invalidate; }
  bool invalidate_references(std::uint64_t first, std::uint64_t last) override {
    std::lock_guard lock(state_->mutex);
    state_->invalidations.emplace_back(first, last);
    return state_->can_invalidate;
  }
  bool set_bitrate_kbps(std::uint32_t) override { return false; }
  std::string_view name() const noexcept override { return "fake-encoder"; }

 private:
  std::shared_ptr<VideoState> state_;
  Datagram bitstream_;
  bool first_ = true;
};

// ---- fake audio ------------------------------------------------------------------------------

struct AudioState {
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> encodes{0};
  std::atomic<bool> fail_encode{false};
  std::optional<lightwell::audio::OpusConfig> config;
  std::uint32_t source_channels = 0;
};

class FakeAudioSource : public lightwell::audio::AudioSource {
 public:
  FakeAudioSource(std::shared_ptr<AudioState> s, std::uint32_t channels) : state_(std::move(s)), channels_(channels) {}
  lightwell::audio::AudioStatus read(std::span<float> out, std::chrono::milliseconds) override {
    std::fill(out.begin(), out.end(), 0.0f);
    state_->reads++;
    return lightwell::audio::AudioStatus::silence;
  }
  std::uint32_t channels() const noexcept override { return channels_; }
  std::string_view name() const noexcept override { return "fake-audio"; }

 private:
  std::shared_ptr<AudioState> state_;
  std::uint32_t channels_;
};

class FakeAudioEncoder : public lightwell::audio::AudioEncoder {
 public:
  FakeAudioEncoder(std::shared_ptr<AudioState> s, std::uint32_t channels) : state_(std::move(s)), channels_(channels) {}
  std::size_t frame_samples() const noexcept override { return 240; }
  std::uint32_t channels() const noexcept override { return channels_; }
  int encode(std::span<const float> pcm, std::span<std::uint8_t> out) noexcept override {
    if (pcm.size() != 240 * channels_) return -1;
    if (state_->fail_encode) return -3;
    if (out.size() < kFakeOpusBytes) return -2;
    // fake_opus_packet(n), written in place (no allocation on the audio thread).
    const auto n = static_cast<std::uint32_t>(state_->encodes++);
    for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(n >> (8 * i));
    for (std::size_t i = 4; i < kFakeOpusBytes; ++i) out[i] = static_cast<std::uint8_t>(n * 7 + i);
    return static_cast<int>(kFakeOpusBytes);
  }

 private:
  std::shared_ptr<AudioState> state_;
  std::uint32_t channels_;
};

struct Fakes {
  std::shared_ptr<VideoState> video = std::make_shared<VideoState>();
  std::shared_ptr<AudioState> audio = std::make_shared<AudioState>();
  MediaBackends backends() const {
    MediaBackends b;
    auto v = video;
    auto a = audio;
    b.frame_source = [v](std::uint32_t w, std::uint32_t h) {
      v->sources_made++;
      return std::make_unique<FakeFrameSource>(v, w, h);
    };
    b.video_encoder = [v](const lightwell::encode::EncoderConfig& c) {
      v->encoders_made++;
      v->config = c;
      return std::make_unique<FakeVideoEncoder>(v);
    };
    b.audio_source = [a](std::uint32_t channels, const lightwell::server::Log&) {
      a->source_channels = channels;
      return std::make_unique<FakeAudioSource>(a, channels);
    };
    b.audio_encoder = [a](const lightwell::audio::OpusConfig& c) {
      a->config = c;
      return std::make_unique<FakeAudioEncoder>(a, c.channels);
    };
    return b;
  }
};

// ---- UDP ---------------------------------------------------------------------------------

// A UDP socket on 127.0.0.1 (port chosen by the kernel) whose datagrams a thread collects.
class Collector {
 public:
  Collector() : socket_(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    socket_.set_option(udp::socket::receive_buffer_size(4 << 20));
    timeval tv{0, 20'000};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] {
      Datagram buf(65536);
      while (!done_) {
        const ssize_t n = ::recv(socket_.native_handle(), buf.data(), buf.size(), 0);
        if (n <= 0) continue;
        std::lock_guard lock(mutex_);
        got_.emplace_back(buf.begin(), buf.begin() + n);
      }
    });
  }
  ~Collector() {
    done_ = true;
    thread_.join();
  }
  udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  std::vector<Datagram> snapshot() {
    std::lock_guard lock(mutex_);
    return got_;
  }
  // Polls pred(snapshot) until it holds or `timeout` passed (generous; never a speed test).
  bool wait_until(const std::function<bool(const std::vector<Datagram>&)>& pred, std::chrono::seconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(snapshot())) return true;
      std::this_thread::sleep_for(5ms);
    }
    return pred(snapshot());
  }

 private:
  asio::io_context io_;
  udp::socket socket_;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::vector<Datagram> got_;
  std::thread thread_;
};

// A socket for the session to send from (the host's media port in production).
struct SendSocket {
  asio::io_context io;
  udp::socket socket{io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  int fd() { return socket.native_handle(); }
};

// A stream config for 64×64 at 60 fps, P = 1024, stereo 5 ms audio; the sockets are the
// caller's.
inline lightwell::server::MediaSessionConfig small_config(int video_fd, int audio_fd) {
  lightwell::server::MediaSessionConfig c;
  c.session_id = 7;
  auto& p = c.params;
  p.width_px = 64;
  p.height_px = 64;
  p.fps = 60;
  p.packet_size_bytes = 1024;
  p.max_bitrate_kbps = 2000;
  p.slices_per_frame = 1;
  p.max_reference_frames = 1;
  p.min_required_fec_packets = 2;
  p.audio_channels = 2;
  p.audio_packet_duration_ms = 5;
  for (std::size_t i = 0; i < c.rikey.size(); ++i) c.rikey[i] = static_cast<std::uint8_t>(0x40 + i);
  c.rikeyid = -559038737;
  c.fec_percentage = 20;
  c.encoder_bitrate_kbps = 1500;
  c.video_fd = video_fd;
  c.audio_fd = audio_fd;
  return c;
}

}  // namespace media_test
