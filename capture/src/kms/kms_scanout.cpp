// Finding the CRTC and its primary plane (kms_scanout.hpp). Facts: drm-kms(7); plane types
// from the "type" property (DRM_PLANE_TYPE_PRIMARY = 1, include/uapi/drm/drm_mode.h); the
// primary plane is only listed to clients that set DRM_CLIENT_CAP_UNIVERSAL_PLANES.
#include <fcntl.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "kms_scanout.hpp"

namespace lightwell::capture::kms_detail {
namespace {

struct ResFree { void operator()(drmModeRes* p) const noexcept { drmModeFreeResources(p); } };
struct CrtcFree { void operator()(drmModeCrtc* p) const noexcept { drmModeFreeCrtc(p); } };
struct ConnFree { void operator()(drmModeConnector* p) const noexcept { drmModeFreeConnector(p); } };
struct EncFree { void operator()(drmModeEncoder* p) const noexcept { drmModeFreeEncoder(p); } };
struct PlaneResFree { void operator()(drmModePlaneRes* p) const noexcept { drmModeFreePlaneResources(p); } };
struct PlaneFree { void operator()(drmModePlane* p) const noexcept { drmModeFreePlane(p); } };
struct PropsFree { void operator()(drmModeObjectProperties* p) const noexcept { drmModeFreeObjectProperties(p); } };
struct PropFree { void operator()(drmModePropertyRes* p) const noexcept { drmModeFreeProperty(p); } };

constexpr std::uint64_t plane_type_primary = 1;  // DRM_PLANE_TYPE_PRIMARY
constexpr std::uint64_t plane_type_cursor = 2;   // DRM_PLANE_TYPE_CURSOR

std::string connector_name(const drmModeConnector& conn) {
  const char* type = drmModeGetConnectorTypeName(conn.connector_type);
  return std::string(type != nullptr ? type : "Unknown") + "-" + std::to_string(conn.connector_type_id);
}

bool crtc_lit(const drmModeCrtc& crtc) { return crtc.mode_valid != 0 && crtc.buffer_id != 0; }

// The plane's "type" property, or -1 when it has none.
long long plane_type(int fd, std::uint32_t plane_id) {
  std::unique_ptr<drmModeObjectProperties, PropsFree> props(
      drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE));
  if (!props) return -1;
  for (std::uint32_t i = 0; i < props->count_props; ++i) {
    std::unique_ptr<drmModePropertyRes, PropFree> prop(drmModeGetProperty(fd, props->props[i]));
    if (prop && std::strcmp(prop->name, "type") == 0) return static_cast<long long>(props->prop_values[i]);
  }
  return -1;
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string fourcc_name(std::uint32_t fourcc) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((fourcc >> (8 * i)) & 0xffU);
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s;
}

Fd open_card(const std::filesystem::path& card, std::string& error) {
  Fd fd(::open(card.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) {
    error = "cannot open " + card.string() + ": " + std::strerror(errno);
    return fd;
  }
  if (drmSetClientCap(fd.get(), DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) != 0) {
    error = card.string() + ": the driver refuses DRM_CLIENT_CAP_UNIVERSAL_PLANES: " + std::strerror(errno);
    return Fd{};
  }
  // Only for reading the cursor plane's CRTC_X/CRTC_Y (atomic-only properties, hidden from
  // other clients: drm_mode_obj_get_properties_ioctl). Setting it needs no privilege; a
  // driver without atomic modesetting refuses it and frames come without the cursor.
  (void)drmSetClientCap(fd.get(), DRM_CLIENT_CAP_ATOMIC, 1);
  return fd;
}

bool find_scanout(int fd, const std::filesystem::path& card, const std::string& connector,
                  ScanoutTarget& out, bool& no_lit_crtc, std::string& error) {
  no_lit_crtc = false;
  std::unique_ptr<drmModeRes, ResFree> res(drmModeGetResources(fd));
  if (!res) {
    error = card.string() + " is not a KMS device (drmModeGetResources failed)";
    return false;
  }
  out = ScanoutTarget{};
  out.card = card;
  out.connector = connector;
  if (!connector.empty()) {
    bool found = false;
    for (int i = 0; i < res->count_connectors && !found; ++i) {
      std::unique_ptr<drmModeConnector, ConnFree> conn(drmModeGetConnectorCurrent(fd, res->connectors[i]));
      if (!conn || connector_name(*conn) != connector) continue;
      found = true;
      if (conn->encoder_id == 0) break;
      std::unique_ptr<drmModeEncoder, EncFree> enc(drmModeGetEncoder(fd, conn->encoder_id));
      if (enc) out.crtc_id = enc->crtc_id;
    }
    if (!found) {
      error = card.string() + " has no connector named " + connector;
      return false;
    }
  }
  for (int i = 0; i < res->count_crtcs; ++i) {
    if (out.crtc_id != 0 && res->crtcs[i] != out.crtc_id) continue;
    std::unique_ptr<drmModeCrtc, CrtcFree> crtc(drmModeGetCrtc(fd, res->crtcs[i]));
    if (!crtc || !crtc_lit(*crtc)) continue;
    if (connector.empty() || out.crtc_id == crtc->crtc_id) {
      out.crtc_id = crtc->crtc_id;
      out.mode_width_px = crtc->mode.hdisplay;
      out.mode_height_px = crtc->mode.vdisplay;
      break;
    }
  }
  if (out.mode_width_px == 0) {
    no_lit_crtc = true;
    error = connector.empty() ? card.string() + " has no lit CRTC"
                              : "connector " + connector + " on " + card.string() + " is not lit";
    return false;
  }
  std::uint32_t crtc_mask = 0;  // possible_crtcs is a bit mask of CRTC indices
  for (int i = 0; i < res->count_crtcs; ++i) {
    if (res->crtcs[i] == out.crtc_id && i < 32) crtc_mask = 1U << i;
  }
  std::unique_ptr<drmModePlaneRes, PlaneResFree> planes(drmModeGetPlaneResources(fd));
  for (std::uint32_t i = 0; planes && i < planes->count_planes; ++i) {
    std::unique_ptr<drmModePlane, PlaneFree> plane(drmModeGetPlane(fd, planes->planes[i]));
    if (!plane) continue;
    const long long type = plane_type(fd, plane->plane_id);
    if (type == static_cast<long long>(plane_type_cursor) && out.cursor_plane_id == 0 &&
        (plane->possible_crtcs & crtc_mask) != 0) {
      out.cursor_plane_id = plane->plane_id;
    }
    if (plane->crtc_id == out.crtc_id && out.plane_id == 0 && type == static_cast<long long>(plane_type_primary)) {
      out.plane_id = plane->plane_id;
    }
  }
  if (out.plane_id != 0) return true;
  error = card.string() + ": CRTC " + std::to_string(out.crtc_id) + " has no primary plane attached";
  return false;
}

bool read_scanout_state(int fd, const ScanoutTarget& target, ScanoutState& out) {
  out = ScanoutState{};
  std::unique_ptr<drmModeCrtc, CrtcFree> crtc(drmModeGetCrtc(fd, target.crtc_id));
  if (!crtc) return false;
  out.lit = crtc_lit(*crtc);
  out.mode_width_px = crtc->mode.hdisplay;
  out.mode_height_px = crtc->mode.vdisplay;
  out.x_px = crtc->x;
  out.y_px = crtc->y;
  std::unique_ptr<drmModePlane, PlaneFree> plane(drmModeGetPlane(fd, target.plane_id));
  if (!plane) return false;
  out.fb_id = plane->crtc_id == target.crtc_id ? plane->fb_id : 0;
  return true;
}

bool read_cursor_state(int fd, const ScanoutTarget& target, CursorState& out) {
  out = CursorState{};
  if (target.cursor_plane_id == 0) return false;
  std::unique_ptr<drmModeObjectProperties, PropsFree> props(
      drmModeObjectGetProperties(fd, target.cursor_plane_id, DRM_MODE_OBJECT_PLANE));
  if (!props) return false;
  std::uint64_t crtc_id = 0;
  bool have_x = false, have_y = false;
  for (std::uint32_t i = 0; i < props->count_props; ++i) {
    std::unique_ptr<drmModePropertyRes, PropFree> prop(drmModeGetProperty(fd, props->props[i]));
    if (!prop) continue;
    const std::uint64_t v = props->prop_values[i];
    // CRTC_X/CRTC_Y are signed range properties: the value is the int64 bit pattern
    // (drm_mode.h "DRM_MODE_PROP_SIGNED_RANGE", U642I64).
    if (std::strcmp(prop->name, "FB_ID") == 0) out.fb_id = static_cast<std::uint32_t>(v);
    else if (std::strcmp(prop->name, "CRTC_ID") == 0) crtc_id = v;
    else if (std::strcmp(prop->name, "CRTC_X") == 0) { out.x_px = static_cast<std::int64_t>(v); have_x = true; }
    else if (std::strcmp(prop->name, "CRTC_Y") == 0) { out.y_px = static_cast<std::int64_t>(v); have_y = true; }
    else if (std::strcmp(prop->name, "CRTC_W") == 0) out.w_px = static_cast<std::uint32_t>(v);
    else if (std::strcmp(prop->name, "CRTC_H") == 0) out.h_px = static_cast<std::uint32_t>(v);
  }
  if (!have_x || !have_y) return false;  // not an atomic client: the position is unknown
  out.shown = out.fb_id != 0 && crtc_id == target.crtc_id;
  return true;
}

}  // namespace lightwell::capture::kms_detail
