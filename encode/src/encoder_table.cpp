// The encoder table and the choice of encoder (encoder_table.hpp).
#include "lightwell/encode/encoder_table.hpp"

#include <time.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/qsv.hpp"

extern "C" {
#include <x264.h>
#include <x265.h>
}

namespace lightwell::encode {
namespace {

const char* codec_label(Codec c) {
  switch (c) {
    case Codec::h264: return "H.264";
    case Codec::hevc: return "HEVC";
    case Codec::av1: return "AV1";
  }
  return "?";
}

Availability no(std::string why) { return {false, std::move(why)}; }

// Sizes every software encoder here takes (even, up to 8192); SVT-AV1 needs 64 px.
bool size_ok(const EncodeMode& m, std::uint32_t min_px) {
  return m.width_px >= min_px && m.height_px >= min_px && m.width_px <= 8192 && m.height_px <= 8192 &&
         m.width_px % 2 == 0 && m.height_px % 2 == 0 && m.frame_rate_x100 > 0;
}

Availability probe_x264(const EncodeMode& m) {
  if (m.codec != Codec::h264) return no("x264 encodes H.264 only");
  if (m.ten_bit) return no("10-bit H.264 is not a GameStream mode");
  if (!size_ok(m, 16)) return no("size outside 16..8192 px or odd");
  return {true, "X264_BUILD " + std::to_string(X264_BUILD) + " (libx264)"};
}

Availability probe_x265(const EncodeMode& m) {
  if (m.codec != Codec::hevc) return no("x265 encodes HEVC only");
  if (m.ten_bit && !x265_has_main10()) return no("this libx265 has no 10-bit (Main10) build");
  if (!size_ok(m, 16)) return no("size outside 16..8192 px or odd");
  return {true, std::string("libx265 ") + x265_version_str + (x265_has_main10() ? " (Main, Main10)" : " (Main)")};
}

Availability probe_svtav1(const EncodeMode& m) {
  if (m.codec != Codec::av1) return no("SVT-AV1 encodes AV1 only");
  if (m.ten_bit) return no("10-bit AV1 needs 10-bit input frames (8-bit capture here)");
  if (!size_ok(m, 64)) return no("size outside 64..8192 px or odd");
  return {true, "SVT-AV1 " + svtav1_version()};
}

std::unique_ptr<VideoEncoder> create_x264(const EncoderConfig& c) { return make_x264_encoder(c); }
std::unique_ptr<VideoEncoder> create_x265(const EncoderConfig& c) { return make_x265_encoder(c); }
std::unique_ptr<VideoEncoder> create_svtav1(const EncoderConfig& c) { return make_svtav1_encoder(c); }

// The machine's Quick Sync probe runs once per process (machine_qsv_probe); this only reads it.
Availability probe_qsv(const EncodeMode& m) {
  const QsvAvailability a = qsv_availability(m.codec, m.ten_bit, m.width_px, m.height_px, m.frame_rate_x100);
  return {a.usable, a.detail};
}
std::unique_ptr<VideoEncoder> create_qsv(const EncoderConfig& c) { return make_qsv_encoder(c); }

// Hardware first (issue 5: "QSV, then software"): a GPU encodes with almost no CPU.
constexpr std::array kTable{
    EncoderEntry{"qsv", true, &probe_qsv, &create_qsv},
    EncoderEntry{"x264", false, &probe_x264, &create_x264},
    EncoderEntry{"x265", false, &probe_x265, &create_x265},
    EncoderEntry{"svt-av1", false, &probe_svtav1, &create_svtav1},
};

}  // namespace

std::span<const EncoderEntry> encoder_table() noexcept { return kTable; }

EncodeMode mode_of(const EncoderConfig& c) noexcept {
  return EncodeMode{c.codec, c.width_px, c.height_px, c.frame_rate_x100, c.ten_bit};
}

std::unique_ptr<VideoEncoder> create_encoder(const EncoderConfig& config, std::span<const EncoderEntry> table,
                                             std::vector<std::string>* tried) {
  const EncodeMode mode = mode_of(config);
  std::string reasons;
  const auto note = [&](std::string_view name, const std::string& why) {
    std::string line = std::string(name) + ": " + why;
    if (tried != nullptr) tried->push_back(line);
    reasons += reasons.empty() ? line : "; " + line;
  };
  for (const EncoderEntry& e : table) {
    const Availability a = e.probe(mode);
    if (!a.usable) {
      // Entries for other codecs are not worth a line.
      if (a.detail.find("only") == std::string::npos) note(e.name, a.detail);
      continue;
    }
    try {
      if (auto enc = e.create(config)) return enc;
      note(e.name, "refused");
    } catch (const std::exception& ex) {
      note(e.name, ex.what());
    }
  }
  throw std::runtime_error(std::string("no encoder can encode ") + codec_label(config.codec) + " " +
                           std::to_string(config.width_px) + "x" + std::to_string(config.height_px) +
                           (config.ten_bit ? " 10-bit" : "") + (reasons.empty() ? "" : " (" + reasons + ")"));
}

bool can_encode(const EncodeMode& mode, std::span<const EncoderEntry> table) {
  for (const EncoderEntry& e : table) {
    if (e.probe(mode).usable) return true;
  }
  return false;
}

namespace {

double process_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string fmt_ms(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", ms);
  return b;
}

SoftwareFitMode measure(Codec codec, std::uint32_t w, std::uint32_t h, int frames) {
  SoftwareFitMode out{w, h, 6000, 0, 0, false};
  EncoderConfig c;
  c.codec = codec;
  c.width_px = w;
  c.height_px = h;
  c.frame_rate_x100 = 6000;
  c.bitrate_kbps = h >= 1080 ? 20000 : 10000;
  std::unique_ptr<VideoEncoder> enc;
  if (codec == Codec::h264) enc = make_x264_encoder(c);
  if (codec == Codec::hevc) enc = make_x265_encoder(c);
  if (codec == Codec::av1) enc = make_svtav1_encoder(c);
  auto source = capture::make_test_pattern_source(w, h);
  double wall = 0, cpu = 0;
  int timed = 0;
  for (int i = 0; i <= frames; ++i) {
    capture::Frame f;
    if (source->capture(f, std::chrono::milliseconds(0)) != capture::CaptureStatus::ok) break;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_ms();
    const auto r = enc->encode(f, false);
    const double c1 = process_cpu_ms();
    const auto t1 = std::chrono::steady_clock::now();
    if (r.status == EncodeStatus::error) break;
    if (i == 0) continue;  // the first (key) frame and start-up are not the steady state
    wall += std::chrono::duration<double, std::milli>(t1 - t0).count();
    cpu += c1 - c0;
    ++timed;
  }
  if (timed == 0) return out;
  out.wall_ms_per_frame = wall / timed;
  out.cpu_ms_per_frame = cpu / timed;
  const double interval_ms = 100'000.0 / out.frame_rate_x100;
  const double cores = std::max(1u, std::thread::hardware_concurrency());
  out.fits = out.wall_ms_per_frame < interval_ms && out.cpu_ms_per_frame < interval_ms * cores;
  return out;
}

}  // namespace

std::vector<SoftwareFit> software_fit(int frames_per_mode) {
  struct Which {
    const char* encoder;
    Codec codec;
    const char* note;
  };
  const Which which[] = {
      {"x264", Codec::h264, ""},
      {"x265", Codec::hevc, "x265 with more than one slice emits each frame one frame later"},
      {"svt-av1", Codec::av1,
       "SVT-AV1 1.4 emits each frame only when the next arrives: one frame interval of latency; a key frame on "
       "request restarts the encoder"},
  };
  // Wall times depend on what else runs: say under which load they were taken.
  std::string load;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    char line[64] = {};
    if (std::fgets(line, sizeof line, f) != nullptr) {
      std::string l(line);
      load = " [load average " + l.substr(0, l.find(' ')) + " on " + std::to_string(std::thread::hardware_concurrency()) +
             " cores]";
    }
    std::fclose(f);
  }
  std::vector<SoftwareFit> out;
  for (const Which& w : which) {
    SoftwareFit fit;
    fit.encoder = w.encoder;
    fit.codec = codec_label(w.codec);
    fit.note = w.note;
    std::string fits, misses;
    for (const auto& [wd, ht] : {std::pair{1280u, 720u}, std::pair{1920u, 1080u}}) {
      SoftwareFitMode m;
      try {
        m = measure(w.codec, wd, ht, frames_per_mode);
      } catch (const std::exception&) {
        m = SoftwareFitMode{wd, ht, 6000, 0, 0, false};
      }
      fit.modes.push_back(m);
      const std::string label = std::to_string(ht) + "p60 (" + fmt_ms(m.wall_ms_per_frame) + " ms/frame, " +
                                fmt_ms(m.cpu_ms_per_frame) + " ms CPU)";
      (m.fits ? fits : misses) += (m.fits ? fits : misses).empty() ? label : ", " + label;
    }
    fit.summary = fit.encoder + " (" + fit.codec + "): " + (fits.empty() ? "fits no tested mode" : "fits " + fits) +
                  (misses.empty() ? "" : "; too slow here for " + misses) + load;
    out.push_back(std::move(fit));
  }
  return out;
}

}  // namespace lightwell::encode
