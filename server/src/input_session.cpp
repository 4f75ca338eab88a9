// See input_session.hpp.
#include "lightwell/server/input_session.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "lightwell/input/injector.hpp"
#include "lightwell/input/uinput_sink.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::server {

struct InputSession::Impl {
  InputSessionOptions options;
  Log log;
  std::unique_ptr<input::InputSink> sink;
  std::unique_ptr<input::Injector> injector;
  int wake_fd = -1;

  mutable std::mutex mutex;
  std::deque<std::vector<std::uint8_t>> queue;  // guarded by mutex
  std::vector<std::vector<std::uint8_t>> spare;  // recycled buffers, guarded by mutex

  std::atomic<std::uint64_t> packets{0}, rejected{0}, dropped{0}, rumbles{0};
  std::jthread thread;

  Impl(InputSessionOptions o, Log l) : options(std::move(o)), log(std::move(l)) {}

  void run(std::stop_token stop) {
    pthread_setname_np(pthread_self(), "input");
    std::vector<std::vector<std::uint8_t>> batch;
    std::vector<input::Rumble> rumble;
    std::vector<pollfd> fds;
    std::uint64_t reject_reports = 0;
    while (!stop.stop_requested()) {
      fds.assign(1, pollfd{wake_fd, POLLIN, 0});
      for (const int fd : sink->feedback_fds()) fds.push_back(pollfd{fd, POLLIN, 0});
      // Without gamepads 100 ms (stop is also signalled through wake_fd; this is a backstop).
      // With gamepads 20 ms: timed force-feedback effects end on the host's clock and the
      // client keeps rumbling until told to stop (input.md §8), so service_feedback() must
      // run often even when nothing arrives.
      ::poll(fds.data(), fds.size(), fds.size() > 1 ? 20 : 100);
      std::uint64_t counter = 0;
      if ((fds[0].revents & POLLIN) != 0) (void)::read(wake_fd, &counter, sizeof counter);
      {
        std::lock_guard lock(mutex);
        while (!queue.empty()) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      for (auto& packet : batch) {
        auto event = proto::input::parse_input_packet(packet);
        if (event) {
          injector->inject(*event);
          packets.fetch_add(1, std::memory_order_relaxed);
        } else {
          // Hostile or newer-client packets: counted, a line now and then, nothing injected.
          rejected.fetch_add(1, std::memory_order_relaxed);
          if (reject_reports++ % 1000 == 0) log.debug("input: packet rejected: {}", event.error().message);
        }
      }
      {
        std::lock_guard lock(mutex);
        for (auto& b : batch) spare.push_back(std::move(b));
      }
      batch.clear();
      rumble.clear();
      sink->service_feedback(rumble);
      for (const auto& r : rumble) {
        rumbles.fetch_add(1, std::memory_order_relaxed);
        if (options.on_rumble) options.on_rumble(r);
      }
    }
    injector->release_all();  // on this thread: the sink is single-threaded
  }
};

InputSession::InputSession(InputSessionOptions options, Log log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(log))) {
  Impl& s = *impl_;
  auto made = s.options.make_sink ? s.options.make_sink()
                                  : [&]() -> proto::Result<std::unique_ptr<input::InputSink>> {
                                      auto u = input::UinputSink::open("/dev/uinput", s.options.screen);
                                      if (!u) return proto::fail(u.error().code, u.error().message);
                                      return std::unique_ptr<input::InputSink>(std::move(*u));
                                    }();
  if (!made) {
    s.log.warn("input: disabled for this session: {}. The stream goes on without keyboard, mouse and "
               "gamepads; `lightwell probe` shows the fix",
               made.error().message);
    return;
  }
  s.sink = std::move(*made);
  s.injector = std::make_unique<input::Injector>(*s.sink, s.options.screen);
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.wake_fd < 0) {
    s.log.warn("input: disabled for this session: eventfd failed");
    s.injector.reset();
    s.sink.reset();
    return;
  }
  s.thread = std::jthread([&s](std::stop_token stop) { s.run(stop); });
}

InputSession::~InputSession() {
  Impl& s = *impl_;
  if (s.thread.joinable()) {
    s.thread.request_stop();
    const std::uint64_t one = 1;
    (void)::write(s.wake_fd, &one, sizeof one);
    s.thread.join();
  }
  s.injector.reset();
  s.sink.reset();  // removes the devices
  if (s.wake_fd >= 0) ::close(s.wake_fd);
}

void InputSession::submit(std::span<const std::uint8_t> packet) {
  Impl& s = *impl_;
  if (!s.sink) {
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  {
    std::lock_guard lock(s.mutex);
    if (s.queue.size() >= s.options.queue_packets) {
      s.dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::vector<std::uint8_t> buffer;
    if (!s.spare.empty()) {
      buffer = std::move(s.spare.back());
      s.spare.pop_back();
    }
    buffer.assign(packet.begin(), packet.end());
    s.queue.push_back(std::move(buffer));
  }
  const std::uint64_t one = 1;
  (void)::write(s.wake_fd, &one, sizeof one);
}

bool InputSession::injecting() const noexcept { return impl_->sink != nullptr; }

InputStats InputSession::stats() const {
  const Impl& s = *impl_;
  return {s.packets.load(), s.rejected.load(), s.dropped.load(), s.rumbles.load()};
}

}  // namespace lightwell::server
