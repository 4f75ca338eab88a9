// Encoder probe: compiled-in software encoders and VA-API render nodes.
#include "lightwell/encode/probe.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <va/va.h>
#include <va/va_drm.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

extern "C" {
#include <x264.h>
}

namespace lightwell::encode {
namespace {

// libva prints "libva info: ..." lines to stderr by default; the probe prints its own report.
void quiet(void*, const char*) {}

RenderNode probe_render_node(const std::filesystem::path& path) {
  RenderNode node;
  node.path = path;
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

EncodeProbe probe_encode(const std::filesystem::path& dri_dir) {
  EncodeProbe probe;
  probe.software.push_back(
      {"x264", "H.264", true, "X264_BUILD " + std::to_string(X264_BUILD) + " (libx264)"});
  // Not wired into the build yet; report it rather than pretend.
  probe.software.push_back({"x265", "HEVC", false, "not built into this version"});
  probe.software.push_back({"svt-av1", "AV1", false, "not built into this version"});

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
