// Encoder probe: compiled-in software encoders, VA-API render nodes and their encode
// entrypoints, the oneVPL GPU runtime.
#include "lightwell/encode/probe.hpp"
#include "lightwell/encode/encoder_table.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <va/va.h>
#include <va/va_drm.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>


namespace lightwell::encode {
namespace {

// libva prints "libva info: ..." lines to stderr by default; the probe prints its own report.
void quiet(void*, const char*) {}

// The encode entrypoints the driver lists for any profile of each codec (va.h VAProfile*).
std::vector<VaCodecEncode> query_encode(VADisplay display) {
  struct Codec {
    const char* name;
    std::vector<VAProfile> profiles;
  };
  const Codec codecs[] = {
      {"H.264", {VAProfileH264ConstrainedBaseline, VAProfileH264Main, VAProfileH264High}},
      {"HEVC", {VAProfileHEVCMain, VAProfileHEVCMain10}},
      {"AV1", {VAProfileAV1Profile0}},
  };
  std::vector<VAProfile> offered(static_cast<std::size_t>(std::max(vaMaxNumProfiles(display), 0)));
  int offered_count = 0;
  if (vaQueryConfigProfiles(display, offered.data(), &offered_count) != VA_STATUS_SUCCESS) offered_count = 0;
  offered.resize(static_cast<std::size_t>(std::clamp(offered_count, 0, static_cast<int>(offered.size()))));
  std::vector<VAEntrypoint> entrypoints(static_cast<std::size_t>(std::max(vaMaxNumEntrypoints(display), 0)));
  std::vector<VaCodecEncode> out;
  for (const auto& codec : codecs) {
    VaCodecEncode result;
    result.codec = codec.name;
    for (VAProfile profile : codec.profiles) {
      if (std::find(offered.begin(), offered.end(), profile) == offered.end()) continue;
      int n = 0;
      if (vaQueryConfigEntrypoints(display, profile, entrypoints.data(), &n) != VA_STATUS_SUCCESS) continue;
      for (int i = 0; i < n && i < static_cast<int>(entrypoints.size()); ++i) {
        if (entrypoints[static_cast<std::size_t>(i)] == VAEntrypointEncSlice) result.enc_slice = true;
        if (entrypoints[static_cast<std::size_t>(i)] == VAEntrypointEncSliceLP) result.enc_slice_lp = true;
      }
    }
    out.push_back(result);
  }
  return out;
}

// The kernel driver bound to the node's device (sysfs ABI: /sys/class/drm/<node>/device/driver
// is a symlink to the driver); empty when sysfs does not say (a fake node in a test).
std::string kernel_driver(const std::filesystem::path& node) {
  namespace fs = std::filesystem;
  const fs::path device = fs::path("/sys/class/drm") / node.filename() / "device";
  std::error_code ec;
  const auto target = fs::read_symlink(device / "driver", ec);
  if (ec) return {};
  // A virtio GPU's PCI device is bound to "virtio-pci"; the GPU driver sits on its virtioN child.
  if (target.filename() == "virtio-pci") {
    for (const auto& child : fs::directory_iterator(device, ec)) {
      if (child.path().filename().string().rfind("virtio", 0) != 0) continue;
      const auto inner = fs::read_symlink(child.path() / "driver", ec);
      if (!ec) return inner.filename().string();
    }
  }
  return target.filename().string();
}

RenderNode probe_render_node(const std::filesystem::path& path) {
  RenderNode node;
  node.path = path;
  node.driver = kernel_driver(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    node.error = std::string("cannot open: ") + std::strerror(errno);
    return node;
  }
  if (VADisplay display = vaGetDisplayDRM(fd)) {
    vaSetInfoCallback(display, quiet, nullptr);
    vaSetErrorCallback(display, quiet, nullptr);
    int major = 0;
    int minor = 0;
    const VAStatus status = vaInitialize(display, &major, &minor);
    if (status == VA_STATUS_SUCCESS) {
      const char* vendor = vaQueryVendorString(display);
      node.vendor = vendor != nullptr ? vendor : "";
      node.encode = query_encode(display);
    } else {
      node.error = std::string("VA-API did not initialise: ") + vaErrorStr(status);
    }
    vaTerminate(display);
  } else {
    node.error = "vaGetDisplayDRM failed";
  }
  ::close(fd);
  return node;
}

}  // namespace

OnevplRuntime probe_onevpl(const std::string& library) {
  OnevplRuntime runtime;
  runtime.library = library;
  dlerror();  // clear a stale message
  if (void* handle = ::dlopen(library.c_str(), RTLD_LAZY | RTLD_LOCAL)) {
    runtime.loadable = true;
    ::dlclose(handle);
  } else {
    const char* why = dlerror();
    runtime.detail = why != nullptr ? why : "dlopen failed";
  }
  return runtime;
}

EncodeProbe probe_encode(const std::filesystem::path& dri_dir) {
  EncodeProbe probe;
  // The software rows of the encoder table, each asked about its own codec at the advertised
  // mode (encoder_table.hpp): the same answer serverinfo and DESCRIBE are built from.
  for (const EncoderEntry& entry : encoder_table()) {
    if (entry.hardware) continue;
    for (const Codec codec : {Codec::h264, Codec::hevc, Codec::av1}) {
      EncodeMode mode;
      mode.codec = codec;
      const Availability a = entry.probe(mode);
      if (!a.usable && a.detail.find("only") != std::string::npos) continue;  // not its codec
      const char* label = codec == Codec::h264 ? "H.264" : codec == Codec::hevc ? "HEVC" : "AV1";
      probe.software.push_back({std::string(entry.name), label, a.usable, a.detail});
    }
  }

  probe.onevpl = probe_onevpl();
  probe.dri_dir = dri_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dri_dir, ec)) return probe;
  for (const auto& entry : std::filesystem::directory_iterator(dri_dir, ec)) {
    if (entry.path().filename().string().rfind("renderD", 0) == 0) {
      probe.render_nodes.push_back(probe_render_node(entry.path()));
    }
  }
  std::sort(probe.render_nodes.begin(), probe.render_nodes.end(),
            [](const RenderNode& a, const RenderNode& b) { return a.path < b.path; });
  return probe;
}

}  // namespace lightwell::encode
