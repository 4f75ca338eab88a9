// KmsFrameSource (kms.hpp): the per-frame loop on top of kms_scanout.hpp. Framebuffers are
// mapped once per fb id and kept in a small cache (a compositor flips between two or three
// buffers), then re-read each capture. Every hit is rechecked (MappedFb::recheck: one GetFB2 +
// one export or MAP_DUMB query) because the kernel hands a removed fb's id to the next AddFB.
#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kms_scanout.hpp"
#include "lightwell/capture/kms.hpp"

namespace lightwell::capture {
namespace {

using kms_detail::CursorState;
using kms_detail::Fd;
using kms_detail::MappedFb;
using kms_detail::ScanoutState;
using kms_detail::ScanoutTarget;

class KmsSource final : public KmsFrameSource {
 public:
  KmsSource(Fd fd, ScanoutTarget target, const KmsOptions& options)
      : fd_(std::move(fd)), target_(std::move(target)), privileged_(options.privileged) {
    if (!options.cursor) target_.cursor_plane_id = 0;
    // The Frame contract wants even sizes (i420 halves); drop an odd last row/column.
    width_px_ = target_.mode_width_px & ~1U;
    height_px_ = target_.mode_height_px & ~1U;
    name_ = "kms:" + target_.card.filename().string() +
            (target_.connector.empty() ? "/crtc-" + std::to_string(target_.crtc_id) : "/" + target_.connector);
    pixels_.resize(static_cast<std::size_t>(width_px_) * height_px_ * 4U);
  }

  CaptureStatus capture(Frame& out, std::chrono::milliseconds /*timeout*/) override {
    ScanoutState state;
    if (!kms_detail::read_scanout_state(fd_.get(), target_, state)) {
      error_ = "CRTC " + std::to_string(target_.crtc_id) + " or its plane is gone";
      return CaptureStatus::reinit;
    }
    if (!state.lit || state.fb_id == 0) {
      error_ = "CRTC " + std::to_string(target_.crtc_id) + " was switched off";
      return CaptureStatus::reinit;
    }
    if (state.mode_width_px != target_.mode_width_px || state.mode_height_px != target_.mode_height_px) {
      error_ = "mode changed from " + std::to_string(target_.mode_width_px) + "x" +
               std::to_string(target_.mode_height_px) + " to " + std::to_string(state.mode_width_px) + "x" +
               std::to_string(state.mode_height_px);
      return CaptureStatus::reinit;
    }
    MappedFb* fb = nullptr;
    CursorState cursor;
    MappedFb* cursor_fb = nullptr;
    {
      // The only calls that need CAP_SYS_ADMIN (GetFB2 handles, their export): one bracket.
      Privileged raised(privileged_);
      const CaptureStatus looked_up = lookup(state.fb_id, fb);
      if (looked_up != CaptureStatus::ok) return looked_up;
      if (kms_detail::read_cursor_state(fd_.get(), target_, cursor) && cursor.shown) {
        cursor_fb = map_cursor(cursor.fb_id);
      }
    }
    current_ = fb;
    const std::size_t stride = static_cast<std::size_t>(width_px_) * 4U;
    if (!fb->copy_out(state.x_px, state.y_px, width_px_, height_px_, pixels_.data(), stride, error_)) {
      fb->reset();
      current_ = nullptr;
      return CaptureStatus::reinit;  // a new fb smaller than the mode: the next state will tell
    }
    if (cursor_fb != nullptr && blend_cursor(*cursor_fb, cursor)) ++cursor_frames_;
    out = Frame{};
    out.width_px = width_px_;
    out.height_px = height_px_;
    out.format = PixelFormat::bgrx8888;
    out.planes[0] = FramePlane{pixels_.data(), stride};
    out.plane_count = 1;
    out.captured_at = std::chrono::steady_clock::now();
    out.sequence = ++sequence_;
    return CaptureStatus::ok;
  }

  std::string_view name() const noexcept override { return name_; }
  const KmsBuffer& current_buffer() const noexcept override {
    static constexpr KmsBuffer none{};
    return current_ != nullptr ? current_->buffer() : none;
  }
  std::string_view last_error() const noexcept override { return error_; }
  std::uint32_t width_px() const noexcept override { return width_px_; }
  std::uint32_t height_px() const noexcept override { return height_px_; }
  std::uint64_t cursor_frames() const noexcept override { return cursor_frames_; }

 private:
  // Raises on construction, lowers on destruction (KmsOptions::privileged).
  class Privileged {
   public:
    explicit Privileged(const std::function<void(bool)>& f) : f_(f) {
      if (f_) f_(true);
    }
    ~Privileged() {
      if (f_) f_(false);
    }
    Privileged(const Privileged&) = delete;
    Privileged& operator=(const Privileged&) = delete;

   private:
    const std::function<void(bool)>& f_;
  };

  // The cursor's fb, mapped (one slot: a cursor image changes rarely), or null when it cannot
  // be read (other format than AR24/XR24, tiled): then frames come without the cursor.
  MappedFb* map_cursor(std::uint32_t fb_id) {
    if (cursor_fb_.buffer().fb_id == fb_id && cursor_fb_.recheck() == MappedFb::Check::same) return &cursor_fb_;
    std::string error;
    bool reinit_hint = false;
    if (!cursor_fb_.map(fd_.get(), fb_id, error, reinit_hint)) {
      cursor_fb_.reset();
      return nullptr;
    }
    return &cursor_fb_;
  }

  // Source-over with premultiplied alpha (the DRM plane default "pixel blend mode" is
  // "Pre-multiplied", drm_blend.c; legacy cursor images are premultiplied ARGB8888):
  //   out = cursor + frame × (255 − alpha) / 255, per channel. XR24 cursors are opaque.
  bool blend_cursor(const MappedFb& c, const CursorState& at) {
    const KmsBuffer& b = c.buffer();
    const std::int64_t w = std::min<std::int64_t>(b.fb_width_px, at.w_px != 0 ? at.w_px : b.fb_width_px);
    const std::int64_t h = std::min<std::int64_t>(b.fb_height_px, at.h_px != 0 ? at.h_px : b.fb_height_px);
    const std::int64_t x0 = std::max<std::int64_t>(0, at.x_px), y0 = std::max<std::int64_t>(0, at.y_px);
    const std::int64_t x1 = std::min<std::int64_t>(width_px_, at.x_px + w);
    const std::int64_t y1 = std::min<std::int64_t>(height_px_, at.y_px + h);
    const std::uint8_t* src = c.pixels();
    if (src == nullptr || x0 >= x1 || y0 >= y1) return false;
    const bool opaque = b.fourcc != kArgb8888;
    const std::size_t pitch = b.pitches_bytes[0];
    const std::size_t stride = static_cast<std::size_t>(width_px_) * 4U;
    c.begin_read();
    for (std::int64_t y = y0; y < y1; ++y) {
      const std::uint8_t* s = src + static_cast<std::size_t>(y - at.y_px) * pitch + static_cast<std::size_t>(x0 - at.x_px) * 4U;
      std::uint8_t* d = pixels_.data() + static_cast<std::size_t>(y) * stride + static_cast<std::size_t>(x0) * 4U;
      for (std::int64_t x = x0; x < x1; ++x, s += 4, d += 4) {
        const unsigned a = opaque ? 255U : s[3];
        if (a == 0) continue;
        const unsigned keep = 255U - a;
        for (int k = 0; k < 3; ++k) {
          const unsigned v = s[k] + (d[k] * keep + 127U) / 255U;
          d[k] = static_cast<std::uint8_t>(v > 255U ? 255U : v);
        }
      }
    }
    c.end_read();
    return true;
  }

  static constexpr std::uint32_t kArgb8888 = 0x34325241;  // 'AR24', drm_fourcc.h

  Fd fd_;
  ScanoutTarget target_;
  std::function<void(bool)> privileged_;
  // A mapped fb for `fb_id` in `out`: a checked cache hit, or a fresh mapping in the least
  // recently used slot.
  CaptureStatus lookup(std::uint32_t fb_id, MappedFb*& out) {
    ++clock_;
    Slot* victim = &cache_[0];
    for (Slot& slot : cache_) {
      if (slot.fb.buffer().fb_id == fb_id && fb_id != 0) {
        const auto check = slot.fb.recheck();
        if (check == MappedFb::Check::same) {
          slot.used = clock_;
          out = &slot.fb;
          return CaptureStatus::ok;
        }
        slot.fb.reset();  // the id now names another buffer (or none): map it afresh here
        victim = &slot;
        break;
      }
      if (slot.used < victim->used) victim = &slot;
    }
    bool reinit_hint = false;
    if (current_ == &victim->fb) current_ = nullptr;
    if (!victim->fb.map(fd_.get(), fb_id, error_, reinit_hint)) {
      victim->fb.reset();
      victim->used = 0;
      return reinit_hint ? CaptureStatus::reinit : CaptureStatus::error;
    }
    victim->used = clock_;
    out = &victim->fb;
    return CaptureStatus::ok;
  }

  struct Slot {
    MappedFb fb;
    std::uint64_t used = 0;  // clock_ value of the last use; 0 = free
  };
  static constexpr std::size_t cached_fbs = 3;  // triple buffering, the most compositors use
  // Declared after fd_: destroyed first (GEM_CLOSE needs the card fd).
  std::array<Slot, cached_fbs> cache_{};
  MappedFb cursor_fb_;
  std::uint64_t cursor_frames_ = 0;
  MappedFb* current_ = nullptr;
  std::uint64_t clock_ = 0;
  std::uint32_t width_px_ = 0;
  std::uint32_t height_px_ = 0;
  std::vector<std::uint8_t> pixels_;
  std::string name_;
  std::string error_;
  std::uint64_t sequence_ = 0;
};

std::string headless_hint() {
  return "Nothing is displayed, so there is nothing to capture. On a machine without a monitor, "
         "give it a display first: `lightwell display` (docs/display.md) sets up a virtual output, "
         "for example with the vkms kernel module (modprobe vkms) plus a compositor or a mode set on "
         "it, or use a dummy HDMI/DP plug.";
}

KmsOpenResult open_on_card(const std::filesystem::path& card, const KmsOptions& options, bool& no_lit) {
  KmsOpenResult result;
  Fd fd = kms_detail::open_card(card, result.error);
  if (!fd) return result;
  ScanoutTarget target;
  if (!kms_detail::find_scanout(fd.get(), card, options.connector, target, no_lit, result.error)) return result;
  result.source = std::make_unique<KmsSource>(std::move(fd), std::move(target), options);
  return result;
}

}  // namespace

KmsOpenResult open_kms_source(const KmsOptions& options) {
  bool no_lit = false;
  if (!options.card.empty()) {
    KmsOpenResult r = open_on_card(options.card, options, no_lit);
    if (!r.source && no_lit) r.error += ". " + headless_hint();
    return r;
  }
  std::vector<std::filesystem::path> cards;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(options.dri_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.rfind("card", 0) == 0) cards.push_back(it->path());
  }
  std::sort(cards.begin(), cards.end());
  KmsOpenResult last;
  if (cards.empty()) {
    last.error = "no DRM card in " + options.dri_dir.string() + " (no GPU driver loaded?). " + headless_hint();
    return last;
  }
  std::string why;
  bool all_unlit = true;
  for (const auto& card : cards) {
    no_lit = false;
    KmsOpenResult r = open_on_card(card, options, no_lit);
    if (r.source) return r;
    all_unlit = all_unlit && no_lit;
    why += (why.empty() ? "" : "; ") + r.error;
  }
  last.error = why + (all_unlit ? ". " + headless_hint() : "");
  return last;
}

}  // namespace lightwell::capture
