// InputSession (issue 7): the session's input thread between the control stream and the
// sink. Captured client packets (tests/data/input_packets.txt) go in through submit(); what
// the sink receives is compared with the evdev events the packets mean (input.md §3.1, §3.2:
// VK 0x41 'A' → KEY_A = 30). Hostile packets inject nothing; a session without a sink keeps
// going; held keys are released when the session ends; rumble from the sink reaches on_rumble.
#include <catch2/catch.hpp>

#include <linux/input-event-codes.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "../input/input_vectors.hpp"
#include "lightwell/server/input_session.hpp"

namespace {

using lightwell::input::DeviceId;
using lightwell::input::DeviceKind;
using lightwell::input::EvdevEvent;
using lightwell::input::InputSink;
using lightwell::input::Rumble;
using lightwell::server::InputSession;
using lightwell::server::InputSessionOptions;
namespace proto = lightwell::proto;

constexpr DeviceId kKbd{DeviceKind::keyboard, 0};

// What the session's sink saw, shared with the test (the session owns the sink itself).
struct Seen {
  std::mutex mutex;
  std::vector<EvdevEvent> events;
  std::vector<DeviceId> removed;
  std::vector<Rumble> pending_rumble;  // handed out by the next service_feedback
  std::mutex* gate = nullptr;          // when set, emit() waits for it (queue-full test)
  std::atomic<bool> in_emit{false};
};

class SharedSink final : public InputSink {
 public:
  explicit SharedSink(Seen& seen) : seen_(seen) {}
  void create_device(DeviceId) override {}
  void remove_device(DeviceId d) override {
    std::lock_guard lock(seen_.mutex);
    seen_.removed.push_back(d);
  }
  void emit(const EvdevEvent& e) override {
    seen_.in_emit = true;
    if (seen_.gate != nullptr) std::lock_guard wait_for_gate(*seen_.gate);
    std::lock_guard lock(seen_.mutex);
    seen_.events.push_back(e);
  }
  void service_feedback(std::vector<Rumble>& out) override {
    std::lock_guard lock(seen_.mutex);
    out.insert(out.end(), seen_.pending_rumble.begin(), seen_.pending_rumble.end());
    seen_.pending_rumble.clear();
  }

 private:
  Seen& seen_;
};

lightwell::server::LogHub& hub() {
  static auto h = lightwell::server::LogHub::to_stderr(lightwell::server::LogLevel::warn);
  return h;
}

InputSessionOptions options_for(Seen& seen) {
  InputSessionOptions o;
  o.make_sink = [&seen]() -> proto::Result<std::unique_ptr<InputSink>> {
    return std::unique_ptr<InputSink>(std::make_unique<SharedSink>(seen));
  };
  return o;
}

bool wait_until(const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

EvdevEvent syn(DeviceId d) { return {d, EV_SYN, SYN_REPORT, 0}; }

}  // namespace

TEST_CASE("input session: captured key packets become KEY_A down and up on the keyboard", "[input-session]") {
  Seen seen;
  {
    InputSession session(options_for(seen), hub().get("input"));
    REQUIRE(session.injecting());
    session.submit(lightwell::test::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN"));
    session.submit(lightwell::test::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_UP"));
    REQUIRE(wait_until([&] { return session.stats().packets == 2; }));
  }
  const std::vector<EvdevEvent> want{{kKbd, EV_KEY, KEY_A, 1}, syn(kKbd), {kKbd, EV_KEY, KEY_A, 0}, syn(kKbd)};
  CHECK(seen.events == want);
}

TEST_CASE("input session: a key still held when the session ends is released", "[input-session]") {
  Seen seen;
  {
    InputSession session(options_for(seen), hub().get("input"));
    session.submit(lightwell::test::input_packet("LiSendKeyboardEvent(0xA0 VK_LSHIFT, KEY_ACTION_DOWN"));
    REQUIRE(wait_until([&] { return session.stats().packets == 1; }));
  }
  REQUIRE(seen.events.size() == 4);
  CHECK(seen.events[0] == EvdevEvent{kKbd, EV_KEY, KEY_LEFTSHIFT, 1});
  CHECK(seen.events[2] == EvdevEvent{kKbd, EV_KEY, KEY_LEFTSHIFT, 0});
}

TEST_CASE("input session: malformed and hostile packets inject nothing", "[input-session]") {
  Seen seen;
  InputSession session(options_for(seen), hub().get("input"));
  auto key = lightwell::test::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN");
  std::vector<std::uint8_t> short_packet(key.begin(), key.end() - 1);           // truncated
  std::vector<std::uint8_t> long_packet = key;
  long_packet.push_back(0);                                                      // trailing byte
  std::vector<std::uint8_t> huge_size = key;
  huge_size[0] = 0x7F;                                                           // BE32 size 0x7F…
  std::vector<std::uint8_t> controller = lightwell::test::input_packet("LiSendMultiControllerEvent(1, 0x0003");
  controller[10] = 16;                                                           // controller 16 of 0..15
  // Text of 40 bytes (input.md §3.3 allows 1..32), size field consistent: BE32 4 + 40.
  std::vector<std::uint8_t> huge_text = {0x00, 0x00, 0x00, 44, 0x17, 0x00, 0x00, 0x00};
  huge_text.insert(huge_text.end(), 40, 'h');
  for (const auto& p : {short_packet, long_packet, huge_size, controller, huge_text, std::vector<std::uint8_t>{}}) {
    session.submit(p);
  }
  REQUIRE(wait_until([&] { return session.stats().rejected == 6; }));
  CHECK(session.stats().packets == 0);
  std::lock_guard lock(seen.mutex);
  CHECK(seen.events.empty());
}

TEST_CASE("input session: without a sink the session goes on and drops input", "[input-session]") {
  InputSessionOptions o;
  o.make_sink = []() -> proto::Result<std::unique_ptr<InputSink>> {
    return proto::fail(proto::Errc::unsupported, "cannot open /dev/uinput: No such file or directory");
  };
  InputSession session(std::move(o), hub().get("input"));
  CHECK_FALSE(session.injecting());
  session.submit(lightwell::test::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN"));
  CHECK(session.stats().dropped == 1);
}

TEST_CASE("input session: a full queue drops packets instead of blocking the control thread", "[input-session]") {
  Seen seen;
  std::mutex gate;
  seen.gate = &gate;
  InputSessionOptions o = options_for(seen);
  o.queue_packets = 8;
  InputSession session(std::move(o), hub().get("input"));
  const auto down = lightwell::test::input_packet("LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN");
  {
    std::unique_lock hold(gate);  // the input thread blocks in its first emit()
    session.submit(down);
    REQUIRE(wait_until([&] { return seen.in_emit.load(); }));
    for (int i = 0; i < 20; ++i) session.submit(down);  // returns at once every time
    CHECK(session.stats().dropped == 12);
  }
  REQUIRE(wait_until([&] { return session.stats().packets == 9; }));
}

TEST_CASE("input session: rumble from the sink reaches on_rumble on the input thread", "[input-session]") {
  Seen seen;
  std::mutex mutex;
  std::vector<Rumble> got;
  InputSessionOptions o = options_for(seen);
  o.on_rumble = [&](const Rumble& r) {
    std::lock_guard lock(mutex);
    got.push_back(r);
  };
  InputSession session(std::move(o), hub().get("input"));
  {
    std::lock_guard lock(seen.mutex);
    seen.pending_rumble.push_back(Rumble{1, 0x8000, 0x4000});
  }
  session.submit(lightwell::test::input_packet("(automatic on start) enable haptics"));  // wakes the thread
  REQUIRE(wait_until([&] {
    std::lock_guard lock(mutex);
    return !got.empty();
  }));
  std::lock_guard lock(mutex);
  CHECK(got.front() == Rumble{1, 0x8000, 0x4000});
  CHECK(session.stats().rumbles == 1);
}
