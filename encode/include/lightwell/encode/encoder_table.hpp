// The encoder table (issue 5 "The probe decides"): encoders tried in order — hardware first
// (Quick Sync, added by its own row), then software x264 / x265 / SVT-AV1 — each with a
// probe() that answers "can this machine encode this mode with me?" and a create(). The
// session creates its encoder through create_encoder(); serverinfo's codec bits and the RTSP
// DESCRIBE markers come from the same probes (server/host_caps.hpp), so Lightwell never
// advertises a codec it cannot encode (video.md §10.1).
//
// Thread rules: the table is constexpr data; probe() and create() may be called from any
// thread (probes only read the libraries' static facts). software_fit() encodes for a few
// seconds: for `lightwell probe`, never on a streaming path.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/encode/video_encoder.hpp"

namespace lightwell::encode {

// What a probe is asked about. The default (1920x1080 at 60 fps, 8-bit) is what the host
// advertises for: /serverinfo is answered before any client asks for a mode.
struct EncodeMode {
  Codec codec = Codec::h264;
  std::uint32_t width_px = 1920;
  std::uint32_t height_px = 1080;
  std::uint32_t frame_rate_x100 = 6000;
  bool ten_bit = false;
};

struct Availability {
  bool usable = false;
  std::string detail;  // the library and version when usable, otherwise why not
};

struct EncoderEntry {
  std::string_view name;  // "qsv", "x264", "x265", "svt-av1"
  bool hardware = false;
  // Cheap: no encoder is opened. Must answer usable = false for a codec the entry does not do.
  Availability (*probe)(const EncodeMode& mode) = nullptr;
  // Throws like the make_*_encoder factories (std::invalid_argument for a configuration the
  // backend cannot honour, std::runtime_error when the library refuses).
  std::unique_ptr<VideoEncoder> (*create)(const EncoderConfig& config) = nullptr;
};

// The table, in the order entries are tried. Adding a backend is one row in encoder_table.cpp.
std::span<const EncoderEntry> encoder_table() noexcept;

// The mode an EncoderConfig asks for.
EncodeMode mode_of(const EncoderConfig& config) noexcept;

// The first entry whose probe() accepts the config's mode and whose create() succeeds. When
// one fails, the next is tried; `tried` (if given) receives one line per entry skipped or
// failed ("qsv: no Intel GPU"). Throws std::runtime_error listing every reason when none can.
std::unique_ptr<VideoEncoder> create_encoder(const EncoderConfig& config,
                                             std::span<const EncoderEntry> table = encoder_table(),
                                             std::vector<std::string>* tried = nullptr);

// True when some entry's probe() accepts the mode.
bool can_encode(const EncodeMode& mode, std::span<const EncoderEntry> table = encoder_table());

// How fast each software encoder runs HERE, measured by encoding the test pattern at 720p60
// and 1080p60 (a second or two per codec and size): for `lightwell probe` ("say in the probe
// output which software codecs fit which modes"). A mode fits when the CPU time per frame is
// below the frame interval times the cores available (the encoder's threads can use them),
// and the wall time per frame is below the interval.
struct SoftwareFitMode {
  std::uint32_t width_px = 0, height_px = 0, frame_rate_x100 = 0;
  double wall_ms_per_frame = 0;  // mean, first (key) frame excluded
  double cpu_ms_per_frame = 0;   // process CPU time (all threads) per frame
  bool fits = false;
};
struct SoftwareFit {
  std::string encoder;  // "x264", "x265", "svt-av1"
  std::string codec;    // "H.264", "HEVC", "AV1"
  std::vector<SoftwareFitMode> modes;
  // One line, e.g. "x265 (HEVC): fits 720p60 (9.1 ms/frame, 9.0 ms CPU); too slow here for
  // 1080p60 (...) [load average 0.5 on 2 cores]". SVT-AV1's wall time per call is not its
  // latency (it returns the previous frame): read its note.
  std::string summary;
  std::string note;     // a known property worth printing (SVT-AV1: one frame of latency), or ""
};
std::vector<SoftwareFit> software_fit(int frames_per_mode = 12);

}  // namespace lightwell::encode
