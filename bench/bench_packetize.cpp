// Send-path cost of the media packetizers (docs/packetizers.md):
//  - video: µs per 1080p60 frame to copy into the arena, write headers, compute RS parity
//    (20 %, min 2) and, when encrypted, AES-GCM every datagram; frame bytes = bitrate / 60 / 8,
//    packetSize 1392 − 32 as the client negotiates it with video encryption (video.md §3);
//  - audio: µs per 5 ms stereo Opus packet, AES-CBC + the 4+2 FEC amortised over a block.
// Figures only; the FEC kernel in use is printed with them.
//
// Each figure is also given as thread CPU time ("…/cpu"): the build machine is shared by
// several parallel builds, and wall time there mostly measures the wait for a core.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "lightwell/proto/audio_packetizer.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/video_packetizer.hpp"
#include "report.hpp"

using namespace lightwell;
using namespace lightwell::proto;

namespace {

std::vector<std::uint8_t> noise(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 0x12345678;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  return v;
}

struct Timing {
  double wall_us;
  double cpu_us;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Like bench::seconds_per_call (one warm-up call, 5 rounds of >= min_seconds/5, median per
// call), measuring wall and thread CPU time of the same calls.
template <class Fn>
Timing time_per_call(Fn&& fn, double min_seconds) {
  using clock = std::chrono::steady_clock;
  fn();
  std::vector<double> wall, cpu;
  for (int r = 0; r < 5; ++r) {
    std::size_t calls = 0;
    const auto start = clock::now();
    const double cpu_start = thread_cpu_seconds();
    double elapsed = 0;
    do {
      fn();
      ++calls;
      elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < min_seconds / 5);
    wall.push_back(elapsed / static_cast<double>(calls));
    cpu.push_back((thread_cpu_seconds() - cpu_start) / static_cast<double>(calls));
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[2] * 1e6, cpu[2] * 1e6};
}

constexpr crypto::Key128 kKey{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                              0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

// µs per frame; aborts the process on a packetizer error (bench inputs are valid).
Timing video_us_per_frame(std::size_t frame_bytes, unsigned fec_percentage, bool encrypted, double min_seconds,
                          std::size_t* datagrams_out) {
  VideoStreamParams params;
  params.packet_size_bytes = 1392 - 32;
  params.fec_percentage = fec_percentage;
  params.min_required_fec_packets = 2;
  auto packetizer = VideoPacketizer::create(params).value();
  auto encryptor = crypto::VideoEncryptor::create(kKey).value();
  const auto bitstream = noise(frame_bytes);
  VideoFrameInput in;
  in.bitstream = bitstream;
  in.frame_type = VideoFrameType::p_frame;
  std::size_t datagrams = 0;
  const Timing t = time_per_call(
      [&] {
        auto out = packetizer.packetize(in, encrypted ? &encryptor : nullptr);
        if (!out) {
          std::fprintf(stderr, "packetize failed: %s\n", out.error().message.c_str());
          std::abort();
        }
        datagrams = out->datagrams.size();
        ++in.frame_index;
        in.rtp_timestamp_90khz += 1500;
      },
      min_seconds);
  *datagrams_out = datagrams;
  return t;
}

Timing audio_us_per_packet(std::size_t payload_bytes, double min_seconds) {
  auto packetizer = AudioPacketizer::create({}).value();
  auto encryptor = crypto::AudioEncryptor::create(kKey, -559038737).value();
  const auto opus = noise(payload_bytes);
  // One call = one full FEC block (4 data packets, the last one with 2 FEC packets).
  const Timing t = time_per_call(
      [&] {
        for (int i = 0; i < 4; ++i) {
          if (!packetizer.packetize(opus, &encryptor)) std::abort();
        }
      },
      min_seconds);
  return {t.wall_us / 4, t.cpu_us / 4};
}

void add(bench::Report& report, const std::string& name, Timing t, const std::string& unit,
         const std::string& target) {
  report.add({name, t.wall_us, unit, target});
  report.add({name + "/cpu", t.cpu_us, unit, target});
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = bench::quick_mode(argc, argv);
  const double min_seconds = quick ? 0.05 : 1.0;
  bench::Report report("bench_packetize");
  const std::string kernel = fec::to_string(fec::best_kernel());
  std::printf("FEC kernel: %s; packetSize 1360 (1392 - 32), FEC 20 %% min 2\n", kernel.c_str());

  for (unsigned mbps : {20u, 50u, 150u}) {
    const std::size_t frame_bytes = std::size_t{mbps} * 1'000'000 / 60 / 8;
    const std::string base = "packetize/" + std::to_string(mbps) + "Mbps/";
    const std::string target = mbps == 50 ? "<= 100 us" : "";
    std::size_t datagrams = 0;
    add(report, base + "plain", video_us_per_frame(frame_bytes, 20, false, min_seconds, &datagrams), "us/frame",
        target);
    add(report, base + "encrypted", video_us_per_frame(frame_bytes, 20, true, min_seconds, &datagrams),
        "us/frame", target);
    // Breakdown without parity (FEC 0): copy + headers, and copy + headers + AES-GCM, to show
    // where the time goes apart from the RS kernel.
    std::size_t no_fec_datagrams = 0;
    add(report, base + "plain_nofec", video_us_per_frame(frame_bytes, 0, false, min_seconds, &no_fec_datagrams),
        "us/frame", "");
    add(report, base + "encrypted_nofec", video_us_per_frame(frame_bytes, 0, true, min_seconds, &no_fec_datagrams),
        "us/frame", "");
    std::printf("  (%zu-byte frame: %zu datagrams with FEC, %zu without; FEC kernel %s)\n", frame_bytes, datagrams,
                no_fec_datagrams, kernel.c_str());
  }

  // Stereo 5 ms: 96 kbps -> 60-byte CBR payloads (64 encrypted), 512 kbps -> 320 (336).
  add(report, "audio/stereo_5ms_96kbps/encrypted_fec", audio_us_per_packet(60, min_seconds), "us/packet", "");
  add(report, "audio/stereo_5ms_512kbps/encrypted_fec", audio_us_per_packet(320, min_seconds), "us/packet", "");
  return 0;
}
