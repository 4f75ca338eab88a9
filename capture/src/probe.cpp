// KMS probe through libdrm (read-only queries; see probe.hpp for what it will not do).
#include "lightwell/capture/probe.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace lightwell::capture {
namespace {

// Owns one open DRM node; closes it on every path out of probe_card.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::string connection_name(drmModeConnection c) {
  switch (c) {
    case DRM_MODE_CONNECTED: return "connected";
    case DRM_MODE_DISCONNECTED: return "disconnected";
    default: return "unknown";
  }
}

DrmCard probe_card(const std::filesystem::path& path) {
  DrmCard card;
  card.path = path;
  // O_RDONLY is enough for the GET ioctls and never makes us DRM master.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    card.error = std::string("cannot open: ") + std::strerror(errno);
    return card;
  }
  if (drmVersionPtr v = drmGetVersion(fd.get())) {
    card.driver.assign(v->name, static_cast<std::size_t>(std::max(v->name_len, 0)));
    drmFreeVersion(v);
  } else {
    card.error = "not a DRM device (drmGetVersion failed)";
    return card;
  }
  drmModeResPtr res = drmModeGetResources(fd.get());
  if (res == nullptr) {
    card.error = "no KMS resources (render-only device or KMS disabled)";
    return card;
  }
  card.crtcs_total = static_cast<std::uint32_t>(std::max(res->count_crtcs, 0));
  for (int i = 0; i < res->count_crtcs; ++i) {
    if (drmModeCrtcPtr crtc = drmModeGetCrtc(fd.get(), res->crtcs[i])) {
      if (crtc->mode_valid != 0 && crtc->buffer_id != 0) ++card.crtcs_lit;
      drmModeFreeCrtc(crtc);
    }
  }
  for (int i = 0; i < res->count_connectors; ++i) {
    // GetConnectorCurrent: report what the kernel already knows, without a slow re-probe.
    drmModeConnectorPtr conn = drmModeGetConnectorCurrent(fd.get(), res->connectors[i]);
    if (conn == nullptr) continue;
    DrmConnector out;
    const char* type = drmModeGetConnectorTypeName(conn->connector_type);
    out.name = std::string(type != nullptr ? type : "Unknown") + "-" +
               std::to_string(conn->connector_type_id);
    out.status = connection_name(conn->connection);
    if (conn->encoder_id != 0) {
      if (drmModeEncoderPtr enc = drmModeGetEncoder(fd.get(), conn->encoder_id)) {
        if (enc->crtc_id != 0) {
          if (drmModeCrtcPtr crtc = drmModeGetCrtc(fd.get(), enc->crtc_id)) {
            if (crtc->mode_valid != 0) {
              out.width_px = crtc->width;
              out.height_px = crtc->height;
            }
            drmModeFreeCrtc(crtc);
          }
        }
        drmModeFreeEncoder(enc);
      }
    }
    drmModeFreeConnector(conn);
    card.connectors.push_back(std::move(out));
  }
  drmModeFreeResources(res);
  return card;
}

}  // namespace

CaptureProbe probe_capture(const std::filesystem::path& dri_dir) {
  CaptureProbe probe;
  probe.dri_dir = dri_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dri_dir, ec)) return probe;
  probe.dri_present = true;
  for (const auto& entry : std::filesystem::directory_iterator(dri_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("card", 0) == 0) probe.cards.push_back(probe_card(entry.path()));
  }
  std::sort(probe.cards.begin(), probe.cards.end(),
            [](const DrmCard& a, const DrmCard& b) { return a.path < b.path; });
  return probe;
}

}  // namespace lightwell::capture
