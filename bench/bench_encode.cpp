// The software video path per frame, as the video thread runs it (docs/video-encoding.md):
// test-pattern rendering (FrameSource::capture) and x264 encoding at 720p60 and 1080p60, for
// the preset we ship (ultrafast) and its neighbour (superfast), with the default threading
// (one thread per requested slice: one) and with two slice threads. Per-frame times are
// measured one call at a time and reported as p50 / p99 in ms; the frame interval at 60 fps
// is 16.7 ms and the whole path must fit well inside it. Wall time on a shared machine mostly
// measures preemption, so each encode case also reports the process CPU time per frame (all
// x264 threads): the work itself, whoever else runs. Figures only, never a verdict.
// --quick: fewer frames (smoke run).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/video_encoder.hpp"
#include "report.hpp"

namespace capture = lightwell::capture;
namespace encode = lightwell::encode;
using lightwell::bench::Figure;
using lightwell::bench::Report;

namespace {

using Clock = std::chrono::steady_clock;

struct Size {
  const char* label;
  std::uint32_t width, height, bitrate_kbps;
};

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

// CPU time of the whole process (every thread) in ms.
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// p-th percentile (0..100) of the samples, nearest rank.
double percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  const std::size_t rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(rank, samples.size() - 1)];
}

void add_p50_p99(Report& report, const std::string& name, const std::vector<double>& ms, const std::string& target) {
  report.add(Figure{name + "/p50", percentile(ms, 50), "ms/frame", target});
  report.add(Figure{name + "/p99", percentile(ms, 99), "ms/frame", ""});
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = lightwell::bench::quick_mode(argc, argv);
  const int frames = quick ? 30 : 300;
  Report report("bench_encode");
  const Size sizes[] = {{"720p60", 1280, 720, 10000}, {"1080p60", 1920, 1080, 20000}};

  for (const Size& s : sizes) {
    // Rendering alone: the source draws every frame in place.
    {
      auto source = capture::make_test_pattern_source(s.width, s.height);
      capture::Frame frame;
      source->capture(frame, std::chrono::milliseconds(0));  // warm-up
      std::vector<double> ms;
      for (int i = 0; i < frames * 2; ++i) {
        const auto start = Clock::now();
        source->capture(frame, std::chrono::milliseconds(0));
        ms.push_back(ms_since(start));
      }
      add_p50_p99(report, std::string("test_pattern_render/") + s.label, ms, "< 2 ms");
    }
    for (const char* preset : {"ultrafast", "superfast"}) {
      for (const std::uint32_t threads : {1u, 2u}) {
        encode::EncoderConfig config;
        config.width_px = s.width;
        config.height_px = s.height;
        config.bitrate_kbps = s.bitrate_kbps;
        config.frame_rate_x100 = 6000;
        config.slices_per_frame = threads;  // sliced threads: one slice per thread
        auto encoder = encode::make_x264_encoder(config, preset);
        auto source = capture::make_test_pattern_source(s.width, s.height);
        std::vector<double> ms;
        double bytes = 0, cpu_ms = 0;
        for (int i = 0; i < frames; ++i) {
          capture::Frame frame;
          source->capture(frame, std::chrono::milliseconds(0));
          const double cpu_start = process_cpu_ms();
          const auto start = Clock::now();
          const encode::EncodeResult r = encoder->encode(frame, false);
          const double t = ms_since(start);
          if (i > 0) cpu_ms += process_cpu_ms() - cpu_start;
          if (r.status != encode::EncodeStatus::ok) {
            std::fprintf(stderr, "encode failed: %s\n", r.error.c_str());
            return 1;
          }
          if (i > 0) ms.push_back(t);  // the first frame (IDR, encoder warm-up) is not steady state
          bytes += static_cast<double>(r.frame.bitstream.size());
        }
        const std::string name = std::string("x264_encode/") + s.label + "/" + preset + "/" + std::to_string(threads) + "t";
        add_p50_p99(report, name, ms, "< 16.7 ms (one frame interval)");
        report.add(Figure{name + "/cpu", cpu_ms / (frames - 1), "cpu ms/frame", ""});
        report.add(Figure{name + "/size", bytes / frames / 1000.0, "kB/frame", ""});
      }
    }
  }
  return 0;
}
