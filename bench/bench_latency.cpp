// Host latency of the software video path (issue 4 "bench/latency"), per stage and whole:
//
//  A. Stages, called in sequence on one thread, on the same frames and encoder settings the
//     server uses: capture (test pattern render), encode (x264), packetize + FEC + encrypt
//     (VideoPacketizer + VideoEncryptor, 20 % FEC), send (PacedUdpSender to a loopback socket,
//     no spread). p50/p99 each, at 720p60 and 1080p60.
//  B. x264 alone on the same pre-rendered frames with the same settings: p50/p99.
//  C. The whole server path: a real MediaSession (software backends, its own video/send/audio
//     threads, paced on deadlines) streaming to a loopback socket; the host processing latency
//     it writes into every frame header (video.md §4.1, 0.1 ms units) is read back: p50/p99,
//     and its ratio to B's p50. Target: ≤ 1.10 × x264 alone. Plus the process CPU use while
//     streaming (getrusage over the run, % of one core).
//  D. CPU of an idle `lightwell serve` (no session) over a few seconds: target ≈ 0 %.
// Figures only, never pass/fail. --quick: fewer frames, 720p only.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/video_encoder.hpp"
#include "lightwell/net/udp_media.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/video_packetizer.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/media_session.hpp"
#include "lightwell/server/stream_controller.hpp"
#include "report.hpp"

using namespace lightwell;
using clock_type = std::chrono::steady_clock;

namespace {

double us_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// A UDP socket on 127.0.0.1 that a thread drains (so sends never hit a full buffer) and,
// optionally, reads the frame header latency from the first packet of each video frame.
class Sink {
 public:
  explicit Sink(bool parse_latency) : socket_(io_, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    socket_.set_option(boost::asio::socket_base::receive_buffer_size(8 << 20));
    ::timeval tv{0, 100000};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::jthread([this, parse_latency](std::stop_token st) {
      std::vector<std::uint8_t> buf(65536);
      while (!st.stop_requested()) {
        const ssize_t n = ::recv(socket_.native_handle(), buf.data(), buf.size(), 0);
        if (n <= 0) continue;
        ++datagrams_;
        // video.md §3.2: flags at 24 (SOF 0x04), multiFecBlocks at 27 (bits 5..4 = block),
        // fecInfo LE32 at 28 (bits 21..12 = shard index); the frame's first packet (SOF in
        // block 0, shard 0) starts its payload at 32 with the 8-byte frame header (§4.1).
        if (parse_latency && n >= 40) {
          const std::uint8_t flags = buf[24];
          const unsigned block = (buf[27] >> 4) & 0x3u;
          const std::uint32_t fec_info = static_cast<std::uint32_t>(buf[28]) | (static_cast<std::uint32_t>(buf[29]) << 8) |
                                         (static_cast<std::uint32_t>(buf[30]) << 16) |
                                         (static_cast<std::uint32_t>(buf[31]) << 24);
          const std::uint32_t shard_index = (fec_info >> 12) & 0x3FFu;
          if ((flags & 0x04) != 0 && shard_index == 0 && block == 0 && buf[32] == 0x01) {
            const unsigned latency = static_cast<unsigned>(buf[33]) | (static_cast<unsigned>(buf[34]) << 8);
            std::lock_guard lock(mutex_);
            latencies_100us_.push_back(latency);
          }
        }
      }
    });
  }
  boost::asio::ip::udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  std::vector<unsigned> latencies() {
    std::lock_guard lock(mutex_);
    return latencies_100us_;
  }
  std::uint64_t datagrams() const { return datagrams_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_;
  std::atomic<std::uint64_t> datagrams_{0};
  std::mutex mutex_;
  std::vector<unsigned> latencies_100us_;
  std::jthread thread_;
};

encode::EncoderConfig encoder_config(std::uint32_t w, std::uint32_t h, std::uint32_t bitrate_kbps) {
  encode::EncoderConfig c;
  c.width_px = w;
  c.height_px = h;
  c.frame_rate_x100 = 6000;
  c.bitrate_kbps = bitrate_kbps;
  c.slices_per_frame = 1;
  c.max_reference_frames = 1;
  return c;
}

void stages(bench::Report& report, std::uint32_t w, std::uint32_t h, std::uint32_t bitrate_kbps, int frames) {
  const std::string tag = std::to_string(h) + "p60";
  auto source = capture::make_test_pattern_source(w, h);
  auto encoder = encode::make_x264_encoder(encoder_config(w, h, bitrate_kbps));
  proto::VideoStreamParams vp;
  vp.packet_size_bytes = 1392 - 32;
  auto packetizer = proto::VideoPacketizer::create(vp);
  std::array<std::uint8_t, 16> key{};
  auto sealer = proto::crypto::VideoEncryptor::create(key);
  Sink sink(false);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  net::PacedUdpSender sender(fd);
  std::vector<double> t_capture, t_encode, t_packetize, t_send, t_whole;
  for (int i = 0; i < frames; ++i) {
    const auto start = clock_type::now();
    capture::Frame frame;
    source->capture(frame, std::chrono::milliseconds(0));
    t_capture.push_back(us_since(start));
    auto t = clock_type::now();
    const encode::EncodeResult encoded = encoder->encode(frame, i == 0);
    t_encode.push_back(us_since(t));
    t = clock_type::now();
    proto::VideoFrameInput input;
    input.bitstream = encoded.frame.bitstream;
    input.frame_index = static_cast<std::uint32_t>(i + 1);
    input.frame_type = encoded.frame.idr ? proto::VideoFrameType::idr : proto::VideoFrameType::p_frame;
    auto packets = packetizer->packetize(input, &*sealer);
    t_packetize.push_back(us_since(t));
    t_whole.push_back(us_since(start));  // what the frame header reports: capture → packetized
    t = clock_type::now();
    if (packets) sender.send(packets->datagrams, sink.endpoint(), std::chrono::nanoseconds(0));
    t_send.push_back(us_since(t));
  }
  ::close(fd);
  auto add = [&](const std::string& stage, const std::vector<double>& v) {
    report.add({"stage/" + tag + "/" + stage + "/p50", percentile(v, 0.5), "us", ""});
    report.add({"stage/" + tag + "/" + stage + "/p99", percentile(v, 0.99), "us", ""});
  };
  add("capture", t_capture);
  add("encode", t_encode);
  add("packetize_fec_encrypt", t_packetize);
  add("send", t_send);
  add("capture_to_packetized", t_whole);

  // B. x264 alone, same settings, pre-rendered frames.
  std::vector<capture::I420Image> images;
  for (int i = 0; i < std::min(frames, 120); ++i) images.push_back(capture::render_test_pattern(static_cast<std::uint32_t>(i + 1), w, h));
  auto alone = encode::make_x264_encoder(encoder_config(w, h, bitrate_kbps));
  std::vector<double> t_alone;
  for (int i = 0; i < frames; ++i) {
    const auto& img = images[static_cast<std::size_t>(i) % images.size()];
    capture::Frame f;
    f.width_px = w;
    f.height_px = h;
    f.format = capture::PixelFormat::i420;
    f.planes = {capture::FramePlane{img.y.data(), w}, capture::FramePlane{img.u.data(), w / 2},
                capture::FramePlane{img.v.data(), w / 2}};
    f.plane_count = 3;
    f.sequence = static_cast<std::uint64_t>(i + 1);
    const auto t = clock_type::now();
    alone->encode(f, i == 0);
    t_alone.push_back(us_since(t));
  }
  report.add({"x264_alone/" + tag + "/p50", percentile(t_alone, 0.5), "us", ""});
  report.add({"x264_alone/" + tag + "/p99", percentile(t_alone, 0.99), "us", ""});
  report.add({"stage/" + tag + "/capture_to_packetized_vs_x264_alone_p50",
              percentile(t_whole, 0.5) / std::max(1.0, percentile(t_alone, 0.5)), "x", "<= 1.10"});
}

double cpu_seconds_self() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void whole_server(bench::Report& report, std::uint32_t w, std::uint32_t h, double seconds, double x264_alone_p50_us) {
  const std::string tag = std::to_string(h) + "p60";
  server::LogHub hub = server::LogHub::to_stderr(server::LogLevel::warn);
  server::MediaSessionConfig config;
  config.session_id = 1;
  config.params.width_px = w;
  config.params.height_px = h;
  config.params.fps = 60;
  config.params.packet_size_bytes = 1392 - 32;
  config.params.max_bitrate_kbps = 10000;
  config.params.audio_channels = 2;
  // Video in clear so the sink can read the frame headers (stage A measures encryption).
  config.params.encryption_enabled = proto::kEncControlV2 | proto::kEncAudio;
  config.params.min_required_fec_packets = 2;
  config.encoder_bitrate_kbps = 10000;
  config.high_quality_audio = true;
  Sink video_sink(true);
  Sink audio_sink(false);
  int video_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int audio_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  config.video_fd = video_fd;
  config.audio_fd = audio_fd;
  std::atomic<bool> failed{false};
  const double cpu0 = cpu_seconds_self();
  const auto wall0 = clock_type::now();
  {
    server::MediaSession session(config, server::software_media_backends(), hub.get("bench"),
                                 [&failed](std::uint32_t, std::string) { failed = true; });
    session.set_video_destination(video_sink.endpoint());
    session.set_audio_destination(audio_sink.endpoint());
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const server::MediaStats stats = session.stats();
    session.stop();
    report.add({"server/" + tag + "/frames_sent_per_s", static_cast<double>(stats.frames_sent) / seconds, "fps", "60"});
    report.add({"server/" + tag + "/frames_dropped", static_cast<double>(stats.frames_dropped), "frames", "0"});
  }
  const double wall = std::chrono::duration<double>(clock_type::now() - wall0).count();
  const double cpu = cpu_seconds_self() - cpu0;
  ::close(video_fd);
  ::close(audio_fd);
  std::vector<double> lat;
  for (unsigned l : video_sink.latencies()) lat.push_back(l * 100.0);
  report.add({"server/" + tag + "/host_latency/p50", percentile(lat, 0.5), "us", ""});
  report.add({"server/" + tag + "/host_latency/p99", percentile(lat, 0.99), "us", ""});
  report.add({"server/" + tag + "/host_latency_p50_vs_x264_alone_p50",
              percentile(lat, 0.5) / std::max(1.0, x264_alone_p50_us), "x", "<= 1.10"});
  report.add({"server/" + tag + "/cpu_while_streaming", 100.0 * cpu / wall, "% of one core", ""});
  if (failed) std::printf("note: the media session reported a fatal error\n");
}

void idle_server(bench::Report& report, double seconds) {
#ifdef LIGHTWELL_BINARY
  namespace fs = std::filesystem;
  char templ[] = "/tmp/lightwell-bench-XXXXXX";
  if (::mkdtemp(templ) == nullptr) return;
  const fs::path dir = templ;
  {
    std::ofstream cfg(dir / "lightwell.toml");
    cfg << "[server]\nbase_port = 41989\nlog_level = \"warn\"\n[network]\nbind_addresses = [\"127.0.0.1\"]\nweb_ui = false\n";
  }
  const std::string config = (dir / "lightwell.toml").string();
  const std::string state = (dir / "state").string();
  std::vector<std::string> args = {LIGHTWELL_BINARY, "--config", config, "--state-dir", state, "serve"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string home = "HOME=" + dir.string();
  char* envp[] = {home.data(), nullptr};
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp) != 0) return;
  posix_spawn_file_actions_destroy(&actions);
  auto ticks = [pid]() -> double {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(stat)), {});
    const auto close = s.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(s.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  };
  std::this_thread::sleep_for(std::chrono::seconds(3));  // start-up (key generation) is not idle
  const double c0 = ticks();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double c1 = ticks();
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (c0 >= 0 && c1 >= 0) report.add({"server/idle_cpu", 100.0 * (c1 - c0) / seconds, "% of one core", "~0"});
#else
  (void)report;
  (void)seconds;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = bench::quick_mode(argc, argv);
  bench::Report report("latency");
  const int frames = quick ? 60 : 600;
  stages(report, 1280, 720, 10000, frames);
  if (!quick) stages(report, 1920, 1080, 20000, frames);
  // x264-alone reference for the whole-server ratio, measured again right before it.
  double alone_p50 = 0;
  {
    auto enc = encode::make_x264_encoder(encoder_config(1280, 720, 10000));
    std::vector<double> t;
    auto src = capture::make_test_pattern_source(1280, 720);
    for (int i = 0; i < frames; ++i) {
      capture::Frame f;
      src->capture(f, std::chrono::milliseconds(0));
      const auto t0 = clock_type::now();
      enc->encode(f, i == 0);
      t.push_back(us_since(t0));
    }
    alone_p50 = percentile(t, 0.5);
  }
  whole_server(report, 1280, 720, quick ? 2.0 : 10.0, alone_p50);
  idle_server(report, quick ? 2.0 : 5.0);
  return 0;
}
