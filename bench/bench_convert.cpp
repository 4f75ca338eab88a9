// Software colour conversion (encode/convert.hpp, issue 5): XRGB8888 → NV12 at 1080p and 4K
// for every matrix/range, the AVX2 kernel against the scalar reference. Goal from the issue:
// capture + convert ≤ 1 ms per 1080p frame and ≤ 4 ms per 4K frame on this 2-core machine.
//
// A captured frame arrives from memory the GPU (or the capture copy) just wrote, not from
// the cache, so the sources rotate through enough buffers to exceed the last-level cache
// ("cold"); "warm" converts one buffer again and again (the figure libyuv-style benches
// usually quote). "copy+convert" adds a memcpy of the frame first: the bochs/dumb-buffer
// fallback of issue 5 reads the mapped framebuffer into memory before converting.
// Figures only, never a verdict. --quick: shorter runs (smoke run in the test command).
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lightwell/encode/convert.hpp"
#include "report.hpp"

namespace encode = lightwell::encode;
using lightwell::bench::Figure;
using lightwell::bench::Report;

namespace {

struct Size {
  const char* label;
  std::uint32_t width, height;
  const char* target;
};

struct Format {
  const char* label;
  encode::YuvFormat format;
};

// CPU time of the calling thread in ms: the work itself, whatever else shares the cores
// (wall time on this shared machine mostly measures preemption).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

const char* path_name(encode::ConvertPath p) {
  switch (p) {
    case encode::ConvertPath::avx2: return "avx2";
    case encode::ConvertPath::ssse3: return "ssse3";
    case encode::ConvertPath::scalar: break;
  }
  return "scalar";
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = lightwell::bench::quick_mode(argc, argv);
  const double min_seconds = quick ? 0.05 : 1.0;
  Report report("bench_convert");
  const Size sizes[] = {{"1080p", 1920, 1080, "<= 1 ms (capture + convert)"},
                        {"4k", 3840, 2160, "<= 4 ms (capture + convert)"}};
  const Format formats[] = {
      {"bt601-limited", {encode::ColorSpace::rec601, false}}, {"bt601-full", {encode::ColorSpace::rec601, true}},
      {"bt709-limited", {encode::ColorSpace::rec709, false}}, {"bt709-full", {encode::ColorSpace::rec709, true}},
      {"bt2020-limited", {encode::ColorSpace::rec2020, false}}};
  std::vector<encode::ConvertPath> paths{encode::ConvertPath::scalar};
  if (encode::convert_path_supported(encode::ConvertPath::ssse3)) paths.insert(paths.begin(), encode::ConvertPath::ssse3);
  if (encode::convert_path_supported(encode::ConvertPath::avx2)) paths.insert(paths.begin(), encode::ConvertPath::avx2);

  for (const Size& s : sizes) {
    const std::size_t pitch = 4u * s.width, frame_bytes = pitch * s.height;
    // 4 sources × 8 MB (1080p) or 33 MB (4K): well past any last-level cache here.
    constexpr int kSources = 4;
    std::vector<std::vector<std::uint8_t>> sources(kSources, std::vector<std::uint8_t>(frame_bytes));
    std::mt19937 rng(5);
    for (auto& src : sources)
      for (auto& b : src) b = static_cast<std::uint8_t>(rng() >> 24);
    std::vector<std::uint8_t> staging(frame_bytes);
    std::vector<std::uint8_t> y(std::size_t{s.width} * s.height), uv(std::size_t{s.width} * ((s.height + 1) / 2));
    const encode::Nv12View dst{y.data(), s.width, uv.data(), 2u * ((s.width + 1) / 2)};

    for (encode::ConvertPath path : paths) {
      for (const Format& f : formats) {
        // The scalar and SSSE3 paths only for the default format: fallbacks, not the candidate.
        if (path != paths.front() && std::string(f.label) != "bt709-limited") continue;
        int next = 0;
        bool ok = true;
        const double cold = lightwell::bench::seconds_per_call(
            [&] {
              const encode::XrgbView src{sources[static_cast<std::size_t>(next)].data(), pitch, s.width, s.height};
              next = (next + 1) % kSources;
              ok = ok && encode::convert_xrgb_to_nv12(src, dst, f.format, path);
            },
            min_seconds);
        const std::string name = std::string("convert/") + s.label + "/" + f.label + "/" + path_name(path);
        report.add(Figure{name + "/cold", cold * 1e3, "ms/frame", s.target});
        {
          const int calls = quick ? 8 : 60;
          const double start = thread_cpu_ms();
          for (int i = 0; i < calls; ++i) {
            const encode::XrgbView src{sources[static_cast<std::size_t>(next)].data(), pitch, s.width, s.height};
            next = (next + 1) % kSources;
            ok = ok && encode::convert_xrgb_to_nv12(src, dst, f.format, path);
          }
          report.add(Figure{name + "/cold/cpu", (thread_cpu_ms() - start) / calls, "cpu ms/frame", s.target});
        }
        if (std::string(f.label) != "bt709-limited") continue;
        const encode::XrgbView warm_src{sources[0].data(), pitch, s.width, s.height};
        const double warm = lightwell::bench::seconds_per_call(
            [&] { ok = ok && encode::convert_xrgb_to_nv12(warm_src, dst, f.format, path); }, min_seconds);
        report.add(Figure{name + "/warm", warm * 1e3, "ms/frame", ""});
        const double copied = lightwell::bench::seconds_per_call(
            [&] {
              std::memcpy(staging.data(), sources[static_cast<std::size_t>(next)].data(), frame_bytes);
              next = (next + 1) % kSources;
              const encode::XrgbView src{staging.data(), pitch, s.width, s.height};
              ok = ok && encode::convert_xrgb_to_nv12(src, dst, f.format, path);
            },
            min_seconds);
        report.add(Figure{name + "/copy+convert", copied * 1e3, "ms/frame", s.target});
        // Two row bands on two threads (convert_xrgb_to_nv12_rows), thread start included:
        // what splitting the frame over this machine's two cores buys.
        const std::uint32_t half_rows = s.height / 4 * 2;
        const double banded = lightwell::bench::seconds_per_call(
            [&] {
              const encode::XrgbView src{sources[static_cast<std::size_t>(next)].data(), pitch, s.width, s.height};
              next = (next + 1) % kSources;
              bool ok_band = true;
              std::thread other([&] { ok_band = encode::convert_xrgb_to_nv12_rows(src, dst, f.format, half_rows, s.height, path); });
              ok = ok && encode::convert_xrgb_to_nv12_rows(src, dst, f.format, 0, half_rows, path);
              other.join();
              ok = ok && ok_band;
            },
            min_seconds);
        report.add(Figure{name + "/cold/2-bands", banded * 1e3, "ms/frame", s.target});
        if (!ok) {
          std::fprintf(stderr, "conversion refused\n");
          return 1;
        }
      }
    }
    // Memory floor: one plain copy of the source frame (what any converter must at least read).
    int next = 0;
    const double copy = lightwell::bench::seconds_per_call(
        [&] {
          std::memcpy(staging.data(), sources[static_cast<std::size_t>(next)].data(), frame_bytes);
          next = (next + 1) % kSources;
        },
        min_seconds);
    report.add(Figure{std::string("memcpy_frame/") + s.label, copy * 1e3, "ms/frame", ""});

    // The session's path when the screen's size is not the stream's (docs/capture-kms.md
    // "Size"): a 16:10 screen of ~2/3 the stream's width, letterboxed (nearest neighbour) into
    // a stream-sized XRGB canvas, then converted. Screen frames rotate through kSources.
    const std::uint32_t sw = s.width * 2 / 3 & ~1U, sh = sw * 10 / 16 & ~1U;
    const std::size_t spitch = 4u * sw;
    next = 0;
    bool ok = true;
    const double scaled = lightwell::bench::seconds_per_call(
        [&] {
          const encode::XrgbView screen{sources[static_cast<std::size_t>(next)].data(), spitch, sw, sh};
          next = (next + 1) % kSources;
          ok = ok && encode::scale_xrgb_letterbox(screen, staging.data(), pitch, s.width, s.height);
          ok = ok && encode::convert_xrgb_to_nv12(encode::XrgbView{staging.data(), pitch, s.width, s.height}, dst,
                                                  {encode::ColorSpace::rec709, false});
        },
        min_seconds);
    report.add(Figure{std::string("letterbox+convert/") + s.label + "/from-" + std::to_string(sw) + "x" +
                          std::to_string(sh),
                      scaled * 1e3, "ms/frame", ""});
    if (!ok) return 1;
  }
  return 0;
}
