// KmsFrameSource (kms.hpp): the per-frame loop on top of kms_scanout.hpp. Framebuffers are
// mapped once per fb id and kept in a small cache (a compositor flips between two or three
// buffers), then re-read each capture. Every hit is rechecked (MappedFb::recheck: one GetFB2 +
// one export or MAP_DUMB query) because the kernel hands a removed fb's id to the next AddFB.
#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kms_scanout.hpp"
#include "lightwell/capture/kms.hpp"

namespace lightwell::capture {
namespace {

using kms_detail::Fd;
using kms_detail::MappedFb;
using kms_detail::ScanoutState;
using kms_detail::ScanoutTarget;

class KmsSource final : public KmsFrameSource {
 public:
  KmsSource(Fd fd, ScanoutTarget target) : fd_(std::move(fd)), target_(std::move(target)) {
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
    const CaptureStatus looked_up = lookup(state.fb_id, fb);
    if (looked_up != CaptureStatus::ok) return looked_up;
    current_ = fb;
    const std::size_t stride = static_cast<std::size_t>(width_px_) * 4U;
    if (!fb->copy_out(state.x_px, state.y_px, width_px_, height_px_, pixels_.data(), stride, error_)) {
      fb->reset();
      current_ = nullptr;
      return CaptureStatus::reinit;  // a new fb smaller than the mode: the next state will tell
    }
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

 private:
  Fd fd_;
  ScanoutTarget target_;
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
  result.source = std::make_unique<KmsSource>(std::move(fd), std::move(target));
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
