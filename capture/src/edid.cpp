// EDID 1.4 base block + optional CTA-861 extension, timings by CVT 1.2 reduced blanking.
// Sources of the facts (no code taken from anywhere):
//  - VESA E-EDID Release A Rev. 2 (EDID 1.4), section 3: header, vendor/product, version,
//    basic display parameters, chromaticity, established/standard timings, 18-byte
//    descriptors (DTD §3.10.2, display range limits 0xFD §3.10.3.3, product name 0xFC
//    §3.10.3.4, dummy 0x10), extension count and checksum.
//  - VESA CVT 1.2 (Coordinated Video Timings), reduced blanking: v1 and v2 constants below.
//  - CTA-861 extension block layout: tag 0x02, revision 3, DTD offset, flags, DTDs, checksum.
#include "lightwell/capture/edid.hpp"

#include <algorithm>
#include <charconv>

namespace lightwell::capture {
namespace {

using proto::Errc;
using proto::fail;

// CVT 1.2 reduced blanking constants (§5.4 of the CVT 1.2 standard).
constexpr std::uint64_t kRbMinVBlankUs = 460;  // minimum vertical blanking time, both versions
constexpr std::uint32_t kRbHSync = 32;          // h sync width (pixels), both versions
constexpr std::uint32_t kRbV1HBlank = 160;      // v1: fixed h blank
constexpr std::uint32_t kRbV1HFrontPorch = 48;  // v1: h front porch (back porch = 80)
constexpr std::uint32_t kRbV1VFrontPorch = 3;   // v1: v front porch (lines)
constexpr std::uint32_t kRbV1ClockStepKhz = 250;
constexpr std::uint32_t kRbV2HBlank = 80;       // v2: fixed h blank
constexpr std::uint32_t kRbV2HFrontPorch = 8;   // v2: h front porch (back porch = 40)
constexpr std::uint32_t kRbV2VSync = 8;         // v2: fixed v sync width
constexpr std::uint32_t kRbV2MinVFrontPorch = 1;
constexpr std::uint32_t kRbMinVBackPorch = 6;   // both versions; v2 keeps it fixed at 6
constexpr std::uint32_t kMaxRefreshHz = 500;    // keeps every range-limit field in a byte (+255)
constexpr std::uint32_t kMaxActive = 4095;      // DTD active fields are 12 bits

// CVT v1 sync width encodes the aspect ratio (CVT 1.2 table 3-2): 4:3 -> 4, 16:9 -> 5,
// 16:10 -> 6, 5:4 and 15:9 -> 7, anything else -> 10.
std::uint32_t cvt_v1_vsync(std::uint32_t w, std::uint32_t h) {
  const auto is = [&](std::uint32_t aw, std::uint32_t ah) { return std::uint64_t{w} * ah == std::uint64_t{h} * aw; };
  if (is(4, 3)) return 4;
  if (is(16, 9)) return 5;
  if (is(16, 10)) return 6;
  if (is(5, 4) || is(15, 9)) return 7;
  return 10;
}

std::uint8_t lo8(std::uint32_t v) { return static_cast<std::uint8_t>(v & 0xFFu); }

void put_checksum(std::uint8_t* block) {
  unsigned sum = 0;
  for (std::size_t i = 0; i + 1 < kEdidBlockSize; ++i) sum += block[i];
  block[kEdidBlockSize - 1] = static_cast<std::uint8_t>((256u - sum % 256u) % 256u);
}

struct Dtd {
  DetailedTiming t;
  std::uint32_t clock_10khz = 0;  // what the descriptor carries
};

// EDID 1.4 §3.10.2: 18-byte detailed timing descriptor.
void write_dtd(std::uint8_t* d, const Dtd& dtd, std::uint32_t width_mm, std::uint32_t height_mm) {
  const DetailedTiming& t = dtd.t;
  d[0] = lo8(dtd.clock_10khz);
  d[1] = lo8(dtd.clock_10khz >> 8);
  d[2] = lo8(t.h_active);
  d[3] = lo8(t.h_blank);
  d[4] = static_cast<std::uint8_t>(((t.h_active >> 8) & 0xFu) << 4 | ((t.h_blank >> 8) & 0xFu));
  d[5] = lo8(t.v_active);
  d[6] = lo8(t.v_blank);
  d[7] = static_cast<std::uint8_t>(((t.v_active >> 8) & 0xFu) << 4 | ((t.v_blank >> 8) & 0xFu));
  d[8] = lo8(t.h_sync_offset);
  d[9] = lo8(t.h_sync_width);
  d[10] = static_cast<std::uint8_t>((t.v_sync_offset & 0xFu) << 4 | (t.v_sync_width & 0xFu));
  d[11] = static_cast<std::uint8_t>(((t.h_sync_offset >> 8) & 3u) << 6 | ((t.h_sync_width >> 8) & 3u) << 4 |
                                    ((t.v_sync_offset >> 4) & 3u) << 2 | ((t.v_sync_width >> 4) & 3u));
  d[12] = lo8(width_mm);
  d[13] = lo8(height_mm);
  d[14] = static_cast<std::uint8_t>(((width_mm >> 8) & 0xFu) << 4 | ((height_mm >> 8) & 0xFu));
  d[15] = 0;  // no borders
  d[16] = 0;
  // Byte 17: non-interlaced, no stereo, digital separate sync (bits 4-3 = 11), bit 2 v sync
  // polarity, bit 1 h sync polarity (1 = positive).
  d[17] = static_cast<std::uint8_t>(0x18u | (t.v_sync_positive ? 0x04u : 0u) | (t.h_sync_positive ? 0x02u : 0u));
}

// §3.10.3: display descriptor header 00 00 00 TAG 00.
void write_descriptor_header(std::uint8_t* d, std::uint8_t tag) {
  d[0] = d[1] = d[2] = 0;
  d[3] = tag;
  d[4] = 0;
}

// 0xFC: up to 13 ASCII bytes, ended by 0x0A, padded with 0x20 (§3.10.3.4).
void write_name(std::uint8_t* d, std::string_view name) {
  write_descriptor_header(d, 0xFC);
  std::fill(d + 5, d + 18, std::uint8_t{0x20});
  std::copy(name.begin(), name.end(), d + 5);
  if (name.size() < 13) d[5 + name.size()] = 0x0A;
}

std::uint32_t ceil_div(std::uint64_t a, std::uint64_t b) { return static_cast<std::uint32_t>((a + b - 1) / b); }

// 0xFD display range limits covering every DTD (§3.10.3.3). Byte 4 offset flags add 255 to
// a maximum (and minimum) above 255; byte 10 = 0x01 "range limits only": no GTF/CVT
// formula is offered, the sink supports exactly the listed timings.
void write_range(std::uint8_t* d, const std::vector<Dtd>& dtds) {
  // Start from the established 640x480@60 (VESA DMT: 25.175 MHz, 31.469 kHz, 59.94 Hz).
  std::uint32_t min_v = 59, max_v = 60, min_h = 31, max_h = 32, max_clock_10khz = 2518;
  for (const Dtd& dtd : dtds) {
    const std::uint64_t clock_hz = std::uint64_t{dtd.clock_10khz} * 10000u;
    const std::uint64_t frame = std::uint64_t{dtd.t.h_total()} * dtd.t.v_total();
    min_v = std::min(min_v, static_cast<std::uint32_t>(clock_hz / frame));
    max_v = std::max(max_v, ceil_div(clock_hz, frame));
    min_h = std::min(min_h, static_cast<std::uint32_t>(clock_hz / dtd.t.h_total() / 1000u));
    max_h = std::max(max_h, ceil_div(clock_hz, std::uint64_t{dtd.t.h_total()} * 1000u));
    max_clock_10khz = std::max(max_clock_10khz, dtd.clock_10khz);
  }
  min_v = std::max(min_v, 1u);
  min_h = std::max(min_h, 1u);
  write_descriptor_header(d, 0xFD);
  std::uint8_t flags = 0;
  if (max_v > 255) { flags |= 0x02; max_v -= 255; }
  if (min_v > 255) { flags |= 0x01; min_v -= 255; }
  if (max_h > 255) { flags |= 0x08; max_h -= 255; }
  if (min_h > 255) { flags |= 0x04; min_h -= 255; }
  d[4] = flags;
  d[5] = lo8(min_v);
  d[6] = lo8(max_v);
  d[7] = lo8(min_h);
  d[8] = lo8(max_h);
  d[9] = lo8(ceil_div(max_clock_10khz, 1000));  // units of 10 MHz, rounded up
  d[10] = 0x01;
  d[11] = 0x0A;
  std::fill(d + 12, d + 18, std::uint8_t{0x20});
}

void write_dummy(std::uint8_t* d) {
  write_descriptor_header(d, 0x10);
  std::fill(d + 5, d + 18, std::uint8_t{0});
}

// EDID chromaticity is 10-bit binary fractions: round(x * 1024).
std::uint32_t chroma(double x) { return static_cast<std::uint32_t>(x * 1024.0 + 0.5); }

}  // namespace

Result<DisplayMode> parse_display_mode(std::string_view text) {
  DisplayMode mode;
  const auto number = [&](std::string_view part, std::uint32_t& out) {
    if (part.empty()) return false;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size();
  };
  const std::size_t x = text.find('x');
  const std::size_t at = text.find('@');
  if (x == std::string_view::npos || (at != std::string_view::npos && at < x)) {
    return fail(Errc::malformed, "mode '" + std::string(text) + "': expected WIDTHxHEIGHT[@HZ], e.g. 1920x1080@60");
  }
  const std::string_view height = text.substr(x + 1, at == std::string_view::npos ? std::string_view::npos : at - x - 1);
  mode.refresh_hz = 60;
  if (!number(text.substr(0, x), mode.width_px) || !number(height, mode.height_px) ||
      (at != std::string_view::npos && !number(text.substr(at + 1), mode.refresh_hz))) {
    return fail(Errc::malformed, "mode '" + std::string(text) + "': expected WIDTHxHEIGHT[@HZ], e.g. 1920x1080@60");
  }
  return mode;
}

Result<DetailedTiming> cvt_reduced_blanking(const DisplayMode& mode, CvtReducedBlanking version) {
  const std::string label = std::to_string(mode.width_px) + "x" + std::to_string(mode.height_px) + "@" +
                            std::to_string(mode.refresh_hz);
  if (mode.width_px == 0 || mode.height_px == 0 || mode.refresh_hz == 0) {
    return fail(Errc::out_of_range, "mode " + label + ": width, height and refresh must be above zero");
  }
  if (mode.width_px > kMaxActive || mode.height_px > kMaxActive) {
    return fail(Errc::out_of_range, "mode " + label + ": an EDID detailed timing holds at most 4095 active pixels/lines");
  }
  if (mode.refresh_hz > kMaxRefreshHz) {
    return fail(Errc::out_of_range, "mode " + label + ": refresh above " + std::to_string(kMaxRefreshHz) + " Hz");
  }
  const bool v1 = version == CvtReducedBlanking::v1;
  if (v1 && mode.width_px % 8 != 0) {
    return fail(Errc::out_of_range, "mode " + label + ": CVT-RB v1 needs a width that is a multiple of 8 (use v2)");
  }
  DetailedTiming t;
  t.h_active = mode.width_px;
  t.v_active = mode.height_px;
  t.h_blank = v1 ? kRbV1HBlank : kRbV2HBlank;
  t.h_sync_width = kRbHSync;
  t.h_sync_offset = v1 ? kRbV1HFrontPorch : kRbV2HFrontPorch;
  t.v_sync_width = v1 ? cvt_v1_vsync(mode.width_px, mode.height_px) : kRbV2VSync;
  // CVT: H_PERIOD_EST = (1e6 / R - 460) / V µs; VBI_LINES = floor(460 / H_PERIOD_EST) + 1,
  // i.e. floor(460 V R / (1e6 - 460 R)) + 1 in exact integers.
  const std::uint64_t rate = mode.refresh_hz;
  const std::uint64_t vbi_lines = kRbMinVBlankUs * mode.height_px * rate / (1000000u - kRbMinVBlankUs * rate) + 1u;
  const std::uint32_t front = v1 ? kRbV1VFrontPorch : kRbV2MinVFrontPorch;
  const std::uint32_t min_vbi = front + t.v_sync_width + kRbMinVBackPorch;
  t.v_blank = std::max(static_cast<std::uint32_t>(vbi_lines), min_vbi);
  // v1 puts the extra lines into the back porch (front porch fixed at 3); v2 keeps the back
  // porch at 6 and grows the front porch.
  t.v_sync_offset = v1 ? kRbV1VFrontPorch : t.v_blank - t.v_sync_width - kRbMinVBackPorch;
  t.h_sync_positive = true;   // CVT reduced blanking: h sync +, v sync −
  t.v_sync_positive = false;
  // ACT_PIXEL_FREQ = CLOCK_STEP * floor(R * V_TOTAL * H_TOTAL / CLOCK_STEP).
  const std::uint64_t hz = rate * t.v_total() * t.h_total();
  const std::uint64_t step_hz = v1 ? kRbV1ClockStepKhz * 1000u : 1000u;
  t.pixel_clock_khz = static_cast<std::uint32_t>(hz / step_hz * step_hz / 1000u);
  return t;
}

Result<std::array<std::uint8_t, 2>> pack_manufacturer_id(std::string_view letters) {
  if (letters.size() != 3 || !std::all_of(letters.begin(), letters.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return fail(Errc::malformed, "manufacturer id must be three letters A-Z");
  }
  // EDID 1.4 §3.4.1: bit 15 = 0, then three 5-bit letters, 'A' = 1; big-endian.
  const auto code = [](char c) { return static_cast<std::uint32_t>(c - 'A' + 1); };
  const std::uint32_t packed = code(letters[0]) << 10 | code(letters[1]) << 5 | code(letters[2]);
  return std::array<std::uint8_t, 2>{lo8(packed >> 8), lo8(packed)};
}

Result<std::vector<std::uint8_t>> build_edid(const EdidRequest& request) {
  if (request.modes.empty()) return fail(Errc::out_of_range, "EDID: at least one mode is needed");
  if (request.modes.size() > kMaxEdidModes) {
    return fail(Errc::too_large, "EDID: at most " + std::to_string(kMaxEdidModes) + " modes (" +
                                     std::to_string(kBaseBlockModes) + " in the base block, 6 in one CTA-861 extension)");
  }
  const std::string_view name = request.monitor_name;
  if (name.empty() || name.size() > 13 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7E; })) {
    return fail(Errc::malformed, "EDID: the monitor name must be 1 to 13 printable ASCII characters");
  }
  if (request.manufacture_week < 1 || request.manufacture_week > 54 || request.manufacture_year < 1990 ||
      request.manufacture_year > 2245) {
    return fail(Errc::out_of_range, "EDID: manufacture week must be 1..54 and year 1990..2245");
  }
  std::vector<Dtd> dtds;
  for (const DisplayMode& mode : request.modes) {
    auto timing = cvt_reduced_blanking(mode, request.blanking);
    if (!timing) return tl::unexpected(timing.error());
    if (timing->pixel_clock_khz > kMaxDtdPixelClockKhz) {
      return fail(Errc::out_of_range, "mode " + std::to_string(mode.width_px) + "x" + std::to_string(mode.height_px) +
                                          "@" + std::to_string(mode.refresh_hz) + ": pixel clock " +
                                          std::to_string(timing->pixel_clock_khz) +
                                          " kHz is above the 655350 kHz an EDID detailed timing can hold");
    }
    // A DTD holds the clock in 10 kHz units: exact for v1 (250 kHz steps), rounded down for v2.
    dtds.push_back(Dtd{*timing, timing->pixel_clock_khz / 10u});
  }

  const bool extension = dtds.size() > kBaseBlockModes;
  std::vector<std::uint8_t> edid(kEdidBlockSize * (extension ? 2 : 1), 0);
  std::uint8_t* b = edid.data();
  constexpr std::array<std::uint8_t, 8> kHeader{0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
  std::copy(kHeader.begin(), kHeader.end(), b);
  // "LWL": not in the UEFI PNP ID registry as far as we know; an obviously virtual vendor.
  const auto vendor = *pack_manufacturer_id("LWL");
  b[8] = vendor[0];
  b[9] = vendor[1];
  b[10] = lo8(request.product_code);  // little-endian
  b[11] = lo8(request.product_code >> 8u);
  for (int i = 0; i < 4; ++i) b[12 + i] = lo8(request.serial_number >> (8 * i));
  b[16] = request.manufacture_week;
  b[17] = lo8(request.manufacture_year - 1990u);
  b[18] = 1;  // EDID version 1.4
  b[19] = 4;
  // Video input (§3.6.1): digital (bit 7), 8 bits per colour (bits 6-4 = 010), interface
  // DisplayPort (bits 3-0 = 0101). DP rather than HDMI: without an HDMI vendor data block a
  // sink is DVI-like anyway, and DP is what an iGPU's eDP/DP connectors expect.
  b[20] = 0xA5;
  // Screen size in cm from the preferred mode at 96 dpi, so desktops pick 100 % scaling.
  const DisplayMode& native = request.modes.front();
  const std::uint32_t width_mm = (native.width_px * 254u + 480u) / 960u;
  const std::uint32_t height_mm = (native.height_px * 254u + 480u) / 960u;
  b[21] = lo8(std::min((width_mm + 5u) / 10u, 255u));
  b[22] = lo8(std::min((height_mm + 5u) / 10u, 255u));
  b[23] = 120;  // gamma 2.2: (2.2 * 100) - 100
  // Features (§3.6.4): no DPMS, RGB 4:4:4, sRGB default colour space (bit 2), preferred
  // timing mode = first DTD and native (bit 1), not continuous frequency (bit 0 = 0).
  b[24] = 0x06;
  // Chromaticity (§3.7): sRGB / BT.709 primaries and D65 white.
  const std::array<std::uint32_t, 8> xy{chroma(0.640), chroma(0.330), chroma(0.300), chroma(0.600),
                                        chroma(0.150), chroma(0.060), chroma(0.3127), chroma(0.3290)};
  b[25] = static_cast<std::uint8_t>((xy[0] & 3u) << 6 | (xy[1] & 3u) << 4 | (xy[2] & 3u) << 2 | (xy[3] & 3u));
  b[26] = static_cast<std::uint8_t>((xy[4] & 3u) << 6 | (xy[5] & 3u) << 4 | (xy[6] & 3u) << 2 | (xy[7] & 3u));
  for (std::size_t i = 0; i < 8; ++i) b[27 + i] = lo8(xy[i] >> 2);
  // Established timings (§3.8): 640x480@60 only (byte 35 bit 5). CTA-861 requires every sink
  // to support it (edid-decode fails an extension without it), and it is VGA's safe fallback.
  b[35] = 0x20;
  // Standard timings (38-53): all unused (01 01).
  for (std::size_t i = 38; i < 54; ++i) b[i] = 0x01;
  // Four descriptors: DTD 1 (preferred), DTD 2 or dummy, range limits, name.
  write_dtd(b + 54, dtds[0], width_mm, height_mm);
  if (dtds.size() > 1) {
    write_dtd(b + 72, dtds[1], width_mm, height_mm);
  } else {
    write_dummy(b + 72);
  }
  write_range(b + 90, dtds);
  write_name(b + 108, name);
  b[126] = extension ? 1 : 0;
  put_checksum(b);

  if (extension) {
    // CTA-861 extension: tag 02, revision 3, DTD offset, flags, one data block, up to 6 DTDs,
    // checksum. Flags 0x80: IT formats underscanned (a PC monitor); no audio/YCbCr claims.
    // The one data block is a Video Capability Data Block (extended tag 0x00, header
    // E2 = tag 7 length 2): QS = 1 (RGB quantization range selectable, so the source sends
    // full range), S_IT = 10 and S_CE = 10 (IT and CE formats underscanned). edid-decode
    // fails a CTA block without a VCDB.
    std::uint8_t* e = b + kEdidBlockSize;
    constexpr std::uint8_t kDtdOffset = 7;
    e[0] = 0x02;
    e[1] = 0x03;
    e[2] = kDtdOffset;
    e[3] = 0x80;
    e[4] = 0xE2;
    e[5] = 0x00;
    e[6] = 0x4A;
    for (std::size_t i = kBaseBlockModes; i < dtds.size(); ++i) {
      write_dtd(e + kDtdOffset + 18 * (i - kBaseBlockModes), dtds[i], width_mm, height_mm);
    }
    put_checksum(e);
  }
  return edid;
}

Result<std::string> kernel_parameters(std::string_view connector, std::string_view firmware) {
  const bool connector_ok =
      !connector.empty() && std::all_of(connector.begin(), connector.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      });
  if (!connector_ok) {
    return fail(Errc::malformed, "connector '" + std::string(connector) +
                                     "': expected a kernel connector name such as HDMI-A-1, DP-1 or Virtual-1");
  }
  const bool firmware_ok =
      !firmware.empty() && firmware.front() != '/' && firmware.find("..") == std::string_view::npos &&
      std::all_of(firmware.begin(), firmware.end(), [](char c) { return c > 0x20 && c < 0x7F && c != ',' && c != ':'; });
  if (!firmware_ok) {
    return fail(Errc::malformed, "firmware '" + std::string(firmware) +
                                     "': expected a path relative to /lib/firmware such as edid/lightwell.bin");
  }
  // kernel-parameters.txt "drm.edid_firmware=[<connector>:]<file>"; fb/modedb.rst: the 'e'
  // suffix of video=<conn>:e forces the connector on even when nothing is detected.
  const std::string conn(connector);
  return "drm.edid_firmware=" + conn + ":" + std::string(firmware) + " video=" + conn + ":e";
}

}  // namespace lightwell::capture
