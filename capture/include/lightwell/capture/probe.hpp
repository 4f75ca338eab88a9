// What this machine offers for KMS capture, for `lightwell probe`. The probe only reads:
// it opens each /dev/dri/card* node, asks libdrm for the driver, connectors and CRTCs, and
// closes it again. It never becomes DRM master and never forces a connector re-probe, so it
// is safe to run next to a running desktop. Absent hardware is a normal answer, not an error.
// Thread rules: a plain function, no shared state; call from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lightwell::capture {

struct DrmConnector {
  std::string name;       // e.g. "HDMI-A-1" (type name + type index, as the kernel names it)
  std::string status;     // "connected", "disconnected" or "unknown"
  std::uint32_t width_px = 0;   // current mode of the CRTC driving it, 0 when none is lit
  std::uint32_t height_px = 0;
};

struct DrmCard {
  std::filesystem::path path;        // e.g. /dev/dri/card0
  std::string driver;                // kernel driver name, e.g. "i915"; empty if unknown
  std::vector<DrmConnector> connectors;
  std::uint32_t crtcs_total = 0;
  std::uint32_t crtcs_lit = 0;       // CRTCs with a valid mode and a framebuffer attached
  std::string error;                 // non-empty when the node could not be queried (why)
};

struct CaptureProbe {
  std::filesystem::path dri_dir;     // the directory that was looked at
  bool dri_present = false;          // false: no KMS capture possible on this machine
  std::vector<DrmCard> cards;        // sorted by path
};

// dri_dir is a parameter so tests can point it at an empty or fake directory.
CaptureProbe probe_capture(const std::filesystem::path& dri_dir = "/dev/dri");

}  // namespace lightwell::capture
