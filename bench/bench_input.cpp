// Issue 7 benchmark: input packet received → evdev event written, p50/p99 in µs.
// The real InputSession (queue, input thread, parse_input_packet, Injector) with a sink that
// writes each event as a struct input_event to a pipe — the same write(2) of 24 bytes per
// event that uinput takes (uinput itself is not on this machine; in the QEMU guest timings
// mean nothing, FINDINGS.md). "Received" is the moment the control thread calls submit();
// "written" is when the packet's SYN_REPORT has been written. Packets are the captured client
// packets (tests/data/input_packets.txt): a mouse move, a key down, a key up, in turn (each
// writes events and a SYN_REPORT), sent at 1 kHz (a fast mouse). Figures only, never a verdict.
#include <linux/input.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "lightwell/server/input_session.hpp"
#include "report.hpp"

namespace bench = lightwell::bench;
namespace input = lightwell::input;
namespace server = lightwell::server;
using Clock = std::chrono::steady_clock;

namespace {

// Hex of captured packets (tests/data/input_packets.txt): mouse move (5, -3), key 'A' down,
// key 'A' up.
const char* const kPackets[] = {
    "00000008070000000005fffd",
    "0000000a03000000004100000000",
    "0000000a04000000004100000000",
};

std::vector<std::uint8_t> unhex(const char* s) {
  std::vector<std::uint8_t> out;
  for (const char* p = s; p[0] != 0 && p[1] != 0; p += 2) {
    auto nib = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); };
    out.push_back(static_cast<std::uint8_t>(nib(p[0]) << 4 | nib(p[1])));
  }
  return out;
}

// Writes events to a pipe (drained by a thread) and notes when each SYN_REPORT was written.
class PipeSink final : public input::InputSink {
 public:
  PipeSink(int fd, std::vector<Clock::time_point>& syn_times, std::mutex& mutex)
      : fd_(fd), syn_times_(syn_times), mutex_(mutex) {}
  void create_device(input::DeviceId) override {}
  void remove_device(input::DeviceId) override {}
  void emit(const input::EvdevEvent& e) override {
    input_event ev{};
    ev.type = e.type;
    ev.code = e.code;
    ev.value = e.value;
    if (::write(fd_, &ev, sizeof ev) != static_cast<ssize_t>(sizeof ev)) return;
    if (e.type == EV_SYN) {
      std::lock_guard lock(mutex_);
      syn_times_.push_back(Clock::now());
    }
  }

 private:
  int fd_;
  std::vector<Clock::time_point>& syn_times_;
  std::mutex& mutex_;
};

}  // namespace

int main(int argc, char** argv) {
  const int packets = bench::quick_mode(argc, argv) ? 2000 : 20000;
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  std::jthread drain([fd = fds[0]](std::stop_token) {
    char buf[4096];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  });
  std::mutex mutex;
  std::vector<Clock::time_point> syn_times;
  syn_times.reserve(static_cast<std::size_t>(packets) + 16);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(packets));
  std::vector<std::vector<std::uint8_t>> bytes;
  for (const char* h : kPackets) bytes.push_back(unhex(h));

  auto hub = server::LogHub::to_stderr(server::LogLevel::warn);
  {
    server::InputSessionOptions o;
    o.make_sink = [&]() -> lightwell::proto::Result<std::unique_ptr<input::InputSink>> {
      return std::unique_ptr<input::InputSink>(std::make_unique<PipeSink>(fds[1], syn_times, mutex));
    };
    server::InputSession session(std::move(o), hub.get("bench"));
    auto next = Clock::now();
    for (int i = 0; i < packets; ++i) {
      next += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(next);
      std::size_t before = 0;
      {
        std::lock_guard lock(mutex);
        before = syn_times.size();
      }
      const auto t0 = Clock::now();
      session.submit(bytes[static_cast<std::size_t>(i) % bytes.size()]);
      const auto deadline = t0 + std::chrono::milliseconds(100);
      for (;;) {
        {
          std::lock_guard lock(mutex);
          if (syn_times.size() > before) {
            us.push_back(std::chrono::duration<double, std::micro>(syn_times[before] - t0).count());
            break;
          }
        }
        if (Clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    const auto stats = session.stats();
    std::printf("%llu packets injected, %llu rejected, %llu dropped\n", static_cast<unsigned long long>(stats.packets),
                static_cast<unsigned long long>(stats.rejected), static_cast<unsigned long long>(stats.dropped));
  }
  ::close(fds[1]);
  bench::Report report("bench_input");
  report.add({"input/received_to_written/p50", bench::percentile(us, 0.5), "us", ""});
  report.add({"input/received_to_written/p99", bench::percentile(us, 0.99), "us", "<= 200"});
  report.add({"input/received_to_written/max", bench::percentile(us, 1.0), "us", ""});
  return 0;
}
