// KMS frame source (issue 5, "Capture (capture/kms)"): reads the framebuffer the kernel scans
// out on one CRTC's PRIMARY plane, the way docs/architecture.md "A frame's way" starts.
//
// How (facts: shared/guestvm/FINDINGS.md §3, drm-kms(7), the libdrm xf86drmMode.h API):
//   open the card → DRM_CLIENT_CAP_UNIVERSAL_PLANES (without it the primary plane is not
//   listed) → the CRTC driving the connector (or the first lit one) → its PRIMARY plane
//   (the plane's "type" property) → drmModeGetFB2(plane fb_id) for fourcc, modifier, pitches,
//   offsets and GEM handles → drmPrimeHandleToFD + mmap of the dma-buf (DMA_BUF_IOCTL_SYNC
//   around the read), or DRM_IOCTL_MODE_MAP_DUMB + mmap on the card fd when the driver cannot
//   export (bochs on Linux 6.1 answers ENOSYS).
// GetFB2 only fills the handles for the DRM master or a CAP_SYS_ADMIN caller; otherwise the
// source reports an error that says so.
//
// Today the source delivers CPU frames (PixelFormat::bgrx8888, copied into a buffer the source
// owns) for DRM_FORMAT_XRGB8888 / ARGB8888 with a LINEAR modifier only; the dma-buf fd, fourcc
// and modifier stay available through current_buffer() for the zero-copy VA import (later).
//
// Thread rules: like every FrameSource, one thread at a time. Ownership: the source owns the
// card fd, the dma-buf fd, the mapping and the copy; a Frame's plane pointer is lent until the
// next capture() or the source's destruction.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lightwell/capture/frame_source.hpp"

namespace lightwell::capture {

struct KmsOptions {
  // Empty: the first /dev/dri/card* (sorted by name) that has a lit CRTC.
  std::filesystem::path card;
  // Empty: the first lit CRTC of the card. Otherwise a kernel connector name, e.g. "HDMI-A-1",
  // "Virtual-1" (type name + "-" + type index, as `lightwell probe` prints it).
  std::string connector;
  // Where the default card is looked for (a parameter so tests can point it elsewhere).
  std::filesystem::path dri_dir = "/dev/dri";
  // Called on the capturing thread with true just before the calls that need CAP_SYS_ADMIN
  // (drmModeGetFB2, which fills the buffer handles only for the DRM master or a CAP_SYS_ADMIN
  // caller, kernel drm_mode_getfb2_ioctl; and drmPrimeHandleToFD / MAP_DUMB on those handles)
  // and with false right after. The server raises the capability into the thread's effective
  // set there and lowers it again (server/privileges.hpp). Empty: nothing is raised.
  std::function<void(bool raise)> privileged;
  // Composite the CURSOR plane of the CRTC (ARGB8888, premultiplied alpha) onto each frame at
  // its CRTC_X/CRTC_Y. Reading the plane's position needs DRM_CLIENT_CAP_ATOMIC (CRTC_X is an
  // atomic-only property); a driver without atomic support gets frames without the cursor.
  bool cursor = true;
};

// The framebuffer behind the last delivered frame, for a later zero-copy import.
struct KmsBuffer {
  std::uint32_t fb_id = 0;
  std::uint32_t fourcc = 0;       // DRM_FORMAT_* (drm_fourcc.h)
  std::uint64_t modifier = 0;     // DRM_FORMAT_MOD_* ; 0 = LINEAR
  std::uint32_t fb_width_px = 0;  // the whole framebuffer; the frame is the CRTC's view of it
  std::uint32_t fb_height_px = 0;
  std::array<std::uint32_t, 4> pitches_bytes{};
  std::array<std::uint32_t, 4> offsets_bytes{};
  int dmabuf_fd = -1;             // owned by the source; -1 when the driver cannot export
  bool via_prime = false;         // true: dma-buf mmap; false: DRM_IOCTL_MODE_MAP_DUMB
};

class KmsFrameSource : public FrameSource {
 public:
  // capture(): ok with a fresh copy; reinit when the mode changed, the framebuffer went away
  // or the CRTC was switched off (the caller rebuilds the source); error for what a rebuild
  // cannot fix (unsupported format/modifier, no permission) with last_error() saying why.
  // The timeout is unused: a scanout buffer is always readable (no vblank wait yet).
  virtual const KmsBuffer& current_buffer() const noexcept = 0;
  virtual std::string_view last_error() const noexcept = 0;
  virtual std::uint32_t width_px() const noexcept = 0;   // the CRTC mode (rounded down to even)
  virtual std::uint32_t height_px() const noexcept = 0;
  // Frames so far that had a cursor composited onto them (for tests and the log).
  virtual std::uint64_t cursor_frames() const noexcept = 0;
};

struct KmsOpenResult {
  std::unique_ptr<KmsFrameSource> source;  // null on failure
  std::string error;                       // why, for the operator (one message)
};

// Opens the card and finds CRTC + primary plane. Does not become DRM master.
KmsOpenResult open_kms_source(const KmsOptions& options);

}  // namespace lightwell::capture
