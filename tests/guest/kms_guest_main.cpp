// lightwell_kms_guest - runs INSIDE the QEMU guest as root (tests/guest/kms-in-guest.sh via
// run-in-guest.sh -d vkms|virtio|bochs) and checks KmsFrameSource against a picture it put on
// the screen itself, pixel for pixel:
//   A. the parent becomes DRM master, draws a known pattern into a dumb buffer, AddFB2 (XR24)
//      and SetCrtc on the connected connector's preferred mode;
//   B. a forked child (not master: its own open of the card; root gives it CAP_SYS_ADMIN, which
//      GetFB2 needs for the handles) opens the source by connector name and compares every pixel;
//   B2/B3. page flips to a second buffer and back (cache), then a removed buffer whose fb id the
//      kernel hands to a new buffer with other content (the cache must recheck);
//   C. the parent sets another mode with a new buffer and pattern: the child's source must say
//      reinit, and a new source (default options: first lit card) must capture the new size
//      pixel-exact;
//   F. (before C) a cursor set with drmModeSetCursor/MoveCursor (where the driver has a cursor
//      plane): the captured frame is the premultiplied blend of it over the picture, pixel
//      for pixel; hidden again, the plain picture;
//   E. an RGB565 framebuffer (where the driver scans one out: vkms): error naming RG16;
//   D. the parent switches the CRTC off: reinit again, and opening a source now fails with the
//      headless hint (it must name `lightwell display` and vkms). At the end the child checks
//      that the destroyed sources left no file descriptor open.
// Facts: drm-kms(7); dumb buffers (DRM_IOCTL_MODE_CREATE_DUMB / MAP_DUMB, drm_mode.h);
// shared/guestvm/FINDINGS.md §3 (the master must stay alive, or the kernel restores fbcon).
// Exit status 0 = pass; the output says what failed.
#include <drm_fourcc.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <string>

#include "lightwell/capture/kms.hpp"

namespace {

using lightwell::capture::CaptureStatus;
using lightwell::capture::Frame;
using lightwell::capture::KmsOptions;
using lightwell::capture::open_kms_source;

// The expected colour of pixel (x, y) of picture `seed` (X byte ignored): gradients in R and G,
// a position hash in B (so a shifted or mis-strided copy cannot match), and a 32x32 marker.
std::uint32_t pattern(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  if (x >= 16 && x < 48 && y >= 16 && y < 48) return 0x00ff00ffU ^ seed;
  const std::uint32_t r = (x * 255U / (w - 1U)) & 0xffU;
  const std::uint32_t g = (y * 255U / (h - 1U)) & 0xffU;
  const std::uint32_t b = (x * 7U + y * 13U + seed * 101U) & 0xffU;
  return (r << 16) | (g << 8) | b;
}

struct Screen {
  std::uint32_t fb_id = 0;
  std::uint32_t handle = 0;
};

bool set_crtc(int fd, std::uint32_t crtc, std::uint32_t conn, drmModeModeInfo mode, const Screen& s, std::uint32_t seed) {
  std::uint32_t c = conn;
  if (drmModeSetCrtc(fd, crtc, s.fb_id, 0, 0, &c, 1, &mode) != 0) { std::perror("SetCrtc"); return false; }
  (void)drmModeDirtyFB(fd, s.fb_id, nullptr, 0);  // virtio/bochs flush; vkms has no dirty hook
  std::printf("setter: %ux%u on CRTC %u, fb %u, seed %u\n", mode.hdisplay, mode.vdisplay, crtc, s.fb_id, seed);
  return true;
}

bool show(int fd, std::uint32_t crtc, std::uint32_t conn, drmModeModeInfo mode, std::uint32_t seed, Screen& out) {
  drm_mode_create_dumb create{};
  create.width = mode.hdisplay;
  create.height = mode.vdisplay;
  create.bpp = 32;
  if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) { std::perror("CREATE_DUMB"); return false; }
  const std::uint32_t handles[4] = {create.handle, 0, 0, 0};
  const std::uint32_t pitches[4] = {create.pitch, 0, 0, 0};
  const std::uint32_t offsets[4] = {0, 0, 0, 0};
  if (drmModeAddFB2(fd, mode.hdisplay, mode.vdisplay, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &out.fb_id, 0) != 0) {
    std::perror("AddFB2");
    return false;
  }
  drm_mode_map_dumb map{};
  map.handle = create.handle;
  if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) { std::perror("MAP_DUMB"); return false; }
  void* p = mmap(nullptr, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(map.offset));
  if (p == MAP_FAILED) { std::perror("mmap"); return false; }
  for (std::uint32_t y = 0; y < mode.vdisplay; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(p) + static_cast<std::size_t>(y) * create.pitch);
    for (std::uint32_t x = 0; x < mode.hdisplay; ++x) row[x] = pattern(x, y, mode.hdisplay, mode.vdisplay, seed);
  }
  munmap(p, create.size);
  out.handle = create.handle;
  return set_crtc(fd, crtc, conn, mode, out, seed);
}

// Captures once and compares every pixel with pattern(seed). Returns true on a perfect match.
bool capture_and_compare(lightwell::capture::KmsFrameSource& src, std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  Frame f;
  const auto status = src.capture(f, std::chrono::milliseconds(1000));
  if (status != CaptureStatus::ok) {
    std::printf("FAIL: capture status %d: %s\n", static_cast<int>(status), std::string(src.last_error()).c_str());
    return false;
  }
  const auto& b = src.current_buffer();
  std::printf("capture %s: %ux%u fb %u fourcc %.4s modifier 0x%llx pitch %u via %s dmabuf_fd %d\n",
              std::string(src.name()).c_str(), f.width_px, f.height_px, b.fb_id, reinterpret_cast<const char*>(&b.fourcc),
              static_cast<unsigned long long>(b.modifier), b.pitches_bytes[0], b.via_prime ? "PRIME" : "MAP_DUMB", b.dmabuf_fd);
  if (f.width_px != w || f.height_px != h || f.plane_count != 1) {
    std::printf("FAIL: frame is %ux%u (%zu planes), expected %ux%u\n", f.width_px, f.height_px, f.plane_count, w, h);
    return false;
  }
  std::size_t bad = 0;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      std::uint32_t got = 0;
      std::memcpy(&got, f.planes[0].data + y * f.planes[0].stride_bytes + x * 4U, 4);
      const std::uint32_t want = pattern(x, y, w, h, seed);
      if ((got & 0x00ffffffU) != want) {
        if (bad < 5) std::printf("  mismatch at (%u,%u): got %06x want %06x\n", x, y, got & 0xffffffU, want);
        ++bad;
      }
    }
  }
  std::printf("%s: %zu of %u pixels differ\n", bad == 0 ? "ok" : "FAIL", bad, w * h);
  return bad == 0;
}

char wait_for(int fd) {
  char c = 0;
  return read(fd, &c, 1) == 1 ? c : '\0';
}

// Asks the parent (the master) to do step `step`; answers 'k' done, 'n' not supported by
// this driver, 'x' failed, '\0' pipe gone.
char ask_step(int to_parent, int from_parent, char step) {
  return write(to_parent, &step, 1) == 1 ? wait_for(from_parent) : '\0';
}
bool ask(int to_parent, int from_parent, char step) { return ask_step(to_parent, from_parent, step) == 'k'; }

int open_fd_count() {
  int n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

// A 16-bit RGB565 buffer on the CRTC (vkms accepts it on the primary plane; others may not).
bool show_rgb565(int fd, std::uint32_t crtc, std::uint32_t conn, drmModeModeInfo mode) {
  drm_mode_create_dumb create{};
  create.width = mode.hdisplay;
  create.height = mode.vdisplay;
  create.bpp = 16;
  if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) return false;
  const std::uint32_t handles[4] = {create.handle, 0, 0, 0};
  const std::uint32_t pitches[4] = {create.pitch, 0, 0, 0};
  const std::uint32_t offsets[4] = {0, 0, 0, 0};
  std::uint32_t fb = 0;
  if (drmModeAddFB2(fd, mode.hdisplay, mode.vdisplay, DRM_FORMAT_RGB565, handles, pitches, offsets, &fb, 0) != 0) return false;
  std::uint32_t c = conn;
  if (drmModeSetCrtc(fd, crtc, fb, 0, 0, &c, 1, &mode) != 0) return false;
  std::printf("setter: RGB565 fb %u on CRTC %u\n", fb, crtc);
  return true;
}

// The cursor image: 64x64 premultiplied ARGB8888 with every alpha from 0 to 255 (so both the
// "skip" and the blend arithmetic are exercised); colour channels never exceed alpha.
constexpr std::uint32_t kCursor = 64;
constexpr int kCursorX = 100, kCursorY = 60;
std::uint32_t cursor_argb(std::uint32_t x, std::uint32_t y) {
  const std::uint32_t a = (x * 4U + y) & 0xffU;
  return (a << 24) | (a << 16) | ((a / 2U) << 8) | (a * x / 63U);
}

bool show_cursor(int fd, std::uint32_t crtc) {
  drm_mode_create_dumb create{};
  create.width = kCursor;
  create.height = kCursor;
  create.bpp = 32;
  if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) return false;
  drm_mode_map_dumb map{};
  map.handle = create.handle;
  if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) return false;
  void* p = mmap(nullptr, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(map.offset));
  if (p == MAP_FAILED) return false;
  for (std::uint32_t y = 0; y < kCursor; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(p) + static_cast<std::size_t>(y) * create.pitch);
    for (std::uint32_t x = 0; x < kCursor; ++x) row[x] = cursor_argb(x, y);
  }
  munmap(p, create.size);
  if (drmModeSetCursor(fd, crtc, create.handle, kCursor, kCursor) != 0) {
    std::printf("setter: drmModeSetCursor: %s\n", std::strerror(errno));
    return false;
  }
  if (drmModeMoveCursor(fd, crtc, kCursorX, kCursorY) != 0) return false;
  std::printf("setter: cursor at (%d, %d)\n", kCursorX, kCursorY);
  return true;
}

// Captures once; inside the cursor's rectangle every pixel must be the premultiplied
// source-over blend of cursor_argb over pattern(seed), outside pattern(seed) itself.
bool capture_with_cursor(lightwell::capture::KmsFrameSource& src, std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  Frame f;
  if (src.capture(f, std::chrono::milliseconds(1000)) != CaptureStatus::ok) {
    std::printf("FAIL: capture: %s\n", std::string(src.last_error()).c_str());
    return false;
  }
  std::size_t bad = 0;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      std::uint32_t got = 0;
      std::memcpy(&got, f.planes[0].data + y * f.planes[0].stride_bytes + x * 4U, 4);
      std::uint32_t want = pattern(x, y, w, h, seed);
      const bool inside = x >= static_cast<std::uint32_t>(kCursorX) && x < kCursorX + kCursor &&
                          y >= static_cast<std::uint32_t>(kCursorY) && y < kCursorY + kCursor;
      if (inside) {
        const std::uint32_t c = cursor_argb(x - kCursorX, y - kCursorY);
        const std::uint32_t a = c >> 24;
        std::uint32_t blended = 0;
        for (int k = 0; k < 3; ++k) {
          const std::uint32_t cs = (c >> (8 * k)) & 0xffU, d = (want >> (8 * k)) & 0xffU;
          blended |= std::min(255U, cs + (d * (255U - a) + 127U) / 255U) << (8 * k);
        }
        want = blended;
      }
      if ((got & 0x00ffffffU) != want) {
        if (bad < 5) std::printf("  mismatch at (%u,%u)%s: got %06x want %06x\n", x, y, inside ? " (cursor)" : "", got & 0xffffffU, want);
        ++bad;
      }
    }
  }
  std::printf("%s: cursor frame, %zu of %u pixels differ (cursor frames so far %llu)\n", bad == 0 ? "ok" : "FAIL", bad,
              w * h, static_cast<unsigned long long>(src.cursor_frames()));
  return bad == 0;
}

int child(const char* card, const std::string& connector, std::uint32_t w1, std::uint32_t h1, std::uint32_t w2,
          std::uint32_t h2, int to_parent, int from_parent) {
  const int fds_before = open_fd_count();
  {  // the sources live in this block, so the fd count after it shows what they leave open
    KmsOptions by_name;
    by_name.card = card;
    by_name.connector = connector;
    auto opened = open_kms_source(by_name);
    if (!opened.source) { std::printf("FAIL: open by connector %s: %s\n", connector.c_str(), opened.error.c_str()); return 2; }
    std::printf("B. source %s (not master)\n", std::string(opened.source->name()).c_str());
    // Twice: the second capture reuses the mapping of the same fb id.
    if (!capture_and_compare(*opened.source, w1, h1, 1) || !capture_and_compare(*opened.source, w1, h1, 1)) return 3;
    // Page flips between buffers of the same size: each new fb id is mapped once, then cached.
    std::printf("B2. flip to a second buffer, then back\n");
    if (!ask(to_parent, from_parent, '1') || !capture_and_compare(*opened.source, w1, h1, 3)) return 11;
    if (!ask(to_parent, from_parent, '2') || !capture_and_compare(*opened.source, w1, h1, 1)) return 12;
    // The kernel reuses a removed fb's id: the cached mapping of that id must not be trusted.
    std::printf("B3. remove the second buffer, show a new one (usually under the same fb id)\n");
    if (!ask(to_parent, from_parent, '3') || !capture_and_compare(*opened.source, w1, h1, 4)) return 13;
    // The cursor plane, composited at its CRTC_X/CRTC_Y (premultiplied alpha), then gone again.
    const char cursor = ask_step(to_parent, from_parent, 'c');
    if (cursor == 'k') {
      std::printf("F. cursor plane shown\n");
      if (!capture_with_cursor(*opened.source, w1, h1, 4)) return 17;
      if (!ask(to_parent, from_parent, 'h') || !capture_and_compare(*opened.source, w1, h1, 4)) return 18;
      std::printf("F. cursor hidden: the plain picture again\n");
    } else if (cursor == 'n') {
      std::printf("F. skipped: this driver has no cursor plane (drmModeSetCursor refused)\n");
    } else {
      return 19;
    }
    if (!ask(to_parent, from_parent, '4')) return 4;
    Frame f;
    const auto st = opened.source->capture(f, std::chrono::milliseconds(1000));
    std::printf("C. after the mode change: status %d (%s)\n", static_cast<int>(st), std::string(opened.source->last_error()).c_str());
    if (st != CaptureStatus::reinit) { std::printf("FAIL: expected reinit\n"); return 5; }
    auto reopened = open_kms_source(KmsOptions{});  // default: first card with a lit CRTC
    if (!reopened.source) { std::printf("FAIL: reopen: %s\n", reopened.error.c_str()); return 6; }
    if (!capture_and_compare(*reopened.source, w2, h2, 2)) return 7;
    // A format the CPU path does not read: a clear error naming the fourcc, not garbage.
    const char rgb565 = ask_step(to_parent, from_parent, '6');
    if (rgb565 == 'k') {
      const auto st565 = reopened.source->capture(f, std::chrono::milliseconds(1000));
      std::printf("E. RGB565 framebuffer: status %d (%s)\n", static_cast<int>(st565), std::string(reopened.source->last_error()).c_str());
      if (st565 != CaptureStatus::error || reopened.source->last_error().find("RG16") == std::string_view::npos) {
        std::printf("FAIL: expected an error naming RG16\n");
        return 14;
      }
    } else if (rgb565 == 'n') {
      std::printf("E. skipped: this driver does not scan out RGB565\n");
    } else {
      return 15;
  }
  if (!ask(to_parent, from_parent, '5')) return 8;
  const auto off = reopened.source->capture(f, std::chrono::milliseconds(1000));
  std::printf("D. after the CRTC was switched off: status %d (%s)\n", static_cast<int>(off),
              std::string(reopened.source->last_error()).c_str());
  if (off != CaptureStatus::reinit) { std::printf("FAIL: expected reinit\n"); return 9; }
  auto none = open_kms_source(KmsOptions{});
  std::printf("D. open with nothing lit: %s\n", none.error.c_str());
  if (none.source || none.error.find("lightwell display") == std::string::npos || none.error.find("vkms") == std::string::npos) {
    std::printf("FAIL: expected a failure that names `lightwell display` and vkms\n");
    return 10;
  }
  }
  // Every source is gone: its card fd, dma-buf fds (and with them the mappings) are closed.
  const int fds_after = open_fd_count();
  std::printf("open fds before the sources %d, after %d\n", fds_before, fds_after);
  if (fds_after != fds_before) { std::printf("FAIL: the sources leaked file descriptors\n"); return 16; }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* card = argc > 1 ? argv[1] : "/dev/dri/card0";
  const int fd = open(card, O_RDWR | O_CLOEXEC);
  if (fd < 0) { std::perror(card); return 1; }
  (void)drmSetMaster(fd);  // the first opener already is master; this only makes it explicit
  drmModeRes* res = drmModeGetResources(fd);
  if (res == nullptr) { std::printf("FAIL: no KMS resources on %s\n", card); return 1; }
  drmModeConnector* conn = nullptr;
  for (int i = 0; i < res->count_connectors && conn == nullptr; ++i) {
    drmModeConnector* c = drmModeGetConnector(fd, res->connectors[i]);
    if (c != nullptr && c->connection == DRM_MODE_CONNECTED && c->count_modes > 0) conn = c;
    else if (c != nullptr) drmModeFreeConnector(c);
  }
  if (conn == nullptr) { std::printf("FAIL: no connected connector\n"); return 1; }
  const std::string conn_name = std::string(drmModeGetConnectorTypeName(conn->connector_type)) + "-" +
                                std::to_string(conn->connector_type_id);
  drmModeModeInfo first = conn->modes[0];
  for (int i = 0; i < conn->count_modes; ++i) {
    if ((conn->modes[i].type & DRM_MODE_TYPE_PREFERRED) != 0) { first = conn->modes[i]; break; }
  }
  // The second mode: another size, not larger (TCG copies are slow), even sizes.
  drmModeModeInfo second{};
  for (int i = 0; i < conn->count_modes; ++i) {
    const auto& m = conn->modes[i];
    const bool other = m.hdisplay != first.hdisplay || m.vdisplay != first.vdisplay;
    if (other && m.hdisplay * m.vdisplay <= first.hdisplay * first.vdisplay && m.hdisplay % 2 == 0 &&
        m.vdisplay % 2 == 0 && m.hdisplay >= 320) { second = m; break; }
  }
  if (second.hdisplay == 0) { std::printf("FAIL: the connector offers no second mode\n"); return 1; }
  std::uint32_t crtc = 0;
  if (drmModeEncoder* enc = conn->encoder_id != 0 ? drmModeGetEncoder(fd, conn->encoder_id) : nullptr) {
    crtc = enc->crtc_id;
    drmModeFreeEncoder(enc);
  }
  for (int i = 0; i < conn->count_encoders && crtc == 0; ++i) {
    drmModeEncoder* enc = drmModeGetEncoder(fd, conn->encoders[i]);
    for (int k = 0; enc != nullptr && k < res->count_crtcs && crtc == 0; ++k) {
      if ((enc->possible_crtcs & (1U << k)) != 0) crtc = res->crtcs[k];
    }
    if (enc != nullptr) drmModeFreeEncoder(enc);
  }
  if (crtc == 0) { std::printf("FAIL: no CRTC for %s\n", conn_name.c_str()); return 1; }
  std::printf("A. %s: connector %s, modes %ux%u then %ux%u\n", card, conn_name.c_str(), first.hdisplay,
              first.vdisplay, second.hdisplay, second.vdisplay);
  Screen one, two;
  if (!show(fd, crtc, conn->connector_id, first, 1, one)) return 1;

  int to_parent[2], to_child[2];
  if (pipe(to_parent) != 0 || pipe(to_child) != 0) { std::perror("pipe"); return 1; }
  const pid_t pid = fork();
  if (pid < 0) { std::perror("fork"); return 1; }
  if (pid == 0) {
    close(fd);  // the child must not act through the master's file description
    close(to_parent[0]);
    close(to_child[1]);
    drmModeFreeConnector(conn);  // the parent's, copied by fork (LSan would report them)
    drmModeFreeResources(res);
    // exit, not _exit: under ASan the leak check runs at exit (stdout is line-buffered and
    // flushed, so nothing is printed twice).
    std::exit(child(card, conn_name, first.hdisplay, first.vdisplay, second.hdisplay, second.vdisplay, to_parent[1], to_child[0]));
  }
  close(to_parent[1]);  // so a read sees EOF when the child dies early
  close(to_child[0]);
  bool ok = true;
  Screen three, four;
  const std::uint32_t id = conn->connector_id;
  for (char step = wait_for(to_parent[0]); ok && step != '\0'; step = wait_for(to_parent[0])) {
    switch (step) {
      case '1': ok = show(fd, crtc, id, first, 3, three); break;
      case '2': ok = set_crtc(fd, crtc, id, first, one, 1); break;
      case '3': {
        const std::uint32_t old_id = three.fb_id;
        ok = drmModeRmFB(fd, three.fb_id) == 0 && show(fd, crtc, id, first, 4, four);
        std::printf("setter: removed fb %u, the new buffer is fb %u (%s)\n", old_id, four.fb_id,
                    old_id == four.fb_id ? "id reused" : "new id");
        break;
      }
      case '4': ok = show(fd, crtc, id, second, 2, two); break;
      case '6':
        if (!show_rgb565(fd, crtc, id, second)) {
          if (write(to_child[1], "n", 1) != 1) ok = false;
          continue;
        }
        break;
      case 'c':
        if (!show_cursor(fd, crtc)) {
          if (write(to_child[1], "n", 1) != 1) ok = false;
          continue;
        }
        break;
      case 'h':
        ok = drmModeSetCursor(fd, crtc, 0, 0, 0) == 0;
        break;
      case '5':
        ok = drmModeSetCrtc(fd, crtc, 0, 0, 0, nullptr, 0, nullptr) == 0;
        std::printf("setter: CRTC %u off (%s)\n", crtc, ok ? "ok" : std::strerror(errno));
        break;
      default: ok = false; break;
    }
    if (write(to_child[1], ok ? "k" : "x", 1) != 1) ok = false;
  }
  close(to_child[1]);  // unblocks a child that waits after a failure here
  int status = 0;
  waitpid(pid, &status, 0);
  const int child_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
  std::printf("%s (child exit %d)\n", ok && child_rc == 0 ? "KMS GUEST TEST PASSED" : "KMS GUEST TEST FAILED", child_rc);
  drmModeFreeConnector(conn);
  drmModeFreeResources(res);
  close(fd);
  return ok && child_rc == 0 ? 0 : 1;
}
