// EDID generator for headless guests (issue 5 "Headless guests", docs/display.md): a VM with a
// passed-through iGPU and no monitor has no lit connector; the kernel can be told to treat a
// connector as connected with a firmware EDID (drm.edid_firmware=, video=CONN:e). This file
// builds that EDID and the kernel parameters. PURE: no I/O, no clock, no global state; every
// function may be called from any thread.
//
// Facts used (VESA E-EDID 1.4 byte layout; VESA CVT 1.2 reduced blanking; CTA-861 extension
// layout) are cited next to the code in edid.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/result.hpp"

namespace lightwell::capture {

using proto::Result;

struct DisplayMode {
  std::uint32_t width_px = 0;
  std::uint32_t height_px = 0;
  std::uint32_t refresh_hz = 0;  // whole hertz (the requested field rate)
};

// Parses "1920x1080@60" (refresh optional: "1920x1080" means 60 Hz).
Result<DisplayMode> parse_display_mode(std::string_view text);

enum class CvtReducedBlanking {
  v1,  // CVT 1.2 RB v1: 160-px h blank, 250 kHz clock step; exact in EDID's 10 kHz units
  v2,  // CVT 1.2 RB v2: 80-px h blank, 1 kHz clock step; rounded down to 10 kHz in a DTD
};

// One progressive timing, every field in pixels/lines, clock in kHz.
struct DetailedTiming {
  std::uint32_t pixel_clock_khz = 0;
  std::uint32_t h_active = 0, h_blank = 0, h_sync_offset = 0, h_sync_width = 0;
  std::uint32_t v_active = 0, v_blank = 0, v_sync_offset = 0, v_sync_width = 0;
  bool h_sync_positive = true;
  bool v_sync_positive = false;
  std::uint32_t h_total() const noexcept { return h_active + h_blank; }
  std::uint32_t v_total() const noexcept { return v_active + v_blank; }
};

// CVT 1.2 reduced-blanking timing for a mode (progressive, no margins). v1 requires a width
// that is a multiple of 8 (CVT's character cell); v2 takes any width.
Result<DetailedTiming> cvt_reduced_blanking(const DisplayMode& mode, CvtReducedBlanking version);

struct EdidRequest {
  std::vector<DisplayMode> modes;        // first = preferred (native) mode; 1..kMaxEdidModes
  std::string monitor_name = "Lightwell";  // printable ASCII, at most 13 characters
  CvtReducedBlanking blanking = CvtReducedBlanking::v1;
  std::uint16_t product_code = 0x0001;
  std::uint32_t serial_number = 0;
  std::uint8_t manufacture_week = 1;      // 1..54
  std::uint16_t manufacture_year = 2026;  // 1990..2245
};

inline constexpr std::size_t kEdidBlockSize = 128;
// Base block: 4 descriptor slots, two taken by the name (0xFC) and range limits (0xFD)
// descriptors -> 2 DTDs. One CTA-861 extension with no data blocks holds 6 more DTDs.
inline constexpr std::size_t kBaseBlockModes = 2;
inline constexpr std::size_t kMaxEdidModes = 8;
inline constexpr std::uint32_t kMaxDtdPixelClockKhz = 655350;  // 16 bits of 10 kHz

// 128 bytes (<= 2 modes) or 256 bytes (base + one CTA-861 extension). Rejects the request
// whole: no modes, too many, a zero size, a field that does not fit a DTD, a clock over
// 655.35 MHz, a bad name.
Result<std::vector<std::uint8_t>> build_edid(const EdidRequest& request);

// "LWL" -> the two bytes at offset 8 of an EDID (three letters A..Z, 5 bits each, big-endian).
Result<std::array<std::uint8_t, 2>> pack_manufacturer_id(std::string_view letters);

// The kernel parameters that light `connector` with the EDID file `firmware` (a path relative
// to /lib/firmware): "drm.edid_firmware=CONN:FILE video=CONN:e". Rejects names with spaces,
// ':' or ',' in the connector, and absolute or empty firmware paths.
Result<std::string> kernel_parameters(std::string_view connector, std::string_view firmware);

}  // namespace lightwell::capture
