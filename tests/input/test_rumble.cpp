// RumbleMixer: the force-feedback rules of input.md §7 "Rumble from the OS to the client"
// (strong_magnitude → lowFreqMotor, weak_magnitude → highFreqMotor, 0..0xFFFF scaled by
// FF_GAIN, sent only on change, zeros when effects stop) and §8 (0x010B values persist on
// the client, so effect lengths must expire on the host). Effects are built as the kernel
// hands them to uinput (struct ff_effect of linux/input.h, id already assigned).
//
// FeedbackTable (the uinput side) is tested against a stand-in for the kernel: a pipe carries
// the events uinput would queue, and this binary's own ioctl() (it interposes libc's for the
// pipe's fd only, forwarding every other fd to the real syscall) answers UI_BEGIN_FF_UPLOAD /
// UI_BEGIN_FF_ERASE and records UI_END_FF_*, as drivers/input/misc/uinput.c does: BEGIN
// looks the request id up (-EINVAL if unknown), copies the effect / effect id and sets
// retval 0; END hands the retval back to the waiting guest.
#include <linux/input.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdarg>
#include <map>
#include <vector>

#include "../../input/src/rumble_mixer.hpp"
#include "../../input/src/uinput_ff.hpp"

namespace {
using lightwell::input::Rumble;
using lightwell::input::detail::RumbleMixer;

ff_effect rumble(std::int16_t id, std::uint16_t strong, std::uint16_t weak) {
  ff_effect e{};
  e.type = FF_RUMBLE;
  e.id = id;
  e.u.rumble.strong_magnitude = strong;
  e.u.rumble.weak_magnitude = weak;
  return e;
}

std::vector<Rumble> update(RumbleMixer& m, std::int64_t now_ms) {
  std::vector<Rumble> out;
  m.update(now_ms, out);
  return out;
}

using Rumbles = std::vector<Rumble>;
}  // namespace

TEST_CASE("upload + play rumbles strong→low, weak→high, once per change", "[rumble]") {
  RumbleMixer m(3);
  CHECK(m.upload(rumble(0, 0x8000, 0x4000)) == 0);
  CHECK(update(m, 1000).empty());  // uploaded, not playing: the motors stay off
  m.play(0, 1, 1000);
  CHECK(update(m, 1000) == Rumbles{{3, 0x8000, 0x4000}});
  CHECK(update(m, 1001).empty());  // unchanged: no duplicate 0x010B
  CHECK(update(m, 5000).empty());  // length 0 plays until stopped
  m.play(0, 1, 5000);              // replaying the same effect changes nothing
  CHECK(update(m, 5000).empty());
}

TEST_CASE("stop reports zeros, once", "[rumble]") {
  RumbleMixer m(0);
  m.upload(rumble(1, 0xFFFF, 0xFFFF));
  m.play(1, 1, 0);
  CHECK(update(m, 0) == Rumbles{{0, 0xFFFF, 0xFFFF}});
  m.play(1, 0, 10);
  CHECK(update(m, 10) == Rumbles{{0, 0, 0}});
  m.play(1, 0, 20);
  CHECK(update(m, 20).empty());
}

TEST_CASE("FF_GAIN scales both motors; 0xFFFF is full", "[rumble]") {
  RumbleMixer m(1);
  m.upload(rumble(0, 0x8000, 0x4000));
  m.play(0, 1, 0);
  m.set_gain(0x8000);
  // 0x8000 * 0x8000 / 0xFFFF = 16384.25 → 0x4000; 0x4000 * 0x8000 / 0xFFFF = 8192.1 → 0x2000.
  CHECK(update(m, 0) == Rumbles{{1, 0x4000, 0x2000}});
  m.set_gain(0);
  CHECK(update(m, 1) == Rumbles{{1, 0, 0}});
  m.set_gain(0xFFFF);
  CHECK(update(m, 2) == Rumbles{{1, 0x8000, 0x4000}});
}

TEST_CASE("erasing a playing effect stops it; its id is then unknown", "[rumble]") {
  RumbleMixer m(2);
  m.upload(rumble(4, 0x1234, 0x5678));
  m.play(4, 1, 0);
  CHECK(update(m, 0) == Rumbles{{2, 0x1234, 0x5678}});
  CHECK(m.erase(4) == 0);
  CHECK(update(m, 1) == Rumbles{{2, 0, 0}});
  m.play(4, 1, 2);  // the kernel would not pass it; ignored
  CHECK(update(m, 2).empty());
  CHECK(m.erase(4) == -EINVAL);
  CHECK(m.erase(9) == -EINVAL);
}

TEST_CASE("two playing effects: the maximum per motor", "[rumble]") {
  RumbleMixer m(0);
  m.upload(rumble(0, 0x1000, 0xF000));
  m.upload(rumble(1, 0x8000, 0x0100));
  m.play(0, 1, 0);
  m.play(1, 1, 0);
  CHECK(update(m, 0) == Rumbles{{0, 0x8000, 0xF000}});
  m.play(1, 0, 1);
  CHECK(update(m, 1) == Rumbles{{0, 0x1000, 0xF000}});
  m.play(0, 0, 2);
  CHECK(update(m, 2) == Rumbles{{0, 0, 0}});
}

TEST_CASE("re-uploading a playing effect changes the motors at once", "[rumble]") {
  RumbleMixer m(0);
  m.upload(rumble(0, 0x1000, 0x1000));
  m.play(0, 1, 0);
  CHECK(update(m, 0) == Rumbles{{0, 0x1000, 0x1000}});
  m.upload(rumble(0, 0x2000, 0));
  CHECK(update(m, 1) == Rumbles{{0, 0x2000, 0}});
}

TEST_CASE("constant, periodic and ramp forces drive both motors with |level| doubled",
          "[rumble]") {
  RumbleMixer m(0);
  ff_effect constant{};
  constant.type = FF_CONSTANT;
  constant.id = 0;
  constant.u.constant.level = -0x4000;
  m.upload(constant);
  m.play(0, 1, 0);
  CHECK(update(m, 0) == Rumbles{{0, 0x8000, 0x8000}});
  constant.u.constant.level = -0x8000;  // |−32768| * 2 = 0x10000 saturates
  m.upload(constant);
  CHECK(update(m, 1) == Rumbles{{0, 0xFFFF, 0xFFFF}});
  m.play(0, 0, 2);

  ff_effect sine{};
  sine.type = FF_PERIODIC;
  sine.id = 1;
  sine.u.periodic.waveform = FF_SINE;
  sine.u.periodic.magnitude = 0x7FFF;
  m.upload(sine);
  m.play(1, 1, 2);
  CHECK(update(m, 2) == Rumbles{{0, 0xFFFE, 0xFFFE}});
  m.play(1, 0, 3);

  ff_effect ramp{};
  ramp.type = FF_RAMP;
  ramp.id = 2;
  ramp.u.ramp.start_level = 0x1000;
  ramp.u.ramp.end_level = -0x2000;
  m.upload(ramp);
  m.play(2, 1, 3);
  CHECK(update(m, 3) == Rumbles{{0, 0x4000, 0x4000}});
}

TEST_CASE("replay delay and length × count expire on the host", "[rumble]") {
  RumbleMixer m(5);
  auto e = rumble(0, 0x3000, 0x0300);
  e.replay.delay = 50;
  e.replay.length = 200;
  m.upload(e);
  m.play(0, 2, 1000);  // plays 1050 .. 1450
  CHECK(m.next_change_ms(1000) == 1050);
  CHECK(update(m, 1049).empty());
  CHECK(update(m, 1050) == Rumbles{{5, 0x3000, 0x0300}});
  CHECK(m.next_change_ms(1050) == 1450);
  CHECK(update(m, 1449).empty());
  CHECK(update(m, 1450) == Rumbles{{5, 0, 0}});
  CHECK_FALSE(m.next_change_ms(1450).has_value());
  m.play(0, 1, 2000);  // a new play restarts the clock: 2050 .. 2250
  CHECK(update(m, 2100) == Rumbles{{5, 0x3000, 0x0300}});
  CHECK(update(m, 2250) == Rumbles{{5, 0, 0}});
}

TEST_CASE("malformed uploads and unknown effect types", "[rumble]") {
  RumbleMixer m(0);
  CHECK(m.upload(rumble(-1, 1, 1)) == -EINVAL);
  CHECK(m.upload(rumble(RumbleMixer::kMaxEffectId, 1, 1)) == -EINVAL);
  m.play(-1, 1, 0);
  m.play(RumbleMixer::kMaxEffectId, 1, 0);
  CHECK(update(m, 0).empty());
  ff_effect spring{};  // not advertised, the kernel refuses it; contributes nothing anyway
  spring.type = FF_SPRING;
  spring.id = 3;
  CHECK(m.upload(spring) == 0);
  m.play(3, 1, 0);
  CHECK(update(m, 0).empty());
  CHECK(m.last() == Rumble{0, 0, 0});
}

// ---------------------------------------------------------------------------------------
// The uinput stand-in.
namespace {

struct FakeUinput {
  int fds[2] = {-1, -1};  // [0] is what FeedbackTable reads and ioctls, [1] is the "kernel"
  std::map<unsigned, ff_effect> uploads;  // pending upload requests: request id → effect
  std::map<unsigned, unsigned> erases;    // pending erase requests: request id → effect id
  std::map<unsigned, int> answered;       // END_FF_*: request id → retval
  int begins = 0;

  FakeUinput() { REQUIRE(::pipe(fds) == 0); }
  ~FakeUinput() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void queue(std::uint16_t type, std::uint16_t code, std::int32_t value) const {
    input_event ev{};
    ev.type = type;
    ev.code = code;
    ev.value = value;
    REQUIRE(::write(fds[1], &ev, sizeof ev) == static_cast<ssize_t>(sizeof ev));
  }
  void request_upload(unsigned id, const ff_effect& e) {
    uploads[id] = e;
    queue(EV_UINPUT, UI_FF_UPLOAD, static_cast<std::int32_t>(id));
  }
  void request_erase(unsigned id, unsigned effect_id) {
    erases[id] = effect_id;
    queue(EV_UINPUT, UI_FF_ERASE, static_cast<std::int32_t>(id));
  }

  int ioctl(unsigned long request, void* arg) {
    if (request == UI_BEGIN_FF_UPLOAD) {
      ++begins;
      auto* up = static_cast<uinput_ff_upload*>(arg);
      const auto it = uploads.find(up->request_id);
      if (it == uploads.end()) return errno = EINVAL, -1;
      up->retval = 0;
      up->effect = it->second;
      up->old = ff_effect{};
      return 0;
    }
    if (request == UI_END_FF_UPLOAD) {
      const auto* up = static_cast<const uinput_ff_upload*>(arg);
      if (uploads.erase(up->request_id) == 0) return errno = EINVAL, -1;
      answered[up->request_id] = up->retval;
      return 0;
    }
    if (request == UI_BEGIN_FF_ERASE) {
      ++begins;
      auto* er = static_cast<uinput_ff_erase*>(arg);
      const auto it = erases.find(er->request_id);
      if (it == erases.end()) return errno = EINVAL, -1;
      er->retval = 0;
      er->effect_id = it->second;
      return 0;
    }
    if (request == UI_END_FF_ERASE) {
      const auto* er = static_cast<const uinput_ff_erase*>(arg);
      if (erases.erase(er->request_id) == 0) return errno = EINVAL, -1;
      answered[er->request_id] = er->retval;
      return 0;
    }
    return errno = ENOTTY, -1;
  }
};

// Test-only: the stand-in the interposed ioctl() talks to while a test runs.
FakeUinput* g_fake_uinput = nullptr;

struct FakeScope {
  FakeUinput fake;
  FakeScope() { g_fake_uinput = &fake; }
  ~FakeScope() { g_fake_uinput = nullptr; }
};

using lightwell::input::detail::FeedbackTable;

std::vector<Rumble> service(FeedbackTable& table) {
  std::vector<Rumble> out;
  table.service(out);
  return out;
}
}  // namespace

extern "C" int ioctl(int fd, unsigned long request, ...) noexcept {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (g_fake_uinput != nullptr && fd == g_fake_uinput->fds[0]) return g_fake_uinput->ioctl(request, arg);
  return static_cast<int>(::syscall(SYS_ioctl, fd, request, arg));
}

TEST_CASE("uinput: upload is answered with the mixer's retval, play rumbles", "[rumble][uinput]") {
  FakeScope s;
  FeedbackTable table;
  table.add_fd(7, s.fake.fds[0]);
  CHECK(table.fds() == std::vector<int>{s.fake.fds[0]});
  CHECK(service(table).empty());  // nothing queued: returns at once (O_NONBLOCK)

  s.fake.request_upload(3, rumble(0, 0x8000, 0x4000));
  s.fake.queue(EV_FF, 0, 1);  // play effect 0 once
  CHECK(service(table) == Rumbles{{7, 0x8000, 0x4000}});
  CHECK(s.fake.answered == std::map<unsigned, int>{{3, 0}});
  CHECK(s.fake.uploads.empty());

  s.fake.queue(EV_FF, FF_GAIN, 0x8000);
  CHECK(service(table) == Rumbles{{7, 0x4000, 0x2000}});
  s.fake.queue(EV_FF, FF_GAIN, 0xFFFF);
  CHECK(service(table) == Rumbles{{7, 0x8000, 0x4000}});

  s.fake.request_erase(4, 0);  // erasing the playing effect stops it
  CHECK(service(table) == Rumbles{{7, 0, 0}});
  CHECK(s.fake.answered.at(4) == 0);
  CHECK(service(table).empty());
}

TEST_CASE("uinput: a refused upload, unknown requests, stop", "[rumble][uinput]") {
  FakeScope s;
  FeedbackTable table;
  table.add_fd(0, s.fake.fds[0]);
  s.fake.request_upload(1, rumble(RumbleMixer::kMaxEffectId, 1, 1));
  s.fake.queue(EV_UINPUT, UI_FF_UPLOAD, 9);  // no such request (timed out in the kernel)
  s.fake.queue(EV_UINPUT, UI_FF_ERASE, 10);
  CHECK(service(table).empty());
  CHECK(s.fake.answered == std::map<unsigned, int>{{1, -EINVAL}});
  CHECK(s.fake.begins == 3);  // the unknown ones got no END

  s.fake.request_upload(2, rumble(1, 0x0100, 0x0200));
  s.fake.queue(EV_FF, 1, 1);
  s.fake.queue(EV_FF, 1, 0);  // played and stopped within one read: nothing to send
  CHECK(service(table).empty());
  s.fake.queue(EV_FF, 1, 3);
  CHECK(service(table) == Rumbles{{0, 0x0100, 0x0200}});
  s.fake.queue(EV_FF, 1, 0);
  CHECK(service(table) == Rumbles{{0, 0, 0}});
}

TEST_CASE("uinput: removing a rumbling pad sends zeros once", "[rumble][uinput]") {
  FakeScope s;
  FeedbackTable table;
  table.add_fd(2, s.fake.fds[0]);
  s.fake.request_upload(0, rumble(0, 0xFFFF, 0));
  s.fake.queue(EV_FF, 0, 1);
  CHECK(service(table) == Rumbles{{2, 0xFFFF, 0}});
  table.remove(2);
  CHECK(table.fds().empty());
  CHECK(service(table) == Rumbles{{2, 0, 0}});
  CHECK(service(table).empty());
  table.remove(2);  // unknown: nothing
  CHECK(service(table).empty());
}
