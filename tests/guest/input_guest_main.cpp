// lightwell_input_guest: the real-uinput half of tests_guest (docs/testing-guest.md). It runs
// inside the throwaway QEMU guest of tests/guest/run-in-guest.sh, where /dev/uinput exists,
// feeds the client-captured packets of tests/data/input_packets.txt through
// proto::input::parse_input_packet → input::Injector → input::UinputSink, and prints what the
// kernel delivers on the resulting /dev/input/eventN nodes (line format: guest_devices.hpp),
// plus, for force feedback:
//   RUMBLE <gamepad> <low> <high>   each input::Rumble the sink reported
//   MSG <hex>                       proto::build_rumble(...) of it (control message 0x010B)
//   PKT <scenario> <n> <call>       before packet n of a scenario is injected
//   MARK <scenario> <what>          a step that is not a packet (release_all)
//   NOTE <scenario> <text>          something a checker may want to know (never a verdict)
// It checks nothing itself: the host side (test_input_guest.cpp) holds the expectations.
// A part that is still a placeholder simply produces no lines; nothing is faked.
//
// Usage: lightwell_input_guest <input_packets.txt> [scenario...]   (default: all)
//        lightwell_input_guest --list
// Exit: 0 when every scenario ran, 2 on a setup failure (no /dev/uinput, bad packet file).
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/vector_file.hpp"
#include "guest_devices.hpp"
#include "lightwell/input/injector.hpp"
#include "lightwell/input/uinput_sink.hpp"
#include "lightwell/proto/control_feedback.hpp"
#include "lightwell/proto/hex.hpp"
#include "lightwell/proto/input.hpp"

namespace {

namespace in = lightwell::input;
namespace pi = lightwell::proto::input;
namespace tv = lightwell::test;
using lightwell::guest::DeviceWatch;

constexpr in::ScreenSize kScreen{1920, 1080};

struct PacketRef {
  const char* call_prefix;  // the record whose call= starts with this...
  int occurrence = 0;       // ...the n-th such record (0 = first)
};

struct Scenario {
  const char* name;
  std::vector<in::DeviceKind> create;  // devices made before any packet, so no event is missed
  std::vector<PacketRef> packets;
  bool release_all = false;            // Injector::release_all() after the packets
};

const std::vector<Scenario>& scenarios() {
  using K = in::DeviceKind;
  static const std::vector<Scenario> all = {
      {"keyboard", {K::keyboard},
       {{"LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN"}, {"LiSendKeyboardEvent(0x41 'A', KEY_ACTION_UP"},
        {"LiSendKeyboardEvent(0xA0 VK_LSHIFT"}, {"LiSendKeyboardEvent2(0xBA VK_OEM_1"}}},
      {"mouse", {K::mouse},
       {{"LiSendMouseMoveEvent(5, -3)"}, {"LiSendMouseMoveEvent(-300, 1000)"},
        {"LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_LEFT)"},
        {"LiSendMouseButtonEvent(BUTTON_ACTION_RELEASE, BUTTON_LEFT)"},
        {"LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_X2)"}, {"LiSendScrollEvent(1)"},
        {"LiSendHighResScrollEvent(-30)"}, {"LiSendHScrollEvent(-1)"}}},
      {"absolute", {K::absolute_pointer}, {{"LiSendMousePositionEvent(100, 200, 1920, 1080)"}}},
      {"release_all", {K::keyboard, K::mouse},
       {{"LiSendKeyboardEvent(0xA0 VK_LSHIFT"}, {"LiSendKeyboardEvent2(0xBA VK_OEM_1"},
        {"LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_X2)"}},
       true},
      {"text", {K::keyboard},
       {{"LiSendUtf8TextEvent(", 0}, {"LiSendUtf8TextEvent(", 1}, {"LiSendUtf8TextEvent(", 2}}},
      {"touch", {K::touchscreen},
       {{"LiSendTouchEvent(LI_TOUCH_EVENT_DOWN"}, {"LiSendTouchEvent(LI_TOUCH_EVENT_CANCEL_ALL"}}},
      {"pen", {K::pen}, {{"LiSendPenEvent(LI_TOUCH_EVENT_HOVER"}, {"LiSendPenEvent(LI_TOUCH_EVENT_DOWN"}}},
      // No device made beforehand: the arrival packet must create "Lightwell Gamepad 2"
      // (controller number 1), the state packet with the bit cleared must remove it (input.md §5.2).
      {"gamepad", {},
       {{"LiSendControllerArrivalEvent(", 0}, {"LiSendControllerArrivalEvent(", 1},
        {"LiSendMultiControllerEvent(1, 0x0003"}, {"LiSendMultiControllerEvent(1, 0x0001"}}},
  };
  return all;
}

const tv::Record* find_packet(const std::vector<tv::Record>& records, const PacketRef& ref) {
  int seen = 0;
  for (const auto& r : records) {
    const auto call = r.find("call");
    if (!call || call->rfind(ref.call_prefix, 0) != 0) continue;
    if (seen++ == ref.occurrence) return &r;
  }
  return nullptr;
}

std::unique_ptr<in::UinputSink> open_sink() {
  auto sink = in::UinputSink::open("/dev/uinput", kScreen);
  if (!sink) {
    std::printf("NOTE setup %s\n", sink.error().message.c_str());
    return nullptr;
  }
  return std::move(*sink);
}

// Returns false on a setup failure (missing packet, packet that does not parse).
bool run_scenario(const Scenario& sc, const std::vector<tv::Record>& records) {
  std::printf("SCENARIO %s\n", sc.name);
  auto sink = open_sink();
  if (!sink) return false;
  bool ok = true;
  {
    // Declared after the sink, so destroyed before it: fds close after the devices are gone.
    DeviceWatch watch(sc.name);
    {
      in::Injector injector(*sink, kScreen);
      for (const auto kind : sc.create) {
        sink->create_device({kind, 0});
        if (!sink->last_error().empty()) std::printf("NOTE %s %s\n", sc.name, sink->last_error().c_str());
      }
      watch.discover();
      int n = 0;
      for (const auto& ref : sc.packets) {
        const tv::Record* r = find_packet(records, ref);
        if (r == nullptr) {
          std::printf("NOTE %s no packet %s #%d\n", sc.name, ref.call_prefix, ref.occurrence);
          ok = false;
          continue;
        }
        const auto bytes = r->hex("bytes");
        auto event = pi::parse_input_packet(lightwell::proto::Bytes(bytes.data(), bytes.size()));
        std::printf("PKT %s %d %s\n", sc.name, n++, r->get("call").c_str());
        if (!event) {
          std::printf("NOTE %s packet does not parse: %s\n", sc.name, event.error().message.c_str());
          ok = false;
          continue;
        }
        injector.inject(*event);
        watch.discover();  // devices the packet created (gamepad arrival)
        watch.drain_now();  // now: a device removed by a later packet loses its queue
      }
      watch.drain_until_idle(100);
      if (sc.release_all) {
        std::printf("MARK %s release_all\n", sc.name);
        injector.release_all();
        watch.drain_until_idle(100);
      }
      watch.print_held();
    }
    sink.reset();
  }
  return ok;
}

void name_this_thread(const char* name) { ::pthread_setname_np(::pthread_self(), name); }

// Answers force-feedback requests for up to timeout_ms (or until `until` is true), printing
// each Rumble and its 0x010B message.
template <typename Until>
void pump_feedback(in::UinputSink& sink, int timeout_ms, Until until) {
  using clock = std::chrono::steady_clock;
  const auto end = clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!until() && clock::now() < end) {
    std::vector<pollfd> fds;
    for (const int fd : sink.feedback_fds()) fds.push_back({fd, POLLIN, 0});
    if (fds.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else if (::poll(fds.data(), fds.size(), 20) <= 0) {
      continue;
    }
    std::vector<in::Rumble> out;
    sink.service_feedback(out);
    for (const auto& r : out) {
      std::printf("RUMBLE %u %u %u\n", r.gamepad, r.low_freq_motor, r.high_freq_motor);
      const auto msg = lightwell::proto::build_rumble(r.gamepad, r.low_freq_motor, r.high_freq_motor);
      if (msg) std::printf("MSG %s\n", lightwell::proto::to_hex(msg->bytes()).c_str());
      else std::printf("NOTE rumble build_rumble failed: %s\n", msg.error().message.c_str());
    }
  }
}

// Gamepad 1's force feedback the way a game drives it: upload an FF_RUMBLE effect (EVIOCSFF
// blocks until the sink answers it, so it runs on its own thread while this one services the
// sink), play it, stop it.
bool run_rumble() {
  std::printf("SCENARIO rumble\n");
  auto sink = open_sink();
  if (!sink) return false;
  {
    DeviceWatch watch("rumble");
    sink->create_device({in::DeviceKind::gamepad, 1});
    watch.discover();
    lightwell::guest::OpenDevice* pad = watch.find("Lightwell Gamepad 2");
    if (pad == nullptr) {
      std::printf("NOTE rumble no device \"Lightwell Gamepad 2\" %s\n", sink->last_error().c_str());
    } else {
      int effects = 0;
      if (::ioctl(pad->fd, EVIOCGEFFECTS, &effects) < 0) effects = -errno;
      ff_effect effect{};
      effect.type = FF_RUMBLE;
      effect.id = -1;
      effect.u.rumble.strong_magnitude = 0x8000;
      effect.u.rumble.weak_magnitude = 0x4000;
      effect.replay.length = 5000;  // ms; stopped explicitly long before
      std::atomic<int> upload{1};   // 1 pending, 0 done, <0 -errno
      std::jthread uploader([&, fd = pad->fd] {
        name_this_thread("ff-upload");
        upload = ::ioctl(fd, EVIOCSFF, &effect) < 0 ? -errno : 0;
      });
      std::printf("NOTE rumble device reports %d effect slots\n", effects);
      pump_feedback(*sink, 10000, [&] { return upload.load() != 1; });
      if (upload.load() == 1) {
        std::printf("NOTE rumble EVIOCSFF not answered within 10 s\n");
        sink.reset();  // destroying the device completes the pending upload (-ENODEV)
        return true;   // the uploader joins here
      }
      if (upload.load() < 0) {
        std::printf("NOTE rumble EVIOCSFF failed: %s\n", std::strerror(-upload.load()));
      } else {
        for (const int value : {1, 0}) {  // play, then stop
          std::printf("MARK rumble %s effect %d\n", value == 1 ? "play" : "stop", effect.id);
          input_event ev{};
          ev.type = EV_FF;
          ev.code = static_cast<std::uint16_t>(effect.id);
          ev.value = value;
          if (::write(pad->fd, &ev, sizeof ev) != static_cast<ssize_t>(sizeof ev))
            std::printf("NOTE rumble write EV_FF failed: %s\n", std::strerror(errno));
          pump_feedback(*sink, 1000, [] { return false; });
        }
      }
    }
    sink.reset();  // before the evdev fds close: closing them would erase effects synchronously
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc >= 2 && std::string(argv[1]) == "--list") {
    for (const auto& sc : scenarios()) std::printf("%s\n", sc.name);
    std::printf("rumble\n");
    return 0;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <input_packets.txt> [scenario...] | --list\n", argv[0]);
    return 2;
  }
  std::vector<tv::Record> records;
  try {
    records = tv::read_records(std::filesystem::absolute(argv[1]).string());
  } catch (const std::exception& e) {
    std::printf("NOTE setup cannot read %s: %s\n", argv[1], e.what());
    return 2;
  }
  std::vector<std::string> wanted(argv + 2, argv + argc);
  auto selected = [&](const std::string& name) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  bool ok = true;
  for (const auto& sc : scenarios())
    if (selected(sc.name)) ok = run_scenario(sc, records) && ok;
  if (selected("rumble")) ok = run_rumble() && ok;
  std::printf("DONE %s\n", ok ? "ok" : "setup-failed");
  return ok ? 0 : 2;
}
