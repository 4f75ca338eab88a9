// Mapping one framebuffer for reading (kms_scanout.hpp MappedFb). Facts:
// - drmModeGetFB2 (DRM_IOCTL_MODE_GETFB2) returns NEW GEM handles on every call, and only to the
//   DRM master or a CAP_SYS_ADMIN caller (handles are 0 otherwise): shared/guestvm/FINDINGS.md §3.
// - PRIME export (drmPrimeHandleToFD) + mmap of the dma-buf; reads are bracketed by
//   DMA_BUF_IOCTL_SYNC START/END (include/uapi/linux/dma-buf.h, "CPU access" in the kernel's
//   dma-buf documentation).
// - bochs on Linux 6.1 (VRAM helper) cannot export: ENOSYS. DRM_IOCTL_MODE_MAP_DUMB gives an
//   mmap offset on the card fd instead (FINDINGS.md §3 table).
#include <drm_fourcc.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "kms_scanout.hpp"

namespace lightwell::capture::kms_detail {
namespace {

struct Fb2Free { void operator()(drmModeFB2* p) const noexcept { drmModeFreeFB2(p); } };

void dmabuf_sync(int fd, std::uint64_t flags) {
  dma_buf_sync sync{};
  sync.flags = flags;
  // EINTR: retry; other failures only lose the cache coherency hint, the read still works.
  while (::ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) != 0 && errno == EINTR) {
  }
}

void close_handles(int card_fd, std::uint32_t (&handles)[4]) {
  for (std::uint32_t& h : handles) {
    if (h == 0) continue;
    drm_gem_close close_req{};
    close_req.handle = h;
    (void)drmIoctl(card_fd, DRM_IOCTL_GEM_CLOSE, &close_req);
    // The same handle may sit in several slots (one BO, several planes): close it once.
    for (std::uint32_t& other : handles) {
      if (other == close_req.handle) other = 0;
    }
  }
}

std::uint64_t inode_of(int fd) {
  struct stat st{};
  return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

// The identity of the GEM object behind `handle` as recheck() compares it; 0 = unknown.
std::uint64_t identity_of(int card_fd, std::uint32_t handle, bool via_prime) {
  if (via_prime) {
    int fd = -1;
    if (drmPrimeHandleToFD(card_fd, handle, DRM_CLOEXEC, &fd) != 0) return 0;
    const std::uint64_t ino = inode_of(fd);
    ::close(fd);
    return ino;
  }
  drm_mode_map_dumb req{};
  req.handle = handle;
  return drmIoctl(card_fd, DRM_IOCTL_MODE_MAP_DUMB, &req) == 0 ? req.offset : 0;
}

}  // namespace

MappedFb::~MappedFb() { reset(); }

void MappedFb::reset() noexcept {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  map_ = nullptr;
  map_size_ = 0;
  if (buffer_.dmabuf_fd >= 0) ::close(buffer_.dmabuf_fd);
  close_handles(card_fd_, handles_);
  identity_ = 0;
  buffer_ = KmsBuffer{};
}

bool MappedFb::map(int card_fd, std::uint32_t fb_id, std::string& error, bool& reinit_hint) {
  reset();
  card_fd_ = card_fd;
  reinit_hint = false;
  std::unique_ptr<drmModeFB2, Fb2Free> fb(drmModeGetFB2(card_fd, fb_id));
  if (!fb) {
    reinit_hint = true;  // removed between the plane query and now
    error = "framebuffer " + std::to_string(fb_id) + " is gone";
    return false;
  }
  for (int i = 0; i < 4; ++i) {
    handles_[i] = fb->handles[i];
    buffer_.pitches_bytes[static_cast<std::size_t>(i)] = fb->pitches[i];
    buffer_.offsets_bytes[static_cast<std::size_t>(i)] = fb->offsets[i];
  }
  buffer_.fb_id = fb_id;
  buffer_.fourcc = fb->pixel_format;
  buffer_.modifier = (fb->flags & DRM_MODE_FB_MODIFIERS) != 0 ? fb->modifier : DRM_FORMAT_MOD_LINEAR;
  buffer_.fb_width_px = fb->width;
  buffer_.fb_height_px = fb->height;
  if (handles_[0] == 0) {
    error = "no buffer handle for framebuffer " + std::to_string(fb_id) +
            ": reading the screen needs DRM master or CAP_SYS_ADMIN (docs/packaging.md \"Capabilities\")";
    return false;
  }
  if (buffer_.fourcc != DRM_FORMAT_XRGB8888 && buffer_.fourcc != DRM_FORMAT_ARGB8888) {
    error = "framebuffer format " + fourcc_name(buffer_.fourcc) +
            " is not supported yet (only XR24/AR24 are read on the CPU)";
    return false;
  }
  if (buffer_.modifier != DRM_FORMAT_MOD_LINEAR) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%016llx", static_cast<unsigned long long>(buffer_.modifier));
    error = "framebuffer modifier " + std::string(hex) + " (" + fourcc_name(buffer_.fourcc) +
            ") is not linear; tiled buffers need the GPU import path (not implemented yet)";
    return false;
  }
  map_size_ = static_cast<std::size_t>(buffer_.offsets_bytes[0]) +
              static_cast<std::size_t>(buffer_.pitches_bytes[0]) * buffer_.fb_height_px;
  int prime_fd = -1;
  if (drmPrimeHandleToFD(card_fd, handles_[0], DRM_CLOEXEC, &prime_fd) == 0) {
    void* p = ::mmap(nullptr, map_size_, PROT_READ, MAP_SHARED, prime_fd, 0);
    if (p != MAP_FAILED) {
      map_ = p;
      buffer_.dmabuf_fd = prime_fd;
      buffer_.via_prime = true;
      identity_ = inode_of(prime_fd);
      return true;
    }
    // Exported but not mappable by the CPU (some drivers): keep the fd for a GPU import
    // later, read through MAP_DUMB below.
    buffer_.dmabuf_fd = prime_fd;
  }
  const int prime_errno = errno;
  drm_mode_map_dumb req{};
  req.handle = handles_[0];
  if (drmIoctl(card_fd, DRM_IOCTL_MODE_MAP_DUMB, &req) == 0) {
    void* p = ::mmap(nullptr, map_size_, PROT_READ, MAP_SHARED, card_fd, static_cast<off_t>(req.offset));
    if (p != MAP_FAILED) {
      map_ = p;
      buffer_.via_prime = false;
      identity_ = req.offset;
      return true;
    }
  }
  error = "cannot map framebuffer " + std::to_string(fb_id) + ": PRIME export/mmap failed (" +
          std::strerror(prime_errno) + ") and DRM_IOCTL_MODE_MAP_DUMB failed (" + std::strerror(errno) + ")";
  return false;
}

MappedFb::Check MappedFb::recheck() const {
  std::unique_ptr<drmModeFB2, Fb2Free> fb(drmModeGetFB2(card_fd_, buffer_.fb_id));
  if (!fb) return Check::gone;
  std::uint32_t handles[4] = {fb->handles[0], fb->handles[1], fb->handles[2], fb->handles[3]};
  const bool same_layout = fb->pixel_format == buffer_.fourcc && fb->width == buffer_.fb_width_px &&
                           fb->height == buffer_.fb_height_px && fb->pitches[0] == buffer_.pitches_bytes[0] &&
                           fb->offsets[0] == buffer_.offsets_bytes[0];
  const bool same = same_layout && handles[0] != 0 && identity_ != 0 &&
                    identity_of(card_fd_, handles[0], buffer_.via_prime) == identity_;
  close_handles(card_fd_, handles);
  return same ? Check::same : Check::changed;
}

const std::uint8_t* MappedFb::pixels() const noexcept {
  return map_ == nullptr ? nullptr : static_cast<const std::uint8_t*>(map_) + buffer_.offsets_bytes[0];
}

void MappedFb::begin_read() const noexcept {
  if (buffer_.via_prime) dmabuf_sync(buffer_.dmabuf_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
}

void MappedFb::end_read() const noexcept {
  if (buffer_.via_prime) dmabuf_sync(buffer_.dmabuf_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}

bool MappedFb::copy_out(std::uint32_t x_px, std::uint32_t y_px, std::uint32_t w_px, std::uint32_t h_px,
                        std::uint8_t* dst, std::size_t dst_stride, std::string& error) const {
  const std::size_t pitch = buffer_.pitches_bytes[0];
  if (map_ == nullptr || static_cast<std::uint64_t>(x_px) + w_px > buffer_.fb_width_px ||
      static_cast<std::uint64_t>(y_px) + h_px > buffer_.fb_height_px ||
      static_cast<std::size_t>(w_px) * 4U > pitch) {
    error = "the CRTC viewport lies outside framebuffer " + std::to_string(buffer_.fb_id);
    return false;
  }
  const auto* base = static_cast<const std::uint8_t*>(map_) + buffer_.offsets_bytes[0];
  if (buffer_.via_prime) dmabuf_sync(buffer_.dmabuf_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
  for (std::uint32_t row = 0; row < h_px; ++row) {
    std::memcpy(dst + row * dst_stride, base + (y_px + row) * pitch + x_px * 4U, static_cast<std::size_t>(w_px) * 4U);
  }
  if (buffer_.via_prime) dmabuf_sync(buffer_.dmabuf_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
  return true;
}

}  // namespace lightwell::capture::kms_detail
