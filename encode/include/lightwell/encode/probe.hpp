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

// Which VA-API encode entrypoints a driver offers for one codec. Intel's low-power (VDEnc)
// entrypoint, VAEntrypointEncSliceLP, runs on the fixed-function encoder; on Gen11+ its
// bitrate control needs the HuC firmware loaded by GuC (i915.enable_guc=2), and AV1 encode
// exists only as low-power (Arc / Meteor Lake and later).
struct VaCodecEncode {
  std::string codec;          // "H.264", "HEVC", "AV1"
  bool enc_slice = false;     // VAEntrypointEncSlice on any of the codec's profiles
  bool enc_slice_lp = false;  // VAEntrypointEncSliceLP on any of the codec's profiles
};

struct RenderNode {
  std::filesystem::path path;  // e.g. /dev/dri/renderD128
  std::string vendor;          // VA-API driver vendor string; empty if VA-API did not initialise
  std::string error;           // why the node could not be used, empty when it could
  std::string driver{};  // kernel driver from sysfs (/sys/class/drm/<node>/device/driver), e.g. "i915"
  std::vector<VaCodecEncode> encode{};  // H.264, HEVC, AV1 (in that order) when VA-API initialised; {}: older
                                       // aggregate initialisers (vendor, error only) stay warning-free
};

// The oneVPL GPU runtime for Intel (Debian package libmfx-gen1.2): the dispatcher libvpl loads
// it with dlopen, so whether dlopen finds it is exactly what matters.
struct OnevplRuntime {
  std::string library;    // e.g. "libmfx-gen.so.1.2"
  bool loadable = false;  // dlopen succeeded
  std::string detail;     // dlerror() when not loadable
};

inline constexpr const char* kOnevplGpuRuntime = "libmfx-gen.so.1.2";

// dlopen(library, RTLD_LAZY | RTLD_LOCAL) then dlclose: a parameter so tests can name a
// library that exists and one that does not.
OnevplRuntime probe_onevpl(const std::string& library = kOnevplGpuRuntime);

struct EncodeProbe {
  std::vector<SoftwareEncoder> software;
  std::filesystem::path dri_dir;
  std::vector<RenderNode> render_nodes;  // sorted by path; empty: no hardware encoding
  OnevplRuntime onevpl{};                 // probe_onevpl() of the Intel GPU runtime
};

// dri_dir is a parameter so tests can point it at an empty or fake directory.
EncodeProbe probe_encode(const std::filesystem::path& dri_dir = "/dev/dri");

}  // namespace lightwell::encode
