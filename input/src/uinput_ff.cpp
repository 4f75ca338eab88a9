// See uinput_ff.hpp. The request handling follows the kernel's Documentation/input/uinput.rst
// and linux/uinput.h step by step; everything else is in RumbleMixer (unit-tested).
#include "uinput_ff.hpp"

#include <fcntl.h>
#include <libevdev/libevdev-uinput.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>

namespace lightwell::input::detail {

std::int64_t FeedbackTable::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void FeedbackTable::add(std::uint8_t gamepad, libevdev_uinput* device) {
  add_fd(gamepad, libevdev_uinput_get_fd(device));
}

void FeedbackTable::add_fd(std::uint8_t gamepad, int fd) {
  // service() drains the fd until EAGAIN; a blocking read would hang the input thread.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  pads_.insert_or_assign(gamepad, Pad{fd, RumbleMixer(gamepad)});
}

void FeedbackTable::remove(std::uint8_t gamepad) {
  const auto it = pads_.find(gamepad);
  if (it == pads_.end()) return;
  // input.md §8: the client keeps rumbling until told otherwise.
  if (it->second.mixer.last() != Rumble{gamepad, 0, 0}) pending_.push_back({gamepad, 0, 0});
  pads_.erase(it);
}

std::vector<int> FeedbackTable::fds() const {
  std::vector<int> out;
  out.reserve(pads_.size());
  for (const auto& [n, pad] : pads_) out.push_back(pad.fd);
  return out;
}

void FeedbackTable::drain(Pad& pad, std::int64_t now) {
  const int fd = pad.fd;
  // The kernel's uinput queue holds 16 events (UINPUT_BUFFER_SIZE): read them in one go.
  input_event events[16];
  for (;;) {
    const ssize_t got = ::read(fd, events, sizeof events);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;  // EAGAIN: drained (or an error: nothing more to do now)
    const auto count = static_cast<std::size_t>(got) / sizeof(input_event);
    for (std::size_t i = 0; i < count; ++i) {
      const input_event& ev = events[i];
      if (ev.type == EV_UINPUT && ev.code == UI_FF_UPLOAD) {
        // The guest's EVIOCSFF waits for this answer. BEGIN copies the effect (id already
        // assigned by the kernel) for request_id = the event's value; END returns retval.
        uinput_ff_upload upload{};
        upload.request_id = static_cast<__u32>(ev.value);
        if (::ioctl(fd, UI_BEGIN_FF_UPLOAD, &upload) != 0) continue;  // request gone (timed out)
        upload.retval = pad.mixer.upload(upload.effect);
        ::ioctl(fd, UI_END_FF_UPLOAD, &upload);
      } else if (ev.type == EV_UINPUT && ev.code == UI_FF_ERASE) {
        uinput_ff_erase erase{};
        erase.request_id = static_cast<__u32>(ev.value);
        if (::ioctl(fd, UI_BEGIN_FF_ERASE, &erase) != 0) continue;
        pad.mixer.erase(static_cast<int>(erase.effect_id));
        // Always success: the kernel only erases ids it handed out, and a refusal would
        // leave that slot owned by the guest for good.
        erase.retval = 0;
        ::ioctl(fd, UI_END_FF_ERASE, &erase);
      } else if (ev.type == EV_FF && ev.code == FF_GAIN) {
        pad.mixer.set_gain(static_cast<std::uint16_t>(std::clamp(ev.value, 0, 0xFFFF)));
      } else if (ev.type == EV_FF) {
        pad.mixer.play(ev.code, ev.value, now);  // code = effect id, value = count / 0
      }
    }
  }
}

void FeedbackTable::service(std::vector<Rumble>& out) {
  out.insert(out.end(), pending_.begin(), pending_.end());
  pending_.clear();
  const std::int64_t now = now_ms();
  for (auto& [n, pad] : pads_) {
    drain(pad, now);
    pad.mixer.update(now, out);
  }
}

std::optional<std::int64_t> FeedbackTable::next_change_in_ms() const {
  const std::int64_t now = now_ms();
  std::optional<std::int64_t> next;
  for (const auto& [n, pad] : pads_)
    if (const auto t = pad.mixer.next_change_ms(now); t && (!next || *t < *next)) next = t;
  if (next) *next -= now;
  return next;
}

}  // namespace lightwell::input::detail
