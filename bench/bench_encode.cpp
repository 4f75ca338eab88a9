// The software video path per frame (docs/video-encoding.md), and each software encoder next
// to its floor: the ffmpeg command line with the same library and the same settings on the
// same frames (issue 5 "Benchmarks": our encode time ≤ 1.05 × that floor).
//
//  * test_pattern_render/<size>: FrameSource::capture, p50 / p99.
//  * <codec>/<size>/ours: our encoder, one encode() at a time on frames rendered beforehand:
//    wall p50 / p99 and process CPU ms per frame (all library threads).
//  * <codec>/<size>/ffmpeg: `ffmpeg -benchmark` on the same frames written to a temporary
//    .yuv: (utime + stime) / frames, the CPU the library needs through ffmpeg (reading raw
//    frames costs next to nothing). ratio = our CPU per frame / ffmpeg's.
// CPU time is compared, not wall time: the machine is shared, and wall time mostly measures
// who else runs. The first (key) frame is excluded from our figures; ffmpeg's include it, so
// for short runs the ratio flatters us slightly (noted in the doc).
// --quick: 720p only, 12 frames per codec (a few seconds each). Full: 720p and 1080p with 120
// frames, 4K with 30.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
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

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Codec {
  const char* name;  // figure prefix and our encoder
  encode::Codec codec;
};

std::unique_ptr<encode::VideoEncoder> make(const Codec& c, const encode::EncoderConfig& config) {
  switch (c.codec) {
    case encode::Codec::h264: return encode::make_x264_encoder(config);
    case encode::Codec::hevc: return encode::make_x265_encoder(config);
    case encode::Codec::av1: return encode::make_svtav1_encoder(config);
  }
  return nullptr;
}

// The ffmpeg arguments that give the library the settings make_*_encoder gives it
// (docs/video-encoding.md has both side by side).
std::string ffmpeg_codec_args(const Codec& c, const Size& s) {
  const std::string k = std::to_string(s.bitrate_kbps);
  const std::string vbv = std::to_string((s.bitrate_kbps + 59) / 60);  // one frame at 60 fps
  switch (c.codec) {
    case encode::Codec::h264:
      return "-c:v libx264 -preset ultrafast -tune zerolatency -b:v " + k + "k -maxrate " + k + "k -bufsize " + vbv +
             "k -x264-params keyint=infinite:scenecut=0:bframes=0:ref=1:repeat-headers=1:aud=0:threads=1";
    case encode::Codec::hevc:
      return "-c:v libx265 -preset ultrafast -tune zerolatency -x265-params log-level=error:keyint=-1:scenecut=0:"
             "bframes=0:ref=1:repeat-headers=1:info=0:frame-threads=1:slices=1:bitrate=" +
             k + ":vbv-maxrate=" + k + ":vbv-bufsize=" + vbv;
    case encode::Codec::av1:
      return "-c:v libsvtav1 -preset 12 -svtav1-params pred-struct=1:hierarchical-levels=0:lookahead=0:scd=0:"
             "keyint=-1:enable-tf=0:enable-overlays=0:irefresh-type=2:rc=2:tbr=" +
             k + ":buf-sz=21:buf-initial-sz=20:buf-optimal-sz=20";
  }
  return {};
}

// ffmpeg's -benchmark line "bench: utime=1.533s stime=0.042s rtime=5.566s" (printed at log level info):
// (utime+stime) in ms.
std::optional<double> ffmpeg_cpu_ms(const std::string& yuv, const Codec& c, const Size& s, int frames) {
  const std::string cmd = "ffmpeg -hide_banner -nostdin -loglevel info -benchmark -f rawvideo -pix_fmt yuv420p -s " +
                          std::to_string(s.width) + "x" + std::to_string(s.height) + " -r 60 -i '" + yuv + "' -frames:v " +
                          std::to_string(frames) + " " + ffmpeg_codec_args(c, s) + " -f null - 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::array<char, 512> line{};
  std::optional<double> out;
  std::string transcript;
  while (std::fgets(line.data(), static_cast<int>(line.size()), p) != nullptr) {
    transcript += line.data();
    double u = 0, st = 0, r = 0;
    if (std::sscanf(line.data(), "bench: utime=%lfs stime=%lfs rtime=%lfs", &u, &st, &r) == 3) out = (u + st) * 1e3;
  }
  if (::pclose(p) != 0 || !out) {
    std::fprintf(stderr, "ffmpeg floor for %s %s not measured:\n%s\n", c.name, s.label, transcript.c_str());
    return std::nullopt;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = lightwell::bench::quick_mode(argc, argv);
  Report report("bench_encode");
  std::vector<Size> sizes = {{"720p60", 1280, 720, 10000}};
  if (!quick) {
    sizes.push_back({"1080p60", 1920, 1080, 20000});
    sizes.push_back({"2160p60", 3840, 2160, 50000});
  }
  const Codec codecs[] = {{"x264", encode::Codec::h264}, {"x265", encode::Codec::hevc}, {"svt-av1", encode::Codec::av1}};
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("lightwell-bench-encode-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  for (const Size& s : sizes) {
    const int frames = quick ? 12 : s.height >= 2160 ? 30 : 120;
    // Rendering alone: the source draws every frame in place.
    {
      auto source = capture::make_test_pattern_source(s.width, s.height);
      capture::Frame frame;
      source->capture(frame, std::chrono::milliseconds(0));  // warm-up
      std::vector<double> ms;
      for (int i = 0; i < frames; ++i) {
        const auto start = Clock::now();
        source->capture(frame, std::chrono::milliseconds(0));
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
      report.add(Figure{std::string("test_pattern_render/") + s.label + "/p50", lightwell::bench::percentile(ms, 0.5),
                        "ms/frame", "< 2 ms"});
    }
    // The same frames for us and for ffmpeg.
    std::vector<capture::I420Image> images;
    const std::string yuv = (dir / (std::string(s.label) + ".yuv")).string();
    {
      std::ofstream out(yuv, std::ios::binary);
      for (int i = 0; i < frames; ++i) {
        images.push_back(capture::render_test_pattern(static_cast<std::uint32_t>(i + 1), s.width, s.height));
        const auto& img = images.back();
        out.write(reinterpret_cast<const char*>(img.y.data()), static_cast<std::streamsize>(img.y.size()));
        out.write(reinterpret_cast<const char*>(img.u.data()), static_cast<std::streamsize>(img.u.size()));
        out.write(reinterpret_cast<const char*>(img.v.data()), static_cast<std::streamsize>(img.v.size()));
      }
    }
    for (const Codec& c : codecs) {
      encode::EncoderConfig config;
      config.codec = c.codec;
      config.width_px = s.width;
      config.height_px = s.height;
      config.bitrate_kbps = s.bitrate_kbps;
      config.frame_rate_x100 = 6000;
      auto encoder = make(c, config);
      std::vector<double> wall;
      double cpu_ms = 0, bytes = 0;
      int outputs = 0;
      for (int i = 0; i < frames; ++i) {
        const auto& img = images[static_cast<std::size_t>(i)];
        capture::Frame f;
        f.width_px = s.width;
        f.height_px = s.height;
        f.format = capture::PixelFormat::i420;
        f.planes = {{{img.y.data(), s.width}, {img.u.data(), s.width / 2}, {img.v.data(), s.width / 2}}};
        f.plane_count = 3;
        f.sequence = static_cast<std::uint64_t>(i + 1);
        const double cpu0 = process_cpu_ms();
        const auto t0 = Clock::now();
        const encode::EncodeResult r = encoder->encode(f, false);
        const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        const double cpu = process_cpu_ms() - cpu0;
        if (r.status == encode::EncodeStatus::error) {
          std::fprintf(stderr, "%s encode failed: %s\n", c.name, r.error.c_str());
          return 1;
        }
        if (r.status == encode::EncodeStatus::ok) {
          bytes += static_cast<double>(r.frame.bitstream.size());
          ++outputs;
        }
        if (i == 0) continue;  // the key frame and the library's start-up are not steady state
        wall.push_back(t);
        cpu_ms += cpu;
      }
      const std::string name = std::string(c.name) + "/" + s.label;
      const double ours = cpu_ms / (frames - 1);
      report.add(Figure{name + "/ours/wall_p50", lightwell::bench::percentile(wall, 0.5), "ms/frame",
                        "< 16.7 ms (one frame interval)"});
      report.add(Figure{name + "/ours/wall_p99", lightwell::bench::percentile(wall, 0.99), "ms/frame", ""});
      report.add(Figure{name + "/ours/cpu", ours, "cpu ms/frame", ""});
      report.add(Figure{name + "/ours/size", outputs > 0 ? bytes / outputs / 1000.0 : 0, "kB/frame", ""});
      encoder.reset();
      if (const auto floor_ms = ffmpeg_cpu_ms(yuv, c, s, frames)) {
        const double floor = *floor_ms / frames;
        report.add(Figure{name + "/ffmpeg/cpu", floor, "cpu ms/frame", ""});
        report.add(Figure{name + "/ratio", ours / floor, "x ffmpeg", "<= 1.05"});
      }
    }
    std::filesystem::remove(yuv);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
