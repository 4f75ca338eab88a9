// Internal to capture/kms: finding what a CRTC scans out (kms_scanout.cpp) and mapping one
// framebuffer for reading (kms_mapping.cpp). Not a public header.
// Thread rules: plain functions / one-owner objects, no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "lightwell/capture/kms.hpp"

namespace lightwell::capture::kms_detail {

// An owned file descriptor (closed on destruction).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const noexcept { return fd_; }
  int release() noexcept { const int f = fd_; fd_ = -1; return f; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// The CRTC + primary plane the source reads, found once at open.
struct ScanoutTarget {
  std::filesystem::path card;
  std::string connector;     // name, or empty when "first lit CRTC" was asked
  std::uint32_t crtc_id = 0;
  std::uint32_t plane_id = 0;
  std::uint32_t cursor_plane_id = 0;  // 0: none that can sit on this CRTC, or no atomic cap
  std::uint32_t mode_width_px = 0;
  std::uint32_t mode_height_px = 0;
};

// Opens `card` read-write (O_CLOEXEC) and turns on DRM_CLIENT_CAP_UNIVERSAL_PLANES.
Fd open_card(const std::filesystem::path& card, std::string& error);

// Finds the CRTC (the connector's, or the first lit one) and its PRIMARY plane. False with
// `error` set when there is none. `no_lit_crtc` tells "nothing is displayed" apart.
bool find_scanout(int card_fd, const std::filesystem::path& card, const std::string& connector,
                  ScanoutTarget& out, bool& no_lit_crtc, std::string& error);

// The current state of the target: mode size and the plane's fb id (0 = none / CRTC off).
struct ScanoutState {
  bool lit = false;
  std::uint32_t mode_width_px = 0;
  std::uint32_t mode_height_px = 0;
  std::uint32_t x_px = 0;  // the CRTC's viewport origin inside the framebuffer
  std::uint32_t y_px = 0;
  std::uint32_t fb_id = 0;
};
bool read_scanout_state(int card_fd, const ScanoutTarget& target, ScanoutState& out);

// The cursor plane's state: shown (fb attached, on our CRTC) and where, relative to the
// CRTC's top-left corner (CRTC_X/CRTC_Y may be negative: a cursor partly off screen).
struct CursorState {
  bool shown = false;
  std::uint32_t fb_id = 0;
  std::int64_t x_px = 0;
  std::int64_t y_px = 0;
  std::uint32_t w_px = 0;  // CRTC_W/CRTC_H: the size on screen (no scaling is applied)
  std::uint32_t h_px = 0;
};
bool read_cursor_state(int card_fd, const ScanoutTarget& target, CursorState& out);

// One framebuffer mapped for reading. Owns the GEM handles GetFB2 created (closed with
// DRM_IOCTL_GEM_CLOSE: every GetFB2 call makes new ones), the dma-buf fd and the mapping.
class MappedFb {
 public:
  MappedFb() = default;
  MappedFb(const MappedFb&) = delete;
  MappedFb& operator=(const MappedFb&) = delete;
  ~MappedFb();
  // reinit_hint: true when the failure means "the fb is gone" (rebuild may help).
  bool map(int card_fd, std::uint32_t fb_id, std::string& error, bool& reinit_hint);
  void reset() noexcept;
  const KmsBuffer& buffer() const noexcept { return buffer_; }
  // Is fb `buffer().fb_id` still the buffer object that is mapped? Fb ids are reused by the
  // kernel after RmFB, so a cached id alone proves nothing: this asks GetFB2 again and compares
  // the object's identity (the dma-buf inode, which the kernel keeps per exported GEM object,
  // or the MAP_DUMB offset, which is per object) and the layout. Closes the handles it gets.
  enum class Check : std::uint8_t { same, changed, gone };
  Check recheck() const;
  // Copies the w×h rectangle at (x, y) of plane 0 as 4-byte pixels into dst (rows of
  // dst_stride bytes), with DMA_BUF_IOCTL_SYNC start/end around the read when via PRIME.
  // Plane 0 for reading inside a sync bracket: begin_read() before, end_read() after.
  const std::uint8_t* pixels() const noexcept;
  void begin_read() const noexcept;
  void end_read() const noexcept;
  bool copy_out(std::uint32_t x_px, std::uint32_t y_px, std::uint32_t w_px, std::uint32_t h_px,
                std::uint8_t* dst, std::size_t dst_stride, std::string& error) const;

 private:
  int card_fd_ = -1;
  KmsBuffer buffer_{};
  std::uint32_t handles_[4] = {0, 0, 0, 0};
  std::uint64_t identity_ = 0;  // st_ino of the dma-buf (PRIME) or the MAP_DUMB offset
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
};

// "XR24" style name of a fourcc for messages.
std::string fourcc_name(std::uint32_t fourcc);

}  // namespace lightwell::capture::kms_detail
