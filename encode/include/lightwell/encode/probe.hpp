// What this build and machine offer for encoding, for `lightwell probe`: the software
// encoders compiled into this binary and the VA-API render nodes present. Read-only; absent
// hardware is a normal answer. Thread rules: a plain function; call from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lightwell::encode {

struct SoftwareEncoder {
  std::string name;      // "x264", "x265", "svt-av1"
  std::string codec;     // "H.264", "HEVC", "AV1"
  bool compiled_in = false;
  std::string detail;    // e.g. "X264_BUILD 164", or why it is missing
};

struct RenderNode {
  std::filesystem::path path;  // e.g. /dev/dri/renderD128
  std::string vendor;          // VA-API driver vendor string; empty if VA-API did not initialise
  std::string error;           // why the node could not be used, empty when it could
};

struct EncodeProbe {
  std::vector<SoftwareEncoder> software;
  std::filesystem::path dri_dir;
  std::vector<RenderNode> render_nodes;  // sorted by path; empty: no hardware encoding
};

// dri_dir is a parameter so tests can point it at an empty or fake directory.
EncodeProbe probe_encode(const std::filesystem::path& dri_dir = "/dev/dri");

}  // namespace lightwell::encode
